//! The queue core: an MQTT topic used as a message queue (docs/DESIGN.md §2), the Rust
//! counterpart of pip-services' `MqttMessageQueue`. No clap, no printing: callers get
//! typed errors and hand in a [`Sink`] so that a message is acknowledged only after the
//! sink has written and flushed it (at-least-once, never loss).
//!
//! [`Queue`] is the handle: it opens the connection and delegates each verb to the child
//! that owns it. `open.rs` decides how a role connects and tries the failover list;
//! `conn.rs` holds the connection (the `link/`, and the deliveries for the reader) and takes
//! its events in; `tracker.rs` says what each event means (take-overs, lost sessions,
//! redeliveries), with no I/O; `produce.rs` sends, `consume.rs` subscribes and receives,
//! `inspect.rs` peeks and counts. The leaves: `message.rs` (what goes in and out),
//! `error.rs`, `topic.rs` (name checks), `arena.rs` (payload buffers), `packet_ids.rs`.

pub mod arena;
mod conn;
mod consume;
mod error;
mod inspect;
pub mod link;
mod message;
mod open;
mod packet_ids;
mod produce;
pub mod topic;
mod tracker;

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

pub use conn::ReadMark;
pub use consume::CONSUMER_WINDOW;
pub use error::{
    AuthReason, ConnectCause, IdentityProblem, QueueError, TlsProblem, TlsSetupProblem,
    TopicProblem,
};
pub use inspect::SETTLE;
pub use link::{Delivery, Properties, ServerLimits, Version};
pub use message::{
    Consumed, ListenLimits, Message, OutMessage, Retained, Role, SendReport, Sink, Stop,
};
pub use open::ephemeral_client_id;

use crate::config::{BrokerAddr, QueueConfig};
use conn::Conn;
use consume::Consumer;
use produce::Producer;
use tracker::{Identity, Tracker};

/// How long [`Queue::close`] may take past the command's time limit: long enough to write
/// DISCONNECT and let the broker read what was written before it.
const CLOSE_GRACE: Duration = Duration::from_millis(100);

/// An open queue: one connection, one subscription, the event-loop task behind it.
pub struct Queue {
    cfg: QueueConfig,
    role: Role,
    /// The link reconnects when the connection breaks.
    reconnect: bool,
    /// The connection, its tracker, and the deliveries for the reader.
    conn: Conn,
    /// The sending half: the topic published to, the envelope buffers.
    producer: Producer,
    /// The receiving half: the filters subscribed to, how messages are read.
    consumer: Consumer,
    /// The command's own time limit (`-W`), which bounds [`Queue::close`] too.
    close_by: Option<Instant>,
}

impl Queue {
    /// Connects (trying each broker of the failover list in order) and, for a consumer
    /// with `options.autosubscribe`, subscribes. `reconnect` lets the link reconnect after
    /// `options.reconnect_timeout` when the connection breaks (used by `listen`).
    pub async fn open(cfg: &QueueConfig, role: Role, reconnect: bool) -> Result<Queue, QueueError> {
        Self::open_for(cfg, role, reconnect, None).await
    }

    /// [`Queue::open`] for a producer that knows it will publish at most `messages`: its
    /// window of publishes in flight is no larger. The library allocates and fills that
    /// window as it connects (about 216 bytes a slot): for one message, 1 slot rather than
    /// 1,024 spares a one-shot `send` 54 page faults of its ~330.
    pub async fn open_for(
        cfg: &QueueConfig,
        role: Role,
        reconnect: bool,
        messages: Option<u64>,
    ) -> Result<Queue, QueueError> {
        let o = open::opening(cfg, role, reconnect, messages)?;
        let (link, addr) = open::connect_any(&cfg.connections, &o.options).await?;
        tracing::debug!(broker = %addr.uri(), client_id = %o.client_id, durable = o.durable, session_present = link.session_present(), "connected with {}", link.version());
        let tracker = Tracker::new(Identity {
            addr,
            client_id: o.client_id,
            topic: o.topic.clone(),
            role,
            durable: o.durable,
            reconnect: o.reconnect,
            suback_wait: cfg.options.connect_timeout,
        });
        let mut q = Queue {
            cfg: cfg.clone(),
            role,
            reconnect: o.reconnect,
            conn: Conn::new(link, tracker),
            producer: Producer::new(cfg, &o.topic, role),
            consumer: Consumer::new(cfg, &o.topic, o.durable),
            close_by: None,
        };
        if role != Role::Producer && cfg.options.autosubscribe {
            q.consumer.send_subscribe(&mut q.conn).await?;
        }
        Ok(q)
    }

    /// Every filter of the subscription: the topic, then more `-t` filters (as subscribed:
    /// `$share/GROUP/…` with a group).
    pub fn filters(&self) -> Vec<String> {
        self.consumer.filters().to_vec()
    }

    /// The topic (or topic filter) of this queue.
    pub fn topic(&self) -> &str {
        self.producer.topic()
    }

    /// The broker this queue is connected to.
    pub fn broker(&self) -> &BrokerAddr {
        self.conn.tracker().broker()
    }

    /// The client id in use.
    pub fn client_id(&self) -> &str {
        self.conn.tracker().client_id()
    }

    /// True for a persistent session (a consumer with a configured client id).
    pub fn is_durable(&self) -> bool {
        self.conn.tracker().is_durable()
    }

    /// The MQTT version of the connection.
    pub fn version(&self) -> Version {
        self.conn.link().version()
    }

    /// The unacknowledged window the connection asked for (MQTT 5's Receive Maximum);
    /// `None` when the broker alone decides (MQTT 3.1.1).
    pub fn window(&self) -> Option<u16> {
        self.conn.link().window()
    }

    /// Whether the broker already had this client's session at connect.
    pub fn session_present(&self) -> bool {
        self.conn.link().session_present()
    }

    /// What the broker's MQTT 5 CONNACK said of its limits and features (all `None` on
    /// MQTT 3.1.1).
    pub fn server_limits(&self) -> &ServerLimits {
        self.conn.link().server_limits()
    }

    /// Hands one message to the link. Completion is counted by [`Queue::flush`].
    /// An empty retained message is always sent as zero bytes, whatever the envelope mode:
    /// that is what clears a topic's retained message in MQTT.
    pub async fn send(&mut self, msg: &OutMessage) -> Result<(), QueueError> {
        self.send_within(msg, None).await
    }

    /// [`Queue::send`], failing with [`QueueError::NoAck`] when the link's request queue
    /// stays full for `stall` (the broker is away, or not acknowledging).
    pub async fn send_within(
        &mut self,
        msg: &OutMessage,
        stall: Option<Duration>,
    ) -> Result<(), QueueError> {
        self.producer.send(&mut self.conn, msg, stall).await
    }

    /// Waits until every message handed to [`Queue::send`] is acknowledged (QoS 1/2) or
    /// flushed (QoS 0), the connection breaks, or no acknowledgement arrives for `stall`.
    pub async fn flush(&mut self, stall: Duration) -> SendReport {
        self.producer.flush(&mut self.conn, stall).await
    }

    /// Reconnects so far, and how many publishes were awaiting their acknowledgement at
    /// those moments: the link sends them again, so up to that many may arrive twice.
    pub fn resends(&self) -> (u32, u64) {
        self.conn.tracker().resends()
    }

    /// Subscribes to the topic and waits until the broker acknowledged every filter or a
    /// message arrived, whichever comes first: from then on, messages published to the topic
    /// reach this queue. A message before the SUBACK is a resumed session's backlog, which
    /// some brokers send first (mosquitto) and some before they acknowledge the subscription
    /// at all (rumqttd's MQTT 5 listener holds the SUBACK until the backlog drains); the
    /// SUBACKs still due are checked as they come.
    pub async fn subscribe(&mut self) -> Result<(), QueueError> {
        self.consumer.subscribe(&mut self.conn).await
    }

    /// The next message, waiting until `deadline` (forever with `None`). `Ok(None)` on timeout.
    pub async fn next(&mut self, deadline: Option<Instant>) -> Result<Option<Message>, QueueError> {
        self.consumer.next(&mut self.conn, deadline).await
    }

    /// The next message, or `Ok(None)` once nothing arrived for `quiet`: no message, and no
    /// byte of one. A message still arriving (a large one, a slow link) holds the end off
    /// while its bytes keep coming, however long that takes.
    pub async fn next_unless_quiet(
        &mut self,
        quiet: Duration,
    ) -> Result<Option<Message>, QueueError> {
        self.consumer.next_unless_quiet(&mut self.conn, quiet).await
    }

    /// Where the connection's byte count stands, for [`Queue::message_arriving_since`].
    pub fn read_mark(&self) -> ReadMark {
        self.conn.read_mark()
    }

    /// Whether a message is on its way in since `mark`: bytes came from the broker, and
    /// they are not (yet) a whole packet, nor a redelivery of a message already delivered
    /// on this connection. What ends on quiet waits on while this holds.
    pub fn message_arriving_since(&self, mark: ReadMark) -> bool {
        self.conn.message_arriving_since(mark)
    }

    /// A message that has already arrived, without waiting.
    pub fn try_next(&mut self) -> Result<Option<Message>, QueueError> {
        self.consumer.try_next(&mut self.conn)
    }

    /// What to do with retained messages from now on.
    pub fn set_retained(&mut self, r: Retained) {
        self.conn.tracker_mut().set_retained(r);
    }

    /// Acknowledges a message: the broker forgets it (for this session).
    pub async fn ack(&mut self, msg: &Message) -> Result<(), QueueError> {
        self.conn.ack(&msg.delivery).await
    }

    /// How many times the link has reconnected, after taking in what it reported so far
    /// (messages that arrived are kept): a consumer that held messages across a reconnect
    /// must not acknowledge them on the new connection, where their packet ids may name
    /// other messages; the broker delivers them again instead.
    pub fn reconnects_now(&mut self) -> Result<u32, QueueError> {
        self.conn.take_arrived()?;
        Ok(self.conn.tracker().reconnects())
    }

    /// Distinct QoS 1/2 messages delivered on this connection and not acknowledged (what a
    /// peek or count leaves pending), including those that arrived and were not read.
    pub fn unacked(&mut self) -> usize {
        // What has arrived counts; an error (the connection broke since) does not matter
        // here: what was delivered stays pending.
        let _ = self.conn.take_arrived();
        self.conn.tracker().unacked()
    }

    /// Redeliveries of a message already delivered on this connection, dropped.
    pub fn redelivered(&self) -> u64 {
        self.conn.tracker().redelivered()
    }

    /// Bounds the wait for the broker's close (see [`Queue::close`]) by `by`, the command's
    /// time limit, for a command that closes before it received (`receive -W` that ran out
    /// while subscribing).
    pub fn close_by(&mut self, by: Instant) {
        self.close_by = Some(by);
    }

    /// Takes up to `n` messages within `timeout`, writing each batch to the sink and
    /// acknowledging it only after the sink flushed it.
    pub async fn receive(
        &mut self,
        n: usize,
        timeout: Duration,
        sink: &mut dyn Sink,
    ) -> Result<Consumed, QueueError> {
        self.receive_until(n, timeout, sink, std::future::pending())
            .await
    }

    /// [`Queue::receive`] that also stops, with [`Stop::Shutdown`], when `shutdown`
    /// completes (Ctrl-C): what was written by then is acknowledged.
    pub async fn receive_until(
        &mut self,
        n: usize,
        timeout: Duration,
        sink: &mut dyn Sink,
        shutdown: impl Future<Output = ()>,
    ) -> Result<Consumed, QueueError> {
        let deadline = Instant::now() + timeout;
        self.close_by = Some(deadline);
        self.consumer
            .consume(
                &mut self.conn,
                sink,
                Some(n),
                Some(deadline),
                None,
                shutdown,
            )
            .await
    }

    /// Streams messages to the sink until `shutdown` completes or a limit is reached.
    pub async fn listen(
        &mut self,
        limits: ListenLimits,
        sink: &mut dyn Sink,
        shutdown: impl Future<Output = ()>,
    ) -> Result<Consumed, QueueError> {
        self.close_by = limits.until;
        let (max, until, idle) = (limits.max, limits.until, limits.idle);
        self.consumer
            .consume(&mut self.conn, sink, max, until, idle, shutdown)
            .await
    }

    /// Up to `n` pending messages, never acknowledged: the broker delivers them again to
    /// the next connection of this session. Returns when `n` arrived, when nothing came for
    /// `wait`, or, once messages flow, when none came for `settle` (at most `wait`) plus the
    /// connection's set-up time: the broker hands a session's pending messages out in one
    /// burst (see [`SETTLE`]).
    pub async fn peek(
        &mut self,
        n: usize,
        wait: Duration,
        settle: Duration,
    ) -> Result<Vec<Message>, QueueError> {
        inspect::peek(&self.consumer, &mut self.conn, n, wait, settle).await
    }

    /// How many messages are pending, never acknowledging any: counts deliveries until
    /// nothing came for `wait`, or, once messages flow, for `settle` (at most `wait`) plus
    /// the connection's set-up time. The broker's unacked window caps what it hands out, so
    /// a caller must treat a result at or above that window as "at least".
    pub async fn count(&mut self, wait: Duration, settle: Duration) -> Result<usize, QueueError> {
        inspect::count(&self.consumer, &mut self.conn, wait, settle).await
    }

    /// Removes the queue's session (and its pending messages) at the broker: connects with
    /// the queue's client id and a clean session, then disconnects.
    pub async fn clear(cfg: &QueueConfig) -> Result<BrokerAddr, QueueError> {
        open::clear(cfg).await
    }

    /// Disconnects cleanly. Unacknowledged messages stay with the broker's session. A
    /// producer whose QoS 1/2 publishes were all acknowledged leaves once its DISCONNECT is
    /// written; anything else waits for the broker to close the connection, so that it read
    /// everything (QoS 0 publishes, a consumer's acknowledgements).
    pub async fn close(self) {
        let qos = self.cfg.options.qos;
        let settled = self.role == Role::Producer && qos > 0 && self.conn.tracker().settled();
        // Within the command's time limit, if it has one: the wait for the broker's close is
        // cut short there (DISCONNECT still goes out; CLOSE_GRACE covers writing it).
        let limit = self.close_by.map_or(link::CLOSE_WAIT, |by| {
            by.saturating_duration_since(Instant::now())
                .clamp(CLOSE_GRACE, link::CLOSE_WAIT)
        });
        // A streaming producer's own session (see `open::opening`) goes with it.
        let own_session = (self.role == Role::Producer && self.reconnect && qos > 0).then(|| {
            let t = self.conn.tracker();
            (t.client_id().to_owned(), t.broker().clone())
        });
        self.conn.close(settled, limit).await;
        if let Some((client_id, addr)) = own_session {
            open::remove_session(&self.cfg, client_id, &addr).await;
        }
    }
}
