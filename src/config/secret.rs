//! Secrets are never shown: a password is a [`Secret`], whose `Debug` and `Display` print
//! `***`, and a command-line text that may hold one is masked ([`mask_secret`]) before an
//! error quotes it.

use std::fmt;

/// A secret string (password). `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself; call only where it is handed to the broker.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A command-line text that may hold a secret, fit for an error message: when it mentions a
/// credential (`password`, `pass`, `secret`, `token`), everything after the key is `***`.
pub fn mask_secret(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if !["pass", "secret", "token"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return text.to_string();
    }
    let key_end = text.find([':', '=', ' ']).unwrap_or(text.len());
    let sep = text[key_end..]
        .chars()
        .next()
        .map(String::from)
        .unwrap_or_default();
    format!("{}{sep}***", &text[..key_end])
}
