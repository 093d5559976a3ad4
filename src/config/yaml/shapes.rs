//! The three shapes of a config file reduced to one queue: a single queue, `queues:` (named
//! queues, `--queue NAME` picks one) and a pip-services container config (its
//! `*:message-queue:mqtt:NAME:*` components are the queues; its memory discovery and
//! credential stores are kept for the references). The types of a queue's known keys are
//! checked before its keys are flattened.

use std::collections::BTreeMap;
use std::path::Path;

use serde_norway::Value;

use crate::config::error::ConfigError;
use crate::config::params::{flatten, scalar_key, section_pairs};
use crate::config::source::Source;

/// Sections of memory discovery or credential store components, keyed by their key.
pub(crate) type Sections = BTreeMap<String, Vec<(String, String)>>;

/// One queue read from the file.
#[derive(Debug, Default)]
pub(crate) struct FileQueue {
    /// Raw `(key as written, value)` pairs of the queue's config.
    pub pairs: Vec<(String, String)>,
    /// The queue's name when the file names its queues (`queues:` or descriptors).
    pub name: Option<String>,
    /// Connection sections of memory discovery components.
    pub discovery: Sections,
    /// Credential sections of memory credential stores.
    pub store: Sections,
    /// Warnings about the file's structure.
    pub warnings: Vec<String>,
}
/// What a YAML value is, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(t) => kind(&t.value),
    }
}

fn untag(value: &Value) -> &Value {
    match value {
        Value::Tagged(t) => untag(&t.value),
        v => v,
    }
}

/// Checks the types of a queue's known keys before flattening, which would otherwise turn
/// `topic: [a, b]` into keys `topic.0`, `topic.1` and `options: 5` into a key `options`,
/// both ignored with a warning: a value in the wrong shape is an error naming the key and
/// the shape expected. A topic cannot hold U+0000 (it separates several `-t` inside mqq).
pub(super) fn check_types(queue: &Value, path: &Path) -> Result<(), ConfigError> {
    let Value::Mapping(map) = untag(queue) else {
        return Ok(());
    };
    let wrong = |key: &str, v: &Value, want: &str| {
        shape(path, &format!("`{key}` is {}; write {want}", kind(v)))
    };
    let scalar = |v: &Value| {
        matches!(
            untag(v),
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_)
        )
    };
    // A section: a mapping of scalars (or, for connection/credential, a `k=v;…` string).
    let section = |key: &str, v: &Value, kv_string: bool| -> Result<(), ConfigError> {
        match untag(v) {
            Value::Null => Ok(()),
            Value::String(_) if kv_string => Ok(()),
            Value::Mapping(fields) => {
                for (k, fv) in fields {
                    let field = scalar_key(k).unwrap_or_default();
                    if !scalar(fv) {
                        return Err(wrong(
                            &format!("{key}.{field}"),
                            fv,
                            "a single value (a string, number or boolean)",
                        ));
                    }
                }
                Ok(())
            }
            other if kv_string => Err(wrong(
                key,
                other,
                "a mapping (e.g. `{ host: localhost, port: 1883 }`) or a \"key=value;…\" string",
            )),
            other => Err(wrong(key, other, "a mapping, e.g. `options: { qos: 1 }`")),
        }
    };
    for (k, v) in map {
        let Some(key) = scalar_key(k) else { continue };
        match key.as_str() {
            "topic" | "client_id" | "name" => {
                if !scalar(v) {
                    let want = if key == "topic" {
                        "one topic as a string (for several filters give -t more than once)"
                    } else {
                        "a string"
                    };
                    return Err(wrong(&key, v, want));
                }
                if let Value::String(text) = untag(v) {
                    if text.contains('\0') {
                        return Err(shape(
                            path,
                            &format!("`{key}` holds U+0000 (NUL), which MQTT does not allow in it"),
                        ));
                    }
                }
            }
            "options" => section(&key, v, false)?,
            "connection" | "credential" => section(&key, v, true)?,
            "connections" | "credentials" => match untag(v) {
                Value::Null => {}
                Value::Sequence(items) => {
                    for (i, item) in items.iter().enumerate() {
                        section(&format!("{key}.{i}"), item, true)?;
                    }
                }
                Value::Mapping(items) => {
                    for (i, item) in items {
                        let i = scalar_key(i).unwrap_or_default();
                        section(&format!("{key}.{i}"), item, true)?;
                    }
                }
                other => {
                    return Err(wrong(
                        &key,
                        other,
                        "a list of sections, e.g. `- { host: a }`",
                    ))
                }
            },
            _ => {}
        }
    }
    Ok(())
}

pub(super) fn shape(path: &Path, message: &str) -> ConfigError {
    ConfigError::Shape {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}
/// Shape (b): `queues: { name: <single queue>, … }`.
pub(super) fn profiles(
    doc: &Value,
    path: &Path,
    source: &Source,
    wanted: Option<&str>,
) -> Result<FileQueue, ConfigError> {
    let mut warnings = Vec::new();
    let mut queues: Vec<(String, &Value)> = Vec::new();
    if let Value::Mapping(top) = doc {
        for k in top.keys() {
            let key = scalar_key(k).unwrap_or_default();
            if key != "queues" {
                warnings.push(format!(
                    "key \"{key}\" ({source}) ignored next to `queues:`; move it into a queue"
                ));
            }
        }
        match top.get("queues") {
            Some(Value::Mapping(map)) => {
                for (k, v) in map {
                    let name = scalar_key(k).unwrap_or_default();
                    if !matches!(v, Value::Mapping(_) | Value::Null) {
                        return Err(shape(
                            path,
                            &format!("queues.{name} is not a mapping; give it a queue config"),
                        ));
                    }
                    queues.push((name, v));
                }
            }
            Some(Value::Null) | None => {}
            Some(_) => {
                return Err(shape(
                    path,
                    "`queues:` is not a mapping; write `queues: { name: … }`",
                ))
            }
        }
    }
    let (name, value) = select(queues, wanted, path)?;
    check_types(value, path)?;
    let mut pairs = Vec::new();
    flatten(value, "", &mut pairs);
    Ok(FileQueue {
        pairs,
        name: Some(name),
        warnings,
        ..FileQueue::default()
    })
}

/// Picks the queue named `wanted`, or the only one.
fn select<T>(
    queues: Vec<(String, T)>,
    wanted: Option<&str>,
    path: &Path,
) -> Result<(String, T), ConfigError> {
    let names = || {
        queues
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if queues.is_empty() {
        return Err(shape(
            path,
            "defines no queue; add one under `queues:` or a \
             pip-services:message-queue:mqtt:NAME:1.0 component",
        ));
    }
    match wanted {
        Some(w) => {
            let available = names();
            queues
                .into_iter()
                .find(|(n, _)| n == w)
                .ok_or_else(|| ConfigError::UnknownQueue {
                    name: w.to_string(),
                    path: path.to_path_buf(),
                    available,
                })
        }
        None if queues.len() == 1 => queues
            .into_iter()
            .next()
            .ok_or_else(|| shape(path, "defines no queue")),
        None => Err(ConfigError::QueueNotChosen {
            path: path.to_path_buf(),
            available: names(),
        }),
    }
}

/// Shape (c): a pip-services container config, a list of components with descriptors.
pub(super) fn container(
    items: &[Value],
    path: &Path,
    wanted: Option<&str>,
) -> Result<FileQueue, ConfigError> {
    let source = Source::File(path.to_path_buf());
    let mut out = FileQueue::default();
    let mut queues: Vec<(String, &Value)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Mapping(map) = item else {
            out.warnings.push(format!(
                "component {i} ({source}) ignored: it is not a mapping with a descriptor"
            ));
            continue;
        };
        let Some(Value::String(descriptor)) = map.get("descriptor") else {
            out.warnings.push(format!(
                "component {i} ({source}) ignored: it has no descriptor"
            ));
            continue;
        };
        let descriptor = descriptor.clone();
        let parts: Vec<&str> = descriptor.split(':').map(str::trim).collect();
        let [_group, kind_type, kind, name, _version] = parts[..] else {
            return Err(ConfigError::BadDescriptor {
                descriptor,
                path: path.to_path_buf(),
            });
        };
        let sections = match (kind_type, kind) {
            ("message-queue", "mqtt") => {
                if queues.iter().any(|(n, _)| n == name) {
                    out.warnings.push(format!(
                        "second queue \"{name}\" ({source}) ignored; the first one is used"
                    ));
                } else {
                    queues.push((name.to_string(), item));
                }
                continue;
            }
            ("discovery", "memory") => &mut out.discovery,
            ("credential-store", "memory") => &mut out.store,
            _ => continue,
        };
        for (k, v) in map {
            let Some(key) = scalar_key(k) else { continue };
            if key == "descriptor" {
                continue;
            }
            match section_pairs(v) {
                // The first component that defines a key wins, as pip-services' resolvers
                // return the first match.
                Some(pairs) => {
                    sections.entry(key).or_insert(pairs);
                }
                None => out.warnings.push(format!(
                    "key \"{key}\" of {descriptor} ({source}) ignored: \
                     write a mapping or a \"key1=value1;key2=value2\" string"
                )),
            }
        }
    }
    let (name, value) = select(queues, wanted, path)?;
    check_types(value, path)?;
    flatten(value, "", &mut out.pairs);
    out.name = Some(name);
    Ok(out)
}
