//! `mqq count`: how many messages are pending, without consuming any.

use std::process::ExitCode;

use super::shared::{known_window, subscribe, window};
use super::state;
use crate::cli::CountArgs;
use crate::config::QueueConfig;
use crate::error::Code;
use crate::output::Output;
use crate::queue::{Queue, QueueError, Role};

/// Runs `count`: prints the number alone, or `N+` when the broker's window may cap it.
pub async fn run(
    args: &CountArgs,
    cfg: &QueueConfig,
    out: &mut Output,
) -> anyhow::Result<ExitCode> {
    if cfg.client_id.is_none() {
        return Err(QueueError::NotDurable { action: "count" }.into());
    }
    let mut q = Queue::open(cfg, Role::Inspector, false).await?;
    subscribe(&mut q, out).await?;
    let w = window(args.window, &q, out);
    let window = w.size;
    let version = q.version();
    let got = q.count(args.wait, args.settle).await;
    let (broker, unacked) = (q.broker().uri(), q.unacked());
    q.close().await;
    let n = got?;
    let id = cfg.client_id.as_deref();
    let before = state::inspected(&broker, id, unacked);
    if let Some(seen) = before.filter(|s| s.unacked > n && n < window && !w.known) {
        // Fewer than the last peek left pending: the broker may be hiding them (NATS).
        out.print(format!("{n}+\n").as_bytes())?;
        out.diag().warn(&state::hidden_hint(seen, n));
    } else if n >= window {
        out.print(format!("{n}+\n").as_bytes())?;
        let why = if w.known {
            format!("the broker hands out at most {window} unacknowledged messages at once")
        } else if let Some(age) = w.measured() {
            format!(
                "the broker hands out at most {window} unacknowledged messages at once \
                 ({version}, measured by mqq check, {})",
                super::learned::ago(age)
            )
        } else {
            format!(
                "the broker hands out only a window of unacknowledged messages ({version}: \
                 {window} assumed; with MQTT 3.1.1 mosquitto 20, RabbitMQ 10, NATS 1024); raise \
                 --window to your broker's, or run `mqq check` once to measure it, to count \
                 exactly below it"
            )
        };
        out.diag().report(&format!("at least {n}: {why}"));
    } else {
        out.print(format!("{n}\n").as_bytes())?;
        if let Some(hint) = known_window(n, w) {
            out.diag().warn(&hint);
        }
    }
    Ok(Code::Ok.into())
}
