//! References of a container config: a connection's `discovery_key` and a credential's
//! `store_key`, resolved through the file's memory discovery and credential store sections
//! (docs/WIRE.md §8).

use std::path::{Path, PathBuf};

use super::shapes::Sections;
use crate::config::error::ConfigError;
use crate::config::params::{
    connection_field, connection_indices, credential_field, Entry, Params, ADDRESS_FIELDS,
};
use crate::config::source::Source;

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
