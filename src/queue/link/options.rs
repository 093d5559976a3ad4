//! How a link connects: the client id, the session, the credentials and TLS, the timeouts
//! and windows, built from the queue config in one place ([`LinkOptions::new`]), and the same
//! as the connection task holds them for every reconnect ([`Plan`]).

use std::time::Duration;

use super::codec::{ConnectParams, MAX_PACKET};
use super::transport::Dialer;
use super::v5::expiry_secs;
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

/// How the task reaches brokers and what it says in CONNECT.
pub(super) struct Plan {
    /// The failover list: the broker connected to first, then the others.
    pub brokers: Vec<Dialer>,
    pub client_id: String,
    pub clean: bool,
    pub keepalive: u16,
    pub login: Option<(String, String)>,
    pub session_expiry: u32,
    pub receive_maximum: u16,
    pub connect_timeout: Duration,
    /// Reconnect after this base delay; `None`: the first broken connection ends the task.
    pub reconnect: Option<Duration>,
    /// At most this many QoS 1/2 publishes awaiting their acknowledgement.
    pub inflight: u16,
    /// Ask for quick ACKs after every read (a link that never writes: peek, count).
    pub quickack_always: bool,
}

impl Plan {
    /// The plan of `opts`, for `brokers` (the one to connect to first, then the others).
    pub(super) fn new(brokers: Vec<Dialer>, opts: &LinkOptions) -> Plan {
        Plan {
            brokers,
            client_id: opts.client_id.clone(),
            clean: opts.session == Session::Clean,
            keepalive: keepalive_secs(opts.keepalive),
            login: opts
                .credential
                .as_ref()
                .map(|c| (c.username.clone(), c.password.expose().to_owned())),
            session_expiry: if opts.session == Session::Persistent {
                expiry_secs(opts.session_expiry)
            } else {
                0
            },
            receive_maximum: opts.receive_maximum,
            connect_timeout: opts.connect_timeout,
            reconnect: opts.reconnect,
            inflight: opts.inflight,
            quickack_always: opts.quickack_always,
        }
    }

    /// What CONNECT carries.
    pub fn params(&self) -> ConnectParams<'_> {
        ConnectParams {
            client_id: &self.client_id,
            clean: self.clean,
            keepalive: self.keepalive,
            login: self.login.as_ref().map(|(u, p)| (u.as_str(), p.as_str())),
            session_expiry: self.session_expiry,
            receive_maximum: self.receive_maximum,
            max_packet: MAX_PACKET as u32,
        }
    }
}

/// The keepalive in whole seconds as CONNECT carries it: 0 turns it off; a part of a second
/// rounds up (pip-services gives it in milliseconds: 3000 is 3 s). Checked against MQTT's
/// range at config time (`options.keepalive_timeout`); clamped here all the same.
fn keepalive_secs(d: Duration) -> u16 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    u16::try_from(secs).unwrap_or(u16::MAX)
}
