//! `scimitar completions SHELL` and `scimitar man`: generated from the clap definitions the
//! program parses with, so they never drift from the real options.

use std::io::Write;
use std::path::Path;

use crate::cli::CompletionShell;

pub fn completions(shell: CompletionShell, out: &mut impl Write) -> anyhow::Result<()> {
    let mut cmd = crate::cli::command();
    let shell = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    // Into memory first: clap_complete panics on a write error, and `| head` is one.
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "scimitar", &mut buf);
    out.write_all(&buf)?;
    out.flush()?;
    Ok(())
}

/// The man page (section 1) in roff on `out`, or with `dir` one page per command written there
/// (each file named as clap_mangen names it: `scimitar-apply.1`, ...).
pub fn man(dir: Option<&Path>, out: &mut impl Write) -> anyhow::Result<()> {
    let cmd = crate::cli::command();
    match dir {
        None => clap_mangen::Man::new(cmd).render(out)?,
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir).map_err(|e| {
                anyhow::anyhow!("cannot write the man pages in {}: {e}", dir.display())
            })?;
            writeln!(out, "man pages written to {}", dir.display())?;
        }
    }
    out.flush()?;
    Ok(())
}
