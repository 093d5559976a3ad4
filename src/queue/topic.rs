//! MQTT topic and topic-filter validation (MQTT 3.1.1 §4.7), so that bad topics fail
//! with exit 2 before anything reaches the broker.

use super::QueueError;

/// Checks a topic name for publishing: non-empty, no wildcards, no NUL, ≤ 65535 bytes.
pub fn validate_publish(topic: &str) -> Result<(), QueueError> {
    common(topic)?;
    if topic.contains(['+', '#']) {
        return Err(QueueError::Usage(format!(
            "topic \"{topic}\" has a wildcard (+ or #): messages can only be sent to a concrete topic; \
             give one with -t"
        )));
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
            return Err(QueueError::Usage(format!(
                "topic filter \"{filter}\" is invalid: '+' must fill a whole level and '#' must be \
                 the last level (e.g. a/+/c or a/#)"
            )));
        }
    }
    Ok(())
}

/// True when the filter has an MQTT wildcard.
pub fn has_wildcard(filter: &str) -> bool {
    filter.contains(['+', '#'])
}

fn common(topic: &str) -> Result<(), QueueError> {
    if topic.is_empty() {
        return Err(QueueError::Usage(
            "the topic is empty; give one with -t TOPIC, MQQ_TOPIC or `topic:` in the config"
                .into(),
        ));
    }
    if topic.contains('\0') {
        return Err(QueueError::Usage(
            "the topic contains a NUL character; remove it".into(),
        ));
    }
    if topic.len() > 65_535 {
        return Err(QueueError::Usage(format!(
            "the topic is {} bytes long; MQTT allows at most 65535",
            topic.len()
        )));
    }
    Ok(())
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
