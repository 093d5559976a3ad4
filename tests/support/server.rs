//! Servers a test runs: one way to spawn a server process (mosquitto, NATS, aedes, RabbitMQ,
//! a cluster's nodes) and wait until its ports listen or it exits, killed on drop or on a
//! timeout, its output kept and shown when it fails; and one way to run an in-process fake
//! server (an accept loop on a free loopback port, a thread per connection). Readiness is
//! probed by connecting, never slept on.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How much of a server's output is kept (its last bytes, where a failure is told).
const OUTPUT_KEPT: usize = 16 * 1024;

/// A server process; killed (SIGKILL) on drop.
pub struct Server {
    name: String,
    child: Option<Child>,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Server {
    /// Spawns `cmd` (stdin null; stdout and stderr kept, as one) as `name` for messages.
    /// Panics, naming the program and `install`, when it cannot be run.
    pub fn spawn(name: &str, cmd: &mut Command, install: &str) -> Server {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{name}: cannot run {:?} ({e}): {install}",
                    cmd.get_program()
                )
            });
        let output = Arc::new(Mutex::new(Vec::new()));
        keep(child.stdout.take().unwrap(), &output);
        keep(child.stderr.take().unwrap(), &output);
        Server {
            name: name.to_owned(),
            child: Some(child),
            output,
        }
    }

    /// [`Server::spawn`], then [`Server::wait_listening`] on `ports`.
    pub fn start(
        name: &str,
        cmd: &mut Command,
        install: &str,
        ports: &[u16],
        within: Duration,
    ) -> Result<Server, String> {
        let mut s = Server::spawn(name, cmd, install);
        s.wait_listening(ports, within)?;
        Ok(s)
    }

    /// Waits until every one of `ports` accepts TCP connections on loopback. If the server
    /// exits first, or `within` passes (then it is killed), the error says so, with its
    /// output: a caller may retry on other ports (one may have been taken meanwhile).
    pub fn wait_listening(&mut self, ports: &[u16], within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        let mut waiting: Vec<u16> = ports.to_vec();
        loop {
            waiting.retain(|p| TcpStream::connect(("127.0.0.1", *p)).is_err());
            if waiting.is_empty() {
                return Ok(());
            }
            let child = self.child.as_mut().expect("a running server");
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Err(self.failure(&format!(
                    "exited ({status}) before listening on {waiting:?}"
                )));
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(self.failure(&format!(
                    "did not listen on {waiting:?} within {within:?}; killed"
                )));
            }
            // Readiness probe back-off, not synchronisation: the probe above decides.
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// One line naming the server and what happened, then the tail of its output.
    pub fn failure(&self, what: &str) -> String {
        let output = String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned();
        let output = output.trim_end();
        if output.is_empty() {
            format!("{}: {what}; it printed nothing", self.name)
        } else {
            format!("{}: {what}; its output ends:\n{output}", self.name)
        }
    }

    /// True while it runs.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Kills it (SIGKILL) and reaps it; nothing if it is not running.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Sends it SIGTERM without waiting: several servers stop side by side, then
    /// [`Server::terminate`] waits for each.
    pub fn ask_to_stop(&self) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
        }
    }

    /// Stops it with SIGTERM (a server saves its state) and waits up to `grace` for it to
    /// exit, then kills it.
    pub fn terminate(&mut self, grace: Duration) {
        self.ask_to_stop();
        let Some(mut c) = self.child.take() else {
            return;
        };
        if !exits_within(&mut c, grace) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Whether `child` exits within `limit`: the wait for an exit a signal asked for, with
/// `try_wait` asked every 10 ms until `limit` (std has no wait with a timeout). It reaps the
/// child when it exits.
pub fn exits_within(child: &mut Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads `pipe` into `into` continuously, so a chatty server never blocks on a full pipe;
/// only the tail is kept. The thread ends with the pipe (a server's own children may hold it
/// longer than the server lives).
fn keep(mut pipe: impl Read + Send + 'static, into: &Arc<Mutex<Vec<u8>>>) {
    let kept = Arc::clone(into);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut buf) {
            let mut kept = kept.lock().unwrap();
            kept.extend_from_slice(&buf[..n]);
            let over = kept.len().saturating_sub(OUTPUT_KEPT);
            kept.drain(..over);
        }
    });
}

/// An in-process fake server on a free loopback port: `serve` runs on its own thread for
/// each connection. It listens before this returns (no readiness to wait for) and runs until
/// the test process ends. Returns the port.
pub fn fake(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let serve = Arc::new(serve);
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let serve = Arc::clone(&serve);
            std::thread::spawn(move || serve(conn));
        }
    });
    port
}
