//! Test support: brokers on free loopback ports and an `mqq` runner with an isolated
//! environment. No fixed ports; readiness is probed, never slept on.

#![allow(dead_code)]

mod broker;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

pub use broker::{have_mosquitto_clients, kind, Broker, BrokerOpts, Kind};

/// A loopback port nobody in this process was given before, free at the time of asking.
pub fn free_port() -> u16 {
    static USED: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let used = USED.get_or_init(|| Mutex::new(HashSet::new()));
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if used.lock().unwrap().insert(port) {
            return port;
        }
    }
}

/// A unique topic for a test.
pub fn topic(name: &str) -> String {
    format!("mqq-test/{name}/{}", &uuid_hex()[..8])
}

/// A unique durable client id.
pub fn client_id(name: &str) -> String {
    format!("mqq-test-{name}-{}", &uuid_hex()[..8])
}

fn uuid_hex() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = nanos ^ (u128::from(std::process::id()) << 64) ^ u128::from(free_port()) << 32;
    format!("{n:032x}").chars().rev().collect()
}

/// The `mqq` binary with a clean environment (no MQQ_* from the developer's shell).
pub fn mqq() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mqq"));
    c.env_clear();
    if let Ok(path) = std::env::var("PATH") {
        c.env("PATH", path);
    }
    c
}

/// What a finished `mqq` printed and returned.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Out {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs a command to completion with `stdin` as input; panics if it runs past 120 s.
pub fn run(cmd: &mut Command, stdin: &[u8]) -> Out {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mqq");
    let mut sin = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = sin.write_all(&input);
    });
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let r1 = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = so.read_to_end(&mut v);
        v
    });
    let r2 = std::thread::spawn(move || {
        let mut v = String::new();
        let _ = se.read_to_string(&mut v);
        v
    });
    let status = wait_timeout(&mut child, Duration::from_secs(120));
    writer.join().unwrap();
    Out {
        code: status,
        stdout: r1.join().unwrap(),
        stderr: r2.join().unwrap(),
    }
}

fn wait_timeout(child: &mut Child, limit: Duration) -> i32 {
    use wait_timeout::ChildExt as _;
    if let Some(s) = child.wait_timeout(limit).unwrap() {
        s.code().unwrap_or(-1)
    } else {
        let _ = child.kill();
        panic!("mqq ran past {limit:?}");
    }
}

/// `mqq ARGS` against a broker, with `-L URI -t TOPIC` (and `-i ID` if given) prepended.
pub fn q(b: &Broker, topic: &str, id: Option<&str>, args: &[&str], stdin: &[u8]) -> Out {
    let mut c = mqq();
    c.args(["-L", &b.uri(), "-t", topic]);
    if let Some(id) = id {
        c.args(["-i", id]);
    }
    c.args(args);
    run(&mut c, stdin)
}

/// A consumer running in the background, ready once it said it subscribed.
pub struct Background {
    child: Child,
    stdout: Option<std::thread::JoinHandle<Vec<u8>>>,
    /// Stderr lines, read continuously by a thread so a chatty -v never blocks mqq.
    lines: std::sync::mpsc::Receiver<String>,
    seen: String,
}

impl Background {
    /// Starts `mqq -v ARGS` and returns once its stderr says it subscribed.
    pub fn start(cmd: Command) -> Background {
        Background::start_with(cmd, true)
    }

    /// Like [`Background::start`]; with `read_stdout` false nobody reads its stdout, so a
    /// large write blocks once the pipe is full.
    pub fn start_with(mut cmd: Command, read_stdout: bool) -> Background {
        let mut child = cmd
            .arg("-v")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn mqq");
        let stdout = read_stdout.then(|| {
            let mut so = child.stdout.take().unwrap();
            std::thread::spawn(move || {
                let mut v = Vec::new();
                let _ = so.read_to_end(&mut v);
                v
            })
        });
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut bg = Background {
            child,
            stdout,
            lines,
            seen: String::new(),
        };
        bg.wait_stderr("subscribed to");
        bg
    }

    /// Waits until a stderr line contains `needle`.
    pub fn wait_stderr(&mut self, needle: &str) {
        loop {
            let Ok(line) = self.lines.recv_timeout(Duration::from_secs(60)) else {
                panic!("mqq did not print {needle:?}; it printed: {}", self.seen);
            };
            self.seen.push_str(&line);
            self.seen.push('\n');
            if line.contains(needle) {
                return;
            }
        }
    }

    /// Kills it with SIGKILL: no cleanup, no DISCONNECT.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for it to exit (panics past 120 s).
    pub fn finish(mut self) -> Out {
        let code = wait_timeout(&mut self.child, Duration::from_secs(120));
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
            code,
            stdout,
            stderr,
        }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
    }
}

/// `mqq -L URI -t TOPIC [-i ID] ARGS` as a command, for [`Background`].
pub fn cmd(b: &Broker, topic: &str, id: Option<&str>, args: &[&str]) -> Command {
    let mut c = mqq();
    c.args(["-L", &b.uri(), "-t", topic]);
    if let Some(id) = id {
        c.args(["-i", id]);
    }
    c.args(args);
    c
}
