//! Stage 2 of resolution: the file layer and the layers above it (environment, flags) → one
//! typed [`QueueConfig`], recording where each value came from and, for the options, the
//! canonical form `mqq config` shows. One function per part of the config: the names and
//! topics, the credential, the options, TLS.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::error::ConfigError;
use super::keys;
use super::kind::{kind_value, ValueKind};
use super::model::{Credential, QueueConfig, QueueOptions, TlsConfig, MAX_PASSWORD};
use super::params::{self, Entry, Params};
use super::secret::Secret;
use super::source::Source;
use super::uri::{self, UserInfo};
use super::values::{option_duration, parse_bool, parse_qos};

/// The winning entry of `key`: the one from the highest layer that has it.
fn pick<'a>(layers: &[&'a Params], key: &str) -> Option<&'a Entry> {
    layers.iter().rev().find_map(|p| p.get(key))
}

/// Where the winning entry came from; the default when no layer has the key.
fn src(e: Option<&Entry>) -> Source {
    e.map_or(Source::Default, |e| e.source.clone())
}

/// Stage 2: the file layer and the layers above it (env, flags) → a typed [`QueueConfig`],
/// recording the source of each value.
pub(super) fn build(
    file: &Params,
    over: &[&Params],
    sources: &mut BTreeMap<String, Source>,
    shown: &mut BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> Result<QueueConfig, ConfigError> {
    let mut layers = vec![file];
    layers.extend_from_slice(over);
    let layers = layers.as_slice();
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
    let names = names(layers, conns.path_topic.as_ref(), sources, warnings);
    let credential = credential(layers, conns.userinfo.as_ref(), sources)?;
    // A file path: empty means unset.
    let mut path = |key: &str| {
        let e = pick(layers, key).filter(|e| !e.value.trim().is_empty());
        sources.insert(key.to_string(), src(e));
        e.map(|e| PathBuf::from(e.value.trim()))
    };
    let files = TlsFiles {
        ca: path("credential.ssl_ca_file"),
        cert: path("credential.ssl_crt_file"),
        key: path("credential.ssl_key_file"),
    };
    let mut opts = Options {
        layers,
        sources,
        shown,
    };
    let options = opts.queue()?;
    let tls = opts.tls(files)?;
    Ok(QueueConfig {
        name: names.name,
        topic: names.topic,
        extra_topics: names.extra_topics,
        client_id: names.client_id,
        connections: conns.addrs,
        credential,
        tls,
        options,
    })
}

/// What names the queue: its name, topic, the more filters of the same subscription, and
/// its client id.
struct Names {
    name: Option<String>,
    topic: Option<String>,
    extra_topics: Vec<String>,
    client_id: Option<String>,
}

/// The name, the topic (else the path of an `mqtt://host/TOPIC` URI, else the name) and the
/// client id, with their sources.
fn names(
    layers: &[&Params],
    path_topic: Option<&(String, Source)>,
    sources: &mut BTreeMap<String, Source>,
    warnings: &mut Vec<String>,
) -> Names {
    // Empty strings mean "not set" for name, topic and client id.
    let text = |key: &str| {
        let e = pick(layers, key);
        (e.map(|e| e.value.clone()).filter(|v| !v.is_empty()), src(e))
    };
    let (name, name_src) = text("name");
    let (topic, topic_src) = text("topic");
    // `mqtt://host/TOPIC`, as mosquitto's -L: the topic unless one is given.
    let (topic, topic_src) = match (topic, path_topic) {
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
    Names {
        name,
        topic,
        extra_topics,
        client_id,
    }
}

/// The user name and password, from the credential keys or the connection URI's
/// `user:pass@`; `None` when both are empty.
fn credential(
    layers: &[&Params],
    ui: Option<&UserInfo>,
    sources: &mut BTreeMap<String, Source>,
) -> Result<Option<Credential>, ConfigError> {
    // The URI's `user:pass@` fills a credential field unless the same or a higher layer set it
    // explicitly (pip-services: the credential overrides the URI's userinfo).
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
    Ok(credential)
}

/// The TLS files of the credential section (`credential.ssl_*_file`).
struct TlsFiles {
    ca: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
}

/// The `options.*` keys: each one's winning entry, else the registry's default, parsed by its
/// kind, with its source and canonical form recorded.
struct Options<'a> {
    layers: &'a [&'a Params],
    sources: &'a mut BTreeMap<String, Source>,
    shown: &'a mut BTreeMap<String, String>,
}

impl Options<'_> {
    /// The canonical text of option `name`.
    fn get(&mut self, name: &str, kind: ValueKind) -> Result<String, ConfigError> {
        let row = keys::get(&format!("options.{name}")).expect("options are in the registry");
        let e = pick(self.layers, row.key);
        self.sources.insert(row.key.to_string(), src(e));
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
            self.shown
                .insert(row.key.to_string(), kind.shown(&canonical));
        }
        Ok(canonical)
    }

    /// The queue's options (all but TLS).
    fn queue(&mut self) -> Result<QueueOptions, ConfigError> {
        let options = QueueOptions {
            qos: kind_value(parse_qos, &self.get("qos", ValueKind::Qos)?),
            retain: kind_value(parse_bool, &self.get("retain", ValueKind::Bool)?),
            serialize_envelope: kind_value(
                parse_bool,
                &self.get("serialize_envelope", ValueKind::Bool)?,
            ),
            autosubscribe: kind_value(parse_bool, &self.get("autosubscribe", ValueKind::Bool)?),
            retry_connect: kind_value(parse_bool, &self.get("retry_connect", ValueKind::Bool)?),
            connect_timeout: kind_value(
                option_duration,
                &self.get("connect_timeout", ValueKind::Millis)?,
            ),
            reconnect_timeout: kind_value(
                option_duration,
                &self.get("reconnect_timeout", ValueKind::Millis)?,
            ),
            keepalive_timeout: kind_value(
                option_duration,
                &self.get("keepalive_timeout", ValueKind::Millis)?,
            ),
            envelope_version: kind_value(
                |t| t.parse().ok(),
                &self.get("envelope_version", ValueKind::EnvelopeVersion)?,
            ),
            protocol_version: kind_value(
                |t| t.parse().ok(),
                &self.get("protocol_version", ValueKind::ProtocolVersion)?,
            ),
            session_expiry: kind_value(
                |t| (t != "never").then(|| option_duration(t)),
                &self.get("session_expiry", ValueKind::Expiry)?,
            ),
            group: Some(self.get("group", ValueKind::Text)?).filter(|g| !g.is_empty()),
        };
        // MQTT carries the keepalive in whole seconds, at most 65,535 (0 turns it off).
        if options.keepalive_timeout > Duration::from_secs(u64::from(u16::MAX)) {
            if let Some(e) = pick(self.layers, "options.keepalive_timeout") {
                return Err(ConfigError::BadValue {
                    key: e.key.clone(),
                    value: e.value.clone(),
                    origin: e.source.clone(),
                    expected: "is longer than MQTT's longest keepalive, 65535 s (18h 12m 15s); \
                               use at most that, or 0 to turn keepalive off",
                });
            }
        }
        Ok(options)
    }

    /// The TLS settings: the credential's files and the `options.tls_*` keys.
    fn tls(&mut self, files: TlsFiles) -> Result<TlsConfig, ConfigError> {
        self.get("tls", ValueKind::Bool)?;
        let some = |t: String| (!t.is_empty()).then_some(t);
        Ok(TlsConfig {
            ca_file: files.ca,
            ca_path: some(self.get("tls_ca_path", ValueKind::Text)?).map(PathBuf::from),
            cert_file: files.cert,
            key_file: files.key,
            insecure: kind_value(parse_bool, &self.get("tls_insecure", ValueKind::Bool)?),
            server_name: some(self.get("tls_server_name", ValueKind::Text)?),
            alpn: self
                .get("tls_alpn", ValueKind::List)?
                .split(',')
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect(),
        })
    }
}
