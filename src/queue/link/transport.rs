//! Transports for every protocol variant, built in one place from the broker address: TCP,
//! TLS and WebSocket (plain or over TLS), with rustls and its `ring` provider only.
//!
//! TLS trust: the system's roots by default; `--cafile` / `--capath` replace them (as in
//! mosquitto's clients), so a private CA is trusted alone. Certificates and keys are parsed
//! by `rustls-pki-types`; a file that cannot be used is a [`QueueError::TlsSetup`] (exit 2)
//! before any connection is tried. Handshake failures are classified into a [`TlsProblem`]
//! that names the certificate problem and what to do about it.

use std::fmt;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, Error as TlsError,
    RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::config::{BrokerAddr, TlsConfig, Transport};
use crate::queue::error::{ConnectCause, QueueError, TlsProblem, TlsSetupProblem};

/// A connection's byte stream, whatever is under it (TCP, TLS, WebSocket).
pub(super) trait ByteStream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> ByteStream for T {}

/// The stream the connection task reads and writes.
pub(super) type Stream = Box<dyn ByteStream>;

/// What the TCP socket shares with the rest of the link: the bytes it read (below TLS and
/// WebSockets, over every connection of the link), and whether to ask for immediate ACKs.
#[derive(Debug, Default)]
pub(super) struct Wire {
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
struct Tcp {
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
            OpenError::Tls(e) => tls_cause(e, tls),
            OpenError::Ws(e) => ws_cause(e, tls),
        }
    }
}

/// Every socket option of mqq's connections, set in one place. Nagle's algorithm is off: with
/// it on, a packet the broker does not answer (a QoS 0 publish, our PUBACK) held back the next
/// small one, the DISCONNECT above all, until the broker's delayed TCP acknowledgement: a QoS
/// 0 `send hello` took 51 ms instead of 4.
fn tune(tcp: &TcpStream) {
    let _ = tcp.set_nodelay(true);
}

impl Dialer {
    /// The dialer of an address; a TLS setting that cannot be used is an error here, before
    /// any connection.
    pub(super) fn new(addr: &BrokerAddr, tls: &TlsConfig) -> Result<Dialer, QueueError> {
        let tls = match addr.transport {
            Transport::Tcp | Transport::Ws => None,
            Transport::Tls | Transport::Wss => {
                let config = client_config(addr, tls)?;
                let name = tls.server_name.clone().unwrap_or_else(|| addr.host.clone());
                let name = ServerName::try_from(name.clone())
                    .map_err(|_| setup(None, TlsSetupProblem::BadServerName(name)))?;
                Some((config, name))
            }
        };
        Ok(Dialer {
            addr: addr.clone(),
            tls,
        })
    }

    /// Opens the transport: TCP, then TLS, then the WebSocket upgrade, as the address asks.
    pub(super) async fn open(&self, wire: &Arc<Wire>) -> Result<Stream, OpenError> {
        let tcp = TcpStream::connect((self.addr.host.as_str(), self.addr.port))
            .await
            .map_err(OpenError::Tcp)?;
        tune(&tcp);
        let tcp = Tcp {
            inner: tcp,
            wire: Arc::clone(wire),
        };
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

/// How long [`speaks_tls`] may take.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether the address answers a TLS handshake: asked after a plain MQTT connection failed
/// oddly, to tell the user the port wants `mqtts://`. Any certificate is accepted: this
/// only asks whether the port speaks TLS, and nothing is sent over it.
pub(super) async fn speaks_tls(addr: &BrokerAddr) -> bool {
    let probe = async {
        let tcp = tokio::net::TcpStream::connect((addr.host.as_str(), addr.port))
            .await
            .ok()?;
        let config = accept_any_tls().ok()?;
        let name = ServerName::try_from(addr.host.clone()).ok()?;
        let answer = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await;
        Some(match answer {
            Ok(_) => true,
            Err(e) => matches!(
                e.get_ref().and_then(|i| i.downcast_ref::<TlsError>()),
                Some(TlsError::AlertReceived(_))
            ),
        })
    };
    tokio::time::timeout(PROBE_TIMEOUT, probe)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// A TLS client config that accepts any server certificate (the handshake's signatures are
/// still checked): for probes that look at a port or read its certificate and send nothing
/// over it, never for a connection that carries messages.
pub fn accept_any_tls() -> Result<Arc<ClientConfig>, TlsError> {
    let provider = provider();
    Ok(Arc::new(
        ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
            .with_no_client_auth(),
    ))
}

/// Installs the `ring` provider as rustls's process default, once.
fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another provider may already be installed by the embedding program: fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn provider() -> Arc<CryptoProvider> {
    install_crypto();
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// The rustls client config of a TLS address. The certificate is checked against the name
/// the dialer hands to the handshake, which is also the SNI sent.
fn client_config(addr: &BrokerAddr, tls: &TlsConfig) -> Result<Arc<ClientConfig>, QueueError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| setup(None, TlsSetupProblem::Other(e.to_string())))?;
    let verifier: Arc<dyn ServerCertVerifier> = if tls.insecure {
        Arc::new(AcceptAny(provider.clone()))
    } else {
        let roots = Arc::new(roots(tls)?);
        WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| setup(None, TlsSetupProblem::Other(e.to_string())))?
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match (&tls.cert_file, &tls.key_file) {
        (None, None) => builder.with_no_client_auth(),
        (Some(cert), None) => return Err(setup(Some(cert), TlsSetupProblem::CertWithoutKey)),
        (None, Some(key)) => return Err(setup(Some(key), TlsSetupProblem::KeyWithoutCert)),
        (Some(cert_file), Some(key_file)) => {
            let certs = read_certs(cert_file)?;
            let key = read_key(key_file)?;
            builder.with_client_auth_cert(certs, key).map_err(|e| {
                let problem = match e {
                    TlsError::InconsistentKeys(_) => {
                        TlsSetupProblem::KeyMismatch(cert_file.clone())
                    }
                    other => TlsSetupProblem::Other(other.to_string()),
                };
                setup(Some(key_file), problem)
            })?
        }
    };
    config.alpn_protocols = tls.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    tracing::debug!(broker = %addr.uri(), insecure = tls.insecure, "TLS configured");
    Ok(Arc::new(config))
}

/// The trust anchors: the CA file and directory when given (they replace the system's),
/// else the system's roots.
fn roots(tls: &TlsConfig) -> Result<RootCertStore, QueueError> {
    let mut store = RootCertStore::empty();
    if tls.ca_file.is_none() && tls.ca_path.is_none() {
        let found = rustls_native_certs::load_native_certs();
        let (added, _) = store.add_parsable_certificates(found.certs);
        if added == 0 {
            return Err(setup(None, TlsSetupProblem::NoSystemRoots));
        }
        return Ok(store);
    }
    if let Some(file) = &tls.ca_file {
        for cert in read_certs(file)? {
            store
                .add(cert)
                .map_err(|e| setup(Some(file), TlsSetupProblem::BadCertificate(e.to_string())))?;
        }
    }
    if let Some(dir) = &tls.ca_path {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            setup(
                Some(dir),
                TlsSetupProblem::Unreadable(crate::config::io_reason(&e)),
            )
        })?;
        let mut added = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_file() {
                continue;
            }
            // Any file of PEM certificates counts (c_rehash links included); others are skipped.
            if let Ok(certs) = CertificateDer::pem_file_iter(&path) {
                for cert in certs.flatten() {
                    if store.add(cert).is_ok() {
                        added += 1;
                    }
                }
            }
        }
        if added == 0 {
            return Err(setup(Some(dir), TlsSetupProblem::NoCertificatesInDir));
        }
    }
    Ok(store)
}

/// Every certificate of a PEM file; at least one.
fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, QueueError> {
    readable(path)?;
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| setup(Some(path), pem_problem(&e)))?;
    if certs.is_empty() {
        return Err(setup(Some(path), TlsSetupProblem::NoCertificate));
    }
    Ok(certs)
}

/// The private key of a PEM file (PKCS#8, PKCS#1 RSA or SEC1 EC).
fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, QueueError> {
    let text = readable(path)?;
    if text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(setup(Some(path), TlsSetupProblem::EncryptedKey));
    }
    PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|e| {
        setup(
            Some(path),
            match e {
                pem::Error::NoItemsFound => TlsSetupProblem::NoKey,
                other => pem_problem(&other),
            },
        )
    })
}

/// The file's text, or the reason it cannot be read.
fn readable(path: &Path) -> Result<String, QueueError> {
    let bytes = std::fs::read(path).map_err(|e| {
        setup(
            Some(path),
            TlsSetupProblem::Unreadable(crate::config::io_reason(&e)),
        )
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn pem_problem(e: &pem::Error) -> TlsSetupProblem {
    match e {
        pem::Error::Io(io) => TlsSetupProblem::Unreadable(crate::config::io_reason(io)),
        other => TlsSetupProblem::NotPem(format!("{other:?}")),
    }
}

fn setup(path: Option<&Path>, problem: TlsSetupProblem) -> QueueError {
    QueueError::TlsSetup {
        path: path.map(Path::to_path_buf),
        problem,
    }
}

/// What a failed TLS handshake means for the user.
fn tls_cause(e: &io::Error, tls: &TlsConfig) -> ConnectCause {
    // The connection ended inside the handshake: a plain port that hung up.
    if e.get_ref().is_none()
        && matches!(
            e.kind(),
            io::ErrorKind::UnexpectedEof
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
        )
    {
        return ConnectCause::Tls(TlsProblem::NotTls);
    }
    if e.kind() == io::ErrorKind::ConnectionRefused {
        return ConnectCause::Refused;
    }
    ConnectCause::Tls(classify(e, tls).unwrap_or_else(|| TlsProblem::Other(e.to_string())))
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
        other => match classify(other, tls) {
            Some(problem) => ConnectCause::Tls(problem),
            None => ConnectCause::Other(other.to_string()),
        },
    }
}

/// The TLS problem in an error's source chain, if any.
pub(super) fn classify(
    err: &(dyn std::error::Error + 'static),
    tls: &TlsConfig,
) -> Option<TlsProblem> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(t) = e.downcast_ref::<TlsError>() {
            return Some(problem(t, tls));
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(t) = inner.downcast_ref::<TlsError>() {
                    return Some(problem(t, tls));
                }
            }
            // rustls saw the connection end before the handshake completed.
            if io.kind() == std::io::ErrorKind::UnexpectedEof
                && io.to_string().contains("handshake")
            {
                return Some(TlsProblem::NotTls);
            }
        }
        cur = e.source();
    }
    None
}

fn problem(e: &TlsError, tls: &TlsConfig) -> TlsProblem {
    let has_cert = tls.cert_file.is_some();
    match e {
        TlsError::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => TlsProblem::UnknownIssuer {
                own_ca: tls.ca_file.is_some() || tls.ca_path.is_some(),
            },
            CertificateError::NotValidForName => TlsProblem::NameMismatch {
                expected: String::from("this address"),
                presented: Vec::new(),
            },
            CertificateError::NotValidForNameContext {
                expected,
                presented,
            } => TlsProblem::NameMismatch {
                expected: server_name_text(expected),
                presented: presented.iter().map(|p| bare_name(p)).collect(),
            },
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                TlsProblem::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                TlsProblem::NotYetValid
            }
            CertificateError::Revoked => TlsProblem::Revoked,
            other => TlsProblem::Other(format!("invalid peer certificate: {other:?}")),
        },
        TlsError::AlertReceived(alert) => match alert {
            AlertDescription::CertificateRequired => TlsProblem::ClientCertRequired,
            AlertDescription::HandshakeFailure if !has_cert => TlsProblem::ClientCertRequired,
            AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::AccessDenied
            | AlertDescription::HandshakeFailure => {
                if has_cert {
                    TlsProblem::ClientCertRejected(format!("{alert:?}"))
                } else {
                    TlsProblem::ClientCertRequired
                }
            }
            other => TlsProblem::Other(format!("the broker sent the TLS alert {other:?}")),
        },
        TlsError::InvalidMessage(_) | TlsError::InappropriateMessage { .. } => TlsProblem::NotTls,
        other => TlsProblem::Other(other.to_string()),
    }
}

/// A name as rustls reports it (`DnsName("a.example")`, `IpAddress(1.2.3.4)`) without the
/// wrapper.
fn bare_name(text: &str) -> String {
    match (text.find('('), text.rfind(')')) {
        (Some(open), Some(close)) if open < close => {
            text[open + 1..close].trim_matches('"').to_string()
        }
        _ => text.to_string(),
    }
}

fn server_name_text(n: &ServerName<'_>) -> String {
    match n {
        ServerName::DnsName(d) => d.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

/// `--insecure`: any certificate is accepted; the handshake's signatures are still checked
/// (the connection is encrypted, only not authenticated).
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
