//! The link to the broker: everything protocol-specific sits behind this seam. One task of
//! mqq's own ([`driver`]) owns the connection, over rumqttc's packet codecs ([`codec`]) and
//! transports opened here ([`transport`]); the queue acts through [`Link`] and never sees a
//! codec type. The task is generic over the protocol version; `auto` chooses it at connect,
//! after a CONNACK refusal or a probe that went unanswered ([`Link::connect`]).

mod codec;
mod driver;
mod handshake;
mod transport;

pub use super::limits::ServerLimits;
pub use transport::accept_any_tls;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{mpsc, Notify};

use super::error::{ConnectCause, IdentityProblem, QueueError};
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

/// Back-pressure between the connection task and the core. Every message the task hands
/// over holds a share of the budget until the core drops it (written, skipped or counted),
/// wherever it waits meanwhile: the event channel, the queue's buffer, a batch. While the
/// budget is spent the task stops reading the socket, so a slow consumer (stdout blocked)
/// pushes back through TCP to the broker instead of growing memory; the broker then queues
/// or (QoS 0) drops what it cannot send, as it does for any slow subscriber. The task still
/// writes meanwhile (acknowledgements, pings), and reads while the core waits for an event
/// with nothing in hand (it then holds no budget: never a deadlock).
#[derive(Debug)]
pub(crate) struct Budget {
    waiting: AtomicBool,
    bytes: AtomicUsize,
    msgs: AtomicUsize,
    max_bytes: usize,
    max_msgs: usize,
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

    /// The core waits for an event (`true`) or stopped waiting (`false`).
    fn set_waiting(&self, on: bool) {
        self.waiting.store(on, Ordering::Release);
        if on {
            self.wake.notify_one();
        }
    }

    /// Whether the connection task must stop reading: the budget is spent and the core is
    /// not waiting for an event.
    fn must_stop_reading(&self) -> bool {
        self.spent() && !self.waiting.load(Ordering::Acquire)
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

/// A topic in the two forms the codecs want: text (MQTT 3.1.1's publish holds a `String`)
/// and `Bytes` (MQTT 5's), both shared by every publish of a stream (a clone is two
/// reference counts, no copy). It is published to only once checked
/// (`topic::validate_publish`).
#[derive(Debug, Clone)]
pub struct PubTopic {
    text: Arc<str>,
    bytes: Bytes,
}

impl PubTopic {
    /// `topic`, as it is.
    #[must_use]
    pub fn new(topic: &str) -> Self {
        Self {
            text: Arc::from(topic),
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

/// How long `auto` waits for the answer to its MQTT 5 CONNECT before it tries MQTT 3.1.1: a
/// broker that does not speak MQTT 5 may ignore such a CONNECT instead of refusing it
/// (amqtt 0.12 does). Every broker of the test matrix answers within a few milliseconds on
/// loopback and well within a second across regions; `-V 5` waits the whole connect timeout.
pub const V5_PROBE: Duration = Duration::from_secs(3);

/// Handle to a connected link.
pub struct Link {
    version: Version,
    requests: mpsc::Sender<driver::Request>,
    task: tokio::task::JoinHandle<()>,
    events: mpsc::UnboundedReceiver<LinkEvent>,
    session_present: bool,
    broker: String,
    shared: Arc<driver::Shared>,
    receive_maximum: u16,
    budget: Arc<Budget>,
    limits: ServerLimits,
    /// From the start of the connection (name lookup, TCP, TLS, WebSocket) to the CONNACK.
    setup: Duration,
}

/// A connect attempt that showed the broker does not speak MQTT 5: `auto` tries MQTT 3.1.1
/// next; with `-V 5` the error stands.
struct Rejected(QueueError);

/// The keepalive in whole seconds as CONNECT carries it: 0 turns it off; a part of a second
/// rounds up (pip-services gives it in milliseconds: 3000 is 3 s). Checked against MQTT's
/// range at config time (`options.keepalive_timeout`); clamped here all the same.
fn keepalive_secs(d: Duration) -> u16 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    u16::try_from(secs).unwrap_or(u16::MAX)
}

impl Link {
    /// Connects to one broker and waits for its CONNACK, in the version asked for: `auto`
    /// tries MQTT 5 and falls back to 3.1.1 when the broker refuses the protocol, closes the
    /// connection at CONNECT, or leaves the CONNECT unanswered for [`V5_PROBE`].
    pub async fn connect(addr: &BrokerAddr, opts: &LinkOptions) -> Result<Link, QueueError> {
        let first = transport::Dialer::new(addr, &opts.tls)?;
        // The other nodes of the failover list, for reconnects (an unusable one is left out).
        let mut brokers = vec![first];
        for alt in &opts.alternates {
            if let Ok(d) = transport::Dialer::new(alt, &opts.tls) {
                brokers.push(d);
            }
        }
        // MQTT 3.1.1 has no password without a user name (MQTT 5 has): refused before
        // connecting, whatever the broker would make of it.
        let v311_login = || match &opts.credential {
            Some(c) if c.username.is_empty() && !c.password.expose().is_empty() => {
                Err(QueueError::BadIdentity {
                    what: "user name",
                    shown: String::new(),
                    problem: IdentityProblem::EmptyWithPassword,
                })
            }
            _ => Ok(()),
        };
        match opts.version {
            ProtocolVersion::V311 => {
                v311_login()?;
                Link::connect_as::<codec::V4>(brokers, opts, None).await
            }
            ProtocolVersion::V5 => Link::connect_as::<codec::V5>(brokers, opts, None).await,
            ProtocolVersion::Auto => {
                let probe = V5_PROBE.min(opts.connect_timeout);
                match Link::attempt::<codec::V5>(brokers.clone(), opts, Some(probe)).await {
                    Err(Rejected(why)) => {
                        tracing::info!(
                            "{why}; trying MQTT 3.1.1 (-V 5 insists on MQTT 5, -V 3.1.1 skips this)"
                        );
                        v311_login()?;
                        Link::connect_as::<codec::V4>(brokers, opts, None).await
                    }
                    Ok(link) => link,
                }
            }
        }
    }

    async fn connect_as<C: codec::Codec>(
        brokers: Vec<transport::Dialer>,
        opts: &LinkOptions,
        probe: Option<Duration>,
    ) -> Result<Link, QueueError> {
        match Link::attempt::<C>(brokers, opts, probe).await {
            Ok(link) => link,
            Err(Rejected(e)) => Err(e),
        }
    }

    /// One attempt in version `C`; `Err(Rejected)` when it showed the broker does not speak
    /// that version (MQTT 5 only), `Ok(Err)` for any other failure.
    async fn attempt<C: codec::Codec>(
        brokers: Vec<transport::Dialer>,
        opts: &LinkOptions,
        probe: Option<Duration>,
    ) -> Result<Result<Link, QueueError>, Rejected> {
        let started = Instant::now();
        let shared = Arc::new(driver::Shared::default());
        let plan = driver::Plan {
            brokers,
            client_id: opts.client_id.clone(),
            clean: opts.session == Session::Clean,
            keepalive: keepalive_secs(opts.keepalive),
            login: opts
                .credential
                .as_ref()
                .map(|c| (c.username.clone(), c.password.expose().to_owned())),
            session_expiry: if opts.session == Session::Persistent {
                codec::expiry_secs(opts.session_expiry)
            } else {
                0
            },
            receive_maximum: opts.receive_maximum,
            connect_timeout: opts.connect_timeout,
            reconnect: opts.reconnect,
            inflight: opts.inflight,
            quickack_always: opts.quickack_always,
        };
        shared
            .wire
            .quickack
            .store(opts.quickack_always, Ordering::Relaxed);
        let limit = probe.unwrap_or(opts.connect_timeout);
        let dialer = &plan.brokers[0];
        let addr = dialer.addr.clone();
        let attempt = tokio::time::timeout(
            limit,
            handshake::attempt::<C>(dialer, &plan.params(), &shared.wire),
        )
        .await;
        let opened = match attempt {
            Ok(Ok(opened)) => opened,
            Ok(Err(e)) => {
                return match C::VERSION {
                    Version::V311 => Ok(Err(errors::v4(&addr, opts, &e).await)),
                    Version::V5 => errors::v5(&addr, opts, &e).await.map(Err),
                }
            }
            Err(_) => {
                let e = QueueError::Connect {
                    broker: addr.uri(),
                    cause: ConnectCause::Timeout(limit),
                };
                return if probe.is_some() && C::VERSION == Version::V5 {
                    Err(Rejected(e))
                } else {
                    Ok(Err(e))
                };
            }
        };
        let setup = started.elapsed();
        // The CONNACK is a whole packet; what came after it may not be.
        if opened.rbuf.is_empty() {
            shared
                .read_at_packet
                .store(shared.wire.read.load(Ordering::Relaxed), Ordering::Relaxed);
        }
        let session_present = opened.session_present;
        let limits = opened.limits.clone();
        let (requests, rx) = mpsc::channel(REQUEST_QUEUE);
        let (tx, events) = mpsc::unbounded_channel();
        let budget = Budget::new(opts.budget);
        let task = tokio::spawn(
            driver::Driver::<C>::new(
                plan,
                opened,
                rx,
                tx,
                Arc::clone(&shared),
                Arc::clone(&budget),
            )
            .run(),
        );
        Ok(Ok(Link {
            version: C::VERSION,
            requests,
            task,
            events,
            session_present,
            broker: addr.uri(),
            shared,
            receive_maximum: opts.receive_maximum,
            budget,
            limits,
            setup,
        }))
    }

    /// The MQTT version this link speaks.
    pub fn version(&self) -> Version {
        self.version
    }

    /// What the broker's CONNACK said of its limits and features (MQTT 5; all `None` on
    /// MQTT 3.1.1).
    pub fn server_limits(&self) -> &ServerLimits {
        &self.limits
    }

    /// The unacknowledged window this link asked the broker for: MQTT 5's Receive Maximum;
    /// `None` on MQTT 3.1.1, where the broker alone decides.
    pub fn window(&self) -> Option<u16> {
        match self.version {
            Version::V311 => None,
            Version::V5 => Some(self.receive_maximum),
        }
    }

    /// Whether subscribing again on a resumed session is harmless: MQTT 5's Retain Handling
    /// 1 keeps the broker from resending the retained message to an existing subscription.
    pub fn resubscribe_is_safe(&self) -> bool {
        self.version == Version::V5
    }

    /// How long the connection took to set up, from the name lookup to the CONNACK: at least
    /// one round trip to the broker (two with TCP's handshake, more with TLS or WebSockets).
    pub fn setup_time(&self) -> Duration {
        self.setup
    }

    /// Bytes read from the connection so far (below TLS and WebSockets).
    pub fn bytes_read(&self) -> u64 {
        self.shared.bytes_read()
    }

    /// Whether bytes arrived that are not yet a whole packet: a packet (a large message, a
    /// slow link) may still be arriving.
    pub fn packet_arriving(&self) -> bool {
        self.shared.packet_arriving()
    }

    /// The packet id and DUP flag of a PUBLISH still arriving, once its id is in.
    pub fn partial_publish(&self) -> Option<(u16, bool)> {
        self.shared.partial_publish()
    }

    /// Whether the broker had this client's session at the last CONNACK.
    pub fn session_present(&self) -> bool {
        self.session_present
    }

    /// The next event, waiting for it; `None` once the connection task ended.
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
    /// whatever the budget. `None` once the connection task ended.
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

    /// Queues a request; while the queue is full (the broker is slow or away) this waits, at
    /// most `stall` if given: then [`QueueError::NoAck`].
    async fn request(&self, r: driver::Request, stall: Option<Duration>) -> Result<(), QueueError> {
        use mpsc::error::TrySendError;
        // Without a send future when the queue has room (nearly always): a future (and a
        // timer around it) per message cost more than the publish itself.
        let r = match self.requests.try_send(r) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Closed(_)) => return Err(self.closed()),
            Err(TrySendError::Full(r)) => r,
        };
        match stall {
            None => self.requests.send(r).await.map_err(|_| self.closed()),
            Some(after) => match tokio::time::timeout(after, self.requests.send(r)).await {
                Err(_) => Err(QueueError::NoAck {
                    broker: self.broker.clone(),
                    after,
                }),
                Ok(r) => r.map_err(|_| self.closed()),
            },
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
        let properties = (self.version == Version::V5 && !properties.is_empty())
            .then(|| Box::new(properties.clone()));
        let p = codec::OutPublish {
            topic: topic.clone(),
            qos,
            retain,
            payload,
            properties,
        };
        self.request(driver::Request::Publish(p), stall).await
    }

    /// Sends SUBSCRIBE; the answer is [`LinkEvent::SubAck`].
    pub async fn subscribe(&self, filter: &str, qos: u8) -> Result<(), QueueError> {
        let r = driver::Request::Subscribe {
            filter: filter.to_owned(),
            qos,
        };
        self.request(r, None).await
    }

    /// Acknowledges a delivery (PUBACK / PUBREC); a no-op at QoS 0.
    pub async fn ack(&self, d: &Delivery) -> Result<(), QueueError> {
        if d.token.qos == 0 {
            return Ok(());
        }
        self.request(driver::Request::Ack(d.token), None).await
    }

    /// The error of a request on a link whose connection task has ended.
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
        self.close_within(settled, CLOSE_WAIT).await;
    }

    /// [`Link::close`], waiting at most `limit` for the broker's close.
    pub async fn close_within(self, settled: bool, limit: Duration) {
        let Link {
            requests,
            mut task,
            events,
            shared,
            ..
        } = self;
        drop(events);
        if !shared.up.load(Ordering::Relaxed) {
            task.abort();
            return;
        }
        if settled {
            shared.leave_after_disconnect.store(true, Ordering::Relaxed);
        }
        let sent = requests.send(driver::Request::Disconnect).await.is_ok();
        drop(requests);
        if sent && tokio::time::timeout(limit, &mut task).await.is_ok() {
            return;
        }
        task.abort();
    }
}

/// Failed first connections as the core's typed errors, per version.
mod errors {
    use super::handshake::Failed;
    use super::transport;
    use super::{LinkOptions, Rejected};
    use crate::config::BrokerAddr;
    use crate::queue::error::{AuthReason, ConnectCause, QueueError};

    use super::codec::Refusal;

    fn refused(addr: &BrokerAddr, opts: &LinkOptions, reason: AuthReason) -> QueueError {
        QueueError::Auth {
            broker: addr.uri(),
            client_id: opts.client_id.clone(),
            reason,
        }
    }

    fn connect(addr: &BrokerAddr, cause: ConnectCause) -> QueueError {
        QueueError::Connect {
            broker: addr.uri(),
            cause,
        }
    }

    /// A refusal in a CONNACK (either version; `version` names the one refused).
    fn refusal(
        addr: &BrokerAddr,
        opts: &LinkOptions,
        r: Refusal,
        version: &'static str,
    ) -> QueueError {
        match r {
            Refusal::ProtocolVersion | Refusal::V311Answer => {
                refused(addr, opts, AuthReason::ProtocolVersion(version))
            }
            Refusal::BadCredentials => refused(addr, opts, AuthReason::BadCredentials),
            Refusal::NotAuthorized => refused(addr, opts, AuthReason::NotAuthorized),
            Refusal::BadClientId => refused(addr, opts, AuthReason::BadClientId),
            Refusal::Unavailable => connect(addr, ConnectCause::Unavailable),
            Refusal::Other(code, name) => refused(addr, opts, AuthReason::Refused(code, name)),
        }
    }

    /// What a failure before any MQTT answer means: the transport's own errors, a TLS
    /// problem, or a plain connection to a TLS port.
    fn transport_cause(addr: &BrokerAddr, opts: &LinkOptions, e: &Failed) -> Option<ConnectCause> {
        if let Failed::Open(o) = e {
            return Some(o.cause(&opts.tls));
        }
        if addr.is_tls() {
            if let Some(p) = e.io().and_then(|io| transport::classify(io, &opts.tls)) {
                return Some(ConnectCause::Tls(p));
            }
        }
        None
    }

    /// A failed MQTT 3.1.1 connect.
    pub(super) async fn v4(addr: &BrokerAddr, opts: &LinkOptions, e: &Failed) -> QueueError {
        if let Some(cause) = transport_cause(addr, opts, e) {
            return connect(addr, cause);
        }
        match e {
            Failed::Refused(r) => refusal(addr, opts, *r, "3.1.1"),
            // A server of another protocol (an HTTP server's "HTTP/1.1 400" reads as a PUBACK).
            Failed::NotConnAck(_) | Failed::Decode(_) if !addr.is_tls() => connect(
                addr,
                if transport::speaks_tls(addr).await {
                    ConnectCause::TlsPort
                } else {
                    ConnectCause::NotMqtt
                },
            ),
            // A plain MQTT client on a TLS port: the broker closes or answers with an alert.
            e if e.is_close() && !addr.is_tls() && transport::speaks_tls(addr).await => {
                connect(addr, ConnectCause::TlsPort)
            }
            // Some brokers (rumqttd) close the socket instead of answering CONNECT with a
            // refusal when credentials are wrong, or missing.
            e if e.is_close() && opts.credential.is_some() => {
                refused(addr, opts, AuthReason::ClosedWithCredentials)
            }
            e if e.is_close() => refused(addr, opts, AuthReason::ClosedWithoutCredentials),
            other => connect(addr, ConnectCause::Other(other.to_string())),
        }
    }

    /// A failed MQTT 5 connect; `Err(Rejected)` when it shows the broker does not speak
    /// MQTT 5: a refusal of the protocol version, a CONNACK the MQTT 5 decoder cannot read,
    /// or a close right after CONNECT (with or without credentials: a refusal of them is a
    /// CONNACK with a reason code, and the MQTT 3.1.1 attempt that follows tells them apart).
    pub(super) async fn v5(
        addr: &BrokerAddr,
        opts: &LinkOptions,
        e: &Failed,
    ) -> Result<QueueError, Rejected> {
        if let Some(cause) = transport_cause(addr, opts, e) {
            return Ok(connect(addr, cause));
        }
        Ok(match e {
            // A 3.1.1 broker's answer (NATS 2.9: a 3.1.1 CONNACK, then a close): as a close.
            Failed::Refused(Refusal::V311Answer) => {
                return Err(Rejected(connect(addr, ConnectCause::ClosedAtConnect)))
            }
            Failed::Refused(Refusal::ProtocolVersion) | Failed::Decode(_) => {
                return Err(Rejected(refused(
                    addr,
                    opts,
                    AuthReason::ProtocolVersion("5"),
                )))
            }
            Failed::Refused(r) => refusal(addr, opts, *r, "5"),
            Failed::NotConnAck(_) if !addr.is_tls() => connect(
                addr,
                if transport::speaks_tls(addr).await {
                    ConnectCause::TlsPort
                } else {
                    ConnectCause::NotMqtt
                },
            ),
            e if e.is_close() => {
                return Err(Rejected(connect(addr, ConnectCause::ClosedAtConnect)))
            }
            other => connect(addr, ConnectCause::Other(other.to_string())),
        })
    }
}
