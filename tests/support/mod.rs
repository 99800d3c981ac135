//! The one support module of every test file: a sandbox of isolated directories and an
//! explicit environment, a runner for the real binary with a time limit, the fake Anaplan
//! in process (`inproc.rs`) and as a child process (`fake.rs`), an independent SCIM server
//! (`scim2.rs`), a plain-HTTP reader of a server's users (`state.rs`), a small tmux harness
//! (`tmux.rs`) and plan fixtures (`plan.rs`).
//!
//! Every helper that starts something owns it and stops it on Drop, so a failing assertion
//! leaves no tmux server or fake behind.
#![allow(dead_code)]

pub mod fake;
pub mod inproc;
pub mod plan;
pub mod props;
pub mod scim2;
pub mod slow;
pub mod state;
pub mod tmux;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

#[allow(unused_imports)]
pub use fake::Fake;
#[allow(unused_imports)]
pub use tmux::Tmux;

/// `apply --filter FILTER --action ACTION`, then `rest`.
pub fn apply_filter<'a>(filter: &'a str, action: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    apply_args("--filter", filter, action, rest)
}

/// `apply --csv FILE --action ACTION`, then `rest`.
pub fn apply_csv<'a>(file: &'a str, action: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    apply_args("--csv", file, action, rest)
}

fn apply_args<'a>(
    source: &'a str,
    value: &'a str,
    action: &'a str,
    rest: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec!["apply", source, value, "--action", action];
    args.extend_from_slice(rest);
    args
}

/// The binary under test.
/// The binary under test: the one in `SCIMITAR_E2E_BIN` when set (a release build, for the
/// figures the tmux tests print), else the one cargo built with the tests.
pub fn bin() -> &'static str {
    static BIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var("SCIMITAR_E2E_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_scimitar").to_string())
    })
}

/// How long a wait may take before the test fails: `SCIMITAR_E2E_TIMEOUT` seconds, default 20.
/// Waits poll for a condition; a healthy run never comes close.
pub fn timeout() -> Duration {
    let secs = std::env::var("SCIMITAR_E2E_TIMEOUT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(20);
    Duration::from_secs(secs.max(1))
}

/// A private temporary home: data, config and HOME directories of its own.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("scimitar-e2e-")
            .tempdir()
            .expect("create a temporary directory");
        // Only HOME: the data and config directories are scimitar's to create, so the
        // modes it gives them can be checked.
        std::fs::create_dir_all(dir.path().join("home")).expect("create sandbox home");
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// The whole environment a scimitar process gets in a test: nothing is inherited but
    /// PATH, so a developer's own SCIMITAR_* variables cannot leak in.
    pub fn env(&self) -> Env {
        let mut vars = BTreeMap::new();
        vars.insert(
            "PATH".to_string(),
            std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
        );
        vars.insert("HOME".into(), self.home().display().to_string());
        vars.insert("LANG".into(), "C.UTF-8".into());
        vars.insert("TERM".into(), "xterm-256color".into());
        vars.insert(
            "SCIMITAR_DATA_DIR".into(),
            self.data_dir().display().to_string(),
        );
        vars.insert(
            "SCIMITAR_CONFIG_DIR".into(),
            self.config_dir().display().to_string(),
        );
        Env { vars }
    }

    /// The journals whose file name `screen` shows.
    pub fn journals_named_in(&self, screen: &str) -> Vec<PathBuf> {
        self.files()
            .into_iter()
            .filter(|p| {
                p.extension().is_some_and(|e| e == "jsonl")
                    && p.file_name()
                        .and_then(|f| f.to_str())
                        .is_some_and(|f| screen.contains(f))
            })
            .collect()
    }

    /// Every regular file below the sandbox's data and config directories.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        walk(&self.data_dir(), &mut out);
        walk(&self.config_dir(), &mut out);
        out
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

/// An explicit environment for a child process.
#[derive(Debug, Clone)]
pub struct Env {
    pub vars: BTreeMap<String, String>,
}

impl Env {
    pub fn set(mut self, k: &str, v: impl Into<String>) -> Env {
        self.vars.insert(k.to_string(), v.into());
        self
    }

    pub fn unset(mut self, k: &str) -> Env {
        self.vars.remove(k);
        self
    }

    /// Connection to the fake with token authentication (the default method).
    pub fn connect_to(self, fake: &Fake) -> Env {
        let i = &fake.info;
        self.set("SCIMITAR_SCIM_URL", i.scim_url.clone())
            .set("SCIMITAR_AUTH_URL", i.auth_url.clone())
            .set("SCIMITAR_API_URL", i.api_url.clone())
            .set("SCIMITAR_AUDIT_URL", i.audit_url.clone())
            .set("SCIMITAR_AUTH", "token")
            .set("SCIMITAR_LOGIN", i.login.clone())
            .set("SCIMITAR_PASSWORD", i.password.clone())
    }

    pub fn apply(&self, cmd: &mut Command) {
        cmd.env_clear();
        cmd.envs(&self.vars);
    }
}

/// What a finished command left behind.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// A readable account for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "status: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }

    pub fn assert_ok(&self, what: &str) -> &Run {
        assert_eq!(self.code(), Some(0), "{what} failed:\n{}", self.describe());
        self
    }
}

/// Runs `scimitar ARGS` with exactly `env`, stdin closed (no terminal), killed after the
/// timeout.
pub fn scimitar(env: &Env, args: &[&str]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.args(args);
    run_cmd(cmd, env)
}

pub fn run_cmd(mut cmd: Command, env: &Env) -> Run {
    env.apply(&mut cmd);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn scimitar");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + timeout();
    let status = loop {
        match child.try_wait().expect("wait for scimitar") {
            Some(s) => break s,
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let s = child.wait().expect("wait after kill");
                let stderr =
                    String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
                // Not `{cmd:?}`: Command's Debug prints the environment, secrets included.
                let argv: Vec<_> = cmd.get_args().collect();
                panic!(
                    "{:?} {argv:?} did not finish within {:?} ({s:?}); stderr:\n{stderr}",
                    cmd.get_program(),
                    timeout()
                );
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    Run {
        status,
        stdout: String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned(),
    }
}

/// Polls `f` until it returns Some or the timeout passes.
/// The JSON that `scimitar args` prints, after checking that it succeeded.
pub fn json(env: &Env, args: &[&str]) -> serde_json::Value {
    let r = scimitar(env, args);
    r.assert_ok(&format!("scimitar {args:?}"));
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e})"))
}

/// Every user the server filter selects, from the headless `users list --all`.
pub fn users_where(env: &Env, filter: &str) -> serde_json::Value {
    json(
        env,
        &[
            "users", "list", "--all", "--filter", filter, "--format", "json",
        ],
    )
}

/// `(id, userName)` of the first `n` active users a run may change: not the API user, not
/// the fake's `scim.*` accounts. Panics when there are fewer.
pub fn active_targets(env: &Env, fake: &Fake, n: usize) -> Vec<(String, String)> {
    let v = users_where(env, "active eq true");
    let login = &fake.info.login;
    let found: Vec<(String, String)> = v
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| Some((u["id"].as_str()?, u["userName"].as_str()?)))
        .filter(|(_, n)| !n.eq_ignore_ascii_case(login) && !n.starts_with("scim."))
        .take(n)
        .map(|(i, n)| (i.to_string(), n.to_string()))
        .collect();
    assert_eq!(found.len(), n, "{n} active users to change");
    found
}

/// Every user of the tenant by id, from the headless command: (active, workspace ids sorted).
pub fn tenant_by_id(env: &Env) -> BTreeMap<String, (bool, Vec<String>)> {
    let v = json(env, &["users", "list", "--all", "--format", "json"]);
    v.as_array()
        .expect("a JSON array of users")
        .iter()
        .map(|u| {
            let id = u["id"].as_str().expect("user id").to_string();
            let mut ws: Vec<String> = u["workspaces"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|w| w["id"].as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .unwrap_or_default();
            ws.sort();
            (id, (u["active"].as_bool().expect("active flag"), ws))
        })
        .collect()
}

/// Polls `f` every 50 ms until it gives a value, and panics naming `what` after
/// [`timeout`]. For tests without a runtime (a child process, tmux): it blocks the thread.
/// Async tests use `inproc::wait_until`, which awaits between polls so the in-process fake
/// on the same runtime keeps answering, and reports a miss as `false` for the test to word.
pub fn wait_until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout();
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {:?} waiting for {what}", timeout());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
