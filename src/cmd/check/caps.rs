//! The capability probes of `check`: what the broker accepts and delivers, each probe on
//! connections of its own under `<base>/cap/…`, each outcome a [`Row`]. A probe that fails
//! is a row (not supported, and why), never the end of the check.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use super::model::{human_ms, Row, Status, Step};
use super::probe::{probe, probe_seq};
use crate::cli::Capability;
use crate::cmd::learned::{self, Learned, Sharing};
use crate::config::values::ProtocolVersion;
use crate::config::QueueConfig;
use crate::output::Output;
use crate::queue::{OutMessage, Queue, QueueError, Role, ServerLimits, Version};

/// How long a probe waits for something that may rightly never come (a wildcard or shared
/// delivery a broker does not make), at most `-W`.
const MAY_NOT_COME: Duration = Duration::from_secs(2);

/// After the last expected delivery, how long a probe watches for one more (a duplicate).
const AFTER_LAST: Duration = Duration::from_millis(200);

/// Messages per QoS probe and per shared-subscription burst.
const BURST: usize = 20;

/// Messages sent to an offline session to measure its window (above NATS 2.9's 1,024).
const WINDOW_PROBE: usize = 1_100;

/// What the probes need.
pub(super) struct Probes<'a> {
    /// The node's config (one address).
    pub cfg: &'a QueueConfig,
    /// `<base>/cap`.
    pub base: String,
    /// The run id (it marks the probes' payloads).
    pub run: &'a str,
    /// `-W`.
    pub timeout: Duration,
    /// `--max-size`.
    pub max_size: usize,
}

impl Probes<'_> {
    fn on(&self, topic: &str, id: Option<String>, qos: u8) -> QueueConfig {
        let mut c = self.cfg.clone();
        c.topic = Some(format!("{}/{topic}", self.base));
        c.extra_topics.clear();
        c.client_id = id;
        c.options.qos = qos;
        c.options.group = None;
        c
    }

    fn may_not_come(&self) -> Instant {
        Instant::now() + MAY_NOT_COME.min(self.timeout)
    }
}

/// Every capability row; `retained` and `durable` are the outcomes of those steps,
/// `limits` what the check's own MQTT 5 CONNACK said (or `None` on 3.1.1).
pub(super) async fn all(
    p: &Probes<'_>,
    retained: &Step,
    durable: &Step,
    limits: Option<&ServerLimits>,
) -> Vec<Row> {
    let mut rows = vec![
        Box::pin(version(p, ProtocolVersion::V5, Capability::Mqtt5)).await,
        Box::pin(version(p, ProtocolVersion::V311, Capability::Mqtt311)).await,
    ];
    for qos in 0..=2 {
        rows.push(Box::pin(qos_trip(p, qos)).await);
    }
    rows.push(step_row(Capability::Retained, retained, "--no-retained"));
    rows.extend(Box::pin(wildcards(p)).await);
    rows.push(Box::pin(shared(p)).await);
    rows.push(step_row(Capability::Durable, durable, "--no-durable"));
    rows.push(Box::pin(window(p)).await);
    rows.push(Box::pin(max_payload(p)).await);
    rows.extend(connack(limits));
    rows
}

fn failed(cap: Capability, e: &QueueError) -> Row {
    Row::new(cap, Status::NotSupported, None, format!("{e}"))
}

async fn version(p: &Probes<'_>, v: ProtocolVersion, cap: Capability) -> Row {
    let mut cfg = p.on("version", None, 0);
    cfg.options.protocol_version = v;
    let started = Instant::now();
    match Queue::open(&cfg, Role::Producer, false).await {
        Ok(q) => {
            q.close().await;
            Row::new(
                cap,
                Status::Supported,
                None,
                format!("connected in {}", human_ms(started.elapsed())),
            )
        }
        Err(e) => failed(cap, &e),
    }
}

fn step_row(cap: Capability, step: &Step, flag: &str) -> Row {
    match step {
        Step::Skipped => Row::new(cap, Status::NotMeasured, None, format!("skipped ({flag})")),
        Step::Ok(_) => Row::new(cap, Status::Supported, None, String::new()),
        Step::Failed(why) => Row::new(cap, Status::NotSupported, None, why.clone()),
    }
}

/// Sends `n` probes on `producer`; `Err` with why they were not all acknowledged.
async fn send_probes(
    producer: &mut Queue,
    run: &str,
    seqs: std::ops::Range<usize>,
    size: usize,
    timeout: Duration,
) -> Result<(), QueueError> {
    for seq in seqs {
        producer
            .send(&OutMessage {
                payload: probe(run, seq, size).into(),
                bare: true,
                ..OutMessage::default()
            })
            .await?;
    }
    match producer.flush(timeout).await.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// BURST probes at `qos`, subscribed at `qos`: each must come back once (QoS 1 may repeat
/// one), intact, at the QoS asked.
async fn qos_trip(p: &Probes<'_>, qos: u8) -> Row {
    let cap = [Capability::Qos0, Capability::Qos1, Capability::Qos2][usize::from(qos)];
    let cfg = p.on(&format!("qos{qos}"), None, qos);
    let outcome = async {
        let mut consumer = Queue::open(&cfg, Role::Consumer, false).await?;
        consumer.subscribe().await?;
        let mut producer = Queue::open(&cfg, Role::Producer, false).await?;
        send_probes(&mut producer, p.run, 0..BURST, 64, p.timeout).await?;
        producer.close().await;
        let mut seen = vec![0u32; BURST];
        let (mut lowest, mut corrupted) = (qos, 0usize);
        let deadline = Instant::now() + p.timeout;
        while seen.contains(&0) {
            let Some(m) = consumer.next(Some(deadline)).await? else {
                break;
            };
            consumer.ack(&m).await?;
            lowest = lowest.min(m.delivery.qos);
            match probe_seq(p.run, m.body()) {
                Some(s) if s < BURST && m.body() == probe(p.run, s, 64).as_slice() => seen[s] += 1,
                _ => corrupted += 1,
            }
        }
        while let Some(m) = consumer.next_unless_quiet(AFTER_LAST).await? {
            consumer.ack(&m).await?;
            if let Some(s) = probe_seq(p.run, m.body()).filter(|s| *s < BURST) {
                seen[s] += 1;
            }
        }
        consumer.close().await;
        Ok::<_, QueueError>((seen, lowest, corrupted))
    };
    match Box::pin(outcome).await {
        Err(e) => failed(cap, &e),
        Ok((seen, lowest, corrupted)) => {
            let got = seen.iter().filter(|&&n| n > 0).count();
            let twice: u32 = seen.iter().map(|&n| n.saturating_sub(1)).sum();
            let figure = Some(json!({"received": got, "sent": BURST, "duplicates": twice,
                                     "delivered_qos": lowest}));
            let text = format!("{got}/{BURST}, {twice} twice, delivered at QoS {lowest}");
            let ok = got == BURST && corrupted == 0 && lowest == qos && (qos == 1 || twice == 0);
            let why = if corrupted > 0 {
                format!("{text}; {corrupted} changed")
            } else if lowest < qos {
                format!("{text}: downgraded")
            } else {
                text
            };
            Row::new(
                cap,
                if ok {
                    Status::Supported
                } else {
                    Status::NotSupported
                },
                figure,
                why,
            )
        }
    }
}

/// Does a subscription to `filter` (under the probe topic) get a publish to `topic`?
async fn wildcards(p: &Probes<'_>) -> Vec<Row> {
    let mut rows = Vec::new();
    for (cap, filter) in [
        (Capability::WildcardPlus, "wild/+/x"),
        (Capability::WildcardHash, "wild/#"),
    ] {
        let sub = p.on(filter, None, 1);
        let publ = p.on("wild/a/x", None, 1);
        let outcome = async {
            let mut consumer = Queue::open(&sub, Role::Consumer, false).await?;
            consumer.subscribe().await?;
            let mut producer = Queue::open(&publ, Role::Producer, false).await?;
            send_probes(&mut producer, p.run, 0..1, 64, p.timeout).await?;
            producer.close().await;
            let got = consumer.next(Some(p.may_not_come())).await?;
            if let Some(m) = &got {
                consumer.ack(m).await?;
            }
            consumer.close().await;
            Ok::<_, QueueError>(got.is_some_and(|m| m.delivery.topic.ends_with("/wild/a/x")))
        };
        rows.push(match Box::pin(outcome).await {
            Err(e) => failed(cap, &e),
            Ok(true) => Row::new(cap, Status::Supported, None, String::new()),
            Ok(false) => Row::new(
                cap,
                Status::NotSupported,
                None,
                format!(
                    "a publish to …/wild/a/x did not reach …/{filter} within {}",
                    humantime::format_duration(MAY_NOT_COME.min(p.timeout))
                ),
            ),
        });
    }
    rows
}

/// Two subscribers of `$share/GROUP/…`, a burst of BURST: split, both, or none.
async fn shared(p: &Probes<'_>) -> Row {
    let cap = Capability::Shared;
    let mut sub = p.on("shared", None, 1);
    sub.options.group = Some(format!(
        "mqq-check-{}",
        &p.run[p.run.len().saturating_sub(8)..]
    ));
    let publ = p.on("shared", None, 1);
    let outcome = async {
        let mut one = Queue::open(&sub, Role::Consumer, false).await?;
        one.subscribe().await?;
        let mut two = Queue::open(&sub, Role::Consumer, false).await?;
        two.subscribe().await?;
        let mut producer = Queue::open(&publ, Role::Producer, false).await?;
        send_probes(&mut producer, p.run, 0..BURST, 64, p.timeout).await?;
        producer.close().await;
        let mut counts = [0usize; 2];
        for (i, q) in [&mut one, &mut two].into_iter().enumerate() {
            let first = q.next(Some(p.may_not_come())).await?;
            let mut m = first;
            while let Some(msg) = m {
                q.ack(&msg).await?;
                counts[i] += 1;
                m = q.next_unless_quiet(AFTER_LAST).await?;
            }
        }
        one.close().await;
        two.close().await;
        Ok::<_, QueueError>(counts)
    };
    match Box::pin(outcome).await {
        Err(e) => failed(cap, &e),
        Ok([a, b]) => {
            let figure = Some(json!({"first": a, "second": b, "sent": BURST}));
            let (status, how) = match Sharing::of(a, b, BURST) {
                Sharing::Neither => (
                    Status::NotSupported,
                    "none: `$share/…` is taken for a plain topic".to_string(),
                ),
                Sharing::Both => (
                    Status::NotSupported,
                    format!("both: each subscriber got all {BURST} (no sharing)"),
                ),
                Sharing::Split => (Status::Supported, format!("split {a}/{b} of {BURST}")),
            };
            Row::new(cap, status, figure, how)
        }
    }
}

/// The unacknowledged window a resumed MQTT 3.1.1 session gets: WINDOW_PROBE messages sent
/// while it is offline, then a count of what one connection is handed without acknowledging.
async fn window(p: &Probes<'_>) -> Row {
    let cap = Capability::Window;
    let mut cfg = p.on("window", Some(format!("{}-window", p.run)), 1);
    cfg.options.protocol_version = ProtocolVersion::V311;
    let outcome = async {
        let mut q = Queue::open(&cfg, Role::Consumer, false).await?;
        q.subscribe().await?;
        q.close().await;
        let mut producer = Queue::open(&cfg, Role::Producer, false).await?;
        let sent = send_probes(&mut producer, p.run, 0..WINDOW_PROBE, 32, p.timeout).await;
        producer.close().await;
        let counted = match sent {
            Ok(()) => {
                let mut q = Queue::open(&cfg, Role::Inspector, false).await?;
                q.subscribe().await?;
                let n = q.count(p.timeout, crate::queue::SETTLE).await;
                q.close().await;
                n
            }
            Err(e) => Err(e),
        };
        let _ = Queue::clear(&cfg).await;
        counted
    };
    match Box::pin(outcome).await {
        Err(e) => Row::new(cap, Status::NotMeasured, None, format!("{e}")),
        Ok(0) => Row::new(
            cap,
            Status::NotSupported,
            Some(json!(0)),
            "a resumed session got nothing of what was sent while it was offline".into(),
        ),
        Ok(n) if n >= WINDOW_PROBE => Row::new(
            cap,
            Status::Supported,
            Some(json!(n)),
            format!("at least {n} (MQTT 3.1.1): all that were sent came at once"),
        ),
        Ok(n) => Row::new(
            cap,
            Status::Supported,
            Some(json!(n)),
            format!("{n} (MQTT 3.1.1) of {WINDOW_PROBE} pending"),
        ),
    }
}

/// Payloads of 1 KiB, doubling up to --max-size (which is tried last): the largest that
/// round-trips intact.
async fn max_payload(p: &Probes<'_>) -> Row {
    let cap = Capability::MaxPayload;
    let cfg = p.on("payload", None, 1);
    let mut sizes = Vec::new();
    let mut s = 1024.min(p.max_size);
    while s < p.max_size {
        sizes.push(s);
        s *= 2;
    }
    sizes.push(p.max_size);
    let mut largest = None;
    let mut why = String::new();
    let mut pair: Option<(Queue, Queue)> = None;
    for (seq, &size) in sizes.iter().enumerate() {
        let outcome = async {
            let (mut consumer, mut producer) = if let Some(qs) = pair.take() {
                qs
            } else {
                let mut c = Queue::open(&cfg, Role::Consumer, false).await?;
                c.subscribe().await?;
                (c, Queue::open(&cfg, Role::Producer, false).await?)
            };
            send_probes(&mut producer, p.run, seq..seq + 1, size, p.timeout).await?;
            let got = consumer.next(Some(Instant::now() + p.timeout)).await?;
            if let Some(m) = &got {
                consumer.ack(m).await?;
            }
            let intact = got.is_some_and(|m| m.body() == probe(p.run, seq, size).as_slice());
            Ok::<_, QueueError>((intact, consumer, producer))
        };
        match Box::pin(outcome).await {
            Ok((true, c, pr)) => {
                largest = Some(size);
                pair = Some((c, pr));
            }
            Ok((false, c, pr)) => {
                why = format!("{} did not come back intact", bytes(size));
                c.close().await;
                pr.close().await;
                break;
            }
            Err(e) => {
                why = format!("{}: {e}", bytes(size));
                break;
            }
        }
    }
    if let Some((c, pr)) = pair {
        c.close().await;
        pr.close().await;
    }
    match largest {
        None => Row::new(cap, Status::NotSupported, None, why),
        Some(n) if n == p.max_size => Row::new(
            cap,
            Status::Supported,
            Some(json!(n)),
            format!("{} (all sizes up to --max-size)", bytes(n)),
        ),
        Some(n) => Row::new(
            cap,
            Status::Supported,
            Some(json!(n)),
            format!("{}; {why}", bytes(n)),
        ),
    }
}

fn bytes(n: usize) -> String {
    if n >= 1024 * 1024 && n % (1024 * 1024) == 0 {
        format!("{} MiB", n / (1024 * 1024))
    } else if n >= 1024 && n % 1024 == 0 {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// The rows of an MQTT 5 CONNACK's properties (MQTT 5 §3.2.2.3: what is not said has a
/// default, named in the row).
fn connack(limits: Option<&ServerLimits>) -> Vec<Row> {
    let Some(l) = limits else {
        return [
            Capability::ReceiveMaximum,
            Capability::MaxPacketSize,
            Capability::TopicAliasMax,
            Capability::SessionExpiry,
            Capability::RetainAvailable,
            Capability::WildcardAvailable,
            Capability::SharedAvailable,
            Capability::MaxQos,
        ]
        .into_iter()
        .map(|cap| {
            Row::new(
                cap,
                Status::NotMeasured,
                None,
                "connected with MQTT 3.1.1: its CONNACK carries no properties".into(),
            )
        })
        .collect();
    };
    let said = |v: Option<Value>, default: &str| match v {
        Some(v) => (Some(v), "said in the CONNACK".to_string()),
        None => (None, format!("not said: MQTT 5's default, {default}")),
    };
    let mut rows = Vec::new();
    let (f, t) = said(l.receive_maximum.map(|v| json!(v)), "65,535");
    rows.push(Row::new(
        Capability::ReceiveMaximum,
        Status::Supported,
        f.or(Some(json!(65_535))),
        t,
    ));
    let (f, t) = said(l.max_packet_size.map(|v| json!(v)), "no limit");
    rows.push(Row::new(Capability::MaxPacketSize, Status::Supported, f, t));
    let aliases = l.topic_alias_max.unwrap_or(0);
    let (_, t) = said(l.topic_alias_max.map(|v| json!(v)), "0");
    rows.push(Row::new(
        Capability::TopicAliasMax,
        if aliases > 0 {
            Status::Supported
        } else {
            Status::NotSupported
        },
        Some(json!(aliases)),
        t,
    ));
    let (f, t) = said(l.session_expiry.map(|v| json!(v)), "the client's");
    rows.push(Row::new(Capability::SessionExpiry, Status::Supported, f, t));
    for (cap, v) in [
        (Capability::RetainAvailable, l.retain_available),
        (Capability::WildcardAvailable, l.wildcard_available),
        (Capability::SharedAvailable, l.shared_available),
    ] {
        let (_, t) = said(v.map(|b| json!(b)), "available");
        let status = if v.unwrap_or(true) {
            Status::Supported
        } else {
            Status::NotSupported
        };
        rows.push(Row::new(cap, status, Some(json!(v.unwrap_or(true))), t));
    }
    let (_, t) = said(l.max_qos.map(|v| json!(v)), "2");
    rows.push(Row::new(
        Capability::MaxQos,
        Status::Supported,
        Some(json!(l.max_qos.unwrap_or(2))),
        t,
    ));
    rows
}

/// The CONNACK limits to report: the connection's own when it speaks MQTT 5.
pub(super) fn limits_of(q: &Queue) -> Option<ServerLimits> {
    (q.version() == Version::V5).then(|| q.server_limits().clone())
}

/// What the other verbs act on, read from the rows (docs/DESIGN.md §6): the MQTT versions
/// accepted, the MQTT 3.1.1 window (all [`WINDOW_PROBE`] at once: unbounded), and what
/// shared subscriptions do. A probe that failed without a figure stays unmeasured.
pub(super) fn learned(rows: &[Row]) -> Learned {
    let row = |cap: Capability| rows.iter().find(|r| r.cap == cap);
    let accepted = |cap| {
        row(cap).and_then(|r| match r.status {
            Status::Supported => Some(true),
            Status::NotSupported => Some(false),
            Status::NotMeasured => None,
        })
    };
    let window = row(Capability::Window)
        .filter(|r| r.status == Status::Supported)
        .and_then(|r| r.figure.as_ref()?.as_u64())
        .and_then(|n| usize::try_from(n).ok())
        .map(|n| {
            if n >= WINDOW_PROBE {
                learned::RecordedWindow::Unbounded
            } else {
                learned::RecordedWindow::Messages(n)
            }
        });
    let shared = row(Capability::Shared)
        .and_then(|r| r.figure.as_ref())
        .and_then(|f| {
            let n = |k: &str| f[k].as_u64().and_then(|n| usize::try_from(n).ok());
            Some(Sharing::of(n("first")?, n("second")?, n("sent")?))
        });
    Learned {
        at: 0,
        mqtt5: accepted(Capability::Mqtt5),
        mqtt311: accepted(Capability::Mqtt311),
        window,
        shared,
    }
}

/// Keeps what a node's rows say for the other verbs, and says where with -v.
pub(super) fn remember(broker: &str, rows: &[Row], out: &Output) {
    if let Some(file) = learned::record(broker, &learned(rows)) {
        out.diag().verbose(&format!(
            "kept what count, peek, --group and -V auto use of {broker} in {} (for {} days)",
            file.display(),
            learned::RECORD_TRUSTED_FOR.as_secs() / 86_400
        ));
    }
}
