//! Progress on long work: shown on stderr only when stderr is a terminal (run under a pty
//! with util-linux's `script`), with log lines whole above it; never in a pipe; `--quiet`
//! hides it.

use std::io::{Read as _, Write as _};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use super::{durable_queue, numbers};
use crate::support::fake::gated;
use crate::support::{mqq, Broker, Mqq, Out};

/// Any sign of a drawing on a terminal: a carriage return or an escape sequence.
fn has_drawing(stderr: &str) -> bool {
    stderr.contains('\r') || stderr.contains('\u{1b}')
}

#[test]
fn no_progress_when_stderr_is_not_a_terminal() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "noprogress");
    let runs: Vec<Out> = vec![
        b.mqq()
            .topic(&t)
            .args(["send", "-q", "1", "-l"])
            .stdin(numbers(2000))
            .run(),
        b.mqq()
            .topic(&t)
            .args(["send", "-q", "1", "--repeat", "500", "x"])
            .run(),
        b.mqq()
            .topic(&t)
            .id(&id)
            .args(["-v", "receive", "-n", "2000", "-W", "20s"])
            .run(),
        b.mqq()
            .topic(&t)
            .id(&id)
            .args(["listen", "-n", "500", "-W", "20s"])
            .run(),
        b.mqq().topic(&t).args(["check", "-n", "200"]).run(),
    ];
    for o in &runs {
        o.expect_code(0);
        if has_drawing(&o.stderr) {
            o.fail("a progress display (\\r or an escape sequence) on a stderr that is a pipe");
        }
    }
}

/// What a terminal shows, line by line: escape sequences removed, and of a line redrawn
/// after `\r`, only its last version.
fn screen_lines(raw: &str) -> Vec<String> {
    let mut plain = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final byte (@ to ~).
            if chars.peek() == Some(&'[') {
                chars.next();
                for f in chars.by_ref() {
                    if ('@'..='~').contains(&f) {
                        break;
                    }
                }
            }
            continue;
        }
        plain.push(c);
    }
    plain
        .split('\n')
        .map(|l| {
            let l = l.trim_end_matches('\r');
            l.rsplit('\r').next().unwrap_or(l).trim_end().to_string()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// A command running under a pseudo-terminal (`script -qec`), what the terminal got read as
/// it comes.
struct Terminal {
    script: Child,
    chunks: Receiver<Vec<u8>>,
    seen: Vec<u8>,
}

impl Terminal {
    /// Starts `cmd` with `redirect` appended to its shell command line (`> FILE`, `< FILE`).
    fn start(cmd: &Mqq, redirect: &str) -> Terminal {
        let c = cmd.command();
        let mut line = shlex::try_quote(c.get_program().to_str().unwrap())
            .unwrap()
            .into_owned();
        for a in c.get_args() {
            line.push(' ');
            line.push_str(&shlex::try_quote(a.to_str().unwrap()).unwrap());
        }
        line.push(' ');
        line.push_str(redirect);
        let mut script = Command::new("script");
        script
            .args(["-qec", &line, "/dev/null"])
            .env_clear()
            .env("TERM", "xterm")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Ok(path) = std::env::var("PATH") {
            script.env("PATH", path);
        }
        let mut script = script
            .spawn()
            .expect("the `script` command (util-linux, bsdutils on Debian) runs mqq under a pty");
        let mut tty = script.stdout.take().unwrap();
        let (tx, chunks) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = tty.read(&mut buf) {
                if tx.send(buf[..n].to_vec()).is_err() {
                    return;
                }
            }
        });
        Terminal {
            script,
            chunks,
            seen: Vec::new(),
        }
    }

    /// Waits until the terminal shows `needle`; fails, showing what it got, if the command
    /// ends or a minute passes first.
    fn wait_for(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !String::from_utf8_lossy(&self.seen).contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.seen.extend(chunk),
                // Timeout, or the command ended (disconnected).
                Err(e) => panic!(
                    "the terminal never showed {needle:?} ({e}); it got: {:?}",
                    String::from_utf8_lossy(&self.seen)
                ),
            }
        }
    }

    /// Waits for the command to end; its exit code and all the terminal got.
    fn finish(mut self) -> (i32, String) {
        self.seen.extend(self.chunks.iter().flatten());
        let code = self.script.wait().unwrap().code().unwrap_or(-1);
        (code, String::from_utf8_lossy(&self.seen).into_owned())
    }
}

impl Drop for Terminal {
    /// A case that failed half-way leaves no `script` behind.
    fn drop(&mut self) {
        if let Ok(None) = self.script.try_wait() {
            let _ = self.script.kill();
            let _ = self.script.wait();
        }
    }
}

/// Runs `cmd` under a pseudo-terminal with `redirect` (see [`Terminal::start`]); returns its
/// exit code and what the terminal got.
fn on_a_terminal(cmd: &Mqq, redirect: &str) -> (i32, String) {
    Terminal::start(cmd, redirect).finish()
}

#[test]
#[cfg(target_os = "linux")]
fn progress_on_a_terminal_with_log_lines_whole_above_it() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "progress");
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("lines");
    std::fs::File::create(&lines)
        .unwrap()
        .write_all(numbers(300).as_bytes())
        .unwrap();
    let lines = shlex::try_quote(lines.to_str().unwrap())
        .unwrap()
        .into_owned();

    // send -l from a regular file: a bar of its bytes; the summary line after it, whole.
    // The broker's acknowledgements are held until the bar shows: 300 lines can be sent and
    // acknowledged before the bar's first tick, which would then never draw it.
    let (port, gate) = gated(b.port);
    let send = mqq()
        .uri(&format!("mqtt://127.0.0.1:{port}"))
        .topic(&t)
        .args(["send", "-q", "1", "-l"]);
    let mut term = Terminal::start(&send, &format!("< {lines}"));
    term.wait_for("% [");
    gate.open();
    let (code, tty) = term.finish();
    assert_eq!(code, 0, "{tty:?}");
    assert!(
        tty.contains(" sent · ") && tty.contains("% ["),
        "no progress bar of send -l on the terminal: {tty:?}"
    );
    let screen = screen_lines(&tty);
    assert!(
        screen
            .last()
            .is_some_and(|l| l.starts_with("mqq: sent 300, acknowledged 300 in ")),
        "the summary is not the last line, alone: {tty:?}"
    );

    // receive -n N -v into a file: a bar with an ETA, and each -v line whole above it.
    let out = dir.path().join("out");
    let out_q = shlex::try_quote(out.to_str().unwrap())
        .unwrap()
        .into_owned();
    let receive = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["-v", "receive", "-n", "300", "-W", "20s"]);
    let (code, tty) = on_a_terminal(&receive, &format!("> {out_q}"));
    assert_eq!(code, 0, "{tty:?}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), numbers(300));
    assert!(
        tty.contains("/300 received · ") && tty.contains("ETA"),
        "no progress bar of receive -n on the terminal: {tty:?}"
    );
    let screen = screen_lines(&tty);
    let logs: Vec<&String> = screen.iter().filter(|l| l.contains(" qos=1")).collect();
    assert_eq!(logs.len(), 300, "{screen:#?}");
    for l in logs {
        let whole = l.starts_with(&format!("{t} qos=1"))
            && l.rsplit_once(" bytes=")
                .is_some_and(|(_, n)| n.parse::<u8>().is_ok());
        assert!(whole, "a -v line torn by the progress bar: {l:?}");
    }
    assert!(
        screen
            .last()
            .is_some_and(|l| l.starts_with("mqq: received 300 messages in ")),
        "the summary is not the last line, alone: {screen:#?}"
    );

    // --quiet: nothing at all.
    let send = b.mqq().topic(&t).args(["--quiet", "send", "-q", "1", "-l"]);
    let (code, tty) = on_a_terminal(&send, &format!("< {lines}"));
    assert_eq!((code, tty.as_str()), (0, ""));

    // Stdout on the terminal too: the messages are the progress, no bar.
    let receive = b.mqq().topic(&t).id(&id).args(["receive", "-n", "300"]);
    let (code, tty) = on_a_terminal(&receive, "");
    assert_eq!(code, 0, "{tty:?}");
    assert!(!tty.contains("received ·"), "{tty:?}");
}
