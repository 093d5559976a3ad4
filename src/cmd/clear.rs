//! `mqq clear`: remove the queue's session, and so its pending messages, at the broker.

use std::process::ExitCode;

use crate::config::QueueConfig;
use crate::error::Code;
use crate::output::Output;
use crate::queue::Queue;

/// Runs `clear`.
pub async fn run(cfg: &QueueConfig, out: &mut Output) -> anyhow::Result<ExitCode> {
    let addr = Queue::clear(cfg).await?;
    // What a peek or count left pending went with the session.
    super::state::forget(&addr.uri(), cfg.client_id.as_deref());
    out.diag().report(&format!(
        "cleared the session of client id \"{}\" at {}",
        cfg.client_id.as_deref().unwrap_or_default(),
        addr.uri()
    ));
    Ok(Code::Ok.into())
}
