//! The cases: each starts its own broker and drives `mqq` processes against it.

mod offline;

use std::net::TcpListener;
use std::process::Command;
use std::time::Duration;

use crate::support::{
    client_id, free_port, have_mosquitto_clients, kind, mqq, topic, within, Broker, BrokerOpts,
    Kind, Mqq, Out,
};

/// A new durable queue: `count` creates its session (so later sends are kept) and finds 0.
fn durable_queue(b: &Broker, name: &str) -> (String, String) {
    let (t, id) = (topic(name), client_id(name));
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "200ms"])
        .run()
        .expect(0, "0\n");
    (t, id)
}

/// The durable queue still holds `text`: a `receive` gets it now.
fn expect_pending(b: &Broker, t: &str, id: &str, text: &str) {
    b.mqq()
        .topic(t)
        .id(id)
        .args(["receive", "-W", "10s"])
        .run()
        .expect(0, text);
}

/// Runs `send` (which must succeed) while `listen` is subscribed; returns what `listen`
/// printed.
fn through_listener(listen: Mqq, send: Mqq) -> Out {
    let bg = listen.spawn();
    send.run().expect_code(0);
    bg.finish()
}

#[test]
fn text_round_trip_in_envelope_mode() {
    let b = Broker::start();
    let t = topic("text");
    through_listener(
        b.mqq().topic(&t).args(["listen", "-n", "2"]),
        b.mqq().topic(&t).args(["send", "hello", "wörld"]),
    )
    .expect(0, "hello\nwörld\n");
}

#[test]
fn binary_payload_exact_bytes_both_modes() {
    let b = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let payload: Vec<u8> = vec![0, 1, 2, 0xff, 0xfe, b'\n', 0, 0x80, b'x'];
    let f = dir.path().join("bin");
    std::fs::write(&f, &payload).unwrap();
    for mode in [None, Some("--raw")] {
        let t = topic("binary");
        through_listener(
            b.mqq()
                .topic(&t)
                .args(["listen", "-n", "1", "-F", "raw"])
                .args(mode),
            b.mqq().topic(&t).args(["send", "-f"]).arg(&f).args(mode),
        )
        .expect_bytes(0, &payload);
    }
}

#[test]
fn large_16_mib_payload_round_trips() {
    let b = Broker::start();
    let t = topic("large");
    let payload: Vec<u8> = (0..16 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    through_listener(
        b.mqq().topic(&t).args(["listen", "-n", "1", "-F", "raw"]),
        b.mqq().topic(&t).args(["send", "-q", "1"]).stdin(&payload),
    )
    .expect_bytes(0, &payload);
}

#[test]
fn empty_payload_round_trips() {
    let b = Broker::start();
    for mode in [None, Some("--raw")] {
        let t = topic("empty");
        let v = through_listener(
            b.mqq()
                .topic(&t)
                .args(["listen", "-n", "1", "-F", "json"])
                .args(mode),
            b.mqq().topic(&t).args(["send", ""]).args(mode),
        )
        .expect_code(0)
        .json();
        assert_eq!(v["payload"], "", "mode {mode:?}: {v}");
        assert_eq!(v.get("message_id").is_some(), mode.is_none(), "{v}");
    }
}

#[test]
fn durable_story_each_step_a_process() {
    let b = Broker::start();
    let (t, id) = (topic("durable"), client_id("durable"));
    let queue = || b.mqq().topic(&t).id(&id);
    let count = |expect: &str| {
        queue()
            .args(["count", "--wait", "1s"])
            .run()
            .expect(0, &format!("{expect}\n"));
    };
    count("0");
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "one", "two", "three"])
        .run()
        .expect_code(0);
    count("3");
    queue()
        .args(["peek", "-n", "2"])
        .run()
        .expect(0, "one\ntwo\n");
    count("3");
    queue()
        .args(["receive", "-n", "2"])
        .run()
        .expect(0, "one\ntwo\n");
    count("1");
    queue().arg("receive").run().expect(0, "three\n");
    count("0");
}

#[test]
fn count_never_gives_a_wrong_exact_number_past_the_window() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "window");
    let lines: String = (0..50).map(|i| format!("m{i}\n")).collect();
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "-l"])
        .stdin(&lines)
        .run()
        .expect_code(0);
    let o = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "1s"])
        .run();
    o.expect_code(0);
    let text = o.text();
    let text = text.trim_end();
    if text != "50" {
        let n: usize = text
            .strip_suffix('+')
            .unwrap_or_else(|| o.fail(&format!("wrong exact count {text}")))
            .parse()
            .unwrap();
        assert!((10..=50).contains(&n), "{text}");
        o.stderr_has("at least");
    }
    // Nothing was consumed: all 50 are still there, in order.
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-n", "50", "-W", "20s"])
        .run()
        .expect(0, &lines);
}

#[test]
fn ack_after_output_a_closed_stdout_loses_nothing() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "ackafter");
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "precious"])
        .run()
        .expect_code(0);
    // A receiver whose stdout is closed cannot write the message: it must not ack it.
    // A broken pipe ends quietly with 0.
    b.mqq()
        .topic(&t)
        .id(&id)
        .arg("receive")
        .run_with_stdout_closed()
        .expect_code(0);
    expect_pending(&b, &t, &id, "precious\n");
}

#[test]
fn killed_receiver_leaves_message_pending() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "killed");
    // A consumer that is killed while it waits acked nothing; the message sent afterwards
    // waits at the broker for the next one.
    let bg = b.mqq().topic(&t).id(&id).arg("listen").spawn();
    bg.terminate();
    // SIGTERM stops listen cleanly.
    bg.finish().expect_code(0);
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "kept"])
        .run()
        .expect_code(0);
    expect_pending(&b, &t, &id, "kept\n");
}

#[test]
fn receiver_killed_while_writing_acks_nothing() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "killwrite");
    // 1 MiB does not fit a pipe nobody reads: the receiver blocks in the write, then dies.
    let big = vec![b'x'; 1 << 20];
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1"])
        .stdin(&big)
        .run()
        .expect_code(0);
    let mut bg = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-W", "30s"])
        .spawn_unread();
    bg.wait_stderr("bytes=1048576");
    bg.kill();
    // The message was neither lost nor changed.
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-W", "10s", "-F", "raw"])
        .run()
        .expect_bytes(0, &big);
}

#[test]
fn envelope_on_the_wire_and_raw_mode_both_ways() {
    let b = Broker::start();
    // mqq writes an envelope: a raw reader sees the JSON with all five keys.
    let t = topic("envwire");
    let v = through_listener(
        b.mqq()
            .topic(&t)
            .args(["listen", "-n", "1", "--raw", "-F", "raw"]),
        b.mqq().topic(&t).args([
            "send",
            "--type",
            "Test",
            "--correlation-id",
            "123",
            "Test message",
        ]),
    )
    .json();
    assert_eq!(v["message"], "VGVzdCBtZXNzYWdl");
    assert_eq!(v["correlation_id"], "123");
    assert_eq!(v["message_type"], "Test");
    assert_eq!(v["message_id"].as_str().unwrap().len(), 32);
    assert!(v["sent_time"].as_str().unwrap().ends_with('Z'));
    // A raw sender's payload reaches an envelope-mode reader unchanged.
    let t = topic("rawwire");
    let v = through_listener(
        b.mqq().topic(&t).args(["listen", "-n", "1", "-F", "json"]),
        b.mqq()
            .topic(&t)
            .args(["send", "--raw", "{\"not\":\"an envelope\"}"]),
    )
    .json();
    assert_eq!(v["payload"], "{\"not\":\"an envelope\"}");
    assert!(v.get("message_id").is_none());
    // A pip-services (Dart) envelope with raw text is decoded.
    let t = topic("dart");
    let dart = r#"{"message_id":"3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b","correlation_id":"123","message_type":"Test","sent_time":"2024-05-01T10:20:30.123456","message":"Test message"}"#;
    let out = through_listener(
        b.mqq().topic(&t).args(["listen", "-n", "1"]),
        b.mqq().topic(&t).args(["send", "--raw", dart]),
    );
    assert_eq!(out.text(), "Test message\n");
}

#[test]
fn send_lines_100k_at_qos1_all_acknowledged_and_in_order() {
    let b = Broker::start();
    let t = topic("lines");
    let n = 100_000;
    let input: String = (0..n).map(|i| format!("line-{i}\n")).collect();
    let bg = b
        .mqq()
        .topic(&t)
        .args(["-q", "1", "listen", "-n", &n.to_string()])
        .spawn();
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "-l"])
        .stdin(&input)
        .run()
        .expect_code(0)
        .stderr_has(&format!("sent {n}, acknowledged {n}"));
    bg.finish().expect(0, &input);
}

#[test]
fn receive_times_out_with_exit_1_and_wrong_topic_gets_nothing() {
    let b = Broker::start();
    let t = topic("timeout");
    let other = topic("other");
    let bg = b.mqq().topic(&other).args(["receive", "-W", "1s"]).spawn();
    b.mqq()
        .topic(&t)
        .args(["send", "elsewhere"])
        .run()
        .expect_code(0);
    within(Duration::from_secs(3), || bg.finish())
        .expect(1, "")
        .stderr_has("received 0 of 1");
    within(Duration::from_millis(2500), || {
        b.mqq().topic(&t).args(["receive", "-W", "500ms"]).run()
    })
    .expect_code(1);
}

#[test]
fn receive_prints_what_arrived_then_exits_1_when_short() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "short");
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "a", "b"])
        .run()
        .expect_code(0);
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-n", "3", "-W", "3s"])
        .run()
        .expect(1, "a\nb\n")
        .stderr_has("received 2 of 3");
}

#[test]
fn wildcard_filters_receive_but_cannot_be_sent_to() {
    let b = Broker::start();
    let base = topic("wild");
    let filter = format!("{base}/+/temp");
    let kitchen = format!("{base}/kitchen/temp");
    let bg = b
        .mqq()
        .topic(&filter)
        .args(["listen", "-n", "1", "-F", "json"])
        .spawn();
    b.mqq()
        .topic(&kitchen)
        .args(["send", "21"])
        .run()
        .expect_code(0);
    let v = bg.finish().json();
    assert_eq!(v["topic"], kitchen);
    assert_eq!(v["payload"], "21");
    b.mqq()
        .topic(&filter)
        .args(["send", "x"])
        .run()
        .expect_code(2)
        .stderr_has("wildcard");
    b.mqq()
        .topic(&format!("{base}/a#"))
        .args(["receive", "-W", "1s"])
        .run()
        .expect_code(2);
}

#[test]
fn retained_message_is_seen_by_new_subscribers_and_cleared_by_an_empty_one() {
    let b = Broker::start();
    let t = topic("retain");
    b.mqq()
        .topic(&t)
        .args(["send", "-r", "-q", "1", "last"])
        .run()
        .expect_code(0);
    let v = b
        .mqq()
        .topic(&t)
        .args(["receive", "-W", "5s", "-F", "json"])
        .run()
        .json();
    assert_eq!(
        (v["payload"].as_str(), v["retain"].as_bool()),
        (Some("last"), Some(true)),
        "{v}"
    );
    b.mqq()
        .topic(&t)
        .args(["send", "--raw", "-r", "-q", "1", ""])
        .run()
        .expect_code(0);
    // The retained message is gone: nothing to receive.
    b.mqq()
        .topic(&t)
        .args(["receive", "-W", "500ms"])
        .run()
        .expect_code(1);
}

#[test]
fn clear_removes_the_session_and_its_messages() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "clear");
    let queue = || b.mqq().topic(&t).id(&id);
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "x", "y"])
        .run()
        .expect_code(0);
    queue()
        .args(["count", "--wait", "1s"])
        .run()
        .expect(0, "2\n");
    queue().arg("clear").run().expect_code(0);
    queue()
        .args(["count", "--wait", "1s"])
        .run()
        .expect(0, "0\n");
    // An ephemeral queue has no session: a usage error.
    b.mqq().topic(&t).arg("clear").run().expect_code(2);
}

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

/// `mosquitto_pub` or `mosquitto_sub` connected to the broker as `id`, on topic `t`, at QoS 1.
fn mosquitto(client: &str, b: &Broker, id: &str, t: &str) -> Command {
    let mut c = Command::new(client);
    c.args(["-h", "127.0.0.1", "-p", &b.port.to_string(), "-i", id])
        .args(["-t", t, "-q", "1"]);
    c
}

#[test]
fn mosquitto_clients_interoperate() {
    // Needs mosquitto_pub/mosquitto_sub; .ci/run installs them and runs this suite against
    // mosquitto, where their absence is a failure.
    if !have_mosquitto_clients() {
        assert_ne!(kind(), Kind::Mosquitto, "mosquitto clients are missing");
        eprintln!("mosquitto_pub not installed: interop case not run in this hermetic pass");
        return;
    }
    let b = Broker::start();
    // mosquitto_pub → mqq (envelope mode: a plain payload is a raw message).
    let t = topic("interop-in");
    let bg = b
        .mqq()
        .topic(&t)
        .args(["listen", "-n", "1", "-F", "raw"])
        .spawn();
    let st = mosquitto("mosquitto_pub", &b, &client_id("pub"), &t)
        .args(["-m", "from mosquitto_pub"])
        .status()
        .unwrap();
    assert!(st.success());
    bg.finish().expect_bytes(0, b"from mosquitto_pub");
    // mqq → mosquitto_sub (raw mode: exact bytes), through a durable mosquitto_sub session:
    // the first run (-c -E) creates the session and exits once subscribed; the second
    // collects what mqq sent in between.
    let t = topic("interop-out");
    let sub_id = client_id("sub");
    let sub = |extra: &[&str]| {
        mosquitto("mosquitto_sub", &b, &sub_id, &t)
            .arg("-c")
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(sub(&["-E"]).status.success());
    b.mqq()
        .topic(&t)
        .args(["send", "--raw", "-q", "1", "to mosquitto_sub"])
        .run()
        .expect_code(0);
    let got = sub(&["-C", "1", "-W", "10", "-N"]);
    assert!(got.status.success(), "{got:?}");
    assert_eq!(got.stdout, b"to mosquitto_sub");
}

#[test]
fn a_silent_broker_times_out_with_exit_3() {
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
fn repeat_sends_everything_n_times_in_order() {
    let b = Broker::start();
    let t = topic("repeat");
    through_listener(
        b.mqq().topic(&t).args(["listen", "-n", "4"]),
        b.mqq()
            .topic(&t)
            .args(["send", "-l", "--repeat", "2"])
            .stdin(b"a\nb\n"),
    )
    .expect(0, "a\nb\na\nb\n");
    let t = topic("repeat-args");
    through_listener(
        b.mqq().topic(&t).args(["listen", "-n", "3"]),
        b.mqq().topic(&t).args(["send", "--repeat", "3", "x"]),
    )
    .expect(0, "x\nx\nx\n");
}
