//! Progress on long work: shown on stderr only when stderr is a terminal (run under a pty
//! with util-linux's `script`), with log lines whole above it; never in a pipe; `--quiet`
//! hides it.

use std::io::Write as _;
use std::process::{Command, Stdio};

use super::{durable_queue, numbers};
use crate::support::{Broker, Mqq, Out};

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

/// Runs `cmd` under a pseudo-terminal (`script -qec`), with `redirect` appended to its
/// shell command line (`> FILE`, `< FILE`); returns its exit code and what the terminal got.
fn on_a_terminal(cmd: &Mqq, redirect: &str) -> (i32, String) {
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
        .stderr(Stdio::inherit());
    if let Ok(path) = std::env::var("PATH") {
        script.env("PATH", path);
    }
    let out = script
        .output()
        .expect("the `script` command (util-linux, bsdutils on Debian) runs mqq under a pty");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
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
    let send = b.mqq().topic(&t).args(["send", "-q", "1", "-l"]);
    let (code, tty) = on_a_terminal(&send, &format!("< {lines}"));
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
