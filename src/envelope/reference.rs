//! The references the fast codec is held to (by the property tests of `src/props.rs`): the
//! encoder through serde and the decoder through a `serde_json::Value` tree, as both were
//! first written. They use the `base64` crate; the codec, `base64-simd`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};

use super::decode::parse_time;
use super::encode::non_empty;
use super::model::{Envelope, EnvelopeVersion};

/// The serde form of the wire shape: the reference [`encode`](super::encode) is held to.
#[derive(serde::Serialize)]
#[allow(clippy::option_option)] // serde's idiom for "skip the key" vs "write null"
struct WireForm<'a> {
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

/// [`encode`](super::encode) through serde: the reference.
pub(crate) fn encode(env: &Envelope, version: EnvelopeVersion) -> Vec<u8> {
    let correlation = non_empty(env.correlation_id.as_deref());
    let wire = WireForm {
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

/// [`decode`](super::decode) through a `serde_json::Value` tree, as it was first written: the
/// reference the fast decoder is held to (a property test compares them on generated objects).
pub(crate) fn decode(payload: &[u8]) -> Option<Envelope> {
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
