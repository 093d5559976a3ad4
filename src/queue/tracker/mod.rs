//! What the link's events mean for the queue, as a value: the tracker takes each event and
//! answers what to do with it (hand a message to the reader, acknowledge a skipped one, go
//! on, or stop with this error), keeping the connection's ledger as it goes: publishes in
//! flight, acknowledgements not yet written, deliveries not yet acknowledged, SUBACKs still
//! due, reconnects and take-overs. It does no I/O (it only logs what it decided): the one
//! question it cannot answer itself, whether the broker still accepts connections, is put to
//! the caller. So the policy of docs/DESIGN.md §2 (take-overs on evidence, a lost session,
//! redeliveries) is unit-tested without a broker (`tests.rs`).

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use super::error::QueueError;
use super::link::{Delivery, Disconnect, ErrorKind, LinkEvent};
use super::message::{Retained, Role};
use super::packet_ids::PacketIds;
use crate::config::BrokerAddr;

/// A durable `listen` whose session is taken over twice within this long stops (exit 5):
/// another consumer holds the client id, and reconnecting would only knock it off in turn.
const TAKEOVER_WINDOW: Duration = Duration::from_secs(60);

/// Who the connection is, fixed when the queue opens.
pub(super) struct Identity {
    /// The broker connected to.
    pub addr: BrokerAddr,
    pub client_id: String,
    /// The queue's topic (or first filter), named by errors that have no other.
    pub topic: String,
    pub role: Role,
    /// A persistent session under the queue's client id.
    pub durable: bool,
    /// The link reconnects when the connection breaks.
    pub reconnect: bool,
    /// How long a SUBACK may take while nothing else arrives (the connect timeout).
    pub suback_wait: Duration,
}

/// What the caller does with an event.
#[derive(Debug)]
pub(super) enum Answer {
    /// Nothing for the reader.
    Nothing,
    /// A message for the reader.
    Deliver(Delivery),
    /// A retained message skipped under [`Retained::SkipAndAck`]: acknowledge it, unread.
    Skipped(Delivery),
}

/// The connection's ledger and the policy on its events (see the module's doc).
pub(super) struct Tracker {
    id: Identity,
    retained: Retained,
    /// Connections lost and resumed (listen, send).
    reconnects: u32,
    /// Whether the connection was up before the last error (a failed attempt is not a loss).
    link_was_up: bool,
    /// When the session was last taken over while reconnecting (listen).
    taken_over_at: Option<Instant>,
    published: u64,
    completed: u64,
    /// Publishes the broker refused (MQTT 5 reason codes): settled, never completed.
    refused: u64,
    /// Publishes in flight when a connection was lost: sent again, so maybe delivered twice.
    maybe_twice: u64,
    /// Packet ids of QoS 1/2 deliveries on this connection not yet acknowledged: a delivery
    /// with the DUP flag and one of these ids is the broker sending that message again
    /// (NATS does, every `ack_wait`), not another message.
    unacked: PacketIds,
    /// Such redeliveries dropped on this connection.
    redelivered: u64,
    /// Acknowledgements handed to the link and not yet written to the connection.
    acks_unsent: usize,
    /// The session holds the subscription (made, or resumed with the session).
    subscribed: bool,
    /// Filters subscribed to whose SUBACK has not come yet, in order.
    pending_subacks: VecDeque<String>,
    /// When a missing SUBACK becomes an error: the connect timeout after the SUBSCRIBE or
    /// after the last message (a broker may hold the SUBACK until a resumed session's
    /// backlog drains: rumqttd's MQTT 5 listener does).
    suback_deadline: Option<Instant>,
}

impl Tracker {
    /// A tracker of a connection just made.
    pub(super) fn new(id: Identity) -> Tracker {
        Tracker {
            id,
            retained: Retained::Keep,
            reconnects: 0,
            link_was_up: true,
            taken_over_at: None,
            published: 0,
            completed: 0,
            refused: 0,
            maybe_twice: 0,
            unacked: PacketIds::new(),
            redelivered: 0,
            acks_unsent: 0,
            subscribed: false,
            pending_subacks: VecDeque::new(),
            suback_deadline: None,
        }
    }

    /// The broker connected to (another of the failover list after a node's loss).
    pub(super) fn broker(&self) -> &BrokerAddr {
        &self.id.addr
    }

    /// The client id in use.
    pub(super) fn client_id(&self) -> &str {
        &self.id.client_id
    }

    /// Whether the session is the queue's persistent one.
    pub(super) fn is_durable(&self) -> bool {
        self.id.durable
    }

    /// Takes in one event of the link. `accepts` answers whether the broker still accepts
    /// connections; it is asked only when a durable consumer's connection was closed
    /// without a reason (see [`Tracker::is_take_over`]).
    pub(super) fn take(
        &mut self,
        ev: LinkEvent,
        accepts: impl FnOnce(&BrokerAddr) -> bool,
    ) -> Result<Answer, QueueError> {
        match ev {
            LinkEvent::Message(d) => return Ok(self.arrived(d)),
            LinkEvent::Completed(n) => self.completed += n,
            LinkEvent::AcksSent(n) => self.acks_unsent = self.acks_unsent.saturating_sub(n),
            LinkEvent::SubAck(granted) => self.suback(&granted)?,
            LinkEvent::PublishRefused(code, reason) => {
                self.refused += 1;
                return Err(QueueError::PublishRefused {
                    broker: self.id.addr.uri(),
                    topic: self.id.topic.clone(),
                    code,
                    reason,
                });
            }
            LinkEvent::Reconnected {
                session_present,
                broker,
            } => self.reconnected(session_present, broker)?,
            LinkEvent::Error {
                cause,
                kind,
                reason,
                retry_in,
            } => self.broke(&cause, kind, reason.as_ref(), retry_in, accepts)?,
        }
        Ok(Answer::Nothing)
    }

    /// A delivery off the link: for the reader, or dropped (a retained message being
    /// skipped, a redelivery on the same connection).
    fn arrived(&mut self, d: Delivery) -> Answer {
        if d.retain && self.retained != Retained::Keep {
            return match self.retained {
                Retained::SkipAndAck => Answer::Skipped(d),
                Retained::Skip | Retained::Keep => Answer::Nothing,
            };
        }
        if !self.pending_subacks.is_empty() {
            // Messages flow: the broker is busy with this session, not ignoring it.
            self.suback_deadline = Some(Instant::now() + self.id.suback_wait);
        }
        // Tracked for what a peek or count leaves pending, and to drop a message sent again
        // within one connection: NATS resends unacknowledged messages every `ack_wait`, and
        // counting or showing one twice would be wrong.
        let new = d.qos == 0 || self.unacked.insert(d.pkid);
        if !new && d.dup {
            self.redelivered += 1;
            tracing::debug!(pkid = d.pkid, "dropped a redelivery on the same connection");
            return Answer::Nothing;
        }
        Answer::Deliver(d)
    }

    fn suback(&mut self, granted: &[bool]) -> Result<(), QueueError> {
        let filter = self.pending_subacks.pop_front();
        if self.pending_subacks.is_empty() {
            self.suback_deadline = None;
        }
        if !granted.iter().all(|g| *g) {
            return Err(QueueError::SubscribeRefused {
                broker: self.id.addr.uri(),
                topic: filter.unwrap_or_else(|| self.id.topic.clone()),
            });
        }
        Ok(())
    }

    /// A reconnect's CONNACK: what the old connection had outstanding is void, and a
    /// producer whose broker lost its session stops.
    fn reconnected(&mut self, session_present: bool, broker: BrokerAddr) -> Result<(), QueueError> {
        self.id.addr = broker;
        // Acknowledgements of the old connection are void: the broker redelivers.
        self.acks_unsent = 0;
        // So are SUBACKs still due: a lost subscription is made again (below).
        self.pending_subacks.clear();
        self.suback_deadline = None;
        self.unacked.clear();
        self.reconnects += 1;
        self.link_was_up = true;
        if self.id.role == Role::Producer && !session_present && self.published > 0 {
            // The broker lost the producer's session (restarted without persistence, or
            // from an older save): the link drops what was in flight, and what the broker
            // acknowledged in that session may be gone with its state (a consumer's queue is
            // a session too). The session began with the first publish (a stream's session
            // is its own), so stop and say so.
            return Err(QueueError::SessionLost {
                broker: self.id.addr.uri(),
                in_flight: self.unsettled(),
                acknowledged: self.completed,
            });
        }
        tracing::warn!(
            "reconnected to {} ({})",
            self.id.addr.uri(),
            if session_present {
                "session resumed"
            } else {
                "new session"
            }
        );
        if !(self.id.durable && session_present) && self.subscribed {
            // The broker forgot the subscription: subscribe again on next read.
            self.subscribed = false;
        }
        Ok(())
    }

    /// The connection broke, or a reconnect attempt failed: stop with the error, or go on
    /// (the link tries again after `retry_in`).
    fn broke(
        &mut self,
        cause: &str,
        kind: ErrorKind,
        reason: Option<&Disconnect>,
        retry_in: Option<Duration>,
        accepts: impl FnOnce(&BrokerAddr) -> bool,
    ) -> Result<(), QueueError> {
        let Some(delay) = retry_in.filter(|_| self.id.reconnect) else {
            return Err(self.lost(cause, kind, reason, accepts));
        };
        if let ErrorKind::PacketTooLarge { .. } = kind {
            // Sending it again would fail again.
            return Err(self.lost(cause, kind, reason, accepts));
        }
        let was_up = self.link_was_up;
        if self.id.role == Role::Producer && was_up {
            self.maybe_twice += self.unsettled();
        }
        self.link_was_up = false;
        // Two consumers with one client id knock each other off forever: the second
        // take-over within TAKEOVER_WINDOW stops this one. Only an established connection
        // can be taken over: a reconnect attempt closed at CONNECT (a cluster node whose
        // queue's home node is down) is no evidence of another consumer.
        // Nor is a close while our SUBSCRIBE awaits its SUBACK: that is the broker refusing
        // the subscription (a RabbitMQ node whose session queue lives on a node that is down
        // closes the connection there, again and again), while a consumer that takes the
        // session over comes after the subscription stood.
        let subscribing = !self.pending_subacks.is_empty();
        if was_up && !subscribing && self.id.durable && self.is_take_over(kind, reason, accepts) {
            let now = Instant::now();
            if self
                .taken_over_at
                .is_some_and(|t| now.duration_since(t) < TAKEOVER_WINDOW)
            {
                return Err(QueueError::HeldElsewhere {
                    broker: self.id.addr.uri(),
                    client_id: self.id.client_id.clone(),
                    within: TAKEOVER_WINDOW,
                });
            }
            self.taken_over_at = Some(now);
        }
        tracing::warn!(
            "connection to {} lost ({}); reconnecting in {}",
            self.id.addr.uri(),
            self.why(cause, kind, reason),
            humantime::format_duration(Duration::from_millis(delay.as_millis() as u64))
        );
        Ok(())
    }

    /// What a reconnecting queue says of a break, one line per attempt. A close by the
    /// broker is a take-over only if another client holds the id; a broker that stopped
    /// closes connections too. MQTT 5 brokers say which it was.
    fn why(&self, cause: &str, kind: ErrorKind, reason: Option<&Disconnect>) -> String {
        match reason {
            Some(Disconnect::TakenOver) => format!(
                "another client with client id \"{}\" took over the session",
                self.id.client_id
            ),
            Some(r) => format!("the broker disconnected: {r}"),
            None if kind == ErrorKind::ClosedByBroker && self.id.durable => format!(
                "closed by the broker: it stopped, or another client with client id \"{}\" \
                 took over the session",
                self.id.client_id
            ),
            None => cause.to_owned(),
        }
    }

    /// The error for a connection that broke. A broker that gave a reason (MQTT 5
    /// DISCONNECT) is trusted: 0x8E is a take-over, anything else a lost connection. Without
    /// one (MQTT 3.1.1; and mosquitto 2.0.11 closes a taken-over MQTT 5 connection without
    /// DISCONNECT too), a durable consumer's connection closed by the broker is claimed as a
    /// take-over only when the broker still accepts connections: a broker that stopped closes
    /// connections too, and that is a lost connection (exit 3).
    fn lost(
        &self,
        msg: &str,
        kind: ErrorKind,
        reason: Option<&Disconnect>,
        accepts: impl FnOnce(&BrokerAddr) -> bool,
    ) -> QueueError {
        if let ErrorKind::PacketTooLarge { size, max } = kind {
            return QueueError::TooLarge {
                broker: self.id.addr.uri(),
                size,
                max,
            };
        }
        if self.is_take_over(kind, reason, accepts) {
            QueueError::TakenOver {
                broker: self.id.addr.uri(),
                client_id: self.id.client_id.clone(),
            }
        } else {
            QueueError::Lost {
                broker: self.id.addr.uri(),
                cause: reason.map_or_else(
                    || msg.to_string(),
                    |r| format!("the broker disconnected: {r}"),
                ),
            }
        }
    }

    /// Whether a broken connection was most likely a take-over of this durable session (see
    /// [`Tracker::lost`]).
    fn is_take_over(
        &self,
        kind: ErrorKind,
        reason: Option<&Disconnect>,
        accepts: impl FnOnce(&BrokerAddr) -> bool,
    ) -> bool {
        match reason {
            Some(r) => *r == Disconnect::TakenOver,
            None => {
                kind == ErrorKind::ClosedByBroker
                    && self.id.durable
                    && self.id.role != Role::Producer
                    && accepts(&self.id.addr)
            }
        }
    }

    /// The error of a link whose connection task has ended.
    pub(super) fn closed(&self) -> QueueError {
        QueueError::Closed {
            broker: self.id.addr.uri(),
        }
    }

    // Publishes.

    /// One more publish handed to the link.
    pub(super) fn published(&mut self) {
        self.published += 1;
    }

    /// Publishes handed to the link so far.
    pub(super) fn publishes(&self) -> u64 {
        self.published
    }

    /// Publishes the broker acknowledged (QoS 1/2) or that were flushed (QoS 0).
    pub(super) fn completed(&self) -> u64 {
        self.completed
    }

    /// Whether every publish handed to the link was completed or refused.
    pub(super) fn settled(&self) -> bool {
        self.completed + self.refused >= self.published
    }

    /// Publishes neither completed nor refused yet.
    pub(super) fn unsettled(&self) -> u64 {
        self.published - self.completed - self.refused
    }

    /// Reconnects so far, and how many publishes were in flight at those moments.
    pub(super) fn resends(&self) -> (u32, u64) {
        (self.reconnects, self.maybe_twice)
    }

    /// Connections lost and resumed so far.
    pub(super) fn reconnects(&self) -> u32 {
        self.reconnects
    }

    // Deliveries.

    /// What to do with retained messages from now on.
    pub(super) fn set_retained(&mut self, r: Retained) {
        self.retained = r;
    }

    /// A delivery's acknowledgement was handed to the link.
    pub(super) fn acked(&mut self, d: &Delivery) {
        if d.qos > 0 {
            self.acks_unsent += 1;
            self.unacked.remove(d.pkid);
        }
    }

    /// Acknowledgements handed to the link and not yet written.
    pub(super) fn acks_unsent(&self) -> usize {
        self.acks_unsent
    }

    /// Distinct QoS 1/2 deliveries on this connection not acknowledged.
    pub(super) fn unacked(&self) -> usize {
        self.unacked.len()
    }

    /// Whether packet id `pkid` names a delivery on this connection not acknowledged.
    pub(super) fn is_unacked(&self, pkid: u16) -> bool {
        self.unacked.contains(pkid)
    }

    /// Redeliveries of a message already delivered on this connection, dropped.
    pub(super) fn redelivered(&self) -> u64 {
        self.redelivered
    }

    // Subscriptions.

    /// Whether the session holds the subscription.
    pub(super) fn is_subscribed(&self) -> bool {
        self.subscribed
    }

    /// The resumed session holds the subscription: none is sent.
    pub(super) fn subscription_resumed(&mut self) {
        self.subscribed = true;
    }

    /// A SUBSCRIBE to `filter` was handed to the link.
    pub(super) fn subscribing(&mut self, filter: String) {
        self.pending_subacks.push_back(filter);
    }

    /// Every SUBSCRIBE was handed to the link: their SUBACKs are due within the wait.
    pub(super) fn subscribed(&mut self) {
        self.suback_deadline = Some(Instant::now() + self.id.suback_wait);
        self.subscribed = true;
    }

    /// Whether a SUBACK is still due.
    pub(super) fn subacks_pending(&self) -> bool {
        !self.pending_subacks.is_empty()
    }

    /// When a SUBACK still due becomes an error, if one is due.
    pub(super) fn suback_due(&self) -> Option<Instant> {
        self.suback_deadline
            .filter(|_| !self.pending_subacks.is_empty())
    }

    /// The error of a SUBACK that did not come in time.
    pub(super) fn suback_timeout(&self) -> QueueError {
        QueueError::SubscribeTimeout {
            broker: self.id.addr.uri(),
            topic: self
                .pending_subacks
                .front()
                .cloned()
                .unwrap_or_else(|| self.id.topic.clone()),
            after: self.id.suback_wait,
        }
    }
}

#[cfg(test)]
mod tests;
