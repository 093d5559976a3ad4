//! `mqq move --to TOPIC`: drain a queue into another topic. Each batch is published to the
//! destination (the original bytes and properties, at the configured QoS, at least 1) and
//! acknowledged at the source only after the destination acknowledged all of it: a crash
//! or a refused publish leaves the batch at the source (at-least-once: the destination may
//! see some twice, never none). For replaying a dead-letter queue or migrating a topic.

use std::process::ExitCode;

use super::shared::{subscribe, warn_if_ephemeral};
use super::state;
use crate::cli::MoveArgs;
use crate::config::QueueConfig;
use crate::error::{Code, UsageError};
use crate::output::Output;
use crate::queue::{topic, Message, OutMessage, Queue, QueueError, Role, Sink};

/// Messages moved between two acknowledgements at the source: what one batch publishes to
/// the destination and waits to have acknowledged there before acknowledging at the source.
const MOVE_BATCH: usize = 512;

/// Runs `move`.
pub async fn run(
    args: &MoveArgs,
    cfg: &QueueConfig,
    dest_cfg: &QueueConfig,
    out: &mut Output,
) -> anyhow::Result<ExitCode> {
    let to = dest_cfg.topic.clone().unwrap_or_default();
    topic::validate_publish(&to).map_err(|e| UsageError(format!("the destination {e}")))?;
    refuse_loop(args, cfg, dest_cfg, &to)?;
    let want = args
        .count
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    if args.dry_run {
        return dry_run(cfg, want, args, &to, out).await;
    }
    let started = std::time::Instant::now();
    // The source rides out a broker restart too (options.retry_connect): a batch whose
    // connection dropped before its acknowledgements is delivered again and moved again.
    let mut source = Queue::open(cfg, Role::Consumer, cfg.options.retry_connect).await?;
    let mut dest_cfg = dest_cfg.clone();
    dest_cfg.extra_topics.clear();
    dest_cfg.options.qos = dest_cfg.options.qos.max(1);
    // The destination rides out a restart as `send -l` does (a session of its own while it
    // runs): what was in flight is sent again, and the source keeps the batch until then.
    // Opened before the source subscribes: from "subscribed to" on, both ride out a restart.
    let mut dest = Queue::open(&dest_cfg, Role::Producer, true).await?;
    subscribe(&mut source, out).await?;
    let mut moved = 0usize;
    let result = drain(&mut source, &mut dest, want, args, cfg, &mut moved).await;
    let dest_uri = dest.broker().uri();
    let source_uri = source.broker().uri();
    dest.close().await;
    source.close().await;
    state::consumed(&source_uri, cfg.client_id.as_deref(), moved);
    out.diag().report(&format!(
        "moved {moved} message{} to {} at {} in {:.2?}",
        if moved == 1 { "" } else { "s" },
        to,
        dest_uri,
        started.elapsed()
    ));
    result?;
    Ok(Code::Ok.into())
}

/// Refuses a destination the source's filter matches on the same broker: a loop, where every
/// message moved comes back to be moved again, without end.
fn refuse_loop(
    args: &MoveArgs,
    cfg: &QueueConfig,
    dest_cfg: &QueueConfig,
    to: &str,
) -> Result<(), UsageError> {
    let same_broker = dest_cfg
        .connections
        .iter()
        .any(|d| cfg.connections.contains(d));
    if !same_broker {
        return Ok(());
    }
    let filters = cfg.topic.iter().chain(&cfg.extra_topics);
    let Some(f) = filters.into_iter().find(|f| topic::matches(f, to)) else {
        return Ok(());
    };
    let what = if f == to {
        "that is the queue's own topic".to_string()
    } else {
        format!("the queue's filter {f} matches it")
    };
    let flag = match &args.to_queue {
        Some(name) => format!("--to-queue {name} (topic {to})"),
        None => format!("--to {to}"),
    };
    Err(UsageError(format!(
        "{flag}: {what}, so every message moved would come back to be moved again; give a \
         topic outside the filter"
    )))
}

/// `--dry-run`: a peek of what would move; nothing is acknowledged, nothing published.
async fn dry_run(
    cfg: &QueueConfig,
    want: usize,
    args: &MoveArgs,
    to: &str,
    out: &mut Output,
) -> anyhow::Result<ExitCode> {
    warn_if_ephemeral(cfg, out);
    let mut q = Queue::open(cfg, Role::Inspector, false).await?;
    subscribe(&mut q, out).await?;
    let got = q.peek(want, args.wait, args.wait).await;
    q.close().await;
    let msgs = got?;
    msgs.iter()
        .try_for_each(|m| out.write(m))
        .and_then(|()| Sink::flush(out))
        .map_err(crate::output::StdoutError)?;
    out.diag().report(&format!(
        "dry run: {} message{} would move to {}",
        msgs.len(),
        if msgs.len() == 1 { "" } else { "s" },
        to
    ));
    Ok(Code::Ok.into())
}

/// Moves batches from `source` to `dest` until `want` moved or nothing arrived for
/// `--wait`, counting in `moved` what was acknowledged at the source.
async fn drain(
    source: &mut Queue,
    dest: &mut Queue,
    want: usize,
    args: &MoveArgs,
    cfg: &QueueConfig,
    moved: &mut usize,
) -> Result<(), QueueError> {
    while *moved < want {
        let Some(first) = source.next_unless_quiet(args.wait).await? else {
            break;
        };
        let connection = source.resends().0;
        let mut batch: Vec<Message> = vec![first];
        while batch.len() < MOVE_BATCH.min(want - *moved) {
            match source.try_next()? {
                Some(m) => batch.push(m),
                None => break,
            }
        }
        for m in &batch {
            dest.send(&OutMessage {
                payload: m.delivery.payload.clone(),
                bare: true,
                retain: Some(false),
                properties: m.delivery.properties.clone(),
                ..OutMessage::default()
            })
            .await?;
        }
        let report = dest.flush(cfg.options.connect_timeout).await;
        if let Some(e) = report.error {
            return Err(e);
        }
        // Only now: the destination has every message of the batch. Not on a new
        // connection, whose packet ids are not the batch's: the batch comes back.
        if source.reconnects_now()? != connection {
            tracing::warn!(
                "the source's connection was lost during a batch: its {} messages come \
                 back and are moved again (the destination sees them twice)",
                batch.len()
            );
            continue;
        }
        for m in &batch {
            source.ack(m).await?;
        }
        *moved += batch.len();
    }
    Ok(())
}
