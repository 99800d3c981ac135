//! Shared by the integration tests: start the fake Anaplan on 127.0.0.1, build a client for
//! each auth method, and run the scimitar binary against it with isolated directories.
#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use secrecy::SecretString;

use scimitar::fake::{FakeConfig, FakeServer, Faults};
use scimitar::scim::client::AuthMethod;
use scimitar::scim::model::User;
use scimitar::scim::{Connection, ListOptions, ScimClient};

/// Only ever the loopback address, port chosen by the OS.
pub fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A fake with `users` users and no faults.
pub fn config(users: usize) -> FakeConfig {
    FakeConfig {
        users,
        ..FakeConfig::default()
    }
}

pub async fn start(config: FakeConfig) -> FakeServer {
    let fake = FakeServer::start(config, loopback())
        .await
        .expect("start the fake Anaplan");
    assert!(fake.addr.ip().is_loopback());
    fake
}

/// `config` with `latency` added to every request.
pub fn with_latency(latency: Duration, config: FakeConfig) -> FakeConfig {
    FakeConfig {
        faults: Faults {
            latency,
            ..config.faults
        },
        ..config
    }
}

/// Pages of `page_size` users, `concurrency` at once.
pub fn list_opts(page_size: u32, concurrency: usize) -> ListOptions {
    ListOptions {
        page_size,
        concurrency,
        ..ListOptions::default()
    }
}

/// The body of the answer to `req`, whatever its status, as text.
pub async fn text_of(req: reqwest::RequestBuilder) -> String {
    req.send().await.unwrap().text().await.unwrap()
}

/// The body of the answer to `req`, whatever its status, as JSON.
pub async fn json_of(req: reqwest::RequestBuilder) -> serde_json::Value {
    req.send().await.unwrap().json().await.unwrap()
}

/// A connection as the User Admin account, client rate limit off so the tests run at the
/// speed of the fake.
pub fn conn(fake: &FakeServer, auth: AuthMethod) -> Connection {
    let (login, secret) = match auth {
        AuthMethod::Bearer => (None, fake.api_key.clone()),
        _ => (Some(fake.login.clone()), fake.password.clone()),
    };
    Connection {
        scim_url: fake.scim_url.clone(),
        auth_url: fake.auth_url.clone(),
        api_url: fake.api_url.clone(),
        auth,
        login,
        secret: Some(SecretString::from(secret)),
        timeout: Duration::from_secs(10),
        rate_per_minute: 0,
        max_attempts: 6,
        ..Connection::default()
    }
}

/// The same as [`conn`], as the account without User Admin.
pub fn no_admin_conn(fake: &FakeServer, auth: AuthMethod) -> Connection {
    let (login, secret) = match auth {
        AuthMethod::Bearer => (None, fake.no_admin_api_key.clone()),
        _ => (
            Some(fake.no_admin_login.clone()),
            fake.no_admin_password.clone(),
        ),
    };
    Connection {
        login,
        secret: Some(SecretString::from(secret)),
        ..conn(fake, auth)
    }
}

pub fn client(fake: &FakeServer, auth: AuthMethod) -> ScimClient {
    ScimClient::new(conn(fake, auth)).expect("client")
}

pub fn ids(users: &[User]) -> Vec<String> {
    users.iter().map(|u| u.id.clone()).collect()
}

/// What a change can touch, comparable regardless of workspace order and names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub active: bool,
    pub workspaces: BTreeSet<String>,
}

pub fn access_of(u: &User) -> Access {
    Access {
        active: u.active,
        workspaces: u
            .workspaces
            .iter()
            .map(|w| w.id.to_ascii_lowercase())
            .collect(),
    }
}

pub fn snapshot(fake: &FakeServer) -> HashMap<String, Access> {
    fake.users()
        .iter()
        .map(|u| (u.id.clone(), access_of(u)))
        .collect()
}

/// Polls `cond` every 20 ms until it holds or `limit` passes; returns whether it held. The
/// condition may await (a request to the fake), so async tests poll without blocking it
/// (`support::wait_until` is the blocking one, for tests without a runtime).
pub async fn wait_until(limit: Duration, mut cond: impl AsyncFnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    loop {
        if cond().await {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The scimitar binary, pointed at a fake, with its config and data directories in a
/// temporary directory and no SCIMITAR_* or proxy variables inherited.
pub struct Cli {
    pub dir: tempfile::TempDir,
    envs: Vec<(String, String)>,
}

pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// stdout as one JSON value.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Cli {
    /// Token authentication as the User Admin account.
    pub fn new(fake: &FakeServer) -> Cli {
        let dir = tempfile::tempdir().expect("tempdir");
        let envs = vec![
            ("SCIMITAR_SCIM_URL", fake.scim_url.clone()),
            ("SCIMITAR_AUTH_URL", fake.auth_url.clone()),
            ("SCIMITAR_API_URL", fake.api_url.clone()),
            ("SCIMITAR_AUDIT_URL", fake.audit_url.clone()),
            ("SCIMITAR_AUTH", "token".into()),
            ("SCIMITAR_LOGIN", fake.login.clone()),
            ("SCIMITAR_PASSWORD", fake.password.clone()),
            ("SCIMITAR_RATE_LIMIT", "0".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Cli { dir, envs }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn env(&mut self, key: &str, value: &str) -> &mut Cli {
        self.envs.retain(|(k, _)| k != key);
        self.envs.push((key.to_string(), value.to_string()));
        self
    }

    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_scimitar"));
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().to_string();
            if k.starts_with("SCIMITAR_")
                || k.to_ascii_lowercase().ends_with("_proxy")
                || k == "RUST_LOG"
            {
                cmd.env_remove(&k);
            }
        }
        cmd.env("SCIMITAR_CONFIG_DIR", self.dir.path().join("config"))
            .env("SCIMITAR_DATA_DIR", self.dir.path().join("data"))
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("NO_COLOR", "1")
            .envs(self.envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    /// Runs to the end (at most 60 s) and collects the output.
    pub async fn run(&self, args: &[&str]) -> Output {
        let child = self.command(args).spawn().expect("spawn scimitar");
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("scimitar {args:?} did not finish in 60 s"))
            .expect("wait for scimitar");
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Result lines in a journal file (each `"record":"result"`).
pub fn journal_results(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("\"record\":\"result\""))
        .count()
}

#[cfg(unix)]
pub fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// `id eq "a" or id eq "b" ...` for these users.
pub fn id_filter<'a>(users: impl IntoIterator<Item = &'a User>) -> String {
    users
        .into_iter()
        .map(|u| format!("id eq \"{}\"", u.id))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// `config` on a server that takes one workspace per request: keeping two workspaces then
/// fails (400) for every user holding both.
pub fn one_workspace_per_request(config: FakeConfig) -> FakeConfig {
    FakeConfig {
        max_workspaces_per_request: Some(1),
        ..config
    }
}

/// Up to `n` of `users` holding both `a` and `b` and a third workspace: keeping both needs
/// a request naming two workspaces.
pub fn holding_both(users: &[User], a: &str, b: &str, n: usize) -> Vec<User> {
    holding(users, a, n, |u| {
        u.workspaces.len() >= 3 && u.has_workspace(b)
    })
}

/// Up to `n` of `users` holding `a` and another workspace, but not `b`: keeping both
/// changes them.
pub fn holding_only_first(users: &[User], a: &str, b: &str, n: usize) -> Vec<User> {
    holding(users, a, n, |u| {
        u.workspaces.len() >= 2 && !u.has_workspace(b)
    })
}

/// Up to `n` of `users` holding `a` for whom `also` holds.
fn holding(users: &[User], a: &str, n: usize, also: impl Fn(&User) -> bool) -> Vec<User> {
    users
        .iter()
        .filter(|u| u.has_workspace(a) && also(u))
        .take(n)
        .cloned()
        .collect()
}

/// The ids of the two workspaces most users hold (ties broken by id, so runs repeat).
pub fn two_commonest_workspaces(users: &[User]) -> (String, String) {
    let mut freq: HashMap<String, usize> = HashMap::new();
    for u in users {
        for w in &u.workspaces {
            *freq.entry(w.id.clone()).or_default() += 1;
        }
    }
    let mut ws: Vec<(String, usize)> = freq.into_iter().collect();
    ws.sort_by_key(|(id, n)| (std::cmp::Reverse(*n), id.clone()));
    (ws[0].0.clone(), ws[1].0.clone())
}

/// A CSV in `dir` naming by email `n` active users other than the API user, and those emails:
/// the leavers of a disable batch.
pub fn leavers_csv(fake: &FakeServer, dir: &Path, n: usize) -> (Vec<String>, PathBuf) {
    let targets: Vec<String> = fake
        .users()
        .iter()
        .filter(|u| u.active && !u.user_name.eq_ignore_ascii_case(&fake.login))
        .take(n)
        .map(|u| u.user_name.clone())
        .collect();
    let csv = dir.join("leavers.csv");
    std::fs::write(&csv, format!("email\n{}\n", targets.join("\n"))).unwrap();
    (targets, csv)
}

/// `apply --csv --action disable --yes --concurrency 1` (then `extra`) over `n` leavers,
/// checked to end with exit 0 and every leaver disabled.
pub async fn disable_leavers(fake: &FakeServer, cli: &Cli, dir: &Path, n: usize, extra: &[&str]) {
    let (targets, csv) = leavers_csv(fake, dir, n);
    let csv = csv.display().to_string();
    let mut args = vec![
        "apply",
        "--csv",
        &csv,
        "--action",
        "disable",
        "--yes",
        "--concurrency",
        "1",
    ];
    args.extend_from_slice(extra);
    let out = cli.run(&args).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_disabled(fake, &targets);
}

/// Every user named by email in `emails` is disabled on the fake.
pub fn assert_disabled(fake: &FakeServer, emails: &[String]) {
    for email in emails {
        let u = fake
            .users()
            .into_iter()
            .find(|u| &u.user_name == email)
            .unwrap();
        assert!(!u.active, "{email} still active");
    }
}

/// `apply --filter F --action disable --yes --concurrency N --journal J`: the run the
/// journal and rail tests start.
pub fn disable_args<'a>(filter: &'a str, concurrency: &'a str, journal: &'a str) -> [&'a str; 10] {
    [
        "apply",
        "--filter",
        filter,
        "--action",
        "disable",
        "--yes",
        "--concurrency",
        concurrency,
        "--journal",
        journal,
    ]
}

/// The first `n` active users, the API user left out.
pub fn active_users(fake: &FakeServer, n: usize) -> Vec<User> {
    fake.users()
        .into_iter()
        .filter(|u| u.active && u.id != fake.admin_user_id)
        .take(n)
        .collect()
}
