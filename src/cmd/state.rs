//! What mqq remembers between runs, and only this: how many messages the last `peek` or
//! `count` of a durable queue saw and left unacknowledged, and when. It lets the next
//! `count`, `peek` or `receive` tell "the queue is empty" from "the broker holds those
//! messages back": NATS redelivers an unacknowledged message only after its `ack_wait`
//! (30 s by default), not when the session reconnects as MQTT asks, so right after a peek a
//! count there would otherwise print a wrong exact `0`.
//!
//! The file is `$XDG_STATE_HOME/mqq/unacked.json` (else `~/.local/state/mqq/…`); with
//! neither variable set nothing is remembered. It is advisory: a lost or stale entry only
//! costs a hint, never a message. Entries older than [`UNACKED_KEPT_FOR`] are dropped.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// How long a peek's record is kept: far beyond any broker's ack timeout.
pub const UNACKED_KEPT_FOR: Duration = Duration::from_secs(3600);

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
    let mut map: BTreeMap<String, Seen> = read_json(&p).unwrap_or_default();
    map.retain(|_, s| s.age() < UNACKED_KEPT_FOR);
    map
}

/// Reads a JSON file of mqq's state (at most [`MAX_FILE`]); `None` if absent or unreadable.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(p: &std::path::Path) -> Option<T> {
    let f = std::fs::File::open(p).ok()?;
    let mut text = String::new();
    let _ = std::io::Read::read_to_string(&mut std::io::Read::take(f, MAX_FILE), &mut text);
    serde_json::from_str(&text).ok()
}

fn store(map: &BTreeMap<String, Seen>) {
    if let Some(p) = path() {
        write_json(&p, map);
    }
}

/// Writes `value` to `p` through a temporary file and a rename: a reader never sees half.
pub(crate) fn write_json(p: &std::path::Path, value: &impl Serialize) {
    let Some(dir) = p.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(".tmp.{}.json", std::process::id()));
    let Ok(text) = serde_json::to_string(value) else {
        return;
    };
    if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, p).is_err() {
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

/// After the queue's session was removed (`clear`): nothing it left is pending any more.
pub fn forget(broker: &str, client_id: Option<&str>) {
    if let Some(id) = client_id {
        update(broker, id, |_| None);
    }
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

/// An `mqq broker` that is running on this machine, as it recorded itself: the address it
/// listens on, its process id, and the window of unacknowledged messages it hands a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalBroker {
    /// The address it listens on.
    pub addr: std::net::SocketAddr,
    /// Its process id: a record whose process is gone is ignored.
    pub pid: u32,
    /// Unacknowledged messages it hands one client at once.
    pub window: usize,
}

/// Another file of mqq's state, `name`, next to the queues' records.
pub(crate) fn file(name: &str) -> Option<PathBuf> {
    Some(path()?.with_file_name(name))
}

/// The file of running `mqq broker`s: next to the queues' records.
fn brokers_path() -> Option<PathBuf> {
    Some(path()?.with_file_name("brokers.json"))
}

/// Whether process `pid` is alive. Where that cannot be told (no `/proc`), no.
fn alive(pid: u32) -> bool {
    pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn load_brokers() -> Vec<LocalBroker> {
    let Some(p) = brokers_path() else {
        return Vec::new();
    };
    let mut v: Vec<LocalBroker> = read_json(&p).unwrap_or_default();
    v.retain(|b| alive(b.pid));
    v
}

/// Records a running `mqq broker` (replacing any record of its address), so that `count`
/// and `peek` know its window: MQTT 3.1.1 has no way to tell a client.
#[cfg(feature = "broker")]
pub fn broker_started(b: LocalBroker) {
    let Some(p) = brokers_path() else { return };
    let mut v = load_brokers();
    v.retain(|o| o.addr != b.addr);
    v.push(b);
    write_json(&p, &v);
}

/// Removes the record of an `mqq broker` that stopped.
#[cfg(feature = "broker")]
pub fn broker_stopped(addr: std::net::SocketAddr) {
    let Some(p) = brokers_path() else { return };
    let mut v = load_brokers();
    v.retain(|o| o.addr != addr);
    write_json(&p, &v);
}

/// The running `mqq broker` that serves `host:port`, if one recorded itself. The host is
/// resolved only when some record has that port.
pub fn local_broker(host: &str, port: u16) -> Option<LocalBroker> {
    use std::net::ToSocketAddrs as _;
    let brokers: Vec<LocalBroker> = load_brokers()
        .into_iter()
        .filter(|b| b.addr.port() == port)
        .collect();
    if brokers.is_empty() {
        return None;
    }
    let addrs: Vec<std::net::SocketAddr> = (host, port).to_socket_addrs().ok()?.collect();
    brokers.into_iter().find(|b| {
        addrs.iter().any(|a| {
            a.ip() == b.addr.ip() || (b.addr.ip().is_unspecified() && a.ip().is_loopback())
        })
    })
}
