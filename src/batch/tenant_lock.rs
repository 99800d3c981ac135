//! Runs of one tenant see each other: every run (apply, resume, undo, headless or TUI) holds
//! a shared lock on `<data dir>/locks/<tenant>.lock` beside its journal's own lock, and a new
//! `apply` asks for it exclusively first. Refused, another run of the same tenant is going:
//! two runs on the same users undo each other's changes, so `apply` warns and asks.

use std::fs::File;
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;

/// A held shared lock; released when dropped.
#[derive(Debug)]
pub struct TenantLock {
    _file: File,
}

fn lock_path(data_dir: &Path, tenant: &str) -> PathBuf {
    use sha2::Digest;
    // The label holds spaces and colons ("host:port (customer …)"): a hash names the file.
    let digest = sha2::Sha256::digest(tenant.trim().to_ascii_lowercase().as_bytes());
    data_dir
        .join("locks")
        .join(format!("{}.lock", &hex::encode(digest)[..32]))
}

fn open(data_dir: &Path, tenant: &str) -> std::io::Result<File> {
    crate::config::create_private(&lock_path(data_dir, tenant), true)
}

/// What a run about to start is told when another run of `tenant` is going; `None` if none.
pub fn overlap_warning(tenant: &str) -> Option<String> {
    other_run_going(tenant).then(|| overlap_warning_text(tenant))
}

/// The warning of [`overlap_warning`], whatever the lock says.
pub fn overlap_warning_text(tenant: &str) -> String {
    format!(
        "another run of tenant {} is going (it holds the tenant's run lock); two runs on the same users can undo each other's changes",
        crate::untrusted::line(tenant)
    )
}

fn data_dir() -> PathBuf {
    crate::config::Paths::discover().data_dir
}

/// Whether another run of `tenant` is going (holds its shared lock). An error (a data
/// directory that cannot be written) says nothing either way: `false`, logged.
pub fn other_run_going(tenant: &str) -> bool {
    other_run_going_in(&data_dir(), tenant)
}

fn other_run_going_in(dir: &Path, tenant: &str) -> bool {
    let file = match open(dir, tenant) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!("cannot check for other runs of {tenant}: {e}");
            return false;
        }
    };
    match FileExt::try_lock_exclusive(&file) {
        Ok(true) => {
            let _ = FileExt::unlock(&file);
            false
        }
        Ok(false) => true,
        Err(e) => {
            tracing::warn!("cannot check for other runs of {tenant}: {e}");
            false
        }
    }
}

/// Takes the shared lock for a run of `tenant`; `None` when it cannot be taken (logged:
/// the run goes on, only unseen by others).
pub fn hold(tenant: &str) -> Option<TenantLock> {
    hold_in(&data_dir(), tenant)
}

fn hold_in(dir: &Path, tenant: &str) -> Option<TenantLock> {
    let file = open(dir, tenant)
        .and_then(|f| FileExt::try_lock_shared(&f).map(|ok| (f, ok)))
        .map_err(|e| tracing::warn!("cannot take the run lock of {tenant}: {e}"))
        .ok()?;
    match file {
        (f, true) => Some(TenantLock { _file: f }),
        (_, false) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_run_is_seen_and_released_on_drop() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let tenant = "127.0.0.1:1 (customer 42)";
        assert!(!other_run_going_in(dir, tenant));
        let held = hold_in(dir, tenant).unwrap();
        let also = hold_in(dir, tenant).unwrap();
        assert!(
            other_run_going_in(dir, tenant),
            "two shared holders, one seen"
        );
        assert!(!other_run_going_in(dir, "another tenant"));
        drop(held);
        assert!(other_run_going_in(dir, tenant));
        drop(also);
        assert!(!other_run_going_in(dir, tenant));
    }
}
