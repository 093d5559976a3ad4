//! The `mqq` binary: parse, run, report `mqq: error: …`, return the documented exit code.

use std::process::ExitCode;

use clap::error::ErrorKind;
use tracing_subscriber::EnvFilter;

use mqq::output::{stderr_colors, Output, Verbosity};

fn main() -> ExitCode {
    let parsed = mqq::cli::parse_from(&std::env::args_os().collect::<Vec<_>>());
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) =>
        {
            // clap prints help and ignores a closed stdout.
            e.exit()
        }
        Err(e) => {
            eprintln!("mqq: error: {}", one_line(&e.to_string()));
            return mqq::error::Code::Usage.into();
        }
    };
    let mut out = Output::stdio(Verbosity {
        verbose: cli.global.verbose,
        quiet: cli.global.quiet,
    });
    let level = match cli.global.verbose {
        0 => "mqq=warn",
        1 => "mqq=info",
        2 => "mqq=debug",
        _ => "mqq=trace,rumqttc=debug",
    };
    let filter = EnvFilter::try_from_env("MQQ_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(out.diag().clone())
        .with_target(false)
        .with_ansi(stderr_colors())
        .without_time()
        .init();
    match mqq::cmd::run(&cli, &matches, &mut out) {
        Ok(code) => code,
        Err(err) => mqq::error::report(&err, out.diag()),
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
