//! `mqq listen`: stream messages until Ctrl-C / SIGTERM, a count or an idle timeout.

use std::process::ExitCode;

use super::shared::{stop_code, subscribe, summary};
use super::state;
use crate::cli::ListenArgs;
use crate::config::QueueConfig;
use crate::error::Code;
use crate::output::{Output, Total};
use crate::queue::{ListenLimits, Queue, QueueError, Retained, Role, Stop};
use tokio::time::Instant;

/// How long after Ctrl-C / SIGTERM a listen blocked writing to stdout (a full pipe whose
/// reader does not read) still waits before it ends the process: the message being written
/// is not acknowledged, and those written before it were, so nothing is lost.
const BLOCKED_GRACE: std::time::Duration = std::time::Duration::from_millis(200);

/// Runs `listen`; `shutdown` completes on Ctrl-C / SIGTERM.
pub async fn run(
    args: &ListenArgs,
    cfg: &QueueConfig,
    out: &mut Output,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<ExitCode> {
    // The signal is awaited on a task of its own: a write into a full pipe blocks this one,
    // where the stop would otherwise wait for the reader ("at any moment", the README says).
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let diag = out.diag().clone();
    let watchdog = tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(());
        tokio::time::sleep(BLOCKED_GRACE).await;
        if crate::output::writing_stdout() {
            diag.warn(
                "stopped while stdout was blocked: the message being written and those after \
                 it were not acknowledged and stay queued",
            );
            std::process::exit(0);
        }
    });
    let shutdown = async {
        let _ = stopped.await;
    };
    let result = listen(args, cfg, out, shutdown).await;
    watchdog.abort();
    result
}

async fn listen(
    args: &ListenArgs,
    cfg: &QueueConfig,
    out: &mut Output,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<ExitCode> {
    // Ctrl-C / SIGTERM count from the start: while connecting (up to connect_timeout) too;
    // so does -W, which bounds the whole command.
    let started = Instant::now();
    let until = args.timeout.map(|w| started + w);
    let ends = async {
        match until {
            Some(u) => tokio::time::sleep_until(u).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(shutdown);
    let opened = tokio::select! {
        biased;
        // Stopped before subscribing: the summary still says how many (none), as it does
        // after any other stop, so a script reading stderr sees the same line either way.
        () = &mut shutdown => {
            summary(out, "received", 0, started.elapsed());
            return Ok(Code::Ok.into());
        }
        () = ends => {
            out.diag().verbose("the time limit passed while connecting; stopping");
            summary(out, "received", 0, started.elapsed());
            return Ok(Code::Ok.into());
        }
        q = async {
            let mut q = Queue::open(cfg, Role::Consumer, true).await?;
            if args.output.no_retained {
                q.set_retained(Retained::SkipAndAck);
            }
            subscribe(&mut q, out).await?;
            Ok::<_, QueueError>(q)
        } => q,
    };
    let mut q = opened?;
    let limits = ListenLimits {
        max: args.count.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        idle: args.idle_timeout,
        until,
    };
    let progress = out.progress(
        "received",
        limits
            .max
            .map_or(Total::Unknown, |n| Total::Messages(n as u64)),
    );
    let got = q.listen(limits, out, shutdown).await;
    let broker = q.broker().uri();
    progress.finish();
    q.close().await;
    let got = got?;
    state::consumed(&broker, cfg.client_id.as_deref(), got.count);
    if matches!(got.stop, Stop::Timeout) {
        out.diag().verbose("the time limit passed; stopping");
    }
    summary(out, "received", got.count, started.elapsed());
    stop_code(got.stop, true)
}
