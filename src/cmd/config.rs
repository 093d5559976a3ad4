//! `mqq config`: print the resolved config and where each value came from.

use std::process::ExitCode;

use crate::config::{render, Resolved};
use crate::error::Code;
use crate::output::Output;

/// Runs `config`.
pub fn run(resolved: &Resolved, out: &mut Output) -> anyhow::Result<ExitCode> {
    out.print(render(resolved).as_bytes())?;
    Ok(Code::Ok.into())
}
