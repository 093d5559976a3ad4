//! Transports for every protocol variant, built in one place from the broker address: TCP,
//! TLS and WebSocket (plain or over TLS), with rustls and its `ring` provider only.
//!
//! TLS trust: the system's roots by default; `--cafile` / `--capath` replace them (as in
//! mosquitto's clients), so a private CA is trusted alone. Certificates and keys are parsed
//! by `rustls-pki-types`; a file that cannot be used is a [`QueueError::TlsSetup`] (exit 2)
//! before any connection is tried. Handshake failures are classified into a [`TlsProblem`]
//! that names the certificate problem and what to do about it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Once};

use rumqttc::{TlsConfiguration, Transport as RTransport};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, Error as TlsError,
    RootCertStore, SignatureScheme,
};

use crate::config::{BrokerAddr, TlsConfig, Transport};
use crate::queue::{ConnectCause, QueueError};

/// What rumqttc needs to reach a broker: the address it dials (a URL for WebSockets) and
/// the transport.
pub(super) struct Endpoint {
    /// Host name, or for WebSockets the whole URL.
    pub host: String,
    /// Port.
    pub port: u16,
    /// The rumqttc transport.
    pub transport: RTransport,
}

/// The endpoint for an address.
pub(super) fn build(addr: &BrokerAddr, tls: &TlsConfig) -> Result<Endpoint, QueueError> {
    let host = addr.host.clone();
    let (host, transport) = match addr.transport {
        Transport::Tcp => (host, RTransport::Tcp),
        Transport::Tls => (host, RTransport::Tls(client_config(addr, tls)?)),
        Transport::Ws => (addr.uri(), RTransport::Ws),
        Transport::Wss => (addr.uri(), RTransport::Wss(client_config(addr, tls)?)),
    };
    Ok(Endpoint {
        host,
        port: addr.port,
        transport,
    })
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
        let provider = provider();
        let config = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .ok()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
            .with_no_client_auth();
        let name = ServerName::try_from(addr.host.clone()).ok()?;
        let answer = tokio_rustls::TlsConnector::from(Arc::new(config))
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

/// The rustls client config of a TLS address.
fn client_config(addr: &BrokerAddr, tls: &TlsConfig) -> Result<TlsConfiguration, QueueError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| setup(None, TlsSetupProblem::Other(e.to_string())))?;
    let verifier: Arc<dyn ServerCertVerifier> = if tls.insecure {
        Arc::new(AcceptAny(provider.clone()))
    } else {
        let roots = Arc::new(roots(tls)?);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| setup(None, TlsSetupProblem::Other(e.to_string())))?;
        match &tls.server_name {
            Some(name) => Arc::new(Renamed {
                name: ServerName::try_from(name.clone())
                    .map_err(|_| setup(None, TlsSetupProblem::BadServerName(name.clone())))?,
                inner: webpki,
            }),
            None => webpki,
        }
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
    Ok(TlsConfiguration::Rustls(Arc::new(config)))
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

/// Why the TLS settings cannot be used (before any connection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSetupProblem {
    /// The file or directory cannot be read.
    Unreadable(String),
    /// The file is not PEM.
    NotPem(String),
    /// The file holds no certificate.
    NoCertificate,
    /// A CA certificate could not be used as a trust anchor.
    BadCertificate(String),
    /// The client certificate cannot be used (e.g. an X.509 v1 certificate).
    UnusableCertificate(String),
    /// The directory holds no PEM certificate.
    NoCertificatesInDir,
    /// The file holds no private key.
    NoKey,
    /// The key is encrypted (a passphrase is needed).
    EncryptedKey,
    /// The key does not belong to this certificate.
    KeyMismatch(PathBuf),
    /// A certificate without a key.
    CertWithoutKey,
    /// A key without a certificate.
    KeyWithoutCert,
    /// `--tls-server-name` is neither a DNS name nor an IP address.
    BadServerName(String),
    /// The system has no root certificates.
    NoSystemRoots,
    /// Anything else rustls said.
    Other(String),
}

impl fmt::Display for TlsSetupProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsSetupProblem::Unreadable(r) => write!(f, "cannot be read: {r}"),
            TlsSetupProblem::NotPem(r) => write!(f, "is not a PEM file ({r})"),
            TlsSetupProblem::NoCertificate => f.write_str("holds no PEM certificate"),
            TlsSetupProblem::BadCertificate(r) => {
                write!(f, "holds a certificate that cannot be trusted as a CA: {r}")
            }
            TlsSetupProblem::UnusableCertificate(r) => write!(
                f,
                "holds a certificate that cannot be used ({r}); TLS needs X.509 v3 certificates"
            ),
            TlsSetupProblem::NoCertificatesInDir => f.write_str("holds no PEM certificate file"),
            TlsSetupProblem::NoKey => f.write_str("holds no PEM private key"),
            TlsSetupProblem::EncryptedKey => f.write_str("holds an encrypted private key"),
            TlsSetupProblem::KeyMismatch(cert) => {
                write!(
                    f,
                    "is not the private key of the certificate {}",
                    cert.display()
                )
            }
            TlsSetupProblem::CertWithoutKey => {
                f.write_str("is a client certificate given without its private key")
            }
            TlsSetupProblem::KeyWithoutCert => {
                f.write_str("is a private key given without its client certificate")
            }
            TlsSetupProblem::BadServerName(n) => {
                write!(
                    f,
                    "TLS server name {n:?} is neither a DNS name nor an IP address"
                )
            }
            TlsSetupProblem::NoSystemRoots => {
                f.write_str("the system has no CA certificates to trust")
            }
            TlsSetupProblem::Other(r) => f.write_str(r),
        }
    }
}

/// Why a TLS handshake failed, as the user can act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsProblem {
    /// The certificate is not signed by a trusted CA.
    UnknownIssuer {
        /// Whether the trusted CAs were given (`--cafile`/`--capath`) or the system's.
        own_ca: bool,
    },
    /// The certificate does not carry the name mqq connected to.
    NameMismatch {
        /// The name checked.
        expected: String,
        /// The names the certificate has.
        presented: Vec<String>,
    },
    /// The certificate has expired.
    Expired,
    /// The certificate is not valid yet.
    NotYetValid,
    /// The certificate was revoked.
    Revoked,
    /// The broker refused the handshake, most likely for want of a client certificate.
    ClientCertRequired,
    /// The broker rejected the client certificate given.
    ClientCertRejected(String),
    /// The port does not speak TLS (a plain MQTT port, most likely).
    NotTls,
    /// Anything else.
    Other(String),
}

impl fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsProblem::UnknownIssuer { own_ca: false } => {
                f.write_str("the broker's certificate is not signed by a CA this system trusts")
            }
            TlsProblem::UnknownIssuer { own_ca: true } => {
                f.write_str("the broker's certificate is not signed by the CA given")
            }
            TlsProblem::NameMismatch {
                expected,
                presented,
            } if presented.is_empty() => {
                write!(f, "the broker's certificate is not valid for {expected}")
            }
            TlsProblem::NameMismatch {
                expected,
                presented,
            } => write!(
                f,
                "the broker's certificate is for {}, not {expected}",
                presented.join(", ")
            ),
            TlsProblem::Expired => f.write_str("the broker's certificate has expired"),
            TlsProblem::NotYetValid => f.write_str("the broker's certificate is not valid yet"),
            TlsProblem::Revoked => f.write_str("the broker's certificate was revoked"),
            TlsProblem::ClientCertRequired => {
                f.write_str("the broker ended the TLS handshake: it requires a client certificate")
            }
            TlsProblem::ClientCertRejected(alert) => {
                write!(f, "the broker rejected the client certificate ({alert})")
            }
            TlsProblem::NotTls => f.write_str(
                "the broker did not answer the TLS handshake: this port does not speak TLS",
            ),
            TlsProblem::Other(e) => write!(f, "TLS failed: {e}"),
        }
    }
}

/// What a failed TLS handshake means for the user.
pub(super) fn tls_cause(e: &rumqttc::TlsError, tls: &TlsConfig) -> ConnectCause {
    // The connection ended inside the handshake: a plain port that hung up.
    if let rumqttc::TlsError::Io(io) = e {
        if io.get_ref().is_none()
            && matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
            )
        {
            return ConnectCause::Tls(TlsProblem::NotTls);
        }
    }
    ConnectCause::Tls(classify(e, tls).unwrap_or_else(|| TlsProblem::Other(e.to_string())))
}

/// What a failed WebSocket connection means for the user: the upgrade refused (an HTTP
/// status, or no WebSocket at all), else the TLS or network error inside it.
pub(super) fn ws_cause(e: &tungstenite::Error, tls: &TlsConfig) -> ConnectCause {
    match e {
        tungstenite::Error::Http(resp) => ConnectCause::HttpStatus(resp.status().as_u16()),
        tungstenite::Error::Protocol(_) | tungstenite::Error::HttpFormat(_) => {
            ConnectCause::NotWebSocket
        }
        tungstenite::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            ConnectCause::Refused
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

/// Verifies the certificate against a configured name instead of the dialed host.
#[derive(Debug)]
struct Renamed {
    name: ServerName<'static>,
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for Renamed {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        self.inner
            .verify_server_cert(end_entity, intermediates, &self.name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
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
