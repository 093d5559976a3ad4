//! The dispatcher and one module per verb. Dispatch turns flags into config inputs, resolves
//! the config, builds the runtime and runs the verb; each verb takes its parsed flags, the
//! resolved config and the one [`Output`], drives the queue core, and returns its exit code
//! or an error that `crate::error` turns into one.

#[cfg(feature = "broker")]
pub mod broker;
pub mod check;
pub mod clear;
pub mod config;
pub mod count;
pub mod listen;
pub mod man;
pub mod move_;
pub mod peek;
pub mod receive;
pub mod send;
pub mod work;

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::ArgMatches;

use crate::cli::{Cli, Command, GlobalArgs};

use crate::config::{keys, resolve, ConfigInputs, FlagValue, QueueConfig};
use crate::error::{Code, UsageError};
use crate::output::{Output, StdoutError};
use crate::queue::{Queue, QueueError, Stop};

/// Worker threads of a consumer's runtime: one for the link's event loop, one for the verb
/// (stdout work); more would only contend on a 2-core CI machine.
const WORKER_THREADS: usize = 2;

/// More warnings than this are summarised in one line (a config file can hold thousands of
/// unknown keys).
const MAX_WARNINGS: usize = 10;

/// Runs a parsed command line to completion: `matches` are the same flags as `cli`, untyped,
/// for the registry-driven flag → key mapping (and the flags' command-line order).
pub fn run(cli: &Cli, matches: &ArgMatches, out: &mut Output) -> anyhow::Result<ExitCode> {
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut crate::cli::command(), "mqq", out.stdout());
        out.flush_stdout()?;
        return Ok(Code::Ok.into());
    }
    if let Command::Man(a) = &cli.command {
        return man::run(a, out);
    }
    let inputs = config_inputs(&cli.global, matches, environment()?)?;
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
    warn_tls(&cfg, out);
    // `move --to-queue NAME`: the destination is another queue of the config file.
    let destination = match &cli.command {
        Command::Move(a) => Some(if let Some(name) = &a.to_queue {
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
            d
        } else {
            let mut d = cfg.clone();
            d.topic.clone_from(&a.to);
            d.client_id = None;
            d
        }),
        _ => None,
    };
    let rt = runtime(&cli.command)?;
    let result = rt.block_on(async move {
        match &cli.command {
            Command::Send(a) => {
                let interrupt = interrupt_signal()?;
                Box::pin(send::run(a, &cfg, out, interrupt)).await
            }
            Command::Receive(a) => {
                out.set_style(a.output.style());
                let interrupt = interrupt_signal()?;
                Box::pin(receive::run(a, &cfg, out, interrupt)).await
            }
            Command::Listen(a) => {
                out.set_style(a.output.style());
                let shutdown = shutdown_signal()?;
                Box::pin(listen::run(a, &cfg, out, shutdown)).await
            }
            Command::Peek(a) => {
                out.set_style(a.output.style());
                peek::run(a, &cfg, out).await
            }
            Command::Count(a) => count::run(a, &cfg, out).await,
            Command::Clear => clear::run(&cfg, out).await,
            Command::Check(a) => Box::pin(check::run(a, &cfg, out)).await,
            Command::Move(a) => {
                out.set_style(a.output.style());
                let dest = destination.as_ref().expect("resolved above");
                Box::pin(move_::run(a, &cfg, dest, out)).await
            }
            Command::Work(a) => {
                let shutdown = shutdown_signal()?;
                Box::pin(work::run(a, &cfg, out, shutdown)).await
            }
            #[cfg(feature = "broker")]
            Command::Broker(a) => {
                let shutdown = shutdown_signal()?;
                broker::run(a, &cfg, out, shutdown).await
            }
            #[cfg(not(feature = "broker"))]
            Command::Broker(_) => Err(no_embedded_broker().into()),
            Command::Config | Command::Completions { .. } | Command::Man(_) => {
                unreachable!("handled above")
            }
        }
    });
    // Not waiting for the blocking pool: a read of stdin that Ctrl-C interrupted (`send -l`
    // at a terminal), or a name lookup past its bound, would hold the process until it
    // returned. Nothing of mqq's own work runs there at this point.
    rt.shutdown_background();
    result
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

/// Warns, on every run, of a connection that is not verified (`--insecure`), and of TLS
/// settings that no address uses.
fn warn_tls(cfg: &QueueConfig, out: &Output) {
    let tls = cfg
        .connections
        .iter()
        .any(crate::config::BrokerAddr::is_tls);
    let t = &cfg.tls;
    if tls && t.insecure {
        out.diag().warn(
            "--insecure: the broker's certificate is not verified; anyone on the path can read \
             and change the traffic, credentials included (testing only)",
        );
    }
    let given = t.ca_file.is_some()
        || t.ca_path.is_some()
        || t.cert_file.is_some()
        || t.insecure
        || t.server_name.is_some()
        || !t.alpn.is_empty();
    if !tls && given {
        out.diag().warn(&format!(
            "TLS settings ignored: {} is not a TLS address; use mqtts:// or wss://, or add --tls",
            cfg.connections[0].uri()
        ));
    }
}

/// The error of `broker` and `check --embedded` in a build without the embedded broker.
#[cfg(not(feature = "broker"))]
pub(crate) fn no_embedded_broker() -> UsageError {
    UsageError(
        "this mqq was built without the embedded broker (cargo feature `broker`, on by \
         default); rebuild with it, or point mqq at a broker with -L"
            .into(),
    )
}

/// The process environment as text. One of mqq's own variables (`MQQ_URI`, …) that is not
/// UTF-8 is an error naming it: skipping it would quietly fall back to a default (another
/// broker, another topic). Other variables that are not UTF-8 are skipped.
fn environment() -> Result<BTreeMap<String, String>, UsageError> {
    let ours = |name: &str| {
        keys::KEYS.iter().any(|k| k.env == Some(name))
            || keys::FILE_INPUTS.iter().any(|(_, _, env)| *env == name)
    };
    let mut vars = BTreeMap::new();
    for (k, v) in std::env::vars_os() {
        let Ok(k) = k.into_string() else { continue };
        match v.into_string() {
            Ok(v) => {
                vars.insert(k, v);
            }
            Err(_) if ours(&k) => {
                return Err(UsageError(format!(
                    "the environment variable {k} is not valid UTF-8 text; fix it, or unset it"
                )));
            }
            Err(_) => {}
        }
    }
    Ok(vars)
}

/// Turns the global flags into config inputs: every flag of the key registry becomes its
/// dotted key, `--set KEY=VALUE` any key; in command-line order, so the later one wins.
pub fn config_inputs(
    g: &GlobalArgs,
    m: &ArgMatches,
    env: BTreeMap<String, String>,
) -> Result<ConfigInputs, UsageError> {
    let mut flags: Vec<(usize, FlagValue)> = Vec::new();
    if let (Some(values), Some(indices)) = (m.get_many::<String>("set"), m.indices_of("set")) {
        for (s, index) in values.zip(indices) {
            let Some((k, v)) = s.split_once('=') else {
                return Err(UsageError(format!(
                    "--set {:?}: expected KEY=VALUE, e.g. --set options.qos=1",
                    crate::config::mask_secret(s)
                )));
            };
            flags.push((
                index,
                FlagValue {
                    key: k.trim().into(),
                    value: v.into(),
                    flag: "--set".into(),
                },
            ));
        }
    }
    for row in keys::KEYS {
        // `--queue` reaches resolution as `ConfigInputs::queue` (it also picks a profile).
        let Some(flag) = row.flag.filter(|_| row.key != "name") else {
            continue;
        };
        if m.value_source(flag.id) != Some(ValueSource::CommandLine) {
            continue;
        }
        let value = match flag.switch {
            Some(v) => v.to_string(),
            None if flag.many.is_some() => match m.get_raw(flag.id) {
                Some(raw) => raw
                    .map(|v| v.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(flag.many.unwrap_or(",")),
                None => continue,
            },
            None => match m.get_raw(flag.id).and_then(Iterator::last) {
                Some(raw) => raw.to_string_lossy().into_owned(),
                None => continue,
            },
        };
        flags.push((
            m.index_of(flag.id).unwrap_or(usize::MAX),
            FlagValue {
                key: row.key.into(),
                value,
                flag: flag.long.into(),
            },
        ));
    }
    flags.sort_by_key(|(index, _)| *index);
    Ok(ConfigInputs {
        config_file: g.config.clone(),
        queue: g.queue.clone(),
        password_file: g.password_file.clone(),
        flags: flags.into_iter().map(|(_, f)| f).collect(),
        env,
    })
}

/// A future that completes on Ctrl-C or SIGTERM. The handlers are installed now, not on
/// first poll, so a signal that comes while connecting is not lost to the default action.
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    let signal = interrupt_signal()?;
    Ok(async move {
        signal.await;
    })
}

/// [`shutdown_signal`] that says which signal came, as the exit code a shell gives a
/// command it killed: 130 for Ctrl-C (SIGINT), 143 for SIGTERM. `send` and `receive`, which
/// an interruption leaves unfinished, exit with it after their summary.
pub fn interrupt_signal() -> std::io::Result<impl std::future::Future<Output = u8> + Send> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => INTERRUPTED_BY_TERM,
                _ = int.recv() => INTERRUPTED,
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            INTERRUPTED
        })
    }
}

/// The exit code of a `send` or `receive` stopped by Ctrl-C: 128 + SIGINT, as a shell
/// reports a command killed by it.
pub const INTERRUPTED: u8 = 130;

/// The exit code of a `send` or `receive` stopped by SIGTERM: 128 + 15.
pub const INTERRUPTED_BY_TERM: u8 = 143;

/// The word for the signal behind an interrupted exit code.
pub(crate) fn signal_name(code: u8) -> &'static str {
    if code == INTERRUPTED_BY_TERM {
        "SIGTERM"
    } else {
        "Ctrl-C"
    }
}

/// How a consuming verb's stop becomes its result: a failed stdout is an error (a closed
/// pipe among them, which the edge turns into a quiet 0); otherwise success when complete,
/// else the shortfall code.
pub(crate) fn stop_code(stop: Stop, complete: bool) -> anyhow::Result<ExitCode> {
    match stop {
        Stop::Sink(e) => Err(StdoutError(e).into()),
        _ if complete => Ok(Code::Ok.into()),
        _ => Ok(Code::Shortfall.into()),
    }
}

/// Subscribes now (not lazily) and, with -v, says so on stderr: scripts and tests wait for
/// this line to know that messages published from now on will arrive.
pub(crate) async fn subscribe(q: &mut Queue, out: &Output) -> Result<(), QueueError> {
    q.subscribe().await?;
    if q.version() == crate::queue::Version::V311
        && q.filters().iter().any(|f| f.starts_with("$share/"))
    {
        out.diag().warn(
            "--group with MQTT 3.1.1: mosquitto, EMQX, HiveMQ and the embedded broker share \
             $share/… subscriptions, but brokers without shared subscriptions (NATS 2.9, \
             RabbitMQ 3.10, aedes, amqtt) take it for a plain topic and deliver nothing to the \
             group; there, split the work by topic, or use the broker's own protocol (NATS \
             queue groups, RabbitMQ queues)",
        );
    }
    out.diag().verbose(&format!(
        "subscribed to \"{}\" at {} with {} as {} ({})",
        q.filters().join("\", \""),
        q.broker().uri(),
        q.version(),
        q.client_id(),
        match (q.is_durable(), q.session_present()) {
            (true, true) => "durable, session resumed",
            (true, false) => "durable, new session",
            _ => "ephemeral",
        }
    ));
    Ok(())
}

/// The unacked window of MQTT 3.1.1 connections when `--window` is not given: the smallest
/// of the brokers mqq was measured with (RabbitMQ's `mqtt.prefetch`).
const DEFAULT_WINDOW: u64 = 10;

/// The window that may cap what a peek or count sees, and whether it is the broker's own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    /// At most this many unacknowledged messages come at once.
    pub size: usize,
    /// The broker's window is known (MQTT 5 told it; or the broker is an `mqq broker` on this
    /// machine), not assumed: no other broker's default is in play, and the broker resends
    /// what a peek left on reconnect, as MQTT asks.
    pub known: bool,
}

/// For peek and count: the window that may cap what the broker handed out — `--window` if
/// given, else the one the connection asked for (MQTT 5), else the one an `mqq broker` on
/// this machine recorded, else [`DEFAULT_WINDOW`].
pub(crate) fn window(given: Option<u64>, q: &Queue) -> Window {
    let local = || {
        let b = q.broker();
        (q.window().is_none() && b.transport == crate::config::Transport::Tcp)
            .then(|| crate::state::local_broker(&b.host, b.port))
            .flatten()
    };
    let (w, known) = match (given, q.window()) {
        (Some(w), v5) => (usize::try_from(w).unwrap_or(usize::MAX), v5.is_some()),
        (None, Some(v5)) => (usize::from(v5), true),
        (None, None) => match local() {
            Some(b) => (b.window, true),
            None => (usize::try_from(DEFAULT_WINDOW).unwrap_or(10), false),
        },
    };
    Window { size: w, known }
}

/// The unacknowledged windows of the brokers mqq knows (MQTT 3.1.1 defaults): a count that
/// lands exactly on one of them, below a larger `--window`, may be that broker's cap.
const KNOWN_WINDOWS: [(usize, &str); 3] = [
    (10, "RabbitMQ's (mqtt.prefetch)"),
    (20, "mosquitto's (max_inflight_messages)"),
    (1024, "NATS's (mqtt { max_ack_pending })"),
];

/// The warning for `n` of a `window` larger than what some broker hands out: `n` may be
/// that broker's window, not the queue's length. Only when the broker's window is not known
/// (MQTT 3.1.1 to a broker other than `mqq broker`): an MQTT 5 broker was told the window.
pub(crate) fn known_window(n: usize, window: Window) -> Option<String> {
    if window.known {
        return None;
    }
    let window = window.size;
    let (_, whose) = KNOWN_WINDOWS.iter().find(|(w, _)| *w == n && n < window)?;
    Some(format!(
        "{n} is {whose} default window of unacknowledged messages: with --window {window} \
         above your broker's window, more may be pending than shown"
    ))
}

/// Fewer messages than this get no rate in a summary: it would measure one round trip (a
/// single message "at 16203 msg/s"), not throughput.
const RATE_FROM: u64 = 10;

/// ` (N msg/s)` for a summary of `count` messages in `took`, or nothing for a handful.
pub(crate) fn rate(count: u64, took: std::time::Duration) -> String {
    if count < RATE_FROM || took.is_zero() {
        return String::new();
    }
    format!(" ({:.0} msg/s)", count as f64 / took.as_secs_f64())
}

/// The end-of-command line of receive and listen: how many, how long, how fast.
pub(crate) fn summary(out: &Output, what: &str, count: usize, took: std::time::Duration) {
    out.diag().report(&format!(
        "{what} {count} message{} in {:.2?}{}",
        if count == 1 { "" } else { "s" },
        took,
        rate(count as u64, took)
    ));
}

/// For peek and count: an ephemeral queue has no session, so there is nothing pending to
/// see — say so instead of a silent `0`.
pub(crate) fn warn_if_ephemeral(cfg: &QueueConfig, out: &Output) {
    if cfg.client_id.is_none() {
        out.diag().warn(
            "no client id: an ephemeral queue holds nothing between runs, so only a retained \
             message can show up; give the durable queue's client id with -i",
        );
    }
}
