//! Everything mqq prints goes through here, decided once in the dispatcher: message data
//! and values on stdout ([`Output`]), and diagnostics on stderr ([`Diag`]): reports,
//! warnings, `-v` lines, the tracing log and progress, so that a progress bar never tears a
//! log line. Verbs never print by themselves.

use std::fmt::Write as _;
use std::io::{self, IsTerminal as _, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::cli::{Format, OutputArgs};
use crate::queue::{Message, Properties, Sink};
use crate::template::Field;

/// Buffer of stdout: a batch of small messages goes out in one write.
const STDOUT_BUFFER: usize = 64 * 1024;

/// How often a progress display redraws (from its own thread).
const PROGRESS_TICK: Duration = Duration::from_millis(200);

/// Writing stdout failed. A closed pipe (`| head`) is a quiet success at the edge; anything
/// else (a full disk) is an error naming the cause.
#[derive(Debug, thiserror::Error)]
#[error("could not write to stdout")]
pub struct StdoutError(#[source] pub io::Error);

impl StdoutError {
    /// True when the reader went away (EPIPE): the command ends quietly with success.
    pub fn is_closed_pipe(&self) -> bool {
        self.0.kind() == io::ErrorKind::BrokenPipe
    }
}

/// How chatty stderr is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verbosity {
    /// `-v` count: 1 adds per-message lines, 2 debug logs, 3 traces.
    pub verbose: u8,
    /// `--quiet`: no summaries, progress or warnings; errors stay.
    pub quiet: bool,
}

/// The stderr side: cheap to clone, shared by [`Output`] and the tracing subscriber.
#[derive(Clone)]
pub struct Diag {
    inner: Arc<Mutex<DiagInner>>,
    verbosity: Verbosity,
    /// The writer is the process's stderr, and that is a terminal: progress may show.
    terminal: bool,
}

struct DiagInner {
    w: Box<dyn Write + Send>,
    progress: Option<indicatif::ProgressBar>,
}

impl Diag {
    /// Diagnostics to any writer (tests), or the process's stderr with [`Diag::stderr`].
    pub fn new(w: Box<dyn Write + Send>, verbosity: Verbosity) -> Diag {
        Diag {
            inner: Arc::new(Mutex::new(DiagInner { w, progress: None })),
            verbosity,
            terminal: false,
        }
    }

    /// Diagnostics to the process's stderr.
    pub fn stderr(verbosity: Verbosity) -> Diag {
        let mut diag = Diag::new(Box::new(io::stderr()), verbosity);
        diag.terminal = io::stderr().is_terminal();
        diag
    }

    fn lock(&self) -> MutexGuard<'_, DiagInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes text as is (it carries its own line break), above any progress bar. A
    /// stderr that cannot be written to has nowhere to report that: it is ignored.
    pub fn raw(&self, text: &[u8]) {
        let mut inner = self.lock();
        let DiagInner { w, progress } = &mut *inner;
        let mut write = || {
            let _ = w.write_all(text);
            let _ = w.flush();
        };
        match progress {
            Some(pb) => pb.suspend(write),
            None => write(),
        }
    }

    fn line(&self, text: &str) {
        let mut buf = String::with_capacity(text.len() + 6);
        buf.push_str("mqq: ");
        buf.push_str(text);
        buf.push('\n');
        self.raw(buf.as_bytes());
    }

    /// `mqq: error: …`, always shown.
    pub fn error(&self, text: &str) {
        self.line(&format!("error: {text}"));
    }

    /// `mqq: warning: …`, hidden by `--quiet`.
    pub fn warn(&self, text: &str) {
        if !self.verbosity.quiet {
            self.line(&format!("warning: {text}"));
        }
    }

    /// A report line (`mqq: sent 3, …`), hidden by `--quiet`.
    pub fn report(&self, text: &str) {
        if !self.verbosity.quiet {
            self.line(text);
        }
    }

    /// A `-v` line.
    pub fn verbose(&self, text: &str) {
        if self.verbosity.verbose > 0 {
            self.line(text);
        }
    }

    /// Whether `-v` was given.
    pub fn is_verbose(&self) -> bool {
        self.verbosity.verbose > 0
    }

    /// A progress display of long work on stderr — count, rate, elapsed time, and a bar
    /// with an ETA when the total is known — only when stderr is a terminal and not
    /// `--quiet`; otherwise a hidden one that costs nothing. Log lines print above it (see
    /// [`Diag::raw`]). It disappears when finished or dropped.
    pub fn progress(&self, what: &'static str, total: Total) -> Progress {
        if self.verbosity.quiet || !self.terminal {
            return Progress::hidden();
        }
        let (bar, count) = new_bar(what, total);
        bar.enable_steady_tick(PROGRESS_TICK);
        self.lock().progress = Some(bar.clone());
        Progress {
            bar: Some(bar),
            count,
            diag: Some(self.clone()),
        }
    }
}

/// The end of a progress display, when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    /// A spinner: how many so far.
    Unknown,
    /// A bar of messages.
    Messages(u64),
    /// A bar of input bytes (`send -l` from a regular file); messages are counted beside.
    Bytes(u64),
}

/// The bar, and for a byte bar the message counter its template reads.
fn new_bar(what: &'static str, total: Total) -> (indicatif::ProgressBar, Option<Arc<AtomicU64>>) {
    use indicatif::{HumanCount, ProgressBar, ProgressState, ProgressStyle};
    let rate = |state: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{} msg/s", HumanCount(state.per_sec().round() as u64));
    };
    let (bar, template, count) = match total {
        Total::Unknown => (
            ProgressBar::new_spinner(),
            format!("{{spinner}} {{human_pos}} {what} · {{rate}} · {{elapsed}}"),
            None,
        ),
        // The bar last and as wide as the terminal leaves: the numbers fit in 80 columns.
        Total::Messages(n) => (
            ProgressBar::new(n),
            format!(
                "{{spinner}} {{human_pos}}/{{human_len}} {what} · {{rate}} · {{elapsed}} · ETA \
                 {{eta}} [{{wide_bar}}]"
            ),
            None,
        ),
        Total::Bytes(n) => (
            ProgressBar::new(n),
            format!(
                "{{spinner}} {{count}} {what} · {{rate}} · {{elapsed}} · ETA {{eta}} · \
                 {{percent}}% [{{wide_bar}}]"
            ),
            Some(Arc::new(AtomicU64::new(0))),
        ),
    };
    let Ok(mut style) = ProgressStyle::with_template(&template) else {
        return (bar, count);
    };
    style = style.progress_chars("=> ");
    if let Some(c) = &count {
        // Position is bytes: the messages and their rate come from the counter.
        let n = Arc::clone(c);
        style = style.with_key(
            "count",
            move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}", HumanCount(n.load(Ordering::Relaxed)));
            },
        );
        let n = Arc::clone(c);
        style = style.with_key(
            "rate",
            move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let per_sec =
                    n.load(Ordering::Relaxed) as f64 / s.elapsed().as_secs_f64().max(1e-3);
                let _ = write!(w, "{} msg/s", HumanCount(per_sec.round() as u64));
            },
        );
    } else {
        style = style.with_key("rate", rate);
    }
    bar.set_style(style);
    (bar, count)
}

/// A progress display on stderr (possibly hidden: then every call is a no-op). Counting is
/// cheap (a few atomic operations and a clock read; indicatif draws 5 times a second from
/// its own thread), so hot loops may count every message.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    /// Messages, for a byte bar (whose position is bytes).
    count: Option<Arc<AtomicU64>>,
    diag: Option<Diag>,
}

impl Progress {
    /// A display that shows nothing.
    pub fn hidden() -> Progress {
        Progress {
            bar: None,
            count: None,
            diag: None,
        }
    }

    /// Counts one more message.
    #[inline]
    pub fn inc(&self) {
        self.add(1);
    }

    /// Counts `n` more messages.
    #[inline]
    pub fn add(&self, n: u64) {
        if let Some(c) = &self.count {
            c.fetch_add(n, Ordering::Relaxed);
        } else if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// Counts `n` more input bytes (a byte bar; otherwise nothing).
    #[inline]
    pub fn add_bytes(&self, n: u64) {
        if let (Some(bar), Some(_)) = (&self.bar, &self.count) {
            bar.inc(n);
        }
    }

    /// A handle that counts messages on this display from elsewhere (another task, the
    /// stdout sink).
    pub fn tally(&self) -> Tally {
        Tally(self.bar.clone().filter(|_| self.count.is_none()))
    }

    /// Removes it from the terminal (as dropping it does).
    pub fn finish(self) {}
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if let Some(d) = &self.diag {
            d.lock().progress = None;
        }
    }
}

/// Counts messages on a [`Progress`] (see [`Progress::tally`]); a no-op for a hidden one,
/// and after the display finished.
#[derive(Clone, Default)]
pub struct Tally(Option<indicatif::ProgressBar>);

impl Tally {
    /// Counts `n` more messages.
    #[inline]
    pub fn add(&self, n: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(n);
        }
    }
}

/// The tracing subscriber writes each event through [`Diag`], whole, above the progress bar.
impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Diag {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> LogWriter {
        LogWriter {
            diag: self.clone(),
            buf: Vec::new(),
        }
    }
}

/// One log event being formatted; written to [`Diag`] when dropped.
pub struct LogWriter {
    diag: Diag,
    buf: Vec<u8>,
}

impl Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            self.diag.raw(&self.buf);
        }
    }
}

/// True when stderr may be coloured: a terminal, and `NO_COLOR` unset or empty
/// (<https://no-color.org>).
pub fn stderr_colors() -> bool {
    io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Both streams: stdout for data (buffered; flushed per batch), stderr through [`Diag`].
pub struct Output {
    out: io::BufWriter<Box<dyn Write + Send>>,
    diag: Diag,
    format: Format,
    pretty: bool,
    eol: bool,
    /// Stdout is a terminal: message data there, so no progress display (it would tear).
    stdout_terminal: bool,
    /// Counts what the sink flushed on the progress display, if any.
    tally: Tally,
    /// Messages written since the last flush.
    unflushed: u64,
}

impl Output {
    /// Output to any writers (tests, benchmarks).
    pub fn new(stdout: Box<dyn Write + Send>, diag: Diag) -> Output {
        Output {
            out: io::BufWriter::with_capacity(STDOUT_BUFFER, stdout),
            diag,
            format: Format::Text,
            pretty: false,
            eol: true,
            stdout_terminal: false,
            tally: Tally::default(),
            unflushed: 0,
        }
    }

    /// The process's stdout and stderr.
    pub fn stdio(verbosity: Verbosity) -> Output {
        let mut out = Output::new(Box::new(io::stdout()), Diag::stderr(verbosity));
        out.stdout_terminal = io::stdout().is_terminal();
        out
    }

    /// A progress display counting the messages this sink writes (each batch when it is
    /// flushed), as [`Diag::progress`]; hidden also when stdout is a terminal, where the
    /// messages themselves show progress and a display on the same screen would tear them.
    pub fn progress(&mut self, what: &'static str, total: Total) -> Progress {
        let p = if self.stdout_terminal {
            Progress::hidden()
        } else {
            self.diag.progress(what, total)
        };
        self.tally = p.tally();
        p
    }

    /// How messages are printed (`-F`, `--pretty`).
    pub fn set_format(&mut self, args: &OutputArgs) {
        self.format = match (&args.format, args.pretty) {
            (Format::Text, true) => Format::Json,
            (f, _) => f.clone(),
        };
        self.pretty = args.pretty;
        self.eol = !args.no_eol;
    }

    /// The stderr side.
    pub fn diag(&self) -> &Diag {
        &self.diag
    }

    /// Writes bytes to stdout and flushes: a value (count's number, config's YAML).
    pub fn print(&mut self, text: &[u8]) -> Result<(), StdoutError> {
        self.out.write_all(text).map_err(StdoutError)?;
        self.flush_stdout()
    }

    /// Flushes stdout.
    pub fn flush_stdout(&mut self) -> Result<(), StdoutError> {
        self.out.flush().map_err(StdoutError)
    }

    /// Something that writes straight to stdout (completions), flushed by [`Output::print`]
    /// or [`Output::flush_stdout`].
    pub fn stdout(&mut self) -> &mut dyn Write {
        &mut self.out
    }
}

impl Output {
    fn eol(&mut self, eol: &[u8]) -> io::Result<()> {
        if self.eol {
            self.out.write_all(eol)?;
        }
        Ok(())
    }
}

/// Whether a message is being written to stdout right now (a write into a full pipe
/// blocks there): a consumer stopped by a signal then ends at once instead of waiting for
/// the reader (see `cmd::listen`). What is being written was not acknowledged.
static IN_WRITE: AtomicBool = AtomicBool::new(false);

/// See [`IN_WRITE`].
pub fn writing_stdout() -> bool {
    IN_WRITE.load(Ordering::Acquire)
}

/// Sets [`IN_WRITE`] while it lives.
struct Writing;

impl Writing {
    fn start() -> Writing {
        IN_WRITE.store(true, Ordering::Release);
        Writing
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        IN_WRITE.store(false, Ordering::Release);
    }
}

impl Sink for Output {
    fn write(&mut self, msg: &Message) -> io::Result<()> {
        let _writing = Writing::start();
        self.unflushed += 1;
        if self.diag.is_verbose() {
            // Message metadata stands alone, like mosquitto_sub -v's topic, without "mqq:".
            let mut line = describe(msg);
            line.push('\n');
            self.diag.raw(line.as_bytes());
        }
        match &self.format {
            Format::Text => {
                self.out.write_all(msg.body())?;
                self.eol(b"\n")
            }
            Format::Raw => self.out.write_all(msg.body()),
            Format::Json => {
                write_json(&mut self.out, &to_json(msg), self.pretty)?;
                self.out.write_all(b"\n")
            }
            Format::Template(t) => {
                let pretty = self.pretty;
                let received = chrono::Local::now();
                // On a terminal the sender's texts are escaped; %p (and %x) stay what the
                // user asked for, the payload's bytes.
                let escape = self.stdout_terminal;
                t.render(&mut self.out, |f, w| {
                    field(w, f, msg, received, pretty, escape)
                })?;
                self.eol(b"\n")
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        let _writing = Writing::start();
        self.out.flush()?;
        self.tally.add(std::mem::take(&mut self.unflushed));
        Ok(())
    }
}

fn write_json(w: &mut dyn Write, v: &Value, pretty: bool) -> io::Result<()> {
    if pretty {
        serde_json::to_writer_pretty(w, v)?;
    } else {
        serde_json::to_writer(w, v)?;
    }
    Ok(())
}

/// Writes one template field of a message.
fn field(
    w: &mut dyn Write,
    f: Field,
    msg: &Message,
    received: chrono::DateTime<chrono::Local>,
    pretty: bool,
    escape: bool,
) -> io::Result<()> {
    let d = &msg.delivery;
    let env = msg.envelope.as_ref();
    let text = |w: &mut dyn Write, v: &str| {
        if escape {
            w.write_all(escape_controls(v).as_bytes())
        } else {
            w.write_all(v.as_bytes())
        }
    };
    let opt = |w: &mut dyn Write, v: Option<&str>| text(w, v.unwrap_or_default());
    match f {
        Field::Topic => text(w, &d.topic),
        Field::Payload => w.write_all(msg.body()),
        Field::Length => write!(w, "{}", msg.body().len()),
        Field::Hex => msg.body().iter().try_for_each(|b| write!(w, "{b:02x}")),
        Field::HexUpper => msg.body().iter().try_for_each(|b| write!(w, "{b:02X}")),
        Field::Qos => write!(w, "{}", d.qos),
        Field::Retain => write!(w, "{}", u8::from(d.retain)),
        Field::Dup => write!(w, "{}", u8::from(d.dup)),
        Field::PacketId => write!(w, "{}", d.pkid),
        Field::MessageId => opt(w, env.and_then(|e| e.message_id.as_deref())),
        Field::CorrelationId => opt(w, env.and_then(|e| e.correlation_id.as_deref())),
        Field::MessageType => opt(w, env.and_then(|e| e.message_type.as_deref())),
        Field::SentTime => opt(
            w,
            env.and_then(|e| e.sent_time)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                .as_deref(),
        ),
        // mosquitto_sub's %I exactly: whole seconds, the offset without a colon.
        Field::ReceivedIso => write!(w, "{}", received.format("%Y-%m-%dT%H:%M:%S%z")),
        Field::ReceivedUnix => write!(
            w,
            "{}.{:09}",
            received.timestamp(),
            received.timestamp_subsec_nanos()
        ),
        Field::Properties => write_json(
            w,
            &properties_json(&d.properties).unwrap_or_else(|| Value::Object(Map::new())),
            pretty,
        ),
        Field::Json => write_json(w, &mosquitto_json(msg, received), pretty),
    }
}

/// The `%j` object: mosquitto_sub's fields first, as it writes them (`tst` in the format its
/// manual gives, `retain` as 0/1, `payloadlen`, `mid` for QoS > 0), then mqq's: `dup`, a
/// non-UTF-8 payload's encoding, the envelope's fields and MQTT 5 properties, as `-F json`.
fn mosquitto_json(msg: &Message, received: chrono::DateTime<chrono::Local>) -> Value {
    let d = &msg.delivery;
    let mut m = Map::new();
    m.insert(
        "tst".into(),
        json!(received.format("%Y-%m-%dT%H:%M:%S%.6f%z").to_string()),
    );
    m.insert("topic".into(), json!(d.topic));
    m.insert("qos".into(), json!(d.qos));
    m.insert("retain".into(), json!(u8::from(d.retain)));
    m.insert("payloadlen".into(), json!(msg.body().len()));
    if d.qos > 0 {
        m.insert("mid".into(), json!(d.pkid));
    }
    let Value::Object(mut ours) = to_json(msg) else {
        unreachable!("to_json writes an object")
    };
    if let Some(p) = ours.remove("payload") {
        m.insert("payload".into(), p);
    }
    for (k, v) in ours {
        if !matches!(k.as_str(), "topic" | "qos" | "retain") {
            m.insert(k, v);
        }
    }
    Value::Object(m)
}

/// `text` with its control characters escaped (`\n`, `\u{1b}`), for a line on stderr or a
/// terminal: a topic or property a sender chose must not end the line (and forge an
/// `mqq: error:` line below it) or send escape sequences to the terminal. `-F json` escapes
/// them as JSON does.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// One stderr line of metadata for -v: topic, qos and flags, envelope ids; every text a
/// sender chose has its control characters escaped ([`escape_controls`]).
pub fn describe(msg: &Message) -> String {
    let d = &msg.delivery;
    let e = escape_controls;
    let mut s = format!("{} qos={}", e(&d.topic), d.qos);
    if d.retain {
        s.push_str(" retain");
    }
    if d.dup {
        s.push_str(" dup");
    }
    if let Some(env) = &msg.envelope {
        if let Some(id) = &env.message_id {
            let _ = write!(s, " message_id={}", e(id));
        }
        if let Some(t) = &env.message_type {
            let _ = write!(s, " type={}", e(t));
        }
        if let Some(c) = &env.correlation_id {
            let _ = write!(s, " correlation_id={}", e(c));
        }
    }
    let p = &d.properties;
    if let Some(t) = &p.content_type {
        let _ = write!(s, " content_type={}", e(t));
    }
    if let Some(t) = &p.response_topic {
        let _ = write!(s, " response_topic={}", e(t));
    }
    if let Some(c) = &p.correlation_data {
        let _ = write!(s, " correlation_data={}", e(&String::from_utf8_lossy(c)));
    }
    if let Some(e) = p.expiry {
        let _ = write!(s, " expiry={}", humantime::format_duration(e));
    }
    for (k, v) in &p.user {
        let _ = write!(s, " property:{}={}", e(k), e(v));
    }
    let _ = write!(s, " bytes={}", msg.body().len());
    s
}

/// The MQTT 5 properties of a message as a JSON object; `None` when it has none.
fn properties_json(p: &Properties) -> Option<Value> {
    if p.is_empty() {
        return None;
    }
    let mut m = Map::new();
    if let Some(t) = &p.content_type {
        m.insert("content_type".into(), json!(t));
    }
    if let Some(t) = &p.response_topic {
        m.insert("response_topic".into(), json!(t));
    }
    if let Some(c) = &p.correlation_data {
        match std::str::from_utf8(c) {
            Ok(text) => m.insert("correlation_data".into(), json!(text)),
            Err(_) => m.insert(
                "correlation_data_base64".into(),
                json!(base64::engine::general_purpose::STANDARD.encode(c)),
            ),
        };
    }
    if let Some(e) = p.expiry {
        m.insert("message_expiry".into(), json!(e.as_secs()));
    }
    if !p.user.is_empty() {
        let pairs: Vec<Value> = p.user.iter().map(|(k, v)| json!([k, v])).collect();
        m.insert("user_properties".into(), Value::Array(pairs));
    }
    Some(Value::Object(m))
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
    if let Some(p) = properties_json(&d.properties) {
        m.insert("properties".into(), p);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(topic: &str, payload: &[u8]) -> Message {
        let mut delivery = crate::queue::Delivery::detached(
            topic.into(),
            bytes::Bytes::copy_from_slice(payload),
            1,
        );
        delivery
            .properties
            .user
            .push(("k\nmqq: error: x".into(), "v\u{1b}[2J".into()));
        delivery.properties.content_type = Some("text\r".into());
        Message {
            delivery,
            envelope: None,
        }
    }

    #[test]
    fn metadata_lines_escape_what_the_sender_chose() {
        let line = describe(&message("a\nmqq: error: forged\u{1b}[2J", b"x"));
        assert_eq!(
            line,
            "a\\nmqq: error: forged\\u{1b}[2J qos=1 content_type=text\\r \
             property:k\\nmqq: error: x=v\\u{1b}[2J bytes=1"
        );
        assert!(!line.contains(['\n', '\u{1b}', '\r']));
        assert_eq!(escape_controls("é/日本"), "é/日本");
    }

    /// Bytes written, kept for the test to read.
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn templates_on_a_terminal_escape_all_but_the_payload() {
        let render = |terminal: bool| {
            let buf = Arc::new(Mutex::new(Vec::new()));
            let mut out = Output::new(
                Box::new(Shared(buf.clone())),
                Diag::new(Box::new(io::sink()), Verbosity::default()),
            );
            out.stdout_terminal = terminal;
            out.format = Format::Template(crate::template::Template::parse("%t|%p").unwrap());
            Sink::write(&mut out, &message("a\u{1b}[2Jb", b"p\x1b[0m")).unwrap();
            Sink::flush(&mut out).unwrap();
            let bytes = buf.lock().unwrap().clone();
            bytes
        };
        assert_eq!(render(true), b"a\\u{1b}[2Jb|p\x1b[0m\n");
        assert_eq!(render(false), b"a\x1b[2Jb|p\x1b[0m\n");
    }
}
