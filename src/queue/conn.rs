//! The open connection as the core uses it: the link, the [`Tracker`] that reads its events,
//! and the deliveries waiting for the reader. The one place the link's events are taken in,
//! waiting for one or taking what has arrived; what an event means is the tracker's answer.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use super::error::QueueError;
use super::link::{Delivery, Link, LinkEvent, Properties, PubTopic};
use super::tracker::{Answer, Tracker};
use crate::config::BrokerAddr;

/// How long the take-over check waits for the broker to accept a TCP connection, and then
/// for it not to drop that connection again (see [`broker_accepts`]).
const TAKEOVER_PROBE_TIMEOUT: Duration = Duration::from_millis(300);

/// A point in the count of bytes read from the connection (see `Queue::read_mark`).
#[derive(Debug, Clone, Copy)]
pub struct ReadMark(u64);

/// The link, its tracker, and the deliveries for the reader.
pub(super) struct Conn {
    link: Link,
    tracker: Tracker,
    /// Deliveries for the reader, in the order they came.
    inbox: VecDeque<Delivery>,
    /// Retained messages skipped by `Retained::SkipAndAck`, to acknowledge.
    skipped: Vec<Delivery>,
}

impl Conn {
    pub(super) fn new(link: Link, tracker: Tracker) -> Conn {
        Conn {
            link,
            tracker,
            inbox: VecDeque::new(),
            skipped: Vec::new(),
        }
    }

    /// The link, for what it says of the connection (version, window, session).
    pub(super) fn link(&self) -> &Link {
        &self.link
    }

    pub(super) fn tracker(&self) -> &Tracker {
        &self.tracker
    }

    pub(super) fn tracker_mut(&mut self) -> &mut Tracker {
        &mut self.tracker
    }

    fn handle(&mut self, ev: LinkEvent) -> Result<(), QueueError> {
        match self.tracker.take(ev, broker_accepts)? {
            Answer::Nothing => {}
            Answer::Deliver(d) => self.inbox.push_back(d),
            Answer::Skipped(d) => self.skipped.push(d),
        }
        Ok(())
    }

    /// Waits for the next event until `until` (with `None`, for as long as it takes) and
    /// takes it in; `false` when `until` passed first.
    pub(super) async fn wait(&mut self, until: Option<Instant>) -> Result<bool, QueueError> {
        let ev = match until {
            Some(t) => match tokio::time::timeout_at(t, self.link.recv()).await {
                Err(_) => return Ok(false),
                Ok(ev) => ev,
            },
            None => self.link.recv().await,
        };
        match ev {
            None => Err(self.tracker.closed()),
            Some(ev) => self.handle(ev).map(|()| true),
        }
    }

    /// Takes in every event that has already arrived, without waiting.
    pub(super) fn take_arrived(&mut self) -> Result<(), QueueError> {
        while let Some(ev) = self.link.try_recv() {
            self.handle(ev)?;
        }
        Ok(())
    }

    /// The next delivery for the reader, if one is in.
    pub(super) fn pop(&mut self) -> Option<Delivery> {
        self.inbox.pop_front()
    }

    /// Whether no delivery waits for the reader.
    pub(super) fn inbox_is_empty(&self) -> bool {
        self.inbox.is_empty()
    }

    /// A delivery that has already arrived, without waiting.
    pub(super) fn try_pop(&mut self) -> Result<Option<Delivery>, QueueError> {
        loop {
            if let Some(d) = self.inbox.pop_front() {
                return Ok(Some(d));
            }
            match self.link.try_recv() {
                Some(ev) => self.handle(ev)?,
                None => return Ok(None),
            }
        }
    }

    /// Acknowledges a delivery: the broker forgets it (for this session).
    pub(super) async fn ack(&mut self, d: &Delivery) -> Result<(), QueueError> {
        self.link.ack(d).await?;
        self.tracker.acked(d);
        Ok(())
    }

    /// Acknowledges the retained messages skipped so far.
    pub(super) async fn ack_skipped(&mut self) -> Result<(), QueueError> {
        for d in std::mem::take(&mut self.skipped) {
            self.ack(&d).await?;
        }
        Ok(())
    }

    /// Waits until every acknowledgement handed to the link was written to the connection
    /// (messages that arrive meanwhile are kept), at most `limit`. The link serves one
    /// request per poll but reads up to ten packets, so under a flood acknowledgements would
    /// fall far behind the output; waiting here keeps at most one batch written and not
    /// acknowledged, which is what a crash can deliver twice.
    pub(super) async fn acks_written(&mut self, limit: Duration) -> Result<(), QueueError> {
        let deadline = Instant::now() + limit;
        while self.tracker.acks_unsent() > 0 {
            // Not `recv`: waiting for acknowledgements is no reason to read past the budget.
            match tokio::time::timeout_at(deadline, self.link.recv_within_budget()).await {
                Err(_) => break,
                Ok(None) => return Err(self.tracker.closed()),
                Ok(Some(ev)) => self.handle(ev)?,
            }
        }
        Ok(())
    }

    /// Hands a publish to the link and counts it (its completion comes as an event).
    pub(super) async fn publish(
        &mut self,
        topic: &PubTopic,
        qos: u8,
        retain: bool,
        payload: Bytes,
        properties: &Properties,
        stall: Option<Duration>,
    ) -> Result<(), QueueError> {
        self.link
            .publish(topic, qos, retain, payload, properties, stall)
            .await?;
        self.tracker.published();
        // Keep the event channel short while streaming.
        self.take_arrived()
    }

    /// Hands a SUBSCRIBE to the link; its SUBACK is awaited as an event.
    pub(super) async fn subscribe(&mut self, filter: String, qos: u8) -> Result<(), QueueError> {
        self.link.subscribe(&filter, qos).await?;
        self.tracker.subscribing(filter);
        Ok(())
    }

    /// Where the connection's byte count stands, for [`Conn::message_arriving_since`].
    pub(super) fn read_mark(&self) -> ReadMark {
        ReadMark(self.link.bytes_read())
    }

    /// Whether a message is on its way in: bytes came from the broker since `mark`, and
    /// they are not (yet) a whole packet. What ends on quiet waits on while this holds. Both
    /// are needed: bytes that are no packet at all (a WebSocket ping) come once and stop, so
    /// the next quiet period ends; bytes of a packet already whole are no reason to wait.
    /// A packet that is a redelivery of a message already delivered on this connection (its
    /// DUP flag set, its packet id unacknowledged here) is no reason to wait: NATS resends
    /// unacknowledged messages every `ack_wait`, and over a slow link a resend of a large one
    /// can take longer than that, so the quiet period never came.
    pub(super) fn message_arriving_since(&self, mark: ReadMark) -> bool {
        if self.link.bytes_read() == mark.0 || !self.link.packet_arriving() {
            return false;
        }
        !matches!(self.link.partial_publish(), Some((pkid, true)) if self.tracker.is_unacked(pkid))
    }

    /// Sends DISCONNECT and waits for the broker's close, at most `limit` (see
    /// `Link::close_within`).
    pub(super) async fn close(self, settled: bool, limit: Duration) {
        self.link.close_within(settled, limit).await;
    }
}

/// Whether the broker is up: its port accepts a TCP connection and keeps it open for
/// [`TAKEOVER_PROBE_TIMEOUT`] (waiting for our CONNECT). A broker that is going down may
/// still accept into its backlog for a moment, but then resets the connection.
fn broker_accepts(addr: &BrokerAddr) -> bool {
    use std::io::{ErrorKind as Io, Read as _};
    use std::net::{TcpStream, ToSocketAddrs as _};
    let Some(sock) = (addr.host.as_str(), addr.port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
    else {
        return false;
    };
    let Ok(mut conn) = TcpStream::connect_timeout(&sock, TAKEOVER_PROBE_TIMEOUT) else {
        return false;
    };
    if conn.set_read_timeout(Some(TAKEOVER_PROBE_TIMEOUT)).is_err() {
        return false;
    }
    matches!(conn.read(&mut [0u8; 1]), Err(e) if matches!(e.kind(), Io::WouldBlock | Io::TimedOut))
}
