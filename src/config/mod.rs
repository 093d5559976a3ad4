//! Config resolution: YAML file, environment and flags → one [`QueueConfig`].
//!
//! Stage 1 gathers raw layers (defaults < file < env < flags), each a flat map of
//! pip-services `ConfigParams` keys (`connection.host`, `options.qos`, …) tagged with
//! where the value came from. Stage 2 (`build.rs`) interprets the merged map into a typed
//! [`QueueConfig`] with no `Option` left where a default exists. Everything here is
//! pure (the environment is passed in) so it is table-tested. This file is the entrance:
//! what resolution reads ([`ConfigInputs`]) and the pipeline ([`resolve`]); the types it
//! returns are `model.rs`, the file `yaml/`, the connections `uri/`.

mod build;
mod error;
pub mod keys;
mod kind;
mod model;
mod params;
mod render;
mod secret;
mod source;
#[cfg(test)]
mod tests;
mod uri;
pub mod values;
mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use error::{io_reason, ConfigError};
pub use model::{
    BrokerAddr, Credential, QueueConfig, QueueOptions, Resolved, TlsConfig, Transport, MAX_PASSWORD,
};
pub use render::render;
pub use secret::{mask_secret, Secret};
pub use source::Source;
pub use values::ProtocolVersion;

use params::{Entry, Params};

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
    let config = build::build(
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
