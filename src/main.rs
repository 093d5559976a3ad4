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
        // --quiet hides warnings, the log's (reconnects) too.
        0 if cli.global.quiet => "mqq=error",
        0 => "mqq=warn",
        1 => "mqq=info",
        2 => "mqq=debug",
        _ => "mqq=trace,rumqttc=debug",
    };
    let filter = EnvFilter::try_from_env("MQQ_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(out.diag().clone())
        .with_ansi(stderr_colors())
        .event_format(LogFormat(
            tracing_subscriber::fmt::format()
                .with_target(false)
                .without_time(),
        ))
        .init();
    match mqq::cmd::run(&cli, &matches, &mut out) {
        Ok(code) => code,
        Err(err) => mqq::error::report(&err, out.diag()),
    }
}

/// Log lines: warnings and errors as mqq's own (`mqq: warning: …`), the rest (`-vv`, `-vvv`)
/// in tracing's format with the level first.
struct LogFormat<F>(F);

impl<S, N, F> tracing_subscriber::fmt::FormatEvent<S, N> for LogFormat<F>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
    F: tracing_subscriber::fmt::FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let prefix = match *event.metadata().level() {
            tracing::Level::WARN => "mqq: warning: ",
            tracing::Level::ERROR => "mqq: error: ",
            _ => return self.0.format_event(ctx, writer, event),
        };
        writer.write_str(prefix)?;
        tracing_subscriber::fmt::FormatFields::format_fields(ctx, writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Folds clap's multi-line usage error into one line: the error, then any tip.
fn one_line(rendered: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for line in rendered.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("Usage:") || line.starts_with("For more information")
        {
            continue;
        }
        let line = line.strip_prefix("error: ").unwrap_or(line);
        // A list under a heading ("…were not provided:" then `<SHELL>`) stays on it.
        match parts.last_mut() {
            Some(last) if last.ends_with(':') || last.ends_with(',') => {
                last.push(' ');
                last.push_str(line);
            }
            _ => parts.push(line.to_string()),
        }
    }
    format!("{}; see --help", parts.join("; "))
}
