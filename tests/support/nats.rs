//! A NATS 2.9 server (Debian's `nats-server`) with JetStream and its MQTT listener, spawned on
//! free loopback ports (ready in ~0.25 s) by `support/server.rs`. Like RabbitMQ: `.ci/run` installs it and sets
//! `MQQ_REQUIRE_BROKERS=1`, which turns a missing server into a failure.

use std::process::{Command, Stdio};
use std::time::Duration;

use super::free_port;
use super::server::Server;

const SERVER: &str = "nats-server";
const INSTALL: &str = "apt-get install -y nats-server";
/// How long a node may take to listen (~0.25 s on a quiet machine).
const LISTEN_WITHIN: Duration = Duration::from_secs(30);

/// A running nats-server; killed on drop.
pub struct Nats {
    /// The MQTT listener.
    pub mqtt_port: u16,
    _server: Server,
    _dir: tempfile::TempDir,
}

/// Whether nats-server is installed; panics when it is not but `MQQ_REQUIRE_BROKERS` is set.
fn installed() -> bool {
    let installed = Command::new(SERVER)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !installed {
        assert!(
            !super::brokers_required(),
            "MQQ_REQUIRE_BROKERS is set but nats-server is missing: apt-get install -y nats-server"
        );
        eprintln!("nats-server is not installed: this case needs it (CI installs it)");
    }
    installed
}

/// A cluster of nats-servers on loopback: JetStream on every node and MQTT sessions
/// replicated to all (`mqtt { stream_replicas: N }`), so a durable session survives the loss
/// of the node it was connected to. Killed on drop.
pub struct NatsCluster {
    /// Each node's MQTT port, in order.
    pub mqtt_ports: Vec<u16>,
    nodes: Vec<Server>,
    _dir: tempfile::TempDir,
}

impl NatsCluster {
    /// Starts `n` nodes and waits until the cluster serves a durable MQTT session (JetStream
    /// elects its leaders first: ~5 s); `None` outside the hermetic pass (a case with servers
    /// of its own runs there, [`super::once`]) and when nats-server is not installed.
    pub fn start(n: usize) -> Option<NatsCluster> {
        if !super::once() || !installed() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let routes: Vec<u16> = (0..n).map(|_| free_port()).collect();
        let route_list = routes
            .iter()
            .map(|p| format!("nats://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut mqtt_ports = Vec::new();
        let mut nodes = Vec::new();
        for (i, route) in routes.iter().enumerate() {
            let (port, mqtt_port) = (free_port(), free_port());
            let conf = dir.path().join(format!("n{i}.conf"));
            std::fs::write(
                &conf,
                format!(
                    "server_name: n{i}\nlisten: 127.0.0.1:{port}\n\
                     jetstream {{ store_dir: \"{}\" }}\n\
                     mqtt {{ host: 127.0.0.1, port: {mqtt_port}, stream_replicas: {n} }}\n\
                     cluster {{ name: mqq, listen: 127.0.0.1:{route}, routes: [{route_list}] }}\n",
                    dir.path().join(format!("js{i}")).display()
                ),
            )
            .unwrap();
            let name = format!("nats-server node {i}");
            let node = Server::spawn(&name, Command::new(SERVER).arg("-c").arg(&conf), INSTALL);
            mqtt_ports.push(mqtt_port);
            nodes.push(node);
        }
        let mut c = NatsCluster {
            mqtt_ports,
            nodes,
            _dir: dir,
        };
        for (node, port) in c.nodes.iter_mut().zip(&c.mqtt_ports) {
            node.wait_listening(&[*port], LISTEN_WITHIN)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        // Readiness probe, not synchronisation by time: a durable count succeeds once
        // JetStream has its leaders (each attempt waits for its own answer).
        let ready = (0..60).any(|_| {
            crate::support::mqq()
                .uri(&c.uri(0))
                .topic("mqq-probe")
                .id("mqq-probe")
                .args(["count", "--wait", "100ms"])
                .run()
                .code
                == 0
        });
        assert!(ready, "the NATS cluster did not serve a durable session");
        Some(c)
    }

    /// `mqtt://127.0.0.1:PORT` of node `i`.
    pub fn uri(&self, i: usize) -> String {
        format!("mqtt://127.0.0.1:{}", self.mqtt_ports[i])
    }

    /// Kills node `i` (SIGKILL).
    pub fn kill(&mut self, i: usize) {
        self.nodes[i].kill();
    }
}

impl Nats {
    /// Starts one, or `None` outside the hermetic pass (a case with a server of its own runs
    /// there, [`super::once`]) and when nats-server is not installed and not required.
    pub fn start() -> Option<Nats> {
        Nats::start_with("")
    }

    /// [`Nats::start`] with more settings of the `mqtt` block, e.g. `ack_wait: "1s"`.
    pub fn start_with(mqtt: &str) -> Option<Nats> {
        if !super::once() || !installed() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let (port, mqtt_port) = (free_port(), free_port());
        let sep = if mqtt.is_empty() { "" } else { ", " };
        let conf = dir.path().join("nats.conf");
        std::fs::write(
            &conf,
            format!(
                "server_name: mqq{mqtt_port}\nlisten: 127.0.0.1:{port}\n\
                 jetstream {{ store_dir: \"{}\" }}\n\
                 mqtt {{ host: 127.0.0.1, port: {mqtt_port}{sep}{mqtt} }}\n",
                dir.path().join("js").display()
            ),
        )
        .unwrap();
        let server = Server::start(
            SERVER,
            Command::new(SERVER).arg("-c").arg(&conf),
            INSTALL,
            &[mqtt_port],
            LISTEN_WITHIN,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        Some(Nats {
            mqtt_port,
            _server: server,
            _dir: dir,
        })
    }

    /// `mqtt://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.mqtt_port)
    }
}
