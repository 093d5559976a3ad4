//! What the link hands up to the core: deliveries (with what acknowledges them) and the
//! events of the connection (acknowledgements, SUBACKs, refusals, reconnects, breaks).

use std::time::Duration;

use bytes::Bytes;

use super::budget::Hold;
use super::properties::Properties;
use crate::config::BrokerAddr;

/// Why the broker ended a connection, when it said so (MQTT 5 DISCONNECT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disconnect {
    /// 0x8E: another connection with the same client id took over the session.
    TakenOver,
    /// 0x8B: the broker is shutting down.
    ShuttingDown,
    /// Any other reason code, with its name (and the broker's reason string, if any).
    Other(u8, String),
}

impl std::fmt::Display for Disconnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Disconnect::TakenOver => f.write_str("session taken over (0x8E)"),
            Disconnect::ShuttingDown => f.write_str("server shutting down (0x8B)"),
            Disconnect::Other(code, text) => write!(f, "{text} (0x{code:02X})"),
        }
    }
}

/// What is needed to acknowledge a delivery, and nothing else: the QoS decides PUBACK or
/// PUBREC, the packet id says which. Opaque outside the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckToken {
    pub(super) qos: u8,
    pub(super) pkid: u16,
}

/// A message as it came off the wire, with what is needed to acknowledge it.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Topic it was published to.
    pub topic: String,
    /// Exact payload bytes.
    pub payload: Bytes,
    /// QoS of the delivery.
    pub qos: u8,
    /// Retain flag (set for retained messages sent on subscribe).
    pub retain: bool,
    /// Duplicate flag (a redelivery).
    pub dup: bool,
    /// Packet id (0 at QoS 0).
    pub pkid: u16,
    /// MQTT 5 properties (always empty on MQTT 3.1.1).
    pub properties: Properties,
    /// Handed back to `Link::ack`.
    pub(super) token: AckToken,
    /// Its share of the link's budget (see `Budget`), given back when dropped.
    #[allow(dead_code)]
    pub(super) hold: Hold,
}

impl Delivery {
    /// A delivery no link handed out (acknowledging it does nothing): for benchmarks of
    /// what decodes and formats messages.
    #[doc(hidden)]
    pub fn detached(topic: String, payload: Bytes, qos: u8) -> Delivery {
        Delivery {
            topic,
            payload,
            qos,
            retain: false,
            dup: false,
            pkid: 0,
            properties: Properties::default(),
            token: AckToken { qos, pkid: 0 },
            hold: Hold::default(),
        }
    }
}

/// What the event-loop task reports.
#[derive(Debug)]
pub enum LinkEvent {
    /// CONNACK after a reconnect.
    Reconnected {
        /// Whether the broker still had the session.
        session_present: bool,
        /// The broker it reconnected to (another of the failover list after a node's loss).
        broker: BrokerAddr,
    },
    /// A message arrived.
    Message(Delivery),
    /// This many QoS 1/2 publishes were acknowledged, or QoS 0 publishes flushed.
    Completed(u64),
    /// This many acknowledgements of ours (PUBACK / PUBREC) were written to the connection.
    AcksSent(usize),
    /// SUBACK: `true` per granted filter, `false` per refused one.
    SubAck(Vec<bool>),
    /// The broker refused a publish (MQTT 5 PUBACK/PUBREC reason code ≥ 0x80): its
    /// reason code and name, e.g. `(0x87, "not authorized")`.
    PublishRefused(u8, String),
    /// The connection broke (or a reconnect attempt failed); the task tries again after
    /// `retry_in` if reconnecting is allowed, else stops.
    Error {
        /// What the transport or protocol layer said.
        cause: String,
        /// Closed by the broker, or anything else.
        kind: ErrorKind,
        /// The broker's reason, when it sent one (MQTT 5 DISCONNECT).
        reason: Option<Disconnect>,
        /// When the next attempt starts; `None`: no more attempts.
        retry_in: Option<Duration>,
    },
}

/// Coarse classification of a connection error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The broker closed the connection without a protocol error.
    ClosedByBroker,
    /// A packet was larger than the broker accepts (it said so: MQTT 5 Maximum Packet Size).
    PacketTooLarge {
        /// The packet's size in bytes.
        size: u64,
        /// The broker's maximum.
        max: u64,
    },
    /// Anything else.
    Other,
}
