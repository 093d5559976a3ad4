//! The YAML config file: `{{VAR}}` templating, then one of three shapes — a single queue in
//! pip-services' shape, a `queues:` map of named queues, or a pip-services container config
//! (a list of component descriptors) — reduced to the raw key/value pairs of one queue, plus
//! the memory discovery and credential store sections that its references resolve through.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_norway::Value;

use super::error::{io_reason, ConfigError};
use super::params::{
    connection_field, connection_indices, credential_field, flatten, scalar_key, section_pairs,
    Entry, Params, ADDRESS_FIELDS,
};
use super::Source;

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

/// Reads, templates and parses the file at `path`, and picks the queue named `wanted`.
/// `via` names where the path came from (`--config`, `MQQ_CONFIG`) for the error message.
pub(crate) fn load(
    path: &Path,
    via: &str,
    wanted: Option<&str>,
    env: &BTreeMap<String, String>,
) -> Result<FileQueue, ConfigError> {
    let file_error = |reason: String| ConfigError::ConfigFile {
        path: path.to_path_buf(),
        via: via.to_string(),
        reason,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| file_error(io_reason(&e)))?
        .len();
    if size > MAX_FILE_SIZE {
        return Err(shape(
            path,
            &format!("it is {size} bytes; a config file may have at most {MAX_FILE_SIZE}"),
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| file_error(io_reason(&e)))?;
    if let Some(depth) = too_deep(&text) {
        return Err(shape(
            path,
            &format!("it nests deeper than {depth} levels; flatten it"),
        ));
    }
    let text = template(&text, env, path)?;
    let doc: Value = serde_norway::from_str(&text).map_err(|err| yaml_error(&err, path))?;
    let source = Source::File(path.to_path_buf());
    match doc {
        Value::Null => Ok(FileQueue::default()),
        Value::Sequence(items) => container(&items, path, wanted),
        Value::Mapping(ref map) if map.contains_key("queues") => {
            profiles(&doc, path, &source, wanted)
        }
        Value::Mapping(_) => {
            let mut pairs = Vec::new();
            flatten(&doc, "", &mut pairs);
            Ok(FileQueue {
                pairs,
                ..FileQueue::default()
            })
        }
        _ => Err(shape(
            path,
            "the top level is a single value; write a mapping (one queue, or `queues:`) \
             or a list of pip-services components",
        )),
    }
}

/// The largest config file mqq reads (1 MiB): real ones are a few KB; the YAML parser's
/// time grows faster than linearly on pathological input.
const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// The deepest flow nesting (`[`/`{`) or indentation a config file may have; real ones use
/// five or six levels.
const MAX_DEPTH: usize = 64;

/// `Some(MAX_DEPTH)` when brackets or indentation nest deeper than that. A cheap scan
/// before parsing: deeply nested input is where the parser's time explodes.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        if indent / 2 > MAX_DEPTH {
            return Some(MAX_DEPTH);
        }
        for b in line.bytes() {
            match b {
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > MAX_DEPTH {
                return Some(MAX_DEPTH);
            }
        }
    }
    None
}

fn shape(path: &Path, message: &str) -> ConfigError {
    ConfigError::Shape {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// The parser's error with its position as separate fields.
fn yaml_error(err: &serde_norway::Error, path: &Path) -> ConfigError {
    let text = err.to_string();
    match err.location() {
        Some(loc) => {
            let at = format!(" at line {} column {}", loc.line(), loc.column());
            ConfigError::Yaml {
                path: path.to_path_buf(),
                line: loc.line(),
                column: loc.column(),
                message: text.replacen(&at, "", 1),
            }
        }
        None => shape(path, &format!("invalid YAML: {text}")),
    }
}

/// Mustache-style `{{VAR}}` / `{{{VAR}}}` / `{{&VAR}}` substitution from `env`, as
/// pip-services does on a container config before parsing. Braces around anything that is
/// not a variable name (letters, digits, `_`, `.`, `-`) are left as they are.
pub(crate) fn template(
    text: &str,
    env: &BTreeMap<String, String>,
    path: &Path,
) -> Result<String, ConfigError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let (open, close) = if tail.starts_with("{{{") {
            (3, "}}}")
        } else {
            (2, "}}")
        };
        let Some(len) = tail[open..].find(close) else {
            out.push_str(tail);
            return Ok(out);
        };
        let whole = &tail[..open + len + close.len()];
        let inner = tail[open..open + len].trim();
        let name = inner.strip_prefix('&').map_or(inner, str::trim);
        let is_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if is_name {
            match env.get(name) {
                Some(value) => out.push_str(value),
                None => {
                    return Err(ConfigError::UnsetVariable {
                        var: name.to_string(),
                        path: path.to_path_buf(),
                    })
                }
            }
        } else {
            out.push_str(whole);
        }
        rest = &tail[whole.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Shape (b): `queues: { name: <single queue>, … }`.
fn profiles(
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
fn container(items: &[Value], path: &Path, wanted: Option<&str>) -> Result<FileQueue, ConfigError> {
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
    flatten(value, "", &mut out.pairs);
    out.name = Some(name);
    Ok(out)
}

/// Resolves `connections.N.discovery_key` and `credential.store_key` of the file layer
/// through the file's memory discovery / credential store: the resolved values override the
/// configured ones.
pub(crate) fn resolve_refs(
    params: &mut Params,
    discovery: &Sections,
    store: &Sections,
    path: &Path,
) -> Result<(), ConfigError> {
    let defined = |sections: &Sections, what: &str| {
        if sections.is_empty() {
            format!("the file has no pip-services:{what}:memory component; add one")
        } else {
            let keys: Vec<&str> = sections.keys().map(String::as_str).collect();
            format!("keys defined there: {}", keys.join(", "))
        }
    };
    for i in connection_indices(params, &["discovery_key"]) {
        let Some(entry) = params
            .get(&format!("connections.{i}.discovery_key"))
            .cloned()
        else {
            continue;
        };
        let Some(section) = discovery.get(&entry.value) else {
            return Err(ConfigError::UnresolvedDiscoveryKey {
                key: entry.key,
                value: entry.value,
                path: path.to_path_buf(),
                defined: defined(discovery, "discovery"),
            });
        };
        apply(params, section, &entry.value, path, |k| {
            let (field, alias) = connection_field(k);
            ADDRESS_FIELDS
                .contains(&field)
                .then(|| (format!("connections.{i}.{field}"), alias))
        });
    }
    if let Some(entry) = params.get("credential.store_key").cloned() {
        let Some(section) = store.get(&entry.value) else {
            return Err(ConfigError::UnresolvedStoreKey {
                key: entry.key,
                value: entry.value,
                path: path.to_path_buf(),
                defined: defined(store, "credential-store"),
            });
        };
        apply(params, section, &entry.value, path, |k| {
            let (field, alias) = credential_field(k);
            matches!(field, "username" | "password").then(|| (format!("credential.{field}"), alias))
        });
    }
    Ok(())
}

/// Copies a resolved section into `params`; `map` gives a field's canonical key and whether
/// the field was an alias (an alias yields to its canonical name in the same section).
fn apply(
    params: &mut Params,
    section: &[(String, String)],
    section_key: &str,
    path: &Path,
    map: impl Fn(&str) -> Option<(String, bool)>,
) {
    let mut from_canonical: Vec<String> = Vec::new();
    for (k, v) in section {
        let Some((canonical, alias)) = map(k) else {
            continue;
        };
        if alias && from_canonical.contains(&canonical) {
            continue;
        }
        if !alias {
            from_canonical.push(canonical.clone());
        }
        params.insert(
            canonical,
            Entry {
                value: v.clone(),
                source: Source::File(PathBuf::from(path)),
                key: format!("{section_key}.{k}"),
            },
        );
    }
}
