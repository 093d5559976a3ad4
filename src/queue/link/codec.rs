//! The one small trait, [`Codec`], behind which the two MQTT codecs sit (`v311.rs`, `v5.rs`),
//! so that the connection task (`driver.rs`) is written once, and what both share: the
//! version, the packets in and out, the topic as a publish carries it, and two peeks at the
//! header of a packet still arriving. Packets are encoded and decoded by rumqttc's public
//! codecs; what comes out is protocol-neutral ([`In`]), what goes in is mqq's own
//! ([`OutPublish`]).

use std::sync::Arc;

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

#[cfg(test)]
mod tests {
    use super::super::{v311::V311, v5::V5};
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
        round_trip::<V311>();
        round_trip::<V5>();
    }

    #[test]
    fn an_oversized_header_is_refused_before_its_body_arrives() {
        // PUBLISH announcing 256 MB, then nothing: refused from the header alone.
        let mut buf = BytesMut::from(&[0x30u8, 0xFF, 0xFF, 0xFF, 0x7F][..]);
        assert!(matches!(
            V311::read(&mut buf.clone(), 1 << 20),
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
        V311::publish(&mut out, &p, 513, true, None).unwrap();
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
