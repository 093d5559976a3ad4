//! `work`'s dead letters: a message that failed `--max-attempts` times, published to
//! `--dead-letter TOPIC` at QoS 1 or more as its original bytes (on MQTT 5 with the failure
//! in user properties), on a connection of its own, acknowledged by the broker before the
//! source acknowledges it.

use crate::config::QueueConfig;
use crate::queue::{Message, OutMessage, Properties, Queue, QueueError, Role, Version};

/// How a message failed for good, for the dead letter's MQTT 5 user properties.
pub(super) struct Failure<'a> {
    /// Runs of the command, every one failed.
    pub attempts: u32,
    /// The last run's exit code, when it had one.
    pub code: Option<i32>,
    /// The last run's failure in words.
    pub why: &'a str,
    /// The last line the last run wrote to stderr.
    pub last_stderr: &'a str,
}

/// Publishes a message that failed for good to the dead-letter topic `topic` and waits for
/// the broker's acknowledgement.
pub(super) async fn publish(
    cfg: &QueueConfig,
    topic: &str,
    m: &Message,
    failure: &Failure<'_>,
) -> anyhow::Result<()> {
    let Failure {
        attempts,
        code,
        why,
        last_stderr,
    } = *failure;
    let mut c = cfg.clone();
    c.topic = Some(topic.to_string());
    c.extra_topics.clear();
    c.options.qos = c.options.qos.max(1);
    let mut p = Queue::open(&c, Role::Producer, false).await?;
    let mut props = m.delivery.properties.clone();
    if p.version() == Version::V5 {
        let mut add = |k: &str, v: String| props.user.push((k.to_string(), v));
        add("mqq-failed-topic", m.delivery.topic.clone());
        add("mqq-attempts", attempts.to_string());
        add("mqq-failure", why.to_string());
        if let Some(code) = code {
            add("mqq-exit-code", code.to_string());
        }
        if !last_stderr.is_empty() {
            add("mqq-last-stderr", last_stderr.chars().take(1000).collect());
        }
    } else {
        props = Properties::default();
    }
    // The original bytes, envelope and all: a pip-services reader sees the same message.
    p.send(&OutMessage {
        payload: m.delivery.payload.clone(),
        bare: true,
        properties: props,
        ..OutMessage::default()
    })
    .await?;
    let report = p.flush(c.options.connect_timeout).await;
    p.close().await;
    if let Some(e) = report.error {
        return Err(e.into());
    }
    if report.completed < 1 {
        return Err(QueueError::NoAck {
            broker: c.connections[0].uri(),
            after: c.options.connect_timeout,
        }
        .into());
    }
    Ok(())
}
