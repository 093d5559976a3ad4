//! `mqq broker`: the embedded broker (rumqttd) on the address the other verbs connect to,
//! until Ctrl-C/SIGTERM. For trying mqq and local work, not production.

use std::fmt::Write as _;
use std::net::{SocketAddr, ToSocketAddrs as _};
use std::process::ExitCode;

use anyhow::Context as _;

use crate::broker::{BrokerOptions, EmbeddedBroker};
use crate::cli::BrokerArgs;
use crate::config::{QueueConfig, Transport};
use crate::error::{Code, UsageError};
use crate::output::Output;

/// Runs `broker`: prints the URIs to connect to on stdout (one per line), then serves.
pub async fn run(
    args: &BrokerArgs,
    cfg: &QueueConfig,
    out: &mut Output,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<ExitCode> {
    let addr = &cfg.connections[0];
    if addr.transport != Transport::Tcp {
        return Err(UsageError(format!(
            "mqq broker serves plain MQTT only, not {}; give an mqtt:// address (and --ws-port \
             for WebSockets)",
            addr.uri()
        ))
        .into());
    }
    let bind = resolve(&addr.host, addr.port)?;
    let ws = args.ws_port.map(|p| resolve(&addr.host, p)).transpose()?;
    let users = cfg
        .credential
        .iter()
        .map(|c| (c.username.clone(), c.password.expose().to_owned()))
        .collect();
    let broker = EmbeddedBroker::start(&BrokerOptions {
        bind,
        users,
        ws,
        ..BrokerOptions::default()
    })
    .map_err(|e| {
        UsageError(format!(
            "mqq broker could not listen on {bind}: {e}; is another broker running there? Choose \
             another port with -p"
        ))
    })?;
    let shown = |a: SocketAddr| {
        if addr.host == "localhost" {
            format!("localhost:{}", a.port())
        } else {
            a.to_string()
        }
    };
    let mut lines = format!("mqtt://{}\n", shown(broker.addr()));
    if let Some(w) = broker.ws_addr() {
        let _ = writeln!(lines, "ws://{}/mqtt", shown(w));
    }
    out.print(lines.as_bytes())?;
    out.flush_stdout()?;
    out.diag().report(&format!(
        "broker listening on mqtt://{}{} (MQTT 3.1.1; sessions and retained messages in memory{}); \
         Ctrl-C stops it",
        shown(broker.addr()),
        broker
            .ws_addr()
            .map(|w| format!(" and ws://{}/mqtt", shown(w)))
            .unwrap_or_default(),
        if cfg.credential.is_some() {
            ", one user"
        } else {
            ", anonymous clients"
        }
    ));
    // MQTT 3.1.1 cannot tell a client the broker's window: `count` and `peek` find it here.
    super::state::broker_started(super::state::LocalBroker {
        addr: broker.addr(),
        pid: std::process::id(),
        window: crate::broker::WINDOW,
    });
    shutdown.await;
    super::state::broker_stopped(broker.addr());
    out.diag().report("broker stopped");
    Ok(Code::Ok.into())
}

/// The first IPv4 (else IPv6) address of a host name.
fn resolve(host: &str, port: u16) -> anyhow::Result<SocketAddr> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .with_context(|| format!("mqq broker cannot resolve {host}"))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| UsageError(format!("{host} has no address to listen on")).into())
}
