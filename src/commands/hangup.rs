//! What stops a headless run early: Ctrl-C, SIGTERM (cron, systemd, `timeout`) or SIGHUP
//! (the terminal closed, the SSH session dropped). Both stop dispatching and let the requests in flight be answered and journaled,
//! so the journal is whole and `resume` can finish the run.

/// Waits for Ctrl-C, SIGTERM or SIGHUP; `false` if none can be listened for.
pub async fn stop_signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut hup), Ok(mut term)) = (
            signal(SignalKind::hangup()),
            signal(SignalKind::terminate()),
        ) {
            return tokio::select! {
                r = tokio::signal::ctrl_c() => r.is_ok(),
                _ = hup.recv() => true,
                _ = term.recv() => true,
            };
        }
    }
    tokio::signal::ctrl_c().await.is_ok()
}
