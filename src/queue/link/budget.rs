//! How much the core may hold that the link read and the core has not yet dropped: the
//! [`Budget`] the connection task checks before it reads, and the [`Hold`] each delivery
//! carries until it is dropped (docs/DESIGN.md §4, the bound on what mqq holds).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::futures::Notified;
use tokio::sync::Notify;

/// Back-pressure between the connection task and the core. Every message the task hands
/// over holds a share of the budget until the core drops it (written, skipped or counted),
/// wherever it waits meanwhile: the event channel, the queue's buffer, a batch. While the
/// budget is spent the task stops reading the socket, so a slow consumer (stdout blocked)
/// pushes back through TCP to the broker instead of growing memory; the broker then queues
/// or (QoS 0) drops what it cannot send, as it does for any slow subscriber. The task still
/// writes meanwhile (acknowledgements, pings), and reads while the core waits for an event
/// with nothing in hand (it then holds no budget: never a deadlock).
#[derive(Debug)]
pub(crate) struct Budget {
    waiting: AtomicBool,
    bytes: AtomicUsize,
    msgs: AtomicUsize,
    max_bytes: usize,
    max_msgs: usize,
    wake: Notify,
}

/// The budget of a consumer's link: a few MB, and four batches of small messages.
pub const BUDGET_BYTES: usize = 4 << 20;
/// See [`BUDGET_BYTES`].
pub const BUDGET_MESSAGES: usize = 4096;

impl Budget {
    pub(super) fn new(limits: Option<(usize, usize)>) -> Arc<Budget> {
        let (max_bytes, max_msgs) = limits.unwrap_or((usize::MAX, usize::MAX));
        Arc::new(Budget {
            waiting: AtomicBool::new(false),
            bytes: AtomicUsize::new(0),
            msgs: AtomicUsize::new(0),
            max_bytes,
            max_msgs,
            wake: Notify::new(),
        })
    }

    /// Takes `bytes` of the budget for one message, until the [`Hold`] is dropped.
    pub(super) fn take(self: &Arc<Budget>, bytes: usize) -> Hold {
        if self.max_msgs == usize::MAX {
            return Hold(None);
        }
        self.bytes.fetch_add(bytes, Ordering::AcqRel);
        self.msgs.fetch_add(1, Ordering::AcqRel);
        Hold(Some((Arc::clone(self), bytes)))
    }

    fn release(&self, bytes: usize) {
        let b = self.bytes.fetch_sub(bytes, Ordering::AcqRel);
        let m = self.msgs.fetch_sub(1, Ordering::AcqRel);
        if (b > self.max_bytes && b - bytes <= self.max_bytes)
            || (m > self.max_msgs && m - 1 <= self.max_msgs)
        {
            self.wake.notify_one();
        }
    }

    fn spent(&self) -> bool {
        self.bytes.load(Ordering::Acquire) > self.max_bytes
            || self.msgs.load(Ordering::Acquire) > self.max_msgs
    }

    /// The core waits for an event (`true`) or stopped waiting (`false`).
    pub(super) fn set_waiting(&self, on: bool) {
        self.waiting.store(on, Ordering::Release);
        if on {
            self.wake.notify_one();
        }
    }

    /// Completes when a message gave back enough of a spent budget, or the core began to wait.
    pub(super) fn freed(&self) -> Notified<'_> {
        self.wake.notified()
    }

    /// Whether the connection task must stop reading: the budget is spent and the core is
    /// not waiting for an event.
    pub(super) fn must_stop_reading(&self) -> bool {
        self.spent() && !self.waiting.load(Ordering::Acquire)
    }
}

/// A message's share of the [`Budget`], given back when the message is dropped. A clone of
/// a message holds nothing (the original still does).
#[derive(Default)]
pub(crate) struct Hold(Option<(Arc<Budget>, usize)>);

impl Drop for Hold {
    fn drop(&mut self) {
        if let Some((budget, bytes)) = self.0.take() {
            budget.release(bytes);
        }
    }
}

impl Clone for Hold {
    fn clone(&self) -> Hold {
        Hold(None)
    }
}

impl std::fmt::Debug for Hold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hold")
    }
}
