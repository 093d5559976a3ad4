//! `mqq send`: publish messages from arguments, a file, stdin whole or stdin line by line;
//! returns when the broker acknowledged every one, and says so.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::capture;
use crate::cli::SendArgs;
use crate::config::QueueConfig;
use crate::error::{Code, UsageError};
use crate::output::{Output, Progress, Total};
use crate::queue::arena::Arena;
use crate::queue::{topic, OutMessage, Properties, Queue, QueueError, Role, Version};

/// Read buffer for `send -l`: large reads, few syscalls.
const LINE_BUFFER: usize = 256 * 1024;

/// Runs `send`.
pub async fn run(
    args: &SendArgs,
    cfg: &QueueConfig,
    out: &mut Output,
    interrupt: impl std::future::Future<Output = u8> + Send + 'static,
) -> anyhow::Result<ExitCode> {
    // Ctrl-C / SIGTERM: stop reading and publishing, wait for what was published to be
    // acknowledged, say how far it got, exit as the shell would for that signal. A watcher
    // sets the flag the loops check between messages; `stopped` wakes a read of stdin.
    let signal = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(0));
    let stopped = std::sync::Arc::new(tokio::sync::Notify::new());
    let watcher = {
        let (signal, stopped) = (signal.clone(), stopped.clone());
        tokio::spawn(async move {
            signal.store(interrupt.await, std::sync::atomic::Ordering::SeqCst);
            stopped.notify_one();
        })
    };
    let result = Box::pin(send(args, cfg, out, &signal, &stopped)).await;
    watcher.abort();
    result
}

/// The flag [`run`]'s watcher sets: the exit code of the signal that came, 0 while none has.
type Interrupted = std::sync::atomic::AtomicU8;

async fn send(
    args: &SendArgs,
    cfg: &QueueConfig,
    out: &mut Output,
    signal: &Interrupted,
    stopped: &tokio::sync::Notify,
) -> anyhow::Result<ExitCode> {
    let interrupted = || signal.load(std::sync::atomic::Ordering::SeqCst) != 0;
    // A replay names a topic per line: -t is not needed then.
    let mut replay_cfg;
    let cfg = if args.ndjson && cfg.topic.is_none() {
        replay_cfg = cfg.clone();
        replay_cfg.topic = Some("mqq/replay".into());
        &replay_cfg
    } else {
        cfg
    };
    let streaming = args.lines || args.ndjson;
    // Read fixed inputs before connecting, so a missing file fails fast with exit 2.
    let fixed: Option<Vec<Vec<u8>>> = if args.null_message {
        Some(vec![Vec::new()])
    } else if !args.messages.is_empty() || !args.message_flags.is_empty() {
        Some(
            args.messages
                .iter()
                .chain(&args.message_flags)
                .map(|m| m.clone().into_bytes())
                .collect(),
        )
    } else if let Some(path) = &args.file {
        Some(vec![read_file(path, largest_payload(args, cfg)).await?])
    } else if args.lines && args.repeat > 1 {
        // Repeating needs the lines again: read them all first.
        Some(read_lines_all().await?)
    } else if streaming {
        None
    } else {
        Some(vec![read_stdin_message(largest_payload(args, cfg)).await?])
    };
    // Shared, not copied, by each repeat.
    let fixed: Option<Vec<Bytes>> = fixed.map(|f| f.into_iter().map(Bytes::from).collect());

    let properties = properties(args)?;
    // A stream (-l) reconnects (options.retry_connect) and goes on: the link resends what
    // was in flight. A one-shot send fails fast instead.
    let messages = fixed
        .as_ref()
        .map(|f| (f.len() as u64).saturating_mul(args.repeat.max(1)));
    let mut q = Queue::open_for(cfg, Role::Producer, streaming, messages).await?;
    out.diag().verbose(&format!(
        "connected to {} with {} as {}",
        q.broker().uri(),
        q.version(),
        q.client_id()
    ));
    if q.version() == Version::V311 && !properties.is_empty() {
        out.diag().warn(&format!(
            "MQTT 3.1.1 cannot carry {}: sending without {} (use a broker that speaks MQTT 5, \
             with -V 5 or auto)",
            property_flags(args).join(", "),
            if property_flags(args).len() == 1 {
                "it"
            } else {
                "them"
            }
        ));
    }
    let started = Instant::now();
    let template = OutMessage {
        message_type: args.message_type.clone(),
        correlation_id: args.correlation_id.clone(),
        message_id: args.message_id.clone(),
        retain: args.retain.then_some(true),
        bare: args.null_message,
        properties,
        ..OutMessage::default()
    };
    // Long work shows progress (on a terminal): a stream, or a message sent many times.
    let progress = match &fixed {
        Some(msgs) if args.repeat > 1 || streaming => out.diag().progress(
            "sent",
            Total::Messages(args.repeat.saturating_mul(msgs.len() as u64)),
        ),
        Some(_) => Progress::hidden(),
        None => out.diag().progress(
            "sent",
            stdin_file_size().map_or(Total::Unknown, Total::Bytes),
        ),
    };
    let mut publish_error = None;
    // --ndjson: the line being read, a line that is not a message, and those skipped.
    let mut number = 0usize;
    let mut bad_line: Option<String> = None;
    let mut skipped: Vec<String> = Vec::new();
    // While the broker is away the link's request queue fills and a publish waits: as long
    // as one connection attempt may take, then the send gives up.
    let stall = cfg.options.connect_timeout;
    let mut feed = async |msg: &OutMessage| -> Result<(), QueueError> {
        q.send_within(msg, Some(stall)).await?;
        progress.inc();
        Ok(())
    };
    let fed: anyhow::Result<()> = async {
        if let Some(msgs) = &fixed {
            let mut msg = template.clone();
            'repeat: for _ in 0..args.repeat {
                for m in msgs {
                    if interrupted() {
                        break 'repeat;
                    }
                    msg.payload = m.clone();
                    if let Err(e) = feed(&msg).await {
                        publish_error = Some(e);
                        return Ok(());
                    }
                }
            }
        } else {
            let mut reader = BufReader::with_capacity(LINE_BUFFER, tokio::io::stdin());
            let mut line = Vec::new();
            let mut arena = Arena::new();
            let mut msg = template.clone();
            loop {
                line.clear();
                if interrupted() {
                    break;
                }
                // A line half read when the signal comes is not sent.
                let read = tokio::select! {
                    biased;
                    () = stopped.notified() => break,
                    read = reader.read_until(b'\n', &mut line) => read.map_err(stdin_error)?,
                };
                if read == 0 {
                    break;
                }
                progress.add_bytes(read as u64);
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                if args.ndjson {
                    number += 1;
                    let replayed = capture::from_line(&line)
                        .map_err(|why| format!("--ndjson line {number}: {why}"));
                    match replayed {
                        Ok(msg) => {
                            if let Err(e) = feed(&msg).await {
                                publish_error = Some(e);
                                return Ok(());
                            }
                        }
                        Err(e) if args.skip_bad => skipped.push(e),
                        Err(e) => {
                            bad_line = Some(e);
                            return Ok(());
                        }
                    }
                    continue;
                }
                // A copy into a shared buffer (`queue::arena`), the read buffer kept.
                msg.payload = arena.copy(&line);
                if let Err(e) = feed(&msg).await {
                    publish_error = Some(e);
                    return Ok(());
                }
            }
        }
        Ok(())
    }
    .await;
    let report = q.flush(cfg.options.connect_timeout).await;
    let q_resends = q.resends();
    q.close().await;
    progress.finish();
    fed?;
    let elapsed = started.elapsed();
    let (reconnects, maybe_twice) = q_resends;
    if reconnects > 0 {
        out.diag().report(&format!(
            "reconnected {reconnects} time{}; {maybe_twice} message{} not yet acknowledged then: \
             those in flight were sent again and may arrive twice",
            if reconnects == 1 { "" } else { "s" },
            if maybe_twice == 1 { " was" } else { "s were" },
        ));
    }
    let signal = signal.load(std::sync::atomic::Ordering::SeqCst);
    if signal != 0 {
        out.diag().report(&format!(
            "interrupted ({}): sent {}, acknowledged {} of {} in {:.2?}",
            super::signal_name(signal),
            report.published,
            report.completed,
            report.published,
            elapsed
        ));
    } else if report.published > 1 {
        out.diag().report(&format!(
            "sent {}, acknowledged {} in {:.2?}{}",
            report.published,
            report.completed,
            elapsed,
            super::rate(report.completed as u64, elapsed)
        ));
    }
    for why in skipped.iter().take(10) {
        out.diag().warn(&format!("skipped {why}"));
    }
    if skipped.len() > 10 {
        out.diag()
            .warn(&format!("… and {} more lines skipped", skipped.len() - 10));
    }
    if let Some(why) = bad_line {
        return Err(UsageError(format!(
            "{why}; {} message{} before it {} sent; nothing after it (--skip-bad skips such lines)",
            report.completed,
            if report.completed == 1 { "" } else { "s" },
            if report.completed == 1 { "was" } else { "were" }
        ))
        .into());
    }
    let failed = report.published - report.completed;
    let lost_session = matches!(
        publish_error.as_ref().or(report.error.as_ref()),
        Some(QueueError::SessionLost { .. })
    );
    if args.lines && lost_session {
        // The acknowledgements of a lost session are void: the broker may have lost any of
        // them. The stream's session began with its first line.
        out.diag().report(&format!(
            "the broker lost this sender's session, and with it what it acknowledged there \
             ({} line{}): resume with `tail -n +1`, the session's first line (the whole input)",
            report.completed,
            if report.completed == 1 { "" } else { "s" },
        ));
    } else if args.lines && (failed > 0 || publish_error.is_some() || signal != 0) {
        // The broker acknowledges in order: the acknowledged lines are a leading run.
        out.diag().report(&format!(
            "the first {} line{} were acknowledged: resume with `tail -n +{}`",
            report.completed,
            if report.completed == 1 { "" } else { "s" },
            report.completed + 1
        ));
    }
    if failed > 0 || publish_error.is_some() {
        // A broker without QoS 2 (NATS) drops the connection at the first QoS 2 publish.
        let cause = match publish_error.or(report.error) {
            Some(QueueError::Lost { broker, .. } | QueueError::Closed { broker })
                if cfg.options.qos == 2 && report.completed == 0 =>
            {
                Some(QueueError::Qos2Unsupported { broker })
            }
            other => other,
        };
        return Err(QueueError::Unacknowledged {
            failed,
            published: report.published,
            cause: cause.map(Box::new),
        }
        .into());
    }
    if signal != 0 {
        // Everything published was acknowledged, but not everything asked was sent.
        return Ok(ExitCode::from(signal));
    }
    Ok(Code::Ok.into())
}

/// MQTT's largest packet: its Remaining Length field holds at most 268,435,455 (MQTT 3.1.1
/// §2.2.3, MQTT 5 §1.5.5).
const MAX_PACKET: u64 = 268_435_455;

/// The largest payload (`-f`, stdin) whose PUBLISH fits in MQTT's largest packet with this
/// topic, the packet id and, unless `--raw`, the envelope around it (base64 makes the
/// message a third larger, and the keys, id and time add about 170 bytes). MQTT 5
/// properties from the flags count too. With the limit a too-large file is refused before
/// connecting, naming it, instead of the broker dropping the connection half-way.
struct PayloadLimit {
    /// Most payload bytes.
    bytes: u64,
    /// The same with `--raw`, when an envelope is on.
    raw: Option<u64>,
}

fn largest_payload(args: &SendArgs, cfg: &QueueConfig) -> PayloadLimit {
    let topic = cfg.topic.as_deref().map_or(0, str::len) as u64;
    let props: u64 = args
        .properties
        .iter()
        .map(|(k, v)| 5 + (k.len() + v.len()) as u64)
        .chain(args.content_type.iter().map(|c| 3 + c.len() as u64))
        .chain(args.response_topic.iter().map(|t| 3 + t.len() as u64))
        .chain(args.correlation_data.iter().map(|d| 3 + d.len() as u64))
        .sum::<u64>()
        + 5
        + 4;
    let fixed = 2 + topic + 2 + props;
    let raw = MAX_PACKET.saturating_sub(fixed);
    if !cfg.options.serialize_envelope || args.null_message {
        return PayloadLimit {
            bytes: raw,
            raw: None,
        };
    }
    let probe = crate::envelope::Envelope {
        message_id: Some(
            args.message_id
                .clone()
                .unwrap_or_else(crate::envelope::new_message_id),
        ),
        correlation_id: args.correlation_id.clone(),
        message_type: args.message_type.clone(),
        sent_time: Some(chrono::Utc::now()),
        message: vec![0],
    };
    // A one-byte message is four base64 characters.
    let overhead = crate::envelope::encode(&probe, cfg.options.envelope_version).len() as u64 - 4;
    PayloadLimit {
        bytes: raw.saturating_sub(overhead) / 4 * 3,
        raw: Some(raw),
    }
}

impl PayloadLimit {
    /// The error for a message of more than `self.bytes` from `what`.
    fn error(&self, what: &str) -> UsageError {
        let advice = match self.raw {
            Some(raw) => format!(
                "; the envelope adds a third (base64) and about 200 bytes: --raw sends up to \
                 {raw} bytes as they are"
            ),
            None => String::new(),
        };
        UsageError(format!(
            "{what} holds more than {} bytes, the largest message that fits in MQTT's largest \
             packet ({MAX_PACKET} bytes) with this topic{advice}",
            self.bytes
        ))
    }
}

/// Reads at most `limit.bytes` from `from`; `None` when there is more.
async fn read_at_most(
    from: impl tokio::io::AsyncRead + Unpin,
    limit: &PayloadLimit,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    from.take(limit.bytes + 1).read_to_end(&mut buf).await?;
    Ok((buf.len() as u64 <= limit.bytes).then_some(buf))
}

/// The MQTT 5 properties the flags ask for.
fn properties(args: &SendArgs) -> Result<Properties, UsageError> {
    if args.expiry.is_some_and(|d| d.is_zero()) {
        return Err(UsageError(
            "--expiry 0: a message that expires at once is never delivered; give a duration \
             above zero (30s, 1h) or leave --expiry out"
                .into(),
        ));
    }
    if let Some(t) = &args.response_topic {
        topic::validate_publish(t)
            .map_err(|e| UsageError(format!("--response-topic: {e}; give a concrete topic")))?;
    }
    Ok(Properties {
        user: args.properties.clone(),
        content_type: args.content_type.clone(),
        expiry: args.expiry,
        response_topic: args.response_topic.clone(),
        correlation_data: args
            .correlation_data
            .as_ref()
            .map(|d| bytes::Bytes::copy_from_slice(d.as_bytes())),
    })
}

/// The property flags given, for the MQTT 3.1.1 warning.
fn property_flags(args: &SendArgs) -> Vec<&'static str> {
    [
        (!args.properties.is_empty(), "--property"),
        (args.content_type.is_some(), "--content-type"),
        (args.expiry.is_some(), "--expiry"),
        (args.response_topic.is_some(), "--response-topic"),
        (args.correlation_data.is_some(), "--correlation-data"),
    ]
    .into_iter()
    .filter_map(|(given, flag)| given.then_some(flag))
    .collect()
}

/// The bytes left to read on stdin when it is a regular file (`send -l < FILE`), for a
/// progress bar of bytes.
#[cfg(unix)]
fn stdin_file_size() -> Option<u64> {
    use std::io::Seek as _;
    use std::os::fd::AsFd as _;
    let mut file = std::fs::File::from(std::io::stdin().as_fd().try_clone_to_owned().ok()?);
    let meta = file.metadata().ok()?;
    let at = file.stream_position().ok()?;
    meta.is_file().then(|| meta.len().saturating_sub(at))
}

#[cfg(not(unix))]
fn stdin_file_size() -> Option<u64> {
    None
}

#[allow(clippy::needless_pass_by_value)] // used as map_err(stdin_error)
fn stdin_error(e: std::io::Error) -> UsageError {
    UsageError(format!(
        "could not read stdin: {}",
        crate::config::io_reason(&e)
    ))
}

/// All of stdin as one message, refusing what is surely a mistake: a terminal (nothing
/// piped) or an empty stdin (`</dev/null`); `-n` sends an empty message on purpose.
async fn read_stdin_message(limit: PayloadLimit) -> Result<Vec<u8>, UsageError> {
    if std::io::stdin().is_terminal() {
        return Err(UsageError(
            "no message: give it as an argument, with -f FILE, or on stdin (-l for one message \
             per line, -n for an empty message)"
                .into(),
        ));
    }
    let buf = read_at_most(tokio::io::stdin(), &limit)
        .await
        .map_err(stdin_error)?
        .ok_or_else(|| limit.error("stdin"))?;
    if buf.is_empty() {
        return Err(UsageError(
            "stdin is empty, so there is no message to send; to send an empty message on \
             purpose use -n/--null-message (or -f - or '' as an argument)"
                .into(),
        ));
    }
    Ok(buf)
}

async fn read_file(path: &Path, limit: PayloadLimit) -> Result<Vec<u8>, UsageError> {
    if path.as_os_str() == "-" {
        return read_at_most(tokio::io::stdin(), &limit)
            .await
            .map_err(stdin_error)?
            .ok_or_else(|| limit.error("stdin"));
    }
    let unreadable = |e: std::io::Error| {
        UsageError(format!(
            "could not read message file \"{}\": {}; give a readable file to -f",
            path.display(),
            crate::config::io_reason(&e)
        ))
    };
    let file = tokio::fs::File::open(path).await.map_err(unreadable)?;
    // The size says it at once for a regular file; a device or pipe is read up to the limit.
    if file.metadata().await.is_ok_and(|m| m.len() > limit.bytes) {
        return Err(limit.error(&format!("the message file \"{}\"", path.display())));
    }
    read_at_most(file, &limit)
        .await
        .map_err(unreadable)?
        .ok_or_else(|| limit.error(&format!("the message file \"{}\"", path.display())))
}

async fn read_lines_all() -> Result<Vec<Vec<u8>>, UsageError> {
    let mut buf = Vec::new();
    tokio::io::stdin()
        .read_to_end(&mut buf)
        .await
        .map_err(stdin_error)?;
    let mut lines: Vec<Vec<u8>> = buf.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    if buf.last() == Some(&b'\n') || buf.is_empty() {
        lines.pop();
    }
    Ok(lines)
}
