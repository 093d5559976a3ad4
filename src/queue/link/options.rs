//! How a link connects: the client id, the session, the credentials and TLS, the timeouts
//! and windows, built from the queue config in one place ([`LinkOptions::new`]).

use std::time::Duration;

use crate::config::{BrokerAddr, Credential, ProtocolVersion, QueueConfig, TlsConfig};

/// The largest Receive Maximum (MQTT 5): the most unacknowledged messages the broker may
/// hand out at once; `peek`/`count` ask for it to see a whole queue.
pub const RECEIVE_MAXIMUM: u16 = u16::MAX;

/// Whether the broker keeps the session when the connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Session {
    /// Clean session: nothing kept (ephemeral queues, producers, `clear`).
    Clean,
    /// Persistent session: subscriptions and unacknowledged messages kept (durable queues).
    Persistent,
}

/// How to connect: built from the queue config in one place, [`LinkOptions::new`].
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// Client id to present.
    pub client_id: String,
    /// Clean or persistent session.
    pub session: Session,
    /// Credentials, if any.
    pub credential: Option<Credential>,
    /// TLS files and settings (for `mqtts://` and `wss://`).
    pub tls: TlsConfig,
    /// Keepalive interval.
    pub keepalive: Duration,
    /// How long one connection attempt may take.
    pub connect_timeout: Duration,
    /// Reconnect after this delay when the connection breaks; `None`: stop.
    pub reconnect: Option<Duration>,
    /// Max unacknowledged outgoing publishes.
    pub inflight: u16,
    /// MQTT 5 Receive Maximum: the most unacknowledged messages the broker may send at once.
    pub receive_maximum: u16,
    /// Which MQTT version to speak.
    pub version: ProtocolVersion,
    /// MQTT 5: how long a persistent session outlives the connection (`None`: never ends).
    pub session_expiry: Option<Duration>,
    /// Back-pressure (bytes, messages) held by the core before the link stops reading;
    /// `None`: read everything (inspectors count the whole window).
    pub budget: Option<(usize, usize)>,
    /// The other brokers of the failover list, in the order a reconnect tries them after
    /// the one connected to (nodes of a cluster).
    pub alternates: Vec<BrokerAddr>,
    /// TCP: ACK what is read at once, always. For a link that reads and never writes (peek,
    /// count: no acknowledgements), whose delayed ACKs would let a broker with Nagle's algorithm
    /// on (mosquitto) hold its next small packets for 40 ms. Other links get it only while
    /// they wait for an answer with nothing to write (see `transport::Wire::quickack`).
    pub quickack_always: bool,
}

impl LinkOptions {
    /// Options for `client_id` from the config: credentials and timeouts from it, no
    /// reconnect, a small outgoing window (see [`LinkOptions::reconnect`] and
    /// [`LinkOptions::inflight`]).
    pub fn new(cfg: &QueueConfig, client_id: String, session: Session) -> LinkOptions {
        LinkOptions {
            client_id,
            session,
            credential: cfg.credential.clone(),
            tls: cfg.tls.clone(),
            keepalive: cfg.options.keepalive_timeout,
            connect_timeout: cfg.options.connect_timeout,
            reconnect: None,
            inflight: 10,
            receive_maximum: RECEIVE_MAXIMUM,
            version: cfg.options.protocol_version,
            session_expiry: cfg.options.session_expiry,
            budget: None,
            alternates: Vec::new(),
            quickack_always: false,
        }
    }

    /// Stop reading while the core holds more than `bytes` or `messages` (see `Budget`).
    #[must_use]
    pub fn budget(mut self, bytes: usize, messages: usize) -> LinkOptions {
        self.budget = Some((bytes, messages));
        self
    }

    /// Reconnect after `options.reconnect_timeout` when the connection breaks, if `on`.
    #[must_use]
    pub fn reconnect(mut self, cfg: &QueueConfig, on: bool) -> LinkOptions {
        self.reconnect = on.then_some(cfg.options.reconnect_timeout);
        self
    }

    /// At most `n` unacknowledged messages from the broker at once (MQTT 5).
    #[must_use]
    pub fn receive_maximum(mut self, n: u16) -> LinkOptions {
        self.receive_maximum = n;
        self
    }

    /// At most `n` publishes awaiting their acknowledgement.
    #[must_use]
    pub fn inflight(mut self, n: u16) -> LinkOptions {
        self.inflight = n;
        self
    }
}
