//! The resolved queue, what resolution hands the rest of mqq: [`QueueConfig`] (addresses,
//! credential, TLS, options) with no `Option` left where a default exists, and [`Resolved`],
//! the config with where each value came from.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::secret::Secret;
use super::source::Source;
use super::values::ProtocolVersion;
use crate::envelope::EnvelopeVersion;

/// How bytes travel to the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Plain TCP (`mqtt://`, `tcp://`), default port 1883.
    Tcp,
    /// TLS over TCP (`mqtts://`, `ssl://`, `tls://`), default port 8883.
    Tls,
    /// WebSocket (`ws://`), default port 80.
    Ws,
    /// WebSocket over TLS (`wss://`), default port 443.
    Wss,
}

/// One broker address of the failover list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerAddr {
    /// Transport chosen by the scheme / protocol.
    pub transport: Transport,
    /// Host name or IP literal (without brackets).
    pub host: String,
    /// Port, 1–65535.
    pub port: u16,
    /// WebSocket path (e.g. `/mqtt`); `/` when none was given. Unused for TCP/TLS.
    pub path: String,
}

impl BrokerAddr {
    /// Whether the transport is TLS (`mqtts://` or `wss://`).
    pub fn is_tls(&self) -> bool {
        matches!(self.transport, Transport::Tls | Transport::Wss)
    }

    /// The address as a URI without credentials, e.g. `mqtt://localhost:1883`.
    pub fn uri(&self) -> String {
        let scheme = match self.transport {
            Transport::Tcp => "mqtt",
            Transport::Tls => "mqtts",
            Transport::Ws => "ws",
            Transport::Wss => "wss",
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.transport {
            Transport::Ws | Transport::Wss => {
                format!("{scheme}://{host}:{}{}", self.port, self.path)
            }
            _ => format!("{scheme}://{host}:{}", self.port),
        }
    }
}

/// Username and password for the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// User name.
    pub username: String,
    /// Password (may be empty).
    pub password: Secret,
}

/// `options.*` of the pip-services `MqttMessageQueue`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueOptions {
    /// `options.qos`, 0–2 (default 1: pip-services defaults to 0, but QoS 0 messages are neither
    /// acknowledged nor kept for an offline durable queue; durable queues subscribe at ≥ 1).
    pub qos: u8,
    /// `options.retain` (default false).
    pub retain: bool,
    /// `options.serialize_envelope` (default true).
    pub serialize_envelope: bool,
    /// `options.autosubscribe` (default false).
    pub autosubscribe: bool,
    /// `options.retry_connect` (default true).
    pub retry_connect: bool,
    /// `options.connect_timeout` (default 30 000 ms).
    pub connect_timeout: Duration,
    /// `options.reconnect_timeout` (default 1 000 ms).
    pub reconnect_timeout: Duration,
    /// `options.keepalive_timeout` (default 60 000 ms).
    pub keepalive_timeout: Duration,
    /// `options.envelope_version`: `3` (default), `4` or `both`.
    pub envelope_version: EnvelopeVersion,
    /// `options.group`: receive through `$share/GROUP/<topic>` (competing consumers).
    pub group: Option<String>,
    /// `options.protocol_version`: `3.1.1`, `5` or `auto` (default).
    pub protocol_version: ProtocolVersion,
    /// `options.session_expiry` (MQTT 5, durable queues): `None` is `never` (the default).
    pub session_expiry: Option<Duration>,
}

/// TLS settings (`credential.ssl_*_file`, `options.tls_*`), used by `mqtts://` and `wss://`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsConfig {
    /// `credential.ssl_ca_file`: trust these CAs instead of the system's.
    pub ca_file: Option<PathBuf>,
    /// `options.tls_ca_path`: trust the CAs of this directory instead of the system's.
    pub ca_path: Option<PathBuf>,
    /// `credential.ssl_crt_file`: client certificate (chain) for mutual TLS.
    pub cert_file: Option<PathBuf>,
    /// `credential.ssl_key_file`: the client certificate's private key.
    pub key_file: Option<PathBuf>,
    /// `options.tls_insecure`: accept any certificate.
    pub insecure: bool,
    /// `options.tls_server_name`: the name the certificate must carry (default: the host).
    pub server_name: Option<String>,
    /// `options.tls_alpn`: ALPN protocols to offer.
    pub alpn: Vec<String>,
}

/// One fully resolved queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// Queue name (`--queue`, a `queues:` key or a descriptor's name), if any.
    pub name: Option<String>,
    /// Topic: `topic` if set, else the queue name; `None` if neither.
    pub topic: Option<String>,
    /// More topic filters of the same subscription (several `-t`; receiving verbs only).
    pub extra_topics: Vec<String>,
    /// Client id; `Some` makes the queue durable (persistent session).
    pub client_id: Option<String>,
    /// Ordered failover list; never empty (default `mqtt://localhost:1883`).
    pub connections: Vec<BrokerAddr>,
    /// Credentials, from the config or the URI's `user:pass@`.
    pub credential: Option<Credential>,
    /// TLS files and settings.
    pub tls: TlsConfig,
    /// Options.
    pub options: QueueOptions,
}

/// The result of resolution: the config, the source of every shown value, and warnings.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The resolved queue.
    pub config: QueueConfig,
    /// Source of each resolved key (`topic`, `connections.0.uri`, `options.qos`, …).
    pub sources: BTreeMap<String, Source>,
    /// Warnings to print on stderr (e.g. unknown option keys), one line each.
    pub warnings: Vec<String>,
    /// Each `options.*` value in canonical form (`5s` → `5000`, `yes` → `true`), for display.
    pub shown: BTreeMap<String, String>,
}

/// The longest password (and user name) MQTT can carry: a two-byte length (MQTT 3.1.1
/// §3.1.3.5, MQTT 5 §3.1.3.6).
pub const MAX_PASSWORD: usize = 65_535;
