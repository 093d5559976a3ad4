//! The writer: an envelope's fields → the strict JSON of docs/WIRE.md §4, straight into the
//! sender's buffer. A hot path (one call per message sent): `benches/codec.rs` measures it.

use chrono::{DateTime, SecondsFormat, Utc};

use super::model::{fresh_id, Envelope, EnvelopeVersion};

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
    /// A fresh one (see [`new_message_id`](super::model::new_message_id)), written straight
    /// into the envelope.
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
pub trait EncodeBuf: std::ops::DerefMut<Target = [u8]> {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
    /// Makes room for `n` more bytes.
    fn room(&mut self, n: usize);
    /// Resizes to `len` bytes, zero-filling what is added.
    fn set_len(&mut self, len: usize);
}

/// `Vec<u8>` and `BytesMut` have the same inherent methods for these.
macro_rules! encode_buf {
    ($t:ty) => {
        impl EncodeBuf for $t {
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
encode_buf!(Vec<u8>);
encode_buf!(bytes::BytesMut);

/// [`encode`] of borrowed fields, appended to `out`.
///
/// Written straight into the buffer: the base64 text (SIMD, `base64-simd`), a fresh id, the
/// time and ids without anything to escape go in as they are, and only a string that needs
/// escaping goes through serde_json. The bytes are those of serde_json serializing the same
/// fields (a property test holds them equal); `benches/codec.rs` measures it.
pub fn encode_into<S: EncodeBuf>(out: &mut S, f: &Outgoing<'_>, version: EnvelopeVersion) {
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
fn write_sent_time<S: EncodeBuf>(out: &mut S, secs: i64, nanos: u32) {
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
fn string_or_null<S: EncodeBuf>(out: &mut S, s: Option<&str>) {
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

/// `None` for an empty string, the way the readers (and `decode`) treat it.
pub(super) fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone as _, Timelike as _};

    use super::*;
    use crate::envelope::tests::at;

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
}
