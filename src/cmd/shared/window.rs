//! The window of unacknowledged messages a broker hands a session at once, as `peek` and
//! `count` see it: they acknowledge nothing, so they see at most one window, and must say
//! "at least N" when what they saw may be the window rather than the queue (docs/DESIGN.md
//! §2).

use crate::cmd::state;
use crate::queue::Queue;

/// The unacked window assumed of an MQTT 3.1.1 connection when `--window` is not given and
/// the broker is not an `mqq broker` on this machine: the smallest of the brokers mqq was
/// measured with (RabbitMQ's `mqtt.prefetch`).
const ASSUMED_V311_WINDOW: usize = 10;

/// The window that may cap what a peek or count sees, and whether it is the broker's own.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// At most this many unacknowledged messages come at once.
    pub size: usize,
    /// The broker's window is known (MQTT 5 told it; or the broker is an `mqq broker` on this
    /// machine), not assumed: no other broker's default is in play, and the broker resends
    /// what a peek left on reconnect, as MQTT asks.
    pub known: bool,
}

/// For peek and count: the window that may cap what the broker handed out — `--window` if
/// given, else the one the connection asked for (MQTT 5), else the one an `mqq broker` on
/// this machine recorded, else [`ASSUMED_V311_WINDOW`].
pub fn window(given: Option<u64>, q: &Queue) -> Window {
    let local = || {
        let b = q.broker();
        (q.window().is_none() && b.transport == crate::config::Transport::Tcp)
            .then(|| state::local_broker(&b.host, b.port))
            .flatten()
    };
    let (size, known) = match (given, q.window()) {
        (Some(w), v5) => (usize::try_from(w).unwrap_or(usize::MAX), v5.is_some()),
        (None, Some(v5)) => (usize::from(v5), true),
        (None, None) => match local() {
            Some(b) => (b.window, true),
            None => (ASSUMED_V311_WINDOW, false),
        },
    };
    Window { size, known }
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
/// (MQTT 3.1.1 to a broker other than `mqq broker`): an MQTT 5 broker was told the window.
pub fn known_window(n: usize, window: Window) -> Option<String> {
    if window.known {
        return None;
    }
    let window = window.size;
    let (_, whose) = KNOWN_WINDOWS.iter().find(|(w, _)| *w == n && n < window)?;
    Some(format!(
        "{n} is {whose} default window of unacknowledged messages: with --window {window} \
         above your broker's window, more may be pending than shown"
    ))
}
