//! The JSON line of a message, the one format mqq both writes and reads: `-F json` writes a
//! received message as one object per line ([`to_json`]), and `send --ndjson` publishes such
//! a line again ([`from_line`]), so that a capture replays. Both sides live here so that they
//! cannot drift apart; a property test (`src/props.rs`) holds the round trip.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::queue::{topic, Message, OutMessage, Properties};

/// The `--format json` object of a message: topic, qos, retain, dup, the payload (text, or
/// base64 with `payload_encoding` when it is not UTF-8), the envelope's fields when it was
/// one, and the MQTT 5 properties when it has any.
pub fn to_json(msg: &Message) -> Value {
    let d = &msg.delivery;
    let mut m = Map::new();
    m.insert("topic".into(), json!(d.topic));
    m.insert("qos".into(), json!(d.qos));
    m.insert("retain".into(), json!(d.retain));
    m.insert("dup".into(), json!(d.dup));
    if let Ok(text) = std::str::from_utf8(msg.body()) {
        m.insert("payload".into(), json!(text));
    } else {
        let b64 = base64::engine::general_purpose::STANDARD.encode(msg.body());
        m.insert("payload".into(), json!(b64));
        m.insert("payload_encoding".into(), json!("base64"));
    }
    if let Some(e) = &msg.envelope {
        m.insert("message_id".into(), json!(e.message_id));
        m.insert("correlation_id".into(), json!(e.correlation_id));
        m.insert("message_type".into(), json!(e.message_type));
        m.insert(
            "sent_time".into(),
            json!(e
                .sent_time
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))),
        );
    }
    if let Some(p) = properties_json(&d.properties) {
        m.insert("properties".into(), p);
    }
    Value::Object(m)
}

/// The MQTT 5 properties of a message as a JSON object; `None` when it has none.
pub fn properties_json(p: &Properties) -> Option<Value> {
    if p.is_empty() {
        return None;
    }
    let mut m = Map::new();
    if let Some(t) = &p.content_type {
        m.insert("content_type".into(), json!(t));
    }
    if let Some(t) = &p.response_topic {
        m.insert("response_topic".into(), json!(t));
    }
    if let Some(c) = &p.correlation_data {
        match std::str::from_utf8(c) {
            Ok(text) => m.insert("correlation_data".into(), json!(text)),
            Err(_) => m.insert(
                "correlation_data_base64".into(),
                json!(base64::engine::general_purpose::STANDARD.encode(c)),
            ),
        };
    }
    if let Some(e) = p.expiry {
        m.insert("message_expiry".into(), json!(e.as_secs()));
    }
    if !p.user.is_empty() {
        let pairs: Vec<Value> = p.user.iter().map(|(k, v)| json!([k, v])).collect();
        m.insert("user_properties".into(), Value::Array(pairs));
    }
    Some(Value::Object(m))
}

/// A message to publish from a line of `-F json` output (`send --ndjson`): topic, payload
/// (text or base64), retain, the envelope's fields and the MQTT 5 properties; the qos and
/// dup of the capture are not the new message's. `Err`: why the line is not one, in words
/// the caller puts after the line's name.
pub fn from_line(line: &[u8]) -> Result<OutMessage, String> {
    let v: Value = serde_json::from_slice(line).map_err(|e| format!("not JSON ({e})"))?;
    let Value::Object(o) = v else {
        return Err("not a JSON object".into());
    };
    let text = |k: &str| string(&o, k);
    let topic = text("topic")?.ok_or("no \"topic\"")?;
    topic::validate_publish(&topic).map_err(|e| format!("\"topic\": {e}"))?;
    let retain = match o.get("retain") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(format!("\"retain\" is {other}, not true or false")),
    };
    let raw = text("payload")?.ok_or("no \"payload\"")?;
    let payload = match text("payload_encoding")?.as_deref() {
        None => raw.into_bytes(),
        Some("base64") => base64::engine::general_purpose::STANDARD
            .decode(raw)
            .map_err(|e| format!("payload is not base64 ({e})"))?,
        Some(other) => return Err(format!("unknown payload_encoding {other:?}")),
    };
    // Envelope fields are there when the captured message was an envelope.
    let enveloped = o.contains_key("message_id");
    let sent_time = text("sent_time")?
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(&t)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|_| format!("sent_time {t:?} is not RFC 3339"))
        })
        .transpose()?;
    let properties = match o.get("properties") {
        None | Some(Value::Null) => Properties::default(),
        Some(Value::Object(p)) => properties_from(p)?,
        Some(_) => return Err("\"properties\" is not an object".into()),
    };
    Ok(OutMessage {
        payload: payload.into(),
        topic: Some(topic),
        retain: Some(retain),
        message_id: text("message_id")?,
        correlation_id: text("correlation_id")?,
        message_type: text("message_type")?,
        sent_time,
        bare: !enveloped,
        properties,
    })
}

/// A text field of a line. A field that is there must have its type: a wrong one is a bad
/// line, never a default.
fn string(o: &Map<String, Value>, k: &str) -> Result<Option<String>, String> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("\"{k}\" is not a string")),
    }
}

/// The MQTT 5 properties of a line's `properties` object, as [`properties_json`] writes them.
fn properties_from(p: &Map<String, Value>) -> Result<Properties, String> {
    let text = |k: &str| string(p, k);
    let mut properties = Properties {
        content_type: text("content_type")?,
        response_topic: text("response_topic")?,
        ..Properties::default()
    };
    if let Some(t) = &properties.response_topic {
        topic::validate_publish(t).map_err(|e| format!("\"response_topic\": {e}"))?;
    }
    properties.correlation_data =
        match (text("correlation_data")?, text("correlation_data_base64")?) {
            (Some(t), _) => Some(bytes::Bytes::from(t.into_bytes())),
            (None, Some(b)) => Some(bytes::Bytes::from(
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(|_| "correlation_data_base64 is not base64")?,
            )),
            (None, None) => None,
        };
    // MQTT 5's Message Expiry Interval: 1 to 4,294,967,295 seconds.
    properties.expiry = match p.get("message_expiry") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64().and_then(|s| u32::try_from(s).ok()) {
            Some(s) if s > 0 => Some(std::time::Duration::from_secs(u64::from(s))),
            _ => {
                return Err(format!(
                    "\"message_expiry\" is {v}, not a number of seconds from 1 to 4294967295"
                ))
            }
        },
    };
    if let Some(Value::Array(pairs)) = p.get("user_properties") {
        for pair in pairs {
            match pair.as_array().map(Vec::as_slice) {
                Some([Value::String(k), Value::String(v)]) => {
                    properties.user.push((k.clone(), v.clone()));
                }
                _ => return Err("user_properties holds something other than [key, value]".into()),
            }
        }
    }
    Ok(properties)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Envelope;
    use crate::queue::Delivery;

    /// A line that names topic `a` and payload `x`, with `more` fields.
    fn line(more: &str) -> String {
        format!(r#"{{"topic":"a","payload":"x"{more}}}"#)
    }

    fn why(line: &str) -> String {
        from_line(line.as_bytes()).map(|_| ()).unwrap_err()
    }

    /// Each way a line is refused, in the words `send --ndjson` prints after the line's name.
    #[test]
    fn a_bad_line_says_why() {
        let props = |p: &str| line(&format!(r#","properties":{{{p}}}"#));
        for (text, want) in [
            ("[1]".to_string(), "not a JSON object"),
            (r#"{"payload":"x"}"#.to_string(), "no \"topic\""),
            (
                r#"{"topic":7,"payload":"x"}"#.to_string(),
                "\"topic\" is not a string",
            ),
            (line(r#","retain":1"#), "\"retain\" is 1, not true or false"),
            (r#"{"topic":"a"}"#.to_string(), "no \"payload\""),
            (
                line(r#","payload_encoding":"hex""#),
                "unknown payload_encoding \"hex\"",
            ),
            (
                line(r#","sent_time":"yesterday""#),
                "sent_time \"yesterday\" is not RFC 3339",
            ),
            (
                line(r#","properties":[]"#),
                "\"properties\" is not an object",
            ),
            (
                props(r#""content_type":1"#),
                "\"content_type\" is not a string",
            ),
            (
                props(r#""correlation_data_base64":"!""#),
                "correlation_data_base64 is not base64",
            ),
            (
                props(r#""message_expiry":0"#),
                "\"message_expiry\" is 0, not a number of seconds from 1 to 4294967295",
            ),
            (
                props(r#""message_expiry":4294967296"#),
                "\"message_expiry\" is 4294967296, not a number of seconds from 1 to 4294967295",
            ),
            (
                props(r#""user_properties":[["k"]]"#),
                "user_properties holds something other than [key, value]",
            ),
            (line(r#","message_id":5"#), "\"message_id\" is not a string"),
        ] {
            assert_eq!(why(&text), want, "{text}");
        }
        // What the JSON parser, the topic rules and base64 say is theirs; the start is ours.
        for (text, start) in [
            ("{".to_string(), "not JSON (EOF while parsing an object"),
            (
                r#"{"topic":"a/#","payload":"x"}"#.to_string(),
                "\"topic\": topic \"a/#\": ",
            ),
            (
                line(r#","payload_encoding":"base64""#).replace("\"x\"", "\"!\""),
                "payload is not base64 (",
            ),
            (
                props(r#""response_topic":"r/+""#),
                "\"response_topic\": topic \"r/+\": ",
            ),
        ] {
            let got = why(&text);
            assert!(got.starts_with(start), "{text}: {got}");
            assert!(!got.contains('\n'), "{got}");
        }
    }

    /// The line of a message with an envelope, a binary payload and properties, key by key.
    #[test]
    fn a_line_carries_every_field() {
        let mut delivery = Delivery::detached("t/1".into(), bytes::Bytes::new(), 1);
        delivery.retain = true;
        delivery.properties.content_type = Some("c".into());
        delivery.properties.correlation_data = Some(bytes::Bytes::from_static(b"\xff"));
        delivery.properties.expiry = Some(std::time::Duration::from_secs(9));
        delivery.properties.user.push(("k".into(), "v".into()));
        let msg = Message {
            delivery,
            envelope: Some(Envelope {
                message_id: Some("m".into()),
                correlation_id: None,
                message_type: Some("T".into()),
                sent_time: chrono::DateTime::from_timestamp_millis(1_700_000_000_123),
                message: vec![0xff, 0],
            }),
        };
        assert_eq!(
            to_json(&msg).to_string(),
            r#"{"topic":"t/1","qos":1,"retain":true,"dup":false,"payload":"/wA=","payload_encoding":"base64","message_id":"m","correlation_id":null,"message_type":"T","sent_time":"2023-11-14T22:13:20.123Z","properties":{"content_type":"c","correlation_data_base64":"/w==","message_expiry":9,"user_properties":[["k","v"]]}}"#
        );
    }
}
