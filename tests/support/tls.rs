//! TLS for the suite: certificates made at test time (rcgen) and brokers behind TLS.
//!
//! With the embedded broker, TLS is a real TLS terminator (rustls, like stunnel) in front of
//! the broker's plain port; with `MQQ_TEST_BROKER=mosquitto`, mosquitto's own TLS listener
//! (OpenSSL). Either way mqq speaks TLS to a real server over a real socket.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::broker::mosquitto_bin;
use super::command::{mqq, Mqq};
use super::server::Server;
use super::{free_port, kind, Kind};

/// A certificate and its key, as PEM files.
#[derive(Debug, Clone)]
pub struct Pair {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A test PKI in a temporary directory.
pub struct Pki {
    dir: tempfile::TempDir,
    /// The CA that signs everything below but `stranger`.
    pub ca: PathBuf,
    /// Its private key (to sign certificates made by other tools).
    pub ca_key: PathBuf,
    /// Another CA nobody trusts.
    pub other_ca: PathBuf,
    /// Server certificate for localhost and 127.0.0.1.
    pub server: Pair,
    /// Server certificate for other.example only.
    pub wrong_name: Pair,
    /// Server certificate for localhost and 127.0.0.1 that expired in 2021.
    pub expired: Pair,
    /// Server certificate for localhost and 127.0.0.1 that expires in 10 days (midnight UTC).
    pub expiring: Pair,
    /// Client certificate signed by `ca`.
    pub client: Pair,
    /// Client certificate signed by `other_ca`.
    pub stranger: Pair,
}

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Pki {
    /// Makes a fresh PKI.
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let (ca, other) = (new_ca("mqq test CA"), new_ca("mqq other CA"));
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let leaf =
            |name: &str, sans: &[&str], by: &Ca, client: bool, until: Option<(i32, u8, u8)>| {
                let key = KeyPair::generate().unwrap();
                let mut p = CertificateParams::new(
                    sans.iter().map(|s| (*s).to_string()).collect::<Vec<_>>(),
                )
                .unwrap();
                p.distinguished_name.push(DnType::CommonName, name);
                p.extended_key_usages = vec![if client {
                    ExtendedKeyUsagePurpose::ClientAuth
                } else {
                    ExtendedKeyUsagePurpose::ServerAuth
                }];
                if let Some((y, m, d)) = until {
                    p.not_before = date_time_ymd(2020, 1, 1);
                    p.not_after = date_time_ymd(y, m, d);
                }
                let cert = p.signed_by(&key, &by.cert, &by.key).unwrap();
                Pair {
                    cert: write(&format!("{name}.pem"), &cert.pem()),
                    key: write(&format!("{name}.key"), &key.serialize_pem()),
                }
            };
        let server = leaf("server", &["localhost", "127.0.0.1"], &ca, false, None);
        let wrong_name = leaf("wrong-name", &["other.example"], &ca, false, None);
        let expired = leaf(
            "expired",
            &["localhost", "127.0.0.1"],
            &ca,
            false,
            Some((2021, 1, 1)),
        );
        let in_10_days = {
            use chrono::Datelike as _;
            let d = chrono::Utc::now().date_naive() + chrono::Days::new(10);
            (d.year(), d.month() as u8, d.day() as u8)
        };
        let expiring = leaf(
            "expiring",
            &["localhost", "127.0.0.1"],
            &ca,
            false,
            Some(in_10_days),
        );
        let client = leaf("client", &["mqq-client"], &ca, true, None);
        let stranger = leaf("stranger", &["mqq-stranger"], &other, true, None);
        let ca_path = write("ca.pem", &ca.cert.pem());
        let ca_key = write("ca.key", &ca.key.serialize_pem());
        let other_ca = write("other-ca.pem", &other.cert.pem());
        Pki {
            dir,
            ca: ca_path,
            ca_key,
            other_ca,
            server,
            wrong_name,
            expired,
            expiring,
            client,
            stranger,
        }
    }

    /// A path inside the PKI's directory (for extra files a test writes).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn new_ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    let cert = p.self_signed(&key).unwrap();
    Ca { cert, key }
}

/// A broker reached over TLS (port `port`), with a plain port (`plain_port`) beside it.
pub struct TlsBroker {
    pub port: u16,
    pub plain_port: u16,
    _server: Option<Server>,
    _dir: Option<tempfile::TempDir>,
    /// The broker behind the TLS terminator (a spawned one dies with its handle).
    _plain: Option<super::Broker>,
}

impl TlsBroker {
    /// The suite's broker behind TLS with `server`'s certificate; with `client_ca`, clients
    /// must present a certificate signed by it.
    pub fn start(server: &Pair, client_ca: Option<&Path>) -> TlsBroker {
        if kind() == Kind::Mosquitto {
            let mut why = String::new();
            for _ in 0..5 {
                match mosquitto(server, client_ca) {
                    Ok(b) => return b,
                    Err(e) => why = e,
                }
            }
            panic!("could not start mosquitto with a TLS listener: {why}");
        }
        let plain = super::Broker::start();
        let port = front(plain.port, server, client_ca);
        TlsBroker {
            port,
            plain_port: plain.port,
            _server: None,
            _dir: None,
            _plain: Some(plain),
        }
    }

    /// `mqtts://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("mqtts://127.0.0.1:{}", self.port)
    }

    /// `mqq -L mqtts://127.0.0.1:PORT`.
    pub fn mqq(&self) -> Mqq {
        mqq().uri(&self.uri())
    }
}

/// mosquitto's own TLS listener (with a plain one beside it).
fn mosquitto(server: &Pair, client_ca: Option<&Path>) -> Result<TlsBroker, String> {
    let dir = tempfile::tempdir().unwrap();
    let (port, plain_port) = (free_port(), free_port());
    let mut conf = format!(
        "per_listener_settings false\nallow_anonymous true\npersistence false\n\
         log_dest stderr\nlog_type error\nmax_queued_messages 0\n\
         listener {plain_port} 127.0.0.1\n\
         listener {port} 127.0.0.1\ncertfile {}\nkeyfile {}\n",
        server.cert.display(),
        server.key.display()
    );
    if let Some(ca) = client_ca {
        let _ = writeln!(conf, "cafile {}\nrequire_certificate true", ca.display());
    }
    let path = dir.path().join("mosquitto.conf");
    std::fs::write(&path, conf).unwrap();
    let server = Server::start(
        "mosquitto",
        Command::new(mosquitto_bin()).arg("-c").arg(&path),
        "apt-get install -y mosquitto",
        &[port, plain_port],
        Duration::from_secs(30),
    )?;
    Ok(TlsBroker {
        port,
        plain_port,
        _server: Some(server),
        _dir: Some(dir),
        _plain: None,
    })
}

/// A TLS terminator on a free loopback port that forwards every connection to `backend`:
/// rustls with `server`'s certificate, requiring a client certificate signed by `client_ca`
/// when given. Runs until the test process ends.
pub fn front(backend: u16, server: &Pair, client_ca: Option<&Path>) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_file_iter(ca).unwrap() {
                roots.add(c.unwrap()).unwrap();
            }
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(roots.into(), provider)
                    .build()
                    .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
    };
    let certs: Vec<_> = CertificateDer::pem_file_iter(&server.cert)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(&server.key).unwrap();
    let config = Arc::new(builder.with_single_cert(certs, key).unwrap());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let acceptor = tokio_rustls::TlsAcceptor::from(config);
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut back) = tokio::net::TcpStream::connect(("127.0.0.1", backend)).await
                    else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut back).await;
                });
            }
        });
    });
    port
}
