//! `-F TEMPLATE`: a line format with placeholders, after mosquitto_sub's `-F` (the letters
//! it has mean the same here: `%t %p %q %r %m %l %x %X %I %U %j %%`), plus the envelope's
//! fields. Parsed once, at the command line; unknown placeholders are a usage error.

use std::fmt;
use std::io::{self, Write};

/// One placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `%t` topic.
    Topic,
    /// `%p` the message body (decoded from the envelope).
    Payload,
    /// `%l` body length in bytes.
    Length,
    /// `%x` body as lower-case hex.
    Hex,
    /// `%X` body as upper-case hex.
    HexUpper,
    /// `%q` QoS.
    Qos,
    /// `%r` retain flag, 0 or 1.
    Retain,
    /// `%d` dup flag, 0 or 1.
    Dup,
    /// `%m` MQTT packet id.
    PacketId,
    /// `%i` envelope message id.
    MessageId,
    /// `%c` envelope correlation id.
    CorrelationId,
    /// `%T` envelope message type.
    MessageType,
    /// `%s` envelope sent time (RFC 3339).
    SentTime,
    /// `%I` time mqq received the message (ISO 8601 as mosquitto_sub: `2016-08-10T09:47:38+0100`).
    ReceivedIso,
    /// `%U` time mqq received the message, Unix seconds with nanoseconds.
    ReceivedUnix,
    /// `%P` MQTT 5 properties as a JSON object (`{}` when none).
    Properties,
    /// `%j` the message as JSON: mosquitto_sub's fields, then mqq's.
    Json,
}

/// The placeholders, for help and errors.
pub const PLACEHOLDERS: &str = "%t topic, %p payload, %l length, %x/%X hex payload, %q qos, \
    %r retain, %d dup, %m packet id, %i message id, %c correlation id, %T message type, \
    %s sent time, %I receive time (ISO 8601), %U receive time (Unix), %P MQTT 5 properties \
    (JSON), %j the whole message as JSON, %% a percent sign; escapes \\n \\t \\r \\0 \\e \\\\";

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Bytes written as they are.
    Text(Vec<u8>),
    /// A placeholder.
    Field(Field),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

/// Why a template does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

impl Template {
    /// Parses `%`-placeholders and `\`-escapes.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut pieces = Vec::new();
        let mut lit: Vec<u8> = Vec::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '%' => {
                    let Some(k) = chars.next() else {
                        return Err(TemplateError(
                            "ends with a lone %; write %% for a percent sign".into(),
                        ));
                    };
                    let field = match k {
                        '%' => {
                            lit.push(b'%');
                            continue;
                        }
                        't' => Field::Topic,
                        'p' => Field::Payload,
                        'l' => Field::Length,
                        'x' => Field::Hex,
                        'X' => Field::HexUpper,
                        'q' => Field::Qos,
                        'r' => Field::Retain,
                        'd' => Field::Dup,
                        'm' => Field::PacketId,
                        'i' => Field::MessageId,
                        'c' => Field::CorrelationId,
                        'T' => Field::MessageType,
                        's' => Field::SentTime,
                        'I' => Field::ReceivedIso,
                        'U' => Field::ReceivedUnix,
                        'P' => Field::Properties,
                        'j' => Field::Json,
                        other => {
                            return Err(TemplateError(format!(
                                "%{other} is not a placeholder; use {PLACEHOLDERS}"
                            )))
                        }
                    };
                    if !lit.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut lit)));
                    }
                    pieces.push(Piece::Field(field));
                }
                '\\' => {
                    let b = match chars.next() {
                        Some('n') => b'\n',
                        Some('t') => b'\t',
                        Some('r') => b'\r',
                        Some('0') => 0,
                        Some('e') => 0x1b,
                        Some('\\') | None => b'\\',
                        Some(other) => {
                            return Err(TemplateError(format!(
                                "\\{other} is not an escape; use \\n, \\t, \\r, \\0, \\e or \\\\"
                            )))
                        }
                    };
                    lit.push(b);
                }
                c => {
                    let mut buf = [0u8; 4];
                    lit.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        if !lit.is_empty() {
            pieces.push(Piece::Text(lit));
        }
        Ok(Template { pieces })
    }

    /// The pieces, in order.
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// Writes the template for one message; `value` writes a field.
    pub fn render(
        &self,
        w: &mut dyn Write,
        mut value: impl FnMut(Field, &mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        for p in &self.pieces {
            match p {
                Piece::Text(t) => w.write_all(t)?,
                Piece::Field(f) => value(*f, w)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_escapes() {
        let t = Template::parse("%t\\t%p %% \\\\ %q\\n").unwrap();
        assert_eq!(
            t.pieces(),
            [
                Piece::Field(Field::Topic),
                Piece::Text(b"\t".to_vec()),
                Piece::Field(Field::Payload),
                Piece::Text(b" % \\ ".to_vec()),
                Piece::Field(Field::Qos),
                Piece::Text(b"\n".to_vec()),
            ]
        );
        let mut out = Vec::new();
        t.render(&mut out, |f, w| write!(w, "<{f:?}>")).unwrap();
        assert_eq!(out, b"<Topic>\t<Payload> % \\ <Qos>\n");
    }

    #[test]
    fn bad_templates_say_what_to_write() {
        for (bad, says) in [
            ("%z", "%z is not a placeholder"),
            ("x%", "lone %"),
            ("\\q", "\\q is not an escape"),
        ] {
            let e = Template::parse(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
