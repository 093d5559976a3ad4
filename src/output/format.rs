//! The message formats of stdout: what `-F` names ([`Format`]) and the flags around it
//! ([`Style`]), the template fields, mosquitto_sub's `%j` object, and the `-v` line of a
//! message with the sender's control characters escaped. The JSON line of `-F json` is
//! `crate::capture`'s, which `send --ndjson` reads back.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use crate::capture::{properties_json, to_json};
use crate::queue::Message;
use crate::template::{Field, Template};

/// How received messages are printed (`-F`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Format {
    /// The message (decoded from the envelope) and a newline
    #[default]
    Text,
    /// The exact message bytes, nothing added
    Raw,
    /// One JSON object per line: topic, qos, retain, dup, payload and envelope fields
    Json,
    /// A template with placeholders, e.g. '%t %p\n'
    Template(Template),
}

/// How messages are printed: the format and the flags around it, as the flag parser decided
/// them (`cli::OutputArgs::style`), with no parser in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    /// `-F`.
    pub format: Format,
    /// `--pretty`: JSON laid out over several lines.
    pub pretty: bool,
    /// A newline after each message of text or a template (`-N` turns it off).
    pub eol: bool,
}

impl Default for Style {
    /// Text, one message per line.
    fn default() -> Self {
        Style {
            format: Format::Text,
            pretty: false,
            eol: true,
        }
    }
}

/// JSON, laid out when `pretty`.
pub(super) fn write_json(w: &mut dyn Write, v: &Value, pretty: bool) -> io::Result<()> {
    if pretty {
        serde_json::to_writer_pretty(w, v)?;
    } else {
        serde_json::to_writer(w, v)?;
    }
    Ok(())
}

/// Writes one template field of a message.
pub(super) fn field(
    w: &mut dyn Write,
    f: Field,
    msg: &Message,
    received: chrono::DateTime<chrono::Local>,
    pretty: bool,
    escape: bool,
) -> io::Result<()> {
    let d = &msg.delivery;
    let env = msg.envelope.as_ref();
    let text = |w: &mut dyn Write, v: &str| {
        if escape {
            w.write_all(escape_controls(v).as_bytes())
        } else {
            w.write_all(v.as_bytes())
        }
    };
    let opt = |w: &mut dyn Write, v: Option<&str>| text(w, v.unwrap_or_default());
    match f {
        Field::Topic => text(w, &d.topic),
        Field::Payload => w.write_all(msg.body()),
        Field::Length => write!(w, "{}", msg.body().len()),
        Field::Hex => msg.body().iter().try_for_each(|b| write!(w, "{b:02x}")),
        Field::HexUpper => msg.body().iter().try_for_each(|b| write!(w, "{b:02X}")),
        Field::Qos => write!(w, "{}", d.qos),
        Field::Retain => write!(w, "{}", u8::from(d.retain)),
        Field::Dup => write!(w, "{}", u8::from(d.dup)),
        Field::PacketId => write!(w, "{}", d.pkid),
        Field::MessageId => opt(w, env.and_then(|e| e.message_id.as_deref())),
        Field::CorrelationId => opt(w, env.and_then(|e| e.correlation_id.as_deref())),
        Field::MessageType => opt(w, env.and_then(|e| e.message_type.as_deref())),
        Field::SentTime => opt(
            w,
            env.and_then(|e| e.sent_time)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                .as_deref(),
        ),
        // mosquitto_sub's %I exactly: whole seconds, the offset without a colon.
        Field::ReceivedIso => write!(w, "{}", received.format("%Y-%m-%dT%H:%M:%S%z")),
        Field::ReceivedUnix => write!(
            w,
            "{}.{:09}",
            received.timestamp(),
            received.timestamp_subsec_nanos()
        ),
        Field::Properties => write_json(
            w,
            &properties_json(&d.properties).unwrap_or_else(|| Value::Object(Map::new())),
            pretty,
        ),
        Field::Json => write_json(w, &mosquitto_json(msg, received), pretty),
    }
}

/// The `%j` object: mosquitto_sub's fields first, as it writes them (`tst` in the format its
/// manual gives, `retain` as 0/1, `payloadlen`, `mid` for QoS > 0), then mqq's: `dup`, a
/// non-UTF-8 payload's encoding, the envelope's fields and MQTT 5 properties, as `-F json`.
fn mosquitto_json(msg: &Message, received: chrono::DateTime<chrono::Local>) -> Value {
    let d = &msg.delivery;
    let mut m = Map::new();
    m.insert(
        "tst".into(),
        json!(received.format("%Y-%m-%dT%H:%M:%S%.6f%z").to_string()),
    );
    m.insert("topic".into(), json!(d.topic));
    m.insert("qos".into(), json!(d.qos));
    m.insert("retain".into(), json!(u8::from(d.retain)));
    m.insert("payloadlen".into(), json!(msg.body().len()));
    if d.qos > 0 {
        m.insert("mid".into(), json!(d.pkid));
    }
    let Value::Object(mut ours) = to_json(msg) else {
        unreachable!("to_json writes an object")
    };
    if let Some(p) = ours.remove("payload") {
        m.insert("payload".into(), p);
    }
    for (k, v) in ours {
        if !matches!(k.as_str(), "topic" | "qos" | "retain") {
            m.insert(k, v);
        }
    }
    Value::Object(m)
}

/// `text` with its control characters escaped (`\n`, `\u{1b}`), for a line on stderr or a
/// terminal: a topic or property a sender chose must not end the line (and forge an
/// `mqq: error:` line below it) or send escape sequences to the terminal. `-F json` escapes
/// them as JSON does.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// One stderr line of metadata for -v: topic, qos and flags, envelope ids; every text a
/// sender chose has its control characters escaped ([`escape_controls`]).
pub fn describe(msg: &Message) -> String {
    let d = &msg.delivery;
    let e = escape_controls;
    let mut s = format!("{} qos={}", e(&d.topic), d.qos);
    if d.retain {
        s.push_str(" retain");
    }
    if d.dup {
        s.push_str(" dup");
    }
    if let Some(env) = &msg.envelope {
        if let Some(id) = &env.message_id {
            let _ = write!(s, " message_id={}", e(id));
        }
        if let Some(t) = &env.message_type {
            let _ = write!(s, " type={}", e(t));
        }
        if let Some(c) = &env.correlation_id {
            let _ = write!(s, " correlation_id={}", e(c));
        }
    }
    let p = &d.properties;
    if let Some(t) = &p.content_type {
        let _ = write!(s, " content_type={}", e(t));
    }
    if let Some(t) = &p.response_topic {
        let _ = write!(s, " response_topic={}", e(t));
    }
    if let Some(c) = &p.correlation_data {
        let _ = write!(s, " correlation_data={}", e(&String::from_utf8_lossy(c)));
    }
    if let Some(e) = p.expiry {
        let _ = write!(s, " expiry={}", humantime::format_duration(e));
    }
    for (k, v) in &p.user {
        let _ = write!(s, " property:{}={}", e(k), e(v));
    }
    let _ = write!(s, " bytes={}", msg.body().len());
    s
}
