//! Everything mqq prints goes through here, decided once in the dispatcher: message data
//! and values on stdout ([`Output`]), and diagnostics on stderr ([`Diag`], `stderr.rs`):
//! reports, warnings, `-v` lines, the tracing log and progress, so that a progress bar never
//! tears a log line. Verbs never print by themselves. How a message is printed is a
//! [`Style`] (`format.rs`) that the flag parser builds; nothing here knows the parser.

mod format;
mod stderr;

use std::io::{self, IsTerminal as _, Write};
use std::sync::atomic::{AtomicBool, Ordering};

pub use format::{describe, escape_controls, Format, Style};
pub use stderr::{stderr_colors, Diag, LogWriter, MessageCounter, Progress, Total, Verbosity};

use crate::capture::to_json;
use crate::queue::{Message, Sink};
use format::{field, write_json};

/// Buffer of stdout: a batch of small messages goes out in one write.
const STDOUT_BUFFER: usize = 64 * 1024;

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

/// Both streams: stdout for data (buffered; flushed per batch), stderr through [`Diag`].
pub struct Output {
    out: io::BufWriter<Box<dyn Write + Send>>,
    diag: Diag,
    /// How messages are printed.
    style: Style,
    /// Stdout is a terminal: message data there, so no progress display (it would tear).
    stdout_terminal: bool,
    /// Counts what the sink flushed on the progress display, if any.
    counter: MessageCounter,
    /// Messages written since the last flush.
    unflushed: u64,
}

impl Output {
    /// Output to any writers (tests, benchmarks).
    pub fn new(stdout: Box<dyn Write + Send>, diag: Diag) -> Output {
        Output {
            out: io::BufWriter::with_capacity(STDOUT_BUFFER, stdout),
            diag,
            style: Style::default(),
            stdout_terminal: false,
            counter: MessageCounter::default(),
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
        self.counter = p.counter();
        p
    }

    /// How messages are printed (`-F`, `--pretty`, `-N`). `--pretty` with text means JSON:
    /// text has nothing to lay out.
    pub fn set_style(&mut self, style: Style) {
        let format = match (style.format, style.pretty) {
            (Format::Text, true) => Format::Json,
            (f, _) => f,
        };
        self.style = Style {
            format,
            pretty: style.pretty,
            eol: style.eol,
        };
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
        if self.style.eol {
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
        match &self.style.format {
            Format::Text => {
                self.out.write_all(msg.body())?;
                self.eol(b"\n")
            }
            Format::Raw => self.out.write_all(msg.body()),
            Format::Json => {
                write_json(&mut self.out, &to_json(msg), self.style.pretty)?;
                self.out.write_all(b"\n")
            }
            Format::Template(t) => {
                let pretty = self.style.pretty;
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
        self.counter.add(std::mem::take(&mut self.unflushed));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

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
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
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
                Box::new(Captured(buf.clone())),
                Diag::new(Box::new(io::sink()), Verbosity::default()),
            );
            out.stdout_terminal = terminal;
            out.style.format = Format::Template(crate::template::Template::parse("%t|%p").unwrap());
            Sink::write(&mut out, &message("a\u{1b}[2Jb", b"p\x1b[0m")).unwrap();
            Sink::flush(&mut out).unwrap();
            let bytes = buf.lock().unwrap().clone();
            bytes
        };
        assert_eq!(render(true), b"a\\u{1b}[2Jb|p\x1b[0m\n");
        assert_eq!(render(false), b"a\x1b[2Jb|p\x1b[0m\n");
    }
}
