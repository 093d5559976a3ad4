//! `mqq check`: the broker check, for CI jobs, monitoring and operators.
//!
//! Per address (`-L` repeated or a `connections:` list: each node is checked):
//! 1. connect a consumer (timed) and subscribe to a fresh probe topic;
//! 2. send N probe messages from a second connection and receive them back, verifying every
//!    byte; latency is receive time minus send time of each probe;
//! 3. a retained message: sent, then seen by a new subscriber with the retain flag, cleared;
//! 4. a durable queue: a persistent session is made, a probe sent while it is offline, then
//!    received on reconnect; the session is removed at the end;
//! 5. the capabilities (`caps`), unless `--no-capabilities`; for TLS, the server
//!    certificate's expiry (`cert`).
//!
//! With several nodes, a cross-node round trip from each node to the next. Then the
//! thresholds, and the report (`report`: text, JSON, JUnit, Nagios). What the other verbs act
//! on is kept per address (`caps::remember`, `super::learned`).
//!
//! Probe topics are `<topic>/<run>/…` under `-t` when given (so ACLs can allow them), else
//! `mqq/check/<run>/…`. Failures of the broker to deliver and crossed thresholds are exit 1
//! after the report; connection problems are the usual 3/4/5 (Nagios: CRITICAL).

mod caps;
mod cert;
mod model;
mod probe;
mod report;

use std::process::ExitCode;
use std::time::Duration;

use tokio::time::Instant;

use crate::cli::{CheckArgs, CheckFormat};
use crate::config::{BrokerAddr, ProtocolVersion, QueueConfig};
use crate::error::Code;
use crate::output::{Output, Total};
use crate::queue::{ephemeral_client_id, OutMessage, Queue, Role, ServerLimits, Version};
use cert::Expiry;
use model::{human_ms, Node, NodeCheck, Report, Row, Status, Step, Threshold};

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
    let addrs = cfg.connections.clone();
    let several = addrs.len() > 1;
    let mut report = Report {
        qos: cfg.options.qos,
        size: usize::try_from(args.size).unwrap_or(64),
        n: usize::try_from(args.count).unwrap_or(usize::MAX),
        dup_allowed: cfg.options.qos == 1,
        nodes: Vec::new(),
        cross: Vec::new(),
        thresholds: Vec::new(),
    };
    for (i, addr) in addrs.iter().enumerate() {
        let mut node_cfg = cfg.clone();
        node_cfg.connections = vec![addr.clone()];
        let node_base = if several {
            format!("{base}/node{}", i + 1)
        } else {
            base.clone()
        };
        let result = Box::pin(check_node(args, &node_cfg, &node_base, &run, &report, out)).await;
        let result = match result.map_err(|e| crate::error::in_check_probes(e, &node_base)) {
            Ok(c) => Ok(c),
            // One node: its error is the command's, with its exit code and hint, as for every
            // verb; Nagios gets a status line instead, and several nodes a row each.
            Err(e) if !several && args.format != CheckFormat::Nagios => return Err(e),
            Err(e) => Err((crate::error::code(&e), format!("{e:#}"))),
        };
        if let (Ok(c), false) = (&result, args.embedded) {
            caps::remember(&addr.uri(), &c.caps, out);
        }
        report.nodes.push(Node {
            broker: addr.uri(),
            result,
        });
    }
    if several {
        for (i, from) in addrs.iter().enumerate() {
            let to = &addrs[(i + 1) % addrs.len()];
            let step = cross_trip(&cfg, from, to, &format!("{base}/cross{i}"), &run, args).await;
            report.cross.push((from.uri(), to.uri(), step));
        }
    }
    report.thresholds = thresholds(args, &report);
    let text = match args.format {
        CheckFormat::Text => report::text(&report),
        CheckFormat::Json => format!("{}\n", report::json(&report)),
        CheckFormat::Junit => report::junit(&report),
        CheckFormat::Nagios => report::nagios(&report),
    };
    out.print(text.as_bytes())?;
    out.flush_stdout()?;
    if args.format == CheckFormat::Nagios {
        let code = if report.ok() {
            0
        } else if report.only_warnings() {
            1
        } else {
            2
        };
        return Ok(ExitCode::from(code));
    }
    if let Some((code, _)) = report.nodes.iter().find_map(|n| n.result.as_ref().err()) {
        return Ok((*code).into());
    }
    Ok(if report.ok() {
        Code::Ok
    } else {
        Code::Shortfall
    }
    .into())
}

/// Steps 1–5 on one node.
async fn check_node(
    args: &CheckArgs,
    cfg: &QueueConfig,
    base: &str,
    run: &str,
    report: &Report,
    out: &mut Output,
) -> anyhow::Result<NodeCheck> {
    let on = |cfg: &QueueConfig, topic: &str, id: Option<String>| {
        let mut c = cfg.clone();
        c.topic = Some(topic.to_string());
        c.extra_topics.clear();
        c.client_id = id;
        c
    };
    let (n, size) = (report.n, report.size);

    // 1. Connect (timed) and subscribe.
    let probe_topic = format!("{base}/probe");
    let started = Instant::now();
    let mut consumer = Queue::open(&on(cfg, &probe_topic, None), Role::Consumer, false).await?;
    let connect = started.elapsed();
    let broker = consumer.broker().uri();
    let version = consumer.version();
    let cfg = &speaking(cfg, version);
    let probes = on(cfg, &probe_topic, None);
    let limits = caps::limits_of(&consumer);
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
    let trip = Box::pin(probe::round_trip(
        &probes,
        consumer,
        run,
        n,
        size,
        args.timeout,
        progress.counter(),
    ))
    .await?;
    progress.finish();

    // 3. Retained.
    let retained = if args.no_retained {
        Step::Skipped
    } else {
        Box::pin(probe::retained_trip(
            &on(cfg, &format!("{base}/retained"), None),
            run,
            args.timeout,
        ))
        .await?
    };

    // 4. Durable.
    let durable = if args.no_durable {
        Step::Skipped
    } else {
        let id = format!("{run}-durable");
        Box::pin(probe::durable_trip(
            &on(cfg, &format!("{base}/durable"), Some(id)),
            run,
            args.timeout,
        ))
        .await?
    };

    // 5. Capabilities and the certificate.
    let (caps, cert) = Box::pin(capabilities(
        args,
        cfg,
        base,
        run,
        (&retained, &durable),
        limits,
    ))
    .await;
    Ok(NodeCheck {
        version,
        connect,
        trip,
        retained,
        durable,
        caps,
        cert,
    })
}

/// `cfg` for the steps after the first connection: where `-V auto` fell back to MQTT 3.1.1,
/// they speak it at once (a broker that leaves an MQTT 5 CONNECT unanswered, amqtt, cost each
/// of their connections the 3 s probe). The version rows of step 5 ask for theirs themselves.
fn speaking(cfg: &QueueConfig, found: Version) -> QueueConfig {
    let mut cfg = cfg.clone();
    if cfg.options.protocol_version == ProtocolVersion::Auto && found == Version::V311 {
        cfg.options.protocol_version = ProtocolVersion::V311;
    }
    cfg
}

/// Step 5 on one node: the capabilities (which the retained and durable steps answer two
/// of, and an MQTT 5 CONNACK's `limits` four), and a TLS address's certificate.
async fn capabilities(
    args: &CheckArgs,
    cfg: &QueueConfig,
    base: &str,
    run: &str,
    (retained, durable): (&Step, &Step),
    limits: Option<ServerLimits>,
) -> (Vec<Row>, Option<Result<Expiry, String>>) {
    let caps = if args.no_capabilities {
        Vec::new()
    } else {
        let p = caps::Probes {
            cfg,
            base: format!("{base}/cap"),
            run,
            timeout: args.timeout,
            max_size: usize::try_from(args.max_size).unwrap_or(usize::MAX),
        };
        Box::pin(caps::all(&p, retained, durable, limits.as_ref())).await
    };
    let addr = &cfg.connections[0];
    let cert = if addr.is_tls() {
        Some(cert::expiry(addr, cfg, args.timeout).await)
    } else {
        None
    };
    (caps, cert)
}

/// A probe published on `from` and received on `to`.
async fn cross_trip(
    cfg: &QueueConfig,
    from: &BrokerAddr,
    to: &BrokerAddr,
    topic: &str,
    run: &str,
    args: &CheckArgs,
) -> Step {
    let at = |addr: &BrokerAddr| {
        let mut c = cfg.clone();
        c.connections = vec![addr.clone()];
        c.topic = Some(topic.to_string());
        c.extra_topics.clear();
        c.client_id = None;
        c
    };
    let started = Instant::now();
    let body = probe::probe(run, 7, 48);
    let outcome = async {
        let mut consumer = Queue::open(&at(to), Role::Consumer, false).await?;
        consumer.subscribe().await?;
        let mut producer = Queue::open(&at(from), Role::Producer, false).await?;
        producer
            .send(&OutMessage {
                payload: body.clone().into(),
                bare: true,
                ..OutMessage::default()
            })
            .await?;
        if let Some(e) = producer.flush(args.timeout).await.error {
            return Err(e);
        }
        producer.close().await;
        let got = consumer.next(Some(Instant::now() + args.timeout)).await?;
        if let Some(m) = &got {
            consumer.ack(m).await?;
        }
        consumer.close().await;
        Ok(got)
    };
    match Box::pin(outcome).await {
        Err(e) => Step::Failed(format!("{e}")),
        Ok(None) => Step::Failed(format!(
            "published on {}, nothing arrived on {} within {}",
            from.uri(),
            to.uri(),
            humantime::format_duration(args.timeout)
        )),
        Ok(Some(m)) if m.body() != body.as_slice() => Step::Failed("it came back changed".into()),
        Ok(Some(_)) => Step::Ok(started.elapsed()),
    }
}

/// The thresholds asked for, per node.
fn thresholds(args: &CheckArgs, report: &Report) -> Vec<Threshold> {
    let mut all = Vec::new();
    for node in &report.nodes {
        let Ok(c) = &node.result else { continue };
        let mut add = |flag: &str, what: &str, value: Option<Duration>, limit: Option<Duration>| {
            if let (Some(v), Some(l)) = (value, limit) {
                all.push(Threshold {
                    broker: node.broker.clone(),
                    flag: flag.into(),
                    what: what.into(),
                    value: human_ms(v),
                    limit: human_ms(l),
                    numbers: Some((v.as_secs_f64(), l.as_secs_f64())),
                    crossed: v > l,
                    warning: false,
                });
            }
        };
        add(
            "--max-connect",
            "connect",
            Some(c.connect),
            args.max_connect,
        );
        add("--max-p50", "p50", c.pct(0.5), args.max_p50);
        add("--max-p99", "p99", c.pct(0.99), args.max_p99);
        if let Some(min) = args.min_rate {
            let rate = c.rate();
            all.push(Threshold {
                broker: node.broker.clone(),
                flag: "--min-rate".into(),
                what: "rate".into(),
                value: format!("{rate:.0} msg/s"),
                limit: format!("{min} msg/s"),
                numbers: Some((rate, min)),
                crossed: rate < min,
                warning: false,
            });
        }
        for cap in &args.require {
            let row = c.caps.iter().find(|r| r.cap == *cap);
            let (value, crossed) = match row {
                Some(r) if r.status == Status::Supported => ("supported".to_string(), false),
                Some(r) => (format!("{} ({})", r.status.name(), r.detail), true),
                None => ("not measured (--no-capabilities)".to_string(), true),
            };
            all.push(Threshold {
                broker: node.broker.clone(),
                flag: "--require".into(),
                what: cap.name(),
                value,
                limit: "supported".into(),
                numbers: None,
                crossed,
                warning: false,
            });
        }
        if let Some(warn) = args.warn_expiry {
            #[allow(clippy::cast_precision_loss)]
            let limit_days = warn.as_secs_f64() / 86_400.0;
            let (value, numbers, crossed) = match &c.cert {
                Some(Ok(e)) => (
                    format!("{:.1} days left", e.days_left),
                    Some((e.days_left, limit_days)),
                    e.days_left < limit_days,
                ),
                Some(Err(why)) => (format!("not read: {why}"), None, true),
                None => ("not measured (not TLS)".to_string(), None, false),
            };
            all.push(Threshold {
                broker: node.broker.clone(),
                flag: "--warn-expiry".into(),
                what: "certificate".into(),
                value,
                limit: format!("{limit_days:.1} days"),
                numbers,
                crossed,
                warning: true,
            });
        }
    }
    all
}

/// Starts the embedded broker on a free port and points `cfg` at it; the broker lives as
/// long as the process.
#[cfg(feature = "broker")]
fn embedded(cfg: &mut QueueConfig) -> anyhow::Result<crate::broker::EmbeddedBroker> {
    use crate::config::Transport;
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
    Err(super::shared::no_embedded_broker().into())
}
