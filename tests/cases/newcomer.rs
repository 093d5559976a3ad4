//! The newcomer's traps (issue 23): what a first user meets on the README's first commands,
//! each replayed as written.

use super::{durable_queue_at, numbers};
use crate::support::{free_port, mqq, topic, Broker, Mqq};

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
                .args(["move", "--to", &topic("moved-away"), "--wait", "300ms"])
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
    let state = tempfile::tempdir().unwrap();
    let port = free_port().to_string();
    let here = || {
        mqq()
            .env("XDG_STATE_HOME", state.path().to_str().unwrap())
            .args(["-p", &port])
    };
    let mut broker = here().arg("broker").spawn_connecting();
    broker.wait_stderr("broker listening on");
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

/// `count` of an ephemeral queue is refused as `clear` and `work` are: it can only be 0.
#[test]
fn count_without_a_client_id_is_refused() {
    let b = Broker::start();
    b.mqq()
        .topic(&topic("no-id"))
        .arg("count")
        .run()
        .expect(2, "")
        .stderr_has("-i");
}

/// The README's opening order (send, then receive) gets nothing: receive says why, for an
/// ephemeral queue and for a durable queue it just created.
#[test]
fn a_receive_that_got_nothing_says_why() {
    let b = Broker::start();
    let t = topic("send-first");
    b.mqq().topic(&t).args(["send", "hi"]).run().expect_code(0);
    b.mqq()
        .topic(&t)
        .args(["receive", "-W", "300ms"])
        .run()
        .expect(1, "")
        .stderr_has("received 0 of 1")
        .stderr_has("ephemeral: it gets only messages sent while it runs")
        .stderr_has("-i ID");
    let id = crate::support::client_id("send-first");
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-W", "300ms"])
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
