//! Putting messages on the queue: each message made into a publish (in an envelope unless it
//! is bare or clears a retained message; envelopes are built in a shared buffer, see
//! `arena.rs`), handed to the link, and counted until the broker acknowledged it (`flush`).

use std::time::Duration;

use tokio::time::Instant;

use super::arena::Arena;
use super::conn::Conn;
use super::error::QueueError;
use super::link::PubTopic;
use super::message::{OutMessage, Role, SendReport};
use super::topic;
use crate::config::QueueConfig;
use crate::envelope::{self, EnvelopeVersion};

/// What a queue publishes to, and how.
pub(super) struct Producer {
    /// The queue's topic, in the forms publishes carry it.
    topic: PubTopic,
    /// Whether `topic` was checked as a topic to publish to at open (a producer's); any
    /// other role's may be a filter, checked at each send.
    topic_checked: bool,
    /// Where envelopes are written.
    arena: Arena,
    qos: u8,
    /// `options.retain`: the default of a message that does not say.
    retain: bool,
    /// Wrap payloads in envelopes, of this version.
    envelopes: bool,
    envelope_version: EnvelopeVersion,
}

impl Producer {
    /// The producer of `topic` (the configured one, checked at open) for `role`.
    pub(super) fn new(cfg: &QueueConfig, topic: &str, role: Role) -> Producer {
        Producer {
            topic: PubTopic::new(topic),
            topic_checked: role == Role::Producer,
            arena: Arena::new(),
            qos: cfg.options.qos,
            retain: cfg.options.retain,
            envelopes: cfg.options.serialize_envelope,
            envelope_version: cfg.options.envelope_version,
        }
    }

    /// The topic published to.
    pub(super) fn topic(&self) -> &str {
        self.topic.as_str()
    }

    /// Hands one message to the link (see `Queue::send_within`).
    pub(super) async fn send(
        &mut self,
        conn: &mut Conn,
        msg: &OutMessage,
        stall: Option<Duration>,
    ) -> Result<(), QueueError> {
        let retain = msg.retain.unwrap_or(self.retain);
        let clears_retained = retain && msg.payload.is_empty();
        let payload = if self.envelopes && !msg.bare && !clears_retained {
            let fields = envelope::Outgoing {
                message_id: match &msg.message_id {
                    None => envelope::MessageId::Fresh,
                    Some(id) => envelope::MessageId::Is(Some(id)),
                },
                correlation_id: msg.correlation_id.as_deref(),
                message_type: msg.message_type.as_deref(),
                sent_time: msg.sent_time,
                message: &msg.payload,
            };
            let version = self.envelope_version;
            // About the size of a small envelope (the buffer grows for a larger one).
            let size = 256 + msg.payload.len() / 3 * 4;
            self.arena
                .build(size, |out| envelope::encode_into(out, &fields, version))
        } else {
            msg.payload.clone()
        };
        let replay_topic;
        let to = if let Some(t) = &msg.topic {
            topic::validate_publish(t)?;
            replay_topic = PubTopic::new(t);
            &replay_topic
        } else {
            if !self.topic_checked {
                topic::validate_publish(self.topic.as_str())?;
            }
            &self.topic
        };
        conn.publish(to, self.qos, retain, payload, &msg.properties, stall)
            .await
    }

    /// Waits until every message handed to [`Producer::send`] is acknowledged (QoS 1/2) or
    /// flushed (QoS 0), the connection breaks, or no acknowledgement arrives for `stall`.
    pub(super) async fn flush(&self, conn: &mut Conn, stall: Duration) -> SendReport {
        let mut error = None;
        // The stall counts from the last acknowledgement: reconnect attempts do not reset it.
        let mut deadline = Instant::now() + stall;
        while !conn.tracker().settled() {
            let before = conn.tracker().completed();
            match conn.wait(Some(deadline)).await {
                Ok(false) => {
                    error = Some(QueueError::NoAck {
                        broker: conn.tracker().broker().uri(),
                        after: stall,
                    });
                    break;
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
                // A completion is progress (`LinkEvent::Completed`); anything else is not.
                Ok(true) => {
                    if conn.tracker().completed() != before {
                        deadline = Instant::now() + stall;
                    }
                }
            }
        }
        SendReport {
            published: conn.tracker().publishes(),
            completed: conn.tracker().completed(),
            error,
        }
    }
}
