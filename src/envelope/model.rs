//! The envelope as mqq holds it, independent of the wire version: [`Envelope`], which
//! correlation key to write ([`EnvelopeVersion`]), and new message ids.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

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
pub(super) fn fresh_id() -> [u8; uuid::fmt::Simple::LENGTH] {
    let mut buf = [0u8; uuid::fmt::Simple::LENGTH];
    uuid::Uuid::new_v4().simple().encode_lower(&mut buf);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

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
