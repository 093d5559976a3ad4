//! The `mqq` binary: parse, run, report `mqq: error: …`, return the documented exit code.

use std::process::ExitCode;

use clap::Parser as _;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = mqq::cli::Cli::parse();
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
