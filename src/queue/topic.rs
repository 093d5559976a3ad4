//! MQTT topic and topic-filter validation (MQTT 3.1.1 §4.7), so that bad topics fail
//! with exit 2 before anything reaches the broker.

use super::error::{IdentityProblem, QueueError, TopicProblem};

/// Checks a topic name for publishing: non-empty, no wildcards, no NUL, ≤ 65535 bytes.
pub fn validate_publish(topic: &str) -> Result<(), QueueError> {
    common(topic)?;
    if has_wildcard(topic) {
        return Err(bad(topic, TopicProblem::WildcardInPublish));
    }
    Ok(())
}

/// Checks a topic filter for subscribing: `+` fills a whole level, `#` only as the last level.
pub fn validate_filter(filter: &str) -> Result<(), QueueError> {
    common(filter)?;
    let levels: Vec<&str> = filter.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        let bad_plus = level.contains('+') && *level != "+";
        let bad_hash = level.contains('#') && (*level != "#" || i + 1 != levels.len());
        if bad_plus || bad_hash {
            return Err(bad(filter, TopicProblem::BadFilter));
        }
    }
    Ok(())
}

/// Whether `filter` (a subscription's, `$share/GROUP/` allowed) matches the topic name
/// `topic` (MQTT 3.1.1 §4.7): `+` is one level, `#` the rest (the parent level included),
/// and a wildcard in the first level does not match a topic starting with `$`.
pub fn matches(filter: &str, topic: &str) -> bool {
    let filter = filter
        .strip_prefix("$share/")
        .and_then(|rest| rest.split_once('/'))
        .map_or(filter, |(_, f)| f);
    if topic.starts_with('$') && filter.starts_with(['+', '#']) {
        return false;
    }
    let mut t = topic.split('/');
    for level in filter.split('/') {
        match (level, t.next()) {
            ("#", _) => return true,
            ("+", Some(_)) => {}
            (l, Some(tl)) if l == tl => {}
            _ => return false,
        }
    }
    t.next().is_none()
}

/// True when the filter has an MQTT wildcard.
pub fn has_wildcard(filter: &str) -> bool {
    filter.contains(['+', '#'])
}

fn common(topic: &str) -> Result<(), QueueError> {
    if topic.is_empty() {
        return Err(bad(topic, TopicProblem::Empty));
    }
    if topic.contains('\0') {
        return Err(bad(topic, TopicProblem::Nul));
    }
    if let Some(c) = topic.chars().find(|&c| forbidden(c)) {
        return Err(bad(topic, TopicProblem::Control(c)));
    }
    if topic.len() > 65_535 {
        return Err(bad(topic, TopicProblem::TooLong(topic.len())));
    }
    Ok(())
}

/// A character MQTT says a string should not hold (MQTT 3.1.1 §1.5.3, MQTT 5 §1.5.4): the
/// control characters and Unicode's noncharacters. mosquitto closes the connection on a
/// topic with one, which would otherwise look like a network fault.
pub fn forbidden(c: char) -> bool {
    let n = u32::from(c);
    c.is_control() || (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
}

fn bad(topic: &str, problem: TopicProblem) -> QueueError {
    QueueError::BadTopic {
        topic: topic.to_string(),
        problem,
    }
}

/// The MQTT limit of a UTF-8 string field (client id, user name, topic): 65,535 bytes.
pub const MAX_STRING: usize = 65_535;

/// Checks a client id or user name (`what`) before connecting: at most 65,535 bytes, and no
/// control character (MQTT 3.1.1 §1.5.3 forbids U+0000 and says the others should not
/// appear; mosquitto closes the connection on them, which would look like a network error).
pub fn validate_identity(what: &'static str, value: &str) -> Result<(), QueueError> {
    let problem = if value.len() > MAX_STRING {
        Some(IdentityProblem::TooLong(value.len()))
    } else {
        value
            .chars()
            .find(|c| c.is_control())
            .map(IdentityProblem::Control)
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(QueueError::BadIdentity {
            what,
            shown: shorten(value),
            problem,
        }),
    }
}

/// A value for an error message: escaped, and cut to 40 characters.
fn shorten(value: &str) -> String {
    let escaped: String = value
        .chars()
        .take(40)
        .flat_map(char::escape_debug)
        .collect();
    if value.chars().count() > 40 {
        format!("{escaped}…")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_topics() {
        assert!(validate_publish("a/b").is_ok());
        assert!(validate_publish("a/+").is_err());
        assert!(validate_publish("#").is_err());
        assert!(validate_publish("").is_err());
        assert!(validate_publish("a\0b").is_err());
        for bad in [
            "a\u{1}b",
            "a\nb",
            "a\u{1b}[2J",
            "a\u{7f}",
            "a\u{9f}",
            "a\u{ffff}",
            "\u{fdd0}",
        ] {
            assert!(validate_publish(bad).is_err(), "{bad:?}");
            assert!(validate_filter(bad).is_err(), "{bad:?}");
        }
        assert!(validate_publish("é/日本/\u{fffd}").is_ok());
    }

    #[test]
    fn matching() {
        for (f, t) in [
            ("a/b", "a/b"),
            ("a/+", "a/b"),
            ("a/#", "a"),
            ("a/#", "a/b/c"),
            ("#", "x"),
            ("+/+", "/x"),
            ("$share/g/a/+", "a/b"),
            ("$SYS/#", "$SYS/x"),
        ] {
            assert!(matches(f, t), "{f} {t}");
        }
        for (f, t) in [
            ("a/b", "a/c"),
            ("a/+", "a"),
            ("a/+", "a/b/c"),
            ("a", "a/b"),
            ("#", "$SYS/x"),
            ("+/x", "$SYS/x"),
            ("a/b/#", "a"),
        ] {
            assert!(!matches(f, t), "{f} {t}");
        }
    }

    #[test]
    fn filters() {
        for ok in ["a/b", "a/+/c", "+", "#", "a/#", "+/+/#", "/a"] {
            assert!(validate_filter(ok).is_ok(), "{ok}");
        }
        for bad in ["a/b#", "a/#/c", "a+/b", "a/+b", ""] {
            assert!(validate_filter(bad).is_err(), "{bad}");
        }
    }
}
