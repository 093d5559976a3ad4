//! The cases, by verb. Each starts its own broker (the config cases need none) and drives
//! `mqq` processes against it the way the README does.

mod check;
mod clear;
mod cluster;
mod config;
mod core;
mod errors;
mod fault_suite;
mod faults;
mod interop;
mod learned;
mod link;
mod listen;
mod move_;
mod nats;
mod newcomer;
mod output;
mod peek_count;
mod progress;
mod readme;
mod receive;
mod replay;
mod send;
mod tls;
mod v5;
mod validation;
mod work;
mod ws;

use crate::support::{client_id, topic, Broker, Mqq, Out};

/// A `--wait` quiet period after which a message a peek or a failed worker left
/// unacknowledged is back: NATS (started with `ack_wait` 1 s) resends only after `ack_wait`.
fn requeue_wait() -> &'static str {
    if crate::support::caps().redelivers_after_ack_wait() {
        "1500ms"
    } else {
        "300ms"
    }
}

/// The lines of `seq 1 n`.
fn numbers(n: usize) -> String {
    (1..=n).map(|i| format!("{i}\n")).collect()
}

/// A new durable queue: `count` creates its session (so later sends are kept) and finds 0.
fn durable_queue(b: &Broker, name: &str) -> (String, String) {
    durable_queue_at(b.mqq(), name)
}

/// [`durable_queue`] through this command (a broker of its own, an environment).
fn durable_queue_at(mqq: Mqq, name: &str) -> (String, String) {
    let (t, id) = (topic(name), client_id(name));
    mqq.topic(&t)
        .id(&id)
        .args(["count", "--wait", "200ms"])
        .run()
        .expect(0, "0\n");
    (t, id)
}

/// The durable queue still holds `text`: a `receive` gets it now.
fn expect_pending(b: &Broker, t: &str, id: &str, text: &str) {
    b.mqq()
        .topic(t)
        .id(id)
        .args(["receive", "-W", "10s"])
        .run()
        .expect(0, text);
}

/// Runs `send` (which must succeed) while `listen` is subscribed; returns what `listen`
/// printed.
fn through_listener(listen: Mqq, send: Mqq) -> Out {
    let bg = listen.spawn();
    send.run().expect_code(0);
    bg.finish()
}
