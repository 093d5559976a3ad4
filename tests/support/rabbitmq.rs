//! A RabbitMQ 3.10 (Debian's `rabbitmq-server`) with `rabbitmq_mqtt` and `rabbitmq_web_mqtt`,
//! spawned on free loopback ports in a temporary directory (recipe: `docs/DESIGN.md` §6).
//! Cold start takes ~14 s, so the cases that need it share one broker per test.
//!
//! `.ci/run` installs it and sets `MQQ_REQUIRE_BROKERS=1`: then a missing RabbitMQ fails the
//! test. On a developer's machine without it, the case says so and passes nothing else.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::free_port;

const SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";

/// A running RabbitMQ; stopped (with its epmd) on drop.
pub struct RabbitMq {
    /// MQTT over TCP.
    pub mqtt_port: u16,
    /// MQTT over WebSockets (path `/ws`).
    pub ws_port: u16,
    epmd_port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl RabbitMq {
    /// Starts one, or `None` when RabbitMQ is not installed and not required.
    pub fn start() -> Option<RabbitMq> {
        if !installed() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let epmd_port = free_port();
        let (child, mqtt_port, ws_port, _) = spawn(dir.path(), dir.path(), epmd_port);
        let mut r = RabbitMq {
            mqtt_port,
            ws_port,
            epmd_port,
            child,
            _dir: dir,
        };
        // The web listener starts last: wait for both (a probe, not a sleep, decides).
        let deadline = Instant::now() + Duration::from_secs(90);
        while !(listening(mqtt_port) && listening(ws_port)) {
            if let Ok(Some(st)) = r.child.try_wait() {
                panic!("rabbitmq-server exited with {st} before listening");
            }
            assert!(
                Instant::now() < deadline,
                "RabbitMQ did not listen within 90 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(r)
    }

    /// `mqtt://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.mqtt_port)
    }

    /// `ws://127.0.0.1:PORT/ws`.
    pub fn ws_uri(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.ws_port)
    }
}

/// Starts one node in `dir` (its config, data and logs), with `home` (its Erlang cookie) and
/// epmd on `epmd_port`: nodes that share both can form a cluster. Returns the VM, the MQTT
/// and WebSocket ports and the node's name.
fn spawn(dir: &Path, home: &Path, epmd_port: u16) -> (Child, u16, u16, String) {
    let (amqp, mqtt_port, ws_port, dist) = (free_port(), free_port(), free_port(), free_port());
    let conf = dir.join("rabbitmq.conf");
    std::fs::write(
        &conf,
        format!(
            "listeners.tcp.default = 127.0.0.1:{amqp}\n\
             mqtt.listeners.tcp.default = 127.0.0.1:{mqtt_port}\n\
             mqtt.allow_anonymous = true\nloopback_users = none\n\
             web_mqtt.tcp.ip = 127.0.0.1\nweb_mqtt.tcp.port = {ws_port}\n"
        ),
    )
    .unwrap();
    let plugins = dir.join("enabled_plugins");
    std::fs::write(&plugins, "[rabbitmq_mqtt,rabbitmq_web_mqtt].\n").unwrap();
    let node = format!("mqq{mqtt_port}@localhost");
    let child = Command::new(SERVER)
        // A node that fails leaves its crash dump (MnesiaCore.*) in its working directory.
        .current_dir(dir)
        .envs(node_env(home, epmd_port))
        .env("RABBITMQ_CONFIG_FILE", &conf)
        .env("RABBITMQ_ENABLED_PLUGINS_FILE", &plugins)
        .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
        .env("RABBITMQ_LOG_BASE", dir.join("log"))
        .env("RABBITMQ_NODENAME", &node)
        .env("RABBITMQ_DIST_PORT", dist.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rabbitmq-server");
    (child, mqtt_port, ws_port, node)
}

/// What a node and the CLI that talks to it share: the cookie's home, epmd, loopback only.
fn node_env(home: &Path, epmd_port: u16) -> Vec<(&'static str, std::ffi::OsString)> {
    let local = "-kernel inet_dist_use_interface {127,0,0,1}";
    vec![
        ("HOME", home.into()),
        ("ERL_EPMD_ADDRESS", "127.0.0.1".into()),
        ("ERL_EPMD_PORT", epmd_port.to_string().into()),
        ("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", local.into()),
        ("RABBITMQ_CTL_ERL_ARGS", local.into()),
    ]
}

/// A RabbitMQ cluster of `n` nodes on loopback (one Erlang cookie, one epmd): each node's
/// MQTT port, and `stop_app`/`start_app` of a node through `rabbitmqctl`.
pub struct RabbitCluster {
    /// Each node's MQTT port.
    pub mqtt_ports: Vec<u16>,
    names: Vec<String>,
    children: Vec<Child>,
    epmd_port: u16,
    home: tempfile::TempDir,
}

const CTL: &str = "/usr/lib/rabbitmq/bin/rabbitmqctl";

impl RabbitCluster {
    /// Starts `n` nodes and joins the others to the first; `None` when RabbitMQ is not
    /// installed and not required.
    pub fn start(n: usize) -> Option<RabbitCluster> {
        if !installed() {
            return None;
        }
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join(".erlang.cookie"), "MQQTESTCLUSTER").unwrap();
        std::fs::set_permissions(
            home.path().join(".erlang.cookie"),
            std::os::unix::fs::PermissionsExt::from_mode(0o400),
        )
        .unwrap();
        let epmd_port = free_port();
        let mut c = RabbitCluster {
            mqtt_ports: Vec::new(),
            names: Vec::new(),
            children: Vec::new(),
            epmd_port,
            home,
        };
        for i in 0..n {
            let dir = c.home.path().join(format!("n{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            let (child, mqtt, ws, name) = spawn(&dir, c.home.path(), epmd_port);
            c.children.push(child);
            c.mqtt_ports.push(mqtt);
            c.names.push(name);
            let _ = ws;
        }
        let deadline = Instant::now() + Duration::from_secs(120);
        while !c.mqtt_ports.iter().all(|p| listening(*p)) {
            assert!(
                Instant::now() < deadline,
                "RabbitMQ nodes did not listen within 120 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        for i in 1..n {
            c.ctl(i, &["stop_app"]);
            let first = c.names[0].clone();
            c.ctl(i, &["join_cluster", &first]);
            c.ctl(i, &["start_app"]);
        }
        while !c.mqtt_ports.iter().all(|p| listening(*p)) {
            assert!(
                Instant::now() < deadline,
                "the cluster did not form within 120 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(c)
    }

    /// `rabbitmqctl -n NODE ARGS` for node `i`; panics if it fails.
    pub fn ctl(&self, i: usize, args: &[&str]) {
        let out = Command::new(CTL)
            .current_dir(self.home.path())
            .envs(node_env(self.home.path(), self.epmd_port))
            .arg("-n")
            .arg(&self.names[i])
            .args(args)
            .output()
            .expect("rabbitmqctl");
        assert!(
            out.status.success(),
            "rabbitmqctl {args:?} on {}: {}",
            self.names[i],
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `mqtt://127.0.0.1:PORT` of node `i`.
    pub fn uri(&self, i: usize) -> String {
        format!("mqtt://127.0.0.1:{}", self.mqtt_ports[i])
    }
}

impl Drop for RabbitCluster {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new("epmd")
            .arg("-kill")
            .env("ERL_EPMD_PORT", self.epmd_port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Whether RabbitMQ is installed; a missing one fails when `MQQ_REQUIRE_BROKERS` is set.
fn installed() -> bool {
    if Path::new(SERVER).exists() {
        return true;
    }
    assert!(
        std::env::var_os("MQQ_REQUIRE_BROKERS").is_none(),
        "MQQ_REQUIRE_BROKERS is set but {SERVER} is missing: apt-get install -y rabbitmq-server"
    );
    eprintln!("RabbitMQ is not installed: this case needs it (CI installs it)");
    false
}

fn listening(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

impl Drop for RabbitMq {
    fn drop(&mut self) {
        // rabbitmq-server is a shell script that execs beam.smp: the child is the VM.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The epmd it started stays behind otherwise.
        let _ = Command::new("epmd")
            .arg("-kill")
            .env("ERL_EPMD_PORT", self.epmd_port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
