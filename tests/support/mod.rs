//! Test support: brokers on free loopback ports and an `mqq` command builder with an isolated
//! environment. No fixed ports; readiness is probed, never slept on.
//!
//! ```ignore
//! let b = Broker::start();
//! b.mqq().topic(&t).args(["send", "-q", "1", "one"]).run().expect_code(0);
//! let bg = b.mqq().topic(&t).args(["listen", "-n", "1"]).spawn();
//! mqq().args(["completions", "bash"]).run().expect_code(0);
//! ```

mod broker;
mod command;
pub mod fake;
pub mod nats;
pub mod rabbitmq;
pub mod raw;
mod slow_link;
pub mod tls;

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use broker::{have_mosquitto_clients, kind, Broker, BrokerOpts, Kind};
pub use command::{mqq, Mqq, Out};
pub use slow_link::SlowLink;

/// A loopback port nobody in this process was given before, free at the time of asking.
pub fn free_port() -> u16 {
    static USED: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let used = USED.get_or_init(|| Mutex::new(HashSet::new()));
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if used.lock().unwrap().insert(port) {
            return port;
        }
    }
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
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = nanos ^ (u128::from(std::process::id()) << 64) ^ u128::from(free_port()) << 32;
    format!("{n:032x}").chars().rev().collect()
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
