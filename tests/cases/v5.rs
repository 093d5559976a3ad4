//! MQTT 5 behind the same verbs: `-V 3.1.1|5|auto`, the fallback of `auto`, the window of
//! `peek`/`count`, properties, and reason codes. The embedded rumqttd speaks 3.1.1 only:
//! there the cases assert the documented fallback; mosquitto speaks 5.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::Duration;

use super::durable_queue;
use crate::support::{caps, mqq, once, within, Broker, BrokerOpts, Window};

/// What `auto` speaks with the suite's broker.
fn negotiated() -> &'static str {
    if caps().speaks_v5() {
        "with MQTT 5"
    } else {
        "with MQTT 3.1.1"
    }
}

#[test]
fn auto_says_which_version_and_falls_back_at_once() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "auto");
    // rumqttd closes the connection at an MQTT 5 CONNECT: the fallback costs no timeout.
    within(Duration::from_secs(3), || {
        b.mqq()
            .topic(&t)
            .id(&id)
            .args(["-v", "count", "--wait", "100ms"])
            .run()
    })
    .expect(0, "0\n")
    .stderr_has(negotiated());
    let v311 = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["-v", "-V", "3.1.1", "count", "--wait", "100ms"])
        .run();
    if b.speaks_v311() {
        v311.expect(0, "0\n").stderr_has("with MQTT 3.1.1");
    } else {
        // rumqttd's MQTT 5 listener closes a 3.1.1 CONNECT without a word: mqq can only
        // guess why, and guesses missing credentials (exit 4).
        v311.expect(4, "")
            .stderr_has("closed the connection instead of accepting it");
    }
    let forced = b
        .mqq()
        .topic(&t)
        .args(["-V", "5", "send", "x"])
        .env("MQQ_PROTOCOL_VERSION", "3.1.1")
        .run();
    if b.speaks_v5() {
        forced.expect_code(0);
    } else {
        // -V 5 with a broker that does not speak it: no fallback, one line naming -V.
        forced
            .expect_code(3)
            .stderr_has("may not speak MQTT 5")
            .stderr_has("-V 3.1.1")
            .stderr_lines(1);
    }
}

/// A peer that refuses every protocol version: an MQTT 5 CONNECT gets CONNACK 0x84
/// "unsupported protocol version", a 3.1.1 one CONNACK 0x01 "unacceptable protocol
/// version"; then it closes. Reports the protocol level of each CONNECT.
fn refusing_peer() -> (u16, mpsc::Receiver<u8>) {
    let (tx, rx) = mpsc::channel();
    let port = crate::support::server::fake(move |mut conn| {
        // Fixed header, remaining length (< 128 here), then "\0\x04MQTT" and the level.
        let mut head = [0u8; 2];
        if conn.read_exact(&mut head).is_err() {
            return;
        }
        let mut body = vec![0u8; usize::from(head[1])];
        if conn.read_exact(&mut body).is_err() {
            return;
        }
        let _ = tx.send(body[6]);
        let connack: &[u8] = if body[6] == 5 {
            &[0x20, 0x03, 0x00, 0x84, 0x00]
        } else {
            &[0x20, 0x02, 0x00, 0x01]
        };
        let _ = conn.write_all(connack);
    });
    (port, rx)
}

#[test]
fn auto_falls_back_on_connack_unsupported_protocol_version() {
    if !once() {
        return;
    }
    let (port, levels) = refusing_peer();
    let uri = format!("mqtt://127.0.0.1:{port}");
    // auto: MQTT 5 first, then 3.1.1, which this peer refuses too: exit 4, no hint about -V.
    mqq()
        .uri(&uri)
        .topic("x")
        .args(["send", "a"])
        .run()
        .expect_code(4)
        .stderr_has("refused the protocol version (MQTT 3.1.1)")
        .stderr_lines(1);
    assert_eq!(levels.try_iter().collect::<Vec<_>>(), [5, 4]);
    // -V 5: no fallback.
    mqq()
        .uri(&uri)
        .topic("x")
        .args(["-V", "5", "send", "a"])
        .run()
        .expect_code(4)
        .stderr_has("refused the protocol version (MQTT 5)")
        .stderr_has("-V 3.1.1")
        .stderr_lines(1);
    assert_eq!(levels.try_iter().collect::<Vec<_>>(), [5]);
}

#[test]
fn count_and_peek_see_the_whole_queue_on_mqtt_5() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "window5");
    let lines: String = (0..3000).map(|i| format!("m{i}\n")).collect();
    b.mqq()
        .topic(&t)
        .args(["--raw", "send", "-l"])
        .stdin(&lines)
        .run()
        .expect_code(0);
    let queue = || b.mqq().topic(&t).id(&id).arg("--raw");
    if let (true, Some(window)) = (b.speaks_v5(), b.v5_window()) {
        // rumqttd's MQTT 5 listener hands its own window (100) whatever the Receive Maximum:
        // a count cannot tell that from the end of the queue and says 100; given the window,
        // it says "at least".
        queue()
            .args(["count"])
            .run()
            .expect(0, &format!("{window}\n"));
        queue()
            .args(["count", "--window", &window.to_string()])
            .run()
            .expect(0, &format!("{window}+\n"))
            .stderr_has("at least");
        let first: String = lines
            .lines()
            .take(window)
            .map(|l| format!("{l}\n"))
            .collect();
        queue().args(["peek", "-n", "3000"]).run().expect(0, &first);
    } else if b.speaks_v5() {
        // Receive Maximum 65535: exact, and nothing consumed.
        queue().args(["count"]).run().expect(0, "3000\n");
        queue().args(["peek", "-n", "3000"]).run().expect(0, &lines);
        queue().args(["count"]).run().expect(0, "3000\n");
    } else {
        // MQTT 3.1.1: the broker's window caps it, and count says so.
        let o = queue().args(["count"]).run();
        o.expect_code(0).stderr_has("at least");
        let n: usize = o
            .text()
            .trim_end()
            .strip_suffix('+')
            .unwrap()
            .parse()
            .unwrap();
        if b.window() == Window::Unbounded {
            // aedes hands out the whole backlog: count sees all of it (and cannot know that
            // nothing is behind it), peek shows it all.
            assert_eq!(n, 3000, "{}", o.text());
            queue().args(["peek", "-n", "3000"]).run().expect(0, &lines);
        } else {
            assert!((10..3000).contains(&n), "{}", o.text());
            queue()
                .args(["peek", "-n", "3000"])
                .run()
                .expect_code(0)
                .stderr_has("more may be pending");
        }
    }
    // --window still decides when given.
    let o = queue().args(["count", "--window", "5"]).run();
    o.expect_code(0);
    assert!(o.text().ends_with("+\n"), "{}", o.text());
}

#[test]
fn properties_travel_on_mqtt_5_and_are_a_warning_on_3_1_1() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "props");
    let send = |version: &str| {
        b.mqq()
            .topic(&t)
            .args(["-V", version, "send", "--property", "origin=cli"])
            .args(["--property", "k=v=w", "--content-type", "text/plain"])
            .args(["--expiry", "1h", "--response-topic", "replies/1"])
            .args(["--correlation-data", "c-42", "hello"])
            .run()
    };
    let receive = || {
        b.mqq()
            .topic(&t)
            .id(&id)
            .args(["receive", "-F", "json"])
            .run()
    };
    let warning = "MQTT 3.1.1 cannot carry --property, --content-type, --expiry, \
                   --response-topic, --correlation-data";
    if b.speaks_v5() {
        let o = send("auto");
        o.expect_code(0);
        assert!(o.stderr.is_empty(), "{}", o.stderr);
        let got = receive();
        got.expect_code(0);
        let p = &got.json()["properties"];
        assert_eq!(p["content_type"], "text/plain", "{p}");
        assert_eq!(p["response_topic"], "replies/1", "{p}");
        assert_eq!(p["correlation_data"], "c-42", "{p}");
        assert!(
            p["message_expiry"].as_u64().is_some_and(|s| s > 3500),
            "{p}"
        );
        assert_eq!(
            p["user_properties"],
            serde_json::json!([["origin", "cli"], ["k", "v=w"]])
        );
        // -v shows them too, and send -v names the version.
        send("5").expect_code(0);
        b.mqq()
            .topic(&t)
            .id(&id)
            .args(["-v", "receive"])
            .run()
            .expect(0, "hello\n")
            .stderr_has("content_type=text/plain")
            .stderr_has("property:origin=cli");
        b.mqq()
            .topic(&t)
            .args(["-v", "send", "--property", "a=b", "again"])
            .run()
            .expect_code(0)
            .stderr_has("with MQTT 5");
        b.mqq()
            .topic(&t)
            .id(&id)
            .arg("receive")
            .run()
            .expect(0, "again\n");
    }
    // MQTT 3.1.1 (forced, or the fallback on rumqttd): one warning line, never silence.
    if b.speaks_v311() {
        send(if b.speaks_v5() { "3.1.1" } else { "auto" })
            .expect_code(0)
            .stderr_has(warning)
            .stderr_lines(1);
        let got = receive();
        got.expect_code(0);
        assert_eq!(got.json()["payload"], "hello");
        assert!(got.json().get("properties").is_none(), "{}", got.text());
    }
    // A bad property or expiry is a usage error.
    b.mqq()
        .topic(&t)
        .args(["send", "--expiry", "0", "x"])
        .run()
        .expect_code(2)
        .stderr_has("--expiry")
        .stderr_lines(1);
    b.mqq()
        .topic(&t)
        .args(["send", "--property", "novalue", "x"])
        .run()
        .expect_code(2)
        .stderr_has("KEY=VALUE");
}

#[test]
fn acl_refusals_exit_5_naming_the_topic() {
    let Some(b) = Broker::mosquitto_with(&BrokerOpts {
        acl: Some("topic readwrite open/#\n".into()),
        ..BrokerOpts::default()
    }) else {
        return;
    };
    let denied = "closed/orders";
    // MQTT 5: PUBACK 0x87.
    b.mqq()
        .topic(denied)
        .args(["send", "x"])
        .run()
        .expect_code(5)
        .stderr_has(&format!(
            "refused the message to \"{denied}\": not authorized (0x87)"
        ))
        .stderr_has("ACL")
        .stderr_lines(1);
    // MQTT 3.1.1: mosquitto acks and drops it; nothing tells the client.
    b.mqq()
        .topic(denied)
        .args(["-V", "3.1.1", "send", "x"])
        .run()
        .expect_code(0);
    // mosquitto 2.0 grants a subscription to a denied topic (SUBACK success, both
    // versions) and delivers nothing: receive times out.
    for version in ["auto", "3.1.1"] {
        b.mqq()
            .topic(denied)
            .args(["-V", version, "receive", "-W", "300ms"])
            .run()
            .expect_code(1);
    }
    b.mqq()
        .topic("open/ok")
        .args(["send", "x"])
        .run()
        .expect_code(0);
    // check's probes go to topics of its own: the refusal says where, and how to move them.
    b.mqq()
        .args(["check", "-n", "3", "--max-size", "4K"])
        .run()
        .expect_code(5)
        .stderr_has("mqq check probes under mqq/check/")
        .stderr_has("not authorized (0x87)")
        .stderr_has("give check a topic this user may publish and subscribe to with -t")
        .stderr_lines(1);
    b.mqq()
        .topic("open/check")
        .args(["check", "-n", "3", "--max-size", "4K"])
        .run()
        .expect_code(0);
}

#[test]
fn a_broker_shutting_down_is_a_lost_connection() {
    let Some(mut b) = Broker::mosquitto() else {
        return;
    };
    let (t, id) = durable_queue(&b, "shutdown");
    let consumer = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-W", "60s"])
        .spawn();
    b.terminate();
    let out = consumer.finish();
    out.expect_code(3).stderr_has("lost");
}

#[test]
fn auto_falls_back_to_3_1_1_on_nats_and_5_is_refused_there() {
    let Some(n) = crate::support::nats::Nats::start() else {
        return;
    };
    let t = crate::support::topic("nats-auto");
    // NATS 2.9 answers an MQTT 5 CONNECT with a 3.1.1 CONNACK 0x01 ("unacceptable protocol
    // version", without MQTT 5's properties) and closes.
    mqq()
        .uri(&n.uri())
        .topic(&t)
        .args(["-v", "send", "x"])
        .run()
        .expect_code(0)
        .stderr_has("with MQTT 3.1.1");
    mqq()
        .uri(&n.uri())
        .topic(&t)
        .args(["-V", "5", "send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("may not speak MQTT 5")
        .stderr_has("-V 3.1.1")
        .stderr_lines(1);
}
