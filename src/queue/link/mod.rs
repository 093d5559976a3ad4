//! The link to the broker: everything protocol-specific sits behind this seam. One task of
//! mqq's own owns the connection; the queue acts through the [`Link`] handle (here: connect,
//! requests, events, close) and never sees a codec type. The task is generic over the
//! protocol version; `auto` chooses it at connect, after a CONNACK refusal or a probe that
//! went unanswered ([`Link::connect`]).
//!
//! The files, from the handle down: `options.rs` (how to connect), `events.rs` (what the
//! link hands up), `properties.rs`, `limits.rs` (what the broker's CONNACK says), `budget.rs`
//! (the back-pressure on reading), `retry.rs` (back-off and failover), `connect_error.rs`
//! (a failed first connection as a typed error); the task itself (`driver.rs`), its
//! in-flight window (`window.rs`) and the flags it shares (`shared.rs`); one connection
//! attempt (`handshake.rs`); the codec trait (`codec.rs`) and its two versions (`v311.rs`,
//! `v5.rs`, over rumqttc's public packet codecs); the transports (`transport/`).

mod budget;
mod codec;
mod connect_error;
mod driver;
mod events;
mod handshake;
mod limits;
mod options;
mod properties;
mod retry;
mod shared;
mod transport;
mod v311;
mod v5;
mod window;

pub use budget::{BUDGET_BYTES, BUDGET_MESSAGES};
pub use codec::{PubTopic, Version, MAX_PACKET};
pub use events::{Delivery, Disconnect, ErrorKind, LinkEvent};
pub use limits::ServerLimits;
pub use options::{LinkOptions, Session, RECEIVE_MAXIMUM};
pub use properties::Properties;
pub(crate) use retry::backoff;
pub use transport::accept_any_tls;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;

use super::error::{ConnectCause, IdentityProblem, QueueError};
use crate::config::{BrokerAddr, ProtocolVersion};
use budget::Budget;
use connect_error::Rejected;

/// How long [`Link::close`] waits for the broker to close the connection after DISCONNECT.
pub const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Requests (publishes, acks) that may wait for the event loop before `publish` blocks: deep
/// enough that a fast producer never waits on a round trip, small enough to stay a few MB.
const REQUEST_QUEUE: usize = 4096;

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
    shared: Arc<shared::Shared>,
    receive_maximum: u16,
    budget: Arc<Budget>,
    limits: ServerLimits,
    /// From the start of the connection (name lookup, TCP, TLS, WebSocket) to the CONNACK.
    setup: Duration,
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
                Link::connect_as::<v311::V311>(brokers, opts, None).await
            }
            ProtocolVersion::V5 => Link::connect_as::<v5::V5>(brokers, opts, None).await,
            ProtocolVersion::Auto => {
                let probe = V5_PROBE.min(opts.connect_timeout);
                match Link::attempt::<v5::V5>(brokers.clone(), opts, Some(probe)).await {
                    Err(Rejected(why)) => {
                        tracing::info!(
                            "{why}; trying MQTT 3.1.1 (-V 5 insists on MQTT 5, -V 3.1.1 skips this)"
                        );
                        v311_login()?;
                        Link::connect_as::<v311::V311>(brokers, opts, None).await
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
        let shared = Arc::new(shared::Shared::default());
        let plan = options::Plan::new(brokers, opts);
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
                    Version::V311 => Ok(Err(connect_error::v311(&addr, opts, &e).await)),
                    Version::V5 => connect_error::v5(&addr, opts, &e).await.map(Err),
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
