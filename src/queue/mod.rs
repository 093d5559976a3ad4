//! The queue core: an MQTT topic used as a message queue (docs/DESIGN.md §2), the Rust
//! counterpart of pip-services' `MqttMessageQueue`. No clap, no printing: callers get
//! typed errors and hand in a [`Sink`] so that a message is acknowledged only after the
//! sink has written and flushed it (at-least-once, never loss).

pub mod arena;
mod error;
pub mod link;
pub mod topic;

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

pub use error::{
    AuthReason, ConnectCause, IdentityProblem, QueueError, TlsProblem, TlsSetupProblem,
    TopicProblem,
};

pub use link::{Delivery, Properties, ServerLimits, Version};
use link::{Disconnect, ErrorKind, Link, LinkEvent, LinkOptions, PubTopic, Session};

use crate::config::{BrokerAddr, QueueConfig};
use crate::envelope::{self, Envelope};

/// Who is opening the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Publishes only; always uses its own ephemeral client id, never the queue's, so it
    /// cannot take over a consumer's session.
    Producer,
    /// Receives; uses the queue's client id (durable) or an ephemeral one. On MQTT 5 it asks
    /// for a window of [`CONSUMER_WINDOW`] unacknowledged messages: enough to keep the link
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

/// Outcome of [`Queue::receive`] and [`Queue::listen`].
#[derive(Debug)]
pub struct Consumed {
    /// Messages written and acknowledged.
    pub count: usize,
    /// Why it stopped.
    pub stop: Stop,
}

/// Outcome of [`Queue::flush`].
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

/// Limits of [`Queue::listen`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ListenLimits {
    /// Stop after this many messages.
    pub max: Option<usize>,
    /// Stop when nothing arrived for this long.
    pub idle: Option<Duration>,
    /// Stop at this instant whatever happens.
    pub until: Option<Instant>,
}

/// How many messages a batch may hold between two flushes of the sink: large enough that a
/// flush (one write syscall) serves many small messages, small enough that a crash
/// redelivers little.
const BATCH: usize = 512;

/// How long the take-over check waits for the broker to accept a TCP connection, and then
/// for it not to drop that connection again.
const PROBE_TIMEOUT: Duration = Duration::from_millis(300);

/// How long [`Queue::close`] may take past the command's time limit: long enough to write
/// DISCONNECT and let the broker read what was written before it.
const CLOSE_GRACE: Duration = Duration::from_millis(100);

/// A durable `listen` whose session is taken over twice within this long stops (exit 5):
/// another consumer holds the client id, and reconnecting would only knock it off in turn.
const TAKEOVER_WINDOW: Duration = Duration::from_secs(60);

/// The MQTT 5 Receive Maximum of receive and listen: two batches, so that the broker fills
/// the next while one is written and acknowledged.
pub const CONSUMER_WINDOW: u16 = 2 * BATCH as u16;

/// How long a streaming producer's MQTT 5 session outlives a crash of mqq.
const PRODUCER_SESSION_EXPIRY: Duration = Duration::from_secs(300);

/// Publishes a producer keeps awaiting their acknowledgement: a deep pipeline keeps the
/// link busy while PUBACKs travel back (docs/PERFORMANCE.md §4).
const PRODUCER_INFLIGHT: u16 = 1024;

/// Publishes a consumer may have in flight (it publishes nothing; MQTT wants a value).
const CONSUMER_INFLIGHT: u16 = 100;

/// An open queue: one connection, one subscription, the event-loop task behind it.
pub struct Queue {
    cfg: QueueConfig,
    role: Role,
    addr: BrokerAddr,
    client_id: String,
    durable: bool,
    link: Link,
    subscribed: bool,
    reconnect: bool,
    buffered: VecDeque<Delivery>,
    retained: Retained,
    /// Acknowledgements handed to the link and not yet written to the connection.
    acks_unsent: usize,
    /// Connections lost and resumed (listen, send).
    reconnects: u32,
    /// Whether the connection was up before the last error (a failed attempt is not a loss).
    link_was_up: bool,
    /// Publishes in flight when a connection was lost: sent again, so maybe delivered twice.
    maybe_twice: u64,
    /// When the session was last taken over while reconnecting (listen).
    taken_over_at: Option<Instant>,
    /// Retained messages skipped by [`Retained::SkipAndAck`], to acknowledge.
    skipped: Vec<Delivery>,
    published: u64,
    completed: u64,
    /// Publishes the broker refused (MQTT 5 reason codes): settled, never completed.
    refused: u64,
    /// Packet ids of QoS 1/2 deliveries on this connection not yet acknowledged: a delivery
    /// with the DUP flag and one of these ids is the broker sending that message again
    /// (NATS does, every `ack_wait`), not another message.
    unacked: PacketIds,
    /// Such redeliveries dropped on this connection.
    redelivered: u64,
    /// Where envelopes are written.
    arena: arena::Arena,
    /// The topic (or filter), in the forms publishes carry it (checked at open for a
    /// producer, at each send otherwise).
    topic: PubTopic,
    /// Filters subscribed to whose SUBACK has not come yet, in order.
    pending_subacks: VecDeque<String>,
    /// The command's own time limit (`-W`), which bounds [`Queue::close`] too.
    close_by: Option<Instant>,
    /// When a missing SUBACK becomes an error: the connect timeout after the SUBSCRIBE or
    /// after the last message (a broker may hold the SUBACK until a resumed session's
    /// backlog drains: rumqttd's MQTT 5 listener does).
    suback_deadline: Option<Instant>,
}

/// A point in the count of bytes read from the connection (see [`Queue::read_mark`]).
#[derive(Debug, Clone, Copy)]
pub struct ReadMark(u64);

/// The default pause that ends a burst of deliveries for `peek`/`count` (`--settle`), once the
/// first message arrived. A broker hands a resumed session its pending messages (up to its
/// window) in one go, with pauses of microseconds inside it on loopback: 200 ms leaves a
/// margin of over a thousand times (docs/PERFORMANCE.md §5). The wait for the first message
/// (`--wait`, 1 s) is unchanged, since an empty queue has nothing that says so. Beyond loopback a burst larger than TCP's congestion
/// window arrives in flights a round trip apart, so the quiet period is this plus the
/// connection's set-up time (see [`Queue::quiet_after_first`]).
pub const SETTLE: Duration = Duration::from_millis(200);

/// The pauses between deliveries of a peek or count, for the debug log (`-vv`): how long
/// the settle period could be without cutting a burst short.
struct Gaps {
    start: Instant,
    last: Instant,
    first: Option<Duration>,
    largest: Duration,
}

impl Gaps {
    fn new() -> Gaps {
        let now = Instant::now();
        Gaps {
            start: now,
            last: now,
            first: None,
            largest: Duration::ZERO,
        }
    }

    fn arrived(&mut self) {
        let now = Instant::now();
        if self.first.is_none() {
            self.first = Some(now - self.start);
        } else {
            self.largest = self.largest.max(now - self.last);
        }
        self.last = now;
    }

    fn report(&self, n: usize, quiet: Duration) {
        tracing::debug!(
            messages = n,
            first_after = ?self.first,
            largest_gap = ?self.largest,
            quiet_period = ?quiet,
            "deliveries ended"
        );
    }
}

/// A set of packet ids (0–65535) as a bitmap: 8 KiB, no allocation per message.
struct PacketIds {
    bits: Box<[u64; 1024]>,
    len: usize,
}

impl PacketIds {
    fn new() -> PacketIds {
        PacketIds {
            bits: Box::new([0; 1024]),
            len: 0,
        }
    }

    /// Adds `id`; `false` if it was there.
    ///
    /// Written with an early return on purpose: the branch-free form
    /// (`let new = word & b == 0; word |= b; len += usize::from(new)`) is miscompiled by
    /// rustc 1.95.0 (LLVM 22.1.2) at opt-level 2 and 3: `len` stayed 0 while `insert`
    /// returned `true`, so release builds never remembered what a peek left pending.
    fn insert(&mut self, id: u16) -> bool {
        let (w, b) = (usize::from(id >> 6), 1u64 << (id & 63));
        let word = &mut self.bits[w];
        if *word & b != 0 {
            return false;
        }
        *word |= b;
        self.len += 1;
        true
    }

    fn contains(&self, id: u16) -> bool {
        self.bits[usize::from(id >> 6)] & (1u64 << (id & 63)) != 0
    }

    fn remove(&mut self, id: u16) {
        let (w, b) = (usize::from(id >> 6), 1u64 << (id & 63));
        if self.bits[w] & b != 0 {
            self.bits[w] &= !b;
            self.len -= 1;
        }
    }

    fn clear(&mut self) {
        if self.len > 0 {
            self.bits.fill(0);
            self.len = 0;
        }
    }
}

/// A fresh client id for ephemeral connections: `mqq-` and 16 hex digits.
pub fn ephemeral_client_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("mqq-{}", &id[..16])
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
        let topic = cfg.topic.clone().ok_or(QueueError::NoTopic)?;
        match role {
            Role::Producer if !cfg.extra_topics.is_empty() => {
                return Err(QueueError::BadTopic {
                    topic,
                    problem: TopicProblem::Several(1 + cfg.extra_topics.len()),
                })
            }
            Role::Producer => topic::validate_publish(&topic)?,
            Role::Consumer | Role::Inspector => {
                for t in std::iter::once(&topic).chain(&cfg.extra_topics) {
                    topic::validate_filter(t)?;
                }
            }
        }
        check_identity(cfg)?;
        if let Some(g) = &cfg.options.group {
            if g.is_empty() || g.contains(['/', '+', '#']) || g.chars().any(topic::forbidden) {
                return Err(QueueError::BadTopic {
                    topic: format!("$share/{g}/{topic}"),
                    problem: TopicProblem::BadGroup,
                });
            }
        }
        let durable = role != Role::Producer && cfg.client_id.is_some();
        let client_id = match (role, &cfg.client_id) {
            (Role::Consumer | Role::Inspector, Some(id)) => id.clone(),
            _ => ephemeral_client_id(),
        };
        let reconnect = reconnect && cfg.options.retry_connect;
        // A producer that reconnects (send -l) keeps a session of its own, so that after a
        // reconnect the broker still knows the publishes in flight and the link resends them
        // in order; `close` removes it. Without a session the library would drop them. QoS 0
        // has nothing in flight: no session, and no second connection to remove it.
        let streaming = role == Role::Producer && reconnect && cfg.options.qos > 0;
        let session = if durable || streaming {
            Session::Persistent
        } else {
            Session::Clean
        };
        let inflight = match role {
            Role::Producer => messages.map_or(PRODUCER_INFLIGHT, |n| {
                u16::try_from(n.max(1)).map_or(PRODUCER_INFLIGHT, |n| n.min(PRODUCER_INFLIGHT))
            }),
            Role::Consumer | Role::Inspector => CONSUMER_INFLIGHT,
        };
        let mut opts = LinkOptions::new(cfg, client_id.clone(), session)
            .reconnect(cfg, reconnect)
            .inflight(inflight)
            .receive_maximum(match role {
                Role::Consumer => CONSUMER_WINDOW,
                Role::Producer | Role::Inspector => link::RECEIVE_MAXIMUM,
            });
        if role == Role::Consumer {
            opts = opts.budget(link::BUDGET_BYTES, link::BUDGET_MESSAGES);
        }
        // A peek or count never acknowledges: nothing would carry its TCP ACKs.
        opts.quickack_always = role == Role::Inspector;
        if streaming {
            // MQTT 5: a producer's session outlives a crash of mqq by minutes, not forever.
            opts.session_expiry = Some(PRODUCER_SESSION_EXPIRY);
        }
        let (link, addr) = connect_any(&cfg.connections, &opts).await?;
        tracing::debug!(broker = %addr.uri(), %client_id, durable, session_present = link.session_present(), "connected with {}", link.version());
        let topic = PubTopic::new(&topic);
        let mut q = Queue {
            cfg: cfg.clone(),
            role,
            addr,
            client_id,
            durable,
            link,
            subscribed: false,
            reconnect,
            buffered: VecDeque::new(),
            retained: Retained::Keep,
            acks_unsent: 0,
            reconnects: 0,
            link_was_up: true,
            maybe_twice: 0,
            taken_over_at: None,
            skipped: Vec::new(),
            published: 0,
            completed: 0,
            refused: 0,
            unacked: PacketIds::new(),
            redelivered: 0,
            arena: arena::Arena::new(),
            topic,
            pending_subacks: VecDeque::new(),
            suback_deadline: None,
            close_by: None,
        };
        if role != Role::Producer && cfg.options.autosubscribe {
            q.send_subscribe().await?;
        }
        Ok(q)
    }

    /// Every filter of the subscription: the topic, then more `-t` filters (as subscribed:
    /// `$share/GROUP/…` with a group).
    pub fn filters(&self) -> Vec<String> {
        std::iter::once(self.topic.as_str())
            .chain(self.cfg.extra_topics.iter().map(String::as_str))
            .map(|f| match &self.cfg.options.group {
                Some(g) => format!("$share/{g}/{f}"),
                None => f.to_owned(),
            })
            .collect()
    }

    /// The topic (or topic filter) of this queue.
    pub fn topic(&self) -> &str {
        self.topic.as_str()
    }

    /// The broker this queue is connected to.
    pub fn broker(&self) -> &BrokerAddr {
        &self.addr
    }

    /// The client id in use.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// True for a persistent session (a consumer with a configured client id).
    pub fn is_durable(&self) -> bool {
        self.durable
    }

    /// The MQTT version of the connection.
    pub fn version(&self) -> Version {
        self.link.version()
    }

    /// The unacknowledged window the connection asked for (MQTT 5's Receive Maximum);
    /// `None` when the broker alone decides (MQTT 3.1.1).
    pub fn window(&self) -> Option<u16> {
        self.link.window()
    }

    /// Whether the broker already had this client's session at connect.
    pub fn session_present(&self) -> bool {
        self.link.session_present()
    }

    /// What the broker's MQTT 5 CONNACK said of its limits and features (all `None` on
    /// MQTT 3.1.1).
    pub fn server_limits(&self) -> &ServerLimits {
        self.link.server_limits()
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
        let retain = msg.retain.unwrap_or(self.cfg.options.retain);
        let clears_retained = retain && msg.payload.is_empty();
        let payload = if self.cfg.options.serialize_envelope && !msg.bare && !clears_retained {
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
            let version = self.cfg.options.envelope_version;
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
            // A producer's topic was checked at open; any other role's may be a filter.
            if self.role != Role::Producer {
                topic::validate_publish(self.topic.as_str())?;
            }
            &self.topic
        };
        self.link
            .publish(
                to,
                self.cfg.options.qos,
                retain,
                payload,
                &msg.properties,
                stall,
            )
            .await?;
        self.published += 1;
        // Keep the event channel short while streaming.
        while let Some(ev) = self.link.try_recv() {
            self.handle(ev)?;
        }
        Ok(())
    }

    /// Waits until every message handed to [`Queue::send`] is acknowledged (QoS 1/2) or
    /// flushed (QoS 0), the connection breaks, or no acknowledgement arrives for `stall`.
    pub async fn flush(&mut self, stall: Duration) -> SendReport {
        let mut error = None;
        // The stall counts from the last acknowledgement: reconnect attempts do not reset it.
        let mut deadline = Instant::now() + stall;
        while self.completed + self.refused < self.published {
            match tokio::time::timeout_at(deadline, self.link.recv()).await {
                Err(_) => {
                    error = Some(QueueError::NoAck {
                        broker: self.addr.uri(),
                        after: stall,
                    });
                    break;
                }
                Ok(None) => {
                    error = Some(self.closed());
                    break;
                }
                Ok(Some(ev)) => {
                    let progress = matches!(ev, LinkEvent::Completed(_));
                    if let Err(e) = self.handle(ev) {
                        error = Some(e);
                        break;
                    }
                    if progress {
                        deadline = Instant::now() + stall;
                    }
                }
            }
        }
        SendReport {
            published: self.published,
            completed: self.completed,
            error,
        }
    }

    /// Reconnects so far, and how many publishes were awaiting their acknowledgement at
    /// those moments: the link sends them again, so up to that many may arrive twice.
    pub fn resends(&self) -> (u32, u64) {
        (self.reconnects, self.maybe_twice)
    }

    /// Subscribes to the topic (see [`Queue::send_subscribe`]) and waits until the broker
    /// acknowledged every filter or a message arrived, whichever comes first: from then on,
    /// messages published to the topic reach this queue. A message before the SUBACK is a
    /// resumed session's backlog, which some brokers send first (mosquitto) and some before
    /// they acknowledge the subscription at all (rumqttd's MQTT 5 listener holds the SUBACK
    /// until the backlog drains); the SUBACKs still due are checked as they come.
    pub async fn subscribe(&mut self) -> Result<(), QueueError> {
        self.send_subscribe().await?;
        while !self.pending_subacks.is_empty() && self.buffered.is_empty() {
            let deadline = self
                .suback_deadline
                .unwrap_or_else(|| Instant::now() + self.cfg.options.connect_timeout);
            match tokio::time::timeout_at(deadline, self.link.recv()).await {
                Err(_) => return Err(self.suback_timeout()),
                Ok(None) => return Err(self.closed()),
                Ok(Some(ev)) => self.handle(ev)?,
            }
        }
        Ok(())
    }

    /// Sends the SUBSCRIBEs unless a durable session already holds the subscription
    /// (re-subscribing would make an MQTT 3.1.1 broker resend the retained message; MQTT 5's
    /// Retain Handling makes it harmless, so there mqq always subscribes). Does not wait for
    /// the SUBACKs: they are checked as they arrive (a refusal is an error then), and one
    /// that does not come within the connect timeout while nothing else arrives either is
    /// an error of the broker's.
    async fn send_subscribe(&mut self) -> Result<(), QueueError> {
        if self.subscribed {
            return Ok(());
        }
        if self.durable && self.link.session_present() && !self.link.resubscribe_is_safe() {
            self.subscribed = true;
            return Ok(());
        }
        let qos = if self.durable {
            self.cfg.options.qos.max(1)
        } else {
            self.cfg.options.qos
        };
        for filter in self.filters() {
            self.link.subscribe(&filter, qos).await?;
            self.pending_subacks.push_back(filter);
        }
        self.suback_deadline = Some(Instant::now() + self.cfg.options.connect_timeout);
        self.subscribed = true;
        if self.reconnects > 0 {
            tracing::info!(
                "subscribed again to {} at {} (the new session had no subscription)",
                self.filters().join(", "),
                self.addr.uri()
            );
        }
        Ok(())
    }

    fn suback_timeout(&self) -> QueueError {
        QueueError::SubscribeTimeout {
            broker: self.addr.uri(),
            topic: self
                .pending_subacks
                .front()
                .cloned()
                .unwrap_or_else(|| self.topic.as_str().to_owned()),
            after: self.cfg.options.connect_timeout,
        }
    }

    /// The next message, waiting until `deadline` (forever with `None`). `Ok(None)` on timeout.
    pub async fn next(&mut self, deadline: Option<Instant>) -> Result<Option<Message>, QueueError> {
        loop {
            self.ack_skipped().await?;
            // Also after a reconnect that lost the subscription (see `handle`).
            self.send_subscribe().await?;
            if let Some(d) = self.buffered.pop_front() {
                return Ok(Some(self.message(d)));
            }
            // A SUBACK still due bounds the wait too, unless the caller's deadline is first.
            let suback = self
                .suback_deadline
                .filter(|_| !self.pending_subacks.is_empty());
            let wait = match (deadline, suback) {
                (Some(d), Some(s)) => Some(d.min(s)),
                (d, s) => d.or(s),
            };
            let ev = match wait {
                Some(w) => match tokio::time::timeout_at(w, self.link.recv()).await {
                    Err(_) if suback.is_some_and(|s| w >= s) && deadline != Some(w) => {
                        return Err(self.suback_timeout())
                    }
                    Err(_) => return Ok(None),
                    Ok(ev) => ev,
                },
                None => self.link.recv().await,
            };
            match ev {
                None => return Err(self.closed()),
                Some(ev) => self.handle(ev)?,
            }
        }
    }

    /// The next message, or `Ok(None)` once nothing arrived for `quiet`: no message, and no
    /// byte of one. A message still arriving (a large one, a slow link) holds the end off
    /// while its bytes keep coming, however long that takes.
    pub async fn next_unless_quiet(
        &mut self,
        quiet: Duration,
    ) -> Result<Option<Message>, QueueError> {
        loop {
            let mark = self.read_mark();
            if let Some(m) = self.next(Some(Instant::now() + quiet)).await? {
                return Ok(Some(m));
            }
            if !self.message_arriving_since(mark) {
                return Ok(None);
            }
        }
    }

    /// Where the connection's byte count stands, for [`Queue::message_arriving_since`].
    pub fn read_mark(&self) -> ReadMark {
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
    pub fn message_arriving_since(&self, mark: ReadMark) -> bool {
        if self.link.bytes_read() == mark.0 || !self.link.packet_arriving() {
            return false;
        }
        !matches!(self.link.partial_publish(), Some((pkid, true)) if self.unacked.contains(pkid))
    }

    /// A message that has already arrived, without waiting.
    pub fn try_next(&mut self) -> Result<Option<Message>, QueueError> {
        loop {
            if let Some(d) = self.buffered.pop_front() {
                return Ok(Some(self.message(d)));
            }
            match self.link.try_recv() {
                Some(ev) => self.handle(ev)?,
                None => return Ok(None),
            }
        }
    }

    /// What to do with retained messages from now on.
    pub fn set_retained(&mut self, r: Retained) {
        self.retained = r;
    }

    async fn ack_skipped(&mut self) -> Result<(), QueueError> {
        for d in std::mem::take(&mut self.skipped) {
            self.ack_delivery(&d).await?;
        }
        Ok(())
    }

    /// Acknowledges a message: the broker forgets it (for this session).
    pub async fn ack(&mut self, msg: &Message) -> Result<(), QueueError> {
        self.ack_delivery(&msg.delivery).await
    }

    async fn ack_delivery(&mut self, d: &Delivery) -> Result<(), QueueError> {
        self.link.ack(d).await?;
        if d.qos > 0 {
            self.acks_unsent += 1;
            self.unacked.remove(d.pkid);
        }
        Ok(())
    }

    /// How many times the link has reconnected, after taking in what it reported so far
    /// (messages that arrived are kept): a consumer that held messages across a reconnect
    /// must not acknowledge them on the new connection, where their packet ids may name
    /// other messages; the broker delivers them again instead.
    pub fn reconnects_now(&mut self) -> Result<u32, QueueError> {
        while let Some(ev) = self.link.try_recv() {
            self.handle(ev)?;
        }
        Ok(self.reconnects)
    }

    /// Distinct QoS 1/2 messages delivered on this connection and not acknowledged (what a
    /// peek or count leaves pending), including those that arrived and were not read.
    pub fn unacked(&mut self) -> usize {
        while let Some(ev) = self.link.try_recv() {
            if self.handle(ev).is_err() {
                break;
            }
        }
        self.unacked.len
    }

    /// Redeliveries of a message already delivered on this connection, dropped.
    pub fn redelivered(&self) -> u64 {
        self.redelivered
    }

    /// Waits until every acknowledgement handed to the link was written to the connection
    /// (messages that arrive meanwhile are kept), at most `limit`. The link serves one
    /// request per poll but reads up to ten packets, so under a flood acknowledgements would
    /// fall far behind the output; waiting here keeps at most one batch written and not
    /// acknowledged, which is what a crash can deliver twice.
    async fn acks_written(&mut self, limit: Duration) -> Result<(), QueueError> {
        let deadline = Instant::now() + limit;
        while self.acks_unsent > 0 {
            // Not `recv`: waiting for acknowledgements is no reason to read past the budget.
            match tokio::time::timeout_at(deadline, self.link.recv_within_budget()).await {
                Err(_) => break,
                Ok(None) => return Err(self.closed()),
                Ok(Some(ev)) => self.handle(ev)?,
            }
        }
        Ok(())
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
        let deadline = Instant::now() + timeout;
        self.close_by = Some(deadline);
        self.consume(sink, Some(n), Some(deadline), None, std::future::pending())
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
        self.consume(sink, Some(n), Some(deadline), None, shutdown)
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
        self.consume(sink, limits.max, limits.until, limits.idle, shutdown)
            .await
    }

    async fn consume(
        &mut self,
        sink: &mut dyn Sink,
        max: Option<usize>,
        deadline: Option<Instant>,
        idle: Option<Duration>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<Consumed, QueueError> {
        tokio::pin!(shutdown);
        let mut count = 0usize;
        let mut batch: Vec<Message> = Vec::new();
        loop {
            if max.is_some_and(|m| count >= m) {
                return Ok(Consumed {
                    count,
                    stop: Stop::Count,
                });
            }
            let wait_until = match (deadline, idle.map(|i| Instant::now() + i)) {
                (Some(d), Some(i)) => Some(d.min(i)),
                (d, i) => d.or(i),
            };
            let mark = self.read_mark();
            let first = tokio::select! {
                biased;
                () = &mut shutdown => return Ok(Consumed { count, stop: Stop::Shutdown }),
                m = self.next(wait_until) => m?,
            };
            let Some(first) = first else {
                // Not idle while a message is still arriving (only `-W` is a hard limit).
                let before_deadline = deadline.is_none_or(|d| Instant::now() < d);
                if idle.is_some() && before_deadline && self.message_arriving_since(mark) {
                    continue;
                }
                return Ok(Consumed {
                    count,
                    stop: Stop::Timeout,
                });
            };
            batch.clear();
            batch.push(first);
            let room = max.map_or(BATCH, |m| (m - count).min(BATCH));
            while batch.len() < room {
                match self.try_next()? {
                    Some(m) => batch.push(m),
                    None => break,
                }
            }
            // Write, flush, and only then acknowledge (docs/DESIGN.md §2: ack after output).
            let written = batch
                .iter()
                .try_for_each(|m| sink.write(m))
                .and_then(|()| sink.flush());
            if let Err(e) = written {
                return Ok(Consumed {
                    count,
                    stop: Stop::Sink(e),
                });
            }
            for m in &batch {
                self.ack_delivery(&m.delivery).await?;
            }
            self.ack_skipped().await?;
            self.acks_written(self.cfg.options.connect_timeout).await?;
            count += batch.len();
            // Give the batch's budget back before waiting for the next message: holding it
            // could keep the link paused (see `link::Budget`) with nothing left to read.
            batch.clear();
        }
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
        let mut out = Vec::new();
        let mut gaps = Gaps::new();
        let settled = self.quiet_after_first(wait, settle);
        while out.len() < n {
            let quiet = if out.is_empty() { wait } else { settled };
            match self.next_unless_quiet(quiet).await? {
                Some(m) => {
                    gaps.arrived();
                    out.push(m);
                }
                None => break,
            }
        }
        gaps.report(out.len(), settled);
        Ok(out)
    }

    /// The pause that ends a burst of deliveries once one arrived: `settle` (at most `wait`)
    /// plus the time the connection took to set up. A burst larger than TCP's congestion
    /// window reaches the client in flights a round trip apart, and a set-up took at least
    /// one round trip (the CONNECT's; TCP's handshake is another, TLS one or two more): over a
    /// link slower than `settle` the pause between two flights would otherwise end the burst
    /// and a count would be short. On loopback it adds about a millisecond.
    fn quiet_after_first(&self, wait: Duration, settle: Duration) -> Duration {
        settle.min(wait) + self.link.setup_time()
    }

    /// How many messages are pending, never acknowledging any: counts deliveries until
    /// nothing came for `wait`, or, once messages flow, for `settle` (at most `wait`) plus
    /// the connection's set-up time. The
    /// broker's unacked window caps what it hands out, so a caller must treat a result at or
    /// above that window as "at least".
    pub async fn count(&mut self, wait: Duration, settle: Duration) -> Result<usize, QueueError> {
        let mut n = 0;
        let mut gaps = Gaps::new();
        let settled = self.quiet_after_first(wait, settle);
        loop {
            let quiet = if n == 0 { wait } else { settled };
            if self.next_unless_quiet(quiet).await?.is_none() {
                break;
            }
            gaps.arrived();
            n += 1;
        }
        gaps.report(n, settled);
        Ok(n)
    }

    /// Removes the queue's session (and its pending messages) at the broker: connects with
    /// the queue's client id and a clean session, then disconnects.
    pub async fn clear(cfg: &QueueConfig) -> Result<BrokerAddr, QueueError> {
        let Some(client_id) = cfg.client_id.clone() else {
            return Err(QueueError::NotDurable { action: "clear" });
        };
        check_identity(cfg)?;
        let opts = LinkOptions::new(cfg, client_id, Session::Clean);
        let (link, addr) = connect_any(&cfg.connections, &opts).await?;
        link.close(true).await;
        Ok(addr)
    }

    /// Disconnects cleanly. Unacknowledged messages stay with the broker's session. A
    /// producer whose QoS 1/2 publishes were all acknowledged leaves once its DISCONNECT is
    /// written; anything else waits for the broker to close the connection, so that it read
    /// everything (QoS 0 publishes, a consumer's acknowledgements).
    pub async fn close(self) {
        let settled = self.role == Role::Producer
            && self.cfg.options.qos > 0
            && self.completed + self.refused == self.published;
        // Within the command's time limit, if it has one: the wait for the broker's close is
        // cut short there (DISCONNECT still goes out; CLOSE_GRACE covers writing it).
        let limit = self.close_by.map_or(link::CLOSE_WAIT, |by| {
            by.saturating_duration_since(Instant::now())
                .clamp(CLOSE_GRACE, link::CLOSE_WAIT)
        });
        self.link.close_within(settled, limit).await;
        if self.role == Role::Producer && self.reconnect && self.cfg.options.qos > 0 {
            // Remove the producer's own session (see `open`); failing that, it expires.
            let opts = LinkOptions::new(&self.cfg, self.client_id.clone(), Session::Clean);
            if let Ok(link) = Link::connect(&self.addr, &opts).await {
                link.close(true).await;
            }
        }
    }

    fn message(&self, d: Delivery) -> Message {
        let envelope = if self.cfg.options.serialize_envelope {
            envelope::decode(&d.payload)
        } else {
            None
        };
        Message {
            delivery: d,
            envelope,
        }
    }

    /// A delivery off the link: kept for the reader, or dropped (a retained message being
    /// skipped, a redelivery on the same connection).
    fn arrived(&mut self, d: Delivery) {
        if d.retain && self.retained != Retained::Keep {
            if self.retained == Retained::SkipAndAck {
                self.skipped.push(d);
            }
            return;
        }
        if !self.pending_subacks.is_empty() {
            // Messages flow: the broker is busy with this session, not ignoring it.
            self.suback_deadline = Some(Instant::now() + self.cfg.options.connect_timeout);
        }
        // Tracked for what a peek or count leaves pending, and to drop a message sent again
        // within one connection: NATS resends unacknowledged messages every `ack_wait`, and
        // counting or showing one twice would be wrong.
        let new = d.qos == 0 || self.unacked.insert(d.pkid);
        if !new && d.dup {
            self.redelivered += 1;
            tracing::debug!(pkid = d.pkid, "dropped a redelivery on the same connection");
            return;
        }
        self.buffered.push_back(d);
    }

    fn handle(&mut self, ev: LinkEvent) -> Result<(), QueueError> {
        match ev {
            LinkEvent::Message(d) => self.arrived(d),
            LinkEvent::Completed(n) => self.completed += n,
            LinkEvent::AcksSent(n) => self.acks_unsent = self.acks_unsent.saturating_sub(n),
            LinkEvent::SubAck(granted) => {
                let filter = self.pending_subacks.pop_front();
                if self.pending_subacks.is_empty() {
                    self.suback_deadline = None;
                }
                if !granted.iter().all(|g| *g) {
                    return Err(QueueError::SubscribeRefused {
                        broker: self.addr.uri(),
                        topic: filter.unwrap_or_else(|| self.topic.as_str().to_owned()),
                    });
                }
            }
            LinkEvent::PublishRefused(code, reason) => {
                self.refused += 1;
                return Err(QueueError::PublishRefused {
                    broker: self.addr.uri(),
                    topic: self.topic.as_str().to_owned(),
                    code,
                    reason,
                });
            }
            LinkEvent::Reconnected {
                session_present,
                broker,
            } => {
                self.addr = broker;
                // Acknowledgements of the old connection are void: the broker redelivers.
                self.acks_unsent = 0;
                // So are SUBACKs still due: a lost subscription is made again (below).
                self.pending_subacks.clear();
                self.suback_deadline = None;
                self.unacked.clear();
                self.reconnects += 1;
                self.link_was_up = true;
                let in_flight = self.published - self.completed - self.refused;
                if self.role == Role::Producer && !session_present && self.published > 0 {
                    // The broker lost the producer's session (restarted without persistence,
                    // or from an older save): the link drops what was in flight, and what the
                    // broker acknowledged in that session may be gone with its state (a
                    // consumer's queue is a session too). The session began with the first
                    // publish (a stream's session is its own), so stop and say so.
                    return Err(QueueError::SessionLost {
                        broker: self.addr.uri(),
                        in_flight,
                        acknowledged: self.completed,
                    });
                }
                tracing::warn!(
                    "reconnected to {} ({})",
                    self.addr.uri(),
                    if session_present {
                        "session resumed"
                    } else {
                        "new session"
                    }
                );
                if !(self.durable && session_present) && self.subscribed {
                    // The broker forgot the subscription: subscribe again on next read.
                    self.subscribed = false;
                }
            }
            LinkEvent::Error {
                cause,
                kind,
                reason,
                retry_in,
            } => {
                let Some(delay) = retry_in.filter(|_| self.reconnect) else {
                    return Err(self.lost(&cause, kind, reason.as_ref()));
                };
                if let ErrorKind::PacketTooLarge { .. } = kind {
                    // Sending it again would fail again.
                    return Err(self.lost(&cause, kind, reason.as_ref()));
                }
                let was_up = self.link_was_up;
                if self.role == Role::Producer && was_up {
                    self.maybe_twice += self.published - self.completed - self.refused;
                }
                self.link_was_up = false;
                // Two consumers with one client id knock each other off forever: the second
                // take-over within TAKEOVER_WINDOW stops this one. Only an established
                // connection can be taken over: a reconnect attempt closed at CONNECT (a
                // cluster node whose queue's home node is down) is no evidence of another
                // consumer.
                // Nor is a close while our SUBSCRIBE awaits its SUBACK: that is the broker
                // refusing the subscription (a RabbitMQ node whose session queue lives on a
                // node that is down closes the connection there, again and again), while a
                // consumer that takes the session over comes after the subscription stood.
                let subscribing = !self.pending_subacks.is_empty();
                if was_up
                    && !subscribing
                    && self.durable
                    && self.is_take_over(kind, reason.as_ref())
                {
                    let now = Instant::now();
                    if self
                        .taken_over_at
                        .is_some_and(|t| now.duration_since(t) < TAKEOVER_WINDOW)
                    {
                        return Err(QueueError::HeldElsewhere {
                            broker: self.addr.uri(),
                            client_id: self.client_id.clone(),
                            within: TAKEOVER_WINDOW,
                        });
                    }
                    self.taken_over_at = Some(now);
                }
                // One line per attempt. A close by the broker is a take-over only if another
                // client holds the id; a broker that stopped closes connections too. MQTT 5
                // brokers say which it was.
                let why = if let Some(r) = &reason {
                    match r {
                        Disconnect::TakenOver => format!(
                            "another client with client id \"{}\" took over the session",
                            self.client_id
                        ),
                        r => format!("the broker disconnected: {r}"),
                    }
                } else if kind == ErrorKind::ClosedByBroker && self.durable {
                    format!(
                        "closed by the broker: it stopped, or another client with client id \
                         \"{}\" took over the session",
                        self.client_id
                    )
                } else {
                    cause
                };
                let delay = Duration::from_millis(delay.as_millis() as u64);
                tracing::warn!(
                    "connection to {} lost ({why}); reconnecting in {}",
                    self.addr.uri(),
                    humantime::format_duration(delay)
                );
            }
        }
        Ok(())
    }

    /// The error for a connection that broke. A broker that gave a reason (MQTT 5
    /// DISCONNECT) is trusted: 0x8E is a take-over, anything else a lost connection. Without
    /// one (MQTT 3.1.1; and mosquitto 2.0.11 closes a taken-over MQTT 5 connection without
    /// DISCONNECT too), a durable consumer's connection closed by the broker is claimed as a
    /// take-over only when the broker still accepts connections: a broker that stopped closes
    /// connections too, and that is a lost connection (exit 3).
    fn lost(&self, msg: &str, kind: ErrorKind, reason: Option<&Disconnect>) -> QueueError {
        if let ErrorKind::PacketTooLarge { size, max } = kind {
            return QueueError::TooLarge {
                broker: self.addr.uri(),
                size,
                max,
            };
        }
        if self.is_take_over(kind, reason) {
            QueueError::TakenOver {
                broker: self.addr.uri(),
                client_id: self.client_id.clone(),
            }
        } else {
            QueueError::Lost {
                broker: self.addr.uri(),
                cause: reason.map_or_else(
                    || msg.to_string(),
                    |r| format!("the broker disconnected: {r}"),
                ),
            }
        }
    }

    /// Whether a broken connection was most likely a take-over of this durable session (see
    /// [`Queue::lost`]).
    fn is_take_over(&self, kind: ErrorKind, reason: Option<&Disconnect>) -> bool {
        match reason {
            Some(r) => *r == Disconnect::TakenOver,
            None => {
                kind == ErrorKind::ClosedByBroker
                    && self.durable
                    && self.role != Role::Producer
                    && self.broker_accepts()
            }
        }
    }

    /// Whether the broker is up: its port accepts a TCP connection and keeps it open for
    /// [`PROBE_TIMEOUT`] (waiting for our CONNECT). A broker that is going down may still
    /// accept into its backlog for a moment, but then resets the connection.
    fn broker_accepts(&self) -> bool {
        use std::io::{ErrorKind as Io, Read as _};
        use std::net::{TcpStream, ToSocketAddrs as _};
        let Some(addr) = (self.addr.host.as_str(), self.addr.port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
        else {
            return false;
        };
        let Ok(mut conn) = TcpStream::connect_timeout(&addr, PROBE_TIMEOUT) else {
            return false;
        };
        if conn.set_read_timeout(Some(PROBE_TIMEOUT)).is_err() {
            return false;
        }
        matches!(conn.read(&mut [0u8; 1]), Err(e) if matches!(e.kind(), Io::WouldBlock | Io::TimedOut))
    }

    fn closed(&self) -> QueueError {
        QueueError::Closed {
            broker: self.addr.uri(),
        }
    }
}

/// The client id and user name must be strings MQTT carries: checked before connecting, so
/// that a bad one is a usage error, not a connection the broker drops.
fn check_identity(cfg: &QueueConfig) -> Result<(), QueueError> {
    if let Some(id) = &cfg.client_id {
        topic::validate_identity("client id", id)?;
    }
    if let Some(c) = &cfg.credential {
        topic::validate_identity("user name", &c.username)?;
    }
    Ok(())
}

/// Tries each broker of the failover list in order; a refusal (bad credentials) stops the
/// search, since the next broker would most likely refuse too. A link that reconnects (a
/// streaming verb) also rides out CONNECTs closed or refused as unavailable for a while (a
/// NATS cluster electing leaders after a node's loss does that for a few seconds): it tries
/// again after the reconnect back-off until the connect timeout has passed, then reports the
/// last cause.
async fn connect_any(
    addrs: &[BrokerAddr],
    opts: &LinkOptions,
) -> Result<(Link, BrokerAddr), QueueError> {
    let give_up = Instant::now() + opts.connect_timeout;
    let mut round = 0;
    loop {
        let e = match connect_round(addrs, opts).await {
            Ok(found) => return Ok(found),
            Err(e) => e,
        };
        // Several addresses: whether to try again follows the last one's error.
        let last = match &e {
            QueueError::NoneAccepted { tried } => tried.last().map_or(&e, |(_, e)| e),
            other => other,
        };
        let transient = matches!(
            last,
            QueueError::Connect {
                cause: ConnectCause::ClosedAtConnect | ConnectCause::Unavailable,
                ..
            } | QueueError::Auth {
                reason: AuthReason::ClosedWithoutCredentials,
                ..
            }
        );
        let Some(base) = opts.reconnect.filter(|_| transient) else {
            return Err(e);
        };
        let delay = link::backoff(base, round);
        if Instant::now() + delay >= give_up {
            return Err(e);
        }
        tracing::warn!(
            "{e}; trying again in {}",
            humantime::format_duration(Duration::from_millis(delay.as_millis() as u64))
        );
        round += 1;
        tokio::time::sleep(delay).await;
    }
}

/// One pass over the failover list.
async fn connect_round(
    addrs: &[BrokerAddr],
    opts: &LinkOptions,
) -> Result<(Link, BrokerAddr), QueueError> {
    let mut tried = Vec::new();
    for (i, addr) in addrs.iter().enumerate() {
        // A reconnect tries the next nodes first, then the earlier ones.
        let opts = &LinkOptions {
            alternates: addrs[i + 1..].iter().chain(&addrs[..i]).cloned().collect(),
            ..opts.clone()
        };
        match Link::connect(addr, opts).await {
            Ok(link) => return Ok((link, addr.clone())),
            Err(
                e @ QueueError::Auth {
                    reason: AuthReason::ClosedWithoutCredentials,
                    ..
                },
            ) => tried.push((addr.uri(), e)),
            Err(
                e @ (QueueError::Auth { .. }
                | QueueError::Unsupported { .. }
                | QueueError::TlsSetup { .. }),
            ) => return Err(e),
            Err(e) => {
                tracing::debug!("{e}");
                tried.push((addr.uri(), e));
            }
        }
    }
    // One address: its own error; several: each named with why.
    match tried.len() {
        // The config always resolves at least one address (mqtt://localhost:1883 by default).
        0 => Err(QueueError::Connect {
            broker: "(no address)".into(),
            cause: ConnectCause::Other("no broker address configured".into()),
        }),
        1 => Err(tried.remove(0).1),
        _ => Err(QueueError::NoneAccepted { tried }),
    }
}

#[cfg(test)]
mod tests {
    use super::PacketIds;

    #[test]
    fn packet_ids_count_each_id_once() {
        let mut ids = PacketIds::new();
        for id in [1, 2, 3, 64, 65_535] {
            assert!(ids.insert(id), "{id} is new");
        }
        assert!(!ids.insert(3), "3 was there");
        assert_eq!(ids.len, 5);
        ids.remove(2);
        ids.remove(2);
        ids.remove(7);
        assert_eq!(ids.len, 4);
        assert!(ids.insert(2));
        ids.clear();
        assert_eq!(ids.len, 0);
        assert!(ids.insert(64));
    }
}
