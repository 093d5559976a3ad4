//! Taking messages off the queue: the subscription (made at open, and again after a
//! reconnect whose session lost it), the next message, and the batch loop of `receive` and
//! `listen`: write a batch to the sink, flush it, and only then acknowledge it
//! (docs/DESIGN.md §2, acknowledge after output).

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use super::conn::Conn;
use super::error::QueueError;
use super::message::{Consumed, Message, Sink, Stop};
use crate::config::QueueConfig;

/// How many messages a batch may hold between two flushes of the sink: large enough that a
/// flush (one write syscall) serves many small messages, small enough that a crash
/// redelivers little.
const BATCH: usize = 512;

/// The MQTT 5 Receive Maximum of receive and listen: two batches, so that the broker fills
/// the next while one is written and acknowledged.
pub const CONSUMER_WINDOW: u16 = 2 * BATCH as u16;

/// What a queue subscribes to, and how it reads what arrives.
pub(super) struct Consumer {
    /// Every filter as subscribed: the topic, then more `-t` filters (`$share/GROUP/…`
    /// with a group).
    filters: Vec<String>,
    /// The subscription's QoS: at least 1 for a durable queue, whose broker keeps only
    /// what it would have to acknowledge.
    qos: u8,
    /// Decode envelopes.
    envelopes: bool,
    /// How long a SUBACK, or the writing of a batch's acknowledgements, may take.
    connect_timeout: Duration,
}

impl Consumer {
    /// The consumer of `topic` (the configured one, already checked) as `cfg` describes it.
    pub(super) fn new(cfg: &QueueConfig, topic: &str, durable: bool) -> Consumer {
        let filters = std::iter::once(topic)
            .chain(cfg.extra_topics.iter().map(String::as_str))
            .map(|f| match &cfg.options.group {
                Some(g) => format!("$share/{g}/{f}"),
                None => f.to_owned(),
            })
            .collect();
        Consumer {
            filters,
            qos: if durable {
                cfg.options.qos.max(1)
            } else {
                cfg.options.qos
            },
            envelopes: cfg.options.serialize_envelope,
            connect_timeout: cfg.options.connect_timeout,
        }
    }

    /// Every filter of the subscription.
    pub(super) fn filters(&self) -> &[String] {
        &self.filters
    }

    /// Subscribes (see [`Consumer::send_subscribe`]) and waits until the broker acknowledged
    /// every filter or a message arrived, whichever comes first.
    pub(super) async fn subscribe(&self, conn: &mut Conn) -> Result<(), QueueError> {
        self.send_subscribe(conn).await?;
        while conn.tracker().subacks_pending() && conn.inbox_is_empty() {
            let deadline = conn
                .tracker()
                .suback_due()
                .unwrap_or_else(|| Instant::now() + self.connect_timeout);
            if !conn.wait(Some(deadline)).await? {
                return Err(conn.tracker().suback_timeout());
            }
        }
        Ok(())
    }

    /// Sends the SUBSCRIBEs unless a durable session already holds the subscription
    /// (re-subscribing would make an MQTT 3.1.1 broker resend the retained message; MQTT 5's
    /// Retain Handling makes it harmless, so there mqq always subscribes). Does not wait for
    /// the SUBACKs: they are checked as they arrive (a refusal is an error then), and one
    /// that does not come within the connect timeout while nothing else arrives either is
    /// an error of the broker's.
    pub(super) async fn send_subscribe(&self, conn: &mut Conn) -> Result<(), QueueError> {
        if conn.tracker().is_subscribed() {
            return Ok(());
        }
        if conn.tracker().is_durable()
            && conn.link().session_present()
            && !conn.link().resubscribe_is_safe()
        {
            conn.tracker_mut().subscription_resumed();
            return Ok(());
        }
        for filter in &self.filters {
            conn.subscribe(filter.clone(), self.qos).await?;
        }
        conn.tracker_mut().subscribed();
        if conn.tracker().reconnects() > 0 {
            tracing::info!(
                "subscribed again to {} at {} (the new session had no subscription)",
                self.filters.join(", "),
                conn.tracker().broker().uri()
            );
        }
        Ok(())
    }

    /// The next message, waiting until `deadline` (forever with `None`). `Ok(None)` on timeout.
    pub(super) async fn next(
        &self,
        conn: &mut Conn,
        deadline: Option<Instant>,
    ) -> Result<Option<Message>, QueueError> {
        loop {
            conn.ack_skipped().await?;
            // Also after a reconnect that lost the subscription (see `Tracker::take`).
            self.send_subscribe(conn).await?;
            if let Some(d) = conn.pop() {
                return Ok(Some(Message::decoded(d, self.envelopes)));
            }
            // A SUBACK still due bounds the wait too, unless the caller's deadline is first.
            let suback = conn.tracker().suback_due();
            let wait = match (deadline, suback) {
                (Some(d), Some(s)) => Some(d.min(s)),
                (d, s) => d.or(s),
            };
            if !conn.wait(wait).await? {
                let suback_first =
                    wait.is_some_and(|w| suback.is_some_and(|s| w >= s) && deadline != Some(w));
                if suback_first {
                    return Err(conn.tracker().suback_timeout());
                }
                return Ok(None);
            }
        }
    }

    /// The next message, or `Ok(None)` once nothing arrived for `quiet`: no message, and no
    /// byte of one. A message still arriving (a large one, a slow link) holds the end off
    /// while its bytes keep coming, however long that takes.
    pub(super) async fn next_unless_quiet(
        &self,
        conn: &mut Conn,
        quiet: Duration,
    ) -> Result<Option<Message>, QueueError> {
        loop {
            let mark = conn.read_mark();
            if let Some(m) = self.next(conn, Some(Instant::now() + quiet)).await? {
                return Ok(Some(m));
            }
            if !conn.message_arriving_since(mark) {
                return Ok(None);
            }
        }
    }

    /// A message that has already arrived, without waiting.
    pub(super) fn try_next(&self, conn: &mut Conn) -> Result<Option<Message>, QueueError> {
        Ok(conn.try_pop()?.map(|d| Message::decoded(d, self.envelopes)))
    }

    /// Writes messages to the sink a batch at a time, acknowledging each batch only after
    /// the sink flushed it, until `max` messages, `deadline`, `idle` without a message, or
    /// `shutdown`.
    pub(super) async fn consume(
        &self,
        conn: &mut Conn,
        sink: &mut dyn Sink,
        max: Option<usize>,
        deadline: Option<Instant>,
        idle: Option<Duration>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<Consumed, QueueError> {
        tokio::pin!(shutdown);
        let mut count = 0usize;
        let mut batch: Vec<Message> = Vec::new();
        loop {
            if max.is_some_and(|m| count >= m) {
                return Ok(Consumed {
                    count,
                    stop: Stop::Count,
                });
            }
            let wait_until = match (deadline, idle.map(|i| Instant::now() + i)) {
                (Some(d), Some(i)) => Some(d.min(i)),
                (d, i) => d.or(i),
            };
            let mark = conn.read_mark();
            let first = tokio::select! {
                biased;
                () = &mut shutdown => return Ok(Consumed { count, stop: Stop::Shutdown }),
                m = self.next(conn, wait_until) => m?,
            };
            let Some(first) = first else {
                // Not idle while a message is still arriving (only `-W` is a hard limit).
                let before_deadline = deadline.is_none_or(|d| Instant::now() < d);
                if idle.is_some() && before_deadline && conn.message_arriving_since(mark) {
                    continue;
                }
                return Ok(Consumed {
                    count,
                    stop: Stop::Timeout,
                });
            };
            batch.clear();
            batch.push(first);
            let room = max.map_or(BATCH, |m| (m - count).min(BATCH));
            while batch.len() < room {
                match self.try_next(conn)? {
                    Some(m) => batch.push(m),
                    None => break,
                }
            }
            // Write, flush, and only then acknowledge (docs/DESIGN.md §2: ack after output).
            let written = batch
                .iter()
                .try_for_each(|m| sink.write(m))
                .and_then(|()| sink.flush());
            if let Err(e) = written {
                return Ok(Consumed {
                    count,
                    stop: Stop::Sink(e),
                });
            }
            for m in &batch {
                conn.ack(&m.delivery).await?;
            }
            conn.ack_skipped().await?;
            conn.acks_written(self.connect_timeout).await?;
            count += batch.len();
            // Give the batch's budget back before waiting for the next message: holding it
            // could keep the link paused (see the link's `Budget`) with nothing left to read.
            batch.clear();
        }
    }
}
