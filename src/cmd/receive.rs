//! `mqq receive`: take up to N messages within a timeout, acking each after it is written.

use std::process::ExitCode;

use crate::cli::ReceiveArgs;
use crate::config::QueueConfig;
use crate::output::Output;
use crate::queue::{Queue, Role, Stop};

/// Runs `receive`.
pub async fn run(
    args: &ReceiveArgs,
    cfg: &QueueConfig,
    out: &mut Output,
) -> anyhow::Result<ExitCode> {
    let mut q = Queue::open(cfg, Role::Consumer, false).await?;
    super::subscribe(&mut q, out).await?;
    let want = usize::try_from(args.count).unwrap_or(usize::MAX);
    let got = q.receive(want, args.timeout, out).await;
    q.close().await;
    let got = got?;
    if !matches!(got.stop, Stop::Count | Stop::Sink(_)) {
        out.diag().report(&format!(
            "received {} of {want} message{} within {}",
            got.count,
            if want == 1 { "" } else { "s" },
            humantime::format_duration(args.timeout)
        ));
    }
    super::stop_code(got.stop, got.count >= want)
}
