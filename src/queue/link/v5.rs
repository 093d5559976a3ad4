//! MQTT 5 through `rumqttc::v5`: connect (with Receive Maximum, session expiry and the
//! signs that a broker does not speak MQTT 5), the event-loop task, requests with
//! properties, and the mapping of reason codes to the core's typed errors.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use rumqttc::v5::mqttbytes::v5::{
    ConnectReturnCode, DisconnectReasonCode, Filter, Packet, PubAckReason, PubRecReason, Publish,
    PublishProperties, RetainForwardRule, SubscribeReasonCode,
};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{
    AsyncClient, ClientError, ConnectionError, Event, EventLoop, MqttOptions, Request, StateError,
};
use rumqttc::Outgoing;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::transport::{self, Endpoint};
use super::{
    failover_delay, AckToken, Connected, Delivery, Disconnect, ErrorKind, LinkEvent, LinkOptions,
    Properties, PubTopic, Rejected, Session, Throttle, Unsent, MAX_PACKET, REQUEST_QUEUE,
};
use crate::config::BrokerAddr;
use crate::queue::{AuthReason, ConnectCause, QueueError, TlsProblem};

/// What [`connect`] hands back: the client, the event-loop task, session present.
type Connected5 = (AsyncClient, JoinHandle<()>, bool);

/// Connects, waits for the CONNACK, and starts the event-loop task that feeds `tx`.
/// `Err(Rejected)` when the broker showed it does not speak MQTT 5: a CONNACK "unsupported
/// protocol version" (or a 3.1.1 CONNACK MQTT 5 cannot parse), or a close right after
/// CONNECT.
pub(super) async fn connect(
    addr: &BrokerAddr,
    opts: &LinkOptions,
    endpoint: Endpoint,
    tx: mpsc::UnboundedSender<LinkEvent>,
    connected: Connected,
    throttle: Throttle,
) -> Result<Result<Connected5, QueueError>, Rejected> {
    let read = connected.read_counter();
    let mo = mqtt_options(opts, endpoint, &read);
    // The other nodes of the failover list, for reconnects (an unusable one is left out).
    let mut brokers = vec![(addr.clone(), mo.clone())];
    for alt in &opts.alternates {
        if let Ok(e) = transport::build(alt, &opts.tls) {
            brokers.push((alt.clone(), mqtt_options(opts, e, &read)));
        }
    }
    let (client, mut eventloop) = AsyncClient::new(mo, REQUEST_QUEUE);
    let error = |cause| QueueError::Connect {
        broker: addr.uri(),
        cause,
    };
    let session_present = match tokio::time::timeout(opts.connect_timeout, eventloop.poll()).await {
        Err(_) => return Ok(Err(error(ConnectCause::Timeout(opts.connect_timeout)))),
        Ok(Ok(Event::Incoming(Packet::ConnAck(ack)))) => ack.session_present,
        Ok(Ok(other)) => return Ok(Err(error(ConnectCause::NotConnAck(format!("{other:?}"))))),
        Ok(Err(e)) => return connect_error(addr, opts, &e).map(Err),
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
    Ok(Ok((client, task, session_present)))
}

/// The library's options for one broker; the bytes read are counted into `read`.
fn mqtt_options(opts: &LinkOptions, endpoint: Endpoint, read: &Arc<AtomicU64>) -> MqttOptions {
    let mut mo = MqttOptions::new(opts.client_id.clone(), endpoint.host, endpoint.port);
    let persistent = opts.session == Session::Persistent;
    mo.set_clean_start(!persistent)
        .set_keep_alive(opts.keepalive.max(Duration::from_secs(1)))
        .set_max_packet_size(Some(u32::try_from(MAX_PACKET).unwrap_or(u32::MAX)))
        .set_receive_maximum(Some(opts.receive_maximum))
        .set_manual_acks(true)
        .set_outgoing_inflight_upper_limit(opts.inflight)
        .set_request_channel_capacity(REQUEST_QUEUE)
        .set_connection_timeout(opts.connect_timeout.as_secs().max(1))
        .set_transport(endpoint.transport);
    // A persistent session lives on for the session expiry (u32::MAX: never expires); a
    // clean one (ephemeral queues, producers, `clear`) ends with its connection.
    if persistent {
        mo.set_session_expiry_interval(Some(expiry_secs(opts.session_expiry)));
    }
    if let Some(c) = &opts.credential {
        mo.set_credentials(c.username.clone(), c.password.expose().to_owned());
    }
    let mut net = mo.network_options();
    net.set_tcp_nodelay(super::TCP_NODELAY);
    net.set_tcp_quickack_always(opts.quickack_always);
    net.set_read_counter(Arc::clone(read));
    mo.set_network_options(net);
    mo
}

/// Seconds of a session expiry; `None` is "never" (0xFFFFFFFF in MQTT 5).
fn expiry_secs(d: Option<Duration>) -> u32 {
    d.map_or(u32::MAX, |d| {
        u32::try_from(d.as_secs() + u64::from(d.subsec_nanos() > 0))
            .unwrap_or(u32::MAX - 1)
            .clamp(1, u32::MAX - 1)
    })
}

/// Queues a publish with its properties. `Err(())`: the event-loop task has ended.
pub(super) async fn publish(
    c: &AsyncClient,
    topic: &PubTopic,
    qos: u8,
    retain: bool,
    payload: bytes::Bytes,
    props: &Properties,
    stall: Option<Duration>,
) -> Result<(), Unsent> {
    let properties = (!props.is_empty()).then(|| PublishProperties {
        message_expiry_interval: props.expiry.map(|d| expiry_secs(Some(d))),
        response_topic: props.response_topic.clone(),
        correlation_data: props.correlation_data.clone(),
        user_properties: props.user.clone(),
        content_type: props.content_type.clone(),
        ..PublishProperties::default()
    });
    let p = Publish {
        dup: false,
        qos: to_qos(qos),
        retain,
        topic: topic.bytes().clone(),
        pkid: 0,
        payload,
        properties,
    };
    // Without waiting first: the request queue almost always has room, and a send future
    // (and a timer around it) per message cost more than the publish itself.
    let request = match c.try_send_publish(p) {
        Ok(()) => return Ok(()),
        Err(
            ClientError::TryRequest(Request::Publish(p))
            | ClientError::Request(Request::Publish(p)),
        ) => p,
        Err(_) => return Err(Unsent::Closed),
    };
    // The queue is full (or the event loop gone): wait for room, at most `stall`.
    super::within(stall, c.send_publish(request)).await
}

/// Queues a SUBSCRIBE with Retain Handling 1: the broker sends the retained message only
/// when the subscription is new, so subscribing again on a resumed session is harmless.
pub(super) async fn subscribe(c: &AsyncClient, filter: &str, qos: u8) -> Result<(), ()> {
    let f = Filter {
        retain_forward_rule: RetainForwardRule::OnNewSubscribe,
        ..Filter::new(filter, to_qos(qos))
    };
    c.subscribe_many([f]).await.map_err(drop)
}

/// Queues the PUBACK / PUBREC of a delivery; a no-op at QoS 0.
pub(super) async fn ack(c: &AsyncClient, token: AckToken) -> Result<(), ()> {
    let mut p = Publish::new("", to_qos(token.qos), Vec::new(), None);
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

fn properties(p: Option<PublishProperties>) -> Properties {
    let Some(p) = p else {
        return Properties::default();
    };
    Properties {
        user: p.user_properties,
        content_type: p.content_type,
        expiry: p
            .message_expiry_interval
            .map(|s| Duration::from_secs(u64::from(s))),
        response_topic: p.response_topic,
        correlation_data: p.correlation_data,
    }
}

fn delivery(p: Publish, throttle: &Throttle) -> Delivery {
    Delivery {
        hold: throttle.hold(p.payload.len() + p.topic.len()),
        token: AckToken {
            qos: p.qos as u8,
            pkid: p.pkid,
        },
        topic: String::from_utf8_lossy(&p.topic).into_owned(),
        payload: p.payload,
        qos: p.qos as u8,
        retain: p.retain,
        dup: p.dup,
        pkid: p.pkid,
        properties: properties(p.properties),
    }
}

/// The event-loop task: as the MQTT 3.1.1 one, plus reason codes: a refused PUBACK/PUBREC
/// becomes [`LinkEvent::PublishRefused`], a server DISCONNECT the error's reason.
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
    let mut failures = 0;
    loop {
        let may_read = throttle.before_poll(closing).await;
        el.pause_reads(!may_read);
        let polled = el.poll().await;
        if let Ok(Event::Incoming(_)) = polled {
            connected.packet_in();
        }
        let ev = match polled {
            Ok(Event::Incoming(Packet::Publish(p))) => LinkEvent::Message(delivery(p, &throttle)),
            Ok(Event::Incoming(Packet::PubAck(a))) => match a.reason {
                PubAckReason::Success | PubAckReason::NoMatchingSubscribers => LinkEvent::Completed,
                r => {
                    let (code, name) = puback_reason(r);
                    LinkEvent::PublishRefused(code, name.into())
                }
            },
            Ok(Event::Incoming(Packet::PubRec(r))) => match pubrec_reason(r.reason) {
                None => continue,
                Some((code, name)) => LinkEvent::PublishRefused(code, name.into()),
            },
            Ok(Event::Incoming(Packet::PubComp(_)) | Event::Outgoing(Outgoing::Publish(0))) => {
                LinkEvent::Completed
            }
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
            Err(_) if closing => return,
            Err(ConnectionError::RequestsDone) => return,
            Err(e) => {
                connected.set(false);
                let retry_in = reconnect.map(|base| failover_delay(base, failures, brokers.len()));
                failures += 1;
                if reconnect.is_some() && brokers.len() > 1 {
                    current = (current + 1) % brokers.len();
                    el.options = brokers[current].1.clone();
                }
                let _ = tx.send(LinkEvent::Error {
                    cause: e.to_string(),
                    kind: classify(&e),
                    reason: disconnect_reason(&e),
                    retry_in,
                });
                match retry_in {
                    Some(delay) => tokio::time::sleep(delay).await,
                    None => return,
                }
                continue;
            }
        };
        let _ = tx.send(ev);
    }
}

fn puback_reason(r: PubAckReason) -> (u8, &'static str) {
    match r {
        PubAckReason::Success => (0x00, "success"),
        PubAckReason::NoMatchingSubscribers => (0x10, "no matching subscribers"),
        PubAckReason::UnspecifiedError => (0x80, "unspecified error"),
        PubAckReason::ImplementationSpecificError => (0x83, "implementation specific error"),
        PubAckReason::NotAuthorized => (0x87, "not authorized"),
        PubAckReason::TopicNameInvalid => (0x90, "topic name invalid"),
        PubAckReason::PacketIdentifierInUse => (0x91, "packet identifier in use"),
        PubAckReason::QuotaExceeded => (0x97, "quota exceeded"),
        PubAckReason::PayloadFormatInvalid => (0x99, "payload format invalid"),
    }
}

/// A refusing PUBREC's code and name; `None` for success.
fn pubrec_reason(r: PubRecReason) -> Option<(u8, &'static str)> {
    Some(match r {
        PubRecReason::Success | PubRecReason::NoMatchingSubscribers => return None,
        PubRecReason::UnspecifiedError => (0x80, "unspecified error"),
        PubRecReason::ImplementationSpecificError => (0x83, "implementation specific error"),
        PubRecReason::NotAuthorized => (0x87, "not authorized"),
        PubRecReason::TopicNameInvalid => (0x90, "topic name invalid"),
        PubRecReason::PacketIdentifierInUse => (0x91, "packet identifier in use"),
        PubRecReason::QuotaExceeded => (0x97, "quota exceeded"),
        PubRecReason::PayloadFormatInvalid => (0x99, "payload format invalid"),
    })
}

fn disconnect_reason(e: &ConnectionError) -> Option<Disconnect> {
    let ConnectionError::MqttState(StateError::ServerDisconnect {
        reason_code,
        reason_string,
    }) = e
    else {
        return None;
    };
    Some(match reason_code {
        DisconnectReasonCode::SessionTakenOver => Disconnect::TakenOver,
        DisconnectReasonCode::ServerShuttingDown => Disconnect::ShuttingDown,
        other => {
            let name = format!("{other:?}");
            Disconnect::Other(
                *other as u8,
                reason_string
                    .clone()
                    .map_or(name.clone(), |s| format!("{name}: {s}")),
            )
        }
    })
}

fn classify(e: &ConnectionError) -> ErrorKind {
    match e {
        ConnectionError::MqttState(
            StateError::OutgoingPacketTooLarge { pkt_size, max }
            | StateError::Deserialization(rumqttc::v5::mqttbytes::Error::OutgoingPacketTooLarge {
                pkt_size,
                max,
            }),
        ) => ErrorKind::PacketTooLarge {
            size: u64::from(*pkt_size),
            max: u64::from(*max),
        },
        ConnectionError::MqttState(
            StateError::ConnectionAborted | StateError::ServerDisconnect { .. },
        ) => ErrorKind::ClosedByBroker,
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

/// A CONNACK refusal's code and name (MQTT 5 §3.2.2.2).
fn connack_reason(code: ConnectReturnCode) -> (u8, &'static str) {
    use ConnectReturnCode as C;
    match code {
        C::Success => (0x00, "success"),
        C::RefusedProtocolVersion => (0x01, "unacceptable protocol version"),
        C::BadClientId => (0x02, "identifier rejected"),
        C::ServiceUnavailable => (0x03, "server unavailable"),
        C::UnspecifiedError => (0x80, "unspecified error"),
        C::MalformedPacket => (0x81, "malformed packet"),
        C::ProtocolError => (0x82, "protocol error"),
        C::ImplementationSpecificError => (0x83, "implementation specific error"),
        C::UnsupportedProtocolVersion => (0x84, "unsupported protocol version"),
        C::ClientIdentifierNotValid => (0x85, "client identifier not valid"),
        C::BadUserNamePassword => (0x86, "bad user name or password"),
        C::NotAuthorized => (0x87, "not authorized"),
        C::ServerUnavailable => (0x88, "server unavailable"),
        C::ServerBusy => (0x89, "server busy"),
        C::Banned => (0x8A, "banned"),
        C::BadAuthenticationMethod => (0x8C, "bad authentication method"),
        C::TopicNameInvalid => (0x90, "topic name invalid"),
        C::PacketTooLarge => (0x95, "packet too large"),
        C::QuotaExceeded => (0x97, "quota exceeded"),
        C::PayloadFormatInvalid => (0x99, "payload format invalid"),
        C::RetainNotSupported => (0x9A, "retain not supported"),
        C::QoSNotSupported => (0x9B, "QoS not supported"),
        C::UseAnotherServer => (0x9C, "use another server"),
        C::ServerMoved => (0x9D, "server moved"),
        C::ConnectionRateExceeded => (0x9F, "connection rate exceeded"),
    }
}

/// The error of a failed MQTT 5 connect; `Err(Rejected)` when it shows the broker does not
/// speak MQTT 5. A close right after CONNECT counts as that even with credentials: it is no
/// refusal of them (a refusal is a CONNACK with a reason code), and the MQTT 3.1.1 attempt
/// that follows tells the two apart.
fn connect_error(
    addr: &BrokerAddr,
    opts: &LinkOptions,
    e: &ConnectionError,
) -> Result<QueueError, Rejected> {
    let refused = |reason| QueueError::Auth {
        broker: addr.uri(),
        client_id: opts.client_id.clone(),
        reason,
    };
    let connect = |cause| QueueError::Connect {
        broker: addr.uri(),
        cause,
    };
    Ok(match e {
        ConnectionError::ConnectionRefused(code) => match code {
            ConnectReturnCode::UnsupportedProtocolVersion
            | ConnectReturnCode::RefusedProtocolVersion => {
                return Err(Rejected(refused(AuthReason::ProtocolVersion("5"))))
            }
            ConnectReturnCode::BadUserNamePassword => refused(AuthReason::BadCredentials),
            ConnectReturnCode::NotAuthorized => refused(AuthReason::NotAuthorized),
            ConnectReturnCode::BadClientId | ConnectReturnCode::ClientIdentifierNotValid => {
                refused(AuthReason::BadClientId)
            }
            ConnectReturnCode::ServiceUnavailable
            | ConnectReturnCode::ServerUnavailable
            | ConnectReturnCode::ServerBusy => connect(ConnectCause::Unavailable),
            other => {
                let (code, name) = connack_reason(*other);
                refused(AuthReason::Refused(code, name))
            }
        },
        // A CONNACK the MQTT 5 decoder cannot read. (A 3.1.1 broker's CONNACK 0x01
        // "unacceptable protocol version" lacks the properties, so the decoder waits for more
        // and sees the close that follows: that is the branch below.)
        ConnectionError::MqttState(StateError::Deserialization(_)) => {
            return Err(Rejected(refused(AuthReason::ProtocolVersion("5"))))
        }
        ConnectionError::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            connect(ConnectCause::Refused)
        }
        ConnectionError::Timeout(_) => connect(ConnectCause::Timeout(opts.connect_timeout)),
        ConnectionError::Tls(t) => connect(transport::tls_cause(t, &opts.tls)),
        ConnectionError::Websocket(w) => connect(transport::ws_cause(w, &opts.tls)),
        ConnectionError::ResponseValidation(_) => connect(ConnectCause::NotWebSocket),
        e if addr.is_tls() && transport::classify(e, &opts.tls).is_some() => connect(
            ConnectCause::Tls(transport::classify(e, &opts.tls).unwrap_or(TlsProblem::NotTls)),
        ),
        e if classify(e) == ErrorKind::ClosedByBroker => {
            return Err(Rejected(if opts.credential.is_some() {
                refused(AuthReason::ClosedWithCredentials)
            } else {
                connect(ConnectCause::ClosedAtConnect)
            }))
        }
        other => connect(ConnectCause::Other(other.to_string())),
    })
}
