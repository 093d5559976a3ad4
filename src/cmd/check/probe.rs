//! The probes of `check`: the timed round trip, the retained and the durable trips, and the
//! payload every probe carries (a header naming the run and the sequence number, then bytes
//! that vary with it, so that a corruption anywhere shows).

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use super::model::{RoundTrip, Step};
use crate::config::QueueConfig;
use crate::output::MessageCounter;
use crate::queue::{Message, OutMessage, Queue, QueueError, Role};

/// The payload of probe `seq`: a recognisable header, then bytes that vary with `seq` so
/// that a corruption anywhere shows, `size` bytes in all.
pub(super) fn probe(run: &str, seq: usize, size: usize) -> Vec<u8> {
    let mut p = format!("{seq:08} {} ", tag(run)).into_bytes();
    let mut x = (seq as u32).wrapping_mul(2_654_435_761).wrapping_add(1);
    while p.len() < size {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p.push(b'a' + (x % 26) as u8);
    }
    p.truncate(size.max(HEADER));
    p
}

/// Length of a probe's header: `00000042 1a2b3c4d ` (sequence number, run tag).
pub(super) const HEADER: usize = 18;

/// Eight characters of the run id that mark its probes.
fn tag(run: &str) -> &str {
    let hex = run.strip_prefix("mqq-").unwrap_or(run);
    &hex[..hex.len().min(8)]
}

/// The sequence number of a probe of this run, if the body starts like one.
pub(super) fn probe_seq(run: &str, body: &[u8]) -> Option<usize> {
    let head = std::str::from_utf8(body.get(..HEADER)?).ok()?;
    let (seq, rest) = head.split_once(' ')?;
    (rest.trim_end() == tag(run)).then_some(())?;
    seq.parse().ok()
}

pub(super) async fn round_trip(
    cfg: &QueueConfig,
    mut consumer: Queue,
    run: &str,
    n: usize,
    size: usize,
    timeout: Duration,
    progress: MessageCounter,
) -> anyhow::Result<RoundTrip> {
    let mut producer = Queue::open(cfg, Role::Producer, false).await?;
    let (tx, mut sent_at) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    // The consumer reads on its own task, so that receive times are not delayed by sending.
    let run_id = run.to_string();
    let reader = tokio::spawn(async move {
        let mut seen: HashMap<usize, Instant> = HashMap::new();
        let mut trip = RoundTrip::default();
        let deadline = Instant::now() + timeout;
        let mut last = Instant::now();
        while seen.len() < n {
            let Some(m) = consumer.next(Some(deadline)).await? else {
                break;
            };
            let at = Instant::now();
            consumer.ack(&m).await?;
            match probe_seq(&run_id, m.body()) {
                Some(seq) if seq < n && m.body() == probe(&run_id, seq, size).as_slice() => {
                    if seen.insert(seq, at).is_some() {
                        trip.duplicates += 1;
                    } else {
                        last = at;
                        progress.add(1);
                    }
                }
                _ => trip.corrupted += 1,
            }
        }
        consumer.close().await;
        trip.received = seen.len();
        trip.missing = n - seen.len();
        Ok::<_, crate::queue::QueueError>((trip, seen, last))
    });
    let first = Instant::now();
    for seq in 0..n {
        let _ = tx.send((seq, Instant::now()));
        producer
            .send(&OutMessage {
                payload: probe(run, seq, size).into(),
                bare: true,
                ..OutMessage::default()
            })
            .await?;
    }
    drop(tx);
    let report = producer.flush(timeout).await;
    producer.close().await;
    if let Some(e) = report.error {
        reader.abort();
        return Err(e.into());
    }
    let (mut trip, seen, last) = reader.await??;
    while let Some((seq, at)) = sent_at.recv().await {
        if let Some(got) = seen.get(&seq) {
            trip.latencies.push(got.saturating_duration_since(at));
        }
    }
    trip.elapsed = last.saturating_duration_since(first);
    Ok(trip)
}

pub(super) async fn retained_trip(
    cfg: &QueueConfig,
    run: &str,
    timeout: Duration,
) -> anyhow::Result<Step> {
    let started = Instant::now();
    let body = probe(run, 0, 48);
    let mut producer = Queue::open(cfg, Role::Producer, false).await?;
    producer
        .send(&OutMessage {
            payload: body.clone().into(),
            retain: Some(true),
            bare: true,
            ..OutMessage::default()
        })
        .await?;
    if let Some(e) = producer.flush(timeout).await.error {
        return Err(e.into());
    }
    let mut consumer = Queue::open(cfg, Role::Consumer, false).await?;
    consumer.subscribe().await?;
    let got = consumer.next(Some(Instant::now() + timeout)).await?;
    consumer.close().await;
    let step = match got {
        None => Step::Failed(format!(
            "a new subscriber got no retained message within {}",
            humantime::format_duration(timeout)
        )),
        Some(m) if m.body() != body.as_slice() => {
            Step::Failed("the retained message came back changed".into())
        }
        Some(m) if !m.delivery.retain => {
            Step::Failed("the message came back without the retain flag".into())
        }
        Some(_) => Step::Ok(started.elapsed()),
    };
    // Clear it: an empty retained message.
    producer
        .send(&OutMessage {
            retain: Some(true),
            bare: true,
            ..OutMessage::default()
        })
        .await?;
    let cleared = producer.flush(timeout).await;
    producer.close().await;
    if let Some(e) = cleared.error {
        return Err(e.into());
    }
    Ok(step)
}

pub(super) async fn durable_trip(
    cfg: &QueueConfig,
    run: &str,
    timeout: Duration,
) -> anyhow::Result<Step> {
    let started = Instant::now();
    let body = probe(run, 1, 48);
    // The session and its subscription, then offline.
    let mut q = Queue::open(cfg, Role::Consumer, false).await?;
    q.subscribe().await?;
    q.close().await;
    let mut producer = Queue::open(cfg, Role::Producer, false).await?;
    producer
        .send(&OutMessage {
            payload: body.clone().into(),
            bare: true,
            ..OutMessage::default()
        })
        .await?;
    let sent = producer.flush(timeout).await;
    producer.close().await;
    if let Some(e) = sent.error {
        return Err(e.into());
    }
    // The session's id is this run's own, so no other client can take it over: a broker
    // that closes the resumed connection as if one had (rumqttd, when it handles the first
    // connection's DISCONNECT after the new CONNECT, under load) is answered by one more try.
    let (resumed, got) = match resume(cfg, timeout).await {
        Err(QueueError::TakenOver { .. }) => resume(cfg, timeout).await?,
        other => other?,
    };
    Queue::clear(cfg).await?;
    Ok(match got {
        _ if !resumed => Step::Failed(
            "the broker did not keep the session (session present was 0 on reconnect)".into(),
        ),
        None => Step::Failed(format!(
            "the message sent while offline was not delivered within {}",
            humantime::format_duration(timeout)
        )),
        Some(m) if m.body() != body.as_slice() => {
            Step::Failed("the message kept while offline came back changed".into())
        }
        Some(_) => Step::Ok(started.elapsed()),
    })
}

/// The durable step's second half: the session resumed, and its first message (taken).
async fn resume(
    cfg: &QueueConfig,
    timeout: Duration,
) -> Result<(bool, Option<Message>), QueueError> {
    let mut q = Queue::open(cfg, Role::Consumer, false).await?;
    let resumed = q.session_present();
    q.subscribe().await?;
    let got = q.next(Some(Instant::now() + timeout)).await?;
    if let Some(m) = &got {
        q.ack(m).await?;
    }
    q.close().await;
    Ok((resumed, got))
}
