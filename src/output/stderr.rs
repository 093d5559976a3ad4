//! Everything on stderr, through one [`Diag`]: reports, warnings, `-v` lines, the tracing
//! log ([`LogWriter`]) and the progress display ([`Progress`]), which log lines print above so
//! that a bar never tears a line.

use std::io::{self, IsTerminal as _, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How often a progress display redraws (from its own thread).
const PROGRESS_TICK: Duration = Duration::from_millis(200);

/// How chatty stderr is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verbosity {
    /// `-v` count: 1 adds per-message lines, 2 debug logs, 3 traces.
    pub verbose: u8,
    /// `--quiet`: no summaries, progress or warnings; errors stay.
    pub quiet: bool,
}

/// The stderr side: cheap to clone, shared by [`Output`](super::Output) and the tracing
/// subscriber.
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
    pub fn counter(&self) -> MessageCounter {
        MessageCounter(self.bar.clone().filter(|_| self.count.is_none()))
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

/// Counts messages on a [`Progress`] (see [`Progress::counter`]); a no-op for a hidden one,
/// and after the display finished.
#[derive(Clone, Default)]
pub struct MessageCounter(Option<indicatif::ProgressBar>);

impl MessageCounter {
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
