//! The link to the broker: everything protocol-library-specific sits behind this seam. One
//! task owns the client's event loop and turns its packets into protocol-neutral
//! [`LinkEvent`]s; the queue acts through [`Link`] and never sees a rumqttc type.
//!
//! Dispatch is an enum ([`Client`]), not a trait: the set of protocol versions is closed
//! (3.1.1 and 5), their rumqttc clients are unrelated concrete types with async
//! methods (a trait would need boxing or `async_trait`), and `auto` must choose a variant
//! at run time after a CONNACK refusal, which an enum expresses directly. Transports (TCP,
//! TLS, WebSocket) are built in one place, [`transport`], for every variant.

mod transport;
mod v4;
mod v5;

pub use transport::{TlsProblem, TlsSetupProblem};

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{mpsc, Notify};

use super::QueueError;
use crate::config::{BrokerAddr, Credential, ProtocolVersion, QueueConfig, TlsConfig};

/// How long [`Link::close`] waits for the broker to close the connection after DISCONNECT.
pub const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Largest packet mqq sends or accepts: the MQTT maximum (256 MiB).
pub const MAX_PACKET: usize = 268_435_455;

/// The longest pause between two reconnect attempts, however often they failed.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The pause before reconnect attempt `n` (0-based) after `base`: doubling from `base` up to
/// [`MAX_BACKOFF`], less up to a fifth at random so that many clients of a restarted broker
/// do not all come back at the same instant.
pub(crate) fn backoff(base: Duration, n: u32) -> Duration {
    let full = base
        .saturating_mul(1u32 << n.min(16))
        .min(MAX_BACKOFF.max(base));
    let jitter = (uuid::Uuid::new_v4().as_u128() % 1000) as f64 / 5000.0;
    full.mul_f64(1.0 - jitter)
}

/// The pause before reconnect attempt `n` (0-based) when `brokers` addresses take turns:
/// the next node is tried at once, and the back-off applies only after a whole round failed.
pub(crate) fn failover_delay(base: Duration, n: u32, brokers: usize) -> Duration {
    let brokers = u32::try_from(brokers.max(1)).unwrap_or(u32::MAX);
    if (n + 1) % brokers == 0 {
        backoff(base, n / brokers)
    } else {
        Duration::ZERO
    }
}

/// Every packet goes out as soon as it is written (Nagle's algorithm off). With it on, a
/// packet the broker does not answer (a QoS 0 publish, our PUBACK) held back the next small
/// one, the DISCONNECT above all, until the broker's delayed TCP acknowledgement: a QoS 0
/// `send hello` took 51 ms instead of 4, a `receive -n 1` 40 ms more than needed.
const TCP_NODELAY: bool = true;

/// Requests (publishes, acks) that may wait for the event loop before `publish` blocks: deep
/// enough that a fast producer never waits on a round trip, small enough to stay a few MB.
const REQUEST_QUEUE: usize = 4096;

/// The largest Receive Maximum (MQTT 5): the most unacknowledged messages the broker may
/// hand out at once; `peek`/`count` ask for it to see a whole queue.
pub const RECEIVE_MAXIMUM: u16 = u16::MAX;

/// The MQTT version a link speaks, decided at connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// MQTT 3.1.1.
    V311,
    /// MQTT 5.
    V5,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Version::V311 => "MQTT 3.1.1",
            Version::V5 => "MQTT 5",
        })
    }
}

/// MQTT 5 properties of a message, ours rather than the library's. MQTT 3.1.1 carries none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    /// User properties, in order; a key may repeat.
    pub user: Vec<(String, String)>,
    /// Content Type.
    pub content_type: Option<String>,
    /// Message Expiry Interval (whole seconds on the wire).
    pub expiry: Option<Duration>,
    /// Response Topic.
    pub response_topic: Option<String>,
    /// Correlation Data.
    pub correlation_data: Option<Bytes>,
}

impl Properties {
    /// True when no property is set.
    pub fn is_empty(&self) -> bool {
        self == &Properties::default()
    }
}

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
    qos: u8,
    pkid: u16,
}

/// Back-pressure between the event-loop task and the core. Every message the task hands
/// over holds a share of the budget until the core drops it (written, skipped or counted),
/// wherever it waits meanwhile: the event channel, the queue's buffer, a batch. While the
/// budget is spent the task stops reading the socket, so a slow consumer (stdout blocked)
/// pushes back through TCP to the broker instead of growing memory; the broker then queues
/// or (QoS 0) drops what it cannot send, as it does for any slow subscriber. The task
/// still polls, writing without reading (`EventLoop::pause_reads`, mqq's patch of rumqttc),
/// while acknowledgements the core asked for wait to be written (else a consumer waiting for
/// them would wait forever); it reads while the core waits for an event (it holds the budget
/// yet needs more: never a deadlock), and a few times per half keepalive to ping.
#[derive(Debug)]
pub(crate) struct Budget {
    waiting: AtomicBool,
    bytes: AtomicUsize,
    msgs: AtomicUsize,
    max_bytes: usize,
    max_msgs: usize,
    acks_requested: AtomicU64,
    acks_sent: AtomicU64,
    wake: Notify,
}

/// The budget of a consumer's link: a few MB, and four batches of small messages.
pub const BUDGET_BYTES: usize = 4 << 20;
/// See [`BUDGET_BYTES`].
pub const BUDGET_MESSAGES: usize = 4096;

impl Budget {
    fn new(limits: Option<(usize, usize)>) -> Arc<Budget> {
        let (max_bytes, max_msgs) = limits.unwrap_or((usize::MAX, usize::MAX));
        Arc::new(Budget {
            waiting: AtomicBool::new(false),
            bytes: AtomicUsize::new(0),
            msgs: AtomicUsize::new(0),
            max_bytes,
            max_msgs,
            acks_requested: AtomicU64::new(0),
            acks_sent: AtomicU64::new(0),
            wake: Notify::new(),
        })
    }

    /// Takes `bytes` of the budget for one message, until the [`Hold`] is dropped.
    fn take(self: &Arc<Budget>, bytes: usize) -> Hold {
        if self.max_msgs == usize::MAX {
            return Hold(None);
        }
        self.bytes.fetch_add(bytes, Ordering::AcqRel);
        self.msgs.fetch_add(1, Ordering::AcqRel);
        Hold(Some((Arc::clone(self), bytes)))
    }

    fn release(&self, bytes: usize) {
        let b = self.bytes.fetch_sub(bytes, Ordering::AcqRel);
        let m = self.msgs.fetch_sub(1, Ordering::AcqRel);
        if (b > self.max_bytes && b - bytes <= self.max_bytes)
            || (m > self.max_msgs && m - 1 <= self.max_msgs)
        {
            self.wake.notify_one();
        }
    }

    fn spent(&self) -> bool {
        self.bytes.load(Ordering::Acquire) > self.max_bytes
            || self.msgs.load(Ordering::Acquire) > self.max_msgs
    }

    /// The core handed the link an acknowledgement to write.
    fn ack_requested(&self) {
        self.acks_requested.fetch_add(1, Ordering::AcqRel);
        self.wake.notify_one();
    }

    /// The link wrote an acknowledgement.
    fn ack_sent(&self) {
        self.acks_sent.fetch_add(1, Ordering::AcqRel);
    }

    /// The core waits for an event (`true`) or stopped waiting (`false`).
    fn set_waiting(&self, on: bool) {
        self.waiting.store(on, Ordering::Release);
        if on {
            self.wake.notify_one();
        }
    }

    /// Whether the event-loop task must stop reading: the budget is spent and the core is
    /// not waiting for an event. It still polls to write acknowledgements (see
    /// [`Budget::must_pause`]).
    fn must_stop_reading(&self) -> bool {
        self.spent() && !self.waiting.load(Ordering::Acquire)
    }

    /// Whether acknowledgements the core asked for wait to be written.
    fn acks_pending(&self) -> bool {
        self.acks_sent.load(Ordering::Acquire) < self.acks_requested.load(Ordering::Acquire)
    }

    /// Whether the event-loop task must stop polling: it may not read, and no
    /// acknowledgement waits to be written.
    fn must_pause(&self) -> bool {
        self.must_stop_reading() && !self.acks_pending()
    }

    /// Waits while the task must pause, at most `limit`. `true`: still paused (time to
    /// ping); `false`: go on reading.
    async fn pause(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if !self.must_pause() {
                return false;
            }
            if tokio::time::timeout_at(deadline, woken).await.is_err() {
                return self.must_pause();
            }
        }
    }
}

/// A message's share of the [`Budget`], given back when the message is dropped. A clone of
/// a message holds nothing (the original still does).
#[derive(Default)]
pub(crate) struct Hold(Option<(Arc<Budget>, usize)>);

impl Drop for Hold {
    fn drop(&mut self) {
        if let Some((budget, bytes)) = self.0.take() {
            budget.release(bytes);
        }
    }
}

impl Clone for Hold {
    fn clone(&self) -> Hold {
        Hold(None)
    }
}

impl std::fmt::Debug for Hold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hold")
    }
}

/// What an event-loop task does between polls: pause while the budget is spent, and when a
/// pause lasted half a keepalive, poll a few times (reading a little over budget) so that
/// the keepalive PINGREQ goes out and the broker keeps the connection.
pub(crate) struct Throttle {
    budget: Arc<Budget>,
    keepalive: Duration,
    ping_polls: u32,
    paused_once: bool,
}

/// Polls allowed over budget to get a PINGREQ out: each may read up to ten packets.
const PING_POLLS: u32 = 32;

impl Throttle {
    fn new(budget: Arc<Budget>, keepalive: Duration) -> Throttle {
        Throttle {
            budget,
            keepalive,
            ping_polls: 0,
            paused_once: false,
        }
    }

    /// Before each poll; `false`: the poll may write (acknowledgements, pings) but not read
    /// (`EventLoop::pause_reads`, mqq's patch of rumqttc).
    pub(crate) async fn before_poll(&mut self, closing: bool) -> bool {
        if closing || !self.budget.must_stop_reading() {
            return true;
        }
        if self.budget.acks_pending() {
            return false;
        }
        if self.ping_polls > 0 {
            self.ping_polls -= 1;
            return true;
        }
        if !self.paused_once {
            self.paused_once = true;
            tracing::info!(
                "the output is slower than the broker: reading paused until it catches up \
                 (meanwhile the broker queues what it can; QoS 0 messages it may drop)"
            );
        }
        if self.budget.pause(self.keepalive / 2).await {
            self.ping_polls = PING_POLLS;
            return true;
        }
        !self.budget.must_stop_reading()
    }

    /// A PINGREQ went out.
    pub(crate) fn pinged(&mut self) {
        self.ping_polls = 0;
    }

    /// An acknowledgement was written.
    pub(crate) fn ack_sent(&self) {
        self.budget.ack_sent();
    }

    /// The budget share of a message of `bytes`.
    pub(crate) fn hold(&self, bytes: usize) -> Hold {
        self.budget.take(bytes)
    }
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
    /// Handed back to [`Link::ack`].
    pub(crate) token: AckToken,
    /// Its share of the link's budget (see [`Budget`]), given back when dropped.
    #[allow(dead_code)]
    pub(crate) hold: Hold,
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
    /// A QoS 1/2 publish was acknowledged, or a QoS 0 publish was flushed.
    Completed,
    /// An acknowledgement of ours (PUBACK / PUBREC) was written to the connection.
    AckSent,
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
    /// their publishes wait for acknowledgements (see vendor/rumqttc/src/quickack.rs).
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

    /// Stop reading while the core holds more than `bytes` or `messages` (see [`Budget`]).
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

/// Why a publish was not queued.
pub(super) enum Unsent {
    /// The event-loop task has ended.
    Closed,
    /// The request queue stayed full for the whole stall limit.
    Stalled,
}

/// Waits for a request to be queued, at most `stall` if given.
async fn within<E>(
    stall: Option<Duration>,
    send: impl std::future::Future<Output = Result<(), E>>,
) -> Result<(), Unsent> {
    match stall {
        None => send.await.map_err(|_| Unsent::Closed),
        Some(d) => match tokio::time::timeout(d, send).await {
            Err(_) => Err(Unsent::Stalled),
            Ok(r) => r.map_err(|_| Unsent::Closed),
        },
    }
}

/// The protocol client behind a link (see the module header for why an enum).
enum Client {
    /// MQTT 3.1.1 (rumqttc's top-level client).
    V4(rumqttc::AsyncClient),
    /// MQTT 5 (`rumqttc::v5`).
    V5(rumqttc::v5::AsyncClient),
}

/// Whether the link is connected right now, as the event-loop task knows it, and whether the
/// task is to end as soon as its DISCONNECT is written (see [`Link::close`]).
#[derive(Debug, Clone, Default)]
struct Connected(Arc<LinkFlags>);

#[derive(Debug, Default)]
struct LinkFlags {
    up: AtomicBool,
    leave_after_disconnect: AtomicBool,
    /// Bytes read from the connection's TCP stream, counted by rumqttc (mqq's patch,
    /// `NetworkOptions::set_read_counter`), over every connection of the link.
    read: Arc<AtomicU64>,
    /// `read` as it was when the event-loop task last got a whole packet.
    read_at_packet: AtomicU64,
}

impl Connected {
    fn set(&self, on: bool) {
        self.0.up.store(on, Ordering::Relaxed);
    }
    fn get(&self) -> bool {
        self.0.up.load(Ordering::Relaxed)
    }
    fn leave_after_disconnect(&self) {
        self.0.leave_after_disconnect.store(true, Ordering::Relaxed);
    }
    /// Whether the task ends once DISCONNECT is written, not waiting for the broker's close.
    fn leaves_after_disconnect(&self) -> bool {
        self.0.leave_after_disconnect.load(Ordering::Relaxed)
    }
    /// The counter rumqttc adds the bytes it reads to.
    fn read_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.0.read)
    }
    /// The event-loop task got a whole packet.
    fn packet_in(&self) {
        let read = self.0.read.load(Ordering::Relaxed);
        self.0.read_at_packet.store(read, Ordering::Relaxed);
    }
    /// Bytes read so far.
    fn bytes_read(&self) -> u64 {
        self.0.read.load(Ordering::Relaxed)
    }
    /// Whether bytes arrived since the last whole packet: one is on its way in.
    fn packet_arriving(&self) -> bool {
        self.bytes_read() != self.0.read_at_packet.load(Ordering::Relaxed)
    }
}

/// A topic in the two forms the protocol versions' publishes want: MQTT 5's `Publish` holds
/// `Bytes`, here shared by every publish (no copy per message), 3.1.1's a `String`. It is
/// published to only once checked (`topic::validate_publish`).
#[derive(Debug, Clone)]
pub struct PubTopic {
    text: String,
    bytes: Bytes,
}

impl PubTopic {
    /// `topic`, as it is.
    #[must_use]
    pub fn new(topic: &str) -> Self {
        Self {
            text: topic.to_owned(),
            bytes: Bytes::copy_from_slice(topic.as_bytes()),
        }
    }

    /// The topic.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The topic as MQTT 5's `Publish` holds it.
    #[must_use]
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }
}

/// Handle to a connected link.
pub struct Link {
    client: Client,
    task: tokio::task::JoinHandle<()>,
    events: mpsc::UnboundedReceiver<LinkEvent>,
    session_present: bool,
    broker: String,
    connected: Connected,
    receive_maximum: u16,
    budget: Arc<Budget>,
    /// From the start of the connection (name lookup, TCP, TLS, WebSocket) to the CONNACK.
    setup: Duration,
}

/// A CONNECT that the broker answered in a way that says it does not speak MQTT 5: `auto`
/// tries MQTT 3.1.1 next; with `-V 5` the error stands.
pub(super) struct Rejected(QueueError);

impl Link {
    /// Connects to one broker and waits for its CONNACK, in the version asked for: `auto`
    /// tries MQTT 5 and falls back to 3.1.1 only when the broker rejects the protocol.
    pub async fn connect(addr: &BrokerAddr, opts: &LinkOptions) -> Result<Link, QueueError> {
        let v5 = |e| match e {
            Err(Rejected(e)) | Ok(Err(e)) => Err(e),
            Ok(Ok(link)) => Ok(link),
        };
        match opts.version {
            ProtocolVersion::V311 => Link::connect_v4(addr, opts).await,
            ProtocolVersion::V5 => v5(Link::connect_v5(addr, opts).await),
            ProtocolVersion::Auto => match Link::connect_v5(addr, opts).await {
                Err(Rejected(why)) => {
                    tracing::debug!("{why}; falling back to MQTT 3.1.1");
                    Link::connect_v4(addr, opts).await
                }
                other => v5(other),
            },
        }
    }

    async fn connect_v4(addr: &BrokerAddr, opts: &LinkOptions) -> Result<Link, QueueError> {
        let started = Instant::now();
        let endpoint = transport::build(addr, &opts.tls)?;
        let (tx, events) = mpsc::unbounded_channel();
        let connected = Connected::default();
        let budget = Budget::new(opts.budget);
        let throttle = Throttle::new(Arc::clone(&budget), opts.keepalive);
        let (client, task, session_present) =
            v4::connect(addr, opts, endpoint, tx, connected.clone(), throttle).await?;
        Ok(Link {
            client: Client::V4(client),
            task,
            events,
            session_present,
            broker: addr.uri(),
            connected,
            receive_maximum: opts.receive_maximum,
            budget,
            setup: started.elapsed(),
        })
    }

    /// `Err(Rejected)`: the broker does not speak MQTT 5; `Ok(Err)`: any other failure.
    async fn connect_v5(
        addr: &BrokerAddr,
        opts: &LinkOptions,
    ) -> Result<Result<Link, QueueError>, Rejected> {
        let started = Instant::now();
        let endpoint = match transport::build(addr, &opts.tls) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let (tx, events) = mpsc::unbounded_channel();
        let connected = Connected::default();
        let budget = Budget::new(opts.budget);
        let throttle = Throttle::new(Arc::clone(&budget), opts.keepalive);
        Ok(
            v5::connect(addr, opts, endpoint, tx, connected.clone(), throttle)
                .await?
                .map(|(client, task, session_present)| Link {
                    client: Client::V5(client),
                    task,
                    events,
                    session_present,
                    broker: addr.uri(),
                    connected,
                    receive_maximum: opts.receive_maximum,
                    budget,
                    setup: started.elapsed(),
                }),
        )
    }

    /// The MQTT version this link speaks.
    pub fn version(&self) -> Version {
        match self.client {
            Client::V4(_) => Version::V311,
            Client::V5(_) => Version::V5,
        }
    }

    /// The unacknowledged window this link asked the broker for: MQTT 5's Receive Maximum;
    /// `None` on MQTT 3.1.1, where the broker alone decides.
    pub fn window(&self) -> Option<u16> {
        match self.client {
            Client::V4(_) => None,
            Client::V5(_) => Some(self.receive_maximum),
        }
    }

    /// Whether subscribing again on a resumed session is harmless: MQTT 5's Retain Handling
    /// 1 keeps the broker from resending the retained message to an existing subscription.
    pub fn resubscribe_is_safe(&self) -> bool {
        matches!(self.client, Client::V5(_))
    }

    /// How long the connection took to set up, from the name lookup to the CONNACK: at least
    /// one round trip to the broker (two with TCP's handshake, more with TLS or WebSockets).
    pub fn setup_time(&self) -> Duration {
        self.setup
    }

    /// Bytes read from the connection so far (below TLS and WebSockets).
    pub fn bytes_read(&self) -> u64 {
        self.connected.bytes_read()
    }

    /// Whether bytes arrived since the last whole packet the event loop got: a packet (a
    /// large message, a slow link) may still be arriving.
    pub fn packet_arriving(&self) -> bool {
        self.connected.packet_arriving()
    }

    /// Whether the broker had this client's session at the last CONNACK.
    pub fn session_present(&self) -> bool {
        self.session_present
    }

    /// The next event, waiting for it; `None` once the event-loop task ended.
    pub async fn recv(&mut self) -> Option<LinkEvent> {
        /// Marks the core as waiting until dropped (also when the wait is cancelled).
        struct Waiting<'a>(&'a Budget);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.set_waiting(false);
            }
        }
        let ev = if let Ok(ev) = self.events.try_recv() {
            Some(ev)
        } else {
            self.budget.set_waiting(true);
            let _waiting = Waiting(&self.budget);
            self.events.recv().await
        };
        self.note(ev.as_ref());
        ev
    }

    /// The next event, waiting for it without asking the link to read past its budget: for
    /// a core that waits for its acknowledgements to be written, which the link writes
    /// whatever the budget (it reads nothing meanwhile if the budget is spent). `None` once
    /// the event-loop task ended.
    pub async fn recv_within_budget(&mut self) -> Option<LinkEvent> {
        let ev = match self.events.try_recv() {
            Ok(ev) => Some(ev),
            Err(_) => self.events.recv().await,
        };
        self.note(ev.as_ref());
        ev
    }

    /// An event that has already arrived, without waiting.
    pub fn try_recv(&mut self) -> Option<LinkEvent> {
        let ev = self.events.try_recv().ok();
        self.note(ev.as_ref());
        ev
    }

    fn note(&mut self, ev: Option<&LinkEvent>) {
        if let Some(LinkEvent::Reconnected {
            session_present, ..
        }) = ev
        {
            self.session_present = *session_present;
        }
    }

    /// Queues a publish; completion is reported as [`LinkEvent::Completed`]. While the
    /// request queue is full (the broker is slow or away) this waits, at most `stall` if
    /// given: then [`QueueError::NoAck`].
    pub async fn publish(
        &self,
        topic: &PubTopic,
        qos: u8,
        retain: bool,
        payload: Bytes,
        properties: &Properties,
        stall: Option<Duration>,
    ) -> Result<(), QueueError> {
        match &self.client {
            Client::V4(c) => v4::publish(c, topic, qos, retain, payload, stall).await,
            Client::V5(c) => v5::publish(c, topic, qos, retain, payload, properties, stall).await,
        }
        .map_err(|e| match (e, stall) {
            (Unsent::Stalled, Some(after)) => QueueError::NoAck {
                broker: self.broker.clone(),
                after,
            },
            _ => self.closed(),
        })
    }

    /// Sends SUBSCRIBE; the answer is [`LinkEvent::SubAck`].
    pub async fn subscribe(&self, filter: &str, qos: u8) -> Result<(), QueueError> {
        match &self.client {
            Client::V4(c) => v4::subscribe(c, filter, qos).await,
            Client::V5(c) => v5::subscribe(c, filter, qos).await,
        }
        .map_err(|()| self.closed())
    }

    /// Acknowledges a delivery (PUBACK / PUBREC); a no-op at QoS 0.
    pub async fn ack(&self, d: &Delivery) -> Result<(), QueueError> {
        if d.token.qos > 0 {
            self.budget.ack_requested();
        }
        match &self.client {
            Client::V4(c) => v4::ack(c, d.token).await,
            Client::V5(c) => v5::ack(c, d.token).await,
        }
        .map_err(|()| self.closed())
    }

    /// The error of a request on a link whose event-loop task has ended.
    fn closed(&self) -> QueueError {
        QueueError::Closed {
            broker: self.broker.clone(),
        }
    }

    /// Sends DISCONNECT and waits until the broker closed the connection (at most
    /// [`CLOSE_WAIT`]), so that everything sent before — acknowledgements above all — was
    /// read by the broker before the process goes. With `settled` (everything sent was
    /// acknowledged by the broker: a producer's QoS 1/2 publishes), there is nothing left for
    /// the broker to read that matters, and the link closes as soon as DISCONNECT is written,
    /// as mosquitto_pub does. A link that is not connected (between reconnect attempts) has
    /// nothing to deliver: it stops at once.
    pub async fn close(self, settled: bool) {
        let Link {
            client,
            mut task,
            events,
            connected,
            ..
        } = self;
        drop(events);
        if !connected.get() {
            task.abort();
            return;
        }
        if settled {
            connected.leave_after_disconnect();
        }
        let sent = match &client {
            Client::V4(c) => c.disconnect().await.is_ok(),
            Client::V5(c) => c.disconnect().await.is_ok(),
        };
        if sent && tokio::time::timeout(CLOSE_WAIT, &mut task).await.is_ok() {
            return;
        }
        task.abort();
    }
}
