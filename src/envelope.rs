//! The pip-services `MessageEnvelope` wire codec (see docs/WIRE.md §2–§6).
//!
//! `encode` writes the one strict shape every pip-services reader accepts (all five keys, padded
//! base64, RFC3339 UTC milliseconds); `decode` accepts what every port actually sends and turns
//! anything that is not an envelope into `None`, so the caller delivers it as a raw message.

use std::fmt;
use std::str::FromStr;

// The references the fast codec is held to use the `base64` crate; the codec, `base64-simd`.
#[cfg(test)]
use base64::engine::general_purpose::STANDARD;
#[cfg(test)]
use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// Which correlation key mqq writes in an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EnvelopeVersion {
    /// pip-services v3: `correlation_id`.
    #[default]
    V3,
    /// pip-services v4: `trace_id`.
    V4,
    /// Both keys (every v3 and v4 reader ignores the extra key).
    Both,
}

impl FromStr for EnvelopeVersion {
    type Err = String;

    /// Accepts `3`/`v3`, `4`/`v4` and `both`, case-insensitive, surrounding blanks ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "3" | "v3" => Ok(Self::V3),
            "4" | "v4" => Ok(Self::V4),
            "both" => Ok(Self::Both),
            _ => Err(format!(
                "invalid envelope version '{s}': expected 3 (or v3), 4 (or v4) or both"
            )),
        }
    }
}

impl fmt::Display for EnvelopeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V3 => "3",
            Self::V4 => "4",
            Self::Both => "both",
        })
    }
}

/// One message with its pip-services metadata, independent of the wire version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope {
    /// Unique id; pip-services ports write 32 lowercase hex chars.
    pub message_id: Option<String>,
    /// The call chain's trace id, `correlation_id` (v3) or `trace_id` (v4) on the wire.
    pub correlation_id: Option<String>,
    /// Free-form type name.
    pub message_type: Option<String>,
    /// When the sender sent it, if it said so in a form we could read.
    pub sent_time: Option<DateTime<Utc>>,
    /// The exact payload bytes.
    pub message: Vec<u8>,
}

impl Envelope {
    /// A new envelope for sending: a fresh `message_id` (see [`new_message_id`]) and
    /// `sent_time` = now; no correlation id or type.
    #[must_use]
    pub fn new(message: Vec<u8>) -> Self {
        Self {
            message_id: Some(new_message_id()),
            correlation_id: None,
            message_type: None,
            sent_time: Some(Utc::now()),
            message,
        }
    }
}

/// A new message id in the pip-services form: a UUID v4 as 32 lowercase hex chars, no dashes.
#[must_use]
pub fn new_message_id() -> String {
    fresh_id().iter().map(|&b| char::from(b)).collect()
}

/// The 32 characters of a new message id, without `fmt` or an allocation.
fn fresh_id() -> [u8; uuid::fmt::Simple::LENGTH] {
    let mut buf = [0u8; uuid::fmt::Simple::LENGTH];
    uuid::Uuid::new_v4().simple().encode_lower(&mut buf);
    buf
}

/// Encodes `env` as the compact JSON envelope of docs/WIRE.md §4.
///
/// All five keys are always written (Python's reader raises on a missing one). The correlation
/// key follows `version`: `correlation_id` (V3), `trace_id` (V4), or both, `correlation_id`
/// first (Both), in the field order the Python and Node ports write. `message` is padded
/// standard base64, `null` for an empty payload; `sent_time` is RFC3339 UTC with milliseconds
/// and `Z` (now if unset). Absent or empty ids and type are written as `null`.
#[must_use]
pub fn encode(env: &Envelope, version: EnvelopeVersion) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(
        &mut out,
        &Outgoing {
            message_id: MessageId::Is(env.message_id.as_deref()),
            correlation_id: env.correlation_id.as_deref(),
            message_type: env.message_type.as_deref(),
            sent_time: env.sent_time,
            message: &env.message,
        },
        version,
    );
    out
}

/// The `message_id` of an envelope being sent.
#[derive(Debug, Clone, Copy)]
pub enum MessageId<'a> {
    /// A fresh one (see [`new_message_id`]), written straight into the envelope.
    Fresh,
    /// This one; `None` or empty is written as `null`.
    Is(Option<&'a str>),
}

/// The fields of an envelope being sent, borrowed: what [`encode_into`] writes.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The message id.
    pub message_id: MessageId<'a>,
    /// `correlation_id` / `trace_id`; `None` or empty is `null`.
    pub correlation_id: Option<&'a str>,
    /// `message_type`; `None` or empty is `null`.
    pub message_type: Option<&'a str>,
    /// `sent_time`; `None` is now.
    pub sent_time: Option<DateTime<Utc>>,
    /// The payload, written as base64.
    pub message: &'a [u8],
}

/// A buffer an envelope is written into: a `Vec` ([`encode`]) or the `BytesMut` a sender
/// splits its payloads from (no allocation per message).
pub trait Sink: std::ops::DerefMut<Target = [u8]> {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
    /// Makes room for `n` more bytes.
    fn room(&mut self, n: usize);
    /// Resizes to `len` bytes, zero-filling what is added.
    fn set_len(&mut self, len: usize);
}

/// `Vec<u8>` and `BytesMut` have the same inherent methods for these.
macro_rules! sink {
    ($t:ty) => {
        impl Sink for $t {
            fn put(&mut self, bytes: &[u8]) {
                self.extend_from_slice(bytes);
            }
            fn room(&mut self, n: usize) {
                self.reserve(n);
            }
            fn set_len(&mut self, len: usize) {
                self.resize(len, 0);
            }
        }
    };
}
sink!(Vec<u8>);
sink!(bytes::BytesMut);

/// [`encode`] of borrowed fields, appended to `out`.
///
/// Written straight into the buffer: the base64 text (SIMD, `base64-simd`), a fresh id, the
/// time and ids without anything to escape go in as they are, and only a string that needs
/// escaping goes through serde_json. The bytes are those of serde_json serializing the same
/// fields (a property test holds them equal); `benches/codec.rs` measures it.
pub fn encode_into<S: Sink>(out: &mut S, f: &Outgoing<'_>, version: EnvelopeVersion) {
    // "" is written as null, the way `decode` reads it, so encode→decode is the identity.
    let correlation = non_empty(f.correlation_id);
    let b64 = base64_simd::STANDARD.encoded_length(f.message.len());
    // The keys, quotes, the time and four nulls take at most 160 bytes: room made once, no
    // growth, unless a string needs escaping.
    let id = match f.message_id {
        MessageId::Fresh => None,
        MessageId::Is(id) => Some(non_empty(id)),
    };
    let strings = [
        id.flatten(),
        correlation,
        correlation,
        non_empty(f.message_type),
    ];
    out.room(160 + b64 + strings.iter().flatten().map(|s| s.len()).sum::<usize>());
    out.put(b"{\"message_id\":");
    match id {
        None => {
            let mut quoted = [b'"'; uuid::fmt::Simple::LENGTH + 2];
            quoted[1..=uuid::fmt::Simple::LENGTH].copy_from_slice(&fresh_id());
            out.put(&quoted);
        }
        Some(id) => string_or_null(out, id),
    }
    if version != EnvelopeVersion::V4 {
        out.put(b",\"correlation_id\":");
        string_or_null(out, correlation);
    }
    if version != EnvelopeVersion::V3 {
        out.put(b",\"trace_id\":");
        string_or_null(out, correlation);
    }
    out.put(b",\"message_type\":");
    string_or_null(out, non_empty(f.message_type));
    out.put(b",\"sent_time\":\"");
    if let Some(t) = f.sent_time {
        write_sent_time(out, t.timestamp(), t.timestamp_subsec_nanos());
    } else {
        // The clock without chrono's calendar arithmetic per message.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        write_sent_time(out, secs, now.subsec_nanos());
    }
    out.put(b"\",\"message\":");
    if f.message.is_empty() {
        out.put(b"null");
    } else {
        out.put(b"\"");
        let start = out.len();
        out.set_len(start + b64);
        // The room is exactly the encoded length.
        let _written =
            base64_simd::STANDARD.encode(f.message, base64_simd::AsOut::as_out(&mut out[start..]));
        out.put(b"\"");
    }
    out.put(b"}");
}

/// `secs`.`nanos` since the epoch as RFC3339 UTC with milliseconds and `Z`, as chrono's
/// `to_rfc3339_opts(SecondsFormat::Millis, true)` writes it. A stream of messages sent within
/// one second shares the part up to the seconds: it is formatted once per second and thread,
/// and only the milliseconds are written per message.
fn write_sent_time<S: Sink>(out: &mut S, secs: i64, nanos: u32) {
    thread_local! {
        static SECOND: std::cell::RefCell<(i64, String)> =
            const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    if nanos >= 1_000_000_000 {
        // A leap second (only in a given time, never from the clock): chrono writes it as
        // second 60.
        let t = DateTime::from_timestamp(secs, nanos).unwrap_or_default();
        out.put(t.to_rfc3339_opts(SecondsFormat::Millis, true).as_bytes());
        return;
    }
    SECOND.with_borrow_mut(|(at, prefix)| {
        if *at != secs {
            // "…:SSZ" without its "Z". Every second of a `DateTime<Utc>` and of the clock is
            // in chrono's range.
            let t = DateTime::from_timestamp(secs, 0).unwrap_or_default();
            let mut s = t.to_rfc3339_opts(SecondsFormat::Secs, true);
            s.pop();
            *prefix = s;
            *at = secs;
        }
        out.put(prefix.as_bytes());
    });
    let ms = nanos / 1_000_000;
    // ms < 1000, so each digit fits in a u8.
    let digit = |d: u32| b'0' + u8::try_from(d % 10).unwrap_or(0);
    out.put(&[b'.', digit(ms / 100), digit(ms / 10), digit(ms), b'Z']);
}

/// A JSON string (escaped as serde_json escapes it) or `null`.
fn string_or_null<S: Sink>(out: &mut S, s: Option<&str>) {
    match s {
        None => out.put(b"null"),
        // Nothing serde_json would escape: control characters, `"` and `\`.
        // Checked without stopping early, which lets the compiler check many bytes at once.
        Some(s)
            if s.bytes().fold(0, |esc, b| {
                esc | u8::from(b < 0x20) | u8::from(b == b'"') | u8::from(b == b'\\')
            }) == 0 =>
        {
            out.put(b"\"");
            out.put(s.as_bytes());
            out.put(b"\"");
        }
        // Serializing a &str cannot fail.
        Some(s) => out.put(&serde_json::to_vec(s).unwrap_or_default()),
    }
}

/// The serde form of the wire shape: the reference [`encode`] is held to.
#[cfg(test)]
#[derive(serde::Serialize)]
#[allow(clippy::option_option)] // serde's idiom for "skip the key" vs "write null"
pub(crate) struct Wire<'a> {
    pub message_id: Option<&'a str>,
    // Outer `None` = key left out (the other version's key); `Some(None)` = JSON null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<Option<&'a str>>,
    pub message_type: Option<&'a str>,
    pub sent_time: String,
    pub message: Option<String>,
}

/// [`encode`] through serde: the reference.
#[cfg(test)]
pub(crate) fn encode_reference(env: &Envelope, version: EnvelopeVersion) -> Vec<u8> {
    let correlation = non_empty(env.correlation_id.as_deref());
    let wire = Wire {
        message_id: non_empty(env.message_id.as_deref()),
        correlation_id: (version != EnvelopeVersion::V4).then_some(correlation),
        trace_id: (version != EnvelopeVersion::V3).then_some(correlation),
        message_type: non_empty(env.message_type.as_deref()),
        sent_time: env
            .sent_time
            .unwrap_or_else(Utc::now)
            .to_rfc3339_opts(SecondsFormat::Millis, true),
        message: (!env.message.is_empty()).then(|| STANDARD.encode(&env.message)),
    };
    serde_json::to_vec(&wire).unwrap_or_default()
}

/// `None` for an empty string, the way the readers (and `decode`) treat it.
fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

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
        Field::Null => Vec::new(),
        Field::Str(s) => decode_message(&s),
        // No port writes anything else; keeping the whole payload as raw loses nothing.
        Field::Num(_) | Field::Bool(_) | Field::Other => return None,
    };
    let id = |f: Option<Field<'_>>| f.and_then(Field::id_string);
    Some(Envelope {
        message_id: id(read.message_id),
        // v3 `correlation_id` wins over v4 `trace_id` when both carry a value.
        correlation_id: id(read.correlation_id).or_else(|| id(read.trace_id)),
        message_type: id(read.message_type),
        sent_time: read.sent_time.and_then(Field::time),
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
    message_id: Option<Field<'a>>,
    correlation_id: Option<Field<'a>>,
    trace_id: Option<Field<'a>>,
    message_type: Option<Field<'a>>,
    sent_time: Option<Field<'a>>,
    message: Option<Field<'a>>,
}

/// One value of an envelope key.
enum Field<'a> {
    Null,
    Str(std::borrow::Cow<'a, str>),
    Num(serde_json::Number),
    Bool(bool),
    /// An array or an object (no port writes one).
    Other,
}

impl Field<'_> {
    /// The string form of an id or type field: `""` and null are absent, numbers and booleans
    /// are stringified, arrays and objects are ignored.
    fn id_string(self) -> Option<String> {
        match self {
            Field::Str(s) if !s.is_empty() => Some(s.into_owned()),
            Field::Num(n) => Some(n.to_string()),
            Field::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// `sent_time` in any form a port writes; `None` when unreadable.
    fn time(self) -> Option<DateTime<Utc>> {
        match self {
            Field::Str(s) => parse_time(&s),
            Field::Num(n) => {
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
                while let Some(key) = map.next_key::<Key>()? {
                    let slot = match key {
                        Key::MessageId => {
                            read.has_message_id = true;
                            &mut read.message_id
                        }
                        Key::CorrelationId => &mut read.correlation_id,
                        Key::TraceId => &mut read.trace_id,
                        Key::MessageType => &mut read.message_type,
                        Key::SentTime => &mut read.sent_time,
                        Key::Message => &mut read.message,
                        Key::Other => {
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
enum Key {
    MessageId,
    CorrelationId,
    TraceId,
    MessageType,
    SentTime,
    Message,
    Other,
}

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(match s {
                    "message_id" => Key::MessageId,
                    "correlation_id" => Key::CorrelationId,
                    "trace_id" => Key::TraceId,
                    "message_type" => Key::MessageType,
                    "sent_time" => Key::SentTime,
                    "message" => Key::Message,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(Name)
    }
}

impl<'de> serde::Deserialize<'de> for Field<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Any;
        impl<'de> serde::de::Visitor<'de> for Any {
            type Value = Field<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Field<'de>, E> {
                Ok(Field::Null)
            }
            fn visit_none<E>(self) -> Result<Field<'de>, E> {
                Ok(Field::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Field<'de>, E> {
                Ok(Field::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Field<'de>, E> {
                Ok(Field::Num(n.into()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Field<'de>, E> {
                Ok(Field::Num(n.into()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Field<'de>, E> {
                // JSON has no NaN or infinity: every parsed float is a Number.
                Ok(serde_json::Number::from_f64(n).map_or(Field::Other, Field::Num))
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Field<'de>, E> {
                Ok(Field::Str(std::borrow::Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Field<'de>, E> {
                Ok(Field::Str(std::borrow::Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Field<'de>, E> {
                Ok(Field::Str(std::borrow::Cow::Owned(s)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Field<'de>, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Field::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Field<'de>, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Field::Other)
            }
        }
        d.deserialize_any(Any)
    }
}

/// [`decode`] through a `serde_json::Value` tree, as it was first written: the reference the
/// fast [`decode`] is held to (a property test compares them on generated objects).
#[cfg(test)]
pub(crate) fn decode_reference(payload: &[u8]) -> Option<Envelope> {
    use serde_json::Value;
    let Value::Object(map) = serde_json::from_slice::<Value>(payload).ok()? else {
        return None;
    };
    if !map.contains_key("message_id") {
        return None;
    }
    let message = match map.get("message")? {
        Value::Null => Vec::new(),
        Value::String(s) => STANDARD.decode(s).unwrap_or_else(|_| s.as_bytes().to_vec()),
        _ => return None,
    };
    let id = |key: &str| {
        map.get(key).and_then(|v| match v {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
    };
    let sent_time = || match map.get("sent_time")? {
        Value::String(s) => parse_time(s),
        Value::Number(n) => {
            if let Some(ms) = n.as_i64() {
                DateTime::from_timestamp_millis(ms)
            } else {
                let micros = (n.as_f64()? * 1000.0).round();
                #[allow(clippy::cast_possible_truncation)]
                let micros = (micros.abs() < 9.0e18).then_some(micros as i64)?;
                DateTime::from_timestamp_micros(micros)
            }
        }
        _ => None,
    };
    Some(Envelope {
        message_id: id("message_id"),
        correlation_id: id("correlation_id").or_else(|| id("trace_id")),
        message_type: id("message_type"),
        sent_time: sent_time(),
        message,
    })
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
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone as _, Timelike as _};
    use serde_json::Value;

    const ID: &str = "3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b";

    const PYTHON: &str = r#"{"message_id": "3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b", "correlation_id": "123", "message_type": "Test", "sent_time": "2024-05-01T10:20:30.123456", "message": "VGVzdCBtZXNzYWdl"}"#;
    const NODE: &str = r#"{"message_id":"3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b","correlation_id":"123","message_type":"Test","sent_time":"2024-05-01T10:20:30.123Z","message":"VGVzdCBtZXNzYWdl"}"#;
    const GO: &str = r#"{"correlation_id":"123","message":"VGVzdCBtZXNzYWdl","message_id":"3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b","message_type":"Test","sent_time":"2024-05-01T10:20:30.123456789Z"}"#;
    const DART: &str = r#"{"message_id":"3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b","correlation_id":"123","message_type":"Test","sent_time":"2024-05-01T10:20:30.123456","message":"Test message"}"#;

    fn at(nanos: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 10, 20, 30)
            .single()
            .unwrap()
            + chrono::Duration::nanoseconds(i64::from(nanos))
    }

    /// The per-second cache writes what chrono writes: within a second, across seconds, back
    /// to an earlier second, at the edges of chrono's range and on a leap second.
    #[test]
    fn sent_time_is_chronos_rfc3339_with_milliseconds() {
        let leap = Utc
            .with_ymd_and_hms(2016, 12, 31, 23, 59, 59)
            .single()
            .unwrap()
            .with_nanosecond(1_500_000_000)
            .expect("chrono represents a leap second as nanos >= 1e9");
        let times = [
            at(0),
            at(123_456_789),
            at(999_999_999),
            at(1_000_000_000),
            at(4_007_000_000),
            at(0),
            leap,
            DateTime::<Utc>::from_timestamp(-1, 1_000_000).unwrap(),
            DateTime::<Utc>::from_timestamp(253_402_300_799, 999_000_000).unwrap(),
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            Utc::now(),
        ];
        for t in times {
            let mut out = Vec::new();
            write_sent_time(&mut out, t.timestamp(), t.timestamp_subsec_nanos());
            assert_eq!(
                String::from_utf8(out).unwrap(),
                t.to_rfc3339_opts(SecondsFormat::Millis, true),
                "{t:?}"
            );
        }
    }

    /// Decodes a golden line as v3 and as v4 (`trace_id`), checking every field both times.
    fn check_golden(line: &str, nanos: u32) {
        let v4 = line.replace("\"correlation_id\"", "\"trace_id\"");
        assert_ne!(line, v4);
        for json in [line, v4.as_str()] {
            let env = decode(json.as_bytes()).unwrap_or_else(|| panic!("not decoded: {json}"));
            assert_eq!(env.message_id.as_deref(), Some(ID), "{json}");
            assert_eq!(env.correlation_id.as_deref(), Some("123"), "{json}");
            assert_eq!(env.message_type.as_deref(), Some("Test"), "{json}");
            assert_eq!(env.sent_time, Some(at(nanos)), "{json}");
            assert_eq!(env.message, b"Test message", "{json}");
        }
    }

    fn decode_str(json: &str) -> Envelope {
        decode(json.as_bytes()).unwrap_or_else(|| panic!("not decoded: {json}"))
    }

    fn fixed() -> Envelope {
        Envelope {
            message_id: Some(ID.to_owned()),
            correlation_id: Some("123".to_owned()),
            message_type: Some("Test".to_owned()),
            sent_time: Some(
                Utc.with_ymd_and_hms(2026, 11, 21, 19, 24, 25)
                    .single()
                    .unwrap()
                    + chrono::Duration::milliseconds(123),
            ),
            message: b"Test message".to_vec(),
        }
    }

    fn encode_str(env: &Envelope, version: EnvelopeVersion) -> String {
        String::from_utf8(encode(env, version)).unwrap()
    }

    // --- golden lines of docs/WIRE.md §2 and §3 ---

    #[test]
    fn golden_python() {
        check_golden(PYTHON, 123_456_000);
    }

    #[test]
    fn golden_node() {
        check_golden(NODE, 123_000_000);
    }

    #[test]
    fn golden_go() {
        check_golden(GO, 123_456_789);
    }

    #[test]
    fn golden_dart() {
        check_golden(DART, 123_456_000);
    }

    // --- tolerances of docs/WIRE.md §5 ---

    #[test]
    fn correlation_from_correlation_id_only() {
        let env = decode_str(r#"{"message_id":"a","correlation_id":"c","message":null}"#);
        assert_eq!(env.correlation_id.as_deref(), Some("c"));
    }

    #[test]
    fn correlation_from_trace_id_only() {
        let env = decode_str(r#"{"message_id":"a","trace_id":"t","message":null}"#);
        assert_eq!(env.correlation_id.as_deref(), Some("t"));
    }

    #[test]
    fn correlation_id_preferred_when_both_differ() {
        let env =
            decode_str(r#"{"message_id":"a","trace_id":"t","correlation_id":"c","message":null}"#);
        assert_eq!(env.correlation_id.as_deref(), Some("c"));
    }

    #[test]
    fn trace_id_used_when_correlation_id_empty() {
        let env =
            decode_str(r#"{"message_id":"a","correlation_id":"","trace_id":"t","message":null}"#);
        assert_eq!(env.correlation_id.as_deref(), Some("t"));
    }

    #[test]
    fn correlation_absent_when_neither_key() {
        let env = decode_str(r#"{"message_id":"a","message":null}"#);
        assert_eq!(env.correlation_id, None);
    }

    #[test]
    fn missing_keys_are_null() {
        let env = decode_str(r#"{"message_id":"a","message":"eA=="}"#);
        assert_eq!(
            env,
            Envelope {
                message_id: Some("a".to_owned()),
                message: b"x".to_vec(),
                ..Envelope::default()
            }
        );
    }

    #[test]
    fn explicit_nulls_are_null() {
        let env = decode_str(
            r#"{"message_id":null,"correlation_id":null,"message_type":null,"sent_time":null,"message":null}"#,
        );
        assert_eq!(env, Envelope::default());
    }

    #[test]
    fn empty_strings_are_null_go_style() {
        let env = decode_str(
            r#"{"correlation_id":"","message":"","message_id":"","message_type":"","sent_time":""}"#,
        );
        assert_eq!(env, Envelope::default());
    }

    #[test]
    fn numeric_ids_are_stringified() {
        let env = decode_str(
            r#"{"message_id":42,"correlation_id":123,"message_type":7.5,"message":null}"#,
        );
        assert_eq!(env.message_id.as_deref(), Some("42"));
        assert_eq!(env.correlation_id.as_deref(), Some("123"));
        assert_eq!(env.message_type.as_deref(), Some("7.5"));
    }

    #[test]
    fn numeric_trace_id_is_stringified() {
        let env = decode_str(r#"{"message_id":"a","trace_id":-9,"message":null}"#);
        assert_eq!(env.correlation_id.as_deref(), Some("-9"));
    }

    #[test]
    fn structured_ids_are_ignored() {
        let env = decode_str(r#"{"message_id":{"x":1},"message_type":[1],"message":null}"#);
        assert_eq!(env.message_id, None);
        assert_eq!(env.message_type, None);
    }

    #[test]
    fn message_valid_base64_is_decoded() {
        let env = decode_str(r#"{"message_id":"a","message":"AP8Aew=="}"#);
        assert_eq!(env.message, [0x00, 0xff, 0x00, 0x7b]);
    }

    #[test]
    fn message_invalid_base64_is_raw_text() {
        // Dart: the text itself; not base64 because of the space.
        let env = decode_str(r#"{"message_id":"a","message":"Test message"}"#);
        assert_eq!(env.message, b"Test message");
    }

    #[test]
    fn message_unpadded_base64_is_raw_text() {
        // Strict decoding: "abc" is not canonical base64, so it is Dart text.
        let env = decode_str(r#"{"message_id":"a","message":"abc"}"#);
        assert_eq!(env.message, b"abc");
    }

    #[test]
    fn message_text_that_is_valid_base64_is_decoded() {
        // The inherent ambiguity: Dart's "abcd" is read as base64.
        let env = decode_str(r#"{"message_id":"a","message":"abcd"}"#);
        assert_eq!(env.message, [0x69, 0xb7, 0x1d]);
    }

    #[test]
    fn message_unicode_text_is_utf8_bytes() {
        let env = decode_str(r#"{"message_id":"a","message":"héllo {\"k\":1}"}"#);
        assert_eq!(env.message, "héllo {\"k\":1}".as_bytes());
    }

    #[test]
    fn message_null_is_empty() {
        let env = decode_str(r#"{"message_id":"a","message":null}"#);
        assert!(env.message.is_empty());
    }

    #[test]
    fn message_empty_string_is_empty() {
        // Node writes "" for an empty message.
        let env = decode_str(r#"{"message_id":"a","message":""}"#);
        assert!(env.message.is_empty());
    }

    #[test]
    fn message_not_a_string_is_raw() {
        assert_eq!(decode(br#"{"message_id":"a","message":{"k":1}}"#), None);
        assert_eq!(decode(br#"{"message_id":"a","message":5}"#), None);
    }

    #[test]
    fn sent_time_rfc3339_with_offset() {
        let env = decode_str(
            r#"{"message_id":"a","message":null,"sent_time":"2024-05-01T14:20:30.123456789+04:00"}"#,
        );
        assert_eq!(env.sent_time, Some(at(123_456_789)));
    }

    #[test]
    fn sent_time_rfc3339_without_fraction() {
        let env =
            decode_str(r#"{"message_id":"a","message":null,"sent_time":"2024-05-01T10:20:30Z"}"#);
        assert_eq!(env.sent_time, Some(at(0)));
    }

    #[test]
    fn sent_time_rfc3339_one_fraction_digit_negative_offset() {
        let env = decode_str(
            r#"{"message_id":"a","message":null,"sent_time":"2024-05-01T07:50:30.5-02:30"}"#,
        );
        assert_eq!(env.sent_time, Some(at(500_000_000)));
    }

    #[test]
    fn sent_time_offset_without_colon() {
        let env = decode_str(
            r#"{"message_id":"a","message":null,"sent_time":"2024-05-01T12:20:30.123+0200"}"#,
        );
        assert_eq!(env.sent_time, Some(at(123_000_000)));
    }

    #[test]
    fn sent_time_zoneless_with_fraction_is_utc() {
        let env = decode_str(
            r#"{"message_id":"a","message":null,"sent_time":"2024-05-01T10:20:30.123456"}"#,
        );
        assert_eq!(env.sent_time, Some(at(123_456_000)));
    }

    #[test]
    fn sent_time_zoneless_without_fraction_is_utc() {
        let env =
            decode_str(r#"{"message_id":"a","message":null,"sent_time":"2024-05-01T10:20:30"}"#);
        assert_eq!(env.sent_time, Some(at(0)));
    }

    #[test]
    fn sent_time_zoneless_space_separator() {
        let env =
            decode_str(r#"{"message_id":"a","message":null,"sent_time":"2024-05-01 10:20:30.1"}"#);
        assert_eq!(env.sent_time, Some(at(100_000_000)));
    }

    #[test]
    fn sent_time_number_is_epoch_millis() {
        let ms = at(123_000_000).timestamp_millis();
        let env = decode_str(&format!(
            r#"{{"message_id":"a","message":null,"sent_time":{ms}}}"#
        ));
        assert_eq!(env.sent_time, Some(at(123_000_000)));
    }

    #[test]
    fn sent_time_fractional_number_is_epoch_millis() {
        let ms = at(0).timestamp_millis();
        let env = decode_str(&format!(
            r#"{{"message_id":"a","message":null,"sent_time":{ms}.5}}"#
        ));
        assert_eq!(env.sent_time, Some(at(500_000)));
    }

    #[test]
    fn sent_time_unparseable_is_none_but_delivered() {
        for bad in [
            r#""yesterday""#,
            r#""2024-13-01T10:20:30Z""#,
            "true",
            "[1]",
            "1e300",
        ] {
            let json = format!(r#"{{"message_id":"a","message":"eA==","sent_time":{bad}}}"#);
            let env = decode_str(&json);
            assert_eq!(env.sent_time, None, "{json}");
            assert_eq!(env.message, b"x", "{json}");
        }
    }

    #[test]
    fn sent_time_huge_integer_is_none() {
        let env =
            decode_str(r#"{"message_id":"a","message":null,"sent_time":9223372036854775807}"#);
        assert_eq!(env.sent_time, None);
    }

    // --- not an envelope: a raw message ---

    #[test]
    fn invalid_json_is_raw() {
        assert_eq!(decode(b"{\"message_id\":\"a\",\"message\":"), None);
        assert_eq!(decode(b"Test message"), None);
    }

    #[test]
    fn json_array_is_raw() {
        assert_eq!(decode(br#"[{"message_id":"a","message":null}]"#), None);
    }

    #[test]
    fn json_scalars_are_raw() {
        assert_eq!(decode(br#""VGVzdCBtZXNzYWdl""#), None);
        assert_eq!(decode(b"42"), None);
        assert_eq!(decode(b"null"), None);
    }

    #[test]
    fn object_without_message_id_is_raw() {
        assert_eq!(decode(br#"{"correlation_id":"1","message":"eA=="}"#), None);
    }

    #[test]
    fn object_without_message_is_raw() {
        assert_eq!(decode(br#"{"message_id":"a","correlation_id":"1"}"#), None);
    }

    #[test]
    fn invalid_utf8_is_raw() {
        assert_eq!(decode(b"{\"message_id\":\"\xff\",\"message\":null}"), None);
        assert_eq!(decode(&[0xff, 0xfe, 0x00]), None);
    }

    #[test]
    fn empty_payload_is_raw() {
        assert_eq!(decode(b""), None);
        assert_eq!(decode(b"   "), None);
    }

    // --- encode ---

    #[test]
    fn encode_v3_exact() {
        assert_eq!(
            encode_str(&fixed(), EnvelopeVersion::V3),
            r#"{"message_id":"3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b","correlation_id":"123","message_type":"Test","sent_time":"2026-11-21T19:24:25.123Z","message":"VGVzdCBtZXNzYWdl"}"#
        );
    }

    #[test]
    fn encode_v4_exact() {
        assert_eq!(
            encode_str(&fixed(), EnvelopeVersion::V4),
            r#"{"message_id":"3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b","trace_id":"123","message_type":"Test","sent_time":"2026-11-21T19:24:25.123Z","message":"VGVzdCBtZXNzYWdl"}"#
        );
    }

    #[test]
    fn encode_both_exact() {
        assert_eq!(
            encode_str(&fixed(), EnvelopeVersion::Both),
            r#"{"message_id":"3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b","correlation_id":"123","trace_id":"123","message_type":"Test","sent_time":"2026-11-21T19:24:25.123Z","message":"VGVzdCBtZXNzYWdl"}"#
        );
    }

    #[test]
    fn encode_empty_message_and_missing_fields_as_null() {
        let env = Envelope {
            sent_time: fixed().sent_time,
            ..Envelope::default()
        };
        assert_eq!(
            encode_str(&env, EnvelopeVersion::V3),
            r#"{"message_id":null,"correlation_id":null,"message_type":null,"sent_time":"2026-11-21T19:24:25.123Z","message":null}"#
        );
        assert_eq!(
            encode_str(&env, EnvelopeVersion::Both),
            r#"{"message_id":null,"correlation_id":null,"trace_id":null,"message_type":null,"sent_time":"2026-11-21T19:24:25.123Z","message":null}"#
        );
    }

    #[test]
    fn encode_empty_strings_as_null() {
        let env = Envelope {
            message_id: Some(String::new()),
            correlation_id: Some(String::new()),
            message_type: Some(String::new()),
            ..fixed()
        };
        let json = encode_str(&env, EnvelopeVersion::V4);
        assert!(json.starts_with(r#"{"message_id":null,"trace_id":null,"message_type":null,"#));
    }

    #[test]
    fn encode_truncates_sent_time_to_millis() {
        let env = Envelope {
            sent_time: Some(at(123_999_999)),
            ..fixed()
        };
        let json = encode_str(&env, EnvelopeVersion::V3);
        assert!(
            json.contains(r#""sent_time":"2024-05-01T10:20:30.123Z""#),
            "{json}"
        );
    }

    #[test]
    fn encode_missing_sent_time_writes_now() {
        let before = Utc::now() - chrono::Duration::milliseconds(1);
        let env = Envelope {
            sent_time: None,
            ..fixed()
        };
        let sent = decode(&encode(&env, EnvelopeVersion::V3))
            .unwrap()
            .sent_time
            .unwrap();
        assert!(sent >= before && sent <= Utc::now(), "{sent}");
    }

    #[test]
    fn encode_binary_round_trips() {
        let env = Envelope {
            message: vec![0x00, 0xff, 0x00, b'{', 0x80, 0xfe],
            ..fixed()
        };
        for version in [
            EnvelopeVersion::V3,
            EnvelopeVersion::V4,
            EnvelopeVersion::Both,
        ] {
            assert_eq!(decode(&encode(&env, version)), Some(env.clone()));
        }
    }

    #[test]
    fn encode_decode_round_trip() {
        let payloads: [&[u8]; 7] = [
            b"",
            b"x",
            b"abcd",
            b"Test message",
            "h\u{e9}llo \u{1f600}".as_bytes(),
            br#"{"message_id":"nested","message":null}"#,
            &[0u8; 1000],
        ];
        for payload in payloads {
            let mut env = Envelope::new(payload.to_vec());
            env.correlation_id = Some("c-1".to_owned());
            env.message_type = Some("Order.Created".to_owned());
            // The wire keeps milliseconds.
            env.sent_time = fixed().sent_time;
            for version in [
                EnvelopeVersion::V3,
                EnvelopeVersion::V4,
                EnvelopeVersion::Both,
            ] {
                assert_eq!(
                    decode(&encode(&env, version)),
                    Some(env.clone()),
                    "{payload:?}"
                );
            }
        }
    }

    #[test]
    fn encode_writes_every_key_readers_require() {
        let keys = |version| -> Vec<String> {
            let bytes = encode(&Envelope::default(), version);
            let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&bytes) else {
                panic!("not a JSON object");
            };
            map.keys().cloned().collect()
        };
        let mut v3 = keys(EnvelopeVersion::V3);
        v3.sort();
        assert_eq!(
            v3,
            [
                "correlation_id",
                "message",
                "message_id",
                "message_type",
                "sent_time"
            ]
        );
        let mut v4 = keys(EnvelopeVersion::V4);
        v4.sort();
        assert_eq!(
            v4,
            [
                "message",
                "message_id",
                "message_type",
                "sent_time",
                "trace_id"
            ]
        );
        let mut both = keys(EnvelopeVersion::Both);
        both.sort();
        assert_eq!(
            both,
            [
                "correlation_id",
                "message",
                "message_id",
                "message_type",
                "sent_time",
                "trace_id"
            ]
        );
    }

    #[test]
    fn encode_output_is_recognised_as_envelope() {
        for env in [Envelope::default(), Envelope::new(Vec::new()), fixed()] {
            for version in [
                EnvelopeVersion::V3,
                EnvelopeVersion::V4,
                EnvelopeVersion::Both,
            ] {
                assert!(decode(&encode(&env, version)).is_some());
            }
        }
    }

    #[test]
    fn new_envelope_has_id_and_time() {
        let before = Utc::now();
        let env = Envelope::new(b"m".to_vec());
        assert!(env
            .sent_time
            .is_some_and(|t| t >= before && t <= Utc::now()));
        assert_eq!(env.message, b"m");
        assert_eq!(env.correlation_id, None);
        assert_eq!(env.message_type, None);
        assert!(env.message_id.is_some_and(|id| is_message_id(&id)));
    }

    fn is_message_id(id: &str) -> bool {
        id.len() == 32
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    #[test]
    fn a_sent_envelope_gets_a_fresh_id_and_the_time_now() {
        let fields = Outgoing {
            message_id: MessageId::Fresh,
            correlation_id: Some("c"),
            message_type: None,
            sent_time: None,
            message: b"payload",
        };
        let before = Utc::now();
        let mut buf = bytes::BytesMut::new();
        encode_into(&mut buf, &fields, EnvelopeVersion::V3);
        let mut vec = Vec::new();
        encode_into(&mut vec, &fields, EnvelopeVersion::V3);
        let after = Utc::now();
        let (a, b) = (decode(&buf).unwrap(), decode(&vec).unwrap());
        let (ida, idb) = (a.message_id.unwrap(), b.message_id.unwrap());
        assert!(is_message_id(&ida) && is_message_id(&idb), "{ida} {idb}");
        assert_eq!(&ida[12..13], "4", "a UUIDv4");
        assert_ne!(ida, idb);
        assert_eq!(a.message, b"payload");
        assert_eq!(a.correlation_id.as_deref(), Some("c"));
        // Milliseconds on the wire: the time read back is `before` or later, truncated.
        let sent = a.sent_time.unwrap();
        assert!(
            sent >= before - chrono::Duration::milliseconds(1) && sent <= after,
            "{sent}"
        );
    }

    #[test]
    fn message_id_is_32_lowercase_hex_and_unique() {
        let a = new_message_id();
        let b = new_message_id();
        assert!(is_message_id(&a), "{a}");
        assert!(is_message_id(&b), "{b}");
        assert_ne!(a, b);
        // A UUIDv4: version nibble 4.
        assert_eq!(&a[12..13], "4");
    }

    // --- EnvelopeVersion ---

    #[test]
    fn version_parses_accepted_values() {
        for (s, v) in [
            ("3", EnvelopeVersion::V3),
            ("v3", EnvelopeVersion::V3),
            ("V3", EnvelopeVersion::V3),
            ("4", EnvelopeVersion::V4),
            ("v4", EnvelopeVersion::V4),
            ("V4", EnvelopeVersion::V4),
            ("both", EnvelopeVersion::Both),
            ("BOTH", EnvelopeVersion::Both),
            (" Both ", EnvelopeVersion::Both),
        ] {
            assert_eq!(s.parse::<EnvelopeVersion>(), Ok(v), "{s}");
        }
    }

    #[test]
    fn version_rejects_other_values() {
        for s in ["", "5", "v5", "3.0", "all"] {
            let err = s.parse::<EnvelopeVersion>().unwrap_err();
            assert!(
                err.contains(&format!("'{s}'")) && err.contains("both"),
                "{err}"
            );
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn version_display_round_trips() {
        for v in [
            EnvelopeVersion::V3,
            EnvelopeVersion::V4,
            EnvelopeVersion::Both,
        ] {
            assert_eq!(v.to_string().parse::<EnvelopeVersion>(), Ok(v));
        }
        assert_eq!(EnvelopeVersion::V3.to_string(), "3");
        assert_eq!(EnvelopeVersion::V4.to_string(), "4");
        assert_eq!(EnvelopeVersion::Both.to_string(), "both");
        assert_eq!(EnvelopeVersion::default(), EnvelopeVersion::V3);
    }
}
