//! `mqq work -- COMMAND`: a shell command as a safe queue consumer. For each message the
//! command runs with the body on stdin and the metadata in the environment.
//!
//! - Exit 0 **completes** the message: it is acknowledged.
//! - A non-zero exit, a signal, or `--timeout` passing (the command is killed) **abandons**
//!   it: it is not acknowledged.
//!
//! MQTT has no per-message "abandon" (pip-services' `MqttMessageQueue` says so too):
//! - A broker redelivers an unacknowledged message only on reconnect (mosquitto, RabbitMQ)
//!   or after its `ack_wait` (NATS).
//! - Acknowledgements must go in the order the messages came (MQTT 3.1.1 §4.6).
//!
//! So an abandoned message stops the window it came in:
//! 1. The messages after it are not acknowledged ahead of it.
//! 2. mqq disconnects, waits `--retry-delay`, and reconnects; the broker hands the abandoned
//!    message (and the ones after it) back, and they run again (at-least-once).
//! 3. After `--max-attempts` runs of one message (counted by message id, or by topic and
//!    payload without an envelope) it goes to `--dead-letter TOPIC`: published there at QoS 1
//!    (the original bytes; on MQTT 5 the failure in user properties), and acknowledged at the
//!    source only after the dead-letter PUBACK.
//! 4. Without a dead-letter topic, `work` stops with exit 1 and the message stays queued:
//!    nothing is ever dropped.
//!
//! The queue must be durable (a client id): only a persistent session gets messages back.
//!
//! One run of the command is `command`'s; publishing a dead letter is `dead_letter`'s.

mod command;
mod dead_letter;

use std::collections::HashMap;
use std::hash::{Hash as _, Hasher as _};
use std::pin::Pin;
use std::process::ExitCode;
use std::time::Duration;

use tokio::time::Instant;

use super::shared::{rate, subscribe};
use super::state;
use crate::cli::WorkArgs;
use crate::config::QueueConfig;
use crate::error::{Code, UsageError};
use crate::output::Output;
use crate::queue::{Message, Queue, QueueError, Role};
use command::Outcome;

/// With `-j N`, how long to wait for more messages to fill the window once one arrived.
const GATHER: Duration = Duration::from_millis(20);

/// What became of the messages, for the summary.
#[derive(Debug, Default)]
struct Totals {
    completed: u64,
    abandoned: u64,
    dead_lettered: u64,
}

/// Runs `work`.
pub async fn run(
    args: &WorkArgs,
    cfg: &QueueConfig,
    out: &mut Output,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<ExitCode> {
    refuse(args, cfg)?;
    tokio::pin!(shutdown);
    let started = std::time::Instant::now();
    let mut worker = Worker {
        args,
        cfg,
        attempts: HashMap::new(),
        totals: Totals::default(),
        broker: None,
    };
    let failed = worker.serve(out, &mut shutdown).await?;
    worker.forget_acked();
    summary(out, &worker.totals, started.elapsed());
    if let Some(why) = failed {
        out.diag().error(&why);
        return Ok(Code::Shortfall.into());
    }
    Ok(Code::Ok.into())
}

/// Refuses what cannot work: an ephemeral queue (only a persistent session gets an
/// abandoned message back), and a dead-letter topic the queue itself receives.
fn refuse(args: &WorkArgs, cfg: &QueueConfig) -> Result<(), UsageError> {
    if cfg.client_id.is_none() {
        return Err(UsageError(
            "work needs a durable queue: only a persistent session gets an abandoned message \
             back; give the queue's client id with -i"
                .into(),
        ));
    }
    if let Some(t) = &args.dead_letter {
        crate::queue::topic::validate_publish(t)
            .map_err(|e| UsageError(format!("--dead-letter: {e}")))?;
        // A dead letter the queue receives again fails again: a loop without end.
        if let Some(f) = cfg
            .topic
            .iter()
            .chain(&cfg.extra_topics)
            .find(|f| crate::queue::topic::matches(f, t))
        {
            return Err(UsageError(format!(
                "--dead-letter {t}: the queue's filter {f} matches it, so a dead-lettered \
                 message would come back to fail again; give a topic outside the filter"
            )));
        }
    }
    Ok(())
}

/// The state of a `work` across its connections.
struct Worker<'a> {
    args: &'a WorkArgs,
    cfg: &'a QueueConfig,
    /// Runs so far of each message not yet completed or dead-lettered (by [`key_of`]).
    attempts: HashMap<String, u32>,
    totals: Totals,
    /// Where the queue lives, for its record in the state file (see `state`).
    broker: Option<String>,
}

/// What comes after a window of messages ran.
enum After {
    /// The next window, on this connection.
    Next,
    /// A message was abandoned: reconnect after `--retry-delay` to get it back.
    Reconnect,
    /// A signal came, or a message failed for good (`Some(why)`): close and stop.
    Stop(Option<String>),
}

impl Worker<'_> {
    /// Connections, one after another, until a signal, `-n`, `--idle-timeout`, or a message
    /// that failed `--max-attempts` times without a dead-letter topic (`Some(why)`).
    async fn serve<S: std::future::Future<Output = ()>>(
        &mut self,
        out: &Output,
        shutdown: &mut Pin<&mut S>,
    ) -> anyhow::Result<Option<String>> {
        let (args, cfg) = (self.args, self.cfg);
        let max = args.count.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        loop {
            let mut q = tokio::select! {
                biased;
                () = &mut *shutdown => return Ok(None),
                // It rides out a broker restart as listen does (options.retry_connect).
                q = Queue::open(cfg, Role::Consumer, cfg.options.retry_connect) => q?,
            };
            subscribe(&mut q, out).await?;
            self.broker.get_or_insert_with(|| q.broker().uri());
            let after = loop {
                if max.is_some_and(|m| usize::try_from(self.totals.completed).unwrap_or(0) >= m) {
                    break After::Stop(None);
                }
                let Some(batch) = next_window(&mut q, args, shutdown).await? else {
                    break After::Stop(None);
                };
                match self.run_window(&mut q, out, &batch, shutdown).await? {
                    After::Next => {}
                    after => break after,
                }
            };
            q.close().await;
            match after {
                After::Next => {}
                After::Stop(failed) => return Ok(failed),
                After::Reconnect => {
                    tokio::select! {
                        biased;
                        () = &mut *shutdown => return Ok(None),
                        () = tokio::time::sleep(args.retry_delay) => {}
                    }
                }
            }
        }
    }

    /// Runs the command for each message of `batch` at once (a signal lets the running
    /// commands finish within `--grace`), then acknowledges in order what is done.
    async fn run_window<S: std::future::Future<Output = ()>>(
        &mut self,
        q: &mut Queue,
        out: &Output,
        batch: &[Message],
        shutdown: &mut Pin<&mut S>,
    ) -> anyhow::Result<After> {
        let args = self.args;
        let connection = q.resends().0;
        let runs: Vec<_> = batch
            .iter()
            .map(|m| {
                let attempt = self.attempts.get(&key_of(m)).copied().unwrap_or(0) + 1;
                command::run(args, m, attempt, out.diag().clone())
            })
            .collect();
        let all = futures_util::future::join_all(runs);
        tokio::pin!(all);
        // The shutdown future is done once it fired: never poll it again after that.
        let mut stopping = false;
        let outcomes = tokio::select! {
            biased;
            o = &mut all => o,
            () = &mut *shutdown => {
                stopping = true;
                out.diag().report(&format!(
                    "stopping: letting {} running command{} finish (at most {})",
                    batch.len(),
                    if batch.len() == 1 { "" } else { "s" },
                    humantime::format_duration(args.grace)
                ));
                match tokio::time::timeout(args.grace, &mut all).await {
                    Ok(o) => o,
                    // Dropping the futures kills the commands (kill_on_drop).
                    Err(_) => return Ok(After::Stop(None)),
                }
            }
        };
        // The connection dropped while the commands ran: their acknowledgements cannot
        // be sent on the new one (its packet ids are not theirs). The broker delivers
        // the messages again, and they run again (at-least-once).
        let reconnected = q.reconnects_now()? != connection;
        if reconnected {
            out.diag().warn(&format!(
                "the connection was lost while {} command{} ran: {} message{} will run \
                 again",
                batch.len(),
                if batch.len() == 1 { "" } else { "s" },
                if batch.len() == 1 { "its" } else { "their" },
                if batch.len() == 1 { "" } else { "s" },
            ));
        }
        let settled = self.settle(q, out, batch, outcomes, reconnected).await?;
        Ok(if stopping {
            After::Stop(None)
        } else if let Some(why) = settled.failed {
            After::Stop(Some(why))
        } else if reconnected && !settled.abandoned {
            // The new connection brings them back already.
            After::Next
        } else if settled.blocked {
            // Get the abandoned message back: the broker redelivers on reconnect.
            After::Reconnect
        } else {
            After::Next
        })
    }

    /// Acknowledges in order, up to the first message that is not done (none when the
    /// connection was `reconnected`); dead-letters what failed `--max-attempts` times.
    async fn settle(
        &mut self,
        q: &mut Queue,
        out: &Output,
        batch: &[Message],
        outcomes: Vec<Outcome>,
        reconnected: bool,
    ) -> anyhow::Result<Settled> {
        let args = self.args;
        let mut s = Settled {
            blocked: reconnected,
            abandoned: false,
            failed: None,
        };
        for (m, outcome) in batch.iter().zip(outcomes) {
            let key = key_of(m);
            let (why, code, last_stderr) = match outcome {
                Outcome::Done => {
                    self.attempts.remove(&key);
                    if !s.blocked {
                        q.ack(m).await?;
                        self.totals.completed += 1;
                        event(out, args, m, "completed", None);
                    }
                    continue;
                }
                Outcome::Failed {
                    why,
                    code,
                    last_stderr,
                } => (why, code, last_stderr),
            };
            let n = self.attempts.entry(key.clone()).or_insert(0);
            *n += 1;
            let n = *n;
            if n < args.max_attempts {
                self.totals.abandoned += 1;
                event(out, args, m, "abandoned", Some(&why));
                s.blocked = true;
                s.abandoned = true;
            } else if let Some(dlq) = &args.dead_letter {
                let failure = dead_letter::Failure {
                    attempts: n,
                    code,
                    why: &why,
                    last_stderr: &last_stderr,
                };
                Box::pin(dead_letter::publish(self.cfg, dlq, m, &failure)).await?;
                self.attempts.remove(&key);
                self.totals.dead_lettered += 1;
                event(out, args, m, "dead-lettered", Some(&why));
                if !s.blocked {
                    q.ack(m).await?;
                }
            } else {
                event(out, args, m, "failed", Some(&why));
                s.failed = Some(format!(
                    "a message on {} failed {n} times (last: {why}); it stays queued: fix the \
                     command, or give --dead-letter TOPIC to set such messages aside",
                    crate::output::escape_controls(&m.delivery.topic)
                ));
                s.blocked = true;
            }
        }
        Ok(s)
    }

    /// Shrinks the state file's record of the queue by what was acknowledged.
    fn forget_acked(&self) {
        if let Some(b) = &self.broker {
            let acked = self.totals.completed + self.totals.dead_lettered;
            state::consumed(
                b,
                self.cfg.client_id.as_deref(),
                usize::try_from(acked).unwrap_or(usize::MAX),
            );
        }
    }
}

/// How a window settled.
struct Settled {
    /// A message was not acknowledged: those after it were not either.
    blocked: bool,
    /// A message was abandoned on this connection (it comes back on the next one).
    abandoned: bool,
    /// A message failed `--max-attempts` times and there is no dead-letter topic: why.
    failed: Option<String>,
}

/// The next window of messages: the first that comes within `--idle-timeout` (one still
/// arriving holds it off), and what else is there or comes within [`GATHER`], up to `-j`.
/// `None`: stop, for a signal or the idle timeout.
async fn next_window<S: std::future::Future<Output = ()>>(
    q: &mut Queue,
    args: &WorkArgs,
    shutdown: &mut Pin<&mut S>,
) -> Result<Option<Vec<Message>>, QueueError> {
    let first = loop {
        let deadline = args.idle_timeout.map(|d| Instant::now() + d);
        let mark = q.read_mark();
        let first = tokio::select! {
            biased;
            () = &mut *shutdown => return Ok(None),
            m = q.next(deadline) => m?,
        };
        match first {
            Some(m) => break m,
            // Not idle: a message is still arriving.
            None if q.message_arriving_since(mark) => {}
            None => return Ok(None),
        }
    };
    let window = usize::try_from(args.concurrency).unwrap_or(1);
    let mut batch = vec![first];
    let gather = Instant::now() + GATHER;
    while batch.len() < window {
        let more = match q.try_next()? {
            Some(m) => Some(m),
            None => q.next(Some(gather)).await?,
        };
        match more {
            Some(m) => batch.push(m),
            None => break,
        }
    }
    Ok(Some(batch))
}

/// What identifies a message across redeliveries: its envelope id, else topic and payload.
fn key_of(m: &Message) -> String {
    if let Some(id) = m.envelope.as_ref().and_then(|e| e.message_id.clone()) {
        return id;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    m.delivery.topic.hash(&mut h);
    m.delivery.payload.hash(&mut h);
    format!("{}#{:016x}", m.delivery.topic, h.finish())
}

/// One outcome line: `-v` (or `-F json` events for machines, one JSON object per line).
fn event(out: &Output, args: &WorkArgs, m: &Message, what: &str, why: Option<&str>) {
    let id = m
        .envelope
        .as_ref()
        .and_then(|e| e.message_id.clone())
        .unwrap_or_default();
    if args.json_events {
        let v = serde_json::json!({
            "event": what,
            "topic": m.delivery.topic,
            "message_id": id,
            "reason": why,
        });
        out.diag().raw(format!("{v}\n").as_bytes());
    } else {
        let e = crate::output::escape_controls;
        out.diag().verbose(&format!(
            "{what} {} {}{}",
            e(&m.delivery.topic),
            if id.is_empty() { "-".into() } else { e(&id) },
            why.map(|w| format!(" ({})", e(w))).unwrap_or_default()
        ));
    }
}

/// The closing line: what became of the messages, how long it took, how fast.
fn summary(out: &Output, t: &Totals, took: Duration) {
    out.diag().report(&format!(
        "completed {}, abandoned {}, dead-lettered {} in {:.2?}{}",
        t.completed,
        t.abandoned,
        t.dead_lettered,
        took,
        rate(t.completed, took)
    ));
}
