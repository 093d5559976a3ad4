//! The embedded MQTT broker (rumqttd, feature `broker`): for trying mqq and for the hermetic
//! test suite, later also `mqq broker` and `check --embedded`. Not a production broker; those
//! are mosquitto, EMQX, HiveMQ, RabbitMQ, NATS.
//!
//! rumqttd binds its own listener and cannot report the port it got, nor be stopped: so a
//! free loopback port is chosen first, readiness is probed by connecting (never by sleeping),
//! and the broker lives until the process ends.

use std::collections::HashMap;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rumqttd::{Config, ConnectionSettings, RouterConfig, ServerSettings};

/// rumqttd's `max_inflight_count`: how many packets it reads from a client in one go. It does
/// not bound what it hands a client: that is [`WINDOW`].
pub const DEFAULT_READ_BATCH: u16 = 20;

/// The unacknowledged QoS 1/2 messages the embedded broker hands one client at once:
/// rumqttd 0.20's `MAX_INFLIGHT` (`router/iobufs.rs`), a constant no setting changes
/// (measured: 3,000 pending, a count saw 100). `mqq broker` records it for `count` and `peek`.
pub const WINDOW: usize = 100;

/// Largest payload the embedded broker accepts (the tests send 16 MiB).
pub const MAX_PAYLOAD: usize = 64 * 1024 * 1024;

/// How long [`EmbeddedBroker::start`] waits for the listener before giving up.
const READY_WITHIN: Duration = Duration::from_secs(10);

/// How the embedded broker is set up.
#[derive(Debug, Clone)]
pub struct BrokerOptions {
    /// Address to listen on; port 0 picks a free loopback port.
    pub bind: SocketAddr,
    /// user name → password; when empty, anonymous clients are accepted.
    pub users: Vec<(String, String)>,
    /// rumqttd's `max_inflight_count`: packets read from a client in one go (not the window
    /// of messages it hands a client, [`WINDOW`]).
    pub read_batch: u16,
    /// Also serve MQTT over WebSockets here (any path); port 0 picks a free loopback port.
    pub ws: Option<SocketAddr>,
    /// Also serve MQTT 5 here (rumqttd's MQTT 5 listener; the suite's MQTT 5 cases on the
    /// embedded broker); port 0 picks a free loopback port.
    pub v5: Option<SocketAddr>,
}

impl Default for BrokerOptions {
    fn default() -> Self {
        BrokerOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            users: Vec::new(),
            read_batch: DEFAULT_READ_BATCH,
            ws: None,
            v5: None,
        }
    }
}

/// A running embedded broker (MQTT 3.1.1 over TCP, and WebSockets if asked). It runs on its own threads until the
/// process exits.
#[derive(Debug, Clone)]
pub struct EmbeddedBroker {
    addr: SocketAddr,
    ws: Option<SocketAddr>,
    v5: Option<SocketAddr>,
}

impl EmbeddedBroker {
    /// Starts a broker and returns once it accepts connections.
    pub fn start(opts: &BrokerOptions) -> io::Result<EmbeddedBroker> {
        // A free port is chosen (port 0), or the given one checked: rumqttd's own bind error
        // is not reported, and another listener there would answer the readiness probe.
        let pick = |mut addr: SocketAddr| -> io::Result<SocketAddr> {
            let probe = TcpListener::bind(addr)?;
            addr.set_port(probe.local_addr()?.port());
            Ok(addr)
        };
        let addr = pick(opts.bind)?;
        let ws = opts.ws.map(pick).transpose()?;
        let v5 = opts.v5.map(pick).transpose()?;
        let (done_tx, done_rx) = mpsc::channel();
        let config = config(addr, ws, v5, opts);
        std::thread::Builder::new()
            .name(format!("mqq-broker-{}", addr.port()))
            .spawn(move || {
                let result = rumqttd::Broker::new(config).start();
                // Only reached when the broker could not start (e.g. the port was taken).
                let _ = done_tx.send(result.map_err(|e| e.to_string()));
            })?;
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            let up = |a: Option<SocketAddr>| a.is_none_or(|a| TcpStream::connect(a).is_ok());
            if TcpStream::connect(addr).is_ok() && up(ws) && up(v5) {
                return Ok(EmbeddedBroker { addr, ws, v5 });
            }
            match done_rx.try_recv() {
                Ok(Err(e)) => return Err(io::Error::other(format!("broker on {addr}: {e}"))),
                Ok(Ok(())) | Err(mpsc::TryRecvError::Disconnected) => {
                    return Err(io::Error::other(format!("broker on {addr} stopped")))
                }
                Err(mpsc::TryRecvError::Empty) => {}
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("broker on {addr} did not listen within {READY_WITHIN:?}"),
                ));
            }
            // Back-off between readiness probes; the probe above decides, not the sleep.
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `mqtt://HOST:PORT`, for `-L`.
    pub fn uri(&self) -> String {
        format!("mqtt://{}", self.addr)
    }

    /// The WebSocket listener's address, when there is one.
    pub fn ws_addr(&self) -> Option<SocketAddr> {
        self.ws
    }

    /// The MQTT 5 listener's address, when there is one.
    pub fn v5_addr(&self) -> Option<SocketAddr> {
        self.v5
    }
}

fn config(
    addr: SocketAddr,
    ws: Option<SocketAddr>,
    v5: Option<SocketAddr>,
    opts: &BrokerOptions,
) -> Config {
    let auth = (!opts.users.is_empty()).then(|| opts.users.iter().cloned().collect());
    let server = ServerSettings {
        name: "v4".into(),
        listen: addr,
        tls: None,
        next_connection_delay_ms: 0,
        connections: ConnectionSettings {
            connection_timeout_ms: 60_000,
            max_payload_size: MAX_PAYLOAD,
            max_inflight_count: usize::from(opts.read_batch),
            auth,
            external_auth: None,
            dynamic_filters: true,
        },
    };
    let ws = ws.map(|listen| {
        HashMap::from([(
            "ws".to_string(),
            ServerSettings {
                name: "ws".into(),
                listen,
                ..server.clone()
            },
        )])
    });
    let v5 = v5.map(|listen| {
        HashMap::from([(
            "v5".to_string(),
            ServerSettings {
                name: "v5".into(),
                listen,
                ..server.clone()
            },
        )])
    });
    Config {
        id: 0,
        router: RouterConfig {
            max_connections: 1000,
            max_outgoing_packet_count: 200,
            max_segment_size: 128 * 1024 * 1024,
            max_segment_count: 10,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: rumqttd::Strategy::default(),
        },
        v4: Some(HashMap::from([("v4".to_string(), server)])),
        v5,
        ws,
        cluster: None,
        console: None,
        bridge: None,
        prometheus: None,
        metrics: None,
    }
}
