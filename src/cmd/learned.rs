//! What `mqq check` learned of a broker that the other verbs act on, kept per broker address
//! (the key the state file uses, `mqtt://host:port`): whether MQTT 5 and 3.1.1 were accepted,
//! the window a resumed MQTT 3.1.1 session gets, and whether shared subscriptions split, and
//! when. `-V auto` skips its MQTT 5 attempt where MQTT 5 was refused, `count` and `peek` take
//! the measured window instead of assuming one, and `--group` warns where the broker does
//! not split (docs/DESIGN.md §6).
//!
//! The file is `checked.json` next to the queues' records (`$XDG_STATE_HOME/mqq/`, else
//! `~/.local/state/mqq/`); without either variable nothing is kept. A record older than
//! [`RECORD_TRUSTED_FOR`] is ignored: the broker may have been upgraded or reconfigured since.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::cli::Command;
use crate::config::values::ProtocolVersion;
use crate::config::QueueConfig;
use crate::output::Output;
use crate::queue::{Queue, Version};

/// How long a check's record is used: a weekly CI check or an operator's occasional one
/// keeps it current, and a broker changed since is measured again within a week.
pub const RECORD_TRUSTED_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// The name of the file, in mqq's state directory.
const FILE: &str = "checked.json";

/// The window a resumed MQTT 3.1.1 session was handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordedWindow {
    /// At most this many unacknowledged messages at once.
    Messages(usize),
    /// Everything check sent came at once (aedes): no window to hit.
    Unbounded,
}

/// What two subscribers of one `$share/GROUP/…` got of a burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sharing {
    /// Split between them: the group works.
    Split,
    /// Each got every message: the group duplicates the work.
    Both,
    /// Neither got any: `$share/…` is a plain topic that nothing is sent to.
    #[serde(rename = "none")]
    Neither,
}

impl Sharing {
    /// What two subscribers' counts of a burst of `sent` say.
    pub fn of(first: usize, second: usize, sent: usize) -> Sharing {
        match (first, second) {
            (0, 0) => Sharing::Neither,
            (a, b) if a >= sent && b >= sent => Sharing::Both,
            _ => Sharing::Split,
        }
    }

    /// The word check's report and the warnings use.
    pub fn name(self) -> &'static str {
        match self {
            Sharing::Split => "split",
            Sharing::Both => "both",
            Sharing::Neither => "none",
        }
    }
}

/// One broker's record; `None`: not measured (a probe skipped or inconclusive).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learned {
    /// When check measured it (seconds since the Unix epoch).
    pub at: u64,
    /// An MQTT 5 connection was accepted.
    pub mqtt5: Option<bool>,
    /// An MQTT 3.1.1 connection was accepted.
    pub mqtt311: Option<bool>,
    /// The window of a resumed MQTT 3.1.1 session.
    pub window: Option<RecordedWindow>,
    /// What shared subscriptions do.
    pub shared: Option<Sharing>,
}

impl Learned {
    /// Whether anything was measured.
    pub fn is_empty(&self) -> bool {
        self.mqtt5.is_none()
            && self.mqtt311.is_none()
            && self.window.is_none()
            && self.shared.is_none()
    }

    /// How long ago it was measured.
    pub fn age(&self) -> Duration {
        Duration::from_secs(now().saturating_sub(self.at))
    }

    /// `-V auto` need not try MQTT 5: it was refused, and 3.1.1 accepted.
    fn v311_only(&self) -> bool {
        self.mqtt5 == Some(false) && self.mqtt311 == Some(true)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn path() -> Option<PathBuf> {
    crate::cmd::state::file(FILE)
}

/// The fresh records: older ones, and ones from the future (a clock set back), are dropped.
fn load() -> BTreeMap<String, Learned> {
    let Some(p) = path() else {
        return BTreeMap::new();
    };
    let mut map: BTreeMap<String, Learned> = crate::cmd::state::read_json(&p).unwrap_or_default();
    let now = now();
    map.retain(|_, l| fresh(l, now));
    map
}

/// Whether a record is to be used at `now`: measured within [`RECORD_TRUSTED_FOR`], not after now.
fn fresh(l: &Learned, now: u64) -> bool {
    l.at <= now && now - l.at < RECORD_TRUSTED_FOR.as_secs()
}

/// Keeps what check measured of `broker` (replacing its earlier record); returns the file,
/// or `None` when there is no place for it or nothing was measured.
pub fn record(broker: &str, learned: &Learned) -> Option<PathBuf> {
    if learned.is_empty() {
        return None;
    }
    let p = path()?;
    let mut map = load();
    map.insert(
        broker.to_owned(),
        Learned {
            at: now(),
            ..learned.clone()
        },
    );
    crate::cmd::state::write_json(&p, &map);
    Some(p)
}

/// Check's fresh record of `broker` (a URI as [`crate::config::BrokerAddr::uri`] gives it).
pub fn of(broker: &str) -> Option<Learned> {
    load().remove(broker)
}

/// "3 days ago", "just now": how old a record is, in the words of a warning.
pub fn ago(age: Duration) -> String {
    let s = age.as_secs();
    let (n, unit) = match s {
        0 => return "just now".into(),
        1..=59 => (s, "second"),
        60..=3599 => (s / 60, "minute"),
        3600..=86_399 => (s / 3600, "hour"),
        _ => (s / 86_400, "day"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// For `count` and `peek` on MQTT 3.1.1 without `--window`: the window check measured on
/// `broker` (`None` inside: unbounded), and how long ago.
pub fn window(broker: &str) -> Option<(Option<usize>, Duration)> {
    let l = of(broker)?;
    let size = match l.window? {
        RecordedWindow::Messages(n) => Some(n),
        RecordedWindow::Unbounded => None,
    };
    Some((size, l.age()))
}

/// `-V auto`, the default, tries MQTT 5 first and waits up to 3 s for a broker that ignores
/// it (amqtt): where check found MQTT 5 refused and 3.1.1 accepted, it connects with 3.1.1
/// at once. `check` too (each of its probes' connections would wait; its MQTT 5 row still
/// asks MQTT 5, and renews the record), but not `check --embedded` nor `broker`, which do
/// not connect to the configured address.
pub fn pick_version(command: &Command, cfg: &mut QueueConfig, out: &Output) {
    let elsewhere = match command {
        Command::Check(a) => a.embedded,
        Command::Broker(_) => true,
        _ => false,
    };
    if elsewhere || cfg.options.protocol_version != ProtocolVersion::Auto {
        return;
    }
    let Some(addr) = cfg.connections.first() else {
        return;
    };
    let broker = addr.uri();
    let Some(l) = of(&broker).filter(Learned::v311_only) else {
        return;
    };
    cfg.options.protocol_version = ProtocolVersion::V311;
    out.diag().verbose(&format!(
        "-V auto: MQTT 3.1.1 at once, as mqq check found that {broker} refuses MQTT 5 ({}); \
         -V 5 tries it anyway",
        ago(l.age())
    ));
}

/// For a `--group` subscription: warns when the broker will not split the group's messages.
/// An MQTT 5 CONNACK that says whether it has shared subscriptions is believed first; else
/// check's record; else, on MQTT 3.1.1, which says nothing, a warning naming the brokers
/// known not to share.
pub fn warn_group(q: &Queue, out: &Output) {
    let filters = q.filters();
    let Some(filter) = filters.iter().find(|f| f.starts_with("$share/")) else {
        return;
    };
    let broker = q.broker().uri();
    let said = match q.version() {
        Version::V5 => q.server_limits().shared_available,
        Version::V311 => None,
    };
    let checked = || of(&broker).and_then(|l| Some((l.shared?, l.age())));
    let warning = group_warning(
        &broker,
        filter,
        q.version(),
        said,
        said.is_none().then(checked).flatten(),
    );
    if let Some(w) = warning {
        out.diag().warn(&w);
    }
}

/// The `--group` warning, if one is due: `said` is the CONNACK's Shared Subscription
/// Available, `checked` check's record of the broker and its age.
fn group_warning(
    broker: &str,
    filter: &str,
    version: Version,
    said: Option<bool>,
    checked: Option<(Sharing, Duration)>,
) -> Option<String> {
    const INSTEAD: &str = "split the work by topic instead (a topic per worker pool), or use \
                           the broker's own protocol for competing consumers";
    match (said, checked) {
        (Some(false), _) => Some(format!(
            "--group: {broker} says it has no shared subscriptions (its MQTT 5 CONNACK: Shared \
             Subscription Available 0), so it will refuse {filter} or deliver it nothing; \
             {INSTEAD}"
        )),
        (Some(true), _) | (None, Some((Sharing::Split, _))) => None,
        (None, Some((Sharing::Neither, age))) => Some(format!(
            "--group: {broker} takes {filter} for a plain topic (shared subscriptions: none, \
             mqq check, {}): nothing sent to the queue's topic reaches this group; {INSTEAD}",
            ago(age)
        )),
        (None, Some((Sharing::Both, age))) => Some(format!(
            "--group: {broker} gives every subscriber of {filter} every message (shared \
             subscriptions: both, mqq check, {}): each consumer of the group gets them all, \
             so the work is done once per consumer; {INSTEAD}",
            ago(age)
        )),
        (None, None) => (version == Version::V311).then(|| {
            "--group with MQTT 3.1.1: mosquitto, EMQX, HiveMQ and the embedded broker share \
             $share/… subscriptions, but brokers without shared subscriptions (NATS 2.9, \
             RabbitMQ 3.10, aedes, amqtt) take it for a plain topic and deliver nothing to the \
             group; there, split the work by topic, or use the broker's own protocol (NATS \
             queue groups, RabbitMQ queues); `mqq check` tells which this broker is"
                .into()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: &str = "mqtt://broker:1883";
    const F: &str = "$share/g/jobs";

    #[test]
    fn a_connack_that_says_no_shared_subscriptions_is_believed_first() {
        let w = group_warning(B, F, Version::V5, Some(false), Some((Sharing::Split, ZERO)));
        assert!(w.unwrap().contains("Shared Subscription Available 0"));
        let w = group_warning(
            B,
            F,
            Version::V5,
            Some(true),
            Some((Sharing::Neither, ZERO)),
        );
        assert_eq!(w, None);
    }

    const ZERO: Duration = Duration::ZERO;

    #[test]
    fn check_s_record_says_what_the_group_will_get() {
        let two_days = Duration::from_secs(2 * 86_400 + 5);
        let w = group_warning(
            B,
            F,
            Version::V311,
            None,
            Some((Sharing::Neither, two_days)),
        );
        assert!(w
            .unwrap()
            .contains("(shared subscriptions: none, mqq check, 2 days ago)"),);
        let w = group_warning(B, F, Version::V5, None, Some((Sharing::Both, ZERO)));
        assert!(w
            .unwrap()
            .contains("each consumer of the group gets them all"));
        assert_eq!(
            group_warning(B, F, Version::V311, None, Some((Sharing::Split, ZERO))),
            None
        );
    }

    #[test]
    fn without_a_record_only_mqtt_3_gets_the_general_warning() {
        let w = group_warning(B, F, Version::V311, None, None).unwrap();
        assert!(w.starts_with("--group with MQTT 3.1.1: "), "{w}");
        assert_eq!(group_warning(B, F, Version::V5, None, None), None);
    }

    #[test]
    fn sharing_is_read_from_two_subscribers_counts() {
        assert_eq!(Sharing::of(0, 0, 20), Sharing::Neither);
        assert_eq!(Sharing::of(20, 20, 20), Sharing::Both);
        assert_eq!(Sharing::of(11, 9, 20), Sharing::Split);
        assert_eq!(Sharing::of(20, 0, 20), Sharing::Split);
    }

    #[test]
    fn a_record_older_than_a_week_is_ignored() {
        let now = 1_700_000_000;
        let at = |at| Learned {
            at,
            ..Learned::default()
        };
        assert!(fresh(&at(now), now));
        assert!(fresh(&at(now - 6 * 86_400), now));
        assert!(!fresh(&at(now - 7 * 86_400), now));
        assert!(
            !fresh(&at(now + 60), now),
            "from the future: a clock set back"
        );
    }

    #[test]
    fn ages_in_words() {
        assert_eq!(ago(Duration::from_millis(300)), "just now");
        assert_eq!(ago(Duration::from_secs(1)), "1 second ago");
        assert_eq!(ago(Duration::from_secs(150)), "2 minutes ago");
        assert_eq!(ago(Duration::from_secs(3600)), "1 hour ago");
        assert_eq!(ago(Duration::from_secs(6 * 86_400)), "6 days ago");
    }

    #[test]
    fn the_record_reads_back_as_written() {
        let l = Learned {
            at: 1_700_000_000,
            mqtt5: Some(false),
            mqtt311: Some(true),
            window: Some(RecordedWindow::Unbounded),
            shared: Some(Sharing::Neither),
        };
        let text = serde_json::to_string(&l).unwrap();
        assert!(text.contains(r#""window":"unbounded""#), "{text}");
        assert!(text.contains(r#""shared":"none""#), "{text}");
        assert_eq!(serde_json::from_str::<Learned>(&text).unwrap(), l);
        let n = serde_json::to_string(&RecordedWindow::Messages(20)).unwrap();
        assert_eq!(n, r#"{"messages":20}"#);
        assert!(l.v311_only());
        assert!(!Learned::default().v311_only());
        assert!(Learned::default().is_empty());
    }
}
