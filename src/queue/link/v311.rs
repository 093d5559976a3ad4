//! MQTT 3.1.1 as a [`Codec`], over rumqttc's `mqttbytes::v4` (protocol level 4 is 3.1.1).
//! It has no properties, no reason codes and no server limits: those come out empty.

use bytes::BytesMut;

use super::codec::{
    AckKind, Codec, ConnectParams, DecodeError, In, OutPublish, Refusal, TooLarge, Version,
};
use super::limits::ServerLimits;
use super::properties::Properties;

/// MQTT 3.1.1.
pub(super) struct V311;

/// The library's packets of this version.
mod wire {
    pub use rumqttc::mqttbytes::v4::*;
    pub use rumqttc::mqttbytes::{Error, QoS};
}

fn qos4(q: u8) -> wire::QoS {
    match q {
        0 => wire::QoS::AtMostOnce,
        1 => wire::QoS::AtLeastOnce,
        _ => wire::QoS::ExactlyOnce,
    }
}

impl Codec for V311 {
    const VERSION: Version = Version::V311;

    fn connect(out: &mut BytesMut, c: &ConnectParams<'_>) {
        let mut p = wire::Connect::new(c.client_id);
        p.keep_alive = c.keepalive;
        p.clean_session = c.clean;
        p.login = c.login.map(|(u, pw)| wire::Login::new(u, pw));
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
        let packet = wire::Publish {
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
            AckKind::Ack => wire::PubAck::new(pkid).write(out),
            AckKind::Rec => wire::PubRec::new(pkid).write(out),
            AckKind::Rel => wire::PubRel::new(pkid).write(out),
            AckKind::Comp => wire::PubComp::new(pkid).write(out),
        };
    }

    fn subscribe(out: &mut BytesMut, pkid: u16, filter: &str, qos: u8) {
        let mut s = wire::Subscribe::new(filter, qos4(qos));
        s.pkid = pkid;
        let _ = s.write(out);
    }

    fn ping(out: &mut BytesMut) {
        let _ = wire::PingReq.write(out);
    }

    fn disconnect(out: &mut BytesMut) {
        let _ = wire::Disconnect.write(out);
    }

    fn read(buf: &mut BytesMut, max: usize) -> Result<Option<In>, DecodeError> {
        let packet = match wire::Packet::read(buf, max) {
            Ok(p) => p,
            Err(wire::Error::InsufficientBytes(_)) => return Ok(None),
            Err(wire::Error::PayloadSizeLimitExceeded(size)) => {
                return Err(DecodeError::TooLarge { size, max })
            }
            Err(e) => return Err(DecodeError::Malformed(e.to_string())),
        };
        Ok(Some(match packet {
            wire::Packet::ConnAck(a) => In::ConnAck {
                session_present: a.session_present,
                refused: match a.code {
                    wire::ConnectReturnCode::Success => None,
                    wire::ConnectReturnCode::RefusedProtocolVersion => {
                        Some(Refusal::ProtocolVersion)
                    }
                    wire::ConnectReturnCode::BadClientId => Some(Refusal::BadClientId),
                    wire::ConnectReturnCode::ServiceUnavailable => Some(Refusal::Unavailable),
                    wire::ConnectReturnCode::BadUserNamePassword => Some(Refusal::BadCredentials),
                    wire::ConnectReturnCode::NotAuthorized => Some(Refusal::NotAuthorized),
                },
                limits: ServerLimits::default(),
            },
            wire::Packet::Publish(p) => In::Publish {
                topic: p.topic,
                payload: p.payload,
                qos: p.qos as u8,
                retain: p.retain,
                dup: p.dup,
                pkid: p.pkid,
                properties: Properties::default(),
            },
            wire::Packet::PubAck(a) => In::PubAck {
                pkid: a.pkid,
                refused: None,
            },
            wire::Packet::PubRec(r) => In::PubRec {
                pkid: r.pkid,
                refused: None,
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
            wire::Packet::PingResp => In::PingResp,
            _ => In::Other,
        }))
    }
}
