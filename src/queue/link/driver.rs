//! The connection task: the one owner of a link's connection, as in tokio's mini-redis. The
//! queue talks to it over two channels: requests in ([`Request`]), events out
//! ([`LinkEvent`]). Written once, generic over the protocol version ([`Codec`]).
//!
//! What it does by design, turn after turn:
//! - every request already queued (publishes, the consumer's acknowledgements in the order
//!   they were given, subscriptions) is encoded into one buffer and written before one flush;
//! - the socket is read into one buffer and whole packets are handed up;
//! - reading stops while the consumer's budget is spent ([`Budget`]) and nothing of its own
//!   awaits an answer, so a slow output pushes back through TCP to the broker; requests are
//!   still written meanwhile (acknowledgements above all), and keepalive pings go out;
//! - TCP quick ACKs are asked for while it waits for an answer with nothing to write;
//! - QoS 1 and 2 flows both ways, in-flight publishes resent in order (DUP) after a
//!   reconnect, keepalive pings, and one reconnect, back-off and failover policy.
//!
//! Size: one state machine over one connection's buffers (serve, encode, parse, reconnect),
//! whose steps share every field; what stands apart is apart: the in-flight window
//! (`window.rs`), the flags the handle reads (`shared.rs`), the plan (`options.rs`).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::budget::Budget;
use super::codec::{AckKind, Codec, In, OutPublish, MAX_PACKET};
use super::events::{AckToken, Delivery, Disconnect, ErrorKind, LinkEvent};
use super::handshake::{self, Opened, READ_CHUNK};
use super::limits::ServerLimits;
use super::options::Plan;
use super::retry::failover_delay;
use super::shared::{Shared, DUP_FLAG};
use super::transport::Stream;
use super::window::{Inflight, Rec, Slot};

/// What the queue asks of the connection task.
#[derive(Debug)]
pub(super) enum Request {
    Publish(OutPublish),
    Ack(AckToken),
    Subscribe { filter: String, qos: u8 },
    Disconnect,
}

/// Bytes of encoded requests after which the task writes before taking more.
const WRITE_BATCH: usize = 64 << 10;

/// Packet ids of subscriptions: above every publish's (at most `window::MAX_WINDOW`).
const SUB_PKIDS: std::ops::RangeInclusive<u16> = 64_001..=65_535;

/// Why a connection ended.
enum Broken {
    /// Every handle is gone, or the broker closed after our DISCONNECT: the task ends.
    Done,
    /// The connection broke: report, and reconnect if allowed.
    Lost {
        cause: String,
        kind: ErrorKind,
        reason: Option<Disconnect>,
    },
    /// A publish larger than the broker takes: sending it again would fail again.
    Fatal { cause: String, kind: ErrorKind },
}

fn lost(cause: impl Into<String>, kind: ErrorKind) -> Broken {
    Broken::Lost {
        cause: cause.into(),
        kind,
        reason: None,
    }
}

fn io_lost(e: &std::io::Error) -> Broken {
    let kind = if matches!(
        e.kind(),
        std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe
    ) {
        ErrorKind::ClosedByBroker
    } else {
        ErrorKind::Other
    };
    lost(e.to_string(), kind)
}

/// The connection task of one link.
pub(super) struct Driver<C> {
    plan: Plan,
    current: usize,
    stream: Stream,
    rbuf: BytesMut,
    wbuf: BytesMut,
    rx: mpsc::Receiver<Request>,
    /// A publish taken from `rx` that waits for room in the window.
    held: Option<Request>,
    tx: mpsc::UnboundedSender<LinkEvent>,
    shared: Arc<Shared>,
    budget: Arc<Budget>,
    /// The publishes in flight.
    window: Inflight,
    next_sub_pkid: u16,
    subs_pending: usize,
    /// The broker's Maximum Packet Size.
    max_out: Option<u32>,
    keepalive: Option<Duration>,
    last_write: Instant,
    /// A PINGREQ is unanswered since then (only while reading).
    ping_sent: Option<Instant>,
    /// DISCONNECT was taken: write it, then wait for the broker's close.
    closing: bool,
    failures: u32,
    /// Whether reading was paused for the budget yet (said once).
    paused_once: bool,
    /// Events of what the last write carried, sent once it is flushed.
    qos0_written: u64,
    acks_written: usize,
    _codec: std::marker::PhantomData<C>,
}

/// What woke the task.
enum Wake {
    Request(Option<Request>),
    Read(std::io::Result<usize>),
    Ping,
    Budget,
}

impl<C: Codec> Driver<C> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        plan: Plan,
        opened: Opened,
        rx: mpsc::Receiver<Request>,
        tx: mpsc::UnboundedSender<LinkEvent>,
        shared: Arc<Shared>,
        budget: Arc<Budget>,
    ) -> Driver<C> {
        let mut d = Driver {
            window: Inflight::new(plan.inflight),
            keepalive: (plan.keepalive > 0).then(|| Duration::from_secs(plan.keepalive.into())),
            plan,
            current: 0,
            stream: opened.stream,
            rbuf: opened.rbuf,
            wbuf: BytesMut::with_capacity(8 << 10),
            rx,
            held: None,
            tx,
            shared,
            budget,
            next_sub_pkid: *SUB_PKIDS.start(),
            subs_pending: 0,
            max_out: None,
            last_write: Instant::now(),
            ping_sent: None,
            closing: false,
            failures: 0,
            paused_once: false,
            qos0_written: 0,
            acks_written: 0,
            _codec: std::marker::PhantomData,
        };
        d.adopt(&opened.limits);
        d.shared.up.store(true, Ordering::Relaxed);
        d
    }

    /// What the broker's CONNACK says the task must honour.
    fn adopt(&mut self, limits: &ServerLimits) {
        self.max_out = limits.max_packet_size;
        self.window.limit(limits.receive_maximum);
        if let Some(k) = limits.server_keep_alive {
            self.keepalive = (k > 0).then(|| Duration::from_secs(k.into()));
        }
    }

    /// Runs until the link is closed, every handle dropped, or (without reconnect) the
    /// connection broke.
    pub(super) async fn run(mut self) {
        loop {
            let broken = self.serve().await;
            self.shared.up.store(false, Ordering::Relaxed);
            let (mut cause, mut kind, mut reason) = match broken {
                Broken::Done => return,
                Broken::Fatal { cause, kind } => {
                    let _ = self.tx.send(LinkEvent::Error {
                        cause,
                        kind,
                        reason: None,
                        retry_in: None,
                    });
                    return;
                }
                Broken::Lost { .. } if self.closing => return,
                Broken::Lost {
                    cause,
                    kind,
                    reason,
                } => (cause, kind, reason),
            };
            loop {
                let n = self.plan.brokers.len();
                let retry_in = self
                    .plan
                    .reconnect
                    .map(|base| failover_delay(base, self.failures, n));
                self.failures += 1;
                if self.plan.reconnect.is_some() && n > 1 {
                    self.current = (self.current + 1) % n;
                }
                let _ = self.tx.send(LinkEvent::Error {
                    cause,
                    kind,
                    reason: reason.take(),
                    retry_in,
                });
                let Some(delay) = retry_in else { return };
                tokio::time::sleep(delay).await;
                let dialer = &self.plan.brokers[self.current];
                let attempt = tokio::time::timeout(
                    self.plan.connect_timeout,
                    handshake::attempt::<C>(dialer, &self.plan.params(), &self.shared.wire),
                )
                .await;
                match attempt {
                    Ok(Ok(opened)) => {
                        self.resume(opened);
                        break;
                    }
                    Ok(Err(e)) => {
                        kind = if e.is_close() {
                            ErrorKind::ClosedByBroker
                        } else {
                            ErrorKind::Other
                        };
                        cause = e.to_string();
                    }
                    Err(_) => {
                        kind = ErrorKind::Other;
                        cause = format!(
                            "no CONNACK within {}",
                            humantime::format_duration(self.plan.connect_timeout)
                        );
                    }
                }
            }
        }
    }

    /// A reconnect's CONNACK: the new connection replaces the old, the queue is told, and
    /// what was in flight is sent again in order.
    fn resume(&mut self, opened: Opened) {
        self.stream = opened.stream;
        self.rbuf = opened.rbuf;
        self.wbuf.clear();
        self.qos0_written = 0;
        self.acks_written = 0;
        self.ping_sent = None;
        self.subs_pending = 0;
        self.last_write = Instant::now();
        self.failures = 0;
        self.adopt(&opened.limits);
        self.shared.whole();
        self.shared.up.store(true, Ordering::Relaxed);
        let _ = self.tx.send(LinkEvent::Reconnected {
            session_present: opened.session_present,
            broker: self.plan.brokers[self.current].addr.clone(),
        });
        for (pkid, slot) in self.window.oldest_first() {
            match slot {
                Slot::Free => {}
                Slot::Sent(p) => {
                    let _ = C::publish(&mut self.wbuf, p, pkid, true, self.max_out);
                }
                Slot::Released => C::ack(&mut self.wbuf, AckKind::Rel, pkid),
            }
        }
    }

    /// Whether the socket may be read now.
    fn may_read(&self) -> bool {
        self.closing
            || !self.window.is_empty()
            || self.ping_sent.is_some()
            || !self.budget.must_stop_reading()
    }

    /// Serves one connection until it ends.
    async fn serve(&mut self) -> Broken {
        // What came in the CONNACK's reads (a resumed session's first messages).
        if let Err(b) = self.parse() {
            return b;
        }
        loop {
            if let Err(b) = self.take_requests() {
                return b;
            }
            if !self.wbuf.is_empty() {
                if let Err(b) = self.write().await {
                    return b;
                }
                if self.closing && self.shared.leave_after_disconnect.load(Ordering::Relaxed) {
                    return Broken::Done;
                }
                continue;
            }
            let may_read = self.may_read();
            if !may_read && !self.paused_once {
                self.paused_once = true;
                tracing::info!(
                    "the output is slower than the broker: reading paused until it catches up \
                     (meanwhile the broker queues what it can; QoS 0 messages it may drop)"
                );
            }
            let awaiting =
                !self.window.is_empty() || self.subs_pending > 0 || self.ping_sent.is_some();
            // Nothing queued at all (a stream with requests queued gets its acknowledgements
            // in time without: asking after every read there cost a QoS 1 stream 39 % more CPU).
            let idle = self.held.is_none() && self.rx.is_empty();
            self.shared.wire.quickack.store(
                awaiting && idle || self.plan.quickack_always,
                Ordering::Relaxed,
            );
            if self.rbuf.capacity() - self.rbuf.len() < 4096 {
                let want = super::codec::missing(&self.rbuf)
                    .unwrap_or(0)
                    .clamp(READ_CHUNK, MAX_PACKET);
                self.rbuf.reserve(want);
            }
            let ping_at = self.ping_at();
            let take = self.held.is_none() && !self.closing;
            let wake = tokio::select! {
                biased;
                r = self.rx.recv(), if take => Wake::Request(r),
                r = self.stream.read_buf(&mut self.rbuf), if may_read => Wake::Read(r),
                () = sleep_until(ping_at), if ping_at.is_some() => Wake::Ping,
                () = self.budget.freed(), if !may_read => Wake::Budget,
            };
            match wake {
                Wake::Request(None) => {
                    // Every handle is gone: nothing more to say to the broker.
                    return Broken::Done;
                }
                Wake::Request(Some(r)) => {
                    if let Err(b) = self.take(r) {
                        return b;
                    }
                }
                Wake::Read(Ok(0)) => {
                    if self.closing {
                        return Broken::Done;
                    }
                    return lost(
                        "the broker closed the connection",
                        ErrorKind::ClosedByBroker,
                    );
                }
                Wake::Read(Ok(_)) => {
                    if let Err(b) = self.parse() {
                        return b;
                    }
                }
                Wake::Read(Err(e)) => {
                    if self.closing {
                        return Broken::Done;
                    }
                    return io_lost(&e);
                }
                Wake::Ping => {
                    if let Err(b) = self.ping() {
                        return b;
                    }
                }
                Wake::Budget => {}
            }
        }
    }

    /// When the next keepalive action is due: a PINGREQ a keepalive after the last write, or
    /// the end of the wait for its PINGRESP.
    fn ping_at(&self) -> Option<Instant> {
        let k = self.keepalive?;
        Some(match self.ping_sent {
            Some(at) => at + k,
            None => self.last_write + k,
        })
    }

    fn ping(&mut self) -> Result<(), Broken> {
        let k = self.keepalive.unwrap_or(Duration::MAX);
        if let Some(at) = self.ping_sent {
            if at.elapsed() >= k {
                return Err(lost(
                    format!(
                        "no answer to a keepalive ping within {}",
                        humantime::format_duration(k)
                    ),
                    ErrorKind::Other,
                ));
            }
            return Ok(());
        }
        C::ping(&mut self.wbuf);
        // The answer is awaited only while reading: a paused reader (its output is slower
        // than the broker) still pings, so that the broker keeps the connection, but the
        // PINGRESP waits behind the messages it has not read.
        if self.may_read() {
            self.ping_sent = Some(Instant::now());
        }
        Ok(())
    }

    /// Takes every request already queued, while the write buffer has room.
    fn take_requests(&mut self) -> Result<(), Broken> {
        while self.wbuf.len() < WRITE_BATCH && !self.closing {
            let req = match self.held.take() {
                Some(r) => r,
                None => match self.rx.try_recv() {
                    Ok(r) => r,
                    Err(_) => break,
                },
            };
            self.take(req)?;
            if self.held.is_some() {
                break;
            }
        }
        Ok(())
    }

    /// Encodes one request into the write buffer (a publish without room in the window is
    /// held until a slot frees).
    fn take(&mut self, req: Request) -> Result<(), Broken> {
        match req {
            Request::Publish(p) if p.qos == 0 => {
                self.encode(&p, 0)?;
                self.qos0_written += 1;
            }
            Request::Publish(p) => {
                let Some(pkid) = self.window.free_id() else {
                    self.held = Some(Request::Publish(p));
                    return Ok(());
                };
                self.encode(&p, pkid)?;
                self.window.sent(pkid, p);
            }
            Request::Ack(t) => {
                match t.qos {
                    0 => return Ok(()),
                    1 => C::ack(&mut self.wbuf, AckKind::Ack, t.pkid),
                    _ => C::ack(&mut self.wbuf, AckKind::Rec, t.pkid),
                }
                self.acks_written += 1;
            }
            Request::Subscribe { filter, qos } => {
                let pkid = self.next_sub_pkid;
                self.next_sub_pkid = if pkid == *SUB_PKIDS.end() {
                    *SUB_PKIDS.start()
                } else {
                    pkid + 1
                };
                C::subscribe(&mut self.wbuf, pkid, &filter, qos);
                self.subs_pending += 1;
            }
            Request::Disconnect => {
                C::disconnect(&mut self.wbuf);
                self.closing = true;
            }
        }
        Ok(())
    }

    fn encode(&mut self, p: &OutPublish, pkid: u16) -> Result<(), Broken> {
        C::publish(&mut self.wbuf, p, pkid, false, self.max_out).map_err(|t| Broken::Fatal {
            cause: format!(
                "a publish of {} bytes is larger than the broker's maximum packet size ({} bytes)",
                t.size, t.max
            ),
            kind: ErrorKind::PacketTooLarge {
                size: t.size,
                max: t.max,
            },
        })
    }

    /// Writes and flushes the write buffer, then tells the queue what went out.
    async fn write(&mut self) -> Result<(), Broken> {
        let written = async {
            self.stream.write_all(&self.wbuf).await?;
            self.stream.flush().await
        }
        .await;
        self.wbuf.clear();
        if let Err(e) = written {
            if self.closing {
                return Err(Broken::Done);
            }
            return Err(io_lost(&e));
        }
        self.last_write = Instant::now();
        if self.qos0_written > 0 {
            let _ = self
                .tx
                .send(LinkEvent::Completed(std::mem::take(&mut self.qos0_written)));
        }
        if self.acks_written > 0 {
            let n = std::mem::take(&mut self.acks_written);
            let _ = self.tx.send(LinkEvent::AcksSent(n));
        }
        Ok(())
    }

    /// Hands up every whole packet in the read buffer.
    fn parse(&mut self) -> Result<(), Broken> {
        loop {
            match C::read(&mut self.rbuf, MAX_PACKET) {
                Ok(Some(p)) => {
                    self.ping_sent = None;
                    self.incoming(p)?;
                }
                Ok(None) => break,
                // Too large (refused from its header) or malformed: the connection is unusable.
                Err(e) => return Err(lost(e.to_string(), ErrorKind::Other)),
            }
        }
        if self.rbuf.is_empty() {
            self.shared.whole();
        } else {
            let head = super::codec::publish_head(&self.rbuf).map_or(0, |(pkid, dup)| {
                u32::from(pkid) | if dup { DUP_FLAG } else { 0 }
            });
            self.shared.partial_publish.store(head, Ordering::Relaxed);
        }
        Ok(())
    }

    fn incoming(&mut self, p: In) -> Result<(), Broken> {
        let ev = match p {
            In::Publish {
                topic,
                payload,
                qos,
                retain,
                dup,
                pkid,
                properties,
            } => LinkEvent::Message(Delivery {
                hold: self.budget.take(payload.len() + topic.len()),
                token: AckToken { qos, pkid },
                topic,
                payload,
                qos,
                retain,
                dup,
                pkid,
                properties,
            }),
            In::PubAck { pkid, refused } => {
                if !self.window.free(pkid) {
                    return Ok(());
                }
                match refused {
                    None => LinkEvent::Completed(1),
                    Some((code, name)) => LinkEvent::PublishRefused(code, name.into()),
                }
            }
            In::PubRec { pkid, refused } => {
                let rec = self.window.received(pkid, refused.is_some());
                if let (Rec::Refused, Some((code, name))) = (rec, refused) {
                    LinkEvent::PublishRefused(code, name.into())
                } else {
                    // Accepted, or not ours (or already released): PUBREL all the same, so
                    // that the broker moves on.
                    C::ack(&mut self.wbuf, AckKind::Rel, pkid);
                    return Ok(());
                }
            }
            In::PubComp { pkid } => {
                if !self.window.free(pkid) {
                    return Ok(());
                }
                LinkEvent::Completed(1)
            }
            In::PubRel { pkid } => {
                C::ack(&mut self.wbuf, AckKind::Comp, pkid);
                return Ok(());
            }
            In::SubAck { granted, .. } => {
                self.subs_pending = self.subs_pending.saturating_sub(1);
                LinkEvent::SubAck(granted)
            }
            In::Disconnect(reason) => {
                return Err(Broken::Lost {
                    cause: format!("the broker disconnected: {reason}"),
                    kind: ErrorKind::ClosedByBroker,
                    reason: Some(reason),
                })
            }
            In::PingResp | In::Other | In::ConnAck { .. } => return Ok(()),
        };
        let _ = self.tx.send(ev);
        Ok(())
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
