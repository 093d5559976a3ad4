//! One connection attempt: open the transport, write CONNECT, read the CONNACK. Used for the
//! first connection (by [`super::Link::connect`], which maps failures to the core's typed
//! errors) and for every reconnect (by the connection task).

use std::io;
use std::sync::Arc;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::codec::{Codec, ConnectParams, DecodeError, In, Refusal};
use super::limits::ServerLimits;
use super::transport::{Dialer, OpenError, Stream, Wire};

/// Bytes asked of the transport per read: large enough for a burst of small messages in one
/// syscall, small enough that a partly consumed buffer costs little to keep.
pub(super) const READ_CHUNK: usize = 64 << 10;

/// The largest CONNACK taken: its properties are a few short strings. A header that claims
/// more is refused at once, before its body is read (a server of another protocol, or a
/// hostile one, could otherwise make mqq read up to MQTT's 256 MB maximum).
const CONNACK_MAX: usize = 64 << 10;

/// A connection whose CONNACK accepted it.
pub(super) struct Opened {
    pub stream: Stream,
    /// What came after the CONNACK in the same reads (a resumed session's backlog may).
    pub rbuf: BytesMut,
    pub session_present: bool,
    pub limits: ServerLimits,
}

/// Why an attempt failed.
#[derive(Debug)]
pub(super) enum Failed {
    /// The transport could not be opened.
    Open(OpenError),
    /// Writing the CONNECT or reading the answer failed.
    Io(io::Error),
    /// The broker closed the connection before it answered.
    Closed,
    /// The CONNACK refused the connection.
    Refused(Refusal),
    /// The first packet was not a CONNACK.
    NotConnAck(String),
    /// The answer was not an MQTT packet of this version.
    Decode(DecodeError),
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failed::Open(e) => write!(f, "{e}"),
            Failed::Io(e) => write!(f, "{e}"),
            Failed::Closed => f.write_str("the broker closed the connection at CONNECT"),
            Failed::Refused(r) => write!(f, "the broker refused the connection ({r:?})"),
            Failed::NotConnAck(p) => write!(f, "expected CONNACK, got {p}"),
            Failed::Decode(e) => write!(f, "{e}"),
        }
    }
}

impl Failed {
    /// The I/O error under it, if any.
    pub(super) fn io(&self) -> Option<&io::Error> {
        match self {
            Failed::Io(e) | Failed::Open(OpenError::Tcp(e) | OpenError::Tls(e)) => Some(e),
            _ => None,
        }
    }

    /// The broker hung up: a close, a reset, an abort.
    pub(super) fn is_close(&self) -> bool {
        match self {
            Failed::Closed => true,
            Failed::Io(e) => matches!(
                e.kind(),
                io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
            ),
            _ => false,
        }
    }
}

/// Opens `dialer`'s transport and connects with `params`; no time limit (the caller sets one).
pub(super) async fn attempt<C: Codec>(
    dialer: &Dialer,
    params: &ConnectParams<'_>,
    wire: &Arc<Wire>,
) -> Result<Opened, Failed> {
    let mut stream = dialer.open(wire).await.map_err(Failed::Open)?;
    let mut out = BytesMut::with_capacity(128);
    C::connect(&mut out, params);
    stream.write_all(&out).await.map_err(Failed::Io)?;
    stream.flush().await.map_err(Failed::Io)?;
    let mut rbuf = BytesMut::with_capacity(READ_CHUNK);
    loop {
        match C::read(&mut rbuf, CONNACK_MAX) {
            Ok(Some(In::ConnAck {
                session_present,
                refused,
                limits,
            })) => {
                if let Some(r) = refused {
                    return Err(Failed::Refused(r));
                }
                return Ok(Opened {
                    stream,
                    rbuf,
                    session_present,
                    limits,
                });
            }
            Ok(Some(other)) => return Err(Failed::NotConnAck(format!("{other:?}"))),
            Ok(None) => {}
            Err(e) => return Err(Failed::Decode(e)),
        }
        if rbuf.capacity() - rbuf.len() < 1024 {
            rbuf.reserve(READ_CHUNK);
        }
        match stream.read_buf(&mut rbuf).await {
            // Bytes that end inside a packet were no MQTT answer (an HTTP server's 400).
            Ok(0) if !rbuf.is_empty() => {
                return Err(Failed::Decode(DecodeError::Malformed(
                    "the answer to CONNECT ended inside a packet".into(),
                )))
            }
            Ok(0) => return Err(Failed::Closed),
            Ok(_) => {}
            Err(e) => return Err(Failed::Io(e)),
        }
    }
}
