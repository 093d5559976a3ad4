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
    // The size above is 0 for a device or a pipe (`/dev/zero`, `<(…)`): read at most one
    // byte past the limit, whatever the file.
    let text = read_limited(path, MAX_FILE_SIZE).map_err(|e| file_error(io_reason(&e)))?;
    let Some(text) = text else {
        return Err(shape(
            path,
            &format!("it holds more than {MAX_FILE_SIZE} bytes, the most a config file may have"),
        ));
    };
    if let Some(depth) = too_deep(&text) {
        return Err(shape(
            path,
            &format!("it nests deeper than {depth} levels; flatten it"),
        ));
    }
    // Each `{{VAR}}` becomes a placeholder that YAML reads as plain text, and its value goes
    // into the parsed strings: a value holding a newline, `:`, `{` or quotes stays one value
    // and cannot add keys (pip-services substitutes the text, so a value could).
    let prefix = placeholder_prefix(&text);
    let mut values = Vec::new();
    let text = template_with(&text, env, path, |value| {
        values.push(value.to_string());
        format!("{prefix}{}_", values.len() - 1)
    })?;
    let mut doc: Value = serde_norway::from_str(&text).map_err(|err| yaml_error(&err, path))?;
    if !values.is_empty() {
        substitute(&mut doc, &prefix, &values);
    }
    let source = Source::File(path.to_path_buf());
    match doc {
        Value::Null => Ok(FileQueue::default()),
        Value::Sequence(items) => container(&items, path, wanted),
        Value::Mapping(ref map) if map.contains_key("queues") => {
            profiles(&doc, path, &source, wanted)
        }
        Value::Mapping(_) => {
            check_types(&doc, path)?;
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

/// The text of the file at `path` if it holds at most `limit` bytes, `None` if more; never
/// reads more than `limit + 1` bytes.
pub(crate) fn read_limited(path: &Path, limit: u64) -> std::io::Result<Option<String>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(None);
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
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
fn check_types(queue: &Value, path: &Path) -> Result<(), ConfigError> {
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
#[cfg(test)]
pub(crate) fn template(
    text: &str,
    env: &BTreeMap<String, String>,
    path: &Path,
) -> Result<String, ConfigError> {
    template_with(text, env, path, str::to_string)
}

/// A placeholder prefix that `text` does not contain: letters and `_` only, so YAML reads a
/// placeholder as plain text wherever a value or key can stand.
fn placeholder_prefix(text: &str) -> String {
    let mut prefix = String::from("mqq_template_");
    while text.contains(&prefix) {
        prefix.push('x');
    }
    prefix
}

/// Puts the values back for the placeholders `{prefix}{index}_` in every string and key of
/// `value`. A string that was only a placeholder for an empty value is null, as `key: {{V}}`
/// with an empty `V` was before.
fn substitute(value: &mut Value, prefix: &str, values: &[String]) {
    let fill = |s: &str| -> Option<String> {
        if !s.contains(prefix) {
            return None;
        }
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(at) = rest.find(prefix) {
            out.push_str(&rest[..at]);
            let tail = &rest[at + prefix.len()..];
            let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
            match (tail[..digits].parse::<usize>(), tail.as_bytes().get(digits)) {
                (Ok(i), Some(b'_')) if i < values.len() => {
                    out.push_str(&values[i]);
                    rest = &tail[digits + 1..];
                }
                _ => {
                    out.push_str(prefix);
                    rest = tail;
                }
            }
        }
        out.push_str(rest);
        Some(out)
    };
    match value {
        Value::String(s) => {
            if let Some(filled) = fill(s) {
                *value = if filled.is_empty() {
                    Value::Null
                } else {
                    Value::String(filled)
                };
            }
        }
        Value::Sequence(items) => {
            for item in items {
                substitute(item, prefix, values);
            }
        }
        Value::Mapping(map) => {
            let old = std::mem::take(map);
            for (mut k, mut v) in old {
                if let Value::String(key) = &k {
                    if let Some(filled) = fill(key) {
                        k = Value::String(filled);
                    }
                }
                substitute(&mut v, prefix, values);
                map.insert(k, v);
            }
        }
        Value::Tagged(t) => substitute(&mut t.value, prefix, values),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// [`template`] with `replace` giving the text that stands for a variable's value.
fn template_with(
    text: &str,
    env: &BTreeMap<String, String>,
    path: &Path,
    mut replace: impl FnMut(&str) -> String,
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
                Some(value) => out.push_str(&replace(value)),
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
    check_types(value, path)?;
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
