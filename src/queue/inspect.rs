//! Looking at pending messages without consuming them (`peek`, `count`): read until the
//! broker's burst of a session's pending messages ends, acknowledging nothing, so that the
//! broker hands them to the session's next connection (docs/DESIGN.md §2). What ends a burst
//! is quiet: no message and no byte of one for the settle period plus the connection's
//! set-up time; the gaps seen go to the debug log.

use std::time::Duration;

use tokio::time::Instant;

use super::conn::Conn;
use super::consume::Consumer;
use super::error::QueueError;
use super::message::Message;

/// The default pause that ends a burst of deliveries for `peek`/`count` (`--settle`), once the
/// first message arrived. A broker hands a resumed session its pending messages (up to its
/// window) in one go, with pauses of microseconds inside it on loopback: 200 ms leaves a
/// margin of over a thousand times (docs/PERFORMANCE.md §5). The wait for the first message
/// (`--wait`, 1 s) is unchanged, since an empty queue has nothing that says so. Beyond
/// loopback a burst larger than TCP's congestion window arrives in flights a round trip
/// apart, so the quiet period is this plus the connection's set-up time (see
/// `quiet_after_first`).
pub const SETTLE: Duration = Duration::from_millis(200);

/// The pauses between deliveries of a peek or count, for the debug log (`-vv`): how long
/// the settle period could be without cutting a burst short.
struct Gaps {
    start: Instant,
    last: Instant,
    first: Option<Duration>,
    largest: Duration,
}

impl Gaps {
    fn new() -> Gaps {
        let now = Instant::now();
        Gaps {
            start: now,
            last: now,
            first: None,
            largest: Duration::ZERO,
        }
    }

    fn arrived(&mut self) {
        let now = Instant::now();
        if self.first.is_none() {
            self.first = Some(now - self.start);
        } else {
            self.largest = self.largest.max(now - self.last);
        }
        self.last = now;
    }

    fn report(&self, n: usize, quiet: Duration) {
        tracing::debug!(
            messages = n,
            first_after = ?self.first,
            largest_gap = ?self.largest,
            quiet_period = ?quiet,
            "deliveries ended"
        );
    }
}

/// Up to `n` pending messages, never acknowledged: the broker delivers them again to the
/// next connection of this session. Returns when `n` arrived, when nothing came for `wait`,
/// or, once messages flow, when none came for `settle` (at most `wait`) plus the
/// connection's set-up time: the broker hands a session's pending messages out in one burst
/// (see [`SETTLE`]).
pub(super) async fn peek(
    consumer: &Consumer,
    conn: &mut Conn,
    n: usize,
    wait: Duration,
    settle: Duration,
) -> Result<Vec<Message>, QueueError> {
    let mut out = Vec::new();
    let mut gaps = Gaps::new();
    let settled = quiet_after_first(conn, wait, settle);
    while out.len() < n {
        let quiet = if out.is_empty() { wait } else { settled };
        match consumer.next_unless_quiet(conn, quiet).await? {
            Some(m) => {
                gaps.arrived();
                out.push(m);
            }
            None => break,
        }
    }
    gaps.report(out.len(), settled);
    Ok(out)
}

/// How many messages are pending, never acknowledging any: counts deliveries until nothing
/// came for `wait`, or, once messages flow, for `settle` (at most `wait`) plus the
/// connection's set-up time. The broker's unacked window caps what it hands out, so a
/// caller must treat a result at or above that window as "at least".
pub(super) async fn count(
    consumer: &Consumer,
    conn: &mut Conn,
    wait: Duration,
    settle: Duration,
) -> Result<usize, QueueError> {
    let mut n = 0;
    let mut gaps = Gaps::new();
    let settled = quiet_after_first(conn, wait, settle);
    loop {
        let quiet = if n == 0 { wait } else { settled };
        if consumer.next_unless_quiet(conn, quiet).await?.is_none() {
            break;
        }
        gaps.arrived();
        n += 1;
    }
    gaps.report(n, settled);
    Ok(n)
}

/// The pause that ends a burst of deliveries once one arrived: `settle` (at most `wait`)
/// plus the time the connection took to set up. A burst larger than TCP's congestion window
/// reaches the client in flights a round trip apart, and a set-up took at least one round
/// trip (the CONNECT's; TCP's handshake is another, TLS one or two more): over a link slower
/// than `settle` the pause between two flights would otherwise end the burst and a count
/// would be short. On loopback it adds about a millisecond.
fn quiet_after_first(conn: &Conn, wait: Duration, settle: Duration) -> Duration {
    settle.min(wait) + conn.link().setup_time()
}
