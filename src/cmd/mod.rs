//! One module per verb: each takes its parsed flags and the resolved config, drives the
//! queue core, prints through `output`, and returns the exit code.

pub mod clear;
pub mod config;
pub mod count;
pub mod listen;
pub mod peek;
pub mod receive;
pub mod send;

use std::io;
use std::process::ExitCode;

use crate::queue::{Queue, QueueError, Stop};

/// Exit code 1: nothing, or less than asked.
pub const SHORTFALL: u8 = 1;

/// Maps how a consuming verb stopped to an exit code; a closed stdout is a quiet success.
pub(crate) fn stop_code(stop: &Stop, complete: bool) -> anyhow::Result<ExitCode> {
    match stop {
        Stop::Sink(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Stop::Sink(e) => Err(anyhow::anyhow!("could not write to stdout: {e}")),
        _ if complete => Ok(ExitCode::SUCCESS),
        _ => Ok(ExitCode::from(SHORTFALL)),
    }
}

/// Subscribes now (not lazily) and, with -v, says so on stderr: scripts and tests wait for
/// this line to know that messages published from now on will arrive.
pub(crate) async fn subscribe(q: &mut Queue, verbose: bool) -> Result<(), QueueError> {
    q.subscribe().await?;
    if verbose {
        eprintln!(
            "mqq: subscribed to \"{}\" at {} as {} ({})",
            q.topic(),
            q.broker().uri(),
            q.client_id(),
            match (q.is_durable(), q.session_present()) {
                (true, true) => "durable, session resumed",
                (true, false) => "durable, new session",
                _ => "ephemeral",
            }
        );
    }
    Ok(())
}
