//! What mqq remembers between runs, and only this: how many messages the last `peek` or
//! `count` of a durable queue saw and left unacknowledged, and when. It lets the next
//! `count`, `peek` or `receive` tell "the queue is empty" from "the broker holds those
//! messages back": NATS redelivers an unacknowledged message only after its `ack_wait`
//! (30 s by default), not when the session reconnects as MQTT asks, so right after a peek a
//! count there would otherwise print a wrong exact `0`.
//!
//! The file is `$XDG_STATE_HOME/mqq/unacked.json` (else `~/.local/state/mqq/…`); with
//! neither variable set nothing is remembered. It is advisory: a lost or stale entry only
//! costs a hint, never a message. Entries older than [`FORGET_AFTER`] are dropped.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// How long a peek's record is kept: far beyond any broker's ack timeout.
pub const FORGET_AFTER: Duration = Duration::from_secs(3600);

/// Largest state file read: a few hundred queues fit in a few KB.
const MAX_FILE: u64 = 1 << 20;

/// One queue's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// Messages delivered to the inspection and not acknowledged.
    pub unacked: usize,
    /// When (seconds since the Unix epoch).
    pub at: u64,
}

impl Seen {
    /// How long ago.
    pub fn age(&self) -> Duration {
        Duration::from_secs(now().saturating_sub(self.at))
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The state file, if the environment names a place for it.
fn path() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?)
            .join(".local")
            .join("state"),
    };
    Some(base.join("mqq").join("unacked.json"))
}

/// The key of a durable queue: broker address and client id.
fn key(broker: &str, client_id: &str) -> String {
    format!("{broker} {client_id}")
}

fn load() -> BTreeMap<String, Seen> {
    let Some(p) = path() else {
        return BTreeMap::new();
    };
    let Ok(f) = std::fs::File::open(&p) else {
        return BTreeMap::new();
    };
    let mut text = String::new();
    let _ = std::io::Read::read_to_string(&mut std::io::Read::take(f, MAX_FILE), &mut text);
    let mut map: BTreeMap<String, Seen> = serde_json::from_str(&text).unwrap_or_default();
    map.retain(|_, s| s.age() < FORGET_AFTER);
    map
}

fn store(map: &BTreeMap<String, Seen>) {
    let Some(p) = path() else { return };
    let Some(dir) = p.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(".unacked.{}.json", std::process::id()));
    let Ok(text) = serde_json::to_string(map) else {
        return;
    };
    if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, &p).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Records that an inspection (peek, count) of this queue saw `unacked` messages and left
/// them; returns what the previous one had left. A smaller number than the one remembered
/// does not replace it: those messages may still be held back (it ages out, or a
/// consumer's acknowledgements reduce it: [`consumed`]). Nothing for an ephemeral queue
/// (`None`): its id is new each run.
pub fn inspected(broker: &str, client_id: Option<&str>, unacked: usize) -> Option<Seen> {
    update(broker, client_id?, |before| match before {
        Some(s) if s.unacked > unacked => Some(s),
        _ if unacked == 0 => None,
        _ => Some(Seen { unacked, at: now() }),
    })
}

/// After a consumer acknowledged `acked` messages: the record shrinks by as many (and goes
/// at 0). Returns the record as it was.
pub fn consumed(broker: &str, client_id: Option<&str>, acked: usize) -> Option<Seen> {
    update(broker, client_id?, |before| {
        before
            .map(|s| Seen {
                unacked: s.unacked.saturating_sub(acked),
                ..s
            })
            .filter(|s| s.unacked > 0)
    })
}

/// One read of the file, `change` applied to this queue's record, and one write if it
/// changed; returns the record as it was.
fn update(
    broker: &str,
    client_id: &str,
    change: impl FnOnce(Option<Seen>) -> Option<Seen>,
) -> Option<Seen> {
    path()?;
    let mut map = load();
    let k = key(broker, client_id);
    let before = map.get(&k).copied();
    let after = change(before);
    if after != before {
        match after {
            Some(s) => map.insert(k, s),
            None => map.remove(&k),
        };
        store(&map);
    }
    before
}

/// The hint when fewer messages came than the last inspection left pending.
pub fn hidden_hint(seen: Seen, now_seen: usize) -> String {
    let missing = seen.unacked.saturating_sub(now_seen);
    let (s, were) = if missing == 1 {
        ("", "was")
    } else {
        ("s", "were")
    };
    format!(
        "{missing} message{s} seen {} ago by a peek or count of this queue {were} not delivered \
         again: the broker may hold unacknowledged messages back until an ack timeout passes \
         (NATS does: 30s by default; `mqtt {{ ack_wait: \"1s\" }}` shortens it), or another \
         consumer with this client id took them; look again later",
        humantime::format_duration(seen.age()),
    )
}
