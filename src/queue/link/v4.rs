//! MQTT 3.1.1 through rumqttc's top-level client: connect, the event-loop task, requests,
//! and the mapping of rumqttc's errors to the core's typed errors.

use std::time::Duration;

use rumqttc::{
    AsyncClient, ClientError, ConnectReturnCode, ConnectionError, Event, EventLoop, MqttOptions,
    Outgoing, Packet, Publish, QoS, Request, StateError, SubscribeReasonCode,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::transport::{self, Endpoint};
use super::{
    failover_delay, AckToken, Connected, Delivery, ErrorKind, LinkEvent, LinkOptions, Properties,
    PubTopic, Session, Throttle, Unsent, MAX_PACKET, REQUEST_QUEUE,
};
use crate::config::BrokerAddr;
use crate::queue::{AuthReason, ConnectCause, QueueError};

/// Connects, waits for the CONNACK, and starts the event-loop task that feeds `tx`.
/// Returns the client, the task and the CONNACK's session-present flag.
pub(super) async fn connect(
    addr: &BrokerAddr,
    opts: &LinkOptions,
    endpoint: Endpoint,
    tx: mpsc::UnboundedSender<LinkEvent>,
    connected: Connected,
    throttle: Throttle,
) -> Result<(AsyncClient, JoinHandle<()>, bool), QueueError> {
    let mo = mqtt_options(opts, endpoint);
    // The other nodes of the failover list, for reconnects (an unusable one is left out).
    let mut brokers = vec![(addr.clone(), mo.clone())];
    for alt in &opts.alternates {
        if let Ok(e) = transport::build(alt, &opts.tls) {
            brokers.push((alt.clone(), mqtt_options(opts, e)));
        }
    }
    let (client, mut eventloop) = AsyncClient::new(mo, REQUEST_QUEUE);
    eventloop
        .network_options
        .set_connection_timeout(opts.connect_timeout.as_secs().max(1));
    eventloop
        .network_options
        .set_tcp_nodelay(super::TCP_NODELAY);
    eventloop
        .network_options
        .set_tcp_quickack_always(opts.quickack_always);
    eventloop
        .network_options
        .set_read_counter(connected.read_counter());
    let error = |cause| QueueError::Connect {
        broker: addr.uri(),
        cause,
    };
    let session_present = match tokio::time::timeout(opts.connect_timeout, eventloop.poll()).await {
        Err(_) => return Err(error(ConnectCause::Timeout(opts.connect_timeout))),
        Ok(Ok(Event::Incoming(Packet::ConnAck(ack)))) => ack.session_present,
        Ok(Ok(other)) => return Err(error(ConnectCause::NotConnAck(format!("{other:?}")))),
        Ok(Err(e)) => return Err(connect_error(addr, opts, &e).await),
    };
    connected.set(true);
    // The CONNACK is a whole packet too (polled here, not by the task).
    connected.packet_in();
    let task = tokio::spawn(drive(
        eventloop,
        tx,
        opts.reconnect,
        connected,
        throttle,
        brokers,
    ));
    Ok((client, task, session_present))
}

/// The library's options for one broker.
fn mqtt_options(opts: &LinkOptions, endpoint: Endpoint) -> MqttOptions {
    let mut mo = MqttOptions::new(opts.client_id.clone(), endpoint.host, endpoint.port);
    mo.set_clean_session(opts.session == Session::Clean)
        .set_keep_alive(opts.keepalive.max(Duration::from_secs(1)))
        .set_max_packet_size(MAX_PACKET, MAX_PACKET)
        .set_manual_acks(true)
        .set_inflight(opts.inflight)
        .set_request_channel_capacity(REQUEST_QUEUE)
        .set_transport(endpoint.transport);
    if let Some(c) = &opts.credential {
        mo.set_credentials(c.username.clone(), c.password.expose().to_owned());
    }
    mo
}

/// Queues a publish, waiting at most `stall` for room in the request queue.
pub(super) async fn publish(
    c: &AsyncClient,
    topic: &PubTopic,
    qos: u8,
    retain: bool,
    payload: bytes::Bytes,
    stall: Option<Duration>,
) -> Result<(), Unsent> {
    let mut p = Publish::from_bytes(topic.as_str(), to_qos(qos), payload);
    p.retain = retain;
    // Without waiting first (see the MQTT 5 side).
    let request = match c.try_send_publish(p) {
        Ok(()) => return Ok(()),
        Err(
            ClientError::TryRequest(Request::Publish(p))
            | ClientError::Request(Request::Publish(p)),
        ) => p,
        Err(_) => return Err(Unsent::Closed),
    };
    super::within(stall, c.send_publish(request)).await
}

/// Queues a SUBSCRIBE.
pub(super) async fn subscribe(c: &AsyncClient, filter: &str, qos: u8) -> Result<(), ()> {
    c.subscribe(filter, to_qos(qos)).await.map_err(drop)
}

/// Queues the PUBACK / PUBREC of a delivery; a no-op at QoS 0.
pub(super) async fn ack(c: &AsyncClient, token: AckToken) -> Result<(), ()> {
    // rumqttc builds the acknowledgement from the QoS and packet id alone.
    let mut p = Publish::new("", to_qos(token.qos), Vec::new());
    p.pkid = token.pkid;
    // Without a send future when the request queue has room (nearly always).
    if c.try_ack(&p).is_ok() {
        return Ok(());
    }
    c.ack(&p).await.map_err(drop)
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
    connected: Connected,
    mut throttle: Throttle,
    brokers: Vec<(BrokerAddr, MqttOptions)>,
) {
    let mut closing = false;
    // The broker of `brokers` connected to (or tried) now.
    let mut current = 0;
    // Failed attempts since the last CONNACK: the pause before the next one grows with it.
    let mut failures = 0;
    loop {
        let may_read = throttle.before_poll(closing).await;
        el.pause_reads(!may_read);
        let polled = el.poll().await;
        if let Ok(Event::Incoming(_)) = polled {
            connected.packet_in();
        }
        let ev = match polled {
            Ok(Event::Incoming(Packet::Publish(p))) => LinkEvent::Message(Delivery {
                hold: throttle.hold(p.payload.len() + p.topic.len()),
                token: AckToken {
                    qos: p.qos as u8,
                    pkid: p.pkid,
                },
                topic: p.topic,
                payload: p.payload,
                qos: p.qos as u8,
                retain: p.retain,
                dup: p.dup,
                pkid: p.pkid,
                properties: Properties::default(),
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
            Ok(Event::Incoming(Packet::ConnAck(a))) => {
                failures = 0;
                connected.set(true);
                LinkEvent::Reconnected {
                    session_present: a.session_present,
                    broker: brokers[current].0.clone(),
                }
            }
            // Keep polling after DISCONNECT until the broker closes the socket: that proves it
            // has read everything sent before (acks above all). Exiting at once would let the
            // next connection of this client id race our unread PUBACKs at the broker.
            Ok(Event::Outgoing(Outgoing::PubAck(_) | Outgoing::PubRec(_))) => {
                throttle.ack_sent();
                LinkEvent::AckSent
            }
            Ok(Event::Outgoing(Outgoing::PingReq)) => {
                throttle.pinged();
                continue;
            }
            Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                // Written and flushed (the event comes after the flush): done, if the
                // caller needs no more from the broker (Link::close).
                if connected.leaves_after_disconnect() {
                    return;
                }
                closing = true;
                continue;
            }
            Ok(_) => continue,
            // Closed after our DISCONNECT, or every client handle is gone: done.
            Err(_) if closing => return,
            Err(ConnectionError::RequestsDone) => return,
            Err(e) => {
                connected.set(false);
                let retry_in = reconnect.map(|base| failover_delay(base, failures, brokers.len()));
                failures += 1;
                if reconnect.is_some() && brokers.len() > 1 {
                    current = (current + 1) % brokers.len();
                    el.mqtt_options = brokers[current].1.clone();
                }
                let _ = tx.send(LinkEvent::Error {
                    cause: e.to_string(),
                    kind: classify(&e),
                    reason: None,
                    retry_in,
                });
                match retry_in {
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

async fn connect_error(addr: &BrokerAddr, opts: &LinkOptions, e: &ConnectionError) -> QueueError {
    let refused = |reason| QueueError::Auth {
        broker: addr.uri(),
        client_id: opts.client_id.clone(),
        reason,
    };
    let cause = match e {
        ConnectionError::ConnectionRefused(code) => match code {
            ConnectReturnCode::BadUserNamePassword => return refused(AuthReason::BadCredentials),
            ConnectReturnCode::NotAuthorized => return refused(AuthReason::NotAuthorized),
            ConnectReturnCode::BadClientId => return refused(AuthReason::BadClientId),
            ConnectReturnCode::RefusedProtocolVersion => {
                return refused(AuthReason::ProtocolVersion("3.1.1"))
            }
            ConnectReturnCode::ServiceUnavailable | ConnectReturnCode::Success => {
                ConnectCause::Unavailable
            }
        },
        ConnectionError::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            ConnectCause::Refused
        }
        ConnectionError::NetworkTimeout => ConnectCause::Timeout(opts.connect_timeout),
        // A server of another protocol (an HTTP server's "HTTP/1.1 400" reads as a PUBACK).
        ConnectionError::NotConnAck(_)
        | ConnectionError::MqttState(StateError::Deserialization(_))
            if !addr.is_tls() =>
        {
            if transport::speaks_tls(addr).await {
                ConnectCause::TlsPort
            } else {
                ConnectCause::NotMqtt
            }
        }
        ConnectionError::Tls(t) => transport::tls_cause(t, &opts.tls),
        ConnectionError::Websocket(w) => transport::ws_cause(w, &opts.tls),
        ConnectionError::ResponseValidation(_) => ConnectCause::NotWebSocket,
        e if addr.is_tls() => match transport::classify(e, &opts.tls) {
            Some(problem) => ConnectCause::Tls(problem),
            None => ConnectCause::Other(e.to_string()),
        },
        // A plain MQTT client on a TLS port: the broker closes or answers with a TLS alert.
        e if matches!(
            e,
            ConnectionError::MqttState(_) | ConnectionError::Io(_) | ConnectionError::Websocket(_)
        ) && transport::speaks_tls(addr).await =>
        {
            ConnectCause::TlsPort
        }
        // Some brokers (rumqttd) close the socket instead of answering CONNECT with a
        // refusal when the credentials are wrong.
        e if opts.credential.is_some() && classify(e) == ErrorKind::ClosedByBroker => {
            return refused(AuthReason::ClosedWithCredentials)
        }
        other => ConnectCause::Other(other.to_string()),
    };
    QueueError::Connect {
        broker: addr.uri(),
        cause,
    }
}
