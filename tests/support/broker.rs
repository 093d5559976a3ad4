//! The broker under test: an embedded rumqttd (its MQTT 3.1.1 or its MQTT 5 listener), or
//! with `MQQ_TEST_BROKER` a spawned mosquitto, NATS or aedes (each on a free loopback port),
//! or the pass's RabbitMQ. A broker answers the capability questions of its kind
//! (`b.speaks_v5()`, `support/caps.rs`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::caps::{kind, Caps, Kind};
use super::command::{mqq, Mqq};
use super::free_port;
use super::server::Server;

/// How long a spawned broker may take to listen (the slowest, aedes, takes ~0.5 s; a loaded
/// CI machine many times that).
const LISTEN_WITHIN: Duration = Duration::from_secs(30);

/// A running broker; a spawned one is killed on drop.
pub struct Broker {
    pub port: u16,
    caps: &'static Caps,
    server: Option<Server>,
    /// A spawned broker's config (mosquitto's, for [`Broker::restart`]) and data.
    dir: Option<tempfile::TempDir>,
}

/// A broker answers for its kind: `b.speaks_v5()`, `b.window()`, … (`support/caps.rs`).
impl std::ops::Deref for Broker {
    type Target = Caps;

    fn deref(&self) -> &Caps {
        self.caps
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
        Broker::start_kind(kind(), opts)
    }

    /// Starts a broker of this kind; retries on another port if the chosen one was taken,
    /// and says why the last attempt failed when none succeeds.
    fn start_kind(kind: Kind, opts: &BrokerOpts) -> Broker {
        let mut why = String::new();
        for _ in 0..5 {
            let port = free_port();
            let started = match kind {
                Kind::Rumqttd => start_rumqttd(port, opts, false),
                Kind::RumqttdV5 => start_rumqttd(port, opts, true),
                Kind::Mosquitto => start_mosquitto(port, opts),
                Kind::Nats => start_nats(port, opts),
                Kind::Aedes => start_aedes(port, opts),
                Kind::RabbitMq => return shared_rabbitmq(opts),
            };
            match started {
                Ok(b) => return b,
                Err(e) => why = e,
            }
        }
        panic!(
            "could not start a {} broker on a free port: {why}",
            kind.caps().name()
        );
    }

    /// The embedded broker (its MQTT 3.1.1 listener) whatever `MQQ_TEST_BROKER` says, for
    /// cases about mqq's side of what only it carries (mosquitto drops a topic with control
    /// characters).
    pub fn embedded() -> Broker {
        Broker::start_kind(Kind::Rumqttd, &BrokerOpts::default())
    }

    /// A spawned mosquitto whatever `MQQ_TEST_BROKER` says, for cases that stop the broker
    /// (the embedded one cannot be stopped). Such a case does not depend on the pass's
    /// broker: `None` outside the hermetic pass, where it runs ([`super::once`]), and when
    /// mosquitto is not installed, which only a developer's machine may accept (CI installs
    /// it: `MQQ_REQUIRE_BROKERS`).
    pub fn mosquitto() -> Option<Broker> {
        Broker::mosquitto_with(&BrokerOpts::default())
    }

    /// [`Broker::mosquitto`] with options (an ACL, users).
    pub fn mosquitto_with(opts: &BrokerOpts) -> Option<Broker> {
        if !super::once() {
            return None;
        }
        let installed = Command::new(mosquitto_bin())
            .arg("-h")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !installed {
            assert!(
                !super::brokers_required(),
                "mosquitto is missing: apt-get install -y mosquitto"
            );
            eprintln!("mosquitto not installed: this case needs mosquitto");
            return None;
        }
        Some(Broker::start_kind(Kind::Mosquitto, opts))
    }

    /// Stops a spawned broker (SIGKILL): its port refuses connections from now on.
    pub fn stop(&mut self) {
        self.server
            .as_mut()
            .expect("only a spawned broker can be stopped")
            .kill();
    }

    /// Stops a spawned mosquitto with SIGTERM (it saves its state) and starts it again on the
    /// same port with the same config; returns once it listens.
    pub fn restart(&mut self) {
        let server = self.server.as_mut().expect("a spawned broker");
        if server.running() {
            self.terminate();
        }
        let conf = self
            .dir
            .as_ref()
            .expect("a spawned broker")
            .path()
            .join("mosquitto.conf");
        let again = Server::start(
            "mosquitto",
            Command::new(mosquitto_bin()).arg("-c").arg(&conf),
            "apt-get install -y mosquitto",
            &[self.port],
            LISTEN_WITHIN,
        );
        self.server = Some(again.unwrap_or_else(|e| panic!("mosquitto did not come back: {e}")));
    }

    /// Stops a spawned broker gracefully (SIGTERM) and waits until it exited.
    pub fn terminate(&mut self) {
        self.server
            .as_mut()
            .expect("only a spawned broker can be stopped")
            .terminate(Duration::from_secs(60));
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

/// The embedded rumqttd on `port`; with `v5`, the broker is its MQTT 5 listener there (its
/// MQTT 3.1.1 listener, which it always has, on another free port).
fn start_rumqttd(port: u16, opts: &BrokerOpts, v5: bool) -> Result<Broker, String> {
    let at = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let opts = ::mqq::broker::BrokerOptions {
        bind: at(if v5 { free_port() } else { port }),
        v5: v5.then(|| at(port)),
        users: opts.users.clone(),
        ..::mqq::broker::BrokerOptions::default()
    };
    ::mqq::broker::EmbeddedBroker::start(&opts)
        .map(|_| Broker {
            port,
            caps: if v5 { Kind::RumqttdV5 } else { Kind::Rumqttd }.caps(),
            server: None,
            dir: None,
        })
        .map_err(|e| e.to_string())
}

/// A spawned broker of `kind`, once `server` listens on `port`.
fn spawned(
    kind: Kind,
    port: u16,
    mut server: Server,
    dir: Option<tempfile::TempDir>,
) -> Result<Broker, String> {
    server.wait_listening(&[port], LISTEN_WITHIN)?;
    Ok(Broker {
        port,
        caps: kind.caps(),
        server: Some(server),
        dir,
    })
}

fn start_mosquitto(port: u16, opts: &BrokerOpts) -> Result<Broker, String> {
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
    let server = Server::spawn(
        "mosquitto",
        Command::new(mosquitto_bin()).arg("-c").arg(&path),
        "apt-get install -y mosquitto",
    );
    spawned(Kind::Mosquitto, port, server, Some(dir))
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
        caps: Kind::RabbitMq.caps(),
        server: None,
        dir: None,
    }
}

/// NATS as the README advises for queues: `ack_wait` 1 s (default 30 s), so that a message
/// a peek left unacknowledged comes back within a second rather than half a minute (NATS
/// does not resend on reconnect; `tests/cases/nats.rs` asserts what the default does).
fn start_nats(port: u16, opts: &BrokerOpts) -> Result<Broker, String> {
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
    let server = Server::spawn(
        "nats-server",
        Command::new("nats-server").arg("-c").arg(&path),
        "apt-get install -y nats-server",
    );
    spawned(Kind::Nats, port, server, Some(dir))
}

/// aedes from `tests/brokers/aedes` (its `node_modules` made by `npm ci` there), users
/// given as `USER:PASS` arguments.
fn start_aedes(port: u16, opts: &BrokerOpts) -> Result<Broker, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/brokers/aedes");
    assert!(
        dir.join("node_modules/aedes").is_dir(),
        "MQQ_TEST_BROKER=aedes but aedes is not installed: npm ci --prefix tests/brokers/aedes"
    );
    let server = Server::spawn(
        "aedes",
        Command::new("node")
            .arg(dir.join("broker.mjs"))
            .arg(port.to_string())
            .args(opts.users.iter().map(|(u, p)| format!("{u}:{p}"))),
        "apt-get install -y nodejs",
    );
    spawned(Kind::Aedes, port, server, None)
}

pub(super) fn mosquitto_bin() -> PathBuf {
    for p in ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"] {
        if Path::new(p).exists() {
            return p.into();
        }
    }
    "mosquitto".into()
}

/// True when the mosquitto command-line clients are installed; their absence fails the case
/// where they are required (CI, and the mosquitto pass).
pub fn mosquitto_clients() -> bool {
    let installed = Command::new("mosquitto_pub")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !installed {
        assert!(
            !kind().caps().runs_mosquitto_clients() && !super::brokers_required(),
            "mosquitto's clients are missing: apt-get install -y mosquitto-clients"
        );
        eprintln!("mosquitto_pub is not installed: this case needs mosquitto's clients");
    }
    installed
}

/// An embedded broker of this process with rumqttd's MQTT 5 listener, and that listener's
/// `mqtt://` URI (the suite's broker plays no part).
pub fn mqtt5_listener() -> (::mqq::broker::EmbeddedBroker, String) {
    let b = ::mqq::broker::EmbeddedBroker::start(&::mqq::broker::BrokerOptions {
        v5: Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
        ..::mqq::broker::BrokerOptions::default()
    })
    .expect("the embedded broker with an MQTT 5 listener");
    let uri = format!("mqtt://{}", b.v5_addr().expect("its MQTT 5 listener"));
    (b, uri)
}
