//! What goes in and out of the queue: the messages (received, to send), who opens the queue
//! ([`Role`]), where received messages are written ([`Sink`]), and what a send, a receive or
//! a listen reports when it ends.

use std::io;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use super::error::QueueError;
use super::link::{Delivery, Properties};
use crate::envelope::{self, Envelope};

/// Who is opening the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Publishes only; always uses its own ephemeral client id, never the queue's, so it
    /// cannot take over a consumer's session.
    Producer,
    /// Receives; uses the queue's client id (durable) or an ephemeral one. On MQTT 5 it asks
    /// for a window of `CONSUMER_WINDOW` unacknowledged messages: enough to keep the link
    /// busy, few enough to bound memory and what a crash delivers twice.
    Consumer,
    /// Looks at pending messages without consuming them (peek, count): a consumer that asks
    /// for the largest window MQTT 5 allows, to see the whole queue.
    Inspector,
}

/// A received message: the delivery plus its envelope when it is one.
#[derive(Debug, Clone)]
pub struct Message {
    /// What came off the wire.
    pub delivery: Delivery,
    /// The decoded envelope, when envelope mode is on and the payload is an envelope.
    pub envelope: Option<Envelope>,
}

impl Message {
    /// The message body: the envelope's message, else the raw payload.
    pub fn body(&self) -> &[u8] {
        match &self.envelope {
            Some(e) => &e.message,
            None => &self.delivery.payload,
        }
    }

    /// A delivery as the reader gets it: its envelope decoded when `envelopes` is on.
    pub(super) fn decoded(delivery: Delivery, envelopes: bool) -> Message {
        let envelope = if envelopes {
            envelope::decode(&delivery.payload)
        } else {
            None
        };
        Message { delivery, envelope }
    }
}

/// A message to send.
#[derive(Debug, Clone, Default)]
pub struct OutMessage {
    /// Payload bytes.
    pub payload: Bytes,
    /// Envelope `message_type`.
    pub message_type: Option<String>,
    /// Envelope `correlation_id` / `trace_id`.
    pub correlation_id: Option<String>,
    /// Envelope `message_id`; generated when `None`.
    pub message_id: Option<String>,
    /// Retain flag; `None` takes `options.retain`.
    pub retain: Option<bool>,
    /// Send the payload as it is, never in an envelope (an intended empty message).
    pub bare: bool,
    /// Publish to this topic instead of the queue's (a replayed capture).
    pub topic: Option<String>,
    /// Envelope `sent_time`; `None` is now.
    pub sent_time: Option<chrono::DateTime<chrono::Utc>>,
    /// MQTT 5 properties; an MQTT 3.1.1 link sends the message without them.
    pub properties: Properties,
}

/// Where received messages go. The core acks a batch only after `flush` succeeded.
pub trait Sink {
    /// Writes one message (may buffer).
    fn write(&mut self, msg: &Message) -> io::Result<()>;
    /// Flushes everything written so far.
    fn flush(&mut self) -> io::Result<()>;
}

/// Why a receive or listen stopped.
#[derive(Debug)]
pub enum Stop {
    /// The requested number of messages arrived.
    Count,
    /// The timeout (receive) or idle timeout (listen) passed.
    Timeout,
    /// The shutdown future completed (Ctrl-C, SIGTERM).
    Shutdown,
    /// The sink failed (e.g. a closed stdout); the failed batch was not acknowledged.
    Sink(io::Error),
}

/// Outcome of `Queue::receive` and `Queue::listen`.
#[derive(Debug)]
pub struct Consumed {
    /// Messages written and acknowledged.
    pub count: usize,
    /// Why it stopped.
    pub stop: Stop,
}

/// Outcome of `Queue::flush`.
#[derive(Debug)]
pub struct SendReport {
    /// Messages handed to the link.
    pub published: u64,
    /// Messages acknowledged by the broker (QoS 1/2) or flushed (QoS 0).
    pub completed: u64,
    /// Why not all were completed, if so.
    pub error: Option<QueueError>,
}

/// What a consumer does with retained messages (`-R/--no-retained`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retained {
    /// Hand them out like any other message.
    Keep,
    /// Skip them, never acknowledging (peek, count).
    Skip,
    /// Skip them and acknowledge them, so a durable queue does not get them again.
    SkipAndAck,
}

/// Limits of `Queue::listen`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListenLimits {
    /// Stop after this many messages.
    pub max: Option<usize>,
    /// Stop when nothing arrived for this long.
    pub idle: Option<Duration>,
    /// Stop at this instant whatever happens.
    pub until: Option<Instant>,
}
