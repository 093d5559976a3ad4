//! Ctrl-C and SIGTERM: the futures the dispatcher hands the verbs that stop on them, and the
//! exit codes of a verb they left unfinished.

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
pub fn signal_name(code: u8) -> &'static str {
    if code == INTERRUPTED_BY_TERM {
        "SIGTERM"
    } else {
        "Ctrl-C"
    }
}
