//! The two MQTT codecs (3.1.1 and 5) behind one small trait, [`Codec`], so that the
//! connection task ([`super::driver`]) is written once. Packets are encoded and decoded by
//! rumqttc's public codecs (`rumqttc::mqttbytes::v4`, `rumqttc::v5::mqttbytes::v5`); what
//! comes out is protocol-neutral ([`In`]), what goes in is mqq's own ([`OutPublish`]).

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};

use super::events::Disconnect;
use super::limits::ServerLimits;
use super::properties::Properties;

/// Largest packet mqq sends or accepts: the MQTT maximum (256 MiB).
pub const MAX_PACKET: usize = 268_435_455;

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

/// What a CONNECT carries, whatever the version.
pub(super) struct ConnectParams<'a> {
    pub client_id: &'a str,
    pub clean: bool,
    /// Whole seconds; 0 turns keepalive off.
    pub keepalive: u16,
    pub login: Option<(&'a str, &'a str)>,
    /// MQTT 5: the session expiry in seconds (0: ends with the connection).
    pub session_expiry: u32,
    /// MQTT 5: the Receive Maximum asked for.
    pub receive_maximum: u16,
    /// The largest packet accepted from the broker.
    pub max_packet: u32,
}

/// A publish as the connection task holds it until it is acknowledged.
#[derive(Debug, Clone)]
pub(super) struct OutPublish {
    pub topic: PubTopic,
    pub qos: u8,
    pub retain: bool,
    pub payload: Bytes,
    /// MQTT 5 properties; `None` when there are none (no allocation per message).
    pub properties: Option<Box<Properties>>,
}

/// Why a CONNACK refused the connection, in the terms the core acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The broker does not speak this protocol version.
    ProtocolVersion,
    /// An MQTT 3.1.1 CONNACK (no properties) to an MQTT 5 CONNECT: a 3.1.1 broker's refusal
    /// of the version (NATS 2.9 sends it, then closes).
    V311Answer,
    BadCredentials,
    NotAuthorized,
    BadClientId,
    Unavailable,
    /// Any other reason code, with its name.
    Other(u8, &'static str),
}

/// A packet from the broker.
#[derive(Debug)]
pub(super) enum In {
    ConnAck {
        session_present: bool,
        refused: Option<Refusal>,
        limits: ServerLimits,
    },
    Publish {
        topic: String,
        payload: Bytes,
        qos: u8,
        retain: bool,
        dup: bool,
        pkid: u16,
        properties: Properties,
    },
    /// PUBACK; `refused`: a reason code ≥ 0x80 (MQTT 5) with its name.
    PubAck {
        pkid: u16,
        refused: Option<(u8, &'static str)>,
    },
    PubRec {
        pkid: u16,
        refused: Option<(u8, &'static str)>,
    },
    PubRel {
        pkid: u16,
    },
    PubComp {
        pkid: u16,
    },
    SubAck {
        granted: Vec<bool>,
    },
    PingResp,
    /// The broker's DISCONNECT (MQTT 5), with its reason.
    Disconnect(Disconnect),
    /// Anything else a client may receive and ignore (UNSUBACK, AUTH).
    Other,
}

/// Why bytes from the broker are not a packet.
#[derive(Debug)]
pub(super) enum DecodeError {
    /// The packet's header announces more than the largest packet accepted.
    TooLarge { size: usize, max: usize },
    /// Anything else the codec said.
    Malformed(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::TooLarge { size, max } => write!(
                f,
                "the broker sent a packet of {size} bytes, more than the {max} accepted"
            ),
            DecodeError::Malformed(e) => write!(f, "the broker sent a malformed packet: {e}"),
        }
    }
}

/// An outgoing packet larger than the broker accepts (MQTT 5 Maximum Packet Size).
#[derive(Debug, Clone, Copy)]
pub(super) struct TooLarge {
    pub size: u64,
    pub max: u64,
}

/// The acknowledgements a client writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AckKind {
    /// PUBACK (QoS 1).
    Ack,
    /// PUBREC (QoS 2, first answer).
    Rec,
    /// PUBREL (QoS 2, the sender's second step).
    Rel,
    /// PUBCOMP (QoS 2, last answer).
    Comp,
}

/// One MQTT version's encoding. Every method appends to `out`.
pub(super) trait Codec: Send + Sync + 'static {
    const VERSION: Version;
    fn connect(out: &mut BytesMut, c: &ConnectParams<'_>);
    /// `max`: the broker's Maximum Packet Size, if it gave one.
    fn publish(
        out: &mut BytesMut,
        p: &OutPublish,
        pkid: u16,
        dup: bool,
        max: Option<u32>,
    ) -> Result<(), TooLarge>;
    fn ack(out: &mut BytesMut, kind: AckKind, pkid: u16);
    /// MQTT 5 subscribes with Retain Handling 1 (retained messages for a new subscription only).
    fn subscribe(out: &mut BytesMut, pkid: u16, filter: &str, qos: u8);
    fn ping(out: &mut BytesMut);
    fn disconnect(out: &mut BytesMut);
    /// The next whole packet of `buf`, split off it; `Ok(None)`: more bytes are needed
    /// (at least the number given, when known).
    fn read(buf: &mut BytesMut, max: usize) -> Result<Option<In>, DecodeError>;
}

/// How many more bytes a partial packet at the head of `buf` needs, once its header is in.
pub(super) fn missing(buf: &[u8]) -> Option<usize> {
    use rumqttc::mqttbytes::Error;
    match rumqttc::mqttbytes::check(buf.iter(), usize::MAX) {
        Err(Error::InsufficientBytes(n)) if buf.len() >= 2 => Some(n),
        _ => None,
    }
}

/// The packet id and DUP flag of a QoS 1/2 PUBLISH at the head of `buf`, once its header,
/// topic and packet id have arrived (the same layout in both versions); `None` for anything
/// else.
pub(super) fn publish_head(buf: &[u8]) -> Option<(u16, bool)> {
    let first = *buf.first()?;
    let qos = (first >> 1) & 3;
    if first >> 4 != 3 || qos == 0 {
        return None;
    }
    // The remaining length: 1 to 4 bytes of 7 bits.
    let mut at = 1;
    while *buf.get(at)? & 0x80 != 0 {
        at += 1;
        if at > 4 {
            return None;
        }
    }
    at += 1;
    let topic_len = usize::from(u16::from_be_bytes([*buf.get(at)?, *buf.get(at + 1)?]));
    at += 2 + topic_len;
    let pkid = u16::from_be_bytes([*buf.get(at)?, *buf.get(at + 1)?]);
    (pkid != 0).then_some((pkid, first & 0x08 != 0))
}

/// MQTT 3.1.1.
pub(super) struct V4;

/// MQTT 5.
pub(super) struct V5;

mod v4 {
    pub use rumqttc::mqttbytes::v4::*;
    pub use rumqttc::mqttbytes::{Error, QoS};
}

mod v5 {
    pub use rumqttc::v5::mqttbytes::v5::*;
    pub use rumqttc::v5::mqttbytes::{Error, QoS};
}

fn qos4(q: u8) -> v4::QoS {
    match q {
        0 => v4::QoS::AtMostOnce,
        1 => v4::QoS::AtLeastOnce,
        _ => v4::QoS::ExactlyOnce,
    }
}

fn qos5(q: u8) -> v5::QoS {
    match q {
        0 => v5::QoS::AtMostOnce,
        1 => v5::QoS::AtLeastOnce,
        _ => v5::QoS::ExactlyOnce,
    }
}

impl Codec for V4 {
    const VERSION: Version = Version::V311;

    fn connect(out: &mut BytesMut, c: &ConnectParams<'_>) {
        let mut p = v4::Connect::new(c.client_id);
        p.keep_alive = c.keepalive;
        p.clean_session = c.clean;
        p.login = c.login.map(|(u, pw)| v4::Login::new(u, pw));
        // Infallible for what mqq builds (checked lengths).
        let _ = p.write(out);
    }

    fn publish(
        out: &mut BytesMut,
        p: &OutPublish,
        pkid: u16,
        dup: bool,
        _max: Option<u32>,
    ) -> Result<(), TooLarge> {
        let packet = v4::Publish {
            dup,
            qos: qos4(p.qos),
            retain: p.retain,
            topic: p.topic.as_str().to_owned(),
            pkid,
            payload: p.payload.clone(),
        };
        let _ = packet.write(out);
        Ok(())
    }

    fn ack(out: &mut BytesMut, kind: AckKind, pkid: u16) {
        let _ = match kind {
            AckKind::Ack => v4::PubAck::new(pkid).write(out),
            AckKind::Rec => v4::PubRec::new(pkid).write(out),
            AckKind::Rel => v4::PubRel::new(pkid).write(out),
            AckKind::Comp => v4::PubComp::new(pkid).write(out),
        };
    }

    fn subscribe(out: &mut BytesMut, pkid: u16, filter: &str, qos: u8) {
        let mut s = v4::Subscribe::new(filter, qos4(qos));
        s.pkid = pkid;
        let _ = s.write(out);
    }

    fn ping(out: &mut BytesMut) {
        let _ = v4::PingReq.write(out);
    }

    fn disconnect(out: &mut BytesMut) {
        let _ = v4::Disconnect.write(out);
    }

    fn read(buf: &mut BytesMut, max: usize) -> Result<Option<In>, DecodeError> {
        let packet = match v4::Packet::read(buf, max) {
            Ok(p) => p,
            Err(v4::Error::InsufficientBytes(_)) => return Ok(None),
            Err(v4::Error::PayloadSizeLimitExceeded(size)) => {
                return Err(DecodeError::TooLarge { size, max })
            }
            Err(e) => return Err(DecodeError::Malformed(e.to_string())),
        };
        Ok(Some(match packet {
            v4::Packet::ConnAck(a) => In::ConnAck {
                session_present: a.session_present,
                refused: match a.code {
                    v4::ConnectReturnCode::Success => None,
                    v4::ConnectReturnCode::RefusedProtocolVersion => Some(Refusal::ProtocolVersion),
                    v4::ConnectReturnCode::BadClientId => Some(Refusal::BadClientId),
                    v4::ConnectReturnCode::ServiceUnavailable => Some(Refusal::Unavailable),
                    v4::ConnectReturnCode::BadUserNamePassword => Some(Refusal::BadCredentials),
                    v4::ConnectReturnCode::NotAuthorized => Some(Refusal::NotAuthorized),
                },
                limits: ServerLimits::default(),
            },
            v4::Packet::Publish(p) => In::Publish {
                topic: p.topic,
                payload: p.payload,
                qos: p.qos as u8,
                retain: p.retain,
                dup: p.dup,
                pkid: p.pkid,
                properties: Properties::default(),
            },
            v4::Packet::PubAck(a) => In::PubAck {
                pkid: a.pkid,
                refused: None,
            },
            v4::Packet::PubRec(r) => In::PubRec {
                pkid: r.pkid,
                refused: None,
            },
            v4::Packet::PubRel(r) => In::PubRel { pkid: r.pkid },
            v4::Packet::PubComp(c) => In::PubComp { pkid: c.pkid },
            v4::Packet::SubAck(s) => In::SubAck {
                granted: s
                    .return_codes
                    .iter()
                    .map(|c| matches!(c, v4::SubscribeReasonCode::Success(_)))
                    .collect(),
            },
            v4::Packet::PingResp => In::PingResp,
            _ => In::Other,
        }))
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
        let p = v5::Connect {
            keep_alive: c.keepalive,
            client_id: c.client_id.to_owned(),
            clean_start: c.clean,
            properties: Some(v5::ConnectProperties {
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
        let login = c.login.map(|(u, pw)| v5::Login::new(u, pw));
        let _ = p.write(&None, &login, out);
    }

    fn publish(
        out: &mut BytesMut,
        p: &OutPublish,
        pkid: u16,
        dup: bool,
        max: Option<u32>,
    ) -> Result<(), TooLarge> {
        let properties = p.properties.as_deref().map(|props| v5::PublishProperties {
            message_expiry_interval: props.expiry.map(|d| expiry_secs(Some(d))),
            response_topic: props.response_topic.clone(),
            correlation_data: props.correlation_data.clone(),
            user_properties: props.user.clone(),
            content_type: props.content_type.clone(),
            ..v5::PublishProperties::default()
        });
        let packet = v5::Publish {
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
            AckKind::Ack => v5::PubAck::new(pkid, None).write(out),
            AckKind::Rec => v5::PubRec::new(pkid, None).write(out),
            AckKind::Rel => v5::PubRel::new(pkid, None).write(out),
            AckKind::Comp => v5::PubComp::new(pkid, None).write(out),
        };
    }

    fn subscribe(out: &mut BytesMut, pkid: u16, filter: &str, qos: u8) {
        // Retain Handling 1: the retained message only for a new subscription, so that
        // subscribing again on a resumed session is harmless.
        let f = v5::Filter {
            retain_forward_rule: v5::RetainForwardRule::OnNewSubscribe,
            ..v5::Filter::new(filter, qos5(qos))
        };
        let s = v5::Subscribe {
            pkid,
            filters: vec![f],
            properties: None,
        };
        let _ = s.write(out);
    }

    fn ping(out: &mut BytesMut) {
        let _ = v5::PingReq::write(out);
    }

    fn disconnect(out: &mut BytesMut) {
        let _ = v5::Disconnect::new(v5::DisconnectReasonCode::NormalDisconnection).write(out);
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
        let packet = match v5::Packet::read(buf, Some(limit)) {
            Ok(p) => p,
            Err(v5::Error::InsufficientBytes(_)) => return Ok(None),
            Err(v5::Error::PayloadSizeLimitExceeded { pkt_size, .. }) => {
                return Err(DecodeError::TooLarge {
                    size: pkt_size,
                    max,
                })
            }
            Err(e) => return Err(DecodeError::Malformed(e.to_string())),
        };
        Ok(Some(match packet {
            v5::Packet::ConnAck(a) => In::ConnAck {
                session_present: a.session_present,
                refused: connack_refusal(a.code),
                limits: a.properties.as_ref().map(limits).unwrap_or_default(),
            },
            v5::Packet::Publish(p) => In::Publish {
                topic: String::from_utf8_lossy(&p.topic).into_owned(),
                payload: p.payload,
                qos: p.qos as u8,
                retain: p.retain,
                dup: p.dup,
                pkid: p.pkid,
                properties: properties(p.properties),
            },
            v5::Packet::PubAck(a) => In::PubAck {
                pkid: a.pkid,
                refused: puback_refusal(a.reason),
            },
            v5::Packet::PubRec(r) => In::PubRec {
                pkid: r.pkid,
                refused: pubrec_refusal(r.reason),
            },
            v5::Packet::PubRel(r) => In::PubRel { pkid: r.pkid },
            v5::Packet::PubComp(c) => In::PubComp { pkid: c.pkid },
            v5::Packet::SubAck(s) => In::SubAck {
                granted: s
                    .return_codes
                    .iter()
                    .map(|c| matches!(c, v5::SubscribeReasonCode::Success(_)))
                    .collect(),
            },
            v5::Packet::PingResp(_) => In::PingResp,
            v5::Packet::Disconnect(d) => In::Disconnect(disconnect_reason(&d)),
            _ => In::Other,
        }))
    }
}

fn limits(p: &v5::ConnAckProperties) -> ServerLimits {
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

fn properties(p: Option<v5::PublishProperties>) -> Properties {
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

fn disconnect_reason(d: &v5::Disconnect) -> Disconnect {
    use v5::DisconnectReasonCode as D;
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

publish_refusal!(puback_refusal, v5::PubAckReason);
publish_refusal!(pubrec_refusal, v5::PubRecReason);

/// A CONNACK refusal (MQTT 5 §3.2.2.2), `None` for success.
fn connack_refusal(code: v5::ConnectReturnCode) -> Option<Refusal> {
    use v5::ConnectReturnCode as C;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<C: Codec>() {
        let p = OutPublish {
            topic: PubTopic::new("a/b"),
            qos: 1,
            retain: true,
            payload: Bytes::from_static(b"hello"),
            properties: None,
        };
        let mut out = BytesMut::new();
        C::publish(&mut out, &p, 7, true, None).unwrap();
        // A publish is a packet both ways: read it back as the broker would send it.
        let mut half = out.split_to(out.len() - 1);
        let last = out;
        assert!(
            C::read(&mut half, 1 << 20).unwrap().is_none(),
            "partial packet"
        );
        half.unsplit(last);
        match C::read(&mut half, 1 << 20).unwrap() {
            Some(In::Publish {
                topic,
                payload,
                qos,
                retain,
                dup,
                pkid,
                ..
            }) => {
                assert_eq!(
                    (topic.as_str(), &payload[..], qos, retain, dup, pkid),
                    ("a/b", &b"hello"[..], 1, true, true, 7)
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(half.is_empty());
    }

    #[test]
    fn publishes_round_trip_in_both_versions() {
        round_trip::<V4>();
        round_trip::<V5>();
    }

    #[test]
    fn an_oversized_header_is_refused_before_its_body_arrives() {
        // PUBLISH announcing 256 MB, then nothing: refused from the header alone.
        let mut buf = BytesMut::from(&[0x30u8, 0xFF, 0xFF, 0xFF, 0x7F][..]);
        assert!(matches!(
            V4::read(&mut buf.clone(), 1 << 20),
            Err(DecodeError::TooLarge { .. })
        ));
        assert!(matches!(
            V5::read(&mut buf, 1 << 20),
            Err(DecodeError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_v311_connack_refusal_is_read_in_mqtt5() {
        let mut buf = BytesMut::from(&[0x20u8, 0x02, 0x00, 0x01][..]);
        assert!(matches!(
            V5::read(&mut buf, 1 << 20),
            Ok(Some(In::ConnAck {
                refused: Some(Refusal::V311Answer),
                ..
            }))
        ));
    }

    #[test]
    fn a_bare_disconnect_is_read_in_mqtt5() {
        let mut buf = BytesMut::from(&[0xE0u8, 0x00][..]);
        assert!(matches!(
            V5::read(&mut buf, 1 << 20),
            Ok(Some(In::Disconnect(_)))
        ));
    }

    #[test]
    fn the_head_of_a_partial_publish_gives_its_packet_id() {
        let p = OutPublish {
            topic: PubTopic::new("a/b"),
            qos: 1,
            retain: false,
            payload: Bytes::from(vec![7u8; 300]),
            properties: None,
        };
        let mut out = BytesMut::new();
        V4::publish(&mut out, &p, 513, true, None).unwrap();
        assert_eq!(publish_head(&out[..20]), Some((513, true)));
        assert_eq!(publish_head(&out[..7]), None, "the id has not arrived");
        assert_eq!(
            publish_head(&[0x30, 5, 0, 1, b'a', 1, 2]),
            None,
            "QoS 0 has no id"
        );
    }

    #[test]
    fn missing_counts_the_rest_of_a_packet() {
        assert_eq!(missing(&[0x30, 10, 0, 1]), Some(8));
        assert_eq!(missing(&[0x30]), None);
    }
}
