//! `mqq clear`: remove the queue's session, and so its pending messages, at the broker.

use std::process::ExitCode;

use crate::config::QueueConfig;
use crate::queue::Queue;

/// Runs `clear`.
pub async fn run(cfg: &QueueConfig) -> anyhow::Result<ExitCode> {
    let addr = Queue::clear(cfg).await?;
    eprintln!(
        "mqq: cleared the session of client id \"{}\" at {}",
        cfg.client_id.as_deref().unwrap_or_default(),
        addr.uri()
    );
    Ok(ExitCode::SUCCESS)
}
