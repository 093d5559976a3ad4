//! `mqq config`: print the resolved config and where each value came from.

use std::process::ExitCode;

use crate::config::{render, Resolved};

/// Runs `config`.
pub fn run(resolved: &Resolved) -> ExitCode {
    print!("{}", render(resolved));
    ExitCode::SUCCESS
}
