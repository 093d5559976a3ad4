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
        if !Path::new(SERVER).exists() {
            assert!(
                std::env::var_os("MQQ_REQUIRE_BROKERS").is_none(),
                "MQQ_REQUIRE_BROKERS is set but {SERVER} is missing: apt-get install -y rabbitmq-server"
            );
            eprintln!("RabbitMQ is not installed: this case needs it (CI installs it)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let (amqp, mqtt_port, ws_port, dist, epmd_port) = (
            free_port(),
            free_port(),
            free_port(),
            free_port(),
            free_port(),
        );
        let conf = dir.path().join("rabbitmq.conf");
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
        let plugins = dir.path().join("enabled_plugins");
        std::fs::write(&plugins, "[rabbitmq_mqtt,rabbitmq_web_mqtt].\n").unwrap();
        let node = format!("mqq{mqtt_port}@localhost");
        let child = Command::new(SERVER)
            .env("HOME", dir.path())
            .env("RABBITMQ_CONFIG_FILE", &conf)
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", &plugins)
            .env("RABBITMQ_MNESIA_BASE", dir.path().join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.path().join("log"))
            .env("RABBITMQ_NODENAME", &node)
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .env("ERL_EPMD_PORT", epmd_port.to_string())
            .env("RABBITMQ_DIST_PORT", dist.to_string())
            .env(
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
                "-kernel inet_dist_use_interface {127,0,0,1}",
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rabbitmq-server");
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
