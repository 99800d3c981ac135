//! Peak memory of headless `users list --all` (json, csv, table, each with and without
//! `--last-login`, and `--workspace`, `--inactive-days`) against `scimitar fake serve` in its
//! own process, how soon the first row comes out, and the requests it took (from the log).
//! Prints figures; asserts nothing about time or memory.
//! Run: `cargo bench --bench headless_rss` (100,000 users; `-- --quick` for 10,000).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Fake {
    child: Child,
    info: serde_json::Value,
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_fake(users: usize, dir: &std::path::Path) -> Fake {
    let mut child = match Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(["fake", "serve", "--listen", "127.0.0.1:0", "--users"])
        .arg(users.to_string())
        .env("SCIMITAR_DATA_DIR", dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot start the fake: {e}"),
    };
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let info = match serde_json::from_str(&line) {
        Ok(v) => v,
        Err(e) => panic!("the fake's first line is not JSON ({e}): {line}"),
    };
    Fake { child, info }
}

/// Runs `scimitar users list --all ARGS`, reading its stdout; returns the peak RSS in kB
/// (from wait4), the time to the first byte, the whole time and the bytes written.
fn run(fake: &Fake, dir: &std::path::Path, args: &[&str]) -> (i64, Duration, Duration, usize) {
    let field = |k: &str| fake.info[k].as_str().unwrap_or_default().to_string();
    let t = Instant::now();
    let mut child = match Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(["users", "list", "--all"])
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .env("SCIMITAR_DATA_DIR", dir)
        .env("SCIMITAR_CONFIG_DIR", dir)
        .env("SCIMITAR_SCIM_URL", field("scim_url"))
        .env("SCIMITAR_AUTH_URL", field("auth_url"))
        .env("SCIMITAR_API_URL", field("api_url"))
        .env("SCIMITAR_AUTH", "token")
        .env("SCIMITAR_LOGIN", field("login"))
        .env("SCIMITAR_PASSWORD", field("password"))
        .env("SCIMITAR_RATE_LIMIT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot start scimitar: {e}"),
    };
    let mut out = match child.stdout.take() {
        Some(o) => o,
        None => panic!("no stdout"),
    };
    let mut buf = vec![0u8; 64 * 1024];
    let mut first = None;
    let mut bytes = 0;
    loop {
        match out.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                first.get_or_insert_with(|| t.elapsed());
                bytes += n;
            }
        }
    }
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped; both pointers are to live locals.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if r != pid {
        panic!("wait4 failed");
    }
    (
        usage.ru_maxrss,
        first.unwrap_or_default(),
        t.elapsed(),
        bytes,
    )
}

/// The requests of the last `users list`, from the line it logs (`users list: N requests`).
fn last_requests(dir: &std::path::Path) -> String {
    let log = std::fs::read_to_string(dir.join("logs").join("scimitar.log")).unwrap_or_default();
    log.lines()
        .rev()
        .find_map(|l| l.split("users list: ").nth(1))
        .and_then(|r| r.split(' ').next())
        .unwrap_or("?")
        .to_string()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let users = if quick { 10_000 } else { 100_000 };
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let fake = start_fake(users, dir.path());
    println!(
        "headless_rss: users list --all of {users} users, the fake in its own process, no rate limit"
    );
    for (label, args) in [
        ("json", vec!["--format", "json"]),
        ("csv", vec!["--format", "csv"]),
        ("table", vec!["--format", "table"]),
        (
            "json --last-login",
            vec!["--format", "json", "--last-login"],
        ),
        ("csv --last-login", vec!["--format", "csv", "--last-login"]),
        (
            "table --last-login",
            vec!["--format", "table", "--last-login"],
        ),
        (
            "--workspace (json)",
            vec!["--format", "json", "--workspace", "__first__"],
        ),
        (
            "--inactive-days 30 (json)",
            vec!["--format", "json", "--inactive-days", "30"],
        ),
    ] {
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                if *a == "__first__" {
                    first_workspace(&fake, dir.path())
                } else {
                    (*a).to_string()
                }
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (rss, first, all, bytes) = run(&fake, dir.path(), &args);
        let dir = dir.path();
        println!(
            "  {label:<26} peak RSS {:.1} MB ({rss} kB), first byte after {first:.2?}, all {:.1} MiB after {all:.2?}, {} requests",
            rss as f64 / 1000.0,
            bytes as f64 / (1024.0 * 1024.0),
            last_requests(dir)
        );
    }
}

/// The id of a workspace the tenant's first user has.
fn first_workspace(fake: &Fake, dir: &std::path::Path) -> String {
    let field = |k: &str| fake.info[k].as_str().unwrap_or_default().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(["users", "list", "--format", "json", "--count", "5"])
        .env_clear()
        .env("HOME", dir)
        .env("SCIMITAR_DATA_DIR", dir)
        .env("SCIMITAR_CONFIG_DIR", dir)
        .env("SCIMITAR_SCIM_URL", field("scim_url"))
        .env("SCIMITAR_AUTH_URL", field("auth_url"))
        .env("SCIMITAR_API_URL", field("api_url"))
        .env("SCIMITAR_AUTH", "token")
        .env("SCIMITAR_LOGIN", field("login"))
        .env("SCIMITAR_PASSWORD", field("password"))
        .output();
    let v: serde_json::Value = out
        .ok()
        .and_then(|o| serde_json::from_slice(&o.stdout).ok())
        .unwrap_or_default();
    v.as_array()
        .into_iter()
        .flatten()
        .flat_map(|u| u["workspaces"].as_array().cloned().unwrap_or_default())
        .find_map(|w| w["id"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no workspace among the first users"))
}
