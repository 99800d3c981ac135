//! What stops a headless run early: Ctrl-C, or SIGHUP (the terminal closed, the SSH session
//! dropped). Both stop dispatching and let the requests in flight be answered and journaled,
//! so the journal is whole and `resume` can finish the run.

/// Waits for Ctrl-C or SIGHUP; `false` if neither can be listened for.
pub async fn stop_signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut hup) = signal(SignalKind::hangup()) {
            return tokio::select! {
                r = tokio::signal::ctrl_c() => r.is_ok(),
                _ = hup.recv() => true,
            };
        }
    }
    tokio::signal::ctrl_c().await.is_ok()
}
