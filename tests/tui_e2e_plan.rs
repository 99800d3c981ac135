//! End to end in a real terminal: the built binary in tmux against `scimitar fake serve`.
//! A CSV of five users is loaded with `--csv`, its report accepted, "disable" chosen and the
//! preview reviewed; backing out changes nothing. Then the same again, confirmed by typing
//! the count, changes exactly those five. Skipped (with a notice) when tmux is missing.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_scimitar");
const WAIT: Duration = Duration::from_secs(30);

fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Kills the tmux server (own socket) and the fake on every way out of the test.
struct Guard {
    socket: String,
    fake: Child,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
        let _ = self.fake.kill();
        let _ = self.fake.wait();
    }
}

struct Env {
    vars: Vec<(String, String)>,
    dir: PathBuf,
}

impl Env {
    fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        c
    }

    /// `(userName, active)` of every user, from the headless command.
    fn users(&self) -> Vec<(String, bool)> {
        let out = self
            .command()
            .args(["users", "list", "--format", "json"])
            .output()
            .expect("run users list");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("users list JSON");
        v.as_array()
            .expect("an array of users")
            .iter()
            .map(|u| {
                (
                    u["userName"].as_str().unwrap_or_default().to_string(),
                    u["active"].as_bool().unwrap_or(false),
                )
            })
            .collect()
    }
}

fn start_fake() -> (Child, serde_json::Value) {
    let mut fake = Command::new(BIN)
        .args(["fake", "serve", "--users", "300"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the fake");
    let stdout = fake.stdout.take().expect("fake stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the fake's first line");
    let info: serde_json::Value = serde_json::from_str(&line).expect("connection JSON");
    (fake, info)
}

fn tmux(socket: &str, args: &[&str]) -> String {
    let out = Command::new("tmux")
        .arg("-L")
        .arg(socket)
        .args(args)
        .output()
        .expect("run tmux");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn screen(socket: &str) -> String {
    tmux(socket, &["capture-pane", "-p", "-t", "e2e"])
}

/// Polls the screen until `pred` holds; panics with the last screen after `WAIT`.
fn wait_for(socket: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let s = screen(socket);
        if pred(&s) {
            return s;
        }
        if start.elapsed() > WAIT {
            panic!("timed out waiting for {what}; the screen was:\n{s}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn keys(socket: &str, k: &[&str]) {
    let mut args = vec!["send-keys", "-t", "e2e"];
    args.extend_from_slice(k);
    tmux(socket, &args);
}

/// A script that sets the environment and starts the TUI, so no secret is in tmux's argv.
fn launcher(env: &Env, csv: &Path) -> PathBuf {
    let path = env.dir.join("run.sh");
    let mut f = std::fs::File::create(&path).expect("create the launcher");
    let mut text = String::from("#!/bin/sh\n");
    for (k, v) in &env.vars {
        text.push_str(&format!("export {k}='{v}'\n"));
    }
    text.push_str("export NO_COLOR=1\n");
    text.push_str(&format!("exec '{BIN}' --csv '{}'\n", csv.display()));
    f.write_all(text.as_bytes()).expect("write the launcher");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    path
}

fn start_tui(socket: &str, script: &Path) {
    tmux(
        socket,
        &[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "100",
            "-y",
            "30",
            &script.display().to_string(),
        ],
    );
}

/// From the CSV report to the preview of "disable" for the five users.
fn to_preview(socket: &str) {
    wait_for(socket, "the CSV report", |s| {
        s.contains("CSV report") && s.contains("resolved 5")
    });
    let s = screen(socket);
    assert!(
        s.contains("0 selected"),
        "nothing is selected before Enter:\n{s}"
    );
    keys(socket, &["Enter"]);
    wait_for(socket, "the selection", |s| s.contains("5 selected"));
    keys(socket, &["A"]);
    wait_for(socket, "the action menu", |s| {
        s.contains("Action for 5 selected")
    });
    keys(socket, &["Enter"]);
    wait_for(socket, "the preview", |s| {
        s.contains("Preview: disable") && s.contains("to change 5")
    });
}

#[test]
fn csv_to_preview_and_back_changes_nothing_then_a_confirmed_run_disables_five() {
    if !have_tmux() {
        eprintln!("tmux is not installed: skipping the end-to-end TUI test");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (fake, info) = start_fake();
    let socket = format!("scimitar-e2e-{}", std::process::id());
    let _guard = Guard {
        socket: socket.clone(),
        fake,
    };
    let s = |k: &str| info[k].as_str().unwrap_or_default().to_string();
    let env = Env {
        vars: vec![
            ("SCIMITAR_SCIM_URL".into(), s("scim_url")),
            ("SCIMITAR_AUTH_URL".into(), s("auth_url")),
            ("SCIMITAR_API_URL".into(), s("api_url")),
            ("SCIMITAR_LOGIN".into(), s("login")),
            ("SCIMITAR_PASSWORD".into(), s("password")),
            (
                "SCIMITAR_DATA_DIR".into(),
                dir.path().join("data").display().to_string(),
            ),
            (
                "SCIMITAR_CONFIG_DIR".into(),
                dir.path().join("config").display().to_string(),
            ),
        ],
        dir: dir.path().to_path_buf(),
    };
    let before = env.users();
    let login = s("login");
    let chosen: Vec<String> = before
        .iter()
        .filter(|(name, active)| {
            *active && !name.eq_ignore_ascii_case(&login) && !name.starts_with("scim.")
        })
        .take(5)
        .map(|(n, _)| n.clone())
        .collect();
    assert_eq!(chosen.len(), 5);
    let csv = dir.path().join("leavers.csv");
    std::fs::write(&csv, format!("email\n{}\n", chosen.join("\n"))).expect("write the CSV");
    let script = launcher(&env, &csv);

    // 1. Review, look at a request, back out: nothing is sent.
    start_tui(&socket, &script);
    to_preview(&socket);
    keys(&socket, &["p"]);
    wait_for(&socket, "the exact request", |s| {
        s.contains("PATCH /Users/")
    });
    keys(&socket, &["Escape"]);
    wait_for(&socket, "the preview again", |s| {
        !s.contains("Exact request")
    });
    keys(&socket, &["Escape"]);
    wait_for(&socket, "the action menu again", |s| {
        s.contains("Action for 5")
    });
    keys(&socket, &["Escape"]);
    wait_for(&socket, "the list", |s| !s.contains("Action for 5"));
    assert_eq!(
        env.users(),
        before,
        "backing out of the preview changed nothing"
    );
    keys(&socket, &["q"]);
    let start = Instant::now();
    while tmux(&socket, &["list-sessions"]).contains("e2e") {
        assert!(start.elapsed() < WAIT, "q did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }

    // 2. The same, confirmed by typing the count.
    start_tui(&socket, &script);
    to_preview(&socket);
    keys(&socket, &["Enter"]);
    wait_for(&socket, "the confirmation", |s| {
        s.contains("Confirm the change")
    });
    keys(&socket, &["4", "Enter"]);
    wait_for(&socket, "the refusal", |s| s.contains("nothing was sent"));
    keys(&socket, &["BSpace", "5", "Enter"]);
    let done = wait_for(&socket, "the summary", |s| s.contains("Finished: disable"));
    assert!(done.contains("changed 5"), "{done}");
    assert!(done.contains("journal"), "{done}");
    let after = env.users();
    for (name, active) in &after {
        let was = before
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| *a)
            .unwrap_or(*active);
        if chosen.contains(name) {
            assert!(!active, "{name} is disabled");
        } else {
            assert_eq!(*active, was, "{name} is untouched");
        }
    }
}
