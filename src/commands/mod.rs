//! The headless commands: what scripts run. Each takes parsed arguments and a writer.

pub mod apply;
pub mod auth;
pub mod connect;
pub mod demo;
pub mod docs;
pub mod fake;
pub mod hangup;
pub mod inactive;
pub mod preview;
pub mod review;
pub mod run;
pub mod runs;
pub mod table;
pub mod user_rows;
pub mod users;
pub mod verify;

pub use connect::{Connected, connect};

/// The TUI draws on stdout and reads keys from the terminal: without one, say so and what to
/// do instead (crossterm alone says "No such device or address").
pub fn require_terminal() -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let why = if !std::io::stdout().is_terminal() {
        Some("stdout is not a terminal")
    } else if !std::io::stdin().is_terminal()
        && std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_err()
    {
        Some("there is no controlling terminal to read keys from")
    } else {
        None
    };
    match why {
        None => Ok(()),
        Some(why) => anyhow::bail!(
            "the TUI needs a terminal ({why}). Run scimitar in a terminal (over SSH: ssh -t), or use a command without a screen: scimitar users list, user show, apply, runs (scimitar --help lists them)"
        ),
    }
}

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
        // The last logins kept beside a list are counted apart from the lists.
        let logins = removed
            .iter()
            .filter(|p| p.to_string_lossy().ends_with("-logins.cache"))
            .count();
        let also = match logins {
            0 => String::new(),
            n => format!(" and {n} file(s) of last logins"),
        };
        writeln!(
            out,
            "removed {} cached user list(s){also} from {}",
            removed.len() - logins,
            dir.display()
        )?;
    }
    Ok(())
}
