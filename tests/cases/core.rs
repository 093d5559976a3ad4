//! The queue core itself (`mqq::queue::Queue`), driven from async tests against the
//! suite's broker: what ack-after-output means when a sink fails, and peek never acking.

use std::io;

use mqq::config::{resolve, ConfigInputs, FlagValue, QueueConfig};
use mqq::queue::{Message, OutMessage, Queue, Role, Sink, Stop};

use crate::support::{client_id, topic, Broker};

/// A resolved config for `topic` at the broker, durable with `id`.
fn config(b: &Broker, topic: &str, id: &str) -> QueueConfig {
    let flag = |key: &str, value: &str| FlagValue {
        key: key.into(),
        value: value.into(),
        flag: "--set".into(),
    };
    let inputs = ConfigInputs {
        flags: vec![
            flag("connection.uri", &b.uri()),
            flag("topic", topic),
            flag("client_id", id),
        ],
        ..ConfigInputs::default()
    };
    resolve(&inputs).expect("config resolves").config
}

/// Creates the durable session, then sends `bodies` at QoS 1.
async fn durable_with(cfg: &QueueConfig, bodies: &[&str]) {
    let mut q = Queue::open(cfg, Role::Consumer, false).await.unwrap();
    q.subscribe().await.unwrap();
    q.close().await;
    let mut p = Queue::open(cfg, Role::Producer, false).await.unwrap();
    for b in bodies {
        p.send(&OutMessage {
            payload: b.as_bytes().to_vec().into(),
            ..OutMessage::default()
        })
        .await
        .unwrap();
    }
    let report = p.flush(std::time::Duration::from_secs(10)).await;
    assert_eq!(report.completed, bodies.len() as u64, "{:?}", report.error);
    p.close().await;
}

/// A sink that accepts `ok` messages, then fails every write; or fails at flush.
struct Failing {
    ok: usize,
    fail_flush: bool,
    written: Vec<String>,
}

impl Sink for Failing {
    fn write(&mut self, msg: &Message) -> io::Result<()> {
        if self.written.len() >= self.ok {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
        }
        self.written
            .push(String::from_utf8_lossy(msg.body()).into_owned());
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.fail_flush {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
        }
        Ok(())
    }
}

/// Receives everything pending (up to `n`) with a sink that never fails.
async fn drain(cfg: &QueueConfig, n: usize) -> Vec<String> {
    let mut sink = Failing {
        ok: usize::MAX,
        fail_flush: false,
        written: Vec::new(),
    };
    let mut q = Queue::open(cfg, Role::Consumer, false).await.unwrap();
    let got = q
        .receive(n, std::time::Duration::from_secs(5), &mut sink)
        .await
        .unwrap();
    q.close().await;
    assert!(
        matches!(got.stop, Stop::Count | Stop::Timeout),
        "{:?}",
        got.stop
    );
    sink.written
}

#[tokio::test]
async fn a_sink_that_fails_mid_batch_acks_nothing() {
    let b = Broker::start();
    let cfg = config(&b, &topic("core-fail"), &client_id("core-fail"));
    let bodies = ["m1", "m2", "m3", "m4", "m5"];
    Box::pin(durable_with(&cfg, &bodies)).await;
    // A flush that fails acknowledges nothing of its batch; neither does a write that fails
    // in the middle of one. Batches before the failing one may have been acknowledged
    // (messages can arrive one by one), so what stays pending is exactly the rest.
    let mut acked: Vec<String> = Vec::new();
    for (ok, fail_flush) in [(usize::MAX, true), (2, false)] {
        let mut sink = Failing {
            ok,
            fail_flush,
            written: Vec::new(),
        };
        let mut q = Queue::open(&cfg, Role::Consumer, false).await.unwrap();
        let got = q
            .receive(5, std::time::Duration::from_secs(5), &mut sink)
            .await
            .unwrap();
        q.close().await;
        assert!(matches!(got.stop, Stop::Sink(_)), "{:?}", got.stop);
        if fail_flush {
            assert_eq!(got.count, 0, "a failed flush acknowledges nothing");
        }
        assert!(got.count <= 2, "only written batches count: {}", got.count);
        acked.extend(sink.written.drain(..got.count));
    }
    let mut pending: Vec<String> = bodies
        .iter()
        .filter(|m| !acked.iter().any(|a| a == *m))
        .map(|m| (*m).to_owned())
        .collect();
    let mut drained = drain(&cfg, 5).await;
    if b.redelivers_after_ack_wait() {
        // NATS hands back what was not acknowledged after its ack_wait, in an order of its
        // own: the same messages, not the same order.
        pending.sort();
        drained.sort();
    }
    assert_eq!(drained, pending);
}

#[tokio::test]
async fn peek_never_acks() {
    let b = Broker::start();
    let cfg = config(&b, &topic("core-peek"), &client_id("core-peek"));
    Box::pin(durable_with(&cfg, &["a", "b", "c"])).await;
    let mut q = Queue::open(&cfg, Role::Consumer, false).await.unwrap();
    let seen = q
        .peek(2, std::time::Duration::from_secs(2), mqq::queue::SETTLE)
        .await
        .unwrap();
    q.close().await;
    let seen: Vec<&[u8]> = seen.iter().map(Message::body).collect();
    assert_eq!(seen, [b"a".as_slice(), b"b"]);
    assert_eq!(drain(&cfg, 3).await, ["a", "b", "c"]);
}
