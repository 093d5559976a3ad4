//! Where a value came from ([`Source`]): the built-in default, the file, the environment or a
//! flag. Every layer's entries carry one, and `mqq config` prints it after each value.

use std::fmt;
use std::path::PathBuf;

/// Where a resolved value came from; shown by `mqq config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Built-in default.
    Default,
    /// The YAML config file (path as given).
    File(PathBuf),
    /// An environment variable (its name).
    Env(String),
    /// A command-line flag (its long name with dashes, e.g. `--host`, or `--set`).
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "file {}", p.display()),
            Source::Env(v) => write!(f, "env {v}"),
            Source::Flag(n) => write!(f, "flag {n}"),
        }
    }
}
