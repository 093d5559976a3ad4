//! Exit codes: 2 usage, 3 connect, 4 auth, 5 a take-over of the session; one line each.

use std::net::TcpListener;
use std::time::Duration;

use super::durable_queue;
use crate::support::{free_port, mqq, once, within, Broker, BrokerOpts};

#[test]
fn exit_codes_for_connect_and_auth_failures() {
    // Nothing listens on a port we just released: exit 3.
    mqq()
        .uri(&format!("mqtt://127.0.0.1:{}", free_port()))
        .topic("x")
        .args(["send", "a"])
        .run()
        .expect_code(3)
        .stderr_starts("mqq: error: could not connect")
        .stderr_lines(1);
    // Wrong password: exit 4, and the password never appears.
    let b = Broker::start_with(&BrokerOpts {
        users: vec![("alice".into(), "right-pass".into())],
        ..BrokerOpts::default()
    });
    b.mqq()
        .topic("x")
        .args(["-u", "alice", "-P", "Sup3rS3cretXyz", "send", "a"])
        .run()
        .expect_code(4)
        .never_shows("Sup3rS3cretXyz");
    b.mqq()
        .topic("x")
        .args(["-u", "alice", "-P", "right-pass", "send", "a"])
        .run()
        .expect_code(0);
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    if !once() {
        return;
    }
    for args in [
        vec!["-L", "bogus://h", "-t", "x", "send", "a"],
        vec!["-q", "3", "-t", "x", "send", "a"],
        vec!["-p", "70000", "-t", "x", "send", "a"],
        vec!["send", "a"],
        vec!["-t", "x", "--set", "noequals", "send", "a"],
        vec!["-t", "x", "receive", "-W", "soon"],
        vec!["-t", "x", "send", "-f", "/nonexistent/file"],
    ] {
        let o = mqq().args(args).run();
        o.expect_code(2);
        if !(o.stderr.starts_with("mqq: error") || o.stderr.starts_with("error:")) {
            o.fail("expected an error message");
        }
    }
}

#[test]
fn a_silent_broker_times_out_with_exit_3() {
    if !once() {
        return;
    }
    // Accepts TCP but never answers CONNECT.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let o = within(Duration::from_secs(5), || {
        mqq()
            .uri(&format!("mqtt://127.0.0.1:{port}"))
            .topic("x")
            .args(["--set", "options.connect_timeout=500", "send", "a"])
            .run()
    });
    drop(listener);
    o.expect_code(3).stderr_has("connect_timeout");
}

#[test]
fn a_take_over_of_the_session_is_reported_with_exit_5() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "takeover");
    let queue = || b.mqq().topic(&t).id(&id);
    let consumer = queue().args(["receive", "-W", "60s"]).spawn();
    // count uses the same client id: the broker hands it the session.
    queue()
        .args(["count", "--wait", "200ms"])
        .run()
        .expect_code(0);
    consumer
        .finish()
        .expect_code(5)
        .stderr_has("took over the session");
}

#[test]
fn two_listens_with_one_client_id_stop_after_the_second_take_over() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "two-listens");
    let queue = || b.mqq().topic(&t).id(&id);
    let first = queue().args(["listen"]).spawn();
    // The second takes the session; the first reconnects and takes it back, which knocks the
    // second off; the first's second take-over stops it instead of an endless tug of war.
    let second = queue().args(["listen"]).spawn();
    first
        .finish()
        .expect_code(5)
        .stderr_has("twice within 1m")
        .stderr_has("another consumer holds this client id")
        .stderr_has("-i");
    second.terminate();
    second.finish().expect_code(0);
}

#[test]
fn papercut_usage_errors_name_the_way_out() {
    if !once() {
        return;
    }
    // -V is the protocol version (as in mosquitto's clients), not mqq's version.
    mqq()
        .args(["-V", "6", "-t", "x", "listen"])
        .run()
        .expect_code(2)
        .stderr_has("--version")
        .stderr_lines(1);
    mqq()
        .args(["--version"])
        .run()
        .expect_code(0)
        .stdout_has("mqq ");
    // HOST:PORT in -h names -p and -L instead of a DNS error.
    mqq()
        .args(["-h", "127.0.0.1:1883", "-t", "x", "send", "a"])
        .run()
        .expect_code(2)
        .stderr_has("-p")
        .stderr_has("-L")
        .stderr_lines(1);
    // An empty stdin nobody asked for is not sent as an empty message.
    mqq()
        .args(["-t", "x", "send"])
        .stdin(b"")
        .run()
        .expect_code(2)
        .stderr_has("-n/--null-message")
        .stderr_lines(1);
}

/// A TCP listener that accepts connections and never answers: a broker that hangs at
/// CONNECT. Returns its URI and a receiver of "accepted" notices.
fn silent_broker() -> (String, std::sync::mpsc::Receiver<()>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let port = crate::support::server::fake(move |mut conn| {
        let _ = tx.send(());
        // Held open, read and never answered, until the client goes.
        let _ = std::io::copy(&mut conn, &mut std::io::sink());
    });
    (format!("mqtt://127.0.0.1:{port}"), rx)
}

#[test]
fn receive_timeout_bounds_the_connect_too() {
    if !once() {
        return;
    }
    let (uri, _accepted) = silent_broker();
    let out = within(Duration::from_secs(4), || {
        mqq()
            .uri(&uri)
            .topic("x")
            .args(["receive", "-W", "1s"])
            .run()
    });
    out.expect_code(3)
        .stderr_has("no answer within 1s")
        .stderr_lines(1);
}

#[test]
fn sigterm_while_connecting_stops_listen_at_once() {
    if !once() {
        return;
    }
    let (uri, accepted) = silent_broker();
    let bg = mqq().uri(&uri).topic("x").arg("listen").spawn_connecting();
    // The broker saw the TCP connection: mqq is in its connect phase, signal handlers set.
    accepted.recv_timeout(Duration::from_secs(30)).unwrap();
    let out = within(Duration::from_secs(2), || {
        bg.terminate();
        bg.finish()
    });
    out.expect_code(0);
}

#[test]
fn a_stopped_broker_is_a_lost_connection_not_a_take_over() {
    let Some(mut b) = Broker::mosquitto() else {
        return;
    };
    let (t, id) = durable_queue(&b, "stopped");
    let consumer = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-W", "60s"])
        .spawn();
    b.stop();
    consumer
        .finish()
        .expect_code(3)
        .stderr_has("mqq: error: connection to")
        .stderr_has("lost");
}

#[test]
fn sigterm_while_reconnecting_stops_listen_at_once() {
    let Some(mut b) = Broker::mosquitto() else {
        return;
    };
    let mut bg = b.mqq().topic("x").arg("listen").spawn();
    b.stop();
    bg.wait_stderr("reconnecting in");
    let out = within(Duration::from_secs(2), || {
        bg.terminate();
        bg.finish()
    });
    // In mqq's own style, not tracing's ` WARN …`.
    out.expect_code(0)
        .stderr_has("\nmqq: warning: connection to ");
}

#[test]
fn errors_name_the_real_cause() {
    if !once() {
        return;
    }
    // A client id or user name MQTT cannot carry: exit 2 before connecting.
    let nowhere = format!("mqtt://127.0.0.1:{}", free_port());
    for (args, says) in [
        (
            vec!["-i", "a\u{1}b", "receive"],
            "client id \"a\\u{1}b\": it contains the control character U+0001",
        ),
        (
            vec!["-u", "bob\u{7}", "send", "x"],
            "user name \"bob\\u{7}\": it contains the control character U+0007",
        ),
    ] {
        mqq()
            .uri(&nowhere)
            .topic("x")
            .args(args)
            .run()
            .expect_code(2)
            .stderr_has(says)
            .stderr_lines(1);
    }
    mqq()
        .uri(&nowhere)
        .topic("x")
        .args(["-i", &"i".repeat(70_000), "count"])
        .run()
        .expect_code(2)
        .stderr_has("it is 70000 bytes long; MQTT allows at most 65535");
    // A server of another protocol that answers at once (an HTTP server's 400).
    let port = crate::support::server::fake(|mut conn| {
        use std::io::Write as _;
        let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        // Close as an HTTP server does, after reading what came: closing with mqq's CONNECT
        // unread would send a reset, which can reach mqq before the 400 is read (then it saw
        // a closed connection, exit 4, in about half of the runs).
        let _ = conn.shutdown(std::net::Shutdown::Write);
        let _ = std::io::copy(&mut conn, &mut std::io::sink());
    });
    mqq()
        .uri(&format!("mqtt://127.0.0.1:{port}"))
        .topic("x")
        .args(["send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("not an MQTT broker")
        .stderr_lines(1);
}

#[test]
fn a_message_over_the_brokers_packet_limit_names_both_sizes() {
    let Some(b) = Broker::mosquitto_with(&BrokerOpts {
        conf: vec!["max_packet_size 1000".into()],
        ..BrokerOpts::default()
    }) else {
        return;
    };
    b.mqq()
        .topic("big")
        .args(["send", &"x".repeat(5000)])
        .run()
        .expect_code(1)
        .stderr_has("accepts packets of at most 1000 bytes; this message needs")
        .stderr_has("--raw");
    b.mqq()
        .topic("big")
        .args(["send", &"x".repeat(500)])
        .run()
        .expect_code(0);
}

#[test]
fn qos_2_to_a_broker_without_it_says_so() {
    let Some(n) = crate::support::nats::Nats::start() else {
        return;
    };
    mqq()
        .uri(&n.uri())
        .topic("q2")
        .args(["-q", "2", "send", "x"])
        .run()
        .expect_code(1)
        .stderr_has("does not support QoS 2")
        .stderr_has("-q 1");
}

#[test]
fn a_broker_that_never_answers_the_subscription_is_exit_3_and_w_bounds_the_wait() {
    if !once() {
        return;
    }
    let fake = crate::support::raw::NoSuback::start();
    let uri = format!("mqtt://127.0.0.1:{}", fake.port);
    // -W passes first: nothing arrived in the time asked for.
    for w in ["0", "300ms"] {
        within(Duration::from_secs(3), || {
            mqq()
                .uri(&uri)
                .topic("x")
                .args(["-V", "3.1.1", "receive", "-W", w])
                .run()
        })
        .expect_code(1)
        .stderr_has("received 0 of 1 message within")
        .stderr_has("(still subscribing");
    }
    // The broker's own wait (connect_timeout) ends first: its fault, exit 3.
    within(Duration::from_secs(4), || {
        mqq()
            .uri(&uri)
            .topic("x")
            .args([
                "-V",
                "3.1.1",
                "--set",
                "options.connect_timeout=300",
                "listen",
            ])
            .run()
    })
    .expect_code(3)
    .stderr_has("did not answer the subscription");
}

#[test]
fn receive_w_0_on_an_empty_queue_is_always_exit_1() {
    let b = Broker::start();
    for _ in 0..10 {
        b.mqq()
            .topic(&crate::support::topic("w0"))
            .args(["receive", "-W", "0"])
            .run()
            .expect_code(1);
    }
}
