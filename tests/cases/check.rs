//! `mqq check` (the smoke check of a broker) and `mqq broker` (the embedded broker as a
//! command).

use std::time::Duration;

use crate::support::tls::{Pki, TlsBroker};
use crate::support::{free_port, kind, mqq, within, Broker, BrokerOpts};

#[test]
fn check_embedded_needs_no_set_up_and_reports_every_step() {
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
        let file = std::path::Path::new(&dir).join(format!("check-{}.json", kind().name()));
        std::fs::write(&file, &o.stdout).unwrap();
    }
    let v = o.json();
    assert_eq!(v["messages"]["received"], 50, "{v}");
    let version = if kind().speaks_v5() { "5" } else { "3.1.1" };
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
    let (port, ws) = (free_port(), free_port());
    let mut broker = mqq()
        .args([
            "-p",
            &port.to_string(),
            "broker",
            "--ws-port",
            &ws.to_string(),
        ])
        .spawn_connecting();
    broker.wait_stderr("broker listening on");
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
