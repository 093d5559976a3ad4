//! `check`'s reports: text lines, one JSON object, a JUnit XML report (GitLab, Jenkins and
//! GitHub's test reporters read it), and a Nagios plugin's status line with perfdata.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use super::model::{human_ms, ms, Node, NodeCheck, Report, Status, Step, Threshold};
use crate::queue::Version;

fn protocol(v: Version) -> &'static str {
    match v {
        Version::V311 => "3.1.1",
        Version::V5 => "5",
    }
}

fn step_json(s: &Step) -> Value {
    match s {
        Step::Skipped => json!({"skipped": true}),
        Step::Ok(d) => json!({"ok": true, "ms": ms(*d)}),
        Step::Failed(why) => json!({"ok": false, "error": why}),
    }
}

fn step_text(s: &Step, what: &str) -> String {
    match s {
        Step::Skipped => "skipped".into(),
        Step::Ok(d) => format!("ok, {what} ({})", human_ms(*d)),
        Step::Failed(why) => format!("FAILED: {why}"),
    }
}

fn thresholds_of<'a>(r: &'a Report, node: &'a Node) -> impl Iterator<Item = &'a Threshold> {
    r.thresholds.iter().filter(move |t| t.broker == node.broker)
}

/// One node as a JSON object (the whole report when there is one node).
fn node_json(r: &Report, node: &Node) -> Value {
    let c = match &node.result {
        Ok(c) => c,
        Err((code, why)) => {
            return json!({"ok": false, "broker": node.broker, "error": why,
                          "exit_code": *code as u8});
        }
    };
    let mut caps = Map::new();
    for row in &c.caps {
        let mut v = json!({"status": row.status.name(), "detail": row.detail});
        if let Some(f) = &row.figure {
            v["value"] = f.clone();
        }
        caps.insert(row.cap.name(), v);
    }
    let thresholds: Vec<Value> = thresholds_of(r, node)
        .map(|t| {
            let mut v = json!({"flag": t.flag, "what": t.what, "value": t.value,
                               "limit": t.limit, "ok": !t.crossed});
            if let Some((value, limit)) = t.numbers {
                v["measured"] = json!(value);
                v["limit_value"] = json!(limit);
            }
            v
        })
        .collect();
    let mut v = json!({
        "ok": r.node_ok(node) && thresholds_of(r, node).all(|t| !t.crossed),
        "broker": node.broker,
        "protocol": protocol(c.version),
        "connect_ms": ms(c.connect),
        "qos": r.qos,
        "size": r.size,
        "messages": {
            "sent": r.n,
            "received": c.trip.received,
            "missing": c.trip.missing,
            "duplicates": c.trip.duplicates,
            "corrupted": c.trip.corrupted,
        },
        "latency_ms": {
            "p50": c.pct(0.5).map(ms),
            "p99": c.pct(0.99).map(ms),
            "max": c.pct(1.0).map(ms),
        },
        "throughput_per_s": (c.rate() * 10.0).round() / 10.0,
        "retained": step_json(&c.retained),
        "durable": step_json(&c.durable),
        "capabilities": caps,
        "thresholds": thresholds,
    });
    match &c.cert {
        Some(Ok(e)) => {
            v["certificate"] = json!({"subject": e.subject, "not_after": e.not_after,
                                      "days_left": (e.days_left * 10.0).round() / 10.0});
        }
        Some(Err(why)) => v["certificate"] = json!({"error": why}),
        None => {}
    }
    v
}

/// `-F json`: one object; with several nodes `{ok, nodes: […], cross_node: […]}`.
pub(super) fn json(r: &Report) -> Value {
    if r.nodes.len() == 1 {
        let mut v = node_json(r, &r.nodes[0]);
        v["ok"] = json!(r.ok());
        return v;
    }
    let cross: Vec<Value> = r
        .cross
        .iter()
        .map(|(from, to, s)| {
            let mut v = step_json(s);
            v["from"] = json!(from);
            v["to"] = json!(to);
            v
        })
        .collect();
    json!({
        "ok": r.ok(),
        "nodes": r.nodes.iter().map(|n| node_json(r, n)).collect::<Vec<_>>(),
        "cross_node": cross,
    })
}

fn node_text(t: &mut String, r: &Report, node: &Node) {
    let c = match &node.result {
        Ok(c) => c,
        Err((_, why)) => {
            let _ = writeln!(t, "broker      {}", node.broker);
            let _ = writeln!(t, "            FAILED: {why}");
            return;
        }
    };
    let _ = writeln!(t, "broker      {} ({})", node.broker, c.version);
    let _ = writeln!(t, "connect     {}", human_ms(c.connect));
    let _ = write!(
        t,
        "round trip  {}/{} messages of {} bytes at QoS {}",
        c.trip.received, r.n, r.size, r.qos
    );
    if let (Some(p50), Some(p99), Some(max)) = (c.pct(0.5), c.pct(0.99), c.pct(1.0)) {
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
        ("missing", c.trip.missing),
        ("corrupted", c.trip.corrupted),
        ("duplicates", c.trip.duplicates),
    ] {
        if count > 0 {
            let allowed = if what == "duplicates" && r.dup_allowed {
                " (QoS 1 allows them)"
            } else {
                ""
            };
            let _ = writeln!(t, "            {count} {what}{allowed}");
        }
    }
    let _ = writeln!(t, "throughput  {:.0} msg/s", c.rate());
    let _ = writeln!(
        t,
        "retained    {}",
        step_text(&c.retained, "kept and cleared")
    );
    let _ = writeln!(
        t,
        "durable     {}",
        step_text(&c.durable, "kept while offline, delivered on reconnect")
    );
    match &c.cert {
        Some(Ok(e)) => {
            let _ = writeln!(
                t,
                "certificate {:.1} days left ({})",
                e.days_left, e.subject
            );
        }
        Some(Err(why)) => {
            let _ = writeln!(t, "certificate not read: {why}");
        }
        None => {}
    }
    if !c.caps.is_empty() {
        let _ = writeln!(t, "capabilities");
        for row in &c.caps {
            let _ = writeln!(
                t,
                "  {:<19} {:<14} {}",
                row.cap.name(),
                row.status.name(),
                row.detail
            );
        }
    }
    for th in thresholds_of(r, node) {
        let verdict = match (th.crossed, th.warning) {
            (false, _) => "ok",
            (true, true) => "WARNING",
            (true, false) => "CROSSED",
        };
        let _ = writeln!(
            t,
            "threshold   {} {}: {} (limit {}) {verdict}",
            th.flag, th.what, th.value, th.limit
        );
    }
}

/// The text report: a block per node, then the cross-node trips and the verdict; each
/// crossed threshold also on a line of its own with the measured value and the limit.
pub(super) fn text(r: &Report) -> String {
    let mut t = String::new();
    for (i, node) in r.nodes.iter().enumerate() {
        if i > 0 {
            t.push('\n');
        }
        node_text(&mut t, r, node);
    }
    for (from, to, s) in &r.cross {
        let _ = writeln!(
            t,
            "cross-node  {from} -> {to}: {}",
            step_text(s, "delivered")
        );
    }
    for th in r.thresholds.iter().filter(|t| t.crossed) {
        let who = if r.nodes.len() > 1 {
            format!("{}: ", th.broker)
        } else {
            String::new()
        };
        let _ = writeln!(t, "FAILED: {who}{}", th.line());
    }
    t.push_str(if r.ok() { "ok\n" } else { "FAILED\n" });
    t
}

fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

/// A testcase's outcome; a failure or a skip carries its message.
enum Case {
    Pass,
    Fail(String),
    Skip(String),
}

fn cases(r: &Report, node: &Node) -> Vec<(String, f64, Case)> {
    let c: &NodeCheck = match &node.result {
        Ok(c) => c,
        Err((_, why)) => return vec![("connect".into(), 0.0, Case::Fail(why.clone()))],
    };
    let mut v = vec![("connect".to_string(), c.connect.as_secs_f64(), Case::Pass)];
    let trip = &c.trip;
    let trip_case =
        if trip.missing == 0 && trip.corrupted == 0 && (r.dup_allowed || trip.duplicates == 0) {
            Case::Pass
        } else {
            Case::Fail(format!(
                "{}/{} back: {} missing, {} corrupted, {} duplicates",
                trip.received, r.n, trip.missing, trip.corrupted, trip.duplicates
            ))
        };
    v.push(("round trip".into(), trip.elapsed.as_secs_f64(), trip_case));
    for (name, s) in [("retained", &c.retained), ("durable", &c.durable)] {
        let (secs, case) = match s {
            Step::Skipped => (0.0, Case::Skip("skipped".into())),
            Step::Ok(d) => (d.as_secs_f64(), Case::Pass),
            Step::Failed(why) => (0.0, Case::Fail(why.clone())),
        };
        v.push((name.into(), secs, case));
    }
    for row in &c.caps {
        let case = match row.status {
            Status::Supported => Case::Pass,
            s => Case::Skip(format!("{}: {}", s.name(), row.detail)),
        };
        v.push((format!("capability {}", row.cap.name()), 0.0, case));
    }
    for th in thresholds_of(r, node) {
        let case = if th.crossed {
            Case::Fail(th.line())
        } else {
            Case::Pass
        };
        v.push((format!("threshold {} {}", th.flag, th.what), 0.0, case));
    }
    v
}

fn suite(x: &mut String, name: &str, cases: &[(String, f64, Case)]) {
    let failures = cases
        .iter()
        .filter(|c| matches!(c.2, Case::Fail(_)))
        .count();
    let skipped = cases
        .iter()
        .filter(|c| matches!(c.2, Case::Skip(_)))
        .count();
    let time: f64 = cases.iter().map(|c| c.1).sum();
    let _ = writeln!(
        x,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" \
         skipped=\"{skipped}\" time=\"{time:.3}\">",
        xml(name),
        cases.len()
    );
    for (case, secs, outcome) in cases {
        let head = format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{secs:.3}\"",
            xml(name),
            xml(case)
        );
        match outcome {
            Case::Pass => {
                let _ = writeln!(x, "{head}/>");
            }
            Case::Fail(m) => {
                let _ = writeln!(
                    x,
                    "{head}>\n      <failure message=\"{}\"/>\n    </testcase>",
                    xml(m)
                );
            }
            Case::Skip(m) => {
                let _ = writeln!(
                    x,
                    "{head}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                    xml(m)
                );
            }
        }
    }
    x.push_str("  </testsuite>\n");
}

/// `-F junit`: a testsuite per node (a testcase per step, capability and threshold; a
/// capability not supported is skipped unless `--require`d), and one for the cross-node trips.
pub(super) fn junit(r: &Report) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mqq check\">\n",
    );
    for node in &r.nodes {
        suite(
            &mut x,
            &format!("mqq check {}", node.broker),
            &cases(r, node),
        );
    }
    if !r.cross.is_empty() {
        let cases: Vec<(String, f64, Case)> = r
            .cross
            .iter()
            .map(|(from, to, s)| {
                let (secs, case) = match s {
                    Step::Ok(d) => (d.as_secs_f64(), Case::Pass),
                    Step::Failed(why) => (0.0, Case::Fail(why.clone())),
                    Step::Skipped => (0.0, Case::Skip("skipped".into())),
                };
                (format!("{from} -> {to}"), secs, case)
            })
            .collect();
        suite(&mut x, "mqq check cross-node", &cases);
    }
    x.push_str("</testsuites>\n");
    x
}

/// `-F nagios`: `MQQ CHECK OK - summary | perfdata` (Nagios plugin guidelines: one line,
/// `'label'=value[UOM];warn;crit;;`), exit 0/1/2 by the caller.
pub(super) fn nagios(r: &Report) -> String {
    let state = if r.ok() {
        "OK"
    } else if r.only_warnings() {
        "WARNING"
    } else {
        "CRITICAL"
    };
    let mut why: Vec<String> = Vec::new();
    let mut perf: Vec<String> = Vec::new();
    let several = r.nodes.len() > 1;
    for (i, node) in r.nodes.iter().enumerate() {
        let c = match &node.result {
            Ok(c) => c,
            Err((_, e)) => {
                why.push(format!("{}: {e}", node.broker));
                continue;
            }
        };
        if c.trip.missing > 0 || c.trip.corrupted > 0 {
            why.push(format!(
                "{}: {} missing, {} corrupted",
                node.broker, c.trip.missing, c.trip.corrupted
            ));
        }
        for (name, s) in [("retained", &c.retained), ("durable", &c.durable)] {
            if let Step::Failed(e) = s {
                why.push(format!("{}: {name}: {e}", node.broker));
            }
        }
        let prefix = if several {
            format!("n{}_", i + 1)
        } else {
            String::new()
        };
        perf.extend(perfdata(r, node, c, &prefix));
    }
    for (from, to, s) in &r.cross {
        if let Step::Failed(e) = s {
            why.push(format!("{from} -> {to}: {e}"));
        }
    }
    for th in r.thresholds.iter().filter(|t| t.crossed) {
        let who = if several {
            format!("{}: ", th.broker)
        } else {
            String::new()
        };
        why.push(format!("{who}{}", th.line()));
    }
    let summary = if why.is_empty() {
        all_well(r)
    } else {
        why.join("; ")
    };
    format!(
        "MQQ CHECK {state} - {} | {}\n",
        summary.replace('|', "/"),
        perf.join(" ")
    )
}

/// One node's Nagios perfdata, labels prefixed with `p` (`n2_` of the second node), each
/// with the limit its threshold flag set.
fn perfdata(r: &Report, node: &Node, c: &NodeCheck, p: &str) -> Vec<String> {
    let limit = |flag: &str| {
        thresholds_of(r, node)
            .find(|t| t.flag == flag)
            .and_then(|t| t.numbers)
            .map(|(_, l)| l)
    };
    let fmt = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
    let mut perf = vec![format!(
        "'{p}connect'={:.6}s;;{};0;",
        c.connect.as_secs_f64(),
        fmt(limit("--max-connect"))
    )];
    if let (Some(p50), Some(p99)) = (c.pct(0.5), c.pct(0.99)) {
        perf.push(format!(
            "'{p}p50'={:.6}s;;{};0;",
            p50.as_secs_f64(),
            fmt(limit("--max-p50"))
        ));
        perf.push(format!(
            "'{p}p99'={:.6}s;;{};0;",
            p99.as_secs_f64(),
            fmt(limit("--max-p99"))
        ));
    }
    let min_rate = limit("--min-rate")
        .map(|l| format!("{l}:"))
        .unwrap_or_default();
    perf.push(format!("'{p}rate'={:.1};;{min_rate};0;", c.rate()));
    perf.push(format!("'{p}missing'={};;0;0;", c.trip.missing));
    if let Some(Ok(e)) = &c.cert {
        let warn = limit("--warn-expiry")
            .map(|l| format!("{l:.1}:"))
            .unwrap_or_default();
        perf.push(format!("'{p}cert_days'={:.1};{warn};;;", e.days_left));
    }
    perf
}

/// The status text when nothing is wrong: the brokers, and the first one's figures.
fn all_well(r: &Report) -> String {
    let brokers: Vec<&str> = r.nodes.iter().map(|n| n.broker.as_str()).collect();
    let mut s = brokers.join(", ");
    if let Some(Ok(c)) = r.nodes.first().map(|n| &n.result) {
        if let (Some(p50), Some(p99)) = (c.pct(0.5), c.pct(0.99)) {
            let _ = write!(
                s,
                ": {}/{} back, p50 {}, p99 {}, {:.0} msg/s",
                c.trip.received,
                r.n,
                human_ms(p50),
                human_ms(p99),
                c.rate()
            );
        }
    }
    s
}
