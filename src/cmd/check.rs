//! `mqq check`: the smoke check of a broker, for CI and operators.
//!
//! 1. connect a consumer (timed) and subscribe to a fresh probe topic;
//! 2. send N probe messages from a second connection and receive them back, verifying every
//!    byte; latency is receive time minus send time of each probe;
//! 3. a retained message: sent, then seen by a new subscriber with the retain flag, cleared;
//! 4. a durable queue: a persistent session is made, a probe sent while it is offline, then
//!    received on reconnect; the session is removed at the end.
//!
//! Probe topics are `<topic>/<run>/…` under `-t` when given (so ACLs can allow them), else
//! `mqq/check/<run>/…`. Failures of the broker to deliver are exit 1 after the report;
//! connection problems are the usual 3/4/5.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use crate::cli::{CheckArgs, CheckFormat};
use crate::config::QueueConfig;
#[cfg(feature = "broker")]
use crate::config::{BrokerAddr, Transport};
use crate::error::Code;
use crate::output::{Output, Tally, Total};
use crate::queue::{ephemeral_client_id, OutMessage, Queue, Role};

/// What the round trip saw.
#[derive(Debug, Default)]
struct RoundTrip {
    received: usize,
    missing: usize,
    duplicates: usize,
    corrupted: usize,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

/// The outcome of one optional step.
#[derive(Debug)]
enum Step {
    Skipped,
    Ok(Duration),
    Failed(String),
}

impl Step {
    fn ok(&self) -> bool {
        !matches!(self, Step::Failed(_))
    }
    fn json(&self) -> serde_json::Value {
        match self {
            Step::Skipped => json!({"skipped": true}),
            Step::Ok(d) => json!({"ok": true, "ms": ms(*d)}),
            Step::Failed(why) => json!({"ok": false, "error": why}),
        }
    }
    fn text(&self, what: &str) -> String {
        match self {
            Step::Skipped => "skipped".into(),
            Step::Ok(d) => format!("ok, {what} ({})", human_ms(*d)),
            Step::Failed(why) => format!("FAILED: {why}"),
        }
    }
}

/// Runs `check`.
pub async fn run(
    args: &CheckArgs,
    cfg: &QueueConfig,
    out: &mut Output,
) -> anyhow::Result<ExitCode> {
    let mut cfg = cfg.clone();
    let _embedded = if args.embedded {
        Some(embedded(&mut cfg)?)
    } else {
        None
    };
    cfg.options.connect_timeout = cfg.options.connect_timeout.min(args.timeout);
    let run = ephemeral_client_id();
    let base = match cfg.topic.as_deref() {
        Some(t) => format!("{}/{run}", t.trim_end_matches('/')),
        None => format!("mqq/check/{run}"),
    };
    let on = |topic: &str, id: Option<String>| {
        let mut c = cfg.clone();
        c.topic = Some(topic.to_string());
        c.extra_topics.clear();
        c.client_id = id;
        c
    };
    let n = usize::try_from(args.count).unwrap_or(usize::MAX);
    let size = usize::try_from(args.size).unwrap_or(64);
    let qos = cfg.options.qos;

    // 1. Connect (timed) and subscribe.
    let probes = on(&format!("{base}/probe"), None);
    let started = Instant::now();
    let mut consumer = Queue::open(&probes, Role::Consumer, false).await?;
    let connect = started.elapsed();
    let broker = consumer.broker().uri();
    let version = consumer.version();
    consumer.subscribe().await?;
    out.diag().verbose(&format!(
        "connected to {broker} with {version} in {}; subscribed to {}",
        human_ms(connect),
        consumer.topic()
    ));

    // 2. Round trip.
    let progress = out
        .diag()
        .progress("probes back", Total::Messages(n as u64));
    let trip = Box::pin(round_trip(
        &probes,
        consumer,
        &run,
        n,
        size,
        args.timeout,
        progress.tally(),
    ))
    .await?;
    progress.finish();

    // 3. Retained.
    let retained = if args.no_retained {
        Step::Skipped
    } else {
        Box::pin(retained_trip(
            &on(&format!("{base}/retained"), None),
            &run,
            args.timeout,
        ))
        .await?
    };

    // 4. Durable.
    let durable = if args.no_durable {
        Step::Skipped
    } else {
        let id = format!("{run}-durable");
        Box::pin(durable_trip(
            &on(&format!("{base}/durable"), Some(id)),
            &run,
            args.timeout,
        ))
        .await?
    };

    let dup_allowed = qos == 1;
    let trip_ok = trip.missing == 0 && trip.corrupted == 0 && (dup_allowed || trip.duplicates == 0);
    let ok = trip_ok && retained.ok() && durable.ok();
    let mut lat = trip.latencies.clone();
    lat.sort();
    let pct = |p: f64| -> Option<Duration> {
        (!lat.is_empty()).then(|| lat[((lat.len() - 1) as f64 * p).round() as usize])
    };
    let rate = if trip.elapsed.is_zero() {
        0.0
    } else {
        trip.received as f64 / trip.elapsed.as_secs_f64()
    };
    match args.format {
        CheckFormat::Json => {
            let v = json!({
                "ok": ok,
                "broker": broker,
                "protocol": match version {
                    crate::queue::Version::V311 => "3.1.1",
                    crate::queue::Version::V5 => "5",
                },
                "connect_ms": ms(connect),
                "qos": qos,
                "size": size,
                "messages": {
                    "sent": n,
                    "received": trip.received,
                    "missing": trip.missing,
                    "duplicates": trip.duplicates,
                    "corrupted": trip.corrupted,
                },
                "latency_ms": {
                    "p50": pct(0.5).map(ms),
                    "p99": pct(0.99).map(ms),
                    "max": pct(1.0).map(ms),
                },
                "throughput_per_s": (rate * 10.0).round() / 10.0,
                "retained": retained.json(),
                "durable": durable.json(),
            });
            out.print(format!("{v}\n").as_bytes())?;
        }
        CheckFormat::Text => {
            let mut t = String::new();
            let _ = writeln!(t, "broker      {broker} ({version})");
            let _ = writeln!(t, "connect     {}", human_ms(connect));
            let _ = write!(
                t,
                "round trip  {}/{n} messages of {size} bytes at QoS {qos}",
                trip.received
            );
            if let (Some(p50), Some(p99), Some(max)) = (pct(0.5), pct(0.99), pct(1.0)) {
                let _ = write!(
                    t,
                    ": p50 {}, p99 {}, max {}",
                    human_ms(p50),
                    human_ms(p99),
                    human_ms(max)
                );
            }
            t.push('\n');
            for (what, count) in [
                ("missing", trip.missing),
                ("corrupted", trip.corrupted),
                ("duplicates", trip.duplicates),
            ] {
                if count > 0 {
                    let allowed = if what == "duplicates" && dup_allowed {
                        " (QoS 1 allows them)"
                    } else {
                        ""
                    };
                    let _ = writeln!(t, "            {count} {what}{allowed}");
                }
            }
            let _ = writeln!(t, "throughput  {rate:.0} msg/s");
            let _ = writeln!(t, "retained    {}", retained.text("kept and cleared"));
            let _ = writeln!(
                t,
                "durable     {}",
                durable.text("kept while offline, delivered on reconnect")
            );
            t.push_str(if ok { "ok\n" } else { "FAILED\n" });
            out.print(t.as_bytes())?;
        }
    }
    out.flush_stdout()?;
    Ok(if ok { Code::Ok } else { Code::Shortfall }.into())
}

/// Starts the embedded broker on a free port and points `cfg` at it; the broker lives as
/// long as the process.
#[cfg(feature = "broker")]
fn embedded(cfg: &mut QueueConfig) -> anyhow::Result<crate::broker::EmbeddedBroker> {
    let b = crate::broker::EmbeddedBroker::start(&crate::broker::BrokerOptions {
        users: cfg
            .credential
            .iter()
            .map(|c| (c.username.clone(), c.password.expose().to_owned()))
            .collect(),
        ..crate::broker::BrokerOptions::default()
    })?;
    cfg.connections = vec![BrokerAddr {
        transport: Transport::Tcp,
        host: b.addr().ip().to_string(),
        port: b.addr().port(),
        path: "/".into(),
    }];
    Ok(b)
}

#[cfg(not(feature = "broker"))]
fn embedded(_cfg: &mut QueueConfig) -> anyhow::Result<()> {
    Err(super::no_embedded_broker().into())
}

/// The payload of probe `seq`: a recognisable header, then bytes that vary with `seq` so
/// that a corruption anywhere shows, `size` bytes in all.
fn probe(run: &str, seq: usize, size: usize) -> Vec<u8> {
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
const HEADER: usize = 18;

/// Eight characters of the run id that mark its probes.
fn tag(run: &str) -> &str {
    let hex = run.strip_prefix("mqq-").unwrap_or(run);
    &hex[..hex.len().min(8)]
}

/// The sequence number of a probe of this run, if the body starts like one.
fn probe_seq(run: &str, body: &[u8]) -> Option<usize> {
    let head = std::str::from_utf8(body.get(..HEADER)?).ok()?;
    let (seq, rest) = head.split_once(' ')?;
    (rest.trim_end() == tag(run)).then_some(())?;
    seq.parse().ok()
}

async fn round_trip(
    cfg: &QueueConfig,
    mut consumer: Queue,
    run: &str,
    n: usize,
    size: usize,
    timeout: Duration,
    progress: Tally,
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

async fn retained_trip(cfg: &QueueConfig, run: &str, timeout: Duration) -> anyhow::Result<Step> {
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

async fn durable_trip(cfg: &QueueConfig, run: &str, timeout: Duration) -> anyhow::Result<Step> {
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
    let mut q = Queue::open(cfg, Role::Consumer, false).await?;
    let resumed = q.session_present();
    q.subscribe().await?;
    let got = q.next(Some(Instant::now() + timeout)).await?;
    if let Some(m) = &got {
        q.ack(m).await?;
    }
    q.close().await;
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

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

fn human_ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 10.0 {
        format!("{v:.2} ms")
    } else if v < 1000.0 {
        format!("{v:.1} ms")
    } else {
        format!("{:.2} s", v / 1000.0)
    }
}
