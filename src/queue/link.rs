//! The link to the broker: one task owns the rumqttc event loop and turns its events into
//! protocol-neutral [`LinkEvent`]s on a channel; callers act through [`Link`].
//!
//! Everything rumqttc-specific lives here so that an MQTT 5 link can sit beside this
//! 3.1.1 one behind the same types.

use std::sync::Once;
use std::time::Duration;

use bytes::Bytes;
use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, MqttOptions, Outgoing,
    Packet, Publish, QoS, StateError, SubscribeReasonCode, Transport as RTransport,
};
use tokio::sync::mpsc;

use super::QueueError;
use crate::config::{BrokerAddr, Credential, Transport};

/// How long [`Link::close`] waits for the broker to close the connection after DISCONNECT.
pub const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Largest packet mqq sends or accepts: the MQTT maximum (256 MiB).
pub const MAX_PACKET: usize = 268_435_455;

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
    pub(crate) token: Publish,
}

/// What the event-loop task reports.
#[derive(Debug)]
pub enum LinkEvent {
    /// CONNACK after a reconnect.
    Reconnected { session_present: bool },
    /// A message arrived.
    Message(Delivery),
    /// A QoS 1/2 publish was acknowledged, or a QoS 0 publish was flushed.
    Completed,
    /// SUBACK: `true` per granted filter, `false` per refused one.
    SubAck(Vec<bool>),
    /// The connection broke; the task reconnects if allowed, else stops.
    Error(String, ErrorKind),
}

/// Coarse classification of a connection error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The broker closed the connection without a protocol error.
    ClosedByBroker,
    /// Anything else.
    Other,
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// Client id to present.
    pub client_id: String,
    /// Clean session flag (false for a durable queue).
    pub clean_session: bool,
    /// Credentials, if any.
    pub credential: Option<Credential>,
    /// Keepalive interval.
    pub keepalive: Duration,
    /// How long one connection attempt may take.
    pub connect_timeout: Duration,
    /// Reconnect after this delay when the connection breaks; `None`: stop.
    pub reconnect: Option<Duration>,
    /// Max unacknowledged outgoing publishes.
    pub inflight: u16,
}

/// Handle to a connected link.
pub struct Link {
    client: AsyncClient,
    task: tokio::task::JoinHandle<()>,
    /// Events from the event-loop task.
    pub events: mpsc::UnboundedReceiver<LinkEvent>,
    /// Whether the broker had a session for this client id at connect.
    pub session_present: bool,
}

fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another provider may already be installed by the embedding program: fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Link {
    /// Connects to one broker and waits for its CONNACK.
    pub async fn connect(addr: &BrokerAddr, opts: &LinkOptions) -> Result<Link, QueueError> {
        let mut mo = MqttOptions::new(opts.client_id.clone(), addr.host.clone(), addr.port);
        mo.set_clean_session(opts.clean_session)
            .set_keep_alive(opts.keepalive.max(Duration::from_secs(1)))
            .set_max_packet_size(MAX_PACKET, MAX_PACKET)
            .set_manual_acks(true)
            .set_inflight(opts.inflight)
            .set_request_channel_capacity(4096);
        if let Some(c) = &opts.credential {
            mo.set_credentials(c.username.clone(), c.password.expose().to_owned());
        }
        match addr.transport {
            Transport::Tcp => {}
            Transport::Tls => {
                install_crypto();
                mo.set_transport(RTransport::tls_with_default_config());
            }
            Transport::Ws | Transport::Wss => {
                return Err(QueueError::Usage(format!(
                    "{}: WebSocket transport is not supported by this build yet; use mqtt:// or mqtts://",
                    addr.uri()
                )));
            }
        }
        let (client, mut eventloop) = AsyncClient::new(mo, 4096);
        let secs = opts.connect_timeout.as_secs().max(1);
        eventloop.network_options.set_connection_timeout(secs);
        let first = tokio::time::timeout(opts.connect_timeout, eventloop.poll()).await;
        let session_present = match first {
            Err(_) => {
                return Err(QueueError::Connect(format!(
                    "could not connect to {}: no answer within {}; check the address or raise \
                     options.connect_timeout",
                    addr.uri(),
                    humantime::format_duration(opts.connect_timeout)
                )))
            }
            Ok(Ok(Event::Incoming(Packet::ConnAck(ack)))) => ack.session_present,
            Ok(Ok(other)) => {
                return Err(QueueError::Connect(format!(
                    "{}: expected CONNACK, got {other:?}",
                    addr.uri()
                )))
            }
            Ok(Err(e)) => {
                return Err(connect_error(
                    addr,
                    &opts.client_id,
                    opts.credential.is_some(),
                    &e,
                ))
            }
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(drive(eventloop, tx, opts.reconnect));
        Ok(Link {
            client,
            task,
            events: rx,
            session_present,
        })
    }

    /// Queues a publish; completion is reported as [`LinkEvent::Completed`].
    pub async fn publish(
        &self,
        topic: &str,
        qos: u8,
        retain: bool,
        payload: Vec<u8>,
    ) -> Result<(), QueueError> {
        self.client
            .publish(topic, to_qos(qos), retain, payload)
            .await
            .map_err(|_| QueueError::Lost("the connection to the broker is closed".into()))
    }

    /// Sends SUBSCRIBE; the answer is [`LinkEvent::SubAck`].
    pub async fn subscribe(&self, filter: &str, qos: u8) -> Result<(), QueueError> {
        self.client
            .subscribe(filter, to_qos(qos))
            .await
            .map_err(|_| QueueError::Lost("the connection to the broker is closed".into()))
    }

    /// Acknowledges a delivery (PUBACK / PUBREC); a no-op at QoS 0.
    pub async fn ack(&self, d: &Delivery) -> Result<(), QueueError> {
        self.client
            .ack(&d.token)
            .await
            .map_err(|_| QueueError::Lost("the connection to the broker is closed".into()))
    }

    /// Sends DISCONNECT and waits until the broker closed the connection (at most
    /// [`CLOSE_WAIT`]), so that everything sent before — acknowledgements above all — was
    /// read by the broker before the process goes.
    pub async fn close(self) {
        let Link {
            client,
            mut task,
            events,
            ..
        } = self;
        drop(events);
        if client.disconnect().await.is_ok()
            && tokio::time::timeout(CLOSE_WAIT, &mut task).await.is_ok()
        {
            return;
        }
        task.abort();
    }
}

fn to_qos(q: u8) -> QoS {
    match q {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

/// The event-loop task: polls continuously, forwards events, reconnects only if allowed, and
/// ends when the broker closed the connection after our DISCONNECT.
async fn drive(
    mut el: EventLoop,
    tx: mpsc::UnboundedSender<LinkEvent>,
    reconnect: Option<Duration>,
) {
    let mut closing = false;
    loop {
        let ev = match el.poll().await {
            Ok(Event::Incoming(Packet::Publish(p))) => LinkEvent::Message(Delivery {
                topic: p.topic.clone(),
                payload: p.payload.clone(),
                qos: p.qos as u8,
                retain: p.retain,
                dup: p.dup,
                pkid: p.pkid,
                token: p,
            }),
            Ok(
                Event::Incoming(Packet::PubAck(_) | Packet::PubComp(_))
                | Event::Outgoing(Outgoing::Publish(0)),
            ) => LinkEvent::Completed,
            Ok(Event::Incoming(Packet::SubAck(s))) => LinkEvent::SubAck(
                s.return_codes
                    .iter()
                    .map(|c| matches!(c, SubscribeReasonCode::Success(_)))
                    .collect(),
            ),
            Ok(Event::Incoming(Packet::ConnAck(a))) => LinkEvent::Reconnected {
                session_present: a.session_present,
            },
            // Keep polling after DISCONNECT until the broker closes the socket: that proves it
            // has read everything sent before (acks above all). Exiting at once would let the
            // next connection of this client id race our unread PUBACKs at the broker.
            Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                closing = true;
                continue;
            }
            Ok(_) => continue,
            // Closed after our DISCONNECT, or every client handle is gone: done.
            Err(_) if closing => return,
            Err(ConnectionError::RequestsDone) => return,
            Err(e) => {
                let kind = classify(&e);
                let _ = tx.send(LinkEvent::Error(e.to_string(), kind));
                match reconnect {
                    Some(delay) => tokio::time::sleep(delay).await,
                    None => return,
                }
                continue;
            }
        };
        // Nobody may be listening any more (closing): keep polling all the same, so queued
        // requests (acks, DISCONNECT) still reach the broker.
        let _ = tx.send(ev);
    }
}

fn classify(e: &ConnectionError) -> ErrorKind {
    match e {
        ConnectionError::MqttState(StateError::ConnectionAborted) => ErrorKind::ClosedByBroker,
        ConnectionError::MqttState(StateError::Io(io)) | ConnectionError::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
            ) =>
        {
            ErrorKind::ClosedByBroker
        }
        _ => ErrorKind::Other,
    }
}

fn connect_error(
    addr: &BrokerAddr,
    client_id: &str,
    with_credentials: bool,
    e: &ConnectionError,
) -> QueueError {
    let uri = addr.uri();
    match e {
        ConnectionError::ConnectionRefused(code) => match code {
            ConnectReturnCode::BadUserNamePassword => QueueError::Auth(format!(
                "{uri} refused the credentials (bad user name or password); check -u and the password"
            )),
            ConnectReturnCode::NotAuthorized => QueueError::Auth(format!(
                "{uri} refused the connection: not authorized; check the credentials and the \
                 broker's ACL"
            )),
            ConnectReturnCode::BadClientId => QueueError::Auth(format!(
                "{uri} refused client id \"{client_id}\"; choose another with -i"
            )),
            ConnectReturnCode::RefusedProtocolVersion => QueueError::Auth(format!(
                "{uri} refused the protocol version (MQTT 3.1.1)"
            )),
            ConnectReturnCode::ServiceUnavailable | ConnectReturnCode::Success => {
                QueueError::Connect(format!("{uri}: the broker says the service is unavailable"))
            }
        },
        ConnectionError::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            QueueError::Connect(format!(
                "could not connect to {uri}: connection refused; is a broker listening there? \
                 Point mqq at it with -L URI, or -h HOST -p PORT"
            ))
        }
        ConnectionError::Io(io) => {
            QueueError::Connect(format!("could not connect to {uri}: {io}"))
        }
        ConnectionError::NetworkTimeout => QueueError::Connect(format!(
            "could not connect to {uri}: timed out; check the address or raise options.connect_timeout"
        )),
        ConnectionError::Tls(t) => QueueError::Connect(format!("TLS with {uri} failed: {t}")),
        // Some brokers (rumqttd) close the socket instead of answering CONNECT with a
        // refusal when the credentials are wrong.
        e if with_credentials && classify(e) == ErrorKind::ClosedByBroker => QueueError::Auth(format!(
            "{uri} closed the connection instead of accepting it: it most likely refused the \
             credentials; check -u and the password"
        )),
        other => QueueError::Connect(format!("could not connect to {uri}: {other}")),
    }
}
