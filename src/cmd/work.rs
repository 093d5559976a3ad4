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

use std::collections::HashMap;
use std::hash::{Hash as _, Hasher as _};
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::time::Instant;

use super::shared::{rate, subscribe};
use super::state;
use crate::cli::WorkArgs;
use crate::config::QueueConfig;
use crate::error::{Code, UsageError};
use crate::output::{Diag, Output};
use crate::queue::{Message, OutMessage, Properties, Queue, QueueError, Role, Version};

/// How long, after the command exited, mqq still reads its stderr: what it wrote before
/// exiting is in the pipe already; only a child it left running (`sleep 60 &`) keeps the
/// pipe open longer, and that must not hold the message.
const STRAY_DRAIN: Duration = Duration::from_millis(200);

/// With `-j N`, how long to wait for more messages to fill the window once one arrived.
const GATHER: Duration = Duration::from_millis(20);

/// How one run of the command ended.
#[derive(Debug)]
enum Outcome {
    /// Exit 0.
    Done,
    /// Anything else, with what to report.
    Failed {
        /// `exit 3`, `signal 9`, `timed out after 5s`, `could not start: …`.
        why: String,
        /// The exit code, when there was one.
        code: Option<i32>,
        /// The last line the command wrote to stderr.
        last_stderr: String,
    },
}

/// Totals for the summary.
#[derive(Debug, Default)]
struct Tally {
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
    if cfg.client_id.is_none() {
        return Err(UsageError(
            "work needs a durable queue: only a persistent session gets an abandoned message \
             back; give the queue's client id with -i"
                .into(),
        )
        .into());
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
            ))
            .into());
        }
    }
    tokio::pin!(shutdown);
    let started = std::time::Instant::now();
    let mut attempts: HashMap<String, u32> = HashMap::new();
    let mut tally = Tally::default();
    let window = usize::try_from(args.concurrency).unwrap_or(1);
    let max = args.count.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    // Where the queue lives, for its record in the state file (see `state`).
    let mut broker: Option<String> = None;
    let forget_acked = |broker: &Option<String>, t: &Tally| {
        if let Some(b) = broker {
            let acked = t.completed + t.dead_lettered;
            state::consumed(
                b,
                cfg.client_id.as_deref(),
                usize::try_from(acked).unwrap_or(usize::MAX),
            );
        }
    };
    'connection: loop {
        let mut q = tokio::select! {
            biased;
            () = &mut shutdown => break 'connection,
            // It rides out a broker restart as listen does (options.retry_connect).
            q = Queue::open(cfg, Role::Consumer, cfg.options.retry_connect) => q?,
        };
        subscribe(&mut q, out).await?;
        broker.get_or_insert_with(|| q.broker().uri());
        loop {
            if max.is_some_and(|m| usize::try_from(tally.completed).unwrap_or(0) >= m) {
                q.close().await;
                break 'connection;
            }
            let deadline = args.idle_timeout.map(|d| Instant::now() + d);
            let mark = q.read_mark();
            let first = tokio::select! {
                biased;
                () = &mut shutdown => { q.close().await; break 'connection; }
                m = q.next(deadline) => m?,
            };
            let Some(first) = first else {
                if q.message_arriving_since(mark) {
                    continue; // not idle: a message is still arriving
                }
                q.close().await;
                break 'connection;
            };
            let mut batch = vec![first];
            // Fill the window with what is there, or comes within GATHER.
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
            let connection = q.resends().0;
            let runs: Vec<_> = batch
                .iter()
                .map(|m| {
                    let key = key_of(m);
                    let attempt = attempts.get(&key).copied().unwrap_or(0) + 1;
                    handle(args, m, attempt, out.diag().clone())
                })
                .collect();
            // Run the window; a signal lets the running commands finish within --grace.
            let all = futures_util::future::join_all(runs);
            tokio::pin!(all);
            // The shutdown future is done once it fired: never poll it again after that.
            let mut stopping = false;
            let outcomes = tokio::select! {
                biased;
                o = &mut all => o,
                () = &mut shutdown => {
                    stopping = true;
                    out.diag().report(&format!(
                        "stopping: letting {} running command{} finish (at most {})",
                        batch.len(),
                        if batch.len() == 1 { "" } else { "s" },
                        humantime::format_duration(args.grace)
                    ));
                    if let Ok(o) = tokio::time::timeout(args.grace, &mut all).await {
                        o
                    } else {
                        // Dropping the futures kills the commands (kill_on_drop).
                        q.close().await;
                        break 'connection;
                    }
                }
            };
            // The connection dropped while the commands ran: their acknowledgements cannot
            // be sent on the new one (its packet ids are not theirs). The broker delivers
            // the messages again, and they run again (at-least-once).
            let reconnected = q.reconnects_now()? != connection;
            let mut blocked = reconnected;
            let mut failed_here = false;
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
            // Acknowledge in order, up to the first message that is not done.
            let mut stop_with = None;
            for (m, outcome) in batch.iter().zip(outcomes) {
                let key = key_of(m);
                match outcome {
                    Outcome::Done => {
                        attempts.remove(&key);
                        if !blocked {
                            q.ack(m).await?;
                            tally.completed += 1;
                            event(out, args, m, "completed", None);
                        }
                    }
                    Outcome::Failed {
                        why,
                        code,
                        last_stderr,
                    } => {
                        let n = attempts.entry(key.clone()).or_insert(0);
                        *n += 1;
                        let n = *n;
                        if n < args.max_attempts {
                            tally.abandoned += 1;
                            event(out, args, m, "abandoned", Some(&why));
                            blocked = true;
                            failed_here = true;
                        } else if let Some(dlq) = &args.dead_letter {
                            Box::pin(dead_letter(cfg, dlq, m, n, code, &why, &last_stderr)).await?;
                            attempts.remove(&key);
                            tally.dead_lettered += 1;
                            event(out, args, m, "dead-lettered", Some(&why));
                            if !blocked {
                                q.ack(m).await?;
                            }
                        } else {
                            event(out, args, m, "failed", Some(&why));
                            stop_with = Some(format!(
                                "a message on {} failed {n} times (last: {why}); it stays queued: \
                                 fix the command, or give --dead-letter TOPIC to set such \
                                 messages aside",
                                crate::output::escape_controls(&m.delivery.topic)
                            ));
                            blocked = true;
                        }
                    }
                }
            }
            if stopping {
                q.close().await;
                break 'connection;
            }
            if let Some(why) = stop_with {
                q.close().await;
                forget_acked(&broker, &tally);
                summary(out, &tally, started.elapsed());
                out.diag().error(&why);
                return Ok(Code::Shortfall.into());
            }
            if reconnected && !failed_here {
                // The new connection brings them back already.
                continue;
            }
            if blocked {
                // Get the abandoned message back: the broker redelivers on reconnect.
                q.close().await;
                tokio::select! {
                    biased;
                    () = &mut shutdown => break 'connection,
                    () = tokio::time::sleep(args.retry_delay) => {}
                }
                continue 'connection;
            }
        }
    }
    forget_acked(&broker, &tally);
    summary(out, &tally, started.elapsed());
    Ok(Code::Ok.into())
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

/// Runs the command once for a message.
async fn handle(args: &WorkArgs, m: &Message, attempt: u32, diag: Diag) -> Outcome {
    let mut cmd = tokio::process::Command::new(&args.command[0]);
    cmd.args(&args.command[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if !args.pass_secrets {
        for var in SECRET_VARS {
            cmd.env_remove(var);
        }
        if std::env::var("MQQ_URI").is_ok_and(|u| holds_password(&u)) {
            cmd.env_remove("MQQ_URI");
        }
    }
    for (k, v) in environment(m, attempt) {
        cmd.env(k, v);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Outcome::Failed {
                why: format!("could not start {}: {e}", args.command[0]),
                code: None,
                last_stderr: String::new(),
            }
        }
    };
    let body = m.body().to_vec();
    let mut stdin = child.stdin.take();
    let feed = async move {
        if let Some(s) = stdin.as_mut() {
            // A command that does not read its stdin is fine.
            let _ = s.write_all(&body).await;
            let _ = s.shutdown().await;
        }
        drop(stdin);
    };
    let stderr = child.stderr.take();
    let relay = async move {
        let mut last = String::new();
        if let Some(e) = stderr {
            let mut lines = BufReader::new(e).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                diag.raw(format!("{line}\n").as_bytes());
                if !line.trim().is_empty() {
                    last = line;
                }
            }
        }
        last
    };
    // The command's exit decides. A child it left running may hold its stdin or stderr
    // open for as long as it lives: after the exit mqq reads what is left on stderr for at
    // most STRAY_DRAIN, and stops feeding stdin.
    let wait = async {
        tokio::pin!(feed);
        tokio::pin!(relay);
        let mut fed = false;
        let mut relayed: Option<String> = None;
        let status = loop {
            tokio::select! {
                status = child.wait() => break status,
                () = &mut feed, if !fed => fed = true,
                last = &mut relay, if relayed.is_none() => relayed = Some(last),
            }
        };
        let last = match relayed {
            Some(last) => last,
            None => tokio::time::timeout(STRAY_DRAIN, &mut relay)
                .await
                .unwrap_or_default(),
        };
        (last, status)
    };
    let (last_stderr, status) = match args.timeout {
        Some(t) => match tokio::time::timeout(t, wait).await {
            Ok(r) => r,
            Err(_) => {
                return Outcome::Failed {
                    why: format!("timed out after {} (killed)", humantime::format_duration(t)),
                    code: None,
                    last_stderr: String::new(),
                }
            }
        },
        None => wait.await,
    };
    match status {
        Ok(s) if s.success() => Outcome::Done,
        Ok(s) => {
            #[cfg(unix)]
            let signal = std::os::unix::process::ExitStatusExt::signal(&s);
            #[cfg(not(unix))]
            let signal: Option<i32> = None;
            Outcome::Failed {
                why: match (s.code(), signal) {
                    (Some(c), _) => format!("exit {c}"),
                    (None, Some(sig)) => format!("killed by signal {sig}"),
                    (None, None) => "ended abnormally".into(),
                },
                code: s.code(),
                last_stderr,
            }
        }
        Err(e) => Outcome::Failed {
            why: format!("could not wait for the command: {e}"),
            code: None,
            last_stderr,
        },
    }
}

/// Variables that hold a secret of mqq's, kept from the command unless `--pass-secrets`:
/// a command that logs its environment, or runs code of the message's sender, must not
/// learn the broker's password.
const SECRET_VARS: [&str; 2] = ["MQQ_PASSWORD", "MQQ_PASSWORD_FILE"];

/// Whether a URI (or comma-separated list) carries `user:password@`.
fn holds_password(uri: &str) -> bool {
    uri.split(',').any(|u| {
        // A password may hold `/`: look before the last `@` (a false alarm on a path with
        // `@` only withholds MQQ_URI).
        let rest = u.split_once("://").map_or(u, |(_, r)| r);
        rest.rsplit_once('@')
            .is_some_and(|(info, _)| info.contains(':'))
    })
}

/// The environment a command runs with.
fn environment(m: &Message, attempt: u32) -> Vec<(String, String)> {
    let d = &m.delivery;
    let env = m.envelope.as_ref();
    let mut v = vec![
        ("MQQ_TOPIC".to_string(), d.topic.clone()),
        ("MQQ_QOS".into(), d.qos.to_string()),
        ("MQQ_RETAIN".into(), u8::from(d.retain).to_string()),
        (
            "MQQ_REDELIVERED".into(),
            u8::from(d.dup || attempt > 1).to_string(),
        ),
        ("MQQ_ATTEMPT".into(), attempt.to_string()),
    ];
    let mut opt = |k: &str, val: Option<String>| {
        if let Some(val) = val {
            v.push((k.to_string(), val));
        }
    };
    opt("MQQ_MESSAGE_ID", env.and_then(|e| e.message_id.clone()));
    opt(
        "MQQ_CORRELATION_ID",
        env.and_then(|e| e.correlation_id.clone()),
    );
    opt("MQQ_MESSAGE_TYPE", env.and_then(|e| e.message_type.clone()));
    opt(
        "MQQ_SENT_TIME",
        env.and_then(|e| e.sent_time)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
    );
    opt("MQQ_CONTENT_TYPE", d.properties.content_type.clone());
    opt("MQQ_RESPONSE_TOPIC", d.properties.response_topic.clone());
    for (k, val) in &d.properties.user {
        let name: String = k
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        v.push((format!("MQQ_PROP_{name}"), val.clone()));
    }
    v
}

/// Publishes a message that failed `attempts` times to the dead-letter topic and waits for
/// the broker's acknowledgement.
async fn dead_letter(
    cfg: &QueueConfig,
    topic: &str,
    m: &Message,
    attempts: u32,
    code: Option<i32>,
    why: &str,
    last_stderr: &str,
) -> anyhow::Result<()> {
    let mut c = cfg.clone();
    c.topic = Some(topic.to_string());
    c.extra_topics.clear();
    c.options.qos = c.options.qos.max(1);
    let mut p = Queue::open(&c, Role::Producer, false).await?;
    let mut props = m.delivery.properties.clone();
    if p.version() == Version::V5 {
        let mut add = |k: &str, v: String| props.user.push((k.to_string(), v));
        add("mqq-failed-topic", m.delivery.topic.clone());
        add("mqq-attempts", attempts.to_string());
        add("mqq-failure", why.to_string());
        if let Some(code) = code {
            add("mqq-exit-code", code.to_string());
        }
        if !last_stderr.is_empty() {
            add("mqq-last-stderr", last_stderr.chars().take(1000).collect());
        }
    } else {
        props = Properties::default();
    }
    // The original bytes, envelope and all: a pip-services reader sees the same message.
    p.send(&OutMessage {
        payload: m.delivery.payload.clone(),
        bare: true,
        properties: props,
        ..OutMessage::default()
    })
    .await?;
    let report = p.flush(c.options.connect_timeout).await;
    p.close().await;
    if let Some(e) = report.error {
        return Err(e.into());
    }
    if report.completed < 1 {
        return Err(QueueError::NoAck {
            broker: c.connections[0].uri(),
            after: c.options.connect_timeout,
        }
        .into());
    }
    Ok(())
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

fn summary(out: &Output, t: &Tally, took: Duration) {
    out.diag().report(&format!(
        "completed {}, abandoned {}, dead-lettered {} in {:.2?}{}",
        t.completed,
        t.abandoned,
        t.dead_lettered,
        took,
        rate(t.completed, took)
    ));
}
