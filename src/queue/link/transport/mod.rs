//! Transports for every protocol variant, built in one place from the broker address: TCP
//! (`tcp.rs`), TLS (`tls.rs`) and WebSocket (plain or over TLS, here), and what a transport
//! that could not be opened means for the user.

mod tcp;
mod tls;

pub(super) use tcp::Wire;
pub use tls::accept_any_tls;
pub(super) use tls::{classify, speaks_tls};

use std::fmt;
use std::io;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::config::{BrokerAddr, TlsConfig, Transport};
use crate::queue::error::{ConnectCause, QueueError};

/// A connection's byte stream, whatever is under it (TCP, TLS, WebSocket).
pub(super) trait ByteStream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> ByteStream for T {}

/// The stream the connection task reads and writes.
pub(super) type Stream = Box<dyn ByteStream>;

/// How to reach one broker: its address and, for TLS, the client config and the name the
/// certificate is checked against and sent as SNI (`--tls-server-name`, else the host).
#[derive(Clone)]
pub(super) struct Dialer {
    pub addr: BrokerAddr,
    tls: Option<(Arc<ClientConfig>, ServerName<'static>)>,
}

/// Why a transport could not be opened.
#[derive(Debug)]
pub(super) enum OpenError {
    /// TCP (name lookup, connect).
    Tcp(io::Error),
    /// The TLS handshake.
    Tls(io::Error),
    /// The WebSocket upgrade.
    Ws(tungstenite::Error),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Tcp(e) | OpenError::Tls(e) => write!(f, "{e}"),
            OpenError::Ws(e) => write!(f, "WebSocket: {e}"),
        }
    }
}

impl OpenError {
    /// What it means for the user.
    pub(super) fn cause(&self, tls: &TlsConfig) -> ConnectCause {
        match self {
            OpenError::Tcp(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                ConnectCause::Refused
            }
            OpenError::Tcp(e) => ConnectCause::Other(e.to_string()),
            OpenError::Tls(e) => tls::tls_cause(e, tls),
            OpenError::Ws(e) => ws_cause(e, tls),
        }
    }
}

impl Dialer {
    /// The dialer of an address; a TLS setting that cannot be used is an error here, before
    /// any connection.
    pub(super) fn new(addr: &BrokerAddr, tls: &TlsConfig) -> Result<Dialer, QueueError> {
        let tls = match addr.transport {
            Transport::Tcp | Transport::Ws => None,
            Transport::Tls | Transport::Wss => Some(tls::connector(addr, tls)?),
        };
        Ok(Dialer {
            addr: addr.clone(),
            tls,
        })
    }

    /// Opens the transport: TCP, then TLS, then the WebSocket upgrade, as the address asks.
    pub(super) async fn open(&self, wire: &Arc<Wire>) -> Result<Stream, OpenError> {
        let tcp = tcp::connect(&self.addr, wire)
            .await
            .map_err(OpenError::Tcp)?;
        let inner: Stream = match &self.tls {
            None => Box::new(tcp),
            Some((config, name)) => Box::new(
                tokio_rustls::TlsConnector::from(Arc::clone(config))
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(OpenError::Tls)?,
            ),
        };
        match self.addr.transport {
            Transport::Tcp | Transport::Tls => Ok(inner),
            Transport::Ws | Transport::Wss => self.upgrade(inner).await,
        }
    }

    /// The WebSocket upgrade, asking for the `mqtt` subprotocol; the stream is the bytes of
    /// its binary frames.
    async fn upgrade(&self, inner: Stream) -> Result<Stream, OpenError> {
        use tungstenite::client::IntoClientRequest as _;
        let mut request = self
            .addr
            .uri()
            .into_client_request()
            .map_err(OpenError::Ws)?;
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            tungstenite::http::HeaderValue::from_static("mqtt"),
        );
        let (ws, _response) = async_tungstenite::tokio::client_async(request, inner)
            .await
            .map_err(OpenError::Ws)?;
        Ok(Box::new(ws_stream_tungstenite::WsStream::new(ws)))
    }
}

/// What a failed WebSocket connection means for the user: the upgrade refused (an HTTP
/// status, or no WebSocket at all), else the TLS or network error inside it.
fn ws_cause(e: &tungstenite::Error, tls: &TlsConfig) -> ConnectCause {
    match e {
        tungstenite::Error::Http(resp) => ConnectCause::HttpStatus(resp.status().as_u16()),
        tungstenite::Error::Protocol(_) | tungstenite::Error::HttpFormat(_) => {
            ConnectCause::NotWebSocket
        }
        tungstenite::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            ConnectCause::Refused
        }
        // A plain MQTT port reads the HTTP upgrade as a malformed CONNECT and hangs up.
        tungstenite::Error::Io(io)
            if io.get_ref().is_none()
                && matches!(
                    io.kind(),
                    io::ErrorKind::UnexpectedEof
                        | io::ErrorKind::ConnectionReset
                        | io::ErrorKind::ConnectionAborted
                ) =>
        {
            ConnectCause::NotWebSocket
        }
        other => match tls::classify(other, tls) {
            Some(problem) => ConnectCause::Tls(problem),
            None => ConnectCause::Other(other.to_string()),
        },
    }
}
