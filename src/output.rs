//! How messages and reports are printed, decided once: message data on stdout (text, raw
//! bytes or NDJSON), metadata (with -v) and diagnostics on stderr.

use std::fmt::Write as _;
use std::io::{self, Write};

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::cli::Format;
use crate::queue::{Message, Sink};

/// Writes received messages to stdout (buffered; flushed per batch by the queue core).
pub struct Output<W: Write> {
    out: io::BufWriter<W>,
    format: Format,
    verbose: bool,
}

impl Output<io::Stdout> {
    /// Output to the process's stdout.
    pub fn stdout(format: Format, verbose: bool) -> Self {
        Output::new(io::stdout(), format, verbose)
    }
}

impl<W: Write> Output<W> {
    /// Output to any writer (tests, benchmarks).
    pub fn new(w: W, format: Format, verbose: bool) -> Self {
        Output {
            out: io::BufWriter::with_capacity(64 * 1024, w),
            format,
            verbose,
        }
    }

    /// The underlying writer, flushed.
    pub fn into_inner(self) -> io::Result<W> {
        self.out
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
    }
}

impl<W: Write> Sink for Output<W> {
    fn write(&mut self, msg: &Message) -> io::Result<()> {
        if self.verbose {
            eprintln!("{}", describe(msg));
        }
        match self.format {
            Format::Text => {
                self.out.write_all(msg.body())?;
                self.out.write_all(b"\n")
            }
            Format::Raw => self.out.write_all(msg.body()),
            Format::Json => {
                let mut line = serde_json::to_vec(&to_json(msg))?;
                line.push(b'\n');
                self.out.write_all(&line)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// One stderr line of metadata for -v: topic, qos and flags, envelope ids.
pub fn describe(msg: &Message) -> String {
    let d = &msg.delivery;
    let mut s = format!("{} qos={}", d.topic, d.qos);
    if d.retain {
        s.push_str(" retain");
    }
    if d.dup {
        s.push_str(" dup");
    }
    if let Some(e) = &msg.envelope {
        if let Some(id) = &e.message_id {
            let _ = write!(s, " message_id={id}");
        }
        if let Some(t) = &e.message_type {
            let _ = write!(s, " type={t}");
        }
        if let Some(c) = &e.correlation_id {
            let _ = write!(s, " correlation_id={c}");
        }
    }
    let _ = write!(s, " bytes={}", msg.body().len());
    s
}

/// The `--format json` object of a message.
pub fn to_json(msg: &Message) -> Value {
    let d = &msg.delivery;
    let mut m = Map::new();
    m.insert("topic".into(), json!(d.topic));
    m.insert("qos".into(), json!(d.qos));
    m.insert("retain".into(), json!(d.retain));
    m.insert("dup".into(), json!(d.dup));
    if let Ok(text) = std::str::from_utf8(msg.body()) {
        m.insert("payload".into(), json!(text));
    } else {
        let b64 = base64::engine::general_purpose::STANDARD.encode(msg.body());
        m.insert("payload".into(), json!(b64));
        m.insert("payload_encoding".into(), json!("base64"));
    }
    if let Some(e) = &msg.envelope {
        m.insert("message_id".into(), json!(e.message_id));
        m.insert("correlation_id".into(), json!(e.correlation_id));
        m.insert("message_type".into(), json!(e.message_type));
        m.insert(
            "sent_time".into(),
            json!(e
                .sent_time
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))),
        );
    }
    Value::Object(m)
}
