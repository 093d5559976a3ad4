//! The window of unacknowledged messages a broker hands a session at once, as `peek` and
//! `count` see it: they acknowledge nothing, so they see at most one window, and must say
//! "at least N" when what they saw may be the window rather than the queue (docs/DESIGN.md
//! §2).

use std::time::Duration;

use crate::cmd::{learned, state};
use crate::output::Output;
use crate::queue::Queue;

/// The unacked window assumed of an MQTT 3.1.1 connection when `--window` is not given and
/// the broker is not an `mqq broker` on this machine: the smallest of the brokers mqq was
/// measured with (RabbitMQ's `mqtt.prefetch`).
const ASSUMED_V311_WINDOW: usize = 10;

/// The window that may cap what a peek or count sees, whether it is the broker's own, and
/// where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// At most this many unacknowledged messages come at once (`usize::MAX`: no window).
    pub size: usize,
    /// The broker's window is known (MQTT 5 told it; or the broker is an `mqq broker` on this
    /// machine), not assumed: no other broker's default is in play, and the broker resends
    /// what a peek left on reconnect, as MQTT asks.
    pub known: bool,
    /// Where `size` came from.
    pub from: WindowFrom,
}

/// Where a peek's or count's window came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowFrom {
    /// `--window`.
    Given,
    /// MQTT 5: the Receive Maximum the connection sent.
    Asked,
    /// An `mqq broker` on this machine recorded it.
    LocalBroker,
    /// `mqq check` measured it on this broker, this long ago. Not `known`: a broker that
    /// holds unacknowledged messages back (NATS) may still hide some from a count.
    Measured(Duration),
    /// Nothing says: [`ASSUMED_V311_WINDOW`].
    Assumed,
}

impl Window {
    /// How long ago `mqq check` measured this window, if it did.
    pub fn measured(&self) -> Option<Duration> {
        match self.from {
            WindowFrom::Measured(age) => Some(age),
            _ => None,
        }
    }

    /// The `-v` line: the window, and where it came from.
    fn describe(&self) -> String {
        let size = self.size;
        match self.from {
            WindowFrom::Given => format!("window: {size} (--window)"),
            WindowFrom::Asked => format!("window: {size} (the Receive Maximum mqq sent)"),
            WindowFrom::LocalBroker => {
                format!("window: {size} (recorded by the mqq broker serving this address)")
            }
            WindowFrom::Measured(age) if size == usize::MAX => format!(
                "window: none (mqq check, {}: a resumed session got everything at once)",
                learned::ago(age)
            ),
            WindowFrom::Measured(age) => {
                format!(
                    "window: {size} (measured by mqq check, {})",
                    learned::ago(age)
                )
            }
            WindowFrom::Assumed => format!(
                "window: {size}, assumed (MQTT 3.1.1 does not say; --window sets it, and \
                 `mqq check` measures it for later runs)"
            ),
        }
    }
}

/// For peek and count: the window that may cap what the broker handed out — `--window` if
/// given, else the one the connection asked for (MQTT 5), else the one an `mqq broker` on
/// this machine recorded, else the one `mqq check` measured there, else
/// [`ASSUMED_V311_WINDOW`]. `-v` says which.
pub fn window(given: Option<u64>, q: &Queue, out: &Output) -> Window {
    let local = || {
        let b = q.broker();
        (q.window().is_none() && b.transport == crate::config::Transport::Tcp)
            .then(|| state::local_broker(&b.host, b.port))
            .flatten()
    };
    let (size, known, from) = match (given, q.window()) {
        (Some(w), v5) => (
            usize::try_from(w).unwrap_or(usize::MAX),
            v5.is_some(),
            WindowFrom::Given,
        ),
        (None, Some(v5)) => (usize::from(v5), true, WindowFrom::Asked),
        (None, None) => match (local(), learned::window(&q.broker().uri())) {
            (Some(b), _) => (b.window, true, WindowFrom::LocalBroker),
            (None, Some((size, age))) => {
                (size.unwrap_or(usize::MAX), false, WindowFrom::Measured(age))
            }
            (None, None) => (ASSUMED_V311_WINDOW, false, WindowFrom::Assumed),
        },
    };
    let w = Window { size, known, from };
    out.diag().verbose(&w.describe());
    w
}

/// The unacknowledged windows of the brokers mqq knows (MQTT 3.1.1 defaults): a count that
/// lands exactly on one of them, below a larger `--window`, may be that broker's cap.
const KNOWN_WINDOWS: [(usize, &str); 3] = [
    (10, "RabbitMQ's (mqtt.prefetch)"),
    (20, "mosquitto's (max_inflight_messages)"),
    (1024, "NATS's (mqtt { max_ack_pending })"),
];

/// The warning for `n` of a `window` larger than what some broker hands out: `n` may be
/// that broker's window, not the queue's length. Only when the broker's window is not known
/// (MQTT 3.1.1 to a broker other than `mqq broker`) nor measured by `mqq check`: an MQTT 5
/// broker was told the window.
pub fn known_window(n: usize, window: Window) -> Option<String> {
    if window.known || window.measured().is_some() {
        return None;
    }
    let window = window.size;
    let (_, whose) = KNOWN_WINDOWS.iter().find(|(w, _)| *w == n && n < window)?;
    Some(format!(
        "{n} is {whose} default window of unacknowledged messages: with --window {window} \
         above your broker's window, more may be pending than shown"
    ))
}
