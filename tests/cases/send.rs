//! `send`: any payload reaches a consumer unchanged, in envelope and raw mode; lines,
//! repeats, retained messages.

use super::through_listener;
use crate::support::{topic, Broker};

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
        // The bound of the wait for its acknowledgement: NATS, storing the 22 MiB envelope
        // in JetStream, took over the default 30 s under CI's load (a loaded broker, not a
        // fault of mqq's: what is checked here is the bytes).
        b.mqq()
            .topic(&t)
            .args(["--set", "options.connect_timeout=120s", "send", "-q", "1"])
            .stdin(&payload),
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
    // Any empty retained message clears it, in raw and in envelope mode (where it used to
    // be wrapped in an envelope and so became the new retained message).
    for clear in [
        &["send", "--raw", "-r", "-q", "1", ""][..],
        &["send", "-r", "-q", "1", ""],
        &["send", "-r", "-q", "1", "-n"],
    ] {
        b.mqq()
            .topic(&t)
            .args(["send", "-r", "-q", "1", "again"])
            .run()
            .expect_code(0);
        b.mqq().topic(&t).args(clear).run().expect_code(0);
        // The retained message is gone: nothing to receive.
        b.mqq()
            .topic(&t)
            .args(["receive", "-W", "500ms"])
            .run()
            .expect_code(1);
    }
}

#[test]
fn null_message_is_zero_bytes_and_quiet_drops_the_summary() {
    let b = Broker::start();
    let t = topic("null");
    let out = through_listener(
        b.mqq()
            .topic(&t)
            .args(["listen", "-n", "1", "--raw", "-F", "json"]),
        b.mqq().topic(&t).args(["send", "-n"]),
    );
    assert_eq!(out.json()["payload"], "", "no envelope around it");
    let t = topic("quiet");
    let bg = b.mqq().topic(&t).args(["listen", "-n", "2"]).spawn();
    let o = b.mqq().topic(&t).args(["--quiet", "send", "a", "b"]).run();
    o.expect(0, "");
    assert!(o.stderr.is_empty(), "--quiet: {}", o.stderr);
    bg.finish().expect(0, "a\nb\n");
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
