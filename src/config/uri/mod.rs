//! Connections: the `uri`, `host`, `port` and `protocol` of each layer → one [`BrokerAddr`]
//! per connection of the failover list (docs/DESIGN.md §3). URIs are parsed with the `url` crate.

use url::{Host, Url};

use super::error::ConfigError;
use super::model::{BrokerAddr, Transport};
use super::params::{connection_indices, rank, Entry, Params, ADDRESS_FIELDS};
use super::source::Source;

/// `user:pass@` of a connection URI, percent-decoded.
#[derive(Debug, Clone)]
pub(crate) struct UserInfo {
    /// The user name (may be empty when only a password is given).
    pub username: String,
    /// The password, if the URI has one.
    pub password: Option<String>,
    /// The source of the URI.
    pub source: Source,
}

/// The resolved failover list.
#[derive(Debug)]
pub(crate) struct Connections {
    /// One address per connection, in order.
    pub addrs: Vec<BrokerAddr>,
    /// For each address, the highest layer that contributed to it.
    pub sources: Vec<Source>,
    /// The userinfo of the first connection URI that has one.
    pub userinfo: Option<UserInfo>,
    /// The path of the first address's `mqtt://` (or TLS) URI, as mosquitto's `-L` reads it:
    /// the topic, unless one is given (`mqtt://host/sensors/#`).
    pub path_topic: Option<(String, Source)>,
}

/// Builds the failover list from the file layer and the higher layers (env, then flags).
///
/// The file's `connections.N` form the list. Env and flags usually address the first
/// connection (`connection.host` = `connections.0.host`); as soon as they set any address key
/// (`uri`, `host`, `port`, `protocol`), the list is cut to the connections they address —
/// usually just the first one: `--host b` against a file with two brokers means "use b", not
/// "b, then the file's second broker". Each remaining connection layers the higher values
/// over the file's connection of the same index.
/// With `tls` (`options.tls`, `--tls`), every address uses TLS: `mqtt` becomes `mqtts` and
/// `ws` becomes `wss`, with the TLS default port unless a port was given.
pub(crate) fn resolve_connections(
    file: &Params,
    over: &[&Params],
    tls: bool,
) -> Result<Connections, ConfigError> {
    let file_idx = connection_indices(file, &ADDRESS_FIELDS);
    let over_idx: Vec<usize> = over
        .iter()
        .flat_map(|p| connection_indices(p, &ADDRESS_FIELDS))
        .collect();
    let mut indices: Vec<usize> = match over_idx.iter().max() {
        None => file_idx,
        Some(&max) => (0..=max)
            .filter(|i| file_idx.contains(i) || over_idx.contains(i))
            .collect(),
    };
    if indices.is_empty() {
        indices.push(0);
    }
    let mut layers: Vec<&Params> = vec![file];
    layers.extend_from_slice(over);
    let mut out = Connections {
        addrs: Vec::new(),
        sources: Vec::new(),
        userinfo: None,
        path_topic: None,
    };
    if let Some(e) = layers
        .iter()
        .rev()
        .find_map(|p| p.get(&format!("connections.{}.uri", indices[0])))
    {
        let first = e.value.split(',').map(str::trim).find(|v| !v.is_empty());
        out.path_topic = first
            .and_then(mqtt_path)
            .map(|t| (t.to_string(), e.source.clone()));
    }
    for i in indices {
        for (addr, source, userinfo) in one(i, &layers, tls)? {
            out.addrs.push(addr);
            out.sources.push(source);
            if out.userinfo.is_none() {
                out.userinfo = userinfo;
            }
        }
    }
    Ok(out)
}

/// A parsed connection URI.
struct ParsedUri {
    transport: Transport,
    host: String,
    port: Option<u16>,
    /// The path, when the URI has one (`ws://h:80/ws`).
    path: Option<String>,
    userinfo: Option<UserInfo>,
}

/// Resolves connection `i`: a `uri` is the base; `host`, `port` and `protocol` from a layer
/// *above* the URI's override its parts, those from its layer or below are ignored.
/// A `uri` that is a comma-separated list (`-L a -L b`, or `mqtt://a:1883,mqtt://b:1883` as
/// pip-services Go accepts) gives one connection per element, each with those overrides.
fn one(
    i: usize,
    layers: &[&Params],
    tls: bool,
) -> Result<Vec<(BrokerAddr, Source, Option<UserInfo>)>, ConfigError> {
    let key = format!("connections.{i}.uri");
    match layers.iter().rev().find_map(|p| p.get(&key)) {
        Some(e) if e.value.contains(',') && e.value.split(',').all(|v| v.trim().is_empty()) => {
            Err(ConfigError::BadUri {
                key: e.key.clone(),
                uri: e.value.clone(),
                origin: e.source.clone(),
                reason: "it lists no address between its commas".into(),
            })
        }
        Some(e) if e.value.contains(',') => e
            .value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| {
                let piece = Entry {
                    value: v.to_string(),
                    ..e.clone()
                };
                one_uri(i, layers, tls, Some(&piece))
            })
            .collect(),
        uri => Ok(vec![one_uri(i, layers, tls, uri)?]),
    }
}

fn one_uri(
    i: usize,
    layers: &[&Params],
    tls: bool,
    uri: Option<&Entry>,
) -> Result<(BrokerAddr, Source, Option<UserInfo>), ConfigError> {
    let get = |field: &str| {
        let key = format!("connections.{i}.{field}");
        layers.iter().rev().find_map(|p| p.get(&key))
    };
    let uri_rank = uri.map(|e| rank(&e.source));
    let above = |field: &str| get(field).filter(|e| uri_rank.is_none_or(|r| rank(&e.source) > r));
    let host_e = above("host");
    let port_e = above("port");
    let proto_e = above("protocol");
    // Those the URI overrides are still checked: `-L URI -p 0` is a mistake either way.
    if let Some(e) = get("port") {
        parse_port(e)?;
    }
    if let Some(e) = get("host") {
        parse_host(e)?;
    }
    if let Some(e) = get("protocol") {
        transport_of(&e.value.trim().to_ascii_lowercase())
            .ok_or_else(|| unsupported(e, e.value.clone()))?;
    }

    let parsed = uri.map(parse_uri).transpose()?;
    let transport = match proto_e {
        Some(e) => transport_of(&e.value.trim().to_ascii_lowercase())
            .ok_or_else(|| unsupported(e, e.value.clone()))?,
        None => parsed.as_ref().map_or(Transport::Tcp, |p| p.transport),
    };
    let transport = match transport {
        Transport::Tcp if tls => Transport::Tls,
        Transport::Ws if tls => Transport::Wss,
        t => t,
    };
    let host = match host_e {
        Some(e) => parse_host(e)?,
        None => parsed
            .as_ref()
            .map_or_else(|| "localhost".to_string(), |p| p.host.clone()),
    };
    let port = match port_e {
        Some(e) => parse_port(e)?,
        None => parsed
            .as_ref()
            .and_then(|p| p.port)
            .unwrap_or(default_port(transport)),
    };
    let path = match parsed.as_ref().and_then(|p| p.path.clone()) {
        Some(p) => p,
        None if matches!(transport, Transport::Ws | Transport::Wss) => DEFAULT_WS_PATH.into(),
        None => "/".into(),
    };
    let source = [uri, host_e, port_e, proto_e]
        .into_iter()
        .flatten()
        .fold(None::<&Entry>, |best, e| match best {
            Some(b) if rank(&b.source) >= rank(&e.source) => Some(b),
            _ => Some(e),
        })
        .map_or(Source::Default, |e| e.source.clone());
    let userinfo = parsed.and_then(|p| p.userinfo);
    Ok((
        BrokerAddr {
            transport,
            host,
            port,
            path,
        },
        source,
        userinfo,
    ))
}

/// The path of an `mqtt://`-family URI (not WebSockets, whose path is the endpoint), as
/// written after the host: `sensors/#` of `mqtt://h:1883/sensors/#`. `None` for none or `/`.
fn mqtt_path(uri: &str) -> Option<&str> {
    let (scheme, rest) = uri.split_once("://")?;
    if !matches!(
        transport_of(&scheme.to_ascii_lowercase()),
        Some(Transport::Tcp | Transport::Tls)
    ) {
        return None;
    }
    // The authority ends at the first `/` after the userinfo (a password may hold `/`).
    let after_at = rest.rfind('@').map_or(rest, |at| &rest[at + 1..]);
    let (_, path) = after_at.split_once('/')?;
    (!path.is_empty()).then_some(path)
}

/// The transport of a URI scheme or `protocol` value (lower case).
pub(crate) fn transport_of(scheme: &str) -> Option<Transport> {
    match scheme {
        "mqtt" | "tcp" => Some(Transport::Tcp),
        "mqtts" | "ssl" | "tls" => Some(Transport::Tls),
        "ws" => Some(Transport::Ws),
        "wss" => Some(Transport::Wss),
        _ => None,
    }
}

/// The WebSocket path when the URI gives none: the one most brokers serve (EMQX, HiveMQ,
/// mosquitto accepts any; RabbitMQ's is `/ws`).
pub(crate) const DEFAULT_WS_PATH: &str = "/mqtt";

/// The default port of a transport.
pub(crate) fn default_port(transport: Transport) -> u16 {
    match transport {
        Transport::Tcp => 1883,
        Transport::Tls => 8883,
        Transport::Ws => 80,
        Transport::Wss => 443,
    }
}

fn unsupported(e: &Entry, value: String) -> ConfigError {
    ConfigError::UnsupportedProtocol {
        key: e.key.clone(),
        value,
        origin: e.source.clone(),
    }
}

fn parse_port(e: &Entry) -> Result<u16, ConfigError> {
    match e.value.trim().parse::<u16>() {
        Ok(p) if p != 0 => Ok(p),
        _ => Err(ConfigError::BadPort {
            key: e.key.clone(),
            value: e.value.clone(),
            origin: e.source.clone(),
        }),
    }
}

fn parse_host(e: &Entry) -> Result<String, ConfigError> {
    let host = e.value.trim();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let reason = if host.is_empty() {
        "it is empty; give a host name or IP address"
    } else if host.contains("://") {
        "it looks like a URI; give it as the connection uri instead"
    } else if host.contains(|c: char| c.is_whitespace() || matches!(c, '/' | '@' | '?' | '#')) {
        "give a host name or IP address"
    } else if host.contains(':') && host.parse::<std::net::Ipv6Addr>().is_err() {
        "it carries a port (HOST:PORT)"
    } else {
        return Ok(host.to_string());
    };
    Err(ConfigError::BadHost {
        key: e.key.clone(),
        // `bob:secret@host` given as a host must not echo the password.
        value: mask_userinfo(&e.value),
        origin: e.source.clone(),
        reason: reason.to_string(),
    })
}

/// Replaces the userinfo of a URI-like string by `***`, for messages.
pub(crate) fn mask_userinfo(text: &str) -> String {
    let start = text.find("://").map_or(0, |i| i + 3);
    match text[start..].rfind('@') {
        Some(at) => format!("{}***{}", &text[..start], &text[start + at..]),
        None => text.to_string(),
    }
}

/// Decodes `%XX` escapes (userinfo of a URI); `None` when the bytes are not UTF-8 (`%ff`).
fn percent_decode(text: &str) -> Option<String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

fn parse_uri(e: &Entry) -> Result<ParsedUri, ConfigError> {
    let text = e.value.trim();
    let bad = |reason: &str| ConfigError::BadUri {
        key: e.key.clone(),
        uri: mask_userinfo(text),
        origin: e.source.clone(),
        reason: reason.to_string(),
    };
    if !text.contains("://") {
        return Err(bad("it has no scheme"));
    }
    let url = Url::parse(text).map_err(|err| bad(&err.to_string()))?;
    let transport =
        transport_of(url.scheme()).ok_or_else(|| unsupported(e, url.scheme().to_string()))?;
    let host = match url.host() {
        Some(Host::Domain(d)) if !d.is_empty() => d.to_string(),
        Some(Host::Ipv4(ip)) => ip.to_string(),
        Some(Host::Ipv6(ip)) => ip.to_string(),
        _ => return Err(bad("it has no host")),
    };
    if url.port() == Some(0) {
        return Err(bad("port 0 is not a port; use a number from 1 to 65535"));
    }
    // The URL parser writes `/` for no path at all: look at the text for an explicit one.
    let after_authority = text
        .split_once("://")
        .map_or("", |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
    let explicit = !after_authority.is_empty() || url.query().is_some();
    let path = explicit.then(|| match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    });
    let userinfo = if url.username().is_empty() && url.password().is_none() {
        None
    } else {
        Some(UserInfo {
            username: percent_decode(url.username()).ok_or_else(|| {
                bad(
                    "its user name is not UTF-8 once its %-escapes are decoded; \
                     MQTT user names are UTF-8 text",
                )
            })?,
            password: url
                .password()
                .map(|p| {
                    percent_decode(p).ok_or_else(|| {
                        bad("its password is not UTF-8 once its %-escapes are decoded")
                    })
                })
                .transpose()?,
            source: e.source.clone(),
        })
    };
    Ok(ParsedUri {
        transport,
        host,
        port: url.port(),
        path,
        userinfo,
    })
}

#[cfg(test)]
mod tests;
