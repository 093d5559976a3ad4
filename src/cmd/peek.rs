//! `mqq peek`: show pending messages without consuming them.

use std::process::ExitCode;

use crate::cli::PeekArgs;
use crate::config::QueueConfig;
use crate::output::Output;
use crate::queue::{Queue, Role, Sink};

/// Runs `peek`.
pub async fn run(args: &PeekArgs, cfg: &QueueConfig, verbose: bool) -> anyhow::Result<ExitCode> {
    let mut q = Queue::open(cfg, Role::Consumer, false).await?;
    super::subscribe(&mut q, verbose).await?;
    let want = usize::try_from(args.count).unwrap_or(usize::MAX);
    let got = q.peek(want, args.wait).await;
    // Disconnect before printing: nothing was acked, so the broker keeps every message.
    q.close().await;
    let msgs = got?;
    let mut out = Output::stdout(args.output.format, verbose);
    let written = msgs
        .iter()
        .try_for_each(|m| out.write(m))
        .and_then(|()| out.flush());
    if let Err(e) = written {
        return super::stop_code(&crate::queue::Stop::Sink(e), true);
    }
    let window = usize::try_from(args.window).unwrap_or(usize::MAX);
    if msgs.len() < want && msgs.len() >= window {
        eprintln!(
            "mqq: showing {} messages; more may be pending behind the broker's unacked window",
            msgs.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
