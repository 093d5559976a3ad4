//! `mqq work -- COMMAND`: a message is acknowledged only when its command succeeded;
//! failures come back, poison goes to the dead-letter topic, nothing is dropped.

use std::time::Duration;

use super::{durable_queue, numbers};
use crate::support::{within, Broker};

#[test]
fn a_failure_comes_back_and_everything_completes() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "work-retry");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let flag = dir.path().join("failed-once");
    b.mqq()
        .topic(&t)
        .args(["send", "-l"])
        .stdin(numbers(10))
        .run()
        .expect_code(0);
    // Message 3 fails its first run.
    let script = format!(
        "body=$(cat); if [ \"$body\" = 3 ] && [ ! -e {f} ]; then touch {f}; echo boom >&2; exit 7; fi; \
         echo \"$body $MQQ_ATTEMPT $MQQ_TOPIC\" >> {l}",
        f = flag.display(),
        l = log.display()
    );
    let o = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args([
            "work",
            "--retry-delay",
            "100ms",
            "-n",
            "10",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .run();
    o.expect_code(0)
        .stderr_has("boom")
        .stderr_has("completed 10, abandoned 1, dead-lettered 0");
    let text = std::fs::read_to_string(&log).unwrap();
    let mut got: Vec<&str> = text.lines().collect();
    got.sort_unstable();
    let mut want: Vec<String> = (1..=10).map(|i| format!("{i} 1 {t}")).collect();
    want[2] = format!("3 2 {t}");
    want.sort_unstable();
    assert_eq!(got, want, "{text}");
    // Nothing left.
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "300ms"])
        .run()
        .expect(0, "0\n");
}

#[test]
fn poison_goes_to_the_dead_letter_topic_after_max_attempts() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "work-dlq");
    let dlq = format!("{t}/dead");
    let dead = b
        .mqq()
        .topic(&dlq)
        .args(["listen", "-n", "1", "-F", "json"])
        .spawn();
    b.mqq()
        .topic(&t)
        .args(["send", "good", "poison", "fine"])
        .run()
        .expect_code(0);
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["work", "--max-attempts", "2", "--dead-letter", &dlq])
        .args(["--retry-delay", "100ms", "-n", "2", "--"])
        .args([
            "sh",
            "-c",
            "[ \"$(cat)\" != poison ] || { echo 'cannot digest' >&2; exit 3; }",
        ])
        .run()
        .expect_code(0)
        .stderr_has("completed 2, abandoned 1, dead-lettered 1");
    let v = dead.finish().json();
    assert_eq!(v["payload"], "poison", "{v}");
    if b.speaks_v5() {
        // MQTT 5: the failure travels in user properties.
        let props = v["properties"]["user_properties"].to_string();
        for want in ["mqq-attempts", "\"2\"", "exit 3", "cannot digest"] {
            assert!(props.contains(want), "{props}");
        }
    }
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "300ms"])
        .run()
        .expect(0, "0\n");
}

#[test]
fn without_a_dead_letter_topic_work_stops_and_the_message_stays() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "work-stop");
    b.mqq().topic(&t).args(["send", "bad"]).run().expect_code(0);
    b.mqq()
        .topic(&t)
        .id(&id)
        .args([
            "work",
            "--max-attempts",
            "2",
            "--retry-delay",
            "100ms",
            "--",
            "false",
        ])
        .run()
        .expect_code(1)
        .stderr_has("failed 2 times")
        .stderr_has("stays queued")
        .stderr_has("--dead-letter");
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", super::requeue_wait()])
        .run()
        .expect(0, "1\n");
}

#[test]
fn timeout_kills_a_hanging_command() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "work-timeout");
    b.mqq()
        .topic(&t)
        .args(["send", "slow"])
        .run()
        .expect_code(0);
    within(Duration::from_secs(10), || {
        b.mqq()
            .topic(&t)
            .id(&id)
            .args(["work", "--timeout", "300ms", "--max-attempts", "1"])
            .args([
                "--dead-letter",
                &format!("{t}/dead"),
                "-n",
                "1",
                "--idle-timeout",
                "2s",
            ])
            .args(["--", "sleep", "60"])
            .run()
    })
    .expect_code(0)
    .stderr_has("dead-lettered 1");
}

#[test]
fn sigterm_lets_the_running_command_finish_and_acks_it() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "work-term");
    b.mqq().topic(&t).args(["send", "one"]).run().expect_code(0);
    let mut w = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args([
            "work",
            "--",
            "sh",
            "-c",
            "echo started >&2; sleep 1; cat > /dev/null",
        ])
        .spawn();
    w.wait_stderr("started");
    w.terminate();
    w.finish()
        .expect_code(0)
        .stderr_has("letting 1 running command finish")
        .stderr_has("completed 1");
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "300ms"])
        .run()
        .expect(0, "0\n");
}

#[test]
fn sigkill_of_mqq_mid_command_brings_the_message_back() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "work-kill");
    b.mqq()
        .topic(&t)
        .args(["send", "again"])
        .run()
        .expect_code(0);
    let mut w = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["work", "--", "sh", "-c", "echo started >&2; sleep 30"])
        .spawn();
    w.wait_stderr("started");
    w.kill();
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-W", "5s"])
        .run()
        .expect(0, "again\n");
}

#[test]
fn concurrency_runs_commands_at_once_and_completes_all() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "work-j");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    b.mqq()
        .topic(&t)
        .args(["send", "-l"])
        .stdin(numbers(12))
        .run()
        .expect_code(0);
    // Each run waits until another one has started too (or gives up after a while): with
    // -j 4 they overlap; one at a time they would not.
    let script = format!(
        "b=$(cat); echo start $b >> {l}; i=0; \
         while [ $(grep -c start {l}) -lt 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; \
         echo \"end $b $(grep -c start {l})\" >> {l}",
        l = log.display()
    );
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["work", "-j", "4", "-n", "12", "--", "sh", "-c", &script])
        .run()
        .expect_code(0)
        .stderr_has("completed 12");
    let text = std::fs::read_to_string(&log).unwrap();
    let first_end = text.lines().position(|l| l.starts_with("end")).unwrap();
    assert!(first_end >= 2, "no two runs overlapped:\n{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("end")).count(),
        12,
        "{text}"
    );
}

#[test]
fn two_workers_in_a_group_split_the_messages_and_lose_none() {
    let b = Broker::start();
    let t = crate::support::topic("group");
    let dir = tempfile::tempdir().unwrap();
    let worker = |name: &str| {
        let log = dir.path().join(name);
        b.mqq()
            .topic(&t)
            .id(&crate::support::client_id(name))
            .args(["--group", "workers", "work", "--idle-timeout", "2s", "--"])
            .args([
                "sh",
                "-c",
                &format!("cat >> {}; echo >> {}", log.display(), log.display()),
            ])
            .spawn()
    };
    let (one, two) = (worker("w1"), worker("w2"));
    b.mqq()
        .topic(&t)
        .args(["--quiet", "send", "-l"])
        .stdin(numbers(200))
        .run()
        .expect_code(0);
    let (one, two) = (one.finish(), two.finish());
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    let (a, c) = (read("w1"), read("w2"));
    if !b.shares() {
        // NATS 2.9, RabbitMQ 3.10 and aedes have no shared subscriptions: `$share/…` is a
        // plain topic there, the group gets nothing, and mqq says so when it subscribes.
        one.expect_code(0)
            .stderr_has("(NATS 2.9, RabbitMQ 3.10, aedes, amqtt) take it for a plain topic");
        assert!(a.is_empty() && c.is_empty(), "{a}\n--\n{c}");
        return;
    }
    one.expect_code(0);
    two.expect_code(0);
    let mut all: Vec<u32> = a
        .lines()
        .chain(c.lines())
        .map(|l| l.parse().unwrap())
        .collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all, (1..=200).collect::<Vec<u32>>(), "lost some");
    assert!(
        !a.is_empty() && !c.is_empty(),
        "one worker got everything:\n{a}\n--\n{c}"
    );
}

#[test]
fn a_dead_letter_topic_the_queue_receives_is_refused() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "work-dlq-loop");
    for (filter, dlq) in [
        (format!("{t}/#"), format!("{t}/failed")),
        (t.clone(), t.clone()),
    ] {
        b.mqq()
            .topic(&filter)
            .id(&id)
            .args([
                "work",
                "--dead-letter",
                &dlq,
                "--max-attempts",
                "1",
                "--",
                "false",
            ])
            .run()
            .expect_code(2)
            .stderr_lines(1)
            .stderr_has(&format!(
                "--dead-letter {dlq}: the queue's filter {filter} matches it"
            ));
    }
}

#[test]
fn a_child_left_running_does_not_hold_the_message() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "work-stray");
    b.mqq().topic(&t).args(["send", "x"]).run().expect_code(0);
    let dir = tempfile::tempdir().unwrap();
    let pid = dir.path().join("stray.pid");
    // The stray keeps the command's stderr (mqq's pipe) open for 30 s; not stdout, which
    // the test reads to its end.
    let script = format!(
        "sleep 30 >/dev/null & echo $! > {}; echo started >&2",
        pid.display()
    );
    let o = within(Duration::from_secs(4), || {
        b.mqq()
            .topic(&t)
            .id(&id)
            .args([
                "work",
                "-n",
                "1",
                "--timeout",
                "5s",
                "--",
                "sh",
                "-c",
                &script,
            ])
            .run()
    });
    if let Ok(p) = std::fs::read_to_string(&pid) {
        let _ = std::process::Command::new("kill").arg(p.trim()).status();
    }
    o.expect_code(0)
        .stderr_has("started")
        .stderr_has("completed 1, abandoned 0");
}
