//! Errors of config resolution: one line each, naming the file, key or value at fault and
//! what a valid value looks like; advice that names flags is added at the edge
//! (`crate::error::hint`). All of them are usage/config errors (exit code 2). No message
//! ever carries a password: URIs are shown with their userinfo masked.

use std::path::PathBuf;

use super::source::Source;

/// Why the config could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("config file \"{}\": {reason}", path.display())]
    ConfigFile {
        /// The file as given.
        path: PathBuf,
        /// Where the path came from (`--config` or `MQQ_CONFIG`).
        via: String,
        /// The OS error.
        reason: String,
    },
    /// The config file is not valid YAML.
    #[error(
        "config file \"{}\": invalid YAML at line {line}, column {column}: {message}",
        path.display()
    )]
    Yaml {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The config file is YAML but not a shape mqq understands.
    #[error("config file \"{}\": {message}", path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// A `{{VAR}}` template names an unset environment variable.
    #[error(
        "{{{{{var}}}}} in \"{}\" is not set in the environment; export it or remove it",
        path.display()
    )]
    UnsetVariable {
        /// The variable.
        var: String,
        /// The file.
        path: PathBuf,
    },
    /// The requested queue is not defined in the file.
    #[error(
        "unknown queue \"{name}\" in \"{}\"; queues defined there: {available}",
        path.display()
    )]
    UnknownQueue {
        /// The queue asked for.
        name: String,
        /// The file.
        path: PathBuf,
        /// Comma-separated names of the defined queues.
        available: String,
    },
    /// The file defines several queues and none was chosen.
    #[error(
        "\"{}\" defines several queues ({available})",
        path.display()
    )]
    QueueNotChosen {
        /// The file.
        path: PathBuf,
        /// Comma-separated names of the defined queues.
        available: String,
    },
    /// A container config has a descriptor that is not `group:type:kind:name:version`.
    #[error(
        "descriptor \"{descriptor}\" in \"{}\" is not group:type:kind:name:version; fix it",
        path.display()
    )]
    BadDescriptor {
        /// The descriptor as written.
        descriptor: String,
        /// The file.
        path: PathBuf,
    },
    /// A `discovery_key` names no section of a memory discovery component.
    #[error(
        "{key}: discovery key \"{value}\" is not defined in \"{}\"; {defined}",
        path.display()
    )]
    UnresolvedDiscoveryKey {
        /// The key holding the reference, e.g. `connection.discovery_key`.
        key: String,
        /// The discovery key.
        value: String,
        /// The file.
        path: PathBuf,
        /// What is defined there, as advice.
        defined: String,
    },
    /// A `store_key` names no section of a memory credential store component.
    #[error("{key}: store key \"{value}\" is not defined in \"{}\"; {defined}", path.display())]
    UnresolvedStoreKey {
        /// The key holding the reference, e.g. `credential.store_key`.
        key: String,
        /// The store key.
        value: String,
        /// The file.
        path: PathBuf,
        /// What is defined there, as advice.
        defined: String,
    },
    /// A connection URI cannot be parsed (`uri` has its userinfo masked).
    #[error(
        "{key}: \"{uri}\" ({origin}) is not a valid URI: {reason}; \
         use scheme://host:port, e.g. mqtt://localhost:1883"
    )]
    BadUri {
        /// The key as written.
        key: String,
        /// The URI with any `user:pass@` replaced by `***@`.
        uri: String,
        /// Where it came from.
        origin: Source,
        /// What is wrong.
        reason: String,
    },
    /// A URI scheme or `protocol` mqq cannot speak.
    #[error(
        "{key}: {value:?} ({origin}) is not a supported protocol; \
         use mqtt, tcp, mqtts, ssl, tls, ws or wss"
    )]
    UnsupportedProtocol {
        /// The key as written.
        key: String,
        /// The scheme or protocol.
        value: String,
        /// Where it came from.
        origin: Source,
    },
    /// A port that is not a number from 1 to 65535.
    #[error("{key}: {value:?} ({origin}) is not a port; use a number from 1 to 65535")]
    BadPort {
        /// The key as written.
        key: String,
        /// The value as written.
        value: String,
        /// Where it came from.
        origin: Source,
    },
    /// An empty or malformed host.
    #[error("{key}: {value:?} ({origin}) is not a host: {reason}")]
    BadHost {
        /// The key as written.
        key: String,
        /// The value as written.
        value: String,
        /// Where it came from.
        origin: Source,
        /// What is wrong and what to do.
        reason: String,
    },
    /// An option value that is not of its kind (QoS, boolean, duration, envelope version).
    #[error("{key}: {value:?} ({origin}) {expected}")]
    BadValue {
        /// The key as written.
        key: String,
        /// The value as written.
        value: String,
        /// Where it came from.
        origin: Source,
        /// What the value should be, e.g. "is not a QoS level; use 0, 1 or 2".
        expected: &'static str,
    },
    /// A key mqq does not know (an error from `--set`, a warning elsewhere).
    #[error("unknown key \"{key}\" ({origin}); {advice}")]
    UnknownKey {
        /// The key as written.
        key: String,
        /// Where it came from.
        origin: Source,
        /// The nearest known key, or the keys there are.
        advice: String,
    },
    /// A password longer than MQTT can carry.
    #[error(
        "the password ({origin}) is {len} bytes long; MQTT carries at most 65535 bytes: \
         check that the right value or file was given"
    )]
    PasswordTooLong {
        /// Its length in bytes.
        len: usize,
        /// Where it came from.
        origin: Source,
    },
    /// The password file could not be read.
    #[error("password file \"{}\": {reason}", path.display())]
    PasswordFile {
        /// The file as given.
        path: PathBuf,
        /// Where the path came from (`--password-file` or `MQQ_PASSWORD_FILE`).
        via: String,
        /// The OS error.
        reason: String,
    },
}

/// An `io::Error` as a short sentence: `No such file or directory`, without `(os error 2)`.
pub fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests;
