//! MQTT 5 as a [`Codec`], over rumqttc's `v5::mqttbytes::v5`: properties both ways, the
//! reason codes of CONNACK, PUBACK, PUBREC and DISCONNECT in the terms the core acts on, and
//! the limits the broker's CONNACK gives. Two forms the library does not read are read here.

use std::time::Duration;

use bytes::BytesMut;

use super::codec::{
    AckKind, Codec, ConnectParams, DecodeError, In, OutPublish, Refusal, TooLarge, Version,
};
use super::events::Disconnect;
use super::limits::ServerLimits;
use super::properties::Properties;

/// MQTT 5.
pub(super) struct V5;

/// The library's packets of this version.
mod wire {
    pub use rumqttc::v5::mqttbytes::v5::*;
    pub use rumqttc::v5::mqttbytes::{Error, QoS};
}

fn qos5(q: u8) -> wire::QoS {
    match q {
        0 => wire::QoS::AtMostOnce,
        1 => wire::QoS::AtLeastOnce,
        _ => wire::QoS::ExactlyOnce,
    }
}

/// Seconds of a message expiry or session expiry (rounded up; `u32::MAX - 1` at most, since
/// `u32::MAX` means "never" for a session).
pub(super) fn expiry_secs(d: Option<Duration>) -> u32 {
    d.map_or(u32::MAX, |d| {
        u32::try_from(d.as_secs() + u64::from(d.subsec_nanos() > 0))
            .unwrap_or(u32::MAX - 1)
            .clamp(1, u32::MAX - 1)
    })
}

impl Codec for V5 {
    const VERSION: Version = Version::V5;

    fn connect(out: &mut BytesMut, c: &ConnectParams<'_>) {
        let p = wire::Connect {
            keep_alive: c.keepalive,
            client_id: c.client_id.to_owned(),
            clean_start: c.clean,
            properties: Some(wire::ConnectProperties {
                session_expiry_interval: (c.session_expiry > 0).then_some(c.session_expiry),
                receive_maximum: Some(c.receive_maximum),
                max_packet_size: Some(c.max_packet),
                topic_alias_max: None,
                request_response_info: None,
                request_problem_info: None,
                user_properties: Vec::new(),
                authentication_method: None,
                authentication_data: None,
            }),
        };
        let login = c.login.map(|(u, pw)| wire::Login::new(u, pw));
        let _ = p.write(&None, &login, out);
    }

    fn publish(
        out: &mut BytesMut,
        p: &OutPublish,
        pkid: u16,
        dup: bool,
        max: Option<u32>,
    ) -> Result<(), TooLarge> {
        let properties = p
            .properties
            .as_deref()
            .map(|props| wire::PublishProperties {
                message_expiry_interval: props.expiry.map(|d| expiry_secs(Some(d))),
                response_topic: props.response_topic.clone(),
                correlation_data: props.correlation_data.clone(),
                user_properties: props.user.clone(),
                content_type: props.content_type.clone(),
                ..wire::PublishProperties::default()
            });
        let packet = wire::Publish {
            dup,
            qos: qos5(p.qos),
            retain: p.retain,
            topic: p.topic.bytes().clone(),
            pkid,
            payload: p.payload.clone(),
            properties,
        };
        if let Some(max) = max {
            let size = packet.size();
            if size > max as usize {
                return Err(TooLarge {
                    size: size as u64,
                    max: u64::from(max),
                });
            }
        }
        let _ = packet.write(out);
        Ok(())
    }

    fn ack(out: &mut BytesMut, kind: AckKind, pkid: u16) {
        let _ = match kind {
            AckKind::Ack => wire::PubAck::new(pkid, None).write(out),
            AckKind::Rec => wire::PubRec::new(pkid, None).write(out),
            AckKind::Rel => wire::PubRel::new(pkid, None).write(out),
            AckKind::Comp => wire::PubComp::new(pkid, None).write(out),
        };
    }

    fn subscribe(out: &mut BytesMut, pkid: u16, filter: &str, qos: u8) {
        // Retain Handling 1: the retained message only for a new subscription, so that
        // subscribing again on a resumed session is harmless.
        let f = wire::Filter {
            retain_forward_rule: wire::RetainForwardRule::OnNewSubscribe,
            ..wire::Filter::new(filter, qos5(qos))
        };
        let s = wire::Subscribe {
            pkid,
            filters: vec![f],
            properties: None,
        };
        let _ = s.write(out);
    }

    fn ping(out: &mut BytesMut) {
        let _ = wire::PingReq::write(out);
    }

    fn disconnect(out: &mut BytesMut) {
        let _ = wire::Disconnect::new(wire::DisconnectReasonCode::NormalDisconnection).write(out);
    }

    fn read(buf: &mut BytesMut, max: usize) -> Result<Option<In>, DecodeError> {
        // Two forms the codec does not take: a DISCONNECT without a reason code (remaining
        // length 0: a normal disconnection), and a 3.1.1 CONNACK (remaining length 2, no
        // properties), which a 3.1.1 broker sends to refuse an MQTT 5 CONNECT.
        if buf.len() >= 2 && buf[1] == 0 && buf[0] == 0xE0 {
            let _ = buf.split_to(2);
            return Ok(Some(In::Disconnect(Disconnect::Other(
                0,
                "normal disconnection".into(),
            ))));
        }
        if buf.len() >= 4 && buf[0] == 0x20 && buf[1] == 2 {
            let packet = buf.split_to(4);
            return Ok(Some(In::ConnAck {
                session_present: false,
                refused: match packet[3] {
                    0 => None,
                    _ => Some(Refusal::V311Answer),
                },
                limits: ServerLimits::default(),
            }));
        }
        let limit = u32::try_from(max).unwrap_or(u32::MAX);
        let packet = match wire::Packet::read(buf, Some(limit)) {
            Ok(p) => p,
            Err(wire::Error::InsufficientBytes(_)) => return Ok(None),
            Err(wire::Error::PayloadSizeLimitExceeded { pkt_size, .. }) => {
                return Err(DecodeError::TooLarge {
                    size: pkt_size,
                    max,
                })
            }
            Err(e) => return Err(DecodeError::Malformed(e.to_string())),
        };
        Ok(Some(match packet {
            wire::Packet::ConnAck(a) => In::ConnAck {
                session_present: a.session_present,
                refused: connack_refusal(a.code),
                limits: a.properties.as_ref().map(limits).unwrap_or_default(),
            },
            wire::Packet::Publish(p) => In::Publish {
                topic: String::from_utf8_lossy(&p.topic).into_owned(),
                payload: p.payload,
                qos: p.qos as u8,
                retain: p.retain,
                dup: p.dup,
                pkid: p.pkid,
                properties: properties(p.properties),
            },
            wire::Packet::PubAck(a) => In::PubAck {
                pkid: a.pkid,
                refused: puback_refusal(a.reason),
            },
            wire::Packet::PubRec(r) => In::PubRec {
                pkid: r.pkid,
                refused: pubrec_refusal(r.reason),
            },
            wire::Packet::PubRel(r) => In::PubRel { pkid: r.pkid },
            wire::Packet::PubComp(c) => In::PubComp { pkid: c.pkid },
            wire::Packet::SubAck(s) => In::SubAck {
                granted: s
                    .return_codes
                    .iter()
                    .map(|c| matches!(c, wire::SubscribeReasonCode::Success(_)))
                    .collect(),
            },
            wire::Packet::PingResp(_) => In::PingResp,
            wire::Packet::Disconnect(d) => In::Disconnect(disconnect_reason(&d)),
            _ => In::Other,
        }))
    }
}

fn limits(p: &wire::ConnAckProperties) -> ServerLimits {
    ServerLimits {
        receive_maximum: p.receive_max,
        max_packet_size: p.max_packet_size,
        topic_alias_max: p.topic_alias_max,
        session_expiry: p.session_expiry_interval,
        retain_available: p.retain_available.map(|v| v != 0),
        wildcard_available: p.wildcard_subscription_available.map(|v| v != 0),
        shared_available: p.shared_subscription_available.map(|v| v != 0),
        max_qos: p.max_qos,
        server_keep_alive: p.server_keep_alive,
    }
}

fn properties(p: Option<wire::PublishProperties>) -> Properties {
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

fn disconnect_reason(d: &wire::Disconnect) -> Disconnect {
    use wire::DisconnectReasonCode as D;
    match d.reason_code {
        D::SessionTakenOver => Disconnect::TakenOver,
        D::ServerShuttingDown => Disconnect::ShuttingDown,
        other => {
            let name = format!("{other:?}");
            let text = d
                .properties
                .as_ref()
                .and_then(|p| p.reason_string.clone())
                .map_or(name.clone(), |s| format!("{name}: {s}"));
            Disconnect::Other(other as u8, text)
        }
    }
}

/// A refusing PUBACK's or PUBREC's code and name; `None` for success. The two reason enums
/// have the same variants (MQTT 5 §3.4.2.1, §3.5.2.1): one table for both.
macro_rules! publish_refusal {
    ($name:ident, $reason:ty) => {
        fn $name(r: $reason) -> Option<(u8, &'static str)> {
            type R = $reason;
            Some(match r {
                R::Success | R::NoMatchingSubscribers => return None,
                R::UnspecifiedError => (0x80, "unspecified error"),
                R::ImplementationSpecificError => (0x83, "implementation specific error"),
                R::NotAuthorized => (0x87, "not authorized"),
                R::TopicNameInvalid => (0x90, "topic name invalid"),
                R::PacketIdentifierInUse => (0x91, "packet identifier in use"),
                R::QuotaExceeded => (0x97, "quota exceeded"),
                R::PayloadFormatInvalid => (0x99, "payload format invalid"),
            })
        }
    };
}

publish_refusal!(puback_refusal, wire::PubAckReason);
publish_refusal!(pubrec_refusal, wire::PubRecReason);

/// A CONNACK refusal (MQTT 5 §3.2.2.2), `None` for success.
fn connack_refusal(code: wire::ConnectReturnCode) -> Option<Refusal> {
    use wire::ConnectReturnCode as C;
    Some(match code {
        C::Success => return None,
        C::RefusedProtocolVersion | C::UnsupportedProtocolVersion => Refusal::ProtocolVersion,
        C::BadClientId | C::ClientIdentifierNotValid => Refusal::BadClientId,
        C::ServiceUnavailable | C::ServerUnavailable | C::ServerBusy => Refusal::Unavailable,
        C::BadUserNamePassword => Refusal::BadCredentials,
        C::NotAuthorized => Refusal::NotAuthorized,
        C::UnspecifiedError => Refusal::Other(0x80, "unspecified error"),
        C::MalformedPacket => Refusal::Other(0x81, "malformed packet"),
        C::ProtocolError => Refusal::Other(0x82, "protocol error"),
        C::ImplementationSpecificError => Refusal::Other(0x83, "implementation specific error"),
        C::Banned => Refusal::Other(0x8A, "banned"),
        C::BadAuthenticationMethod => Refusal::Other(0x8C, "bad authentication method"),
        C::TopicNameInvalid => Refusal::Other(0x90, "topic name invalid"),
        C::PacketTooLarge => Refusal::Other(0x95, "packet too large"),
        C::QuotaExceeded => Refusal::Other(0x97, "quota exceeded"),
        C::PayloadFormatInvalid => Refusal::Other(0x99, "payload format invalid"),
        C::RetainNotSupported => Refusal::Other(0x9A, "retain not supported"),
        C::QoSNotSupported => Refusal::Other(0x9B, "QoS not supported"),
        C::UseAnotherServer => Refusal::Other(0x9C, "use another server"),
        C::ServerMoved => Refusal::Other(0x9D, "server moved"),
        C::ConnectionRateExceeded => Refusal::Other(0x9F, "connection rate exceeded"),
    })
}
