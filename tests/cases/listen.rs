//! `listen`: streams what arrives while it is subscribed, on a topic or a wildcard filter;
//! stops cleanly on SIGTERM.

use super::{durable_queue, expect_pending, through_listener};
use crate::support::{topic, Broker};

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

/// Competing consumers: two `listen --group` split a stream of 10,000 messages, none lost or
/// doubled, both busy. NATS 2.9 and RabbitMQ 3.10 have no shared subscriptions: there the
/// group gets nothing, and mqq says so when it subscribes.
#[test]
fn two_listeners_in_a_group_split_10000_messages() {
    const N: usize = 10_000;
    let b = Broker::start();
    let t = crate::support::topic("group-listen");
    let member = || {
        b.mqq()
            .topic(&t)
            .args(["--group", "g", "--raw", "listen", "--idle-timeout", "2s"])
            .spawn()
    };
    let (one, two) = (member(), member());
    b.mqq()
        .topic(&t)
        .args(["--raw", "--quiet", "send", "-l"])
        .stdin(super::numbers(N))
        .run()
        .expect_code(0);
    let (one, two) = (one.finish(), two.finish());
    one.expect_code(0);
    two.expect_code(0);
    let (got1, got2) = (one.text(), two.text());
    if !b.shares() {
        one.stderr_has("take it for a plain topic");
        assert!(got1.is_empty() && got2.is_empty());
        return;
    }
    let mut all: Vec<usize> = got1
        .lines()
        .chain(got2.lines())
        .map(|l| l.parse().unwrap())
        .collect();
    all.sort_unstable();
    let total = all.len();
    all.dedup();
    assert_eq!(total, N, "{} doubled", total - all.len());
    assert_eq!(all, (1..=N).collect::<Vec<_>>(), "lost some");
    assert!(
        !got1.is_empty() && !got2.is_empty(),
        "one listener got everything"
    );
    eprintln!(
        "group split: {} / {}",
        got1.lines().count(),
        got2.lines().count()
    );
}

#[test]
fn sigterm_stops_a_listen_blocked_on_a_full_stdout_at_once_and_loses_nothing() {
    const N: usize = 60;
    const SIZE: usize = 16 * 1024;
    let b = crate::support::Broker::start();
    let (t, id) = super::durable_queue(&b, "listen-blocked-term");
    let body = |i: usize| format!("{i:05}{}", "x".repeat(SIZE - 6));
    let lines: String = (1..=N).map(|i| body(i) + "\n").collect();
    b.mqq()
        .topic(&t)
        .args(["--raw", "--quiet", "send", "-l"])
        .stdin(lines)
        .run()
        .expect_code(0);
    // Nobody reads its stdout: a pipe holds 64 KiB, four of these and a bit.
    let mut bg = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["--raw", "listen"])
        .spawn_unread();
    bg.wait_stderr_times("bytes=", 5);
    bg.terminate();
    // It exits with the reader still away; what the pipe holds is what it wrote.
    let mut bg = bg;
    assert!(
        bg.exits_within(std::time::Duration::from_secs(3)),
        "listen did not stop within 3 s of SIGTERM with its stdout blocked"
    );
    bg.read_stdout();
    let out = bg.finish();
    out.expect_code(0)
        .stderr_has("stopped while stdout was blocked");
    let written = out.stdout.len() / SIZE;
    // Nothing lost: what it did not write in full is still queued.
    let rest = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["--raw", "listen", "--idle-timeout", super::requeue_wait()])
        .run();
    let rest_text = rest.text();
    let left: std::collections::HashSet<usize> = rest_text
        .lines()
        .filter_map(|l| l.get(..5).and_then(|n| n.parse().ok()))
        .collect();
    for i in written + 1..=N {
        assert!(
            left.contains(&i),
            "message {i} was neither written nor left queued"
        );
    }
}
