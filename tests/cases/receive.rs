//! `receive`: takes messages and acknowledges each only once it was written; exit 1 when
//! fewer than asked arrived in time.

use std::time::Duration;

use super::{durable_queue, expect_pending};
use crate::support::{topic, within, Broker};

#[test]
fn ack_after_output_a_closed_stdout_loses_nothing() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "ackafter");
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "precious"])
        .run()
        .expect_code(0);
    // A receiver whose stdout is closed cannot write the message: it must not ack it.
    // A broken pipe ends quietly with 0.
    b.mqq()
        .topic(&t)
        .id(&id)
        .arg("receive")
        .run_with_stdout_closed()
        .expect_code(0);
    expect_pending(&b, &t, &id, "precious\n");
}

#[test]
fn receiver_killed_while_writing_acks_nothing() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "killwrite");
    // 1 MiB does not fit a pipe nobody reads: the receiver blocks in the write, then dies.
    let big = vec![b'x'; 1 << 20];
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1"])
        .stdin(&big)
        .run()
        .expect_code(0);
    let mut bg = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-W", "30s"])
        .spawn_unread();
    bg.wait_stderr("bytes=1048576");
    bg.kill();
    // The message was neither lost nor changed.
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-W", "10s", "-F", "raw"])
        .run()
        .expect_bytes(0, &big);
}

#[test]
fn receive_times_out_with_exit_1_and_wrong_topic_gets_nothing() {
    let b = Broker::start();
    let t = topic("timeout");
    let other = topic("other");
    let bg = b.mqq().topic(&other).args(["receive", "-W", "1s"]).spawn();
    b.mqq()
        .topic(&t)
        .args(["send", "elsewhere"])
        .run()
        .expect_code(0);
    within(Duration::from_secs(3), || bg.finish())
        .expect(1, "")
        .stderr_has("received 0 of 1");
    within(Duration::from_millis(2500), || {
        b.mqq().topic(&t).args(["receive", "-W", "500ms"]).run()
    })
    .expect_code(1);
}

#[test]
fn receive_prints_what_arrived_then_exits_1_when_short() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "short");
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "a", "b"])
        .run()
        .expect_code(0);
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-n", "3", "-W", "3s"])
        .run()
        .expect(1, "a\nb\n")
        .stderr_has("received 2 of 3");
}
