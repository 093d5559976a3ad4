//! The newcomer's traps (issue 23): what a first user meets on the README's first commands,
//! each replayed as written.

use super::{durable_queue_at, numbers};
use crate::support::{free_port, mqq, once, topic, Broker, Mqq};

/// `mqq` against `b` that remembers peeks and counts in `state` (as a user's ~/.local/state).
fn remembering(b: &Broker, state: &tempfile::TempDir) -> Mqq {
    b.mqq()
        .env("XDG_STATE_HOME", state.path().to_str().unwrap())
}

/// After `clear`, `work` or `move` emptied a queue that a count had seen, the next count is
/// an exact `0`: they update the state file as receive does.
#[test]
fn count_after_clear_work_or_move_is_exact() {
    let b = Broker::start();
    let state = tempfile::tempdir().unwrap();
    let at = || remembering(&b, &state);
    for how in ["clear", "work", "move"] {
        let (t, id) = durable_queue_at(at(), &format!("after-{how}"));
        at().topic(&t)
            .args(["send", "-q", "1", "-l"])
            .stdin(numbers(3))
            .run()
            .expect_code(0);
        at().topic(&t)
            .id(&id)
            .args(["count", "--wait", "1s"])
            .run()
            .expect(0, "3\n");
        let emptied = match how {
            "clear" => at().topic(&t).id(&id).arg("clear").run(),
            "work" => at()
                .topic(&t)
                .id(&id)
                .args(["work", "-n", "3", "--", "cat"])
                .run(),
            _ => at()
                .topic(&t)
                .id(&id)
                // NATS gives the counted messages back only after its ack_wait.
                .args([
                    "move",
                    "--to",
                    &topic("moved-away"),
                    "--wait",
                    super::requeue_wait(),
                ])
                .run(),
        };
        emptied.expect_code(0);
        let o = at()
            .topic(&t)
            .id(&id)
            .args(["count", "--wait", "300ms"])
            .run();
        o.expect(0, "0\n");
        assert!(!o.stderr.contains("warning"), "{how}: {}", o.stderr);
    }
}

/// On `mqq broker` a count is exact up to its window (100), and says `100+` past it.
#[test]
fn count_on_mqq_broker_is_exact() {
    if !once() {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let port = free_port().to_string();
    let here = || {
        mqq()
            .env("XDG_STATE_HOME", state.path().to_str().unwrap())
            .args(["-p", &port])
    };
    let broker = here().spawn_broker(&[]);
    let (t, id) = durable_queue_at(here(), "embedded-count");
    here()
        .topic(&t)
        .args(["--quiet", "send", "-l"])
        .stdin(numbers(50))
        .run()
        .expect_code(0);
    let o = here()
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "1s"])
        .run();
    o.expect(0, "50\n");
    assert_eq!(o.stderr, "", "an exact count needs no words");
    here()
        .topic(&t)
        .args(["--quiet", "send", "-l"])
        .stdin(numbers(100))
        .run()
        .expect_code(0);
    here()
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "1s"])
        .run()
        .expect(0, "100+\n")
        .stderr_has("at most 100");
    broker.terminate();
    broker.finish().expect_code(0);
}

/// The README's opening order (send, then receive) gets nothing: receive says why, for an
/// ephemeral queue and for a durable queue it just created.
#[test]
fn a_receive_that_got_nothing_says_why() {
    let b = Broker::start();
    let t = topic("send-first");
    b.mqq().topic(&t).args(["send", "hi"]).run().expect_code(0);
    // The hints need the subscription answered within -W: RabbitMQ under CI's load took
    // over 300 ms (the summary then says "still subscribing", another case's words).
    b.mqq()
        .topic(&t)
        .args(["receive", "-W", "3s"])
        .run()
        .expect(1, "")
        .stderr_has("received 0 of 1")
        .stderr_has("ephemeral: it gets only messages sent while it runs")
        .stderr_has("-i ID");
    let id = crate::support::client_id("send-first");
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-W", "3s"])
        .run()
        .expect(1, "")
        .stderr_has("had no session at the broker")
        .stderr_has("keeps what is sent from now on");
    // Now the queue exists: what is sent is kept, and an empty queue needs no hint.
    b.mqq()
        .topic(&t)
        .args(["send", "kept"])
        .run()
        .expect_code(0);
    b.mqq()
        .topic(&t)
        .id(&id)
        .arg("receive")
        .run()
        .expect(0, "kept\n");
    let o = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-W", "300ms"])
        .run();
    o.expect(1, "");
    assert!(!o.stderr.contains("hint"), "{}", o.stderr);
}

/// Two nodes both down: both are named, each with why, and the exit is 3.
#[test]
fn every_node_that_refused_is_named() {
    if !once() {
        return;
    }
    let (a, b) = (free_port(), free_port());
    let o = mqq()
        .args(["-L", &format!("mqtt://127.0.0.1:{a}"), "-L"])
        .arg(format!("mqtt://127.0.0.1:{b}"))
        .topic("x")
        .args(["send", "hi"])
        .run();
    o.expect(3, "").stderr_has(&format!(
        "none of 2 addresses accepted: mqtt://127.0.0.1:{a} (connection refused); \
         mqtt://127.0.0.1:{b} (connection refused)"
    ));
    o.stderr_lines(1);
}

/// What mosquitto's and NATS's users type gets a tip naming mqq's way, on one line, exit 2.
#[test]
fn mosquitto_habits_get_a_tip() {
    if !once() {
        return;
    }
    for (line, says) in [
        ("-t a pub hi", "mqq publishes with send"),
        ("-t a publish hi", "mqq publishes with send"),
        ("-t a sub", "mqq subscribes with listen"),
        ("-t a subscribe", "mqq subscribes with listen"),
        ("listen orders", "the topic is a flag: mqq -t orders listen"),
        ("-t a send -s", "reads all of stdin as one message"),
        ("-t a -s send", "reads all of stdin as one message"),
        ("-t a listen -c", "durable sessions come from -i ID"),
        ("-t a listen -d", "use -vv"),
        ("-t a -k 5 listen", "options.keepalive_timeout"),
        ("-t a send -F json", "send has no -F"),
        ("completions", "were not provided: <SHELL>; see --help"),
        ("-t a receive -n 0", "'0' for '--count <N>': use 1 or more"),
    ] {
        let o = mqq().args(line.split(' ')).run();
        o.expect(2, "").stderr_has(says).stderr_lines(1);
        assert!(!o.stderr.contains("'-- -"), "{line}: {}", o.stderr);
    }
    // mosquitto's --id is -i's long name too.
    mqq()
        .args(["-t", "a", "--id", "w1", "config"])
        .run()
        .stdout_has("client_id: w1  # flag --client-id");
}

/// A verb's -F, -n and -W may come before it, as connection flags may.
#[test]
fn verb_flags_before_the_verb() {
    let b = Broker::start();
    let t = topic("hoisted");
    let listener = b
        .mqq()
        .topic(&t)
        .args(["-F", "%t %p", "-n", "2", "-W", "20s", "listen"])
        .spawn();
    b.mqq()
        .topic(&t)
        .args(["send", "one", "two"])
        .run()
        .expect_code(0);
    listener.finish().expect(0, &format!("{t} one\n{t} two\n"));
    // Before send, -n is send's own switch: an empty message.
    let (t2, id) = durable_queue_at(b.mqq(), "hoisted-null");
    b.mqq().topic(&t2).args(["-n", "send"]).run().expect_code(0);
    b.mqq()
        .topic(&t2)
        .id(&id)
        .args(["-F", "%l", "receive"])
        .run()
        .expect(0, "0\n");
}

/// `--help` of a verb: its own options first, then the global ones under headings, without
/// those that do nothing for it; completions offer the values of -F, -V, -q and
/// --envelope-version.
#[test]
fn help_and_completions_are_per_verb() {
    if !once() {
        return;
    }
    let help = mqq().args(["send", "--help"]).run().text();
    let at = |needle: &str| {
        help.find(needle)
            .unwrap_or_else(|| panic!("send --help lacks {needle:?}:\n{help}"))
    };
    assert!(at("--repeat <N>") < at("\nQueue:\n"));
    assert!(at("\nQueue:\n") < at("\nConnection:\n"));
    assert!(at("\nConnection:\n") < at("\nTLS:\n"));
    assert!(at("\nTLS:\n") < at("\nConfig:\n"));
    assert!(!help.contains("--group"), "send has no use for --group");
    assert!(
        !help.contains("--client-id"),
        "send connects with its own id"
    );
    let listen = mqq().args(["listen", "--help"]).run().text();
    assert!(listen.contains("--group") && listen.contains("--client-id"));
    let bash = mqq().args(["completions", "bash"]).run().text();
    for values in [
        "\"text raw json\"",
        "\"3.1.1 5 auto\"",
        "\"0 1 2\"",
        "\"3 4 both\"",
    ] {
        assert!(bash.contains(values), "bash completion lacks {values}");
    }
}

/// `%I` and `%j` as mosquitto_sub writes them (its manual's forms).
#[test]
fn receive_time_and_json_templates_are_mosquitto_sub_s() {
    let b = Broker::start();
    let (t, id) = durable_queue_at(b.mqq(), "mosq-letters");
    b.mqq()
        .topic(&t)
        .args(["--raw", "send", "hi"])
        .run()
        .expect_code(0);
    let o = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["--raw", "receive", "-F", "%I|%j"])
        .run();
    o.expect_code(0);
    let text = o.text();
    let (iso, json) = text.trim_end().split_once('|').unwrap();
    // 2016-08-10T09:47:38+0100
    let shape: String = iso
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect();
    assert_eq!(shape, "9999-99-99T99:99:99+9999", "{iso}");
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        &keys[..7],
        [
            "tst",
            "topic",
            "qos",
            "retain",
            "payloadlen",
            "mid",
            "payload"
        ],
        "{json}"
    );
    assert_eq!(v["retain"], 0);
    assert_eq!(v["payloadlen"], 2);
    assert_eq!(v["payload"], "hi");
}

/// A summary of a handful of messages has no rate (it would measure one round trip); from
/// ten on it has. `MQQ_ENVELOPE=false` is `--raw`.
#[test]
fn rates_from_ten_messages_and_raw_from_the_environment() {
    let b = Broker::start();
    let (t, id) = durable_queue_at(b.mqq(), "rates");
    let sent = b.mqq().topic(&t).args(["send", "a", "b"]).run();
    sent.expect_code(0).stderr_has("sent 2, acknowledged 2 in ");
    assert!(!sent.stderr.contains("msg/s"), "{}", sent.stderr);
    let sent = b
        .mqq()
        .topic(&t)
        .env("MQQ_ENVELOPE", "false")
        .args(["send", "-l"])
        .stdin(numbers(10))
        .run();
    sent.expect_code(0).stderr_has("msg/s");
    let got = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["--raw", "receive", "-n", "12"])
        .run();
    let text = got.text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("{\"") && lines[1].starts_with("{\""),
        "{text}"
    );
    assert_eq!(lines[2..].join("\n") + "\n", numbers(10), "bare bytes");
    got.expect_code(0).stderr_has("msg/s");
}

/// A broker that never answers: every one-shot verb gives up within its -W (or the connect
/// timeout it sets), exit 3, naming the wait.
#[test]
fn a_broker_that_never_answers_gets_exit_3_within_the_bound() {
    if !once() {
        return;
    }
    let silent = crate::support::silent_server();
    let uri = format!("mqtt://{}", silent.local_addr().unwrap());
    for verb in [
        &["send", "-W", "1s", "hi"][..],
        &["-W", "1s", "send", "hi"],
        &["count", "-W", "1s"],
        &["peek", "-W", "1s"],
        &["receive", "-W", "1s"],
        &["listen", "-W", "1s"],
        &["--set", "options.connect_timeout=1s", "clear"],
    ] {
        let o = crate::support::within(std::time::Duration::from_secs(5), || {
            mqq().uri(&uri).topic("x").id("c").args(verb).run()
        });
        if verb[0] == "listen" {
            // listen's -W is its whole run, and a run that ends on it succeeds.
            o.expect_code(0);
        } else {
            o.expect(3, "")
                .stderr_has("no answer within 1s")
                .stderr_has("allow more time: -W, or --set options.connect_timeout=MS");
        }
    }
}

/// Ctrl-C during `receive -n 5`: what arrived is printed and acknowledged, the summary says
/// how many of 5, and the exit is the shell's for SIGINT (130; SIGTERM 143).
#[test]
fn ctrl_c_during_receive_says_how_many_and_exits_130() {
    let b = Broker::start();
    let (t, id) = durable_queue_at(b.mqq(), "interrupted-receive");
    for (stop, code) in [("INT", 130), ("TERM", 143)] {
        let mut bg = b
            .mqq()
            .topic(&t)
            .id(&id)
            .args(["receive", "-n", "5", "-W", "60s"])
            .spawn();
        b.mqq()
            .topic(&t)
            .args(["send", "one", "two"])
            .run()
            .expect_code(0);
        bg.wait_stderr_times("bytes=", 2);
        if stop == "INT" {
            bg.interrupt();
        } else {
            bg.terminate();
        }
        let signal = if stop == "INT" { "Ctrl-C" } else { "SIGTERM" };
        bg.finish()
            .expect(code, "one\ntwo\n")
            .stderr_has(&format!("interrupted ({signal}): received 2 of 5 messages"));
    }
    // Both runs acknowledged what they printed: nothing is left.
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "300ms"])
        .run()
        .expect(0, "0\n");
}

/// Ctrl-C during `send -l`: what was published is acknowledged first, the summary says
/// "acknowledged K of N" and where to resume, exit 130.
#[test]
fn ctrl_c_during_send_lines_says_how_far_it_got_and_exits_130() {
    use std::io::Write as _;
    let b = Broker::start();
    let t = topic("interrupted-send");
    let listener = b.mqq().topic(&t).args(["listen", "-n", "3"]).spawn();
    let mut send = b
        .mqq()
        .topic(&t)
        .args(["send", "-l"])
        .command()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = send.stdin.take().unwrap();
    stdin.write_all(b"1\n2\n3\n").unwrap();
    stdin.flush().unwrap();
    // The listener got all three: they were published; stdin stays open, as at a terminal.
    listener.finish().expect(0, "1\n2\n3\n");
    std::process::Command::new("kill")
        .args(["-INT", &send.id().to_string()])
        .status()
        .unwrap();
    let out = send.wait_with_output().unwrap();
    drop(stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted (Ctrl-C): sent 3, acknowledged 3 of 3 in "),
        "{stderr}"
    );
    assert!(stderr.contains("resume with `tail -n +4`"), "{stderr}");
}

/// mosquitto_sub's `-v` (topic and payload on stdout) is `-F '%t %p'`; mqq's `-v` keeps stdout
/// for messages alone, and both helps say so.
#[test]
fn mosquitto_sub_v_is_a_template_and_mqq_v_stays_on_stderr() {
    let b = Broker::start();
    let t = topic("sub-v");
    let listener = b
        .mqq()
        .topic(&t)
        .args(["listen", "-n", "1", "-F", "%t %p"])
        .spawn();
    b.mqq().topic(&t).args(["send", "hi"]).run().expect_code(0);
    // spawn() adds -v: its lines went to stderr, the template's to stdout.
    listener
        .finish()
        .expect(0, &format!("{t} hi\n"))
        .stderr_has("subscribed to");
    mqq()
        .args(["listen", "--help"])
        .run()
        .stdout_has("listen -F '%t %p'      # as mosquitto_sub -v");
}

/// `%j` against mosquitto_sub's on the same retained message (the mosquitto pass): the same
/// keys in the same order, and the same values but for the time and the packet id.
#[test]
fn percent_j_matches_mosquitto_sub_on_the_same_message() {
    use crate::support::{caps, mosquitto_clients};
    if !caps().runs_mosquitto_clients() || !mosquitto_clients() {
        return;
    }
    let b = Broker::start();
    let t = topic("j-mosq");
    b.mqq()
        .topic(&t)
        .args(["--raw", "send", "-r", "-q", "1", "h\u{e9}llo"])
        .run()
        .expect_code(0);
    let theirs = std::process::Command::new("mosquitto_sub")
        .args(["-h", "127.0.0.1", "-p", &b.port.to_string(), "-t", &t])
        .args(["-C", "1", "-q", "1", "-F", "%j"])
        .output()
        .unwrap();
    assert!(theirs.status.success());
    let ours = b
        .mqq()
        .topic(&t)
        .args(["--raw", "receive", "-F", "%j"])
        .run();
    ours.expect_code(0);
    let theirs: serde_json::Value = serde_json::from_slice(&theirs.stdout).unwrap();
    let ours: serde_json::Value = serde_json::from_slice(&ours.stdout).unwrap();
    let (theirs, ours) = (theirs.as_object().unwrap(), ours.as_object().unwrap());
    let their_keys: Vec<&String> = theirs.keys().collect();
    let our_keys: Vec<&String> = ours.keys().take(their_keys.len()).collect();
    assert_eq!(our_keys, their_keys);
    for k in ["topic", "qos", "retain", "payloadlen", "payload"] {
        assert_eq!(ours[k], theirs[k], "{k}");
    }
    b.mqq()
        .topic(&t)
        .args(["send", "-r", "-n"])
        .run()
        .expect_code(0);
}
