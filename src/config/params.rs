//! pip-services `ConfigParams` (docs/WIRE.md §8): flat, dotted, case-sensitive keys, each value a
//! string tagged with its [`Source`]. This module flattens YAML into such keys and brings
//! every layer to one canonical spelling (aliases, `connection` = `connections.0`,
//! `credentials.0` = `credential`) so that layers can be compared key by key.

use std::collections::BTreeMap;

use serde_norway::Value;

use super::error::ConfigError;
use super::keys;
use super::source::Source;

/// The longest failover list: more brokers than anyone lists, few enough that a typo'd
/// index (`connections.4000000000`) cannot make mqq build billions of connections.
pub(crate) const MAX_CONNECTIONS: usize = 64;

/// Connection fields that make up a broker address.
pub(crate) const ADDRESS_FIELDS: [&str; 4] = ["uri", "host", "port", "protocol"];

/// One value of a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The value as a string (YAML numbers and booleans are turned into strings).
    pub value: String,
    /// Where it came from.
    pub source: Source,
    /// The key as the user wrote it (for messages), e.g. `connection.ip`.
    pub key: String,
}

/// A layer: canonical key → entry.
pub(crate) type Params = BTreeMap<String, Entry>;

/// Precedence of a source: defaults < file < environment < flags.
pub(crate) fn rank(source: &Source) -> u8 {
    match source {
        Source::Default => 0,
        Source::File(_) => 1,
        Source::Env(_) => 2,
        Source::Flag(_) => 3,
    }
}

/// Flattens a YAML value into dotted keys (`a.b`, `list.0`) in document order.
/// Nulls are skipped (an unset value); numbers and booleans become strings.
pub(crate) fn flatten(value: &Value, prefix: &str, out: &mut Vec<(String, String)>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push((prefix.to_string(), b.to_string())),
        Value::Number(n) => out.push((prefix.to_string(), n.to_string())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(item, &join(&i.to_string()), out);
            }
        }
        Value::Mapping(map) => {
            for (k, v) in map {
                if let Some(k) = scalar_key(k) {
                    flatten(v, &join(&k), out);
                }
            }
        }
        Value::Tagged(tagged) => flatten(&tagged.value, prefix, out),
    }
}

/// A mapping key as a string; `None` for keys that are not scalars.
pub(crate) fn scalar_key(key: &Value) -> Option<String> {
    match key {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar_key(&t.value),
        _ => None,
    }
}

/// Parses the connection-string form `key1=value1;key2=value2` (pieces without `=` are skipped).
pub(crate) fn parse_kv(text: &str) -> Vec<(String, String)> {
    text.split(';')
        .filter_map(|piece| {
            let (k, v) = piece.split_once('=')?;
            let k = k.trim();
            (!k.is_empty()).then(|| (k.to_string(), v.trim().to_string()))
        })
        .collect()
}

/// Flattens a section that is either a map or a `key=value;…` string.
pub(crate) fn section_pairs(value: &Value) -> Option<Vec<(String, String)>> {
    match value {
        Value::String(s) => Some(parse_kv(s)),
        Value::Mapping(_) => {
            let mut out = Vec::new();
            flatten(value, "", &mut out);
            Some(out)
        }
        Value::Tagged(t) => section_pairs(&t.value),
        _ => None,
    }
}

/// The canonical name of a connection field (`ip` → `host`), with whether it was an alias;
/// unknown fields are returned as they are.
pub(crate) fn connection_field(field: &str) -> (&str, bool) {
    keys::field("connection", field).unwrap_or((field, false))
}

/// The canonical name of a credential field (`user` → `username`, `pass` → `password`).
pub(crate) fn credential_field(field: &str) -> (&str, bool) {
    keys::field("credential", field).unwrap_or((field, false))
}

/// A warning when a reference resolved only inside a config file comes from elsewhere.
fn file_only(
    key: &str,
    section: &str,
    field: &str,
    source: &Source,
    in_file: bool,
) -> Option<Canon> {
    let row = keys::get(&format!("{section}.{field}"))?;
    (row.file_only && !in_file).then(|| {
        Canon::Warn(format!(
            "key \"{key}\" ({source}) ignored: a {field} is resolved only inside a config file"
        ))
    })
}

/// What a raw key means once canonicalised.
enum Canon {
    /// A key mqq uses; `priority` breaks ties between spellings inside one file.
    Key { canonical: String, priority: u8 },
    /// Silently ignored (`descriptor`).
    Skip,
    /// Ignored with this warning.
    Warn(String),
    /// No key mqq knows: a warning in a file or the environment, an error on the command
    /// line (`--set`), where it is surely a typo.
    Unknown(ConfigError),
}

/// An unknown key, with the nearest known one as advice, else `known` (the keys there are).
fn unknown(key: &str, source: &Source, known: String) -> Canon {
    let advice = match keys::suggest(key) {
        Some(near) => format!("did you mean {near}?"),
        None => known,
    };
    Canon::Unknown(ConfigError::UnknownKey {
        key: key.to_string(),
        origin: source.clone(),
        advice,
    })
}

fn canonicalize(key: &str, source: &Source, in_file: bool) -> Canon {
    let (head, rest) = match key.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (key, None),
    };
    let unknown_top = || {
        unknown(
            key,
            source,
            "known keys: name, topic, client_id, connection, connections, credential, \
             credentials, options"
                .into(),
        )
    };
    match (head, rest) {
        ("topic" | "client_id" | "name", None) => Canon::Key {
            canonical: head.to_string(),
            priority: 0,
        },
        ("descriptor", None) => Canon::Skip,
        ("options", Some(_)) => {
            if keys::get(key).is_some() {
                Canon::Key {
                    canonical: key.to_string(),
                    priority: 0,
                }
            } else {
                unknown(
                    key,
                    source,
                    format!("known options: {}", keys::field_list("options")),
                )
            }
        }
        ("connection", Some(field)) => section_key(
            key,
            "connection",
            "connections.0",
            field,
            0,
            source,
            in_file,
        ),
        ("connections", Some(rest)) => match rest.split_once('.') {
            Some((index, field)) => match index.parse::<usize>() {
                Ok(i) if i >= MAX_CONNECTIONS => Canon::Warn(format!(
                    "key \"{key}\" ({source}) ignored: mqq takes at most {MAX_CONNECTIONS} \
                     connections (connections.0 to connections.{})",
                    MAX_CONNECTIONS - 1
                )),
                Ok(i) => section_key(
                    key,
                    "connection",
                    &format!("connections.{i}"),
                    field,
                    2,
                    source,
                    in_file,
                ),
                Err(_) => Canon::Warn(format!(
                    "key \"{key}\" ({source}) ignored: connections are numbered \
                     (connections.0, connections.1, …)"
                )),
            },
            None => unknown_top(),
        },
        ("credential", Some(field)) => {
            section_key(key, "credential", "credential", field, 0, source, in_file)
        }
        ("credentials", Some(rest)) => match rest.split_once('.') {
            Some(("0", field)) => {
                section_key(key, "credential", "credential", field, 2, source, in_file)
            }
            Some(_) => Canon::Warn(format!(
                "key \"{key}\" ({source}) ignored: mqq uses only the first credential"
            )),
            None => unknown_top(),
        },
        _ => unknown_top(),
    }
}

/// A key of the `connection` or `credential` section: `canonical` is its layer prefix
/// (`connections.N` or `credential`), `plural` ranks the plural spelling above the singular.
fn section_key(
    key: &str,
    section: &str,
    canonical: &str,
    field: &str,
    plural: u8,
    source: &Source,
    in_file: bool,
) -> Canon {
    let Some((field, alias)) = keys::field(section, field) else {
        return unknown(
            key,
            source,
            format!("{section} keys: {}", keys::field_list(section)),
        );
    };
    if let Some(w) = file_only(key, section, field, source, in_file) {
        return w;
    }
    Canon::Key {
        canonical: format!("{canonical}.{field}"),
        priority: plural + u8::from(!alias),
    }
}

/// Builds a canonical layer from raw `(key, value, source)` triples.
///
/// Inside a file (`in_file`), several spellings of one key are ranked the pip-services way:
/// `connections.0.host` beats `connection.host`, `credentials.0.*` beats `credential.*`, and
/// the canonical name beats its alias (`host` over `ip`). For env and flags (`in_file` false)
/// the later entry wins, as on a command line.
pub(crate) fn layer(
    raw: impl IntoIterator<Item = (String, String, Source)>,
    in_file: bool,
    warnings: &mut Vec<String>,
) -> Result<Params, ConfigError> {
    let mut out = Params::new();
    let mut priorities: BTreeMap<String, u8> = BTreeMap::new();
    let expanded = raw.into_iter().flat_map(|(key, value, source)| {
        // `connection: "host=a;port=1883"`: the connection-string form of a whole section.
        if is_section(&key) && value.contains('=') {
            let pairs = parse_kv(&value);
            let source = &source;
            pairs
                .into_iter()
                .map(|(k, v)| (format!("{key}.{k}"), v, source.clone()))
                .collect()
        } else {
            vec![(key, value, source)]
        }
    });
    for (key, value, source) in expanded {
        match canonicalize(&key, &source, in_file) {
            Canon::Skip => {}
            Canon::Warn(w) => warnings.push(w),
            Canon::Unknown(e) if matches!(source, Source::Flag(_)) => return Err(e),
            Canon::Unknown(ConfigError::UnknownKey {
                key,
                origin,
                advice,
            }) => warnings.push(format!(
                "unknown key \"{key}\" ({origin}) ignored; {advice}"
            )),
            Canon::Unknown(e) => warnings.push(e.to_string()),
            Canon::Key {
                canonical,
                priority,
            } => {
                let keep_old = in_file
                    && priorities
                        .get(&canonical)
                        .is_some_and(|&old| old > priority);
                if !keep_old {
                    priorities.insert(canonical.clone(), priority);
                    out.insert(canonical, Entry { value, source, key });
                }
            }
        }
    }
    Ok(out)
}

/// Whether `key` names a whole connection or credential section.
fn is_section(key: &str) -> bool {
    match key.split_once('.') {
        None => matches!(key, "connection" | "credential"),
        Some(("connections" | "credentials", index)) => index.parse::<usize>().is_ok(),
        Some(_) => false,
    }
}

/// The indices `N` of `connections.N.<field>` keys in a layer, for the given fields.
pub(crate) fn connection_indices(params: &Params, fields: &[&str]) -> Vec<usize> {
    let mut found: Vec<usize> = params
        .keys()
        .filter_map(|k| {
            let rest = k.strip_prefix("connections.")?;
            let (index, field) = rest.split_once('.')?;
            fields
                .contains(&field)
                .then(|| index.parse().ok())
                .flatten()
        })
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use crate::config::tests::{check_err, file, flag, inputs, ok};
    #[test]
    fn unknown_keys_warn_with_the_nearest_key() {
        let f = file(
            "topic: t\ntopik: x\nname: n\ndescriptor: ignored\nconnection: { host: h, prot: mqtt }\n\
             options: { keepalive_timout: 5000, qos: 1 }\ncredentials: [ { user: a }, { user: b } ]\n\
             qoss: 2\n",
        );
        let p = f.path().display().to_string();
        let r = ok(&inputs(Some(f.path()), &[], &[]));
        let w = r.warnings.join("\n");
        let expected = [
            format!(
                "unknown key \"options.keepalive_timout\" (file {p}) ignored; did you mean \
                 options.keepalive_timeout?"
            ),
            format!("unknown key \"topik\" (file {p}) ignored; did you mean topic?"),
            format!("unknown key \"qoss\" (file {p}) ignored; did you mean options.qos?"),
            format!("unknown key \"connection.prot\" (file {p}) ignored; connection keys:"),
            format!(
                "key \"credentials.1.user\" (file {p}) ignored: mqq uses only the first credential"
            ),
        ];
        for e in expected {
            assert!(w.contains(&e), "warnings {w}\nshould contain {e}");
        }
        assert_eq!(r.warnings.len(), 5, "{w}");
        assert_eq!(r.config.options.qos, 1);
    }

    #[test]
    fn an_unknown_key_on_the_command_line_is_an_error() {
        for (key, want) in [
            (
                "options.bogus",
                "unknown key \"options.bogus\" (flag --set); known options: qos,",
            ),
            (
                "qos",
                "unknown key \"qos\" (flag --set); did you mean options.qos?",
            ),
            (
                "topik",
                "unknown key \"topik\" (flag --set); did you mean topic?",
            ),
            (
                "host",
                "unknown key \"host\" (flag --set); did you mean connection.host?",
            ),
            (
                "options.keepalive_timout",
                "did you mean options.keepalive_timeout?",
            ),
            ("connection.ports", "did you mean connection.port?"),
        ] {
            check_err(&inputs(None, &[], &[flag(key, "1", "--set")]), &[want]);
        }
        // Known keys still resolve.
        let r = ok(&inputs(None, &[], &[flag("options.qos", "2", "--set")]));
        assert_eq!(r.config.options.qos, 2);
    }
}
