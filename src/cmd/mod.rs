//! The dispatcher, and one module per verb. Dispatch resolves the config from the flags'
//! config inputs, builds the runtime and runs the verb; each verb takes its parsed flags, the
//! resolved config and the one [`Output`], drives the queue core, and returns its exit code
//! or an error that `crate::error` turns into one. What several verbs share is `shared`;
//! what mqq remembers between runs is `state`.

#[cfg(feature = "broker")]
pub mod broker;
pub mod check;
pub mod clear;
pub mod config;
pub mod count;
pub mod learned;
pub mod listen;
pub mod man;
pub mod move_;
pub mod peek;
pub mod receive;
pub mod send;
mod shared;
mod state;
pub mod work;

use std::process::ExitCode;

use clap::ArgMatches;

use crate::cli::{Cli, Command, MoveArgs};
use crate::config::{resolve, ConfigInputs, QueueConfig};
use crate::error::{Code, UsageError};
use crate::output::Output;
use shared::{interrupt_signal, shutdown_signal};

/// Worker threads of a consumer's runtime: one for the link's event loop, one for the verb
/// (stdout work); more would only contend on a 2-core CI machine.
const WORKER_THREADS: usize = 2;

/// More warnings than this are summarised in one line (a config file can hold thousands of
/// unknown keys).
const MAX_WARNINGS: usize = 10;

/// Runs a parsed command line to completion: `matches` are the same flags as `cli`, untyped,
/// for the registry-driven flag → key mapping (and the flags' command-line order).
pub fn run(cli: &Cli, matches: &ArgMatches, out: &mut Output) -> anyhow::Result<ExitCode> {
    // The verbs that need no config: they work whatever the environment holds.
    match &cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut crate::cli::command(), "mqq", out.stdout());
            out.flush_stdout()?;
            return Ok(Code::Ok.into());
        }
        Command::Man(a) => return man::run(a, out),
        _ => {}
    }
    let inputs = cli.global.config_inputs(matches)?;
    let resolved = resolve(&inputs)?;
    for w in resolved.warnings.iter().take(MAX_WARNINGS) {
        out.diag().warn(w);
    }
    if resolved.warnings.len() > MAX_WARNINGS {
        out.diag().warn(&format!(
            "… and {} more warnings like these",
            resolved.warnings.len() - MAX_WARNINGS
        ));
    }
    if let Command::Config = cli.command {
        return config::run(&resolved, out);
    }
    let mut cfg = resolved.config;
    // -W of the one-shot verbs bounds every wait for the broker, connecting first.
    let bound = match &cli.command {
        Command::Send(a) => a.timeout,
        Command::Peek(a) => a.timeout,
        Command::Count(a) => a.timeout,
        _ => None,
    };
    if let Some(w) = bound {
        cfg.options.connect_timeout = cfg.options.connect_timeout.min(w);
    }
    shared::warn_tls(&cfg, out);
    learned::pick_version(&cli.command, &mut cfg, out);
    let rt = runtime(&cli.command)?;
    let result = rt.block_on(dispatch(&cli.command, &cfg, &inputs, out));
    // Not waiting for the blocking pool: a read of stdin that Ctrl-C interrupted (`send -l`
    // at a terminal), or a name lookup past its bound, would hold the process until it
    // returned. Nothing of mqq's own work runs there at this point.
    rt.shutdown_background();
    result
}

/// Runs the verb of `command` on the runtime: its output format set, and the signals it
/// stops on handed in.
async fn dispatch(
    command: &Command,
    cfg: &QueueConfig,
    inputs: &ConfigInputs,
    out: &mut Output,
) -> anyhow::Result<ExitCode> {
    match command {
        Command::Send(a) => {
            let interrupt = interrupt_signal()?;
            Box::pin(send::run(a, cfg, out, interrupt)).await
        }
        Command::Receive(a) => {
            out.set_style(a.output.style());
            let interrupt = interrupt_signal()?;
            Box::pin(receive::run(a, cfg, out, interrupt)).await
        }
        Command::Listen(a) => {
            out.set_style(a.output.style());
            let shutdown = shutdown_signal()?;
            Box::pin(listen::run(a, cfg, out, shutdown)).await
        }
        Command::Peek(a) => {
            out.set_style(a.output.style());
            peek::run(a, cfg, out).await
        }
        Command::Count(a) => count::run(a, cfg, out).await,
        Command::Clear => clear::run(cfg, out).await,
        Command::Check(a) => Box::pin(check::run(a, cfg, out)).await,
        Command::Move(a) => {
            let dest = destination(a, cfg, inputs)?;
            out.set_style(a.output.style());
            Box::pin(move_::run(a, cfg, &dest, out)).await
        }
        Command::Work(a) => {
            let shutdown = shutdown_signal()?;
            Box::pin(work::run(a, cfg, out, shutdown)).await
        }
        #[cfg(feature = "broker")]
        Command::Broker(a) => {
            let shutdown = shutdown_signal()?;
            broker::run(a, cfg, out, shutdown).await
        }
        #[cfg(not(feature = "broker"))]
        Command::Broker(_) => Err(shared::no_embedded_broker().into()),
        Command::Config | Command::Completions { .. } | Command::Man(_) => {
            unreachable!("run handles them before the runtime")
        }
    }
}

/// Where `move` moves to: `--to TOPIC` on the source's broker, or `--to-queue NAME`, another
/// queue of the config file (its topic and broker; the environment applies, the command
/// line's flags do not).
fn destination(
    args: &MoveArgs,
    cfg: &QueueConfig,
    inputs: &ConfigInputs,
) -> anyhow::Result<QueueConfig> {
    let Some(name) = &args.to_queue else {
        let mut d = cfg.clone();
        d.topic.clone_from(&args.to);
        d.client_id = None;
        return Ok(d);
    };
    let inputs = ConfigInputs {
        queue: Some(name.clone()),
        flags: Vec::new(),
        ..inputs.clone()
    };
    let d = resolve(&inputs)?.config;
    if d.topic.is_none() {
        return Err(UsageError(format!(
            "--to-queue {name}: that queue has no topic in the config file"
        ))
        .into());
    }
    Ok(d)
}

/// The runtime a verb runs on. Verbs that write messages to stdout as they arrive
/// (`receive`, `listen`, `move`, `work`, `check`, `broker`) get two worker threads: a stdout
/// that blocks (a pipe nobody reads) then stalls only the verb, while the link's event loop
/// goes on pinging the broker. The others (`send`, `peek`, `count`, `clear`) run on the
/// current thread: no thread start-up or cross-thread wake-ups (a quarter less CPU for a
/// one-shot send: docs/PERFORMANCE.md §5). The blocking pool (stdin, name lookups) is there
/// either way.
fn runtime(command: &Command) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match command {
        Command::Send(_) | Command::Peek(_) | Command::Count(_) | Command::Clear => {
            tokio::runtime::Builder::new_current_thread()
        }
        _ => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(WORKER_THREADS);
            b
        }
    };
    builder.enable_all().build()
}
