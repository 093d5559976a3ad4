//! `mqq receive`: take up to N messages within a timeout, acking each after it is written.

use std::process::ExitCode;
use std::time::Instant;

use super::shared::{signal_name, stop_code, subscribe, summary};
use super::state;
use crate::cli::ReceiveArgs;
use crate::config::QueueConfig;
use crate::error::Code;
use crate::output::{Output, Progress, Total};
use crate::queue::{Queue, QueueError, Retained, Role, Stop};

/// Runs `receive`.
pub async fn run(
    args: &ReceiveArgs,
    cfg: &QueueConfig,
    out: &mut Output,
    interrupt: impl std::future::Future<Output = u8>,
) -> anyhow::Result<ExitCode> {
    // Which signal stopped it, if one did (see `shared::interrupt_signal`).
    let signal = std::cell::Cell::new(0u8);
    let stop = async {
        signal.set(interrupt.await);
    };
    // -W bounds the whole command, connecting included (as mosquitto_sub's -W does).
    let started = Instant::now();
    let mut bounded = cfg.clone();
    // `-W 0` asks for what is there at once: no connection could be made within 0, so it
    // bounds only the wait for messages.
    if !args.timeout.is_zero() {
        bounded.options.connect_timeout = cfg.options.connect_timeout.min(args.timeout);
    }
    // A broker that never answers CONNECT within -W is exit 3, naming the bound.
    let mut q = Queue::open(&bounded, Role::Consumer, false).await?;
    if args.output.no_retained {
        q.set_retained(Retained::SkipAndAck);
    }
    // The SUBACK is waited for within -W too; a broker that never sends one is a fault of
    // the broker (exit 3), reported when its own wait ends before -W does.
    let left = args.timeout.saturating_sub(started.elapsed());
    // -W bounds the close too, should the time run out here.
    q.close_by(tokio::time::Instant::now() + left);
    match tokio::time::timeout(left, subscribe(&mut q, out)).await {
        Err(_) => {
            q.close().await;
            return Ok(time_is_up(args, out, Some("subscribing")));
        }
        Ok(Err(QueueError::SubscribeTimeout { .. })) if started.elapsed() >= args.timeout => {
            q.close().await;
            return Ok(time_is_up(args, out, Some("subscribing")));
        }
        Ok(r) => r?,
    }
    let want = usize::try_from(args.count).unwrap_or(usize::MAX);
    let left = args.timeout.saturating_sub(started.elapsed());
    let progress = if want > 1 {
        out.progress("received", Total::Messages(want as u64))
    } else {
        Progress::hidden()
    };
    let got = q.receive_until(want, left, out, stop).await;
    let broker = q.broker().uri();
    let (durable, resumed) = (q.is_durable(), q.session_present());
    progress.finish();
    q.close().await;
    let got = got?;
    let id = cfg.client_id.as_deref();
    let before = state::consumed(&broker, id, got.count);
    if matches!(got.stop, Stop::Shutdown) {
        // Stopped by the user: what it got, then the shell's code for that signal.
        let code = signal.get();
        out.diag().report(&format!(
            "interrupted ({}): received {} of {want} message{}",
            signal_name(code),
            got.count,
            if want == 1 { "" } else { "s" },
        ));
        return Ok(ExitCode::from(code));
    }
    if !matches!(got.stop, Stop::Count | Stop::Sink(_)) {
        out.diag().report(&format!(
            "received {} of {want} message{} within {}",
            got.count,
            if want == 1 { "" } else { "s" },
            humantime::format_duration(args.timeout)
        ));
        if let Some(seen) = before.filter(|s| s.unacked > got.count) {
            out.diag().warn(&state::hidden_hint(seen, got.count));
        } else if let Some(hint) = nothing_hint(durable, resumed, cfg).filter(|_| got.count == 0) {
            out.diag().report(&hint);
        }
    }
    if want > 1 && got.count >= want {
        summary(out, "received", got.count, started.elapsed());
    }
    stop_code(got.stop, got.count >= want)
}

/// Why a receive may have got nothing, when the queue's kind explains it: an ephemeral queue
/// sees only what arrives while it runs, and a new durable queue only what is sent after its
/// session exists (MQTT has nowhere to keep a message for a session that does not).
fn nothing_hint(durable: bool, resumed: bool, cfg: &QueueConfig) -> Option<String> {
    Some(match (durable, resumed) {
        (false, _) => "hint: without -i the queue is ephemeral: it gets only messages sent while \
                       it runs (start receive first, or use listen) and a retained one; for \
                       messages sent while no mqq runs, use a durable queue: -i ID, created by \
                       its first use (e.g. mqq -i ID count)"
            .into(),
        (true, false) => format!(
            "hint: client id \"{}\" had no session at the broker: this receive created the durable \
             queue, which keeps what is sent from now on (messages sent before were not kept)",
            cfg.client_id.as_deref().unwrap_or_default()
        ),
        (true, true) => return None,
    })
}

/// `-W` passed while the broker had not yet answered the subscription: nothing received,
/// exit 1, as when it passes on an empty queue.
fn time_is_up(args: &ReceiveArgs, out: &Output, during: Option<&str>) -> ExitCode {
    let want = args.count;
    out.diag().report(&format!(
        "received 0 of {want} message{} within {}{}",
        if want == 1 { "" } else { "s" },
        humantime::format_duration(args.timeout),
        during
            .map(|d| format!(" (still {d}: the broker had not answered yet)"))
            .unwrap_or_default()
    ));
    Code::Shortfall.into()
}
