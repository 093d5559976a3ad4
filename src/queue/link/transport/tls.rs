//! TLS with rustls and its `ring` provider only: the client config of a TLS address, its
//! trust, certificates and keys, and what a failed handshake means.
//!
//! TLS trust: the system's roots by default; `--cafile` / `--capath` replace them (as in
//! mosquitto's clients), so a private CA is trusted alone. Certificates and keys are parsed
//! by `rustls-pki-types`; a file that cannot be used is a [`QueueError::TlsSetup`] (exit 2)
//! before any connection is tried. Handshake failures are classified into a [`TlsProblem`]
//! that names the certificate problem and what to do about it.

use std::io;
use std::path::Path;
use std::sync::{Arc, Once};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, Error as TlsError,
    RootCertStore, SignatureScheme,
};

use crate::config::{BrokerAddr, TlsConfig};
use crate::queue::error::{ConnectCause, QueueError, TlsProblem, TlsSetupProblem};

/// The client config of a TLS address and the name its certificate is checked against and
/// sent as SNI (`--tls-server-name`, else the host); a setting that cannot be used is an
/// error here, before any connection.
pub(super) fn connector(
    addr: &BrokerAddr,
    tls: &TlsConfig,
) -> Result<(Arc<ClientConfig>, ServerName<'static>), QueueError> {
    let config = client_config(addr, tls)?;
    let name = tls.server_name.clone().unwrap_or_else(|| addr.host.clone());
    let name = ServerName::try_from(name.clone())
        .map_err(|_| setup(None, TlsSetupProblem::BadServerName(name)))?;
    Ok((config, name))
}

/// How long [`speaks_tls`] may take: the TCP connect and the TLS handshake of the probe.
const TLS_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether the address answers a TLS handshake: asked after a plain MQTT connection failed
/// oddly, to tell the user the port wants `mqtts://`. Any certificate is accepted: this
/// only asks whether the port speaks TLS, and nothing is sent over it.
pub(crate) async fn speaks_tls(addr: &BrokerAddr) -> bool {
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
    tokio::time::timeout(TLS_PROBE_TIMEOUT, probe)
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
pub(super) fn tls_cause(e: &io::Error, tls: &TlsConfig) -> ConnectCause {
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

/// The TLS problem in an error's source chain, if any.
pub(crate) fn classify(
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
