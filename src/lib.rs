//! mqq: an MQTT broker used as a message queue. The binary is a thin switchboard over this
//! library: flags/YAML → `config` → `queue` core → `cmd` verbs → `output`.

#[cfg(feature = "broker")]
pub mod broker;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod envelope;
pub mod error;
pub mod output;
pub mod queue;

use std::process::ExitCode;

use clap::CommandFactory as _;

use cli::{Cli, Command, GlobalArgs};
use config::{ConfigInputs, FlagValue};
use queue::QueueError;

/// Runs a parsed command line to completion and returns its exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "mqq", &mut std::io::stdout());
        return Ok(ExitCode::SUCCESS);
    }
    let inputs = config_inputs(&cli.global, std::env::vars().collect())?;
    let resolved = config::resolve(&inputs)?;
    for w in &resolved.warnings {
        eprintln!("mqq: warning: {w}");
    }
    if let Command::Config = cli.command {
        return Ok(cmd::config::run(&resolved));
    }
    let cfg = resolved.config;
    let verbose = cli.global.verbose > 0;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match &cli.command {
            Command::Send(a) => cmd::send::run(a, &cfg).await,
            Command::Receive(a) => cmd::receive::run(a, &cfg, verbose).await,
            Command::Listen(a) => {
                let shutdown = shutdown_signal()?;
                cmd::listen::run(a, &cfg, verbose, shutdown).await
            }
            Command::Peek(a) => cmd::peek::run(a, &cfg, verbose).await,
            Command::Count(a) => cmd::count::run(a, &cfg).await,
            Command::Clear => cmd::clear::run(&cfg).await,
            Command::Config | Command::Completions { .. } => unreachable!("handled above"),
        }
    })
}

/// Turns the global flags into config inputs: each flag becomes its dotted config key.
pub fn config_inputs(
    g: &GlobalArgs,
    env: std::collections::BTreeMap<String, String>,
) -> Result<ConfigInputs, QueueError> {
    let mut flags = Vec::new();
    for s in &g.set {
        let Some((k, v)) = s.split_once('=') else {
            return Err(QueueError::Usage(format!(
                "--set \"{s}\": expected KEY=VALUE, e.g. --set options.qos=1"
            )));
        };
        flags.push(FlagValue {
            key: k.trim().into(),
            value: v.into(),
            flag: "--set".into(),
        });
    }
    let dedicated: [(&str, Option<String>, &str); 11] = [
        ("connection.uri", g.uri.clone(), "--uri"),
        ("connection.host", g.host.clone(), "--host"),
        ("connection.port", g.port.clone(), "--port"),
        ("connection.protocol", g.protocol.clone(), "--protocol"),
        ("credential.username", g.username.clone(), "--username"),
        ("credential.password", g.password.clone(), "--password"),
        ("client_id", g.client_id.clone(), "--client-id"),
        ("topic", g.topic.clone(), "--topic"),
        ("options.qos", g.qos.map(|q| q.to_string()), "--qos"),
        (
            "options.serialize_envelope",
            g.raw.then(|| "false".to_string()),
            "--raw",
        ),
        (
            "options.envelope_version",
            g.envelope_version.clone(),
            "--envelope-version",
        ),
    ];
    for (key, value, flag) in dedicated {
        if let Some(value) = value {
            flags.push(FlagValue {
                key: key.into(),
                value,
                flag: flag.into(),
            });
        }
    }
    Ok(ConfigInputs {
        config_file: g.config.clone(),
        queue: g.queue.clone(),
        password_file: g.password_file.clone(),
        flags,
        env,
    })
}

/// A future that completes on Ctrl-C or SIGTERM. The handlers are installed now, not on
/// first poll, so a signal that comes while connecting is not lost to the default action.
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
