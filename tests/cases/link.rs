//! The link's own connection, against what brokers do: the cases of the connection issue
//! (a pip-services keepalive, SNI, a broker that ignores MQTT 5 CONNECTs, `-V 5` to a
//! 3.1.1-only broker, a SUBACK held behind a resumed backlog, CONNECTs refused for a while).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::numbers;
use crate::support::fake::{self, Behaviour};
use crate::support::{client_id, mqq, once, topic, Broker, BrokerOpts};

/// pip-services' documented default keepalive is 3000 ms: the MQTT 5 attempt of `-V auto`
/// panicked on it (rumqttc's options want ≥ 5 s). A keepalive past MQTT's range is a usage
/// error naming the key.
#[test]
fn a_pip_services_keepalive_of_3000_ms_works_and_one_past_mqtt_range_is_refused() {
    let b = Broker::start();
    let t = topic("keepalive");
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("queue.yml");
    std::fs::write(
        &yaml,
        format!(
            "topic: {t}\nconnection:\n  uri: {}\noptions:\n  keepalive_timeout: 3000\n",
            b.uri()
        ),
    )
    .unwrap();
    let config = yaml.to_str().unwrap();
    let bg = mqq()
        .args(["--config", config, "listen", "-n", "1"])
        .spawn();
    mqq()
        .args(["--config", config, "send", "kept"])
        .run()
        .expect_code(0);
    let out = bg.finish();
    out.expect_code(0);
    assert!(out.text().contains("kept"), "{}", out.stderr);
    b.mqq()
        .topic(&t)
        .args(["--set", "options.keepalive_timeout=65536000", "send", "x"])
        .run()
        .expect_code(2)
        .stderr_has("options.keepalive_timeout")
        .stderr_has("65535 s")
        .stderr_lines(1);
}

/// A TLS front that records the SNI of each ClientHello and then forwards to `backend`.
fn sni_front(backend: u16, server: &crate::support::tls::Pair) -> (u16, Arc<Mutex<Vec<String>>>) {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<_> = CertificateDer::pem_file_iter(&server.cert)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(&server.key).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let names = Arc::clone(&seen);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (config, names) = (Arc::clone(&config), Arc::clone(&names));
                tokio::spawn(async move {
                    let acceptor = tokio_rustls::LazyConfigAcceptor::new(
                        rustls::server::Acceptor::default(),
                        tcp,
                    );
                    let Ok(start) = acceptor.await else { return };
                    let name = start.client_hello().server_name().unwrap_or("").to_owned();
                    names.lock().unwrap().push(name);
                    let Ok(mut tls) = start.into_stream(config).await else {
                        return;
                    };
                    let Ok(mut back) = tokio::net::TcpStream::connect(("127.0.0.1", backend)).await
                    else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut back).await;
                });
            }
        });
    });
    (port, seen)
}

/// `--tls-server-name` is both the name the certificate is checked against and the SNI sent
/// (the fork could only do the first).
#[test]
fn the_tls_server_name_is_sent_as_sni() {
    let b = Broker::start();
    let pki = crate::support::tls::Pki::new();
    // A certificate for other.example only, served on 127.0.0.1.
    let (port, seen) = sni_front(b.port, &pki.wrong_name);
    let t = topic("sni");
    mqq()
        .uri(&format!("mqtts://127.0.0.1:{port}"))
        .topic(&t)
        .args(["--cafile", pki.ca.to_str().unwrap()])
        .args(["--tls-server-name", "other.example", "send", "x"])
        .run()
        .expect_code(0);
    assert_eq!(
        seen.lock().unwrap().first().map(String::as_str),
        Some("other.example")
    );
}

/// A broker that never answers an MQTT 5 CONNECT (amqtt 0.12): `-V auto` falls back to
/// 3.1.1 after a short probe, well within the connect timeout, and `-v` says so; `-V 5`
/// waits the connect timeout and says so.
#[test]
fn auto_falls_back_when_an_mqtt5_connect_goes_unanswered() {
    let b = Broker::start();
    if !b.speaks_v311() {
        return; // The fallback needs a broker behind the front that speaks 3.1.1.
    }
    let port = fake::front(b.port, Behaviour::IgnoreV5);
    let uri = format!("mqtt://127.0.0.1:{port}");
    let t = topic("v5-ignored");
    let started = Instant::now();
    let bg = b.mqq().topic(&t).args(["listen", "-n", "1"]).spawn();
    mqq()
        .uri(&uri)
        .topic(&t)
        .args(["-v", "send", "through"])
        .run()
        .expect_code(0)
        .stderr_has("trying MQTT 3.1.1")
        .stderr_has("with MQTT 3.1.1");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the fallback took {:?} (the connect timeout is 30 s)",
        started.elapsed()
    );
    let out = bg.finish();
    assert!(out.text().contains("through"), "{}", out.stderr);
    mqq()
        .uri(&uri)
        .topic(&t)
        .args([
            "-V",
            "5",
            "--set",
            "options.connect_timeout=1000",
            "send",
            "x",
        ])
        .run()
        .expect_code(3)
        .stderr_has("no answer within 1s");
}

/// A 3.1.1-only broker with a user list closes the socket at an MQTT 5 CONNECT whatever the
/// credentials: with `-V 5` that is the protocol (exit 3, naming `-V 3.1.1`), not a refusal
/// of the credentials; without credentials at all, it is the credentials (exit 4, naming
/// `-u`).
#[test]
fn v5_to_a_3_1_1_only_broker_names_the_version_and_missing_credentials_name_u() {
    let broker = crate::support::caps();
    if !(broker.closes_v5_connect() && broker.users_shut_out_anonymous()) {
        return; // A 3.1.1-only broker that hangs up on a v5 CONNECT, users only.
    }
    let b = Broker::start_with(&BrokerOpts {
        users: vec![("u".into(), "p".into())],
        ..BrokerOpts::default()
    });
    let t = topic("v5-creds");
    b.mqq()
        .topic(&t)
        .args(["-u", "u", "-P", "p", "-V", "5", "send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("-V 3.1.1");
    b.mqq()
        .topic(&t)
        .args(["send", "x"])
        .run()
        .expect_code(4)
        .stderr_has("-u");
    b.mqq()
        .topic(&t)
        .args(["-u", "u", "-P", "p", "send", "x"])
        .run()
        .expect_code(0);
}

/// rumqttd's MQTT 5 listener holds the SUBACK of a resumed session until its backlog past
/// the broker's window (100) drains; mqq waited for the SUBACK before acknowledging
/// anything, so every consuming verb timed out (exit 5 after 30 s).
#[test]
fn a_backlog_larger_than_the_window_drains_when_the_suback_waits_for_it() {
    let (_broker, uri) = crate::support::mqtt5_listener();
    let (t, id) = (topic("v5-window"), client_id("v5-window"));
    let q = || mqq().uri(&uri).topic(&t).args(["-V", "5"]);
    q().id(&id)
        .args(["count", "--wait", "200ms"])
        .run()
        .expect(0, "0\n");
    q().args(["send", "-l"])
        .stdin(numbers(101))
        .run()
        .expect_code(0);
    q().id(&id)
        .args(["receive", "-n", "101", "-W", "20s"])
        .run()
        .expect(0, &numbers(101));
    q().id(&id)
        .args(["count", "--wait", "300ms"])
        .run()
        .expect(0, "0\n");
}

/// CONNECTs refused for a while (a NATS cluster electing leaders right after a node's loss):
/// a streaming `send -l` retries within the connect timeout, as after a mid-stream drop,
/// instead of failing at once.
#[test]
fn a_streaming_send_rides_out_connects_refused_for_a_while() {
    let b = Broker::start();
    let port = fake::front(b.port, Behaviour::CloseFirst(4));
    let uri = format!("mqtt://127.0.0.1:{port}");
    let (t, id) = super::durable_queue(&b, "connect-refused");
    mqq()
        .uri(&uri)
        .topic(&t)
        .args([
            "-q",
            "1",
            "--set",
            "options.reconnect_timeout=50",
            "send",
            "-l",
        ])
        .stdin(numbers(3))
        .run()
        .expect_code(0);
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-n", "3", "-W", "10s"])
        .run()
        .expect(0, &numbers(3));
}

/// A resumed backlog drained into a stdout nobody reads: the link stops reading once the
/// core holds its budget (4 MiB), in bytes, whatever the version. Over MQTT 5 the broker
/// sends the backlog before the SUBACK, and the wait for the SUBACK read all of it (400 × 1
/// MiB pending: 408 MB resident).
#[test]
fn a_resumed_backlog_into_a_blocked_stdout_stays_within_the_budget_in_bytes() {
    const N: usize = 80;
    // Under NATS's 1 MB maximum payload.
    const SIZE: usize = 512 * 1024;
    let b = Broker::start();
    let (t, id) = super::durable_queue(&b, "backlog-bytes");
    let line = "x".repeat(SIZE - 1) + "\n";
    b.mqq()
        .topic(&t)
        .args(["-q", "1", "--raw", "--quiet", "send", "-l"])
        .stdin(line.repeat(N))
        .run()
        .expect_code(0);
    let mut bg = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["--raw", "listen", "-n", &N.to_string()])
        .spawn_unread();
    bg.wait_stderr("reading paused");
    let peak = bg.peak_rss();
    assert!(
        peak < 32 << 20,
        "peak RSS {} MiB with {} MiB pending",
        peak >> 20,
        (N * SIZE) >> 20
    );
    bg.read_stdout();
    let out = bg.finish();
    out.expect_code(0);
    assert_eq!(out.stdout.len(), N * SIZE, "{}", out.stderr);
}

/// `-W` bounds the whole command, closing included: a server that keeps the connection open
/// after DISCONNECT added the 5 s wait for its close on top of `-W`.
#[test]
fn the_time_limit_bounds_the_close_too() {
    let b = Broker::start();
    let port = fake::front(b.port, Behaviour::HoldOpen);
    let t = topic("close-bound");
    let started = Instant::now();
    mqq()
        .uri(&format!("mqtt://127.0.0.1:{port}"))
        .topic(&t)
        .args(["receive", "-W", "2s"])
        .run()
        .expect_code(1);
    // With the close unbounded it takes 7 s (2 s, then the 5 s wait for the close); the
    // margin is for a loaded machine's process start.
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "receive -W 2s took {took:?}");
}

/// A server that answers CONNECT with a header claiming 256 MB and then streams zeros: the
/// answer is refused from its header (it read the whole claim first, 261 MB resident, then
/// said "Invalid packet type").
#[test]
fn an_oversized_answer_to_connect_is_refused_from_its_header() {
    use std::io::{Read as _, Write as _};
    let port = crate::support::server::fake(|mut conn| {
        let mut connect = [0u8; 16];
        let _ = conn.read(&mut connect);
        let _ = conn.write_all(&[0x20, 0xFF, 0xFF, 0xFF, 0x7F]);
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            if conn.write_all(&zeros).is_err() {
                return;
            }
        }
    });
    mqq()
        .uri(&format!("mqtt://127.0.0.1:{port}"))
        .topic("x")
        .args(["send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("not MQTT")
        .stderr_lines(1);
}

/// `ws://` to a plain MQTT port: the broker reads the HTTP upgrade as a malformed CONNECT and
/// hangs up. That is "this port does not serve MQTT over WebSockets", not a raw reset.
#[test]
fn websockets_to_a_plain_mqtt_port_say_so() {
    let b = Broker::start();
    mqq()
        .uri(&format!("ws://127.0.0.1:{}/mqtt", b.port))
        .topic(&topic("ws-plain"))
        .args(["send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("WebSocket")
        .stderr_has("mqtt://")
        .stderr_lines(1);
}

/// MQTT 3.1.1 carries a password only with a user name: `-P` without `-u` is a usage error
/// before connecting (the broker hung up: exit 3 or 4, depending on the broker).
#[test]
fn a_password_without_a_user_name_on_3_1_1_is_refused_before_connecting() {
    let b = Broker::start();
    b.mqq()
        .topic(&topic("password-alone"))
        .args(["-P", "secret", "-V", "3.1.1", "send", "x"])
        .run()
        .expect_code(2)
        .stderr_has("user name")
        .stderr_has("-u")
        .stderr_lines(1);
}

/// rumqttd's MQTT 5 listener closes the socket at an MQTT 3.1.1 CONNECT, as a broker that
/// wants credentials does: with `-V 3.1.1` asked, the error names both causes and the hint
/// says `-V 5` (it said only "requires a user name and password", exit 4). Credentials
/// given change the first cause, not the second; `-V auto` connects with MQTT 5.
#[test]
fn v3_1_1_asked_of_an_mqtt_5_only_listener_names_the_version_too() {
    if !once() {
        return;
    }
    let (_broker, uri) = crate::support::mqtt5_listener();
    let t = topic("v5-only");
    mqq()
        .uri(&uri)
        .topic(&t)
        .args(["-V", "3.1.1", "send", "x"])
        .run()
        .expect_code(4)
        .stderr_has("requires a user name and password, or does not speak MQTT 3.1.1")
        .stderr_has("for a broker of MQTT 5 only, use -V 5")
        .stderr_lines(1);
    mqq()
        .uri(&uri)
        .topic(&t)
        .args(["-V", "3.1.1", "-u", "u", "-P", "secret-pw", "send", "x"])
        .run()
        .expect_code(4)
        .stderr_has("refused the credentials, or does not speak MQTT 3.1.1")
        .stderr_has("use -V 5")
        .never_shows("secret-pw");
    mqq()
        .uri(&uri)
        .topic(&t)
        .args(["send", "x"])
        .run()
        .expect_code(0);
}
