//! The `mqq` binary: parse, run, report `mqq: error: …`, return the documented exit code.

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser as _;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = match mqq::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            e.exit()
        }
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        Err(e) => {
            eprintln!("mqq: error: {}", one_line(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let level = match cli.global.verbose {
        0 | 1 => "mqq=warn",
        2 => "mqq=debug",
        _ => "mqq=trace,rumqttc=debug",
    };
    let filter = EnvFilter::try_from_env("MQQ_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .init();
    match mqq::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("mqq: error: {err:#}");
            ExitCode::from(mqq::error::exit_code(&err))
        }
    }
}

/// Folds clap's multi-line usage error into one line: the error, then any tip.
fn one_line(rendered: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for line in rendered.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("Usage:") || line.starts_with("For more information")
        {
            continue;
        }
        parts.push(line.strip_prefix("error: ").unwrap_or(line));
    }
    format!("{}; see --help", parts.join("; "))
}
