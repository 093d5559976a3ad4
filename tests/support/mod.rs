//! Test support: brokers on free loopback ports, what each can do (`caps.rs`), and an `mqq`
//! command builder with an isolated environment. No fixed ports; readiness is probed, never
//! slept on.
//!
//! ```ignore
//! let b = Broker::start();
//! if b.speaks_v5() { /* … */ }
//! b.mqq().topic(&t).args(["send", "-q", "1", "one"]).run().expect_code(0);
//! let bg = b.mqq().topic(&t).args(["listen", "-n", "1"]).spawn();
//! mqq().args(["completions", "bash"]).run().expect_code(0);
//! ```

mod broker;
mod caps;
mod command;
pub mod fake;
pub mod nats;
pub mod rabbitmq;
pub mod raw;
pub mod server;
mod slow_link;
pub mod tls;

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use broker::{mosquitto_clients, mqtt5_listener, Broker, BrokerOpts};
pub use caps::{caps, kind, Kind, Qos2, Window};
pub use command::{mqq, Mqq, Out};
pub use slow_link::SlowLink;

/// A loopback port nobody in this process was given before, free at the time of asking,
/// for a broker a test spawns (which binds it a moment later). Taken below the kernel's
/// ephemeral range (32768–60999 on Linux): a port the kernel hands out meanwhile (a fake
/// server of another test binding port 0, a client's own end of a connection) is never one
/// of these, so the broker cannot find its port taken, and a readiness probe cannot mistake
/// another test's server for it (an aedes pass once connected to a fake HTTP server there).
/// Each pass takes its ports from a slice of its own: CI runs the passes at once, and a port
/// one pass chose for a RabbitMQ still booting (a minute under load) was free to the others
/// (a cluster's node found its port taken and died).
pub fn free_port() -> u16 {
    const FIRST: usize = 20_000;
    const SPAN: usize = 2_000;
    static USED: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let used = USED.get_or_init(|| Mutex::new(HashSet::new()));
    let first = FIRST + SPAN * kind().index();
    loop {
        let port = (first + (uuid::Uuid::new_v4().as_u128() % SPAN as u128) as usize) as u16;
        let mut used = used.lock().unwrap();
        if used.contains(&port) {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            used.insert(port);
            return port;
        }
    }
}

/// True when a missing server must fail the case rather than skip it (`MQQ_REQUIRE_BROKERS`,
/// set by CI, which installs them all).
pub fn brokers_required() -> bool {
    std::env::var_os("MQQ_REQUIRE_BROKERS").is_some()
}

/// The cases that do not depend on the suite's broker (usage errors, config, generated
/// files, the README, servers and clusters of their own) run in the hermetic pass only:
/// once per CI run, not once per broker pass. `if !once() { return; }` opens them.
pub fn once() -> bool {
    caps().hermetic()
}

/// A unique topic for a test.
pub fn topic(name: &str) -> String {
    format!("mqq-test/{name}/{}", &uuid_hex()[..8])
}

/// A unique durable client id.
pub fn client_id(name: &str) -> String {
    format!("mqq-test-{name}-{}", &uuid_hex()[..8])
}

fn uuid_hex() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Runs `what` and asserts it took less than `limit`.
#[track_caller]
pub fn within<T>(limit: Duration, what: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let value = what();
    let took = started.elapsed();
    assert!(took < limit, "took {took:?}, expected under {limit:?}");
    value
}

/// A broker that never answers: a loopback listener nobody accepts on. The kernel completes
/// TCP's handshake into its backlog, so a client connects, sends CONNECT, and waits for a
/// CONNACK that never comes. The port stays bound while the listener lives.
pub fn silent_server() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").unwrap()
}
