//! Capture and replay: what `listen -F json` writes, `send --ndjson` publishes again, each
//! message to its own topic, envelopes and binary payloads intact.

use crate::support::{topic, Broker};

/// Plain lines in the capture, besides the few special messages.
const BULK: usize = 10_000;

#[test]
fn a_capture_replays_to_the_same_json() {
    let b = Broker::start();
    let base = topic("capture");
    let all = format!("{base}/#");
    // A message with MQTT 5 properties, where they travel.
    let n = BULK + if b.speaks_v5() { 4 } else { 3 };
    let capture = |b: &Broker| {
        b.mqq()
            .topic(&all)
            .args(["listen", "-n", &n.to_string(), "-F", "json"])
            .spawn()
    };
    let first = capture(&b);
    b.mqq()
        .topic(&format!("{base}/a"))
        .args([
            "send",
            "--message-id",
            "m1",
            "--correlation-id",
            "c1",
            "--type",
            "t1",
            "héllo",
        ])
        .run()
        .expect_code(0);
    let binary: Vec<u8> = (0..=255u8).collect();
    b.mqq()
        .topic(&format!("{base}/b/deep"))
        .args(["--raw", "send", "-f", "-"])
        .stdin(binary)
        .run()
        .expect_code(0);
    b.mqq()
        .topic(&format!("{base}/c"))
        .args(["--raw", "send", "plain text"])
        .run()
        .expect_code(0);
    if b.speaks_v5() {
        b.mqq()
            .topic(&format!("{base}/d"))
            .args([
                "send",
                "--property",
                "k=v",
                "--content-type",
                "text/plain",
                "with props",
            ])
            .run()
            .expect_code(0);
    }
    b.mqq()
        .topic(&format!("{base}/bulk"))
        .args(["--raw", "--quiet", "send", "-l"])
        .stdin((1..=BULK).map(|i| format!("{i}\n")).collect::<String>())
        .run()
        .expect_code(0);
    let captured = first.finish();
    captured.expect_code(0);
    let text = String::from_utf8(captured.stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), n, "{text}");
    assert!(text.contains("\"payload_encoding\":\"base64\""), "{text}");
    // Replay (no -t needed: every line names its topic) into a second capture.
    let second = capture(&b);
    b.mqq()
        .args(["--quiet", "send", "--ndjson"])
        .stdin(text.clone())
        .run()
        .expect_code(0);
    let again = second.finish();
    again.expect_code(0);
    let mut a: Vec<&str> = text.lines().collect();
    let again_text = String::from_utf8(again.stdout.clone()).unwrap();
    let mut c: Vec<&str> = again_text.lines().collect();
    a.sort_unstable();
    c.sort_unstable();
    assert_eq!(a, c);
}

#[test]
fn a_bad_line_stops_the_replay_and_names_the_line() {
    let b = Broker::start();
    let t = topic("replay-bad");
    let lines = format!(
        "{{\"topic\":\"{t}\",\"payload\":\"one\"}}\nnot json\n{{\"topic\":\"{t}\",\"payload\":\"three\"}}\n"
    );
    b.mqq()
        .args(["--raw", "send", "--ndjson"])
        .stdin(lines.clone())
        .run()
        .expect_code(2)
        .stderr_has("--ndjson line 2: not JSON")
        .stderr_has("1 message before it was sent");
    b.mqq()
        .args(["--raw", "send", "--ndjson", "--skip-bad"])
        .stdin(lines)
        .run()
        .expect_code(0)
        .stderr_has("skipped --ndjson line 2");
}
