//! `mqq count`: how many messages are pending, without consuming any.

use std::process::ExitCode;

use crate::cli::CountArgs;
use crate::config::QueueConfig;
use crate::error::Code;
use crate::output::Output;
use crate::queue::{Queue, Role};

/// Runs `count`: prints the number alone, or `N+` when the broker's window may cap it.
pub async fn run(
    args: &CountArgs,
    cfg: &QueueConfig,
    out: &mut Output,
) -> anyhow::Result<ExitCode> {
    super::warn_if_ephemeral(cfg, out);
    let mut q = Queue::open(cfg, Role::Inspector, false).await?;
    super::subscribe(&mut q, out).await?;
    let window = super::window(args.window, &q);
    let version = q.version();
    let got = q.count(args.wait).await;
    q.close().await;
    let n = got?;
    if n >= window {
        out.print(format!("{n}+\n").as_bytes())?;
        out.diag().report(&format!(
            "at least {n}: the broker hands out only a window of unacknowledged messages \
             ({version}: {window} assumed; mosquitto 20, RabbitMQ 10 with MQTT 3.1.1); raise \
             --window to your broker's to count exactly below it"
        ));
    } else {
        out.print(format!("{n}\n").as_bytes())?;
    }
    Ok(Code::Ok.into())
}
