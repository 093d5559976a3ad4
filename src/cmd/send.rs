//! `mqq send`: publish messages from arguments, a file, stdin whole or stdin line by line;
//! returns when the broker acknowledged every one, and says so. What is read before
//! connecting, and refused when it cannot fit in a packet, is `input`'s.

mod input;

use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::shared::{rate, signal_name};
use crate::capture;
use crate::cli::SendArgs;
use crate::config::QueueConfig;
use crate::error::{Code, UsageError};
use crate::output::{Output, Progress, Total};
use crate::queue::arena::Arena;
use crate::queue::{topic, OutMessage, Properties, Queue, QueueError, Role, SendReport, Version};
use input::stdin_error;

/// Read buffer for `send -l`: large reads, few syscalls.
const LINE_BUFFER: usize = 256 * 1024;

/// `--ndjson --skip-bad`: the skipped lines named one by one, at most this many.
const SKIPPED_SHOWN: usize = 10;

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
            signal.store(interrupt.await, Ordering::SeqCst);
            stopped.notify_one();
        })
    };
    let stop = Interrupt {
        signal: &signal,
        stopped: &stopped,
    };
    let result = Box::pin(send(args, cfg, out, stop)).await;
    watcher.abort();
    result
}

/// What [`run`]'s watcher sets when Ctrl-C or SIGTERM comes.
#[derive(Clone, Copy)]
struct Interrupt<'a> {
    /// The exit code of the signal that came, 0 while none has.
    signal: &'a std::sync::atomic::AtomicU8,
    /// Notified when it came: wakes a read of stdin.
    stopped: &'a tokio::sync::Notify,
}

impl Interrupt<'_> {
    /// The signal's exit code, 0 while none came.
    fn code(self) -> u8 {
        self.signal.load(Ordering::SeqCst)
    }
}

/// Set-up (inputs read, connected, the message template), the feed, and the summary.
async fn send(
    args: &SendArgs,
    cfg: &QueueConfig,
    out: &mut Output,
    stop: Interrupt<'_>,
) -> anyhow::Result<ExitCode> {
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
    let fixed = input::fixed(args, cfg).await?;
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
        let flags = property_flags(args);
        out.diag().warn(&format!(
            "MQTT 3.1.1 cannot carry {}: sending without {} (use a broker that speaks MQTT 5, \
             with -V 5 or auto)",
            flags.join(", "),
            if flags.len() == 1 { "it" } else { "them" }
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
            input::stdin_file_size().map_or(Total::Unknown, Total::Bytes),
        ),
    };
    let mut feeder = Feeder {
        q: &mut q,
        progress: &progress,
        // While the broker is away the link's request queue fills and a publish waits: as
        // long as one connection attempt may take, then the send gives up.
        stall: cfg.options.connect_timeout,
    };
    let fed = match &fixed {
        Some(msgs) => Ok(feeder.fixed(msgs, &template, args.repeat, stop).await),
        None => feeder.stdin(args, &template, stop).await,
    };
    let report = q.flush(cfg.options.connect_timeout).await;
    let resends = q.resends();
    q.close().await;
    progress.finish();
    let fed = fed?;
    let elapsed = started.elapsed();
    let signal = stop.code();
    say_how_it_went(out, &report, resends, signal, &fed.skipped, elapsed);
    verdict(args, cfg, out, report, fed, signal)
}

/// The connection messages are fed to, and the progress they count on.
struct Feeder<'a> {
    q: &'a mut Queue,
    progress: &'a Progress,
    /// How long one publish may wait for room in the link's request queue.
    stall: Duration,
}

/// What the feed left for the summary.
#[derive(Default)]
struct Fed {
    /// The publish that failed, which ended the feed.
    publish_error: Option<QueueError>,
    /// `--ndjson`: why the line that ended the feed is not a message.
    bad_line: Option<String>,
    /// `--ndjson --skip-bad`: why each line skipped is not a message.
    skipped: Vec<String>,
}

impl Feeder<'_> {
    async fn feed(&mut self, msg: &OutMessage) -> Result<(), QueueError> {
        self.q.send_within(msg, Some(self.stall)).await?;
        self.progress.inc();
        Ok(())
    }

    /// Publishes `msgs` `repeat` times, until a publish fails or a signal comes.
    async fn fixed(
        &mut self,
        msgs: &[Bytes],
        template: &OutMessage,
        repeat: u64,
        stop: Interrupt<'_>,
    ) -> Fed {
        let mut msg = template.clone();
        for _ in 0..repeat {
            for m in msgs {
                if stop.code() != 0 {
                    return Fed::default();
                }
                msg.payload = m.clone();
                if let Err(e) = self.feed(&msg).await {
                    return Fed {
                        publish_error: Some(e),
                        ..Fed::default()
                    };
                }
            }
        }
        Fed::default()
    }

    /// Publishes each line of stdin (`-l`), or the message each line holds (`--ndjson`),
    /// until stdin ends, a publish fails, a line is not a message, or a signal comes.
    async fn stdin(
        &mut self,
        args: &SendArgs,
        template: &OutMessage,
        stop: Interrupt<'_>,
    ) -> anyhow::Result<Fed> {
        let mut fed = Fed::default();
        let mut reader = BufReader::with_capacity(LINE_BUFFER, tokio::io::stdin());
        let mut line = Vec::new();
        let mut arena = Arena::new();
        let mut msg = template.clone();
        // --ndjson: the number of the line being read.
        let mut number = 0usize;
        loop {
            line.clear();
            if stop.code() != 0 {
                break;
            }
            // A line half read when the signal comes is not sent.
            let read = tokio::select! {
                biased;
                () = stop.stopped.notified() => break,
                read = reader.read_until(b'\n', &mut line) => read.map_err(stdin_error)?,
            };
            if read == 0 {
                break;
            }
            self.progress.add_bytes(read as u64);
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            if args.ndjson {
                number += 1;
                match capture::from_line(&line)
                    .map_err(|why| format!("--ndjson line {number}: {why}"))
                {
                    Ok(msg) => {
                        if let Err(e) = self.feed(&msg).await {
                            fed.publish_error = Some(e);
                            break;
                        }
                    }
                    Err(e) if args.skip_bad => fed.skipped.push(e),
                    Err(e) => {
                        fed.bad_line = Some(e);
                        break;
                    }
                }
                continue;
            }
            // A copy into a shared buffer (`queue::arena`), the read buffer kept.
            msg.payload = arena.copy(&line);
            if let Err(e) = self.feed(&msg).await {
                fed.publish_error = Some(e);
                break;
            }
        }
        Ok(fed)
    }
}

/// The summary on stderr: reconnects, how many were sent and acknowledged (or how far an
/// interrupted send got), and the lines `--skip-bad` skipped.
fn say_how_it_went(
    out: &Output,
    report: &SendReport,
    (reconnects, maybe_twice): (u32, u64),
    signal: u8,
    skipped: &[String],
    elapsed: Duration,
) {
    if reconnects > 0 {
        out.diag().report(&format!(
            "reconnected {reconnects} time{}; {maybe_twice} message{} not yet acknowledged then: \
             those in flight were sent again and may arrive twice",
            if reconnects == 1 { "" } else { "s" },
            if maybe_twice == 1 { " was" } else { "s were" },
        ));
    }
    if signal != 0 {
        out.diag().report(&format!(
            "interrupted ({}): sent {}, acknowledged {} of {} in {:.2?}",
            signal_name(signal),
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
            rate(report.completed, elapsed)
        ));
    }
    for why in skipped.iter().take(SKIPPED_SHOWN) {
        out.diag().warn(&format!("skipped {why}"));
    }
    if skipped.len() > SKIPPED_SHOWN {
        out.diag().warn(&format!(
            "… and {} more lines skipped",
            skipped.len() - SKIPPED_SHOWN
        ));
    }
}

/// The exit code, or the error, of a send that went as `report` and `fed` say: a bad
/// `--ndjson` line, messages not acknowledged, a signal; for `-l`, where to resume.
fn verdict(
    args: &SendArgs,
    cfg: &QueueConfig,
    out: &Output,
    report: SendReport,
    fed: Fed,
    signal: u8,
) -> anyhow::Result<ExitCode> {
    if let Some(why) = fed.bad_line {
        return Err(UsageError(format!(
            "{why}; {} message{} before it {} sent; nothing after it (--skip-bad skips such lines)",
            report.completed,
            if report.completed == 1 { "" } else { "s" },
            if report.completed == 1 { "was" } else { "were" }
        ))
        .into());
    }
    let publish_error = fed.publish_error;
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
