//! A NATS 2.9 server (Debian's `nats-server`) with JetStream and its MQTT listener, spawned on
//! free loopback ports (ready in ~0.25 s). Like RabbitMQ: `.ci/run` installs it and sets
//! `MQQ_REQUIRE_BROKERS=1`, which turns a missing server into a failure.

use std::process::{Child, Command, Stdio};

use super::broker::wait_listening;
use super::free_port;

const SERVER: &str = "nats-server";

/// A running nats-server; killed on drop.
pub struct Nats {
    /// The MQTT listener.
    pub mqtt_port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Nats {
    /// Starts one, or `None` when nats-server is not installed and not required.
    pub fn start() -> Option<Nats> {
        let installed = Command::new(SERVER)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !installed {
            assert!(
                std::env::var_os("MQQ_REQUIRE_BROKERS").is_none(),
                "MQQ_REQUIRE_BROKERS is set but nats-server is missing: apt-get install -y nats-server"
            );
            eprintln!("nats-server is not installed: this case needs it (CI installs it)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let (port, mqtt_port) = (free_port(), free_port());
        let conf = dir.path().join("nats.conf");
        std::fs::write(
            &conf,
            format!(
                "server_name: mqq{mqtt_port}\nlisten: 127.0.0.1:{port}\n\
                 jetstream {{ store_dir: \"{}\" }}\n\
                 mqtt {{ host: 127.0.0.1, port: {mqtt_port} }}\n",
                dir.path().join("js").display()
            ),
        )
        .unwrap();
        let mut child = Command::new(SERVER)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server");
        assert!(
            wait_listening(mqtt_port, Some(&mut child)),
            "nats-server did not listen for MQTT on {mqtt_port}"
        );
        Some(Nats {
            mqtt_port,
            child,
            _dir: dir,
        })
    }

    /// `mqtt://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.mqtt_port)
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
