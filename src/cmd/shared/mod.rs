//! What the verbs share: subscribing (and saying so, for scripts that wait for it), how a
//! consuming verb's stop becomes its exit code, the summary lines, the warnings that several
//! verbs give, the signals (`signal`), and the broker's window as peek and count see it
//! (`window`). The dispatcher and the verbs use these; none of them uses a verb.

mod signal;
mod window;

use std::process::ExitCode;

pub use signal::{interrupt_signal, shutdown_signal, signal_name};
pub use window::{known_window, window};

use crate::config::QueueConfig;
use crate::error::Code;
#[cfg(not(feature = "broker"))]
use crate::error::UsageError;
use crate::output::{Output, StdoutError};
use crate::queue::{Queue, QueueError, Stop};

/// Subscribes now (not lazily) and, with -v, says so on stderr: scripts and tests wait for
/// this line to know that messages published from now on will arrive.
pub async fn subscribe(q: &mut Queue, out: &Output) -> Result<(), QueueError> {
    q.subscribe().await?;
    crate::cmd::learned::warn_group(q, out);
    out.diag().verbose(&format!(
        "subscribed to \"{}\" at {} with {} as {} ({})",
        q.filters().join("\", \""),
        q.broker().uri(),
        q.version(),
        q.client_id(),
        match (q.is_durable(), q.session_present()) {
            (true, true) => "durable, session resumed",
            (true, false) => "durable, new session",
            _ => "ephemeral",
        }
    ));
    Ok(())
}

/// How a consuming verb's stop becomes its result: a failed stdout is an error (a closed
/// pipe among them, which the edge turns into a quiet 0); otherwise success when complete,
/// else the shortfall code.
pub fn stop_code(stop: Stop, complete: bool) -> anyhow::Result<ExitCode> {
    match stop {
        Stop::Sink(e) => Err(StdoutError(e).into()),
        _ if complete => Ok(Code::Ok.into()),
        _ => Ok(Code::Shortfall.into()),
    }
}

/// Fewer messages than this get no rate in a summary: it would measure one round trip (a
/// single message "at 16203 msg/s"), not throughput.
const RATE_FROM: u64 = 10;

/// ` (N msg/s)` for a summary of `count` messages in `took`, or nothing for a handful.
pub fn rate(count: u64, took: std::time::Duration) -> String {
    if count < RATE_FROM || took.is_zero() {
        return String::new();
    }
    format!(" ({:.0} msg/s)", count as f64 / took.as_secs_f64())
}

/// The end-of-command line of receive and listen: how many, how long, how fast.
pub fn summary(out: &Output, what: &str, count: usize, took: std::time::Duration) {
    out.diag().report(&format!(
        "{what} {count} message{} in {:.2?}{}",
        if count == 1 { "" } else { "s" },
        took,
        rate(count as u64, took)
    ));
}

/// For peek and count: an ephemeral queue has no session, so there is nothing pending to
/// see — say so instead of a silent `0`.
pub fn warn_if_ephemeral(cfg: &QueueConfig, out: &Output) {
    if cfg.client_id.is_none() {
        out.diag().warn(
            "no client id: an ephemeral queue holds nothing between runs, so only a retained \
             message can show up; give the durable queue's client id with -i",
        );
    }
}

/// Warns, on every run, of a connection that is not verified (`--insecure`), and of TLS
/// settings that no address uses.
pub fn warn_tls(cfg: &QueueConfig, out: &Output) {
    let tls = cfg
        .connections
        .iter()
        .any(crate::config::BrokerAddr::is_tls);
    let t = &cfg.tls;
    if tls && t.insecure {
        out.diag().warn(
            "--insecure: the broker's certificate is not verified; anyone on the path can read \
             and change the traffic, credentials included (testing only)",
        );
    }
    let given = t.ca_file.is_some()
        || t.ca_path.is_some()
        || t.cert_file.is_some()
        || t.insecure
        || t.server_name.is_some()
        || !t.alpn.is_empty();
    if !tls && given {
        out.diag().warn(&format!(
            "TLS settings ignored: {} is not a TLS address; use mqtts:// or wss://, or add --tls",
            cfg.connections[0].uri()
        ));
    }
}

/// The error of `broker` and `check --embedded` in a build without the embedded broker.
#[cfg(not(feature = "broker"))]
pub fn no_embedded_broker() -> UsageError {
    UsageError(
        "this mqq was built without the embedded broker (cargo feature `broker`, on by \
         default); rebuild with it, or point mqq at a broker with -L"
            .into(),
    )
}
