//! The server certificate of a TLS address, for `check`: a handshake of its own (tokio-rustls)
//! that reads the certificate the server presents and its expiry (x509-parser). Whether the
//! certificate is trusted is the check's MQTT connection's business, which verifies it as
//! configured; this handshake accepts any, reads it, and sends nothing.

use std::time::Duration;

use rustls::pki_types::ServerName;

use crate::config::{BrokerAddr, QueueConfig};

/// What the server's certificate says.
#[derive(Debug, Clone)]
pub(super) struct Expiry {
    /// Its subject, as x509-parser prints it.
    pub subject: String,
    /// Its notAfter, as Unix seconds.
    pub not_after: i64,
    /// Days from now until then (negative once expired).
    pub days_left: f64,
}

/// The certificate of `addr` (a TLS or WSS address), or why it could not be read.
pub(super) async fn expiry(
    addr: &BrokerAddr,
    cfg: &QueueConfig,
    timeout: Duration,
) -> Result<Expiry, String> {
    let der = tokio::time::timeout(timeout, peer_certificate(addr, cfg))
        .await
        .map_err(|_| {
            format!(
                "no TLS handshake within {}",
                humantime::format_duration(timeout)
            )
        })??;
    let (_, cert) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| format!("the server's certificate does not parse: {e}"))?;
    let not_after = cert.validity().not_after.timestamp();
    let now = chrono::Utc::now().timestamp();
    #[allow(clippy::cast_precision_loss)]
    let days_left = (not_after - now) as f64 / 86_400.0;
    Ok(Expiry {
        subject: cert.subject().to_string(),
        not_after,
        days_left,
    })
}

async fn peer_certificate(addr: &BrokerAddr, cfg: &QueueConfig) -> Result<Vec<u8>, String> {
    let config = crate::queue::link::accept_any_tls().map_err(|e| e.to_string())?;
    let host = cfg
        .tls
        .server_name
        .clone()
        .unwrap_or_else(|| addr.host.clone());
    let name = ServerName::try_from(host.clone()).map_err(|_| format!("bad server name {host}"))?;
    let tcp = tokio::net::TcpStream::connect((addr.host.as_str(), addr.port))
        .await
        .map_err(|e| format!("connecting to {}: {e}", addr.uri()))?;
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS handshake with {}: {e}", addr.uri()))?;
    let (_, conn) = tls.get_ref();
    conn.peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.as_ref().to_vec())
        .ok_or_else(|| format!("{} presented no certificate", addr.uri()))
}
