//! `mqq send`: publish messages from arguments, a file, stdin whole or stdin line by line;
//! returns when the broker acknowledged every one, and says so.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::cli::SendArgs;
use crate::config::QueueConfig;
use crate::queue::{OutMessage, Queue, QueueError, Role};

/// Runs `send`.
pub async fn run(args: &SendArgs, cfg: &QueueConfig) -> anyhow::Result<ExitCode> {
    // Read fixed inputs before connecting, so a missing file fails fast with exit 2.
    let fixed: Option<Vec<Vec<u8>>> = if !args.messages.is_empty() {
        Some(
            args.messages
                .iter()
                .map(|m| m.clone().into_bytes())
                .collect(),
        )
    } else if let Some(path) = &args.file {
        Some(vec![read_file(path).await?])
    } else if args.lines && args.repeat > 1 {
        // Repeating needs the lines again: read them all first.
        Some(read_lines_all().await?)
    } else if args.lines {
        None
    } else {
        if std::io::stdin().is_terminal() {
            return Err(QueueError::Usage(
                "no message: give it as an argument, with -f FILE, or on stdin (-l for one \
                 message per line)"
                    .into(),
            )
            .into());
        }
        let mut buf = Vec::new();
        tokio::io::stdin()
            .read_to_end(&mut buf)
            .await
            .context("could not read stdin")?;
        Some(vec![buf])
    };

    let mut q = Queue::open(cfg, Role::Producer, false).await?;
    let started = Instant::now();
    let template = OutMessage {
        message_type: args.message_type.clone(),
        correlation_id: args.correlation_id.clone(),
        message_id: args.message_id.clone(),
        retain: args.retain.then_some(true),
        ..OutMessage::default()
    };
    let progress = progress_bar(args.lines && !args.quiet);
    let mut publish_error = None;
    let mut feed = async |payload: Vec<u8>| -> Result<(), QueueError> {
        q.send(OutMessage {
            payload,
            ..template.clone()
        })
        .await?;
        progress.inc(1);
        Ok(())
    };
    let fed: anyhow::Result<()> = async {
        if let Some(msgs) = &fixed {
            for _ in 0..args.repeat {
                for m in msgs {
                    if let Err(e) = feed(m.clone()).await {
                        publish_error = Some(e);
                        return Ok(());
                    }
                }
            }
        } else {
            let mut reader = BufReader::with_capacity(256 * 1024, tokio::io::stdin());
            let mut line = Vec::new();
            loop {
                line.clear();
                if reader
                    .read_until(b'\n', &mut line)
                    .await
                    .context("could not read stdin")?
                    == 0
                {
                    break;
                }
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                if let Err(e) = feed(std::mem::take(&mut line)).await {
                    publish_error = Some(e);
                    return Ok(());
                }
            }
        }
        Ok(())
    }
    .await;
    let stall = cfg.options.connect_timeout;
    let report = q.flush(stall).await;
    q.close().await;
    progress.finish_and_clear();
    fed?;
    let elapsed = started.elapsed();
    let failed = report.published - report.completed;
    if report.published > 1 && !args.quiet {
        let rate = report.completed as f64 / elapsed.as_secs_f64().max(1e-9);
        eprintln!(
            "mqq: sent {}, acknowledged {} in {:.2?} ({rate:.0} msg/s)",
            report.published, report.completed, elapsed
        );
    }
    if failed > 0 || publish_error.is_some() {
        let why = publish_error
            .or(report.error)
            .map_or_else(String::new, |e| format!(": {e}"));
        eprintln!(
            "mqq: error: {failed} of {} message{} not acknowledged{why}",
            report.published,
            if report.published == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::from(super::SHORTFALL));
    }
    Ok(ExitCode::SUCCESS)
}

async fn read_file(path: &Path) -> Result<Vec<u8>, QueueError> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        tokio::io::stdin()
            .read_to_end(&mut buf)
            .await
            .map_err(|e| QueueError::Usage(format!("could not read stdin: {e}")))?;
        return Ok(buf);
    }
    tokio::fs::read(path).await.map_err(|e| {
        QueueError::Usage(format!(
            "could not read message file \"{}\": {e}; give a readable file to -f",
            path.display()
        ))
    })
}

async fn read_lines_all() -> anyhow::Result<Vec<Vec<u8>>> {
    let mut buf = Vec::new();
    tokio::io::stdin()
        .read_to_end(&mut buf)
        .await
        .context("could not read stdin")?;
    let mut lines: Vec<Vec<u8>> = buf.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    if buf.last() == Some(&b'\n') || buf.is_empty() {
        lines.pop();
    }
    Ok(lines)
}

fn progress_bar(enabled: bool) -> indicatif::ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {pos} sent ({per_sec})") {
        pb.set_style(style);
    }
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}
