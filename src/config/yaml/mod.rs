//! The YAML config file: `{{VAR}}` templating (`template.rs`), then one of three shapes — a
//! single queue in pip-services' shape, a `queues:` map of named queues, or a pip-services
//! container config (a list of component descriptors; `shapes.rs`) — reduced to the raw
//! key/value pairs of one queue, plus the memory discovery and credential store sections that
//! its references resolve through (`refs.rs`). This file reads the file, within its limits.

mod refs;
mod shapes;
mod template;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;

use serde_norway::Value;

use super::error::{io_reason, ConfigError};
use super::params::flatten;
use super::source::Source;
pub(crate) use refs::resolve_refs;
use shapes::{check_types, container, profiles, shape, FileQueue};
#[cfg(test)]
pub(crate) use template::template;
use template::{placeholder_prefix, substitute, template_with};

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
