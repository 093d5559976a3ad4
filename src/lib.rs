//! mqq: an MQTT broker used as a message queue. The binary is a thin switchboard over this
//! library: flags/YAML → `config` → `queue` core → `cmd` verbs → `output`; `error` is the
//! edge's policy (exit codes, hints).

#[cfg(feature = "broker")]
pub mod broker;
pub mod capture;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod envelope;
pub mod error;
pub mod output;
pub mod queue;
pub mod template;

#[cfg(test)]
mod props;
