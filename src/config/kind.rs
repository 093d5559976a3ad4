//! The kinds of option values ([`ValueKind`]): how each is checked, written canonically for
//! `mqq config`, and explained when it is wrong.

use std::time::Duration;

use super::render;
use super::values::{option_duration, parse_bool, parse_qos, ProtocolVersion};
use crate::envelope::EnvelopeVersion;

/// The kinds of option values: how each is checked, written canonically, and explained.
#[derive(Debug, Clone, Copy)]
pub(super) enum ValueKind {
    Qos,
    Bool,
    Millis,
    EnvelopeVersion,
    /// Any text (a name, a path).
    Text,
    /// Comma-separated items; blanks dropped.
    List,
    ProtocolVersion,
    Expiry,
}

impl ValueKind {
    /// The value in canonical form, or `None` when it is not of this kind.
    pub(super) fn canonical(self, text: &str) -> Option<String> {
        match self {
            ValueKind::Qos => parse_qos(text).map(|q| q.to_string()),
            ValueKind::Bool => parse_bool(text).map(|b| b.to_string()),
            ValueKind::Millis => option_duration(text).map(|d| {
                if d.subsec_nanos() % 1_000_000 == 0 {
                    d.as_millis().to_string()
                } else {
                    humantime::format_duration(d).to_string()
                }
            }),
            ValueKind::EnvelopeVersion => {
                text.parse::<EnvelopeVersion>().ok().map(|v| v.to_string())
            }
            ValueKind::Text => Some(text.trim().to_string()),
            ValueKind::List => Some(
                text.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ValueKind::ProtocolVersion => {
                text.parse::<ProtocolVersion>().ok().map(|v| v.to_string())
            }
            ValueKind::Expiry if text.trim().eq_ignore_ascii_case("never") => Some("never".into()),
            // Zero would end a durable queue's session with its connection.
            ValueKind::Expiry => option_duration(text)
                .filter(|d| !d.is_zero())
                .and_then(|_| ValueKind::Millis.canonical(text)),
        }
    }

    /// A canonical value as `mqq config` writes it in YAML.
    pub(super) fn shown(self, canonical: &str) -> String {
        match self {
            ValueKind::Text | ValueKind::List => render::scalar(canonical),
            // Days, not 604800000: an expiry is long; it reads back the same (`7days`).
            ValueKind::Expiry => canonical.parse::<u64>().map_or_else(
                |_| canonical.to_string(),
                |ms| humantime::format_duration(Duration::from_millis(ms)).to_string(),
            ),
            _ => canonical.to_string(),
        }
    }

    /// What the user should write instead of a bad value.
    pub(super) fn expected(self) -> &'static str {
        match self {
            ValueKind::Qos => "is not a QoS level; use 0, 1 or 2",
            ValueKind::Bool => "is not a boolean; use true or false (also 1/0, yes/no, y/n, t/f)",
            ValueKind::Millis => {
                "is not a duration; use milliseconds (5000) or a duration like 5s or 500ms \
                 (at most 365 days)"
            }
            ValueKind::EnvelopeVersion => "is not an envelope version; use 3, 4 or both",
            ValueKind::Text | ValueKind::List => "is not valid here",
            ValueKind::ProtocolVersion => {
                "is not an MQTT protocol version; use 3.1.1, 5 or auto (for mqq's own version \
                 use --version)"
            }
            ValueKind::Expiry => {
                "is not a session expiry; use never, or a duration above zero like 1d, 12h or \
                 3600000 (milliseconds, at most 365 days)"
            }
        }
    }
}

/// The typed value of a canonical string (already checked by [`ValueKind::canonical`]).
pub(super) fn kind_value<T: Default>(parse: impl Fn(&str) -> Option<T>, canonical: &str) -> T {
    parse(canonical).unwrap_or_default()
}
