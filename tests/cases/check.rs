//! `mqq check` (the smoke check of a broker) and `mqq broker` (the embedded broker as a
//! command).

use std::time::Duration;

use crate::support::tls::{Pki, TlsBroker};
use crate::support::{free_port, mqq, once, within, Broker, BrokerOpts, Qos2, Window};

#[test]
fn check_embedded_needs_no_set_up_and_reports_every_step() {
    if !once() {
        return;
    }
    let o = mqq().args(["check", "--embedded"]).run();
    o.expect_code(0);
    for line in [
        "broker      mqtt://127.0.0.1:",
        "connect     ",
        "round trip  10/10 messages of 64 bytes at QoS 1: p50 ",
        "throughput  ",
        "retained    ok, kept and cleared",
        "durable     ok, kept while offline, delivered on reconnect",
    ] {
        o.stdout_has(line);
    }
    assert!(
        o.stdout.ends_with(b"\nok\n"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // One JSON object for machines.
    let o = mqq()
        .args([
            "check",
            "--embedded",
            "-n",
            "200",
            "--size",
            "1000",
            "-F",
            "json",
        ])
        .run();
    o.expect_code(0);
    let v = o.json();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["messages"]["sent"], 200, "{v}");
    assert_eq!(v["messages"]["received"], 200, "{v}");
    assert_eq!(v["messages"]["missing"], 0, "{v}");
    assert_eq!(v["messages"]["corrupted"], 0, "{v}");
    assert_eq!(v["size"], 1000, "{v}");
    assert!(v["latency_ms"]["p50"].as_f64().unwrap() <= v["latency_ms"]["max"].as_f64().unwrap());
    assert!(v["throughput_per_s"].as_f64().unwrap() > 0.0, "{v}");
    assert_eq!(v["retained"]["ok"], true, "{v}");
    assert_eq!(v["durable"]["ok"], true, "{v}");
}

#[test]
fn check_the_suite_broker_and_leave_nothing_behind() {
    let b = Broker::start();
    let t = crate::support::topic("check");
    let o = b
        .mqq()
        .topic(&t)
        .args(["check", "-n", "50", "-F", "json"])
        .run();
    o.expect_code(0);
    // CI keeps each pass's report (`MQQ_CHECK_REPORTS`, see .ci/run): a broker or mqq that
    // changes shows as a changed capability row.
    if let Some(dir) = std::env::var_os("MQQ_CHECK_REPORTS") {
        let file = std::path::Path::new(&dir).join(format!("check-{}.json", b.name()));
        std::fs::write(&file, &o.stdout).unwrap();
    }
    let v = o.json();
    assert_eq!(v["messages"]["received"], 50, "{v}");
    let version = if b.speaks_v5() { "5" } else { "3.1.1" };
    assert_eq!(v["protocol"], version, "{v}");
    // The retained probe was cleared: a subscriber to everything under the topic sees nothing.
    b.mqq()
        .topic(&format!("{t}/#"))
        .args(["receive", "-W", "300ms"])
        .run()
        .expect_code(1);
    // Steps can be skipped.
    b.mqq()
        .args(["check", "--no-retained", "--no-durable"])
        .run()
        .expect_code(0)
        .stdout_has("retained    skipped")
        .stdout_has("durable     skipped");
}

#[test]
fn check_fails_fast_with_the_usual_exit_codes() {
    let o = within(Duration::from_secs(3), || {
        mqq()
            .uri(&format!("mqtt://127.0.0.1:{}", free_port()))
            .args(["check"])
            .run()
    });
    o.expect_code(3).stderr_has("connection refused");
    let b = Broker::start_with(&BrokerOpts {
        users: vec![("ci".into(), "right".into())],
        ..BrokerOpts::default()
    });
    b.mqq()
        .args(["-u", "ci", "-P", "Wr0ngPa55", "check"])
        .run()
        .expect_code(4)
        .never_shows("Wr0ngPa55");
    b.mqq()
        .args(["-u", "ci", "-P", "right", "check", "-n", "5"])
        .run()
        .expect_code(0);
}

#[test]
fn check_over_tls() {
    let pki = Pki::new();
    let b = TlsBroker::start(&pki.server, None);
    b.mqq()
        .args(["--cafile", pki.ca.to_str().unwrap(), "check", "-n", "20"])
        .run()
        .expect_code(0)
        .stdout_has("broker      mqtts://127.0.0.1:")
        .stdout_has("20/20 messages");
}

#[test]
fn the_broker_command_serves_the_other_verbs_until_sigterm() {
    if !once() {
        return;
    }
    let (port, ws) = (free_port(), free_port());
    let broker = mqq()
        .args(["-p", &port.to_string()])
        .spawn_broker(&["--ws-port", &ws.to_string()]);
    let t = crate::support::topic("broker-cmd");
    let id = crate::support::client_id("broker-cmd");
    // The same -p reaches it; a durable queue keeps what is sent while offline.
    let here = || mqq().args(["-p", &port.to_string()]).topic(&t);
    here()
        .id(&id)
        .args(["count", "--wait", "200ms"])
        .run()
        .expect(0, "0\n");
    here().args(["send", "kept"]).run().expect_code(0);
    // Over WebSockets too.
    mqq()
        .uri(&format!("ws://localhost:{ws}/mqtt"))
        .topic(&t)
        .id(&id)
        .args(["receive", "-W", "5s"])
        .run()
        .expect(0, "kept\n");
    broker.terminate();
    let o = broker.finish();
    o.expect_code(0).stdout_has(&format!(
        "mqtt://localhost:{port}\nws://localhost:{ws}/mqtt\n"
    ));
    // A port in use: exit 2 and what to do.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let p = taken.local_addr().unwrap().port().to_string();
    mqq()
        .args(["-h", "127.0.0.1", "-p", &p, "broker"])
        .run()
        .expect_code(2)
        .stderr_has("could not listen")
        .stderr_has("-p");
}

/// What the suite's broker is known to do, row by row (README, "Brokers: where they differ").
#[test]
fn check_reports_what_the_suite_broker_supports() {
    let b = Broker::start();
    let o = b
        .mqq()
        .topic(&crate::support::topic("caps"))
        .args(["check", "-F", "json", "--max-size", "256K"])
        .run();
    o.expect_code(0);
    let v = o.json();
    let caps = &v["capabilities"];
    let status = |name: &str| caps[name]["status"].as_str().unwrap_or("absent").to_owned();
    let yes_if = |b: bool| if b { "supported" } else { "not supported" };
    assert_eq!(status("mqtt311"), yes_if(b.speaks_v311()), "{caps}");
    assert_eq!(status("mqtt5"), yes_if(b.speaks_v5()), "{caps}");
    for name in [
        "qos0",
        "qos1",
        "retained",
        "wildcard-plus",
        "wildcard-hash",
        "durable",
    ] {
        assert_eq!(status(name), "supported", "{name}: {caps}");
    }
    // NATS closes the connection at a QoS 2 publish; RabbitMQ delivers it at QoS 1.
    assert_eq!(status("qos2"), yes_if(b.qos2() == Qos2::Yes), "{caps}");
    if b.qos2() == Qos2::AsQos1 {
        assert_eq!(caps["qos2"]["value"]["delivered_qos"], 1, "{caps}");
    }
    assert_eq!(status("shared"), yes_if(b.shares()), "{caps}");
    if !b.shares() {
        assert!(
            caps["shared"]["detail"]
                .as_str()
                .unwrap()
                .starts_with("none"),
            "{caps}"
        );
    }
    // The window of a resumed MQTT 3.1.1 session, measured.
    let window = || caps["window"]["value"].as_u64().unwrap();
    match b.window() {
        Window::Of(n) => assert_eq!(window(), n as u64, "{caps}"),
        Window::Unbounded => assert!(window() >= 1100, "{caps}"),
        Window::NotSpoken => assert_eq!(status("window"), "not measured", "{caps}"),
    }
    assert_eq!(caps["max-payload"]["value"], 256 * 1024, "{caps}");
    // CONNACK rows: only an MQTT 5 connection has them.
    let connack = status("topic-alias-max");
    if b.speaks_v5() {
        assert_ne!(connack, "not measured", "{caps}");
    } else {
        assert_eq!(connack, "not measured", "{caps}");
    }
    // The text report has a row per capability.
    let o = b.mqq().args(["check", "--max-size", "4K"]).run();
    o.expect_code(0)
        .stdout_has("capabilities\n  mqtt5 ")
        .stdout_has("\n  max-payload         supported      4 KiB (all sizes up to --max-size)\n");
    // And none with --no-capabilities.
    let o = b
        .mqq()
        .args(["check", "--no-capabilities", "-F", "json"])
        .run();
    o.expect_code(0);
    assert_eq!(o.json()["capabilities"], serde_json::json!({}));
}

/// A broker that refuses large packets: the largest payload that round-trips, and why the
/// next did not.
#[test]
fn check_finds_the_largest_payload_a_broker_takes() {
    let Some(b) = Broker::mosquitto_with(&BrokerOpts {
        conf: vec!["max_packet_size 100000".into()],
        ..BrokerOpts::default()
    }) else {
        return;
    };
    let o = b.mqq().args(["-V", "3.1.1", "check", "-F", "json"]).run();
    o.expect_code(0);
    let row = &o.json()["capabilities"]["max-payload"];
    assert_eq!(row["status"], "supported", "{row}");
    assert_eq!(row["value"], 64 * 1024, "{row}");
    assert!(row["detail"].as_str().unwrap().contains("128 KiB"), "{row}");
}

#[test]
fn a_crossed_threshold_is_exit_1_with_the_value_and_the_limit_on_one_line() {
    let b = Broker::start();
    let check = |args: &[&str]| {
        b.mqq()
            .args(["check", "--no-capabilities", "-n", "20"])
            .args(args)
            .run()
    };
    // Within every limit: exit 0, each threshold an "ok" row.
    check(&[
        "--max-connect",
        "1m",
        "--max-p50",
        "1m",
        "--max-p99",
        "1m",
        "--min-rate",
        "0.001",
    ])
    .expect_code(0)
    .stdout_has("threshold   --max-p99 p99: ")
    .stdout_has("(limit 60.00 s) ok\n");
    let o = check(&["--max-p99", "1ns"]);
    o.expect_code(1);
    let line = o
        .text()
        .lines()
        .find(|l| l.starts_with("FAILED: p99 "))
        .map_or_else(|| panic!("{}", o.text()), str::to_owned);
    assert!(line.ends_with(" over --max-p99 0.0 µs"), "{line}");
    check(&["--min-rate", "1e12"])
        .expect_code(1)
        .stdout_has(" msg/s, under --min-rate 1000000000000 msg/s\n");
    check(&["--max-connect", "1ns"])
        .expect_code(1)
        .stdout_has("FAILED: connect ");
    // --require: a capability not measured (skipped) or not supported fails.
    check(&["--require", "qos1"])
        .expect_code(1)
        .stdout_has("FAILED: --require qos1: not measured (--no-capabilities)\n");
    b.mqq()
        .args(["check", "--require", "qos1", "--require", "retained"])
        .run()
        .expect_code(0);
    let missing = if b.speaks_v5() { None } else { Some("mqtt5") };
    if let Some(cap) = missing {
        b.mqq()
            .args(["check", "--require", cap])
            .run()
            .expect_code(1)
            .stdout_has(&format!("FAILED: --require {cap}: not supported ("));
    }
    // JSON carries each threshold with its numbers.
    let o = check(&["--max-p50", "1ns", "-F", "json"]);
    o.expect_code(1);
    let v = o.json();
    assert_eq!(v["ok"], false, "{v}");
    let t = &v["thresholds"][0];
    assert_eq!(t["flag"], "--max-p50", "{v}");
    assert_eq!(t["ok"], false, "{v}");
    assert!(t["measured"].as_f64().unwrap() > 0.0, "{v}");
    // A bad capability name is a usage error naming the flag.
    b.mqq()
        .args(["check", "--require", "teleport"])
        .run()
        .expect_code(2)
        .stderr_has("--require");
}

#[test]
fn nagios_status_line_perfdata_and_exit_codes() {
    let b = Broker::start();
    let o = b
        .mqq()
        .args(["check", "--no-capabilities", "-F", "nagios"])
        .run();
    o.expect_code(0);
    let line = o.text();
    assert!(
        line.starts_with("MQQ CHECK OK - mqtt://127.0.0.1:"),
        "{line}"
    );
    assert_eq!(line.lines().count(), 1, "{line}");
    let (_, perf) = line.split_once(" | ").unwrap();
    for label in ["'connect'=", "'p50'=", "'p99'=", "'rate'=", "'missing'=0;"] {
        assert!(perf.contains(label), "{label}: {perf}");
    }
    // CRITICAL (2) for a crossed threshold, its limit in the perfdata.
    let o = b
        .mqq()
        .args([
            "check",
            "--no-capabilities",
            "-F",
            "nagios",
            "--max-p99",
            "1ns",
        ])
        .run();
    o.expect_code(2);
    assert!(
        o.text().starts_with("MQQ CHECK CRITICAL - p99 "),
        "{}",
        o.text()
    );
    assert!(o.text().contains("'p99'="), "{}", o.text());
    // CRITICAL too when nothing listens: one status line, no error on stderr.
    let o = mqq()
        .uri(&format!("mqtt://127.0.0.1:{}", free_port()))
        .args(["check", "-F", "nagios"])
        .run();
    o.expect_code(2);
    assert!(
        o.text()
            .starts_with("MQQ CHECK CRITICAL - mqtt://127.0.0.1:"),
        "{}",
        o.text()
    );
    assert!(o.text().contains("connection refused"), "{}", o.text());
}

#[test]
fn junit_report_has_a_testcase_per_step_capability_and_threshold() {
    let b = Broker::start();
    let o = b
        .mqq()
        .args([
            "check",
            "-F",
            "junit",
            "--max-size",
            "4K",
            "--max-p99",
            "1ns",
        ])
        .run();
    o.expect_code(1);
    let text = o.text();
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1, "{text}");
    let cases: Vec<_> = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let names: Vec<&str> = cases.iter().filter_map(|c| c.attribute("name")).collect();
    for want in [
        "connect",
        "round trip",
        "retained",
        "durable",
        "capability qos1",
        "capability shared",
        "threshold --max-p99 p99",
    ] {
        assert!(names.contains(&want), "{want}: {names:?}");
    }
    assert_eq!(
        suites[0].attribute("tests"),
        Some(cases.len().to_string().as_str())
    );
    let failed: Vec<&str> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .filter_map(|c| c.attribute("name"))
        .collect();
    assert_eq!(failed, ["threshold --max-p99 p99"], "{text}");
    assert_eq!(suites[0].attribute("failures"), Some("1"), "{text}");
}

#[test]
fn check_warns_when_the_server_certificate_expires_soon() {
    let pki = Pki::new();
    let b = TlsBroker::start(&pki.expiring, None);
    let ca = pki.ca.to_str().unwrap();
    let check = |args: &[&str]| {
        b.mqq()
            .args(["--cafile", ca, "check", "--no-capabilities", "-n", "5"])
            .args(args)
            .run()
    };
    let o = check(&["--warn-expiry", "30d"]);
    o.expect_code(1)
        .stdout_has("certificate 9.")
        .stdout_has(" days left, under --warn-expiry 30.0 days\n");
    check(&["--warn-expiry", "5d"])
        .expect_code(0)
        .stdout_has("threshold   --warn-expiry certificate: 9.");
    // Nagios: WARNING (1), the days left in the perfdata.
    let o = check(&["--warn-expiry", "30d", "-F", "nagios"]);
    o.expect_code(1);
    assert!(
        o.text().starts_with("MQQ CHECK WARNING - certificate 9."),
        "{}",
        o.text()
    );
    assert!(o.text().contains("'cert_days'=9."), "{}", o.text());
    let o = check(&["-F", "json"]);
    o.expect_code(0);
    let days = o.json()["certificate"]["days_left"].as_f64().unwrap();
    assert!((9.0..=10.0).contains(&days), "{days}");
}

/// Several addresses: each node checked, and a round trip from each to the next. Two
/// separate brokers are no cluster: their cross-node trips fail, and the check with them.
#[test]
fn check_every_node_and_across_them() {
    if !once() {
        return; // the nodes here are their own brokers: once, in the hermetic pass
    }
    let (one, two) = (Broker::start(), Broker::start());
    let both = format!("{},{}", one.uri(), two.uri());
    let o = mqq()
        .uri(&both)
        .args(["check", "--no-capabilities", "-W", "1s", "-F", "json"])
        .run();
    o.expect_code(1);
    let v = o.json();
    assert_eq!(v["nodes"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["nodes"][0]["ok"], true, "{v}");
    assert_eq!(v["nodes"][1]["ok"], true, "{v}");
    assert_eq!(v["cross_node"][0]["ok"], false, "{v}");
    assert_eq!(v["ok"], false, "{v}");
    // A node down: its row says why, and the exit code is the connection's (3).
    let down = format!("{},mqtt://127.0.0.1:{}", one.uri(), free_port());
    let o = mqq()
        .uri(&down)
        .args(["check", "--no-capabilities", "-W", "1s"])
        .run();
    o.expect_code(3).stdout_has("FAILED: could not connect");
    // A real cluster: every node and every cross-node trip pass.
    let Some(c) = crate::support::nats::NatsCluster::start(3) else {
        return;
    };
    let all = format!("{},{},{}", c.uri(0), c.uri(1), c.uri(2));
    let o = mqq()
        .uri(&all)
        .args(["check", "--no-capabilities", "-F", "json"])
        .run();
    o.expect_code(0);
    let v = o.json();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["cross_node"].as_array().unwrap().len(), 3, "{v}");
}

/// The CONNACK's limits as mosquitto 2.0.11 sends them (topic alias maximum 10 always; the
/// Receive Maximum, Maximum Packet Size, Maximum QoS when configured).
#[test]
fn check_reads_the_limits_of_an_mqtt_5_connack() {
    let Some(b) = Broker::mosquitto_with(&BrokerOpts {
        conf: vec![
            "max_inflight_messages 7".into(),
            "max_packet_size 2000000".into(),
            "max_qos 1".into(),
        ],
        ..BrokerOpts::default()
    }) else {
        return;
    };
    let o = b.mqq().args(["-V", "5", "check", "-F", "json"]).run();
    o.expect_code(0);
    let caps = &o.json()["capabilities"];
    assert_eq!(caps["topic-alias-max"]["status"], "supported", "{caps}");
    assert_eq!(caps["topic-alias-max"]["value"], 10, "{caps}");
    assert_eq!(caps["receive-maximum"]["value"], 7, "{caps}");
    assert_eq!(caps["max-packet-size"]["value"], 2_000_000, "{caps}");
    assert_eq!(caps["max-qos"]["value"], 1, "{caps}");
    for name in [
        "receive-maximum",
        "max-packet-size",
        "max-qos",
        "topic-alias-max",
    ] {
        assert_eq!(
            caps[name]["detail"], "said in the CONNACK",
            "{name}: {caps}"
        );
    }
    assert_eq!(caps["retain-available"]["value"], true, "{caps}");
}

/// rumqttd's MQTT 5 listener (the embedded broker's `v5` port): what `check` finds there.
#[test]
fn check_rumqttd_over_mqtt_5() {
    if !once() {
        return;
    }
    let (_broker, uri) = crate::support::mqtt5_listener();
    let o = mqq()
        .uri(&uri)
        .args(["check", "-F", "json", "--max-size", "64K", "-W", "3s"])
        .run();
    o.expect_code(0);
    let v = o.json();
    assert_eq!(v["protocol"], "5", "{v}");
    let caps = &v["capabilities"];
    for name in [
        "mqtt5",
        "qos0",
        "qos1",
        "qos2",
        "retained",
        "wildcard-plus",
        "shared",
        "durable",
    ] {
        assert_eq!(caps[name]["status"], "supported", "{name}: {caps}");
    }
    // Its v5 listener closes an MQTT 3.1.1 CONNECT, so the 3.1.1 window is not measured.
    assert_eq!(caps["mqtt311"]["status"], "not supported", "{caps}");
    assert_eq!(caps["window"]["status"], "not measured", "{caps}");
    assert_eq!(caps["max-payload"]["value"], 64 * 1024, "{caps}");
}

/// A broker that leaves an MQTT 5 CONNECT unanswered (amqtt 0.12): `-V auto` pays the 3 s
/// probe on check's first connection only; the other steps speak the MQTT 3.1.1 it found
/// (each paid it: a first check of amqtt took 97 s). The MQTT 5 row still asks, and says no.
#[test]
fn check_pays_the_mqtt_5_probe_once_per_node() {
    if !once() {
        return;
    }
    let b = Broker::start();
    if !b.speaks_v311() {
        return;
    }
    let port = crate::support::fake::front(b.port, crate::support::fake::Behaviour::IgnoreV5);
    // A state of its own: a record of an earlier check would skip MQTT 5 from the start.
    let state = tempfile::tempdir().unwrap();
    let o = mqq()
        .uri(&format!("mqtt://127.0.0.1:{port}"))
        .topic(&crate::support::topic("check-auto"))
        .args(["-v", "check", "-n", "5", "--max-size", "4K", "-F", "json"])
        .env("XDG_STATE_HOME", state.path().to_str().unwrap())
        .run();
    o.expect_code(0);
    assert_eq!(
        o.stderr.matches("trying MQTT 3.1.1").count(),
        1,
        "{}",
        o.stderr
    );
    let caps = &o.json()["capabilities"];
    assert_eq!(caps["mqtt5"]["status"], "not supported", "{caps}");
    assert_eq!(caps["mqtt311"]["status"], "supported", "{caps}");
}
