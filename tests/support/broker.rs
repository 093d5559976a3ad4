//! The broker under test: an embedded rumqttd, or with `MQQ_TEST_BROKER` a spawned
//! mosquitto, NATS or aedes (each on a free loopback port), or the pass's RabbitMQ.

use std::fmt::Write as _;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::command::{mqq, Mqq};
use super::free_port;

/// Which broker the suite runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// rumqttd 0.20, embedded in the test process.
    Rumqttd,
    /// A spawned `mosquitto` (2.0) with a temporary config.
    Mosquitto,
    /// A spawned `nats-server` (2.9) with JetStream and its MQTT listener.
    Nats,
    /// One RabbitMQ 3.10 for the whole pass, started by `tests/brokers/rabbitmq.sh` (its
    /// port in `MQQ_TEST_RABBITMQ_PORT`): one per test would cost ~14 s each.
    RabbitMq,
    /// A spawned aedes 1.2 (node; `tests/brokers/aedes`, installed there by `npm ci`).
    Aedes,
}

impl Kind {
    /// The name `MQQ_TEST_BROKER` gives it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Rumqttd => "embedded",
            Kind::Mosquitto => "mosquitto",
            Kind::Nats => "nats",
            Kind::RabbitMq => "rabbitmq",
            Kind::Aedes => "aedes",
        }
    }

    /// True when the broker accepts MQTT 5 (the others answer a v5 CONNECT with "unsupported
    /// protocol version" or close it, and mqq's `auto` falls back to 3.1.1).
    pub fn speaks_v5(self) -> bool {
        matches!(self, Kind::Mosquitto)
    }

    /// True when `$share/GROUP/…` splits messages among the group (NATS 2.9, RabbitMQ 3.10
    /// and aedes 1.2 take it for a plain topic).
    pub fn shares(self) -> bool {
        matches!(self, Kind::Rumqttd | Kind::Mosquitto)
    }

    /// True when the broker hands a resumed MQTT 3.1.1 session its whole backlog at once:
    /// aedes has no window of unacknowledged messages.
    pub fn unbounded_window(self) -> bool {
        matches!(self, Kind::Aedes)
    }
}

/// The broker kind asked for by `MQQ_TEST_BROKER` (default: embedded rumqttd).
pub fn kind() -> Kind {
    match std::env::var("MQQ_TEST_BROKER").as_deref() {
        Ok("mosquitto") => Kind::Mosquitto,
        Ok("nats") => Kind::Nats,
        Ok("rabbitmq") => Kind::RabbitMq,
        Ok("aedes") => Kind::Aedes,
        Ok("rumqttd" | "embedded" | "") | Err(_) => Kind::Rumqttd,
        Ok(other) => {
            panic!("MQQ_TEST_BROKER={other}: expected embedded, mosquitto, nats, rabbitmq or aedes")
        }
    }
}

/// A running broker; a spawned one is killed on drop.
pub struct Broker {
    pub port: u16,
    child: Option<Child>,
    dir: Option<tempfile::TempDir>,
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Broker options a test may need.
#[derive(Debug, Clone, Default)]
pub struct BrokerOpts {
    /// username → password; anonymous access is refused when set.
    pub users: Vec<(String, String)>,
    /// mosquitto only: the text of an `acl_file` (lines before any `user` apply to
    /// anonymous clients).
    pub acl: Option<String>,
    /// mosquitto only: more lines of its config (e.g. `max_packet_size 1000`).
    pub conf: Vec<String>,
    /// mosquitto only: keep sessions and messages on disk (saved every second and at
    /// SIGTERM), so that [`Broker::restart`] resumes them.
    pub persistent: bool,
}

impl Broker {
    /// Starts the suite's broker with default options.
    pub fn start() -> Broker {
        Broker::start_with(&BrokerOpts::default())
    }

    /// Starts the suite's broker; retries on another port if the chosen one was taken.
    pub fn start_with(opts: &BrokerOpts) -> Broker {
        for _ in 0..5 {
            let port = free_port();
            let started = match kind() {
                Kind::Rumqttd => start_rumqttd(port, opts),
                Kind::Mosquitto => start_mosquitto(port, opts),
                Kind::Nats => start_nats(port, opts),
                Kind::Aedes => start_aedes(port, opts),
                Kind::RabbitMq => return shared_rabbitmq(opts),
            };
            if let Some(b) = started {
                return b;
            }
        }
        panic!("could not start a {:?} broker on a free port", kind());
    }

    /// The embedded broker whatever `MQQ_TEST_BROKER` says, for cases about mqq's side of
    /// what only it carries (mosquitto drops a topic with control characters).
    pub fn embedded() -> Broker {
        (0..5)
            .find_map(|_| start_rumqttd(free_port(), &BrokerOpts::default()))
            .expect("the embedded broker starts")
    }

    /// A spawned mosquitto whatever `MQQ_TEST_BROKER` says, for cases that stop the broker
    /// (the embedded one cannot be stopped); `None` when mosquitto is not installed, which
    /// only the hermetic pass on a developer's machine may accept (CI installs it).
    pub fn mosquitto() -> Option<Broker> {
        Broker::mosquitto_with(&BrokerOpts::default())
    }

    /// [`Broker::mosquitto`] with options (an ACL, users).
    pub fn mosquitto_with(opts: &BrokerOpts) -> Option<Broker> {
        let installed = Command::new(mosquitto_bin())
            .arg("-h")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !installed {
            assert_ne!(kind(), Kind::Mosquitto, "mosquitto is missing");
            eprintln!("mosquitto not installed: this case needs mosquitto");
            return None;
        }
        (0..5).find_map(|_| start_mosquitto(free_port(), opts))
    }

    /// Stops a spawned broker (SIGKILL): its port refuses connections from now on.
    pub fn stop(&mut self) {
        let child = self
            .child
            .as_mut()
            .expect("only a spawned broker can be stopped");
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Stops a spawned mosquitto with SIGTERM (it saves its state) and starts it again on the
    /// same port with the same config; returns once it listens.
    pub fn restart(&mut self) {
        let running = self
            .child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)));
        if running {
            self.terminate();
        }
        let conf = self
            .dir
            .as_ref()
            .expect("a spawned broker")
            .path()
            .join("mosquitto.conf");
        let mut child = Command::new(mosquitto_bin())
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        assert!(
            wait_listening(self.port, Some(&mut child)),
            "mosquitto did not come back on port {}",
            self.port
        );
        self.child = Some(child);
    }

    /// Stops a spawned broker gracefully (SIGTERM) and waits until it exited.
    pub fn terminate(&mut self) {
        let child = self
            .child
            .as_mut()
            .expect("only a spawned broker can be stopped");
        let st = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let _ = child.wait();
    }

    /// `mqtt://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// `mqq -L URI`: a command against this broker.
    pub fn mqq(&self) -> Mqq {
        mqq().uri(&self.uri())
    }
}

/// Waits until something accepts TCP connections on the port (or the deadline passes).
pub(super) fn wait_listening(port: u16, child: Option<&mut Child>) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut child = child;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        if let Some(c) = child.as_deref_mut() {
            if let Ok(Some(_)) = c.try_wait() {
                return false;
            }
        }
        // Readiness probe back-off, not synchronisation: the probe above decides.
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

fn start_rumqttd(port: u16, opts: &BrokerOpts) -> Option<Broker> {
    let opts = ::mqq::broker::BrokerOptions {
        bind: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        users: opts.users.clone(),
        ..::mqq::broker::BrokerOptions::default()
    };
    ::mqq::broker::EmbeddedBroker::start(&opts)
        .ok()
        .map(|_| Broker {
            port,
            child: None,
            dir: None,
        })
}

fn start_mosquitto(port: u16, opts: &BrokerOpts) -> Option<Broker> {
    let dir = tempfile::tempdir().unwrap();
    let mut conf = format!(
        "listener {port} 127.0.0.1\nlog_dest stderr\nlog_type error\n\
         max_queued_messages 0\n"
    );
    if opts.persistent {
        // mosquitto run as root drops to user mosquitto: let it write the directory.
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let _ = writeln!(
            conf,
            "persistence true\npersistence_location {}/\nautosave_interval 1",
            dir.path().display()
        );
    } else {
        conf.push_str("persistence false\n");
    }
    if opts.users.is_empty() {
        conf.push_str("allow_anonymous true\n");
    } else {
        let pw = dir.path().join("passwd");
        let text: String = opts
            .users
            .iter()
            .map(|(u, p)| format!("{u}:{p}\n"))
            .collect();
        std::fs::write(&pw, text).unwrap();
        let st = Command::new("mosquitto_passwd")
            .arg("-U")
            .arg(&pw)
            .status()
            .expect("mosquitto_passwd is missing: apt-get install -y mosquitto");
        assert!(st.success());
        let _ = writeln!(
            conf,
            "allow_anonymous false
password_file {}",
            pw.display()
        );
    }
    if let Some(acl) = &opts.acl {
        let file = dir.path().join("acl");
        std::fs::write(&file, acl).unwrap();
        // mosquitto 2.0.11 with `max_queued_messages 0` drops an MQTT 5 client's connection
        // after a denied QoS 1 publish instead of sending PUBACK 0x87: a finite limit avoids it.
        let _ = writeln!(
            conf,
            "acl_file {}\nmax_queued_messages 1000000",
            file.display()
        );
    }
    for line in &opts.conf {
        let _ = writeln!(conf, "{line}");
    }
    let path = dir.path().join("mosquitto.conf");
    std::fs::write(&path, conf).unwrap();
    let mut child = Command::new(mosquitto_bin())
        .arg("-c")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("MQQ_TEST_BROKER=mosquitto but mosquitto is not installed: apt-get install -y mosquitto");
    if wait_listening(port, Some(&mut child)) {
        Some(Broker {
            port,
            child: Some(child),
            dir: Some(dir),
        })
    } else {
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}

/// The pass's RabbitMQ (see [`Kind::RabbitMq`]); users are added to it with rabbitmqctl. It
/// admits anonymous clients too, unlike the other brokers with users.
fn shared_rabbitmq(opts: &BrokerOpts) -> Broker {
    let port: u16 = std::env::var("MQQ_TEST_RABBITMQ_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .expect(
            "MQQ_TEST_BROKER=rabbitmq needs a running RabbitMQ: \
             eval \"$(bash tests/brokers/rabbitmq.sh start DIR)\"",
        );
    let env = std::env::var("MQQ_TEST_RABBITMQ_ENV").unwrap_or_default();
    for (u, p) in &opts.users {
        let st = Command::new("sh")
            .arg("-c")
            .arg(format!(
                ". '{env}' && C=/usr/lib/rabbitmq/bin/rabbitmqctl && \
                 {{ $C -q add_user '{u}' '{p}' >/dev/null 2>&1; \
                 $C -q set_permissions -p / '{u}' '.*' '.*' '.*' >/dev/null; }}"
            ))
            .status()
            .unwrap();
        assert!(st.success(), "rabbitmqctl could not add user {u}");
    }
    Broker {
        port,
        child: None,
        dir: None,
    }
}

/// NATS as the README advises for queues: `ack_wait` 1 s (default 30 s), so that a message
/// a peek left unacknowledged comes back within a second rather than half a minute (NATS
/// does not resend on reconnect; `tests/cases/nats.rs` asserts what the default does).
fn start_nats(port: u16, opts: &BrokerOpts) -> Option<Broker> {
    let dir = tempfile::tempdir().unwrap();
    let mut conf = format!(
        "server_name: mqq{port}\nlisten: 127.0.0.1:{}\njetstream {{ store_dir: \"{}\" }}\n\
         mqtt {{ host: 127.0.0.1, port: {port}, ack_wait: \"1s\" }}\n",
        free_port(),
        dir.path().join("js").display()
    );
    if !opts.users.is_empty() {
        let users: Vec<String> = opts
            .users
            .iter()
            .map(|(u, p)| format!("{{ user: \"{u}\", password: \"{p}\" }}"))
            .collect();
        let _ = writeln!(conf, "authorization {{ users: [{}] }}", users.join(", "));
    }
    let path = dir.path().join("nats.conf");
    std::fs::write(&path, conf).unwrap();
    let mut child = Command::new("nats-server")
        .arg("-c")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect(
            "MQQ_TEST_BROKER=nats but nats-server is not installed: apt-get install -y nats-server",
        );
    if wait_listening(port, Some(&mut child)) {
        Some(Broker {
            port,
            child: Some(child),
            dir: Some(dir),
        })
    } else {
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}

/// aedes from `tests/brokers/aedes` (its `node_modules` made by `npm ci` there), users
/// given as `USER:PASS` arguments.
fn start_aedes(port: u16, opts: &BrokerOpts) -> Option<Broker> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/brokers/aedes");
    assert!(
        dir.join("node_modules/aedes").is_dir(),
        "MQQ_TEST_BROKER=aedes but aedes is not installed: npm ci --prefix tests/brokers/aedes"
    );
    let mut child = Command::new("node")
        .arg(dir.join("broker.mjs"))
        .arg(port.to_string())
        .args(opts.users.iter().map(|(u, p)| format!("{u}:{p}")))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("MQQ_TEST_BROKER=aedes but node is not installed: apt-get install -y nodejs");
    if wait_listening(port, Some(&mut child)) {
        Some(Broker {
            port,
            child: Some(child),
            dir: None,
        })
    } else {
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}

pub(super) fn mosquitto_bin() -> PathBuf {
    for p in ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"] {
        if Path::new(p).exists() {
            return p.into();
        }
    }
    "mosquitto".into()
}

/// True when the mosquitto command-line clients are installed.
pub fn have_mosquitto_clients() -> bool {
    Command::new("mosquitto_pub")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}
