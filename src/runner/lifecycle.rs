//! Signals: the first SIGINT/SIGTERM drains (no new jobs, running ones finish), a second one
//! aborts at once (every job's process group killed, exit 130).

use super::shell::Procs;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

/// Where the runner is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Running,
    /// Stop taking jobs; let running ones finish within the grace period.
    Draining,
}

/// Installs the handlers; the returned receiver turns `Draining` on the first signal.
pub fn install(procs: Procs) -> std::io::Result<watch::Receiver<Phase>> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let (tx, rx) = watch::channel(Phase::Running);
    tokio::spawn(async move {
        let first = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!(
            signal = first,
            "shutting down: no new jobs; running jobs may finish (send the signal again to abort)"
        );
        let _ = tx.send(Phase::Draining);
        let second = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::warn!(
            signal = second,
            running_processes = procs.count(),
            "second signal: aborting now, killing running jobs"
        );
        procs.kill_all();
        std::process::exit(i32::from(crate::report::Exit::Aborted.code()));
    });
    Ok(rx)
}
