//! `{{VAR}}` in a config file, filled from the environment as pip-services fills a container
//! config, but safely: each value goes into the parsed strings through a placeholder, so a
//! value holding a newline, `:`, `{` or quotes stays one value and cannot add keys.

use std::collections::BTreeMap;
use std::path::Path;

use serde_norway::Value;

use crate::config::error::ConfigError;

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
pub(super) fn placeholder_prefix(text: &str) -> String {
    let mut prefix = String::from("mqq_template_");
    while text.contains(&prefix) {
        prefix.push('x');
    }
    prefix
}

/// Puts the values back for the placeholders `{prefix}{index}_` in every string and key of
/// `value`. A string that was only a placeholder for an empty value is null, as `key: {{V}}`
/// with an empty `V` was before.
pub(super) fn substitute(value: &mut Value, prefix: &str, values: &[String]) {
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
pub(super) fn template_with(
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
