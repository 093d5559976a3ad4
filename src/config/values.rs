//! Parsing of typed values, one function per kind, shared by flags and config keys. Only
//! durations differ by context, and the names say how: a bare number is seconds on the
//! command line (`-W 5`, as mosquitto's `-W`), milliseconds in config keys (pip-services).

use std::time::Duration;

/// The longest duration mqq accepts anywhere (365 days): longer waits are typing mistakes,
/// and would overflow the clock arithmetic of deadlines.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// What a bare number means in a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bare {
    Seconds,
    Millis,
}

fn parse_duration(text: &str, bare: Bare) -> Result<Duration, String> {
    let text = text.trim();
    let number = match bare {
        Bare::Seconds => text.parse::<f64>().ok().filter(|n| n.is_finite()),
        // pip-services writes integer milliseconds.
        Bare::Millis => (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<f64>().ok().map(|n| n / 1000.0))
            .flatten(),
    };
    let d = match number {
        Some(secs) if secs < 0.0 => return Err("it is negative".into()),
        Some(secs) if secs > MAX_DURATION.as_secs_f64() => None,
        Some(secs) => Some(Duration::from_secs_f64(secs)),
        None => match humantime::parse_duration(text) {
            Ok(d) => Some(d),
            Err(humantime::DurationError::NumberOverflow) => None,
            Err(e) => return Err(e.to_string()),
        },
    };
    match d {
        Some(d) if d <= MAX_DURATION => Ok(d),
        _ => Err("it is longer than 365 days".into()),
    }
}

/// A duration given on the command line: `500ms`, `5s`, `2m`, `1h30m`, or a bare number of
/// seconds. For clap's `value_parser`.
pub fn flag_duration(text: &str) -> Result<Duration, String> {
    parse_duration(text, Bare::Seconds).map_err(|e| format!("{e}; use e.g. 500ms, 5s or 2m"))
}

/// A duration in a config key: integer milliseconds (`5000`, as pip-services writes
/// timeouts) or a duration (`5s`, `500ms`, `1m 30s`).
pub fn option_duration(text: &str) -> Option<Duration> {
    parse_duration(text, Bare::Millis).ok()
}

/// A size given on the command line: bytes, or with `K` / `M` (KiB, MiB): `512`, `64K`,
/// `1M`; 1 byte to 256 MiB (MQTT's largest packet). For clap's `value_parser`.
pub fn flag_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (num, unit) = match t.strip_suffix(['K', 'k']) {
        Some(n) => (n, 1024),
        None => match t.strip_suffix(['M', 'm']) {
            Some(n) => (n, 1024 * 1024),
            None => (t, 1),
        },
    };
    match num.parse::<u64>().ok().and_then(|n| n.checked_mul(unit)) {
        Some(n) if (1..=256 * 1024 * 1024).contains(&n) => Ok(n),
        Some(_) => Err("expected 1 byte to 256M (MQTT's largest packet)".into()),
        None => Err("expected bytes, or a number with K or M, e.g. 64K or 1M".into()),
    }
}

/// `KEY=VALUE` (a user property): the key non-empty, the value anything. For clap's
/// `value_parser`.
pub fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err("expected KEY=VALUE with a non-empty KEY, e.g. --property origin=cli".into()),
    }
}

/// pip-services booleans: `true/false/1/0/yes/no/y/n/t/f`, case-insensitive.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "t" => Some(true),
        "false" | "0" | "no" | "n" | "f" => Some(false),
        _ => None,
    }
}

/// A QoS level, 0–2.
pub fn parse_qos(text: &str) -> Option<u8> {
    text.trim().parse::<u8>().ok().filter(|q| *q <= 2)
}

/// `options.protocol_version` / `-V`: which MQTT version to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProtocolVersion {
    /// MQTT 3.1.1 only.
    V311,
    /// MQTT 5 only.
    V5,
    /// MQTT 5, falling back to 3.1.1 when the broker rejects the protocol (never on a
    /// refusal of the credentials).
    #[default]
    Auto,
}

impl std::str::FromStr for ProtocolVersion {
    type Err = ();

    /// `3.1.1` (also `311`, `4`, `mqttv311`), `5` (also `5.0`, `mqttv5`) or `auto`, as
    /// mosquitto's clients spell them; case-insensitive.
    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim().to_ascii_lowercase().as_str() {
            "3.1.1" | "311" | "4" | "v4" | "mqttv311" => Ok(Self::V311),
            "5" | "5.0" | "v5" | "mqttv5" => Ok(Self::V5),
            "auto" => Ok(Self::Auto),
            _ => Err(()),
        }
    }
}

impl std::fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::V311 => "3.1.1",
            Self::V5 => "5",
            Self::Auto => "auto",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_durations_take_bare_seconds() {
        assert_eq!(flag_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(flag_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(flag_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(flag_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(flag_duration("soon").is_err());
        assert!(flag_duration("-1").is_err());
    }

    #[test]
    fn option_durations_take_bare_milliseconds() {
        assert_eq!(option_duration("5000"), Some(Duration::from_secs(5)));
        assert_eq!(option_duration(" 7 "), Some(Duration::from_millis(7)));
        assert_eq!(option_duration("1m 30s"), Some(Duration::from_secs(90)));
        assert_eq!(option_duration("1.5"), None);
    }

    #[test]
    fn protocol_versions_as_mosquitto_spells_them() {
        for (text, v) in [
            ("3.1.1", ProtocolVersion::V311),
            ("mqttv311", ProtocolVersion::V311),
            ("5", ProtocolVersion::V5),
            ("MQTTv5", ProtocolVersion::V5),
            (" auto ", ProtocolVersion::Auto),
        ] {
            assert_eq!(text.parse::<ProtocolVersion>(), Ok(v), "{text}");
        }
        for text in ["3.1", "6", "", "mqttv31"] {
            assert!(text.parse::<ProtocolVersion>().is_err(), "{text}");
        }
    }

    #[test]
    fn huge_durations_are_refused_not_a_panic() {
        for text in ["1e20", "1e19", "2e19", "18446744073709551615", "inf", "NaN"] {
            assert!(flag_duration(text).is_err(), "{text}");
        }
        for text in [
            "99999999999999999999",
            "18446744073709551615",
            "100000000000000000",
        ] {
            assert_eq!(option_duration(text), None, "{text}");
        }
        assert!(flag_duration("9999999999999999h").is_err());
        assert_eq!(flag_duration("365d"), Ok(MAX_DURATION));
        assert!(flag_duration("366d").is_err());
    }
}
