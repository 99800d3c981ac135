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
        (vec!["runs", "--help"], "--format"),
    ] {
        let (code, help) = scimitar(&cmd);
        assert_eq!(code, Some(0), "{help}");
        let at = |s: &str| {
            help.find(s)
                .unwrap_or_else(|| panic!("`{s}` not in {cmd:?} help:\n{help}"))
        };
        let heading = at("\nConnection (every command");
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
