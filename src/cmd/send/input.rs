//! What `send` reads before it connects: the messages of the arguments, of a file or of
//! all of stdin, each refused by name when it cannot fit in MQTT's largest packet (so a
//! too-large file fails at once with exit 2, not half-way with the broker dropping the
//! connection); and the size of a stdin that is a file, for the progress bar.

use std::io::IsTerminal;
use std::path::Path;

use bytes::Bytes;
use tokio::io::AsyncReadExt;

use crate::cli::SendArgs;
use crate::config::QueueConfig;
use crate::error::UsageError;

/// The messages to send that are known before connecting (arguments, `-n`, `-f`, all of
/// stdin, or with `--repeat` the lines of stdin); `None` for a stream of stdin's lines.
pub(super) async fn fixed(
    args: &SendArgs,
    cfg: &QueueConfig,
) -> Result<Option<Vec<Bytes>>, UsageError> {
    let streaming = args.lines || args.ndjson;
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
    Ok(fixed.map(|f| f.into_iter().map(Bytes::from).collect()))
}

/// MQTT's largest packet (the link's, as a byte count of a file).
const MAX_PACKET: u64 = crate::queue::link::MAX_PACKET as u64;

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

/// The bytes left to read on stdin when it is a regular file (`send -l < FILE`), for a
/// progress bar of bytes.
#[cfg(unix)]
pub(super) fn stdin_file_size() -> Option<u64> {
    use std::io::Seek as _;
    use std::os::fd::AsFd as _;
    let mut file = std::fs::File::from(std::io::stdin().as_fd().try_clone_to_owned().ok()?);
    let meta = file.metadata().ok()?;
    let at = file.stream_position().ok()?;
    meta.is_file().then(|| meta.len().saturating_sub(at))
}

#[cfg(not(unix))]
pub(super) fn stdin_file_size() -> Option<u64> {
    None
}

#[allow(clippy::needless_pass_by_value)] // used as map_err(stdin_error)
pub(super) fn stdin_error(e: std::io::Error) -> UsageError {
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
