//! Help, completions and the man page come from the same clap definitions: connection options
//! stand apart in every `--help`, and the generated files name the real commands.

use std::process::Command;

fn scimitar(args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(args)
        .env("SCIMITAR_CONFIG_DIR", dir.path().join("config"))
        .env("SCIMITAR_DATA_DIR", dir.path().join("data"))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn connection_options_have_their_own_heading_after_the_commands_own() {
    for (cmd, own) in [
        (vec!["apply", "--help"], "--dry-run"),
        (vec!["users", "list", "--help"], "--workspace"),
        (vec!["runs", "verify", "--help"], "--wait"),
    ] {
        let (code, help) = scimitar(&cmd);
        assert_eq!(code, Some(0), "{help}");
        let at = |s: &str| {
            help.find(s)
                .unwrap_or_else(|| panic!("`{s}` not in {cmd:?} help:\n{help}"))
        };
        let heading = at("\nConnection (commands that reach the tenant");
        assert!(at(own) < heading, "{help}");
        assert!(heading < at("--scim-url"), "{help}");
        assert!(heading < at("--secret-file"), "{help}");
        // The flags every command takes are not mixed into the command's own either.
        let global = at("\nGlobal (every command");
        assert!(at(own) < global && global < at("--read-only"), "{help}");
        assert!(
            global < at("--csv-raw") && global < at("--no-cache"),
            "{help}"
        );
    }
}

#[test]
fn completions_and_the_man_page_into_a_closed_pipe_end_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    for args in [["completions", "bash"], ["man", "--"]] {
        let args: Vec<&str> = args.into_iter().filter(|a| *a != "--").collect();
        let mut child = Command::new(env!("CARGO_BIN_EXE_scimitar"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read a few bytes, then close the pipe, as `| head -1` does.
        let mut first = [0u8; 8];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn completions_for_bash_zsh_and_fish_name_the_commands() {
    for (shell, marker) in [
        ("bash", "_scimitar()"),
        ("zsh", "#compdef scimitar"),
        ("fish", "complete -c scimitar"),
    ] {
        let (code, script) = scimitar(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}");
        assert!(script.contains(marker), "{shell}:\n{script}");
        for word in ["runs", "apply", "workspace", "allow-missing"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    let (code, _) = scimitar(&["completions", "tcsh"]);
    assert_eq!(code, Some(2));
}

#[test]
fn the_man_page_is_roff_and_one_page_per_command_can_be_written() {
    let (code, page) = scimitar(&["man"]);
    assert_eq!(code, Some(0));
    assert!(
        page.starts_with(".ie") || page.contains(".TH scimitar 1"),
        "{page}"
    );
    assert!(
        page.contains("runs") && page.contains("completions"),
        "{page}"
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, said) = scimitar(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(code, Some(0), "{said}");
    for f in [
        "scimitar.1",
        "scimitar-apply.1",
        "scimitar-runs.1",
        "scimitar-runs-show.1",
    ] {
        let text =
            std::fs::read_to_string(dir.path().join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(text.contains(".TH"), "{f}");
    }
}

#[test]
fn connection_options_appear_once_and_only_where_a_command_connects() {
    let (_, top) = scimitar(&["--help"]);
    assert_eq!(top.matches("\nConnection (").count(), 1, "{top}");
    assert_eq!(top.matches("--scim-url <URL>").count(), 1, "{top}");
    for cmd in [
        vec!["completions", "--help"],
        vec!["man", "--help"],
        vec!["cache", "clear", "--help"],
        vec!["fake", "serve", "--help"],
        vec!["runs", "--help"],
        vec!["runs", "show", "--help"],
    ] {
        let (code, help) = scimitar(&cmd);
        assert_eq!(code, Some(0), "{cmd:?}");
        assert!(
            !help.contains("Connection (") && !help.contains("--scim-url"),
            "{cmd:?}:\n{help}"
        );
    }
    for cmd in [
        vec!["users", "list", "--help"],
        vec!["user", "show", "--help"],
        vec!["resume", "--help"],
        vec!["undo", "--help"],
        vec!["auth", "status", "--help"],
    ] {
        let (_, help) = scimitar(&cmd);
        assert_eq!(help.matches("--scim-url <URL>").count(), 1, "{cmd:?}");
    }
    // Offline commands still accept them (scripts pass them everywhere).
    let (code, _) = scimitar(&["runs", "--scim-url", "https://x", "--timeout", "5"]);
    assert_eq!(code, Some(0));
}

#[test]
fn format_takes_table_json_and_csv_everywhere_and_text_as_table() {
    for cmd in [
        vec!["users", "list"],
        vec!["user", "show"],
        vec!["runs"],
        vec!["runs", "show"],
        vec!["runs", "verify"],
    ] {
        let mut help = cmd.clone();
        help.push("--help");
        let (_, text) = scimitar(&help);
        assert!(
            text.contains("[possible values: table, json, csv]")
                || (text.contains("- table") && text.contains("- json") && text.contains("- csv")),
            "{cmd:?}:\n{text}"
        );
    }
    let (code, out) = scimitar(&["runs", "--format", "text"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("no runs yet in "), "{out}");
    let (code, out) = scimitar(&["runs", "--format", "csv"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("started,id,state,"), "{out}");
}

/// Every `SCIMITAR_*` variable the sources read or name.
fn variables_in_sources() -> std::collections::BTreeSet<String> {
    fn walk(dir: &std::path::Path, out: &mut std::collections::BTreeSet<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for (at, _) in text.match_indices("SCIMITAR_") {
                    let name: String = text[at..]
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                        .collect();
                    out.insert(name.trim_end_matches('_').to_string());
                }
            }
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        &mut out,
    );
    out.remove("SCIMITAR");
    out
}

#[test]
fn the_man_page_has_environment_files_exit_status_and_the_tui_keys() {
    let (code, page) = scimitar(&["man"]);
    assert_eq!(code, Some(0));
    let section = |name: &str| -> String {
        let start = page
            .find(&format!(".SH {name}\n"))
            .unwrap_or_else(|| panic!("no {name} section"));
        let rest = &page[start + 4..];
        rest[..rest.find("\n.SH ").unwrap_or(rest.len())].to_string()
    };
    let env = section("ENVIRONMENT").replace("\\-", "-");
    let vars = variables_in_sources();
    assert!(vars.len() > 15, "{vars:?}");
    for v in &vars {
        assert!(
            env.contains(&format!("\\fB{v}\\fR")),
            "{v} missing from ENVIRONMENT"
        );
    }
    let files = section("FILES").replace("\\-", "-");
    for f in [
        "config.toml",
        "journals/*.jsonl",
        "journal.key",
        "oauth/PROFILE.json",
        "logs/scimitar.log",
        "users-*.cache",
    ] {
        assert!(files.contains(f), "{f} missing from FILES:\n{files}");
    }
    assert!(files.matches("0600").count() >= 6, "{files}");
    let exit = section("EXIT STATUS");
    for code in ["0", "1", "2"] {
        assert!(exit.contains(&format!("\\fB{code}\\fR")), "{exit}");
    }
    // The keys are the keymap's: every default binding's description is listed.
    let keys = section("TUI KEYS").replace("\\-", "-");
    let km = scimitar::tui::keymap::Keymap::default();
    for mode in scimitar::tui::keymap::Mode::sections().map(scimitar::tui::keymap::Mode::section) {
        for (chord, what) in km.help_rows(mode) {
            assert!(keys.contains(what), "{}: {what} ({chord})", mode.name());
        }
    }
    assert!(
        keys.contains(".SS list") && keys.contains(".SS preview"),
        "{keys}"
    );
}
