//! WebSockets: `ws://` and `wss://` end to end against the embedded broker's WebSocket
//! listener (Debian's mosquitto 2.0.11 has none), `wss://` through a real TLS terminator.

use mqq::broker::{BrokerOptions, EmbeddedBroker};

use crate::support::tls::{front, Pki};
use crate::support::{client_id, mqq, once, topic};

/// The embedded broker with a WebSocket listener: `(broker, ws port)`.
fn ws_broker() -> (EmbeddedBroker, u16) {
    let b = EmbeddedBroker::start(&BrokerOptions {
        ws: Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
        ..BrokerOptions::default()
    })
    .expect("embedded broker with a WebSocket listener");
    let port = b.ws_addr().unwrap().port();
    (b, port)
}

#[test]
fn ws_carries_messages_byte_for_byte() {
    if !once() {
        return;
    }
    let (_b, port) = ws_broker();
    let uri = format!("ws://127.0.0.1:{port}/mqtt");
    let t = topic("ws");
    let listener = mqq()
        .uri(&uri)
        .topic(&t)
        .args(["--raw", "listen", "-n", "2"])
        .spawn();
    mqq()
        .uri(&uri)
        .topic(&t)
        .args(["--raw", "send", "one", "tw\u{f6}"])
        .run()
        .expect_code(0);
    listener
        .finish()
        .expect_bytes(0, "one\ntw\u{f6}\n".as_bytes());
}

#[test]
fn a_durable_queue_over_ws_keeps_messages() {
    if !once() {
        return;
    }
    let (_b, port) = ws_broker();
    let uri = format!("ws://127.0.0.1:{port}/mqtt");
    let (t, id) = (topic("ws-durable"), client_id("ws-durable"));
    let count = || {
        mqq()
            .uri(&uri)
            .topic(&t)
            .id(&id)
            .args(["count", "--wait", "300ms"])
    };
    count().run().expect(0, "0\n");
    mqq()
        .uri(&uri)
        .topic(&t)
        .args(["send", "a", "b", "c"])
        .run()
        .expect_code(0);
    count().run().expect(0, "3\n");
    mqq()
        .uri(&uri)
        .topic(&t)
        .id(&id)
        .args(["receive", "-n", "3", "-W", "10s"])
        .run()
        .expect_bytes(0, b"a\nb\nc\n");
}

#[test]
fn wss_goes_through_tls_with_the_private_ca() {
    if !once() {
        return;
    }
    let (_b, port) = ws_broker();
    let pki = Pki::new();
    let tls_port = front(port, &pki.server, None);
    let uri = format!("wss://127.0.0.1:{tls_port}/mqtt");
    let t = topic("wss");
    let ca = pki.ca.to_str().unwrap();
    let listener = mqq()
        .uri(&uri)
        .topic(&t)
        .args(["--cafile", ca, "listen", "-n", "1"])
        .spawn();
    mqq()
        .uri(&uri)
        .topic(&t)
        .args(["--cafile", ca, "send", "secure"])
        .run()
        .expect_code(0);
    listener.finish().expect_bytes(0, b"secure\n");
    // Without the CA: the TLS problem, as for mqtts://.
    mqq()
        .uri(&uri)
        .topic(&t)
        .args(["send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("not signed by a CA this system trusts");
    // --tls turns ws:// into wss://.
    mqq()
        .uri(&format!("ws://127.0.0.1:{tls_port}/mqtt"))
        .topic(&t)
        .args(["--tls", "--cafile", ca, "send", "x"])
        .run()
        .expect_code(0);
}

#[test]
fn ws_to_a_plain_mqtt_port_says_what_is_wrong() {
    if !once() {
        return;
    }
    let (b, _) = ws_broker();
    let o = mqq()
        .uri(&format!("ws://127.0.0.1:{}/mqtt", b.addr().port()))
        .topic("x")
        .args(["send", "x"])
        .run();
    o.expect_code(3)
        .stderr_has("does not serve MQTT over WebSockets")
        .stderr_has("mqtt://")
        .stderr_lines(1);
}

#[test]
fn the_ws_path_defaults_to_mqtt() {
    if !once() {
        return;
    }
    mqq()
        .args(["--protocol", "ws", "-h", "broker", "config"])
        .run()
        .expect_code(0)
        .stdout_has("uri: ws://broker:80/mqtt");
    mqq()
        .args(["-L", "wss://broker/ws", "config"])
        .run()
        .expect_code(0)
        .stdout_has("uri: wss://broker:443/ws");
}

#[test]
fn an_http_error_on_the_upgrade_names_the_status_and_the_path() {
    if !once() {
        return;
    }
    // A real HTTP server that has nothing at any path.
    let port = crate::support::server::fake(|conn| {
        use std::io::{BufRead as _, BufReader, Write as _};
        let mut reader = BufReader::new(conn);
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
            line.clear();
        }
        let _ = reader
            .get_mut()
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    });
    mqq()
        .uri(&format!("ws://127.0.0.1:{port}/wrong"))
        .topic("x")
        .args(["send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("answered with HTTP 404")
        .stderr_has("path")
        .stderr_lines(1);
}

#[test]
fn rabbitmq_web_mqtt_over_ws_and_wss() {
    let Some(r) = crate::support::rabbitmq::RabbitMq::start() else {
        return;
    };
    let t = topic("rabbit-ws");
    // A durable queue over ws://…/ws: created, filled over plain MQTT, drained over ws.
    let id = client_id("rabbit-ws");
    let ws = r.ws_uri();
    // RabbitMQ 3.10 closes the connection at an MQTT 5 CONNECT: `auto` falls back at once.
    mqq()
        .uri(&ws)
        .topic(&t)
        .id(&id)
        .args(["-v", "count", "--wait", "300ms"])
        .run()
        .expect(0, "0\n")
        .stderr_has("with MQTT 3.1.1");
    mqq()
        .uri(&r.uri())
        .topic(&t)
        .args(["send", "a", "b"])
        .run()
        .expect_code(0);
    mqq()
        .uri(&ws)
        .topic(&t)
        .id(&id)
        .args(["receive", "-n", "2", "-W", "10s"])
        .run()
        .expect_bytes(0, b"a\nb\n");
    // wss://: TLS in front of RabbitMQ's web listener.
    let pki = Pki::new();
    let tls_port = front(r.ws_port, &pki.server, None);
    let wss = format!("wss://127.0.0.1:{tls_port}/ws");
    let ca = pki.ca.to_str().unwrap();
    let listener = mqq()
        .uri(&wss)
        .topic(&t)
        .args(["--cafile", ca, "listen", "-n", "1"])
        .spawn();
    mqq()
        .uri(&wss)
        .topic(&t)
        .args(["--cafile", ca, "send", "through wss"])
        .run()
        .expect_code(0);
    listener.finish().expect_bytes(0, b"through wss\n");
    // The wrong path: RabbitMQ answers the upgrade with an HTTP error, and mqq says so.
    mqq()
        .uri(&format!("ws://127.0.0.1:{}/mqtt", r.ws_port))
        .topic(&t)
        .args(["send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("HTTP");
}

#[test]
fn the_websocket_example_config_runs_as_written() {
    if !once() {
        return;
    }
    let (_b, port) = ws_broker();
    let config = format!("{}/config/websocket.yml", env!("CARGO_MANIFEST_DIR"));
    mqq()
        .env("MQQ_WS_HOST", "127.0.0.1")
        .args([
            "--config",
            &config,
            "-p",
            &port.to_string(),
            "count",
            "--wait",
            "200ms",
        ])
        .run()
        .expect(0, "0\n");
}
