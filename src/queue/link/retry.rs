//! When to try a broken connection again: a doubling, jittered back-off, and the turns the
//! nodes of a failover list take. Used by the connection task's reconnects and by the core's
//! first connect, which rides out a cluster that refuses for a while.

use std::time::Duration;

/// The longest pause between two reconnect attempts, however often they failed.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The pause before reconnect attempt `n` (0-based) after `base`: doubling from `base` up to
/// [`MAX_BACKOFF`], less up to a fifth at random so that many clients of a restarted broker
/// do not all come back at the same instant.
pub(crate) fn backoff(base: Duration, n: u32) -> Duration {
    let full = base
        .saturating_mul(1u32 << n.min(16))
        .min(MAX_BACKOFF.max(base));
    let jitter = (uuid::Uuid::new_v4().as_u128() % 1000) as f64 / 5000.0;
    full.mul_f64(1.0 - jitter)
}

/// The pause before reconnect attempt `n` (0-based) when `brokers` addresses take turns:
/// the next node is tried at once, and the back-off applies only after a whole round failed.
pub(super) fn failover_delay(base: Duration, n: u32, brokers: usize) -> Duration {
    let brokers = u32::try_from(brokers.max(1)).unwrap_or(u32::MAX);
    if (n + 1) % brokers == 0 {
        backoff(base, n / brokers)
    } else {
        Duration::ZERO
    }
}
