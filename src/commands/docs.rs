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
        None => {
            clap_mangen::Man::new(cmd).render(out)?;
            out.write_all(extra_sections().as_bytes())?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir).map_err(|e| {
                anyhow::anyhow!("cannot write the man pages in {}: {e}", dir.display())
            })?;
            let main = dir.join("scimitar.1");
            std::fs::OpenOptions::new()
                .append(true)
                .open(&main)
                .and_then(|mut f| f.write_all(extra_sections().as_bytes()))
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", main.display()))?;
            writeln!(out, "man pages written to {}", dir.display())?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Environment variables that are not an option's: secrets, directories, logging.
const OTHER_ENV: &[(&str, &str)] = &[
    (
        "SCIMITAR_PASSWORD",
        "The password for --auth basic and token (never an option, so never in argv).",
    ),
    (
        "SCIMITAR_BEARER",
        "The bearer token or API key for --auth bearer.",
    ),
    (
        "SCIMITAR_KEY_PASSPHRASE",
        "With --auth cert: the passphrase of an encrypted --key-file.",
    ),
    (
        "SCIMITAR_CONFIG_DIR",
        "The configuration directory (config.toml, keymap.toml).",
    ),
    (
        "SCIMITAR_DATA_DIR",
        "The data directory (journals, journal key, OAuth sign-ins, logs).",
    ),
    (
        "SCIMITAR_CACHE_DIR",
        "The directory of the cached user lists the TUI opens from.",
    ),
    (
        "SCIMITAR_LOG",
        "The log level (error, warn, info, debug, trace; or RUST_LOG). Logs go to a file, never to the screen.",
    ),
    ("NO_COLOR", "When set, no colours (with --color auto)."),
];

/// roff text: backslashes escaped, no line taken for a request.
fn roff(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    s.lines()
        .map(|l| {
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn tagged(out: &mut String, tag: &str, body: &str) {
    out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(tag), roff(body)));
}

/// Every `SCIMITAR_*` variable: those of the options (read from clap), then the others.
fn environment(out: &mut String) {
    out.push_str(".SH ENVIRONMENT\n");
    let cmd = crate::cli::command();
    for a in cmd.get_arguments() {
        if let (Some(env), Some(long)) = (a.get_env(), a.get_long()) {
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            tagged(out, &env.to_string_lossy(), &format!("As --{long}: {help}"));
        }
    }
    for (name, what) in OTHER_ENV {
        tagged(out, name, what);
    }
}

fn files(out: &mut String) {
    out.push_str(".SH FILES\nDirectories scimitar creates are mode 0700.\n");
    for (path, what) in [
        (
            "$SCIMITAR_CONFIG_DIR/config.toml (default ~/.config/scimitar/)",
            "Profiles: tenants, auth method, login, protected accounts, max_users. Never holds a secret; a secret_file it names must be mode 0600.",
        ),
        (
            "$SCIMITAR_CONFIG_DIR/keymap.toml",
            "Key bindings merged over the defaults listed under TUI KEYS.",
        ),
        (
            "$SCIMITAR_DATA_DIR/journals/*.jsonl (default ~/.local/share/scimitar/)",
            "One journal per run, mode 0600, created exclusively, sealed: what resume, undo and runs read. Beside each: .report.csv and .report.json (0600).",
        ),
        (
            "$SCIMITAR_DATA_DIR/journal.key",
            "The installation's key that seals journals, mode 0600.",
        ),
        (
            "$SCIMITAR_DATA_DIR/oauth/PROFILE.json",
            "The OAuth refresh token kept per profile (--auth oauth), mode 0600; `scimitar auth logout` removes it.",
        ),
        (
            "$SCIMITAR_DATA_DIR/logs/scimitar.log",
            "The log, mode 0600 (user names and emails, never secrets).",
        ),
        (
            "$SCIMITAR_CACHE_DIR/users-*.cache (default ~/.cache/scimitar/)",
            "The local copy of each tenant's users (and last logins), mode 0600; `scimitar cache clear` removes them.",
        ),
    ] {
        tagged(out, path, what);
    }
}

fn exit_status(out: &mut String) {
    out.push_str(".SH EXIT STATUS\n");
    for (code, what) in [
        (
            "0",
            "Done: every user changed or already in the target state; a listing printed.",
        ),
        (
            "1",
            "Some changes failed or were left (resume finishes them), input rows could not be used, a run could not write its reports, or `runs verify` found events missing.",
        ),
        (
            "2",
            "Bad input, refused (cap, no confirmation, read-only, a journal that does not verify), cannot connect, or a name that matches several users.",
        ),
    ] {
        tagged(out, code, what);
    }
}

/// The TUI's default keys, per screen, from the keymap the TUI itself reads.
fn tui_keys(out: &mut String) {
    use crate::tui::keymap::{Keymap, Mode};
    out.push_str(
        ".SH TUI KEYS\nThe defaults; keymap.toml in the configuration directory changes them.\n",
    );
    let km = Keymap::default();
    let global = km.help_rows(Mode::Global);
    for mode in Mode::sections().map(Mode::section) {
        let rows: Vec<(String, &str)> = km
            .help_rows(mode)
            .into_iter()
            .filter(|r| mode == Mode::Global || !global.contains(r))
            .collect();
        if rows.is_empty() {
            continue;
        }
        out.push_str(&format!(".SS {}\n", roff(mode.name())));
        for (keys, what) in rows {
            tagged(out, &keys, what);
        }
    }
}

/// The sections clap does not write: ENVIRONMENT, FILES, EXIT STATUS and TUI KEYS.
pub fn extra_sections() -> String {
    let mut out = String::new();
    environment(&mut out);
    files(&mut out);
    exit_status(&mut out);
    tui_keys(&mut out);
    out
}
