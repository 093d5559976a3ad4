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
