//! `mqq peek`: show pending messages without consuming them.

use std::process::ExitCode;

use super::shared::{known_window, stop_code, subscribe, warn_if_ephemeral, window};
use super::state;
use crate::cli::PeekArgs;
use crate::config::QueueConfig;
use crate::error::Code;
use crate::output::Output;
use crate::queue::{Queue, Retained, Role, Sink, Stop};

/// Runs `peek`.
pub async fn run(args: &PeekArgs, cfg: &QueueConfig, out: &mut Output) -> anyhow::Result<ExitCode> {
    warn_if_ephemeral(cfg, out);
    let mut q = Queue::open(cfg, Role::Inspector, false).await?;
    if args.output.no_retained {
        q.set_retained(Retained::Skip);
    }
    subscribe(&mut q, out).await?;
    let want = usize::try_from(args.count).unwrap_or(usize::MAX);
    let w = window(args.window, &q, out);
    let window = w.size;
    let got = q.peek(want, args.wait, args.settle).await;
    let (broker, unacked) = (q.broker().uri(), q.unacked());
    // Disconnect before printing: nothing was acked, so the broker keeps every message.
    q.close().await;
    let msgs = got?;
    let id = cfg.client_id.as_deref();
    let before = state::inspected(&broker, id, unacked);
    let written = msgs
        .iter()
        .try_for_each(|m| out.write(m))
        .and_then(|()| Sink::flush(out));
    if let Err(e) = written {
        return stop_code(Stop::Sink(e), true);
    }
    if let Some(seen) = before.filter(|s| s.unacked > unacked && msgs.len() < want && !w.known) {
        out.diag().warn(&state::hidden_hint(seen, unacked));
    } else if let Some(hint) = known_window(unacked, w).filter(|_| msgs.len() < want) {
        out.diag().warn(&hint);
    } else if msgs.len() < want && msgs.len() >= window {
        out.diag().report(&format!(
            "showing {} messages; more may be pending behind the broker's unacked window",
            msgs.len()
        ));
    }
    Ok(Code::Ok.into())
}
