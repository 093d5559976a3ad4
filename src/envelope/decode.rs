//! The reader: any MQTT payload → an [`Envelope`] when it is one (every form the ports write,
//! docs/WIRE.md §5), else `None`. A hot path (one call per message received):
//! `benches/codec.rs` measures it.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::model::Envelope;

/// Decodes an MQTT payload as an envelope (docs/WIRE.md §1 and §5).
///
/// `Some` iff the payload is a JSON object with a `message_id` key and a `message` key;
/// anything else is `None`, meaning a raw message. Never fails on odd field values: an unusable
/// field becomes `None`/empty instead, so the message is still delivered.
#[must_use]
pub fn decode(payload: &[u8]) -> Option<Envelope> {
    // Invalid UTF-8, invalid JSON and anything but an object fail here: a raw message. The
    // whole payload is checked as UTF-8 at once: `from_slice` checks each string on its own,
    // at several times the cost.
    let read: Read<'_> = serde_json::from_str(std::str::from_utf8(payload).ok()?).ok()?;
    if !read.has_message_id {
        return None;
    }
    let message = match read.message? {
        WireValue::Null => Vec::new(),
        WireValue::Str(s) => decode_message(&s),
        // No port writes anything else; keeping the whole payload as raw loses nothing.
        WireValue::Num(_) | WireValue::Bool(_) | WireValue::Other => return None,
    };
    let id = |f: Option<WireValue<'_>>| f.and_then(WireValue::id_string);
    Some(Envelope {
        message_id: id(read.message_id),
        // v3 `correlation_id` wins over v4 `trace_id` when both carry a value.
        correlation_id: id(read.correlation_id).or_else(|| id(read.trace_id)),
        message_type: id(read.message_type),
        sent_time: read.sent_time.and_then(WireValue::time),
        message,
    })
}

/// What [`decode`] keeps of a payload's JSON object: the envelope's keys, each value read
/// without building a `serde_json::Value` tree (strings borrowed from the payload when they
/// have no escapes), every other key skipped. A key given twice keeps its last value, as a
/// JSON object read into a map does.
#[derive(Default)]
struct Read<'a> {
    has_message_id: bool,
    message_id: Option<WireValue<'a>>,
    correlation_id: Option<WireValue<'a>>,
    trace_id: Option<WireValue<'a>>,
    message_type: Option<WireValue<'a>>,
    sent_time: Option<WireValue<'a>>,
    message: Option<WireValue<'a>>,
}

/// One value of an envelope key, as read off the wire (borrowed where it can be).
enum WireValue<'a> {
    Null,
    Str(std::borrow::Cow<'a, str>),
    Num(serde_json::Number),
    Bool(bool),
    /// An array or an object (no port writes one).
    Other,
}

impl WireValue<'_> {
    /// The string form of an id or type field: `""` and null are absent, numbers and booleans
    /// are stringified, arrays and objects are ignored.
    fn id_string(self) -> Option<String> {
        match self {
            WireValue::Str(s) if !s.is_empty() => Some(s.into_owned()),
            WireValue::Num(n) => Some(n.to_string()),
            WireValue::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// `sent_time` in any form a port writes; `None` when unreadable.
    fn time(self) -> Option<DateTime<Utc>> {
        match self {
            WireValue::Str(s) => parse_time(&s),
            WireValue::Num(n) => {
                if let Some(ms) = n.as_i64() {
                    DateTime::from_timestamp_millis(ms)
                } else {
                    // A fractional (or out-of-range) number of epoch milliseconds.
                    let micros = (n.as_f64()? * 1000.0).round();
                    #[allow(clippy::cast_possible_truncation)] // range checked just before
                    let micros = (micros.abs() < 9.0e18).then_some(micros as i64)?;
                    DateTime::from_timestamp_micros(micros)
                }
            }
            _ => None,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Read<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> serde::de::Visitor<'de> for Object {
            type Value = Read<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Read<'de>, A::Error> {
                let mut read = Read::default();
                while let Some(key) = map.next_key::<EnvelopeKey>()? {
                    let slot = match key {
                        EnvelopeKey::MessageId => {
                            read.has_message_id = true;
                            &mut read.message_id
                        }
                        EnvelopeKey::CorrelationId => &mut read.correlation_id,
                        EnvelopeKey::TraceId => &mut read.trace_id,
                        EnvelopeKey::MessageType => &mut read.message_type,
                        EnvelopeKey::SentTime => &mut read.sent_time,
                        EnvelopeKey::Message => &mut read.message,
                        EnvelopeKey::Other => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = Some(map.next_value()?);
                }
                Ok(read)
            }
        }
        d.deserialize_map(Object)
    }
}

/// An object key, matched without keeping it.
enum EnvelopeKey {
    MessageId,
    CorrelationId,
    TraceId,
    MessageType,
    SentTime,
    Message,
    Other,
}

impl<'de> serde::Deserialize<'de> for EnvelopeKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = EnvelopeKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<EnvelopeKey, E> {
                Ok(match s {
                    "message_id" => EnvelopeKey::MessageId,
                    "correlation_id" => EnvelopeKey::CorrelationId,
                    "trace_id" => EnvelopeKey::TraceId,
                    "message_type" => EnvelopeKey::MessageType,
                    "sent_time" => EnvelopeKey::SentTime,
                    "message" => EnvelopeKey::Message,
                    _ => EnvelopeKey::Other,
                })
            }
        }
        d.deserialize_identifier(Name)
    }
}

impl<'de> serde::Deserialize<'de> for WireValue<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Any;
        impl<'de> serde::de::Visitor<'de> for Any {
            type Value = WireValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<WireValue<'de>, E> {
                Ok(WireValue::Null)
            }
            fn visit_none<E>(self) -> Result<WireValue<'de>, E> {
                Ok(WireValue::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<WireValue<'de>, E> {
                Ok(WireValue::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<WireValue<'de>, E> {
                Ok(WireValue::Num(n.into()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<WireValue<'de>, E> {
                Ok(WireValue::Num(n.into()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<WireValue<'de>, E> {
                // JSON has no NaN or infinity: every parsed float is a Number.
                Ok(serde_json::Number::from_f64(n).map_or(WireValue::Other, WireValue::Num))
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<WireValue<'de>, E> {
                Ok(WireValue::Str(std::borrow::Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<WireValue<'de>, E> {
                Ok(WireValue::Str(std::borrow::Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<WireValue<'de>, E> {
                Ok(WireValue::Str(std::borrow::Cow::Owned(s)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<WireValue<'de>, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(WireValue::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<WireValue<'de>, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(WireValue::Other)
            }
        }
        d.deserialize_any(Any)
    }
}

/// The payload bytes of a `message` string: base64 when it is valid, else the text itself.
///
/// Dart sends raw text where the other ports send base64, and a text such as `abcd` is also
/// valid base64: that ambiguity is inherent to the wire, and we decode as base64 whenever we
/// can. Decoding is strict (padding required, no stray trailing bits), exactly what the other
/// ports write, which keeps the false positives to texts that happen to be canonical base64.
fn decode_message(s: &str) -> Vec<u8> {
    // SIMD; as strict as the `base64` crate's canonical decoding (a property test holds them
    // equal), which the reference decoder uses.
    base64_simd::STANDARD
        .decode_to_vec(s)
        .unwrap_or_else(|_| s.as_bytes().to_vec())
}

/// Parses RFC3339 (any fraction, any offset: Node, Go) or zone-less ISO 8601 (Python, Dart:
/// their local time, which we cannot know, so it is taken as UTC).
pub(super) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // An offset without a colon (`+0400`) is not RFC3339 but is common ISO 8601.
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    // `%.f` also matches no fraction at all (Python drops a zero one).
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc())
}
