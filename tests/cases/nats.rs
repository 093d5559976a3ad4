//! NATS 2.9, where it differs from MQTT's letter: it resends an unacknowledged message on
//! the same connection every `ack_wait` (with DUP, same packet id), and not when a session
//! reconnects, so after a peek it holds the messages back until `ack_wait` passes. mqq
//! counts each message once, ends `--wait` on quiet while NATS keeps resending, and never
//! prints a wrong exact number after a peek: it remembers what the peek left pending.

use super::{durable_queue_at, numbers};
use crate::support::nats::Nats;
use crate::support::Mqq;

/// `mqq` against this NATS, remembering peeks in `state` (as a user's ~/.local/state).
fn at(n: &Nats, state: &tempfile::TempDir) -> Mqq {
    crate::support::mqq()
        .uri(&n.uri())
        .env("XDG_STATE_HOME", state.path().to_str().unwrap())
}

/// Sends the lines 1 to 5 to `topic`.
fn send_five(mqq: Mqq, topic: &str) {
    mqq.topic(topic)
        .args(["--raw", "--quiet", "send", "-l"])
        .stdin(numbers(5))
        .run()
        .expect_code(0);
}

#[test]
fn nats_resending_every_ack_wait_is_counted_and_shown_once() {
    let Some(n) = Nats::start_with("ack_wait: \"1s\"") else {
        return;
    };
    let state = tempfile::tempdir().unwrap();
    let (t, id) = durable_queue_at(at(&n, &state), "nats-resend");
    send_five(at(&n, &state), &t);
    // A quiet period longer than ack_wait: NATS resends all five within it. The count ends
    // (resends are not activity) and says 5, not 10+.
    at(&n, &state)
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "2500ms"])
        .run()
        .expect(0, "5\n");
    at(&n, &state)
        .topic(&t)
        .id(&id)
        .args(["--raw", "peek", "-n", "20", "--wait", "2500ms"])
        .run()
        .expect(0, &numbers(5));
    // clear, then five more: five pending, not ten.
    at(&n, &state)
        .topic(&t)
        .id(&id)
        .arg("clear")
        .run()
        .expect_code(0);
    let (t, id) = durable_queue_at(at(&n, &state), "nats-after-clear");
    send_five(at(&n, &state), &t);
    at(&n, &state)
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "1500ms"])
        .run()
        .expect(0, "5\n");
}

#[test]
fn after_a_peek_nats_hides_the_messages_and_mqq_says_so() {
    let Some(n) = Nats::start() else {
        return;
    };
    let state = tempfile::tempdir().unwrap();
    let (t, id) = durable_queue_at(at(&n, &state), "nats-hidden");
    send_five(at(&n, &state), &t);
    at(&n, &state)
        .topic(&t)
        .id(&id)
        .args(["--raw", "peek", "-n", "2"])
        .run()
        .expect(0, "1\n2\n");
    // NATS (ack_wait 30 s) delivers nothing now: not a wrong exact 0, but "at least 0" and why.
    at(&n, &state)
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "300ms"])
        .run()
        .expect(0, "0+\n")
        // At least the two shown; up to the five NATS handed out, as many as had arrived
        // when the peek disconnected.
        .stderr_has(" messages seen")
        .stderr_has("ack_wait");
    at(&n, &state)
        .topic(&t)
        .id(&id)
        .args(["receive", "-W", "500ms"])
        .run()
        .expect(1, "")
        .stderr_has("not delivered again");
    // Without a place to remember (no HOME, no XDG_STATE_HOME), the same count is the plain
    // number the broker shows: docs/DESIGN.md §2 says so.
    crate::support::mqq()
        .uri(&n.uri())
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "300ms"])
        .run()
        .expect(0, "0\n");
}
