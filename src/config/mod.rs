//! Config resolution: YAML file, environment and flags → one [`QueueConfig`].
//!
//! Stage 1 gathers raw layers (defaults < file < env < flags), each a flat map of
//! pip-services `ConfigParams` keys (`connection.host`, `options.qos`, …) tagged with
//! where the value came from. Stage 2 interprets the merged map into a typed
//! [`QueueConfig`] with no `Option` left where a default exists. Everything here is
//! pure (the environment is passed in) so it is table-tested.

mod error;
pub mod keys;
mod params;
mod render;
#[cfg(test)]
mod tests;
mod uri;
pub mod values;
mod yaml;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::envelope::EnvelopeVersion;

pub use error::ConfigError;
pub use render::render;

pub use error::io_reason;
use params::{Entry, Params};
pub use values::ProtocolVersion;
use values::{option_duration, parse_bool, parse_qos};

/// Where a resolved value came from; shown by `mqq config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Built-in default.
    Default,
    /// The YAML config file (path as given).
    File(PathBuf),
    /// An environment variable (its name).
    Env(String),
    /// A command-line flag (its long name with dashes, e.g. `--host`, or `--set`).
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "file {}", p.display()),
            Source::Env(v) => write!(f, "env {v}"),
            Source::Flag(n) => write!(f, "flag {n}"),
        }
    }
}

/// A secret string (password). `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself; call only where it is handed to the broker.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

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

/// One value given on the command line, as a dotted `ConfigParams` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagValue {
    /// Dotted key, e.g. `connection.host`, `options.qos`, `credential.password`.
    pub key: String,
    /// The value as typed.
    pub value: String,
    /// The flag it came from, e.g. `--host`, `--set`.
    pub flag: String,
}

/// Everything config resolution reads. The environment is passed in, never read.
#[derive(Debug, Clone, Default)]
pub struct ConfigInputs {
    /// `--config FILE`.
    pub config_file: Option<PathBuf>,
    /// `--queue NAME`.
    pub queue: Option<String>,
    /// `--password-file FILE`.
    pub password_file: Option<PathBuf>,
    /// Flags as dotted keys, in command-line order (later wins), `--set` included.
    pub flags: Vec<FlagValue>,
    /// A snapshot of the process environment (`MQQ_*` and `{{VAR}}` templating).
    pub env: BTreeMap<String, String>,
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

/// Resolves the inputs into one queue: defaults < YAML file < environment < flags.
///
/// The file is `config_file`, else `MQQ_CONFIG`; the queue name `queue`, else `MQQ_QUEUE`
/// (it picks a queue of a `queues:` or container file and otherwise just names the queue).
/// Empty environment variables count as unset. `MQQ_PASSWORD_FILE` beats `MQQ_PASSWORD`, and
/// `--password-file` beats a password flag. Env and flag connection keys address the first
/// connection; when they set any, a failover list from the file collapses to that connection
/// (see `uri::resolve_connections`).
pub fn resolve(inputs: &ConfigInputs) -> Result<Resolved, ConfigError> {
    let env = |name: &str| inputs.env.get(name).filter(|v| !v.is_empty());
    let mut warnings = Vec::new();

    let wanted = inputs
        .queue
        .as_deref()
        .filter(|q| !q.is_empty())
        .or(env("MQQ_QUEUE").map(String::as_str));
    let config_path = match (&inputs.config_file, env("MQQ_CONFIG")) {
        (Some(p), _) => Some((p.clone(), "--config")),
        (None, Some(p)) => Some((PathBuf::from(p), "MQQ_CONFIG")),
        (None, None) => None,
    };
    let mut file = Params::new();
    if let Some((path, via)) = &config_path {
        let loaded = yaml::load(path, via, wanted, &inputs.env)?;
        warnings.extend(loaded.warnings);
        let source = Source::File(path.clone());
        let raw = loaded
            .pairs
            .into_iter()
            .map(|(k, v)| (k, v, source.clone()));
        file = params::layer(raw, true, &mut warnings)?;
        yaml::resolve_refs(&mut file, &loaded.discovery, &loaded.store, path)?;
        if let Some(name) = loaded.name {
            file.insert(
                "name".into(),
                Entry {
                    value: name,
                    source,
                    key: "name".into(),
                },
            );
        }
    }

    let mut env_raw: Vec<(String, String, Source)> = keys::KEYS
        .iter()
        .filter_map(|k| {
            let var = k.env?;
            env(var).map(|v| (k.key.to_string(), v.clone(), Source::Env(var.to_string())))
        })
        .collect();
    if let Some(path) = env("MQQ_PASSWORD_FILE") {
        let password = read_password(Path::new(path), "MQQ_PASSWORD_FILE")?;
        env_raw.push((
            "credential.password".into(),
            password,
            Source::Env("MQQ_PASSWORD_FILE".into()),
        ));
    }
    let env_layer = params::layer(env_raw, false, &mut warnings)?;

    let mut flag_raw: Vec<(String, String, Source)> = Vec::new();
    if let Some(q) = &inputs.queue {
        flag_raw.push(("name".into(), q.clone(), Source::Flag("--queue".into())));
    }
    for f in &inputs.flags {
        flag_raw.push((f.key.clone(), f.value.clone(), Source::Flag(f.flag.clone())));
    }
    if let Some(path) = &inputs.password_file {
        let password = read_password(path, "--password-file")?;
        flag_raw.push((
            "credential.password".into(),
            password,
            Source::Flag("--password-file".into()),
        ));
    }
    let flag_layer = params::layer(flag_raw, false, &mut warnings)?;

    let mut sources = BTreeMap::new();
    let mut shown = BTreeMap::new();
    let config = build(
        &file,
        &[&env_layer, &flag_layer],
        &mut sources,
        &mut shown,
        &mut warnings,
    )?;
    Ok(Resolved {
        config,
        sources,
        warnings,
        shown,
    })
}

/// Reads a password file, stripping one trailing line break.
fn read_password(path: &Path, via: &str) -> Result<String, ConfigError> {
    let err = |reason: String| ConfigError::PasswordFile {
        path: path.to_path_buf(),
        via: via.to_string(),
        reason,
    };
    // MQTT carries a password of at most 65,535 bytes; a line break may follow it.
    let text = yaml::read_limited(path, MAX_PASSWORD as u64 + 2)
        .map_err(|e| err(io_reason(&e)))?
        .ok_or_else(|| {
            err(format!(
                "it holds more than {MAX_PASSWORD} bytes, the longest password MQTT can carry"
            ))
        })?;
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    if text.len() > MAX_PASSWORD {
        return Err(err(format!(
            "it holds more than {MAX_PASSWORD} bytes, the longest password MQTT can carry"
        )));
    }
    Ok(text.to_string())
}

/// The longest password (and user name) MQTT can carry: a two-byte length (MQTT 3.1.1
/// §3.1.3.5, MQTT 5 §3.1.3.6).
pub const MAX_PASSWORD: usize = 65_535;

/// The winning entry of `key`: the one from the highest layer that has it.
fn pick<'a>(layers: &[&'a Params], key: &str) -> Option<&'a Entry> {
    layers.iter().rev().find_map(|p| p.get(key))
}

/// Stage 2: the file layer and the layers above it (env, flags) → a typed [`QueueConfig`],
/// recording the source of each value.
fn build(
    file: &Params,
    over: &[&Params],
    sources: &mut BTreeMap<String, Source>,
    shown: &mut BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> Result<QueueConfig, ConfigError> {
    let mut layers = vec![file];
    layers.extend_from_slice(over);
    let layers = layers.as_slice();
    let src = |e: Option<&Entry>| e.map_or(Source::Default, |e| e.source.clone());
    // Empty strings mean "not set" for name, topic and client id.
    let text = |key: &str| {
        let e = pick(layers, key);
        (e.map(|e| e.value.clone()).filter(|v| !v.is_empty()), src(e))
    };
    let tls_on = pick(layers, "options.tls").map_or(Ok(false), |e| {
        parse_bool(&e.value).ok_or_else(|| ConfigError::BadValue {
            key: e.key.clone(),
            value: e.value.clone(),
            origin: e.source.clone(),
            expected: ValueKind::Bool.expected(),
        })
    })?;
    let conns = uri::resolve_connections(file, over, tls_on)?;
    for (i, s) in conns.sources.iter().enumerate() {
        sources.insert(format!("connections.{i}.uri"), s.clone());
    }

    let (name, name_src) = text("name");
    let (topic, topic_src) = text("topic");
    // `mqtt://host/TOPIC`, as mosquitto's -L: the topic unless one is given.
    let (topic, topic_src) = match (topic, &conns.path_topic) {
        (None, Some((t, s))) => (Some(t.clone()), s.clone()),
        (Some(t), Some((path, s))) => {
            if t.split(keys::TOPIC_SEPARATOR).all(|f| f != path) {
                warnings.push(format!(
                    "the path \"{path}\" of the connection URI ({s}) is not used as the topic: \
                     the topic \"{}\" ({topic_src}) is given",
                    t.replace(keys::TOPIC_SEPARATOR, "\", \"")
                ));
            }
            (Some(t), topic_src)
        }
        (t, None) => (t, topic_src),
    };
    // Several `-t` arrive as one value joined by NUL: the first is the topic, the rest more
    // filters of the same subscription.
    let mut filters = topic
        .as_deref()
        .map(|t| {
            t.split(keys::TOPIC_SEPARATOR)
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let topic = (!filters.is_empty()).then(|| filters.remove(0));
    let extra_topics = filters;
    let (client_id, client_src) = text("client_id");
    let (topic, topic_src) = match (topic, &name) {
        (Some(t), _) => (Some(t), topic_src),
        (None, Some(n)) => (Some(n.clone()), name_src.clone()),
        (None, None) => (None, topic_src),
    };
    sources.insert("name".into(), name_src);
    sources.insert("topic".into(), topic_src);
    sources.insert("client_id".into(), client_src);

    // The URI's `user:pass@` fills a credential field unless the same or a higher layer set it
    // explicitly (pip-services: the credential overrides the URI's userinfo).
    let ui = conns.userinfo.as_ref();
    let field = |key: &str, from_uri: Option<(String, &Source)>| -> (Option<String>, Source) {
        match (pick(layers, key), from_uri) {
            (Some(e), Some((v, s))) if params::rank(s) > params::rank(&e.source) => {
                (Some(v), s.clone())
            }
            (Some(e), _) => (Some(e.value.clone()), e.source.clone()),
            (None, Some((v, s))) => (Some(v), s.clone()),
            (None, None) => (None, Source::Default),
        }
    };
    let (username, user_src) = field(
        "credential.username",
        ui.filter(|u| !u.username.is_empty())
            .map(|u| (u.username.clone(), &u.source)),
    );
    let (password, pass_src) = field(
        "credential.password",
        ui.and_then(|u| u.password.clone().map(|p| (p, &u.source))),
    );
    if let Some(p) = password.as_deref().filter(|p| p.len() > MAX_PASSWORD) {
        return Err(ConfigError::PasswordTooLong {
            len: p.len(),
            origin: pass_src,
        });
    }
    let credential = if username.as_deref().unwrap_or_default().is_empty()
        && password.as_deref().unwrap_or_default().is_empty()
    {
        None
    } else {
        Some(Credential {
            username: username.unwrap_or_default(),
            password: Secret::new(password.unwrap_or_default()),
        })
    };
    sources.insert("credential.username".into(), user_src);
    sources.insert("credential.password".into(), pass_src);
    // A file path: empty means unset.
    let mut path = |key: &str| {
        let e = pick(layers, key).filter(|e| !e.value.trim().is_empty());
        sources.insert(key.to_string(), src(e));
        e.map(|e| PathBuf::from(e.value.trim()))
    };
    let (ca_file, cert_file, key_file) = (
        path("credential.ssl_ca_file"),
        path("credential.ssl_crt_file"),
        path("credential.ssl_key_file"),
    );

    // Every option: the winning entry, else the registry's default, parsed by its kind.
    let mut opt = |name: &str, kind: ValueKind| -> Result<String, ConfigError> {
        let row = keys::get(&format!("options.{name}")).expect("options are in the registry");
        let e = pick(layers, row.key);
        sources.insert(row.key.to_string(), src(e));
        let text = e.map_or(row.default.unwrap_or_default(), |e| e.value.as_str());
        let canonical = kind.canonical(text).ok_or_else(|| {
            let e = e.expect("registry defaults are valid");
            ConfigError::BadValue {
                key: e.key.clone(),
                value: e.value.clone(),
                origin: e.source.clone(),
                expected: kind.expected(),
            }
        })?;
        if !canonical.is_empty() {
            shown.insert(row.key.to_string(), kind.shown(&canonical));
        }
        Ok(canonical)
    };
    let options = QueueOptions {
        qos: kind_value(parse_qos, &opt("qos", ValueKind::Qos)?),
        retain: kind_value(parse_bool, &opt("retain", ValueKind::Bool)?),
        serialize_envelope: kind_value(parse_bool, &opt("serialize_envelope", ValueKind::Bool)?),
        autosubscribe: kind_value(parse_bool, &opt("autosubscribe", ValueKind::Bool)?),
        retry_connect: kind_value(parse_bool, &opt("retry_connect", ValueKind::Bool)?),
        connect_timeout: kind_value(option_duration, &opt("connect_timeout", ValueKind::Millis)?),
        reconnect_timeout: kind_value(
            option_duration,
            &opt("reconnect_timeout", ValueKind::Millis)?,
        ),
        keepalive_timeout: kind_value(
            option_duration,
            &opt("keepalive_timeout", ValueKind::Millis)?,
        ),
        envelope_version: kind_value(
            |t| t.parse().ok(),
            &opt("envelope_version", ValueKind::EnvelopeVersion)?,
        ),
        protocol_version: kind_value(
            |t| t.parse().ok(),
            &opt("protocol_version", ValueKind::ProtocolVersion)?,
        ),
        session_expiry: kind_value(
            |t| (t != "never").then(|| option_duration(t)),
            &opt("session_expiry", ValueKind::Expiry)?,
        ),
        group: Some(opt("group", ValueKind::Text)?).filter(|g| !g.is_empty()),
    };
    // MQTT carries the keepalive in whole seconds, at most 65,535 (0 turns it off).
    if options.keepalive_timeout > Duration::from_secs(u64::from(u16::MAX)) {
        if let Some(e) = pick(layers, "options.keepalive_timeout") {
            return Err(ConfigError::BadValue {
                key: e.key.clone(),
                value: e.value.clone(),
                origin: e.source.clone(),
                expected: "is longer than MQTT's longest keepalive, 65535 s (18h 12m 15s); \
                           use at most that, or 0 to turn keepalive off",
            });
        }
    }
    opt("tls", ValueKind::Bool)?;
    let some = |t: String| (!t.is_empty()).then_some(t);
    let tls = TlsConfig {
        ca_file,
        ca_path: some(opt("tls_ca_path", ValueKind::Text)?).map(PathBuf::from),
        cert_file,
        key_file,
        insecure: kind_value(parse_bool, &opt("tls_insecure", ValueKind::Bool)?),
        server_name: some(opt("tls_server_name", ValueKind::Text)?),
        alpn: opt("tls_alpn", ValueKind::List)?
            .split(',')
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect(),
    };

    Ok(QueueConfig {
        name,
        topic,
        extra_topics,
        client_id,
        connections: conns.addrs,
        credential,
        tls,
        options,
    })
}

/// The kinds of option values: how each is checked, written canonically, and explained.
#[derive(Debug, Clone, Copy)]
enum ValueKind {
    Qos,
    Bool,
    Millis,
    EnvelopeVersion,
    /// Any text (a name, a path).
    Text,
    /// Comma-separated items; blanks dropped.
    List,
    ProtocolVersion,
    Expiry,
}

impl ValueKind {
    /// The value in canonical form, or `None` when it is not of this kind.
    fn canonical(self, text: &str) -> Option<String> {
        match self {
            ValueKind::Qos => parse_qos(text).map(|q| q.to_string()),
            ValueKind::Bool => parse_bool(text).map(|b| b.to_string()),
            ValueKind::Millis => option_duration(text).map(|d| {
                if d.subsec_nanos() % 1_000_000 == 0 {
                    d.as_millis().to_string()
                } else {
                    humantime::format_duration(d).to_string()
                }
            }),
            ValueKind::EnvelopeVersion => {
                text.parse::<EnvelopeVersion>().ok().map(|v| v.to_string())
            }
            ValueKind::Text => Some(text.trim().to_string()),
            ValueKind::List => Some(
                text.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ValueKind::ProtocolVersion => {
                text.parse::<ProtocolVersion>().ok().map(|v| v.to_string())
            }
            ValueKind::Expiry if text.trim().eq_ignore_ascii_case("never") => Some("never".into()),
            // Zero would end a durable queue's session with its connection.
            ValueKind::Expiry => option_duration(text)
                .filter(|d| !d.is_zero())
                .and_then(|_| ValueKind::Millis.canonical(text)),
        }
    }

    /// A canonical value as `mqq config` writes it in YAML.
    fn shown(self, canonical: &str) -> String {
        match self {
            ValueKind::Text | ValueKind::List => render::scalar(canonical),
            // Days, not 604800000: an expiry is long; it reads back the same (`7days`).
            ValueKind::Expiry => canonical.parse::<u64>().map_or_else(
                |_| canonical.to_string(),
                |ms| humantime::format_duration(Duration::from_millis(ms)).to_string(),
            ),
            _ => canonical.to_string(),
        }
    }

    /// What the user should write instead of a bad value.
    fn expected(self) -> &'static str {
        match self {
            ValueKind::Qos => "is not a QoS level; use 0, 1 or 2",
            ValueKind::Bool => "is not a boolean; use true or false (also 1/0, yes/no, y/n, t/f)",
            ValueKind::Millis => {
                "is not a duration; use milliseconds (5000) or a duration like 5s or 500ms \
                 (at most 365 days)"
            }
            ValueKind::EnvelopeVersion => "is not an envelope version; use 3, 4 or both",
            ValueKind::Text | ValueKind::List => "is not valid here",
            ValueKind::ProtocolVersion => {
                "is not an MQTT protocol version; use 3.1.1, 5 or auto (for mqq's own version \
                 use --version)"
            }
            ValueKind::Expiry => {
                "is not a session expiry; use never, or a duration above zero like 1d, 12h or \
                 3600000 (milliseconds, at most 365 days)"
            }
        }
    }
}

/// The typed value of a canonical string (already checked by [`ValueKind::canonical`]).
fn kind_value<T: Default>(parse: impl Fn(&str) -> Option<T>, canonical: &str) -> T {
    parse(canonical).unwrap_or_default()
}

/// A command-line text that may hold a secret, fit for an error message: when it mentions a
/// credential (`password`, `pass`, `secret`, `token`), everything after the key is `***`.
pub fn mask_secret(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if !["pass", "secret", "token"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return text.to_string();
    }
    let key_end = text.find([':', '=', ' ']).unwrap_or(text.len());
    let sep = text[key_end..]
        .chars()
        .next()
        .map(String::from)
        .unwrap_or_default();
    format!("{}{sep}***", &text[..key_end])
}
