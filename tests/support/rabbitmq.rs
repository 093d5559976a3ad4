//! A RabbitMQ 3.10 (Debian's `rabbitmq-server`) with `rabbitmq_mqtt` and `rabbitmq_web_mqtt`,
//! spawned on free loopback ports in a temporary directory (recipe: `docs/DESIGN.md` §6), or
//! the one `tests/brokers/rabbitmq.sh` started for a run (CI's RabbitMQ pass): a cold start
//! takes ~14 s, minutes on a loaded machine.
//!
//! `.ci/run` installs it and sets `MQQ_REQUIRE_BROKERS=1`: then a missing RabbitMQ fails the
//! test. On a developer's machine without it, the case says so and passes nothing else.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::free_port;
use super::server::Server;

const SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";

/// A running RabbitMQ; one this case started is stopped (with its epmd) on drop.
pub struct RabbitMq {
    /// MQTT over TCP.
    pub mqtt_port: u16,
    /// MQTT over WebSockets (path `/ws`).
    pub ws_port: u16,
    /// The server, its epmd's port and its directory, when this case started it.
    own: Option<(Server, u16, tempfile::TempDir)>,
}

/// How long a node may take to listen: ~14 s cold on a quiet machine, a minute and more on
/// a loaded CI machine.
const LISTEN_WITHIN: Duration = Duration::from_secs(180);

impl RabbitMq {
    /// The run's RabbitMQ when `tests/brokers/rabbitmq.sh` started one (its ports in
    /// `MQQ_TEST_RABBITMQ_PORT` and `MQQ_TEST_RABBITMQ_WS_PORT`), else a new one; `None`
    /// outside the hermetic pass (a case with a server of its own runs there,
    /// [`super::once`]) and when RabbitMQ is not installed and not required.
    pub fn start() -> Option<RabbitMq> {
        if !super::once() {
            return None;
        }
        let port = |name| std::env::var(name).ok().and_then(|p| p.parse().ok());
        if let (Some(mqtt_port), Some(ws_port)) = (
            port("MQQ_TEST_RABBITMQ_PORT"),
            port("MQQ_TEST_RABBITMQ_WS_PORT"),
        ) {
            return Some(RabbitMq {
                mqtt_port,
                ws_port,
                own: None,
            });
        }
        if !installed() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let epmd_port = free_port();
        let (mut server, mqtt_port, ws_port, _) = spawn(dir.path(), dir.path(), epmd_port);
        // The web listener starts last: wait for both.
        let ready = server.wait_listening(&[mqtt_port, ws_port], LISTEN_WITHIN);
        let r = RabbitMq {
            mqtt_port,
            ws_port,
            own: Some((server, epmd_port, dir)),
        };
        // On failure `r` goes, and with it the epmd it started.
        ready.unwrap_or_else(|e| panic!("{e}"));
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
fn spawn(dir: &Path, home: &Path, epmd_port: u16) -> (Server, u16, u16, String) {
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
    let server = Server::spawn(
        &format!("rabbitmq-server {node}"),
        Command::new(SERVER)
            // A node that fails leaves its crash dump (MnesiaCore.*) in its working directory.
            .current_dir(dir)
            .envs(node_env(home, epmd_port))
            .env("RABBITMQ_CONFIG_FILE", &conf)
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", &plugins)
            .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.join("log"))
            .env("RABBITMQ_NODENAME", &node)
            .env("RABBITMQ_DIST_PORT", dist.to_string()),
        "apt-get install -y rabbitmq-server",
    );
    (server, mqtt_port, ws_port, node)
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
    nodes: Vec<Server>,
    epmd_port: u16,
    home: tempfile::TempDir,
}

const CTL: &str = "/usr/lib/rabbitmq/bin/rabbitmqctl";

impl RabbitCluster {
    /// Starts `n` nodes and joins the others to the first; `None` outside the hermetic pass
    /// ([`super::once`]) and when RabbitMQ is not installed and not required.
    pub fn start(n: usize) -> Option<RabbitCluster> {
        if !super::once() || !installed() {
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
            nodes: Vec::new(),
            epmd_port,
            home,
        };
        for i in 0..n {
            let dir = c.home.path().join(format!("n{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            let (node, mqtt, _ws, name) = spawn(&dir, c.home.path(), epmd_port);
            c.nodes.push(node);
            c.mqtt_ports.push(mqtt);
            c.names.push(name);
        }
        c.wait_listening();
        for i in 1..n {
            c.ctl(i, &["stop_app"]);
            let first = c.names[0].clone();
            c.ctl(i, &["join_cluster", &first]);
            c.ctl(i, &["start_app"]);
        }
        c.wait_listening();
        Some(c)
    }

    /// Waits until every node listens for MQTT.
    fn wait_listening(&mut self) {
        for (node, port) in self.nodes.iter_mut().zip(&self.mqtt_ports) {
            node.wait_listening(&[*port], LISTEN_WITHIN)
                .unwrap_or_else(|e| panic!("{e}"));
        }
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
        if !out.status.success() {
            // What the nodes said, for the node that went away.
            let nodes: Vec<String> = self
                .nodes
                .iter()
                .map(|n| n.failure("rabbitmqctl failed"))
                .collect();
            panic!(
                "rabbitmqctl {args:?} on {}: {}\n{}",
                self.names[i],
                String::from_utf8_lossy(&out.stderr),
                nodes.join("\n")
            );
        }
    }

    /// `mqtt://127.0.0.1:PORT` of node `i`.
    pub fn uri(&self, i: usize) -> String {
        format!("mqtt://127.0.0.1:{}", self.mqtt_ports[i])
    }
}

impl Drop for RabbitCluster {
    /// Each node's process is the `rabbitmq-server` script, which runs the VM as a child of
    /// its own and stops it on SIGTERM: a SIGKILL left the three VMs of every run alive (and
    /// their epmd, which refuses to stop while nodes are registered). A stop takes seconds,
    /// so all three are asked first.
    fn drop(&mut self) {
        for node in &self.nodes {
            node.ask_to_stop();
        }
        for node in &mut self.nodes {
            node.terminate(Duration::from_secs(30));
        }
        kill_epmd(self.epmd_port);
    }
}

/// Stops the epmd a node started (it stays behind otherwise).
fn kill_epmd(port: u16) {
    let _ = Command::new("epmd")
        .arg("-kill")
        .env("ERL_EPMD_PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether RabbitMQ is installed; a missing one fails when `MQQ_REQUIRE_BROKERS` is set.
fn installed() -> bool {
    if Path::new(SERVER).exists() {
        return true;
    }
    assert!(
        !super::brokers_required(),
        "MQQ_REQUIRE_BROKERS is set but {SERVER} is missing: apt-get install -y rabbitmq-server"
    );
    eprintln!("RabbitMQ is not installed: this case needs it (CI installs it)");
    false
}

impl Drop for RabbitMq {
    fn drop(&mut self) {
        if let Some((server, epmd_port, _)) = &mut self.own {
            // rabbitmq-server is a shell script that execs beam.smp: the child is the VM.
            server.terminate(Duration::from_secs(10));
            kill_epmd(*epmd_port);
        }
    }
}
