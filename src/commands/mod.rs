//! The headless commands: what scripts run. Each takes parsed arguments and a writer.

pub mod apply;
pub mod auth;
pub mod connect;
pub mod demo;
pub mod fake;
pub mod hangup;
pub mod preview;
pub mod run;
pub mod users;

pub use connect::{Connected, connect};

/// `scimitar cache clear`: removes every cached user list and says which.
pub fn cache_clear(
    paths: &crate::config::Paths,
    out: &mut impl std::io::Write,
) -> anyhow::Result<()> {
    let dir = paths.cache_dir();
    let removed = crate::cache::clear(&dir)?;
    if removed.is_empty() {
        writeln!(out, "no cached user list in {}", dir.display())?;
    } else {
        writeln!(
            out,
            "removed {} cached user list(s) from {}",
            removed.len(),
            dir.display()
        )?;
    }
    Ok(())
}
