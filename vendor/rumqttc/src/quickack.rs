//! mqq patch: a TCP stream that asks the kernel to acknowledge at once what it reads.
//!
//! Linux delays the ACK of received data (up to 40 ms) once a connection looks interactive,
//! hoping to carry it on the next packet sent. A broker with Nagle's algorithm on (mosquitto's
//! default) holds its next small packets until that ACK comes: ten QoS 1 publishes written at
//! once got their first PUBACK at once and the other nine 40 ms later. `TCP_QUICKACK` is not
//! sticky, so it is set again after every read that returned data, but only while the event
//! loop waits for an acknowledgement (of its publishes, a SUBSCRIBE or UNSUBSCRIBE, or a
//! PINGREQ) with nothing queued to write (`idle`): a client that is sending carries the ACK on
//! its next packet anyway, and an ACK per read cost a QoS 1 stream 39 % more CPU and a
//! 100,000-message drain 17 %. The SUBACK matters to a consumer that resumes a session with a
//! backlog: mosquitto sends the first window of pending messages, then holds the small SUBACK
//! behind them until our ACK; a 10,000-message `receive` waited 40 ms for it (90 → 45 ms). A
//! client that reads and never
//! writes (mqq's peek and count: no acknowledgements) asks for it always
//! (`NetworkOptions::set_tcp_quickack_always`): it has nothing to carry the ACK on.
//!
//! The stream also counts the bytes it reads into the caller's counter, when there is one
//! (`NetworkOptions::set_read_counter`).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

pub(crate) struct QuickAck(TcpStream, Arc<AtomicBool>, bool, Option<Arc<AtomicU64>>);

impl QuickAck {
    /// The stream, and the flag the event loop sets while it waits with nothing to write.
    /// `always`: ACK at once whatever the flag says (`set_tcp_quickack_always`); `counter`:
    /// where the bytes read are counted (`set_read_counter`).
    pub(crate) fn new(
        tcp: TcpStream,
        always: bool,
        counter: Option<Arc<AtomicU64>>,
    ) -> (Self, Arc<AtomicBool>) {
        let idle = Arc::new(AtomicBool::new(true));
        (Self(tcp, idle.clone(), always, counter), idle)
    }

    #[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
    fn ack_now(&self) {
        // Best effort: an error changes nothing for the data read.
        let _ = socket2::SockRef::from(&self.0).set_tcp_quickack(true);
    }

    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "fuchsia")))]
    fn ack_now(&self) {}
}

impl AsyncRead for QuickAck {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.0).poll_read(cx, buf);
        let read = buf.filled().len() - before;
        if matches!(polled, Poll::Ready(Ok(()))) && read > 0 {
            if let Some(counter) = &self.3 {
                counter.fetch_add(read as u64, Ordering::Relaxed);
            }
            if self.2 || self.1.load(Ordering::Relaxed) {
                self.ack_now();
            }
        }
        polled
    }
}

impl AsyncWrite for QuickAck {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
