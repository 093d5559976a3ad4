//! Opening a connection for a queue: what the role asks of it (client id, session, windows,
//! back-pressure), what is checked before anything is sent (topics, the group, the client id
//! and user name), and the failover list tried in order (docs/DESIGN.md §3), with a cluster
//! that refuses for a while ridden out. Also the two connections that are no queue: `clear`,
//! and the removal of a streaming producer's own session.

use std::time::Duration;

use tokio::time::Instant;

use super::consume::CONSUMER_WINDOW;
use super::error::{AuthReason, ConnectCause, QueueError, TopicProblem};
use super::link::{self, Link, LinkOptions, Session};
use super::message::Role;
use super::topic;
use crate::config::{BrokerAddr, QueueConfig};

/// How long a streaming producer's MQTT 5 session outlives a crash of mqq.
const PRODUCER_SESSION_EXPIRY: Duration = Duration::from_secs(300);

/// Publishes a producer keeps awaiting their acknowledgement: a deep pipeline keeps the
/// link busy while PUBACKs travel back (docs/PERFORMANCE.md §4).
const PRODUCER_INFLIGHT: u16 = 1024;

/// Publishes a consumer may have in flight (it publishes nothing; MQTT wants a value).
const CONSUMER_INFLIGHT: u16 = 100;

/// What opening a queue for a role decided, before connecting.
pub(super) struct Opening {
    /// The topic (or first filter), checked.
    pub topic: String,
    /// The queue's client id (durable) or an ephemeral one.
    pub client_id: String,
    /// A persistent session under the queue's client id.
    pub durable: bool,
    /// The link reconnects when the connection breaks.
    pub reconnect: bool,
    /// How to connect.
    pub options: LinkOptions,
}

/// A fresh client id for ephemeral connections: `mqq-` and 16 hex digits.
pub fn ephemeral_client_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("mqq-{}", &id[..16])
}

/// What `role` asks of the connection (see `Queue::open_for`), every name checked first.
pub(super) fn opening(
    cfg: &QueueConfig,
    role: Role,
    reconnect: bool,
    messages: Option<u64>,
) -> Result<Opening, QueueError> {
    let topic = check_topics(cfg, role)?;
    check_identity(cfg)?;
    check_group(cfg, &topic)?;
    let durable = role != Role::Producer && cfg.client_id.is_some();
    let client_id = match (role, &cfg.client_id) {
        (Role::Consumer | Role::Inspector, Some(id)) => id.clone(),
        _ => ephemeral_client_id(),
    };
    let reconnect = reconnect && cfg.options.retry_connect;
    // A producer that reconnects (send -l) keeps a session of its own, so that after a
    // reconnect the broker still knows the publishes in flight and the link resends them
    // in order; `close` removes it. Without a session the library would drop them. QoS 0
    // has nothing in flight: no session, and no second connection to remove it.
    let streaming = role == Role::Producer && reconnect && cfg.options.qos > 0;
    let session = if durable || streaming {
        Session::Persistent
    } else {
        Session::Clean
    };
    let inflight = match role {
        Role::Producer => messages.map_or(PRODUCER_INFLIGHT, |n| {
            u16::try_from(n.max(1)).map_or(PRODUCER_INFLIGHT, |n| n.min(PRODUCER_INFLIGHT))
        }),
        Role::Consumer | Role::Inspector => CONSUMER_INFLIGHT,
    };
    let mut options = LinkOptions::new(cfg, client_id.clone(), session)
        .reconnect(cfg, reconnect)
        .inflight(inflight)
        .receive_maximum(match role {
            Role::Consumer => CONSUMER_WINDOW,
            Role::Producer | Role::Inspector => link::RECEIVE_MAXIMUM,
        });
    if role == Role::Consumer {
        options = options.budget(link::BUDGET_BYTES, link::BUDGET_MESSAGES);
    }
    // A peek or count never acknowledges: nothing would carry its TCP ACKs.
    options.quickack_always = role == Role::Inspector;
    if streaming {
        // MQTT 5: a producer's session outlives a crash of mqq by minutes, not forever.
        options.session_expiry = Some(PRODUCER_SESSION_EXPIRY);
    }
    Ok(Opening {
        topic,
        client_id,
        durable,
        reconnect,
        options,
    })
}

/// The topic, checked for what the role does with it: one topic to publish to, or filters
/// to subscribe to.
fn check_topics(cfg: &QueueConfig, role: Role) -> Result<String, QueueError> {
    let topic = cfg.topic.clone().ok_or(QueueError::NoTopic)?;
    match role {
        Role::Producer if !cfg.extra_topics.is_empty() => {
            return Err(QueueError::BadTopic {
                topic,
                problem: TopicProblem::Several(1 + cfg.extra_topics.len()),
            })
        }
        Role::Producer => topic::validate_publish(&topic)?,
        Role::Consumer | Role::Inspector => {
            for t in std::iter::once(&topic).chain(&cfg.extra_topics) {
                topic::validate_filter(t)?;
            }
        }
    }
    Ok(topic)
}

/// A `--group` must be one topic level of a shared subscription (`$share/GROUP/topic`).
fn check_group(cfg: &QueueConfig, topic: &str) -> Result<(), QueueError> {
    if let Some(g) = &cfg.options.group {
        if g.is_empty() || g.contains(['/', '+', '#']) || g.chars().any(topic::forbidden) {
            return Err(QueueError::BadTopic {
                topic: format!("$share/{g}/{topic}"),
                problem: TopicProblem::BadGroup,
            });
        }
    }
    Ok(())
}

/// The client id and user name must be strings MQTT carries: checked before connecting, so
/// that a bad one is a usage error, not a connection the broker drops.
fn check_identity(cfg: &QueueConfig) -> Result<(), QueueError> {
    if let Some(id) = &cfg.client_id {
        topic::validate_identity("client id", id)?;
    }
    if let Some(c) = &cfg.credential {
        topic::validate_identity("user name", &c.username)?;
    }
    Ok(())
}

/// Tries each broker of the failover list in order; a refusal (bad credentials) stops the
/// search, since the next broker would most likely refuse too. A link that reconnects (a
/// streaming verb) also rides out CONNECTs closed or refused as unavailable for a while (a
/// NATS cluster electing leaders after a node's loss does that for a few seconds): it tries
/// again after the reconnect back-off until the connect timeout has passed, then reports the
/// last cause.
pub(super) async fn connect_any(
    addrs: &[BrokerAddr],
    opts: &LinkOptions,
) -> Result<(Link, BrokerAddr), QueueError> {
    let give_up = Instant::now() + opts.connect_timeout;
    let mut round = 0;
    loop {
        let e = match connect_round(addrs, opts).await {
            Ok(found) => return Ok(found),
            Err(e) => e,
        };
        // Several addresses: whether to try again follows the last one's error.
        let last = match &e {
            QueueError::NoneAccepted { tried } => tried.last().map_or(&e, |(_, e)| e),
            other => other,
        };
        let transient = matches!(
            last,
            QueueError::Connect {
                cause: ConnectCause::ClosedAtConnect | ConnectCause::Unavailable,
                ..
            } | QueueError::Auth {
                reason: AuthReason::ClosedWithoutCredentials { .. },
                ..
            }
        );
        let Some(base) = opts.reconnect.filter(|_| transient) else {
            return Err(e);
        };
        let delay = link::backoff(base, round);
        if Instant::now() + delay >= give_up {
            return Err(e);
        }
        tracing::warn!(
            "{e}; trying again in {}",
            humantime::format_duration(Duration::from_millis(delay.as_millis() as u64))
        );
        round += 1;
        tokio::time::sleep(delay).await;
    }
}

/// One pass over the failover list.
async fn connect_round(
    addrs: &[BrokerAddr],
    opts: &LinkOptions,
) -> Result<(Link, BrokerAddr), QueueError> {
    let mut tried = Vec::new();
    for (i, addr) in addrs.iter().enumerate() {
        // A reconnect tries the next nodes first, then the earlier ones.
        let opts = &LinkOptions {
            alternates: addrs[i + 1..].iter().chain(&addrs[..i]).cloned().collect(),
            ..opts.clone()
        };
        match Link::connect(addr, opts).await {
            Ok(link) => return Ok((link, addr.clone())),
            Err(
                e @ QueueError::Auth {
                    reason: AuthReason::ClosedWithoutCredentials { .. },
                    ..
                },
            ) => tried.push((addr.uri(), e)),
            Err(
                e @ (QueueError::Auth { .. }
                | QueueError::Unsupported { .. }
                | QueueError::TlsSetup { .. }),
            ) => return Err(e),
            Err(e) => {
                tracing::debug!("{e}");
                tried.push((addr.uri(), e));
            }
        }
    }
    // One address: its own error; several: each named with why.
    match tried.len() {
        // The config always resolves at least one address (mqtt://localhost:1883 by default).
        0 => Err(QueueError::Connect {
            broker: "(no address)".into(),
            cause: ConnectCause::Other("no broker address configured".into()),
        }),
        1 => Err(tried.remove(0).1),
        _ => Err(QueueError::NoneAccepted { tried }),
    }
}

/// Removes the queue's session (and its pending messages) at the broker: connects with the
/// queue's client id and a clean session, then disconnects.
pub(super) async fn clear(cfg: &QueueConfig) -> Result<BrokerAddr, QueueError> {
    let Some(client_id) = cfg.client_id.clone() else {
        return Err(QueueError::NotDurable { action: "clear" });
    };
    check_identity(cfg)?;
    let opts = LinkOptions::new(cfg, client_id, Session::Clean);
    let (link, addr) = connect_any(&cfg.connections, &opts).await?;
    link.close(true).await;
    Ok(addr)
}

/// Removes a streaming producer's own session at `addr` (see [`opening`]); failing that, it
/// expires.
pub(super) async fn remove_session(cfg: &QueueConfig, client_id: String, addr: &BrokerAddr) {
    let opts = LinkOptions::new(cfg, client_id, Session::Clean);
    if let Ok(link) = Link::connect(addr, &opts).await {
        link.close(true).await;
    }
}
