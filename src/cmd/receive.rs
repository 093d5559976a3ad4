//! `mqq receive`: take up to N messages within a timeout, acking each after it is written.

use std::process::ExitCode;
use std::time::Instant;

use crate::cli::ReceiveArgs;
use crate::config::QueueConfig;
use crate::output::{Output, Progress, Total};
use crate::queue::{Queue, Retained, Role, Stop};
use crate::state;

/// Runs `receive`.
pub async fn run(
    args: &ReceiveArgs,
    cfg: &QueueConfig,
    out: &mut Output,
) -> anyhow::Result<ExitCode> {
    // -W bounds the whole command, connecting included (as mosquitto_sub's -W does).
    let started = Instant::now();
    let mut bounded = cfg.clone();
    bounded.options.connect_timeout = cfg.options.connect_timeout.min(args.timeout);
    let mut q = Queue::open(&bounded, Role::Consumer, false).await?;
    if args.output.no_retained {
        q.set_retained(Retained::SkipAndAck);
    }
    super::subscribe(&mut q, out).await?;
    let want = usize::try_from(args.count).unwrap_or(usize::MAX);
    let left = args.timeout.saturating_sub(started.elapsed());
    let progress = if want > 1 {
        out.progress("received", Total::Messages(want as u64))
    } else {
        Progress::hidden()
    };
    let got = q.receive(want, left, out).await;
    let broker = q.broker().uri();
    progress.finish();
    q.close().await;
    let got = got?;
    let id = cfg.client_id.as_deref();
    let before = state::consumed(&broker, id, got.count);
    if !matches!(got.stop, Stop::Count | Stop::Sink(_)) {
        out.diag().report(&format!(
            "received {} of {want} message{} within {}",
            got.count,
            if want == 1 { "" } else { "s" },
            humantime::format_duration(args.timeout)
        ));
        if let Some(seen) = before.filter(|s| s.unacked > got.count) {
            out.diag().warn(&state::hidden_hint(seen, got.count));
        }
    }
    if want > 1 && got.count >= want {
        super::summary(out, "received", got.count, started.elapsed());
    }
    super::stop_code(got.stop, got.count >= want)
}
