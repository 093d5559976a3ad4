//! What `check` measured and how it judges it: the round trip, the optional steps, the
//! capability rows, each node's results, the thresholds, and the whole report, with the
//! verdicts the report formats share. Data only: measuring is `probe`'s and `caps`'s,
//! showing it `report`'s.

use std::time::Duration;

use serde_json::Value;

use super::cert::Expiry;
use crate::cli::Capability;
use crate::error::Code;
use crate::queue::Version;

/// What the round trip saw.
#[derive(Debug, Default)]
pub(super) struct RoundTrip {
    pub(super) received: usize,
    pub(super) missing: usize,
    pub(super) duplicates: usize,
    pub(super) corrupted: usize,
    pub(super) latencies: Vec<Duration>,
    pub(super) elapsed: Duration,
}

/// The outcome of one optional step.
#[derive(Debug)]
pub(super) enum Step {
    Skipped,
    Ok(Duration),
    Failed(String),
}

impl Step {
    pub(super) fn ok(&self) -> bool {
        !matches!(self, Step::Failed(_))
    }
}

/// A capability's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Supported,
    NotSupported,
    NotMeasured,
}

impl Status {
    pub(super) fn name(self) -> &'static str {
        match self {
            Status::Supported => "supported",
            Status::NotSupported => "not supported",
            Status::NotMeasured => "not measured",
        }
    }
}

/// One capability row: the answer, the figure (machine-readable), and in words how.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub(super) cap: Capability,
    pub(super) status: Status,
    pub(super) figure: Option<Value>,
    pub(super) detail: String,
}

impl Row {
    pub(super) fn new(
        cap: Capability,
        status: Status,
        figure: Option<Value>,
        detail: String,
    ) -> Row {
        Row {
            cap,
            status,
            figure,
            detail,
        }
    }
}

/// What was measured on one node.
#[derive(Debug)]
pub(super) struct NodeCheck {
    pub(super) version: Version,
    pub(super) connect: Duration,
    pub(super) trip: RoundTrip,
    pub(super) retained: Step,
    pub(super) durable: Step,
    pub(super) caps: Vec<Row>,
    pub(super) cert: Option<Result<Expiry, String>>,
}

impl NodeCheck {
    pub(super) fn pct(&self, p: f64) -> Option<Duration> {
        let mut lat = self.trip.latencies.clone();
        lat.sort();
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        (!lat.is_empty()).then(|| lat[((lat.len() - 1) as f64 * p).round() as usize])
    }

    pub(super) fn rate(&self) -> f64 {
        if self.trip.elapsed.is_zero() {
            0.0
        } else {
            #[allow(clippy::cast_precision_loss)]
            let n = self.trip.received as f64;
            n / self.trip.elapsed.as_secs_f64()
        }
    }
}

/// One node: its address and what was measured, or why it could not be checked.
#[derive(Debug)]
pub(super) struct Node {
    pub(super) broker: String,
    pub(super) result: Result<NodeCheck, (Code, String)>,
}

/// A threshold (or `--require`) and how the node compared.
#[derive(Debug)]
pub(super) struct Threshold {
    /// Which node (its URI).
    pub(super) broker: String,
    /// The flag, e.g. `--max-p99`.
    pub(super) flag: String,
    /// What is compared, e.g. `p99`.
    pub(super) what: String,
    /// The measured value, in words.
    pub(super) value: String,
    /// The limit, in words.
    pub(super) limit: String,
    /// The measured value and the limit as numbers (perfdata, JSON), when numeric.
    pub(super) numbers: Option<(f64, f64)>,
    pub(super) crossed: bool,
    /// A crossed warning (`--warn-expiry`) rather than a failure.
    pub(super) warning: bool,
}

impl Threshold {
    /// The one line a crossed threshold prints.
    pub(super) fn line(&self) -> String {
        match self.flag.as_str() {
            "--require" => format!("--require {}: {}", self.what, self.value),
            "--min-rate" | "--warn-expiry" => {
                format!(
                    "{} {}, under {} {}",
                    self.what, self.value, self.flag, self.limit
                )
            }
            _ => format!(
                "{} {} over {} {}",
                self.what, self.value, self.flag, self.limit
            ),
        }
    }
}

/// Everything the report shows.
#[derive(Debug)]
pub(super) struct Report {
    pub(super) qos: u8,
    pub(super) size: usize,
    pub(super) n: usize,
    pub(super) dup_allowed: bool,
    pub(super) nodes: Vec<Node>,
    pub(super) cross: Vec<(String, String, Step)>,
    pub(super) thresholds: Vec<Threshold>,
}

impl Report {
    pub(super) fn node_ok(&self, node: &Node) -> bool {
        let Ok(c) = &node.result else { return false };
        let t = &c.trip;
        t.missing == 0
            && t.corrupted == 0
            && (self.dup_allowed || t.duplicates == 0)
            && c.retained.ok()
            && c.durable.ok()
    }

    /// Everything delivered, every node, no threshold crossed (warnings included).
    pub(super) fn ok(&self) -> bool {
        self.nodes.iter().all(|n| self.node_ok(n))
            && self.cross.iter().all(|(_, _, s)| s.ok())
            && self.thresholds.iter().all(|t| !t.crossed)
    }

    /// Only warnings crossed: what Nagios calls WARNING.
    pub(super) fn only_warnings(&self) -> bool {
        self.nodes.iter().all(|n| self.node_ok(n))
            && self.cross.iter().all(|(_, _, s)| s.ok())
            && self.thresholds.iter().all(|t| !t.crossed || t.warning)
    }
}

/// Milliseconds with two decimals, for JSON.
pub(super) fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

/// A duration for people: µs, ms or s, with the digits that matter.
pub(super) fn human_ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 0.1 {
        format!("{:.1} µs", v * 1000.0)
    } else if v < 10.0 {
        format!("{v:.2} ms")
    } else if v < 1000.0 {
        format!("{v:.1} ms")
    } else {
        format!("{:.2} s", v / 1000.0)
    }
}
