//! The TCP under every transport: Nagle off, the bytes read counted (below TLS and
//! WebSockets: "quiet" tells a large message still arriving from a link at rest), and
//! TCP quick ACKs asked for when the link waits for an answer.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::config::BrokerAddr;

/// What the TCP socket shares with the rest of the link: the bytes it read (below TLS and
/// WebSockets, over every connection of the link), and whether to ask for immediate ACKs.
#[derive(Debug, Default)]
pub(crate) struct Wire {
    /// Bytes read from the TCP socket so far.
    pub read: AtomicU64,
    /// Ask the kernel for an immediate ACK after each read (`TCP_QUICKACK`). Linux delays the
    /// ACK of received data by up to 40 ms once a connection looks interactive; a broker
    /// with Nagle's algorithm on (mosquitto's default) then holds its next small packets
    /// until that ACK: ten QoS 1 publishes got their first PUBACK at once and the other nine
    /// 40 ms later. Set while the link waits for an answer with nothing to write.
    pub quickack: AtomicBool,
}

/// A TCP stream that counts what it reads into [`Wire::read`] and asks for quick ACKs.
pub(super) struct Tcp {
    inner: TcpStream,
    wire: Arc<Wire>,
}

impl AsyncRead for Tcp {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        if n > 0 {
            self.wire.read.fetch_add(n as u64, Ordering::Relaxed);
            if self.wire.quickack.load(Ordering::Relaxed) {
                // Linux clears the flag after an ACK: set it again after each read.
                let _ = socket2::SockRef::from(&self.inner).set_tcp_quickack(true);
            }
        }
        polled
    }
}

impl AsyncWrite for Tcp {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Every socket option of mqq's connections, set in one place. Nagle's algorithm is off: with
/// it on, a packet the broker does not answer (a QoS 0 publish, our PUBACK) held back the next
/// small one, the DISCONNECT above all, until the broker's delayed TCP acknowledgement: a QoS
/// 0 `send hello` took 51 ms instead of 4.
fn tune(tcp: &TcpStream) {
    let _ = tcp.set_nodelay(true);
}

/// Connects to the address's host and port, tuned, counting into `wire`.
pub(super) async fn connect(addr: &BrokerAddr, wire: &Arc<Wire>) -> io::Result<Tcp> {
    let tcp = TcpStream::connect((addr.host.as_str(), addr.port)).await?;
    tune(&tcp);
    Ok(Tcp {
        inner: tcp,
        wire: Arc::clone(wire),
    })
}
