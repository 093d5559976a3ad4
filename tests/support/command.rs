//! The `mqq` command builder, what a finished `mqq` printed ([`Out`], with assertions that
//! show the command line and its stderr when they fail), and consumers in the background.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::thread::JoinHandle;
use std::time::Duration;

/// The hang guard: a test fails instead of waiting longer than this for an `mqq` to exit.
const HANG_GUARD: Duration = Duration::from_secs(120);
/// How long a test waits for the next stderr line of a background `mqq`.
const LINE_GUARD: Duration = Duration::from_secs(60);

/// `mqq` with a clean environment: only `PATH` is kept (no `MQQ_*` from the developer's shell).
pub fn mqq() -> Mqq {
    Mqq::default()
}

/// An `mqq` command line. The connection options come first whatever the order of the calls:
/// `mqq [-L URI] [-t TOPIC] [-i ID] ARGS...`.
#[derive(Debug, Default)]
#[must_use = "an mqq command does nothing until .run() or .spawn()"]
pub struct Mqq {
    uri: Option<String>,
    topic: Option<String>,
    id: Option<String>,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    stdin: Vec<u8>,
}

impl Mqq {
    /// `-L URI`; [`super::Broker::mqq`] sets it to the broker's.
    pub fn uri(mut self, uri: &str) -> Self {
        self.uri = Some(uri.to_owned());
        self
    }

    /// `-t TOPIC`.
    pub fn topic(mut self, topic: &str) -> Self {
        self.topic = Some(topic.to_owned());
        self
    }

    /// `-i ID`: the durable queue's client id.
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }

    /// One more argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// More arguments (an `Option` adds its value, if any).
    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// An environment variable (on top of `PATH`).
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Sets an environment variable whose value need not be UTF-8.
    pub fn env_os(mut self, key: &str, value: &OsStr) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// What `mqq` reads on stdin for [`Mqq::run`] (default: nothing, then end of file).
    pub fn stdin(mut self, bytes: impl AsRef<[u8]>) -> Self {
        self.stdin = bytes.as_ref().to_vec();
        self
    }

    /// Runs it to completion; panics if it runs past the hang guard.
    pub fn run(self) -> Out {
        self.exec(Sout::Read)
    }

    /// Runs it to completion with its stdout closed before it starts: every write fails.
    pub fn run_with_stdout_closed(self) -> Out {
        self.exec(Sout::Closed)
    }

    /// Runs it to completion with stdout on a full disk (`/dev/full`): every write fails
    /// with "No space left on device".
    pub fn run_with_stdout_full(self) -> Out {
        self.exec(Sout::Full)
    }

    /// Starts `mqq ARGS -v` and returns once its stderr says it subscribed.
    pub fn spawn(self) -> Background {
        Background::start(self, true)
    }

    /// Starts `mqq ARGS -v broker BROKER_ARGS` (`mqq broker`, the embedded broker as a
    /// command) and returns once it says it listens; fails with what it printed if it exits
    /// first.
    pub fn spawn_broker(self, broker_args: &[&str]) -> Background {
        let mut bg = Background::launch(self.arg("broker").args(broker_args), true);
        bg.wait_stderr("broker listening on");
        bg
    }

    /// Starts `mqq ARGS -v` in the background and returns at once, before it connected.
    pub fn spawn_connecting(self) -> Background {
        Background::launch(self, true)
    }

    /// Like [`Mqq::spawn`], but nobody reads its stdout: a large write blocks once the pipe
    /// is full.
    pub fn spawn_unread(self) -> Background {
        Background::start(self, false)
    }

    fn argv(&self) -> Vec<OsString> {
        let mut argv: Vec<OsString> = Vec::new();
        for (flag, value) in [("-L", &self.uri), ("-t", &self.topic), ("-i", &self.id)] {
            if let Some(value) = value {
                argv.extend([flag.into(), value.into()]);
            }
        }
        argv.extend(self.args.iter().cloned());
        argv
    }

    /// The command line as a shell would show it, for failure messages.
    fn line(&self) -> String {
        let mut line = String::from("mqq");
        for arg in self.argv() {
            let arg = arg.to_string_lossy();
            let plain = !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+#".contains(c));
            let _ = if plain {
                write!(line, " {arg}")
            } else {
                write!(line, " {arg:?}")
            };
        }
        if !self.stdin.is_empty() {
            let _ = write!(line, " <<< ({} bytes)", self.stdin.len());
        }
        line
    }

    /// The process command line, for a test that drives the child itself. The binary is the
    /// one cargo built with the tests, or `MQQ_TEST_BIN` (a release build, say:
    /// `MQQ_TEST_BIN=target/release/mqq`).
    pub fn command(&self) -> Command {
        let bin =
            std::env::var_os("MQQ_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_mqq").into());
        let mut c = Command::new(bin);
        c.env_clear();
        if let Ok(path) = std::env::var("PATH") {
            c.env("PATH", path);
        }
        c.envs(self.envs.iter().map(|(k, v)| (k, v)));
        c.args(self.argv());
        c
    }

    /// Starts it with stdout and stderr piped.
    fn start(&self, stdin: Stdio) -> Child {
        self.start_with(stdin, Stdio::piped())
    }

    fn start_with(&self, stdin: Stdio, stdout: Stdio) -> Child {
        self.command()
            .stdin(stdin)
            .stdout(stdout)
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn mqq")
    }

    fn exec(self, sout: Sout) -> Out {
        let line = self.line();
        let stdout = match sout {
            Sout::Read | Sout::Closed => Stdio::piped(),
            Sout::Full => std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full")
                .into(),
        };
        let mut child = self.start_with(Stdio::piped(), stdout);
        let mut sin = child.stdin.take().unwrap();
        let input = self.stdin;
        let writer = std::thread::spawn(move || {
            let _ = sin.write_all(&input);
        });
        let so = child.stdout.take();
        let stdout = match sout {
            Sout::Read => so.map(read_all),
            // Closed now, before mqq writes (for /dev/full there is no pipe).
            Sout::Closed | Sout::Full => {
                drop(so);
                None
            }
        };
        let stderr = read_all(child.stderr.take().unwrap());
        let code = wait_guarded(&mut child, &line);
        writer.join().unwrap();
        Out {
            stdout: stdout.map(|h| h.join().unwrap()).unwrap_or_default(),
            stderr: String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
            code,
            line,
        }
    }
}

/// Where a run's stdout goes.
#[derive(Clone, Copy)]
enum Sout {
    /// A pipe the test reads.
    Read,
    /// A pipe closed before mqq writes.
    Closed,
    /// `/dev/full`.
    Full,
}

fn read_all(mut from: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = from.read_to_end(&mut v);
        v
    })
}

fn wait_guarded(child: &mut Child, line: &str) -> i32 {
    use wait_timeout::ChildExt as _;
    if let Some(s) = child.wait_timeout(HANG_GUARD).unwrap() {
        s.code().unwrap_or(-1)
    } else {
        let _ = child.kill();
        panic!("{line} ran past {HANG_GUARD:?}");
    }
}

/// What a finished `mqq` printed and returned. The assertions return `&Self` to chain, and
/// on failure show the command line, the exit code, stdout and stderr.
#[derive(Debug)]
pub struct Out {
    /// The command line, for messages.
    pub line: String,
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Out {
    /// Stdout as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stdout parsed as one JSON value.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| self.fail(&format!("stdout is not one JSON value: {e}")))
    }

    /// Fails the test, saying `what` and showing what the command did.
    #[track_caller]
    pub fn fail(&self, what: &str) -> ! {
        panic!(
            "{what}\n  command: {}\n  exit:    {}\n  stdout:  {}\n  stderr:  {}",
            self.line,
            self.code,
            clip(&self.stdout),
            tail(&self.stderr),
        )
    }

    /// Exit code `code` and exactly `stdout` on stdout.
    #[track_caller]
    pub fn expect(&self, code: i32, stdout: &str) -> &Self {
        if self.code != code || self.stdout != stdout.as_bytes() {
            self.fail(&format!(
                "expected exit {code} and stdout {}",
                clip(stdout.as_bytes())
            ));
        }
        self
    }

    /// Exit code `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        if self.code != code {
            self.fail(&format!("expected exit {code}"));
        }
        self
    }

    /// Exit code `code` and exactly the bytes `stdout` (compared by length first, and never
    /// printed whole).
    #[track_caller]
    pub fn expect_bytes(&self, code: i32, stdout: &[u8]) -> &Self {
        self.expect_code(code);
        if self.stdout.len() != stdout.len() {
            self.fail(&format!("expected {} bytes on stdout", stdout.len()));
        }
        if let Some(at) = self.stdout.iter().zip(stdout).position(|(a, b)| a != b) {
            self.fail(&format!(
                "stdout differs from the expected bytes at offset {at}"
            ));
        }
        self
    }

    /// Stdout contains `needle`.
    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        if !self.text().contains(needle) {
            self.fail(&format!("expected {needle:?} on stdout"));
        }
        self
    }

    /// Stderr contains `needle`.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        if !self.stderr.contains(needle) {
            self.fail(&format!("expected {needle:?} on stderr"));
        }
        self
    }

    /// Stderr starts with `prefix`.
    #[track_caller]
    pub fn stderr_starts(&self, prefix: &str) -> &Self {
        if !self.stderr.starts_with(prefix) {
            self.fail(&format!("expected stderr to start with {prefix:?}"));
        }
        self
    }

    /// Stderr has exactly `n` lines (0: it is empty).
    #[track_caller]
    pub fn stderr_lines(&self, n: usize) -> &Self {
        if self.stderr.lines().count() != n {
            self.fail(&format!("expected {n} line(s) on stderr"));
        }
        self
    }

    /// `secret` appears nowhere in what it printed (stdout, then stderr).
    #[track_caller]
    pub fn never_shows(&self, secret: &str) -> &Self {
        if (self.text() + &self.stderr).contains(secret) {
            self.fail(&format!("it printed the secret {secret:?}"));
        }
        self
    }
}

/// Bytes for a message: the first 2000 (lossy), quoted.
fn clip(bytes: &[u8]) -> String {
    const MAX: usize = 2000;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX)]);
    if bytes.len() > MAX {
        format!("{text:?}… ({} bytes in all)", bytes.len())
    } else {
        format!("{text:?}")
    }
}

/// Stderr for a message: the last 4000 bytes, where the error is.
fn tail(text: &str) -> String {
    const MAX: usize = 4000;
    let mut from = text.len().saturating_sub(MAX);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let cut = if from > 0 { "…" } else { "" };
    format!("{cut}{}", &text[from..]).replace('\n', "\n           ")
}

/// An `mqq -v` running in the background, ready once its stderr said it subscribed.
pub struct Background {
    line: String,
    child: Child,
    stdout: Option<JoinHandle<Vec<u8>>>,
    /// Stderr lines, read continuously by a thread so a chatty -v never blocks mqq.
    lines: Receiver<String>,
    seen: String,
}

impl Background {
    fn start(cmd: Mqq, read_stdout: bool) -> Background {
        let mut bg = Background::launch(cmd, read_stdout);
        bg.wait_stderr("subscribed to");
        bg
    }

    /// Starts it without waiting for anything: the test synchronises on something else
    /// (e.g. the broker seeing its connection).
    fn launch(cmd: Mqq, read_stdout: bool) -> Background {
        assert!(cmd.stdin.is_empty(), "a background mqq reads no stdin");
        // -v goes first: after a verb's `--` it would belong to the command (work).
        let mut cmd = cmd;
        cmd.args.insert(0, "-v".into());
        let line = cmd.line();
        let mut child = cmd.start(Stdio::null());
        let stdout = read_stdout.then(|| read_all(child.stdout.take().unwrap()));
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in stderr.lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Background {
            line,
            child,
            stdout,
            lines,
            seen: String::new(),
        }
    }

    /// Waits until a stderr line contains `needle`.
    #[track_caller]
    pub fn wait_stderr(&mut self, needle: &str) {
        loop {
            let Ok(line) = self.lines.recv_timeout(LINE_GUARD) else {
                panic!(
                    "{} did not print {needle:?}; it printed: {}",
                    self.line, self.seen
                );
            };
            self.seen.push_str(&line);
            self.seen.push('\n');
            if line.contains(needle) {
                return;
            }
        }
    }

    /// Waits until `n` stderr lines in all (since it started) contain `needle`.
    #[track_caller]
    pub fn wait_stderr_times(&mut self, needle: &str, n: usize) {
        while self.seen.lines().filter(|l| l.contains(needle)).count() < n {
            self.wait_stderr(needle);
        }
    }

    /// Its peak resident memory so far (`VmHWM`), in bytes.
    pub fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/PID/status (Linux)");
        let kb = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .expect("VmHWM in /proc/PID/status");
        kb * 1024
    }

    /// Whether it exits within `limit` (its output is read by [`Background::finish`]).
    pub fn exits_within(&mut self, limit: Duration) -> bool {
        super::server::exits_within(&mut self.child, limit)
    }

    /// Starts reading the stdout of a process started unread ([`Mqq::spawn_unread`]).
    pub fn read_stdout(&mut self) {
        if let Some(so) = self.child.stdout.take() {
            self.stdout = Some(read_all(so));
        }
    }

    /// Kills it with SIGKILL: no cleanup, no DISCONNECT.
    pub fn kill(self) {
        drop(self);
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
    }

    /// Sends SIGINT, as Ctrl-C at a terminal does.
    pub fn interrupt(&self) {
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(self.child.id().to_string())
            .status();
    }

    /// Waits for it to exit (panics past the hang guard).
    pub fn finish(mut self) -> Out {
        let code = wait_guarded(&mut self.child, &self.line);
        let stdout = self
            .stdout
            .take()
            .map(|h| h.join().unwrap())
            .unwrap_or_default();
        let mut stderr = std::mem::take(&mut self.seen);
        for line in &self.lines {
            stderr.push_str(&line);
            stderr.push('\n');
        }
        Out {
            line: std::mem::take(&mut self.line),
            code,
            stdout,
            stderr,
        }
    }
}

impl Drop for Background {
    /// A test that failed half-way leaves no `mqq` behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
