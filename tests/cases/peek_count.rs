//! `peek` and `count` consume nothing: the durable queue's story, one process a step.

use super::durable_queue;
use std::time::Duration;

use crate::support::{client_id, topic, Broker, SlowLink, Window};

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

/// A broker far away hands a resumed session's backlog out in flights a round trip apart (TCP's
/// congestion window); with a round trip longer than `--settle`, the pause between two flights
/// looked like the end of the burst. The settle period grows by the connection's set-up time
/// (at least one round trip). MQTT 3.1.1, where a resumed session is not subscribed again: no
/// SUBACK comes behind the backlog.
#[test]
fn count_and_peek_over_a_link_slower_than_the_settle_period_see_the_whole_backlog() {
    let b = Broker::start();
    if !b.speaks_v311() {
        return;
    }
    let (t, id) = durable_queue(&b, "slowlink");
    let lines: String = (0..9).map(|i| format!("message {i} of nine\n")).collect();
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "-l"])
        .stdin(&lines)
        .run()
        .expect_code(0);
    // A round trip of 300 ms (settle: 200 ms), 128 bytes of deliveries per round trip: two
    // or three of these messages a flight.
    let link = SlowLink::start(b.port, Duration::from_millis(150), 128);
    let far = || {
        b.mqq()
            .uri(&link.uri())
            .topic(&t)
            .id(&id)
            .args(["-V", "3.1.1"])
    };
    let o = far().args(["-vv", "count", "--wait", "5s"]).run();
    o.expect(0, "9\n");
    // The pause that ends the burst grew by the set-up time (two one-way trips at least).
    let quiet = o
        .stderr
        .split("quiet_period=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| o.fail("no quiet_period in the -vv log"));
    let ms: f64 = match quiet.strip_suffix("ms") {
        Some(ms) => ms.parse().unwrap(),
        None => quiet.strip_suffix('s').unwrap().parse::<f64>().unwrap() * 1000.0,
    };
    assert!(
        ms >= 500.0,
        "quiet period {quiet}: settle 200ms + set-up >= 300ms expected"
    );
    far()
        .args(["peek", "-n", "20", "--wait", "5s"])
        .run()
        .expect(0, &lines);
    // Nothing was consumed.
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-n", "9", "-W", "10s"])
        .run()
        .expect(0, &lines);
}

/// A message that takes longer to arrive than `--wait` (a large one over a slow link) is not
/// "nothing came": the end waits while bytes of a packet keep arriving.
#[test]
fn count_and_peek_wait_for_a_message_that_is_still_arriving() {
    let b = Broker::start();
    if !b.speaks_v311() {
        return; // The case is MQTT 3.1.1's: see the one above.
    }
    let (t, id) = durable_queue(&b, "arriving");
    let big = "x".repeat(4000);
    for m in [big.as_str(), "small one", "small two"] {
        b.mqq()
            .topic(&t)
            .args(["--raw", "send", "-q", "1", m])
            .run()
            .expect_code(0);
    }
    // 1 KiB per 300 ms round trip: the first message takes four round trips (1.2 s), more
    // than `--wait` and than the settle period.
    let link = SlowLink::start(b.port, Duration::from_millis(150), 1024);
    let far = || {
        b.mqq()
            .uri(&link.uri())
            .topic(&t)
            .id(&id)
            .args(["-V", "3.1.1", "--raw"])
    };
    far()
        .args(["count", "--wait", "500ms"])
        .run()
        .expect(0, "3\n");
    far()
        .args(["peek", "-n", "5", "--wait", "500ms"])
        .run()
        .expect(0, &format!("{big}\nsmall one\nsmall two\n"));
}

#[test]
fn a_closed_or_full_stdout_ends_peek_and_count_cleanly() {
    let b = Broker::start();
    let (t, id) = super::durable_queue(&b, "closedout");
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "kept"])
        .run()
        .expect_code(0);
    let queue = || b.mqq().topic(&t).id(&id);
    let wait = super::requeue_wait();
    for verb in [&["count", "--wait", wait][..], &["peek", "--wait", wait]] {
        // `| head -0`: quiet, exit 0 (it panicked with 101 when count used println!).
        let o = queue().args(verb).run_with_stdout_closed();
        o.expect_code(0);
        assert!(o.stderr.is_empty(), "{verb:?}: {}", o.stderr);
        // A full disk: one line naming the cause, exit 1.
        queue()
            .args(verb)
            .run_with_stdout_full()
            .expect_code(1)
            .stderr_has("could not write to stdout: No space left on device")
            .stderr_lines(1);
    }
    // Nothing was consumed by any of them.
    super::expect_pending(&b, &t, &id, "kept\n");
}

#[test]
fn peek_and_count_without_a_client_id_say_why_they_see_nothing() {
    let b = Broker::start();
    let t = topic("ephemeral");
    // count is refused, as clear and work are: its answer could only be 0.
    b.mqq()
        .topic(&t)
        .args(["count", "--wait", "200ms"])
        .run()
        .expect(2, "")
        .stderr_has("count needs a durable queue")
        .stderr_has("-i");
    b.mqq()
        .topic(&t)
        .args(["peek", "--wait", "200ms"])
        .run()
        .expect(0, "")
        .stderr_has("ephemeral queue holds nothing between runs")
        .stderr_has("-i");
    // --quiet drops the warning.
    let o = b
        .mqq()
        .topic(&t)
        .args(["--quiet", "peek", "--wait", "200ms"])
        .run();
    o.expect(0, "");
    assert!(o.stderr.is_empty(), "{}", o.stderr);
}

/// `--window` above the broker's real window (MQTT 3.1.1): mosquitto hands out 20, RabbitMQ
/// 10, NATS 1,024, and a count landing exactly there under `--window 5000` is flagged as that
/// broker's window, not taken as the queue's length without a word. The suite's broker when
/// mqq knows its window, else a spawned mosquitto.
#[test]
fn a_window_above_the_brokers_is_flagged_when_the_count_lands_on_a_known_one() {
    let b = if crate::support::caps().window_name().is_some() {
        Broker::start()
    } else {
        match Broker::mosquitto() {
            Some(b) => b,
            None => return,
        }
    };
    let (Window::Of(window), Some(whose)) = (b.window(), b.window_name()) else {
        unreachable!("a broker whose window mqq knows by number")
    };
    let (t, id) = durable_queue(&b, "known-window");
    b.mqq()
        .topic(&t)
        .args(["--quiet", "send", "-l"])
        .stdin(super::numbers(window + 50))
        .run()
        .expect_code(0);
    b.mqq()
        .topic(&t)
        .id(&id)
        .args([
            "-V", "3.1.1", "count", "--window", "5000", "--wait", "300ms",
        ])
        .run()
        .expect(0, &format!("{window}\n"))
        .stderr_has(&format!("{window} is {whose}"));
}

#[test]
fn peek_and_count_end_when_the_burst_ends_not_after_wait() {
    // `--wait` far beyond the hang guard: were the first message's wait also used after the
    // burst, these commands would run past the guard and the test would fail there.
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "settle");
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "one", "two", "three"])
        .run()
        .expect_code(0);
    let queue = || b.mqq().topic(&t).id(&id);
    queue()
        .args(["count", "--wait", "1h"])
        .run()
        .expect(0, "3\n");
    queue()
        .args(["peek", "-n", "10", "--wait", "1h"])
        .run()
        .expect(0, "one\ntwo\nthree\n");
    // A settle period longer than the wait is cut to the wait (NATS hands the messages out
    // again only after its `ack_wait`: `requeue_wait`).
    queue()
        .args(["count", "--wait", super::requeue_wait(), "--settle", "1h"])
        .run()
        .expect(0, "3\n");
}
