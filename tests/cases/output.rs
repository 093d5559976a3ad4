//! Output people ask for: templates (`-F '%t %p'`, compared with mosquitto_sub's `-F`),
//! `--pretty`, `-R/--no-retained`, `-N`, `listen -W`, mosquitto's letters (`send -m`,
//! `-C N`), and the end-of-command summaries.

use std::process::Command;
use std::time::Duration;

use super::durable_queue;
use crate::support::{caps, mosquitto_clients, once, topic, within, Broker};

#[test]
fn templates_write_fields_and_escapes() {
    let b = Broker::start();
    let t = topic("tpl");
    let listener = b
        .mqq()
        .topic(&t)
        .args([
            "listen",
            "-n",
            "2",
            "-F",
            r"%t|%p|%q|%r|%d|%l|%x|%i|%c|%T\t%%\0",
        ])
        .spawn();
    b.mqq()
        .topic(&t)
        .args([
            "send",
            "--message-id",
            "m-1",
            "--correlation-id",
            "c-1",
            "--type",
            "ty",
        ])
        .args(["héllo", "z"])
        .run()
        .expect_code(0);
    let want = format!(
        "{t}|héllo|1|0|0|6|68c3a96c6c6f|m-1|c-1|ty\t%\0\n{t}|z|1|0|0|1|7a|m-1|c-1|ty\t%\0\n"
    );
    listener.finish().expect_bytes(0, want.as_bytes());
    // -N: no newline; a bad placeholder is a usage error that lists the good ones.
    b.mqq()
        .topic(&t)
        .args(["send", "-r", "kept"])
        .run()
        .expect_code(0);
    b.mqq()
        .topic(&t)
        .args(["receive", "-N", "-F", "[%p/%r]"])
        .run()
        .expect_bytes(0, b"[kept/1]");
    b.mqq()
        .topic(&t)
        .args(["receive", "-F", "%z"])
        .run()
        .expect_code(2)
        .stderr_has("%z is not a placeholder")
        .stderr_has("%t topic");
    b.mqq()
        .topic(&t)
        .args(["send", "-r", "-n"])
        .run()
        .expect_code(0);
}

#[test]
fn templates_match_mosquitto_sub_on_the_same_message() {
    if !caps().runs_mosquitto_clients() || !mosquitto_clients() {
        // mosquitto_sub needs mosquitto's own client library and broker: this comparison runs
        // in the mosquitto pass of CI.
        return;
    }
    let b = Broker::start();
    let t = topic("tpl-mosq");
    b.mqq()
        .topic(&t)
        .args(["--raw", "send", "-r", "-q", "1", "h\u{e9}llo wörld"])
        .run()
        .expect_code(0);
    let template = "%t|%p|%q|%r|%l|%x|%X";
    let theirs = Command::new("mosquitto_sub")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &b.port.to_string(),
            "-t",
            &t,
            "-C",
            "1",
            "-q",
            "1",
        ])
        .args(["-F", template])
        .output()
        .unwrap();
    assert!(theirs.status.success());
    b.mqq()
        .topic(&t)
        .args(["--raw", "receive", "-F", template])
        .run()
        .expect_bytes(0, &theirs.stdout);
    b.mqq()
        .topic(&t)
        .args(["send", "-r", "-n"])
        .run()
        .expect_code(0);
}

#[test]
fn pretty_json_spans_lines_and_parses() {
    let b = Broker::start();
    let t = topic("pretty");
    b.mqq()
        .topic(&t)
        .args(["send", "-r", "x"])
        .run()
        .expect_code(0);
    let o = b.mqq().topic(&t).args(["receive", "--pretty"]).run();
    o.expect_code(0);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.lines().count() > 3, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (v["payload"].as_str(), v["retain"].as_bool()),
        (Some("x"), Some(true))
    );
    b.mqq()
        .topic(&t)
        .args(["send", "-r", "-n"])
        .run()
        .expect_code(0);
}

#[test]
fn no_retained_skips_the_retained_message_and_a_durable_queue_acks_it() {
    let b = Broker::start();
    let t = topic("no-retained");
    let id = crate::support::client_id("no-retained");
    b.mqq()
        .topic(&t)
        .args(["send", "-r", "old"])
        .run()
        .expect_code(0);
    // An ephemeral listener gets the retained message at subscribe; -R skips it.
    let listener = b.mqq().topic(&t).args(["listen", "-R", "-n", "1"]).spawn();
    b.mqq()
        .topic(&t)
        .args(["send", "live"])
        .run()
        .expect_code(0);
    listener.finish().expect(0, "live\n");
    // A new durable queue gets it too (retain flag set) and -R acknowledges it while
    // skipping it: it is not pending afterwards.
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-R", "-W", "500ms"])
        .run()
        .expect(1, "");
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "300ms"])
        .run()
        .expect(0, "0\n");
    // peek -R shows what is pending, not the retained message.
    b.mqq()
        .topic(&t)
        .args(["send", "queued"])
        .run()
        .expect_code(0);
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["peek", "-R", "-n", "5", "--wait", "300ms"])
        .run()
        .expect(0, "queued\n");
    b.mqq()
        .topic(&t)
        .args(["send", "-r", "-n"])
        .run()
        .expect_code(0);
}

#[test]
fn listen_w_bounds_the_whole_command_and_summaries_say_how_many() {
    let b = Broker::start();
    let t = topic("listen-w");
    // -W long enough to connect on a loaded machine (aedes under CI's parallel passes took
    // more than 500 ms), so that this part is about a listen that subscribed.
    within(Duration::from_secs(10), || {
        b.mqq().topic(&t).args(["listen", "-W", "2s"]).run()
    })
    .expect(0, "")
    .stderr_has("received 0 messages in");
    // Against a silent port, -W bounds the connect too.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    within(Duration::from_secs(5), || {
        crate::support::mqq()
            .uri(&format!("mqtt://127.0.0.1:{port}"))
            .topic(&t)
            .args(["listen", "-W", "1s"])
            .run()
    })
    .expect(0, "")
    // The summary says so even when the time ran out while connecting (a broker slow to
    // answer under load was the same: exit 0 and no summary line).
    .stderr_has("received 0 messages in");
    // send -m (repeatable, as mosquitto_pub), receive -C (as mosquitto_sub) and the summary.
    let (t, id) = durable_queue(&b, "letters");
    b.mqq()
        .topic(&t)
        .args(["send", "-m", "a", "-m", "b"])
        .run()
        .expect_code(0)
        .stderr_has("sent 2, acknowledged 2");
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-C", "2", "-W", "5s"])
        .run()
        .expect(0, "a\nb\n")
        .stderr_has("received 2 messages in");
    // --quiet drops it.
    b.mqq()
        .topic(&t)
        .args(["--quiet", "listen", "-W", "200ms"])
        .run()
        .expect(0, "")
        .stderr_lines(0);
}

#[test]
fn several_topics_make_one_subscription_for_the_receiving_verbs() {
    let b = Broker::start();
    let (a, c) = (topic("multi-a"), topic("multi-c"));
    let listener = b
        .mqq()
        .args(["-t", &a, "-t", &c, "listen", "-n", "2", "-F", "%t %p"])
        .spawn();
    b.mqq().topic(&a).args(["send", "one"]).run().expect_code(0);
    b.mqq().topic(&c).args(["send", "two"]).run().expect_code(0);
    listener
        .finish()
        .expect(0, &format!("{a} one\n{c} two\n"))
        .stderr_has(&format!("subscribed to \"{a}\", \"{c}\""));
    // A durable queue over both topics keeps what is sent to either.
    let id = crate::support::client_id("multi");
    let durable = || b.mqq().args(["-t", &a, "-t", &c]).id(&id);
    durable()
        .args(["count", "--wait", "200ms"])
        .run()
        .expect(0, "0\n");
    b.mqq().topic(&a).args(["send", "x"]).run().expect_code(0);
    b.mqq().topic(&c).args(["send", "y"]).run().expect_code(0);
    durable()
        .args(["count", "--wait", "300ms"])
        .run()
        .expect(0, "2\n");
    // send publishes to one topic.
    b.mqq()
        .args(["-t", &a, "-t", &c, "send", "z"])
        .run()
        .expect_code(2)
        .stderr_has("2 topics given");
    crate::support::mqq()
        .args(["-t", "a", "-t", "b", "config"])
        .run()
        .expect_code(0)
        .stdout_has("topic: a")
        .stdout_has("# more filters of the subscription (-t): b");
}

#[test]
fn a_group_name_with_a_level_separator_is_refused() {
    if !once() {
        return;
    }
    crate::support::mqq()
        .uri(&format!("mqtt://127.0.0.1:{}", crate::support::free_port()))
        .args(["-t", "x", "--group", "a/b", "receive"])
        .run()
        .expect_code(2)
        .stderr_has("--group name must be one topic level")
        .stderr_has("give --group a single level")
        .stderr_lines(1);
}

#[test]
fn a_topic_with_control_characters_is_escaped_on_stderr() {
    if !once() {
        return;
    }
    // mosquitto closes the connection of such a publish: the embedded broker carries it.
    let b = crate::support::Broker::embedded();
    let t = crate::support::topic("escape");
    let mut bg = b
        .mqq()
        .topic(&format!("{t}/#"))
        .args(["listen", "-v", "-n", "1", "--raw"])
        .spawn();
    let forged = format!("{t}/a\nmqq: error: forged\u{1b}[2J");
    crate::support::raw::publish(b.port, forged.as_bytes(), b"body");
    bg.wait_stderr("bytes=4");
    let o = bg.finish();
    o.expect(0, "body\n")
        .stderr_has(&format!("{t}/a\\nmqq: error: forged\\u{{1b}}[2J qos="));
    if o.stderr.lines().any(|l| l.starts_with("mqq: error")) || o.stderr.contains('\u{1b}') {
        o.fail("a raw control character reached stderr");
    }
}
