//! scimitar against any SCIM 2.0 server, not only the fake that agrees with it: every bulk
//! action × (apply, undo, resume after `kill -9`) × (the fake as Anaplan, the fake as a
//! strict RFC 7644 server, the independent `scim2-server`). Each cell runs the real binary
//! and ends by reading the server's users with plain HTTP GETs (not scimitar's client) and
//! comparing them user by user with what the plan promised, plus the summary's counts and
//! the exit code. A test prints its row of the matrix, then fails if any cell failed.
//!
//! Also: CSV lookups against a server that refuses long `or` filters, a lying or endless
//! listing, a huge `Retry-After`, a 401 with an empty HTML body, and `| head`.

mod support;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::scim2::{Scim2Server, SeedUser};
use support::state::{Tenant, UserState, read_tenant};
use support::{Env, Fake, Run, Sandbox, scimitar, timeout, wait_until};

/// A server under test and how to reach it.
struct Server {
    kind: Box<Kind2>,
    /// A slow relay scimitar goes through (resume cells), so that a run can be killed in
    /// the middle while the test reads the server directly and fast.
    relay: Option<u16>,
}

enum Kind2 {
    Fake(Box<Fake>),
    Scim2(Scim2Server),
}

fn port_of(url: &str) -> u16 {
    url.trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no loopback port in {url}"))
}

impl Server {
    fn new(kind: Kind2, slow: bool) -> Server {
        let mut s = Server {
            kind: Box::new(kind),
            relay: None,
        };
        if slow {
            let port = port_of(&s.scim_url());
            s.relay = Some(support::slow::relay(port, Duration::from_millis(150)));
        }
        s
    }

    fn scim_url(&self) -> String {
        match &*self.kind {
            Kind2::Fake(f) => f.info.scim_url.clone(),
            Kind2::Scim2(s) => s.scim_url.clone(),
        }
    }

    fn authorization(&self) -> String {
        match &*self.kind {
            Kind2::Fake(f) => format!("Bearer {}", f.info.api_key),
            Kind2::Scim2(s) => s.authorization(),
        }
    }

    /// A URL of this server as scimitar is given it (through the relay, if any).
    fn for_cli(&self, url: &str) -> String {
        match self.relay {
            Some(relay) => url.replace(
                &format!("127.0.0.1:{}/", port_of(url)),
                &format!("127.0.0.1:{relay}/"),
            ),
            None => url.to_string(),
        }
    }

    /// The environment scimitar runs with: token auth to the fake; a bearer token to the
    /// independent server, which has no auth service and no workspace list (its URLs are
    /// given the SCIM base, where they answer 404).
    fn env(&self, sandbox: &Sandbox) -> Env {
        let env = sandbox.env().set("SCIMITAR_RATE_LIMIT", "0");
        match &*self.kind {
            Kind2::Fake(f) => env
                .connect_to(f)
                .set("SCIMITAR_SCIM_URL", self.for_cli(&f.info.scim_url))
                .set("SCIMITAR_AUTH_URL", self.for_cli(&f.info.auth_url))
                .set("SCIMITAR_API_URL", self.for_cli(&f.info.api_url)),
            Kind2::Scim2(s) => {
                let url = self.for_cli(&s.scim_url);
                env.set("SCIMITAR_SCIM_URL", url.clone())
                    .set("SCIMITAR_AUTH_URL", url.clone())
                    .set("SCIMITAR_API_URL", url)
                    .set("SCIMITAR_AUTH", "bearer")
                    .set("SCIMITAR_BEARER", s.token())
                    // No users/me here, so the API user is named, as an operator would.
                    .set("SCIMITAR_API_USER", "scim-integration@example.com")
            }
        }
    }

    /// The API account itself: never chosen (scimitar protects it).
    fn api_login(&self) -> Option<String> {
        match &*self.kind {
            Kind2::Fake(f) => Some(f.info.login.to_ascii_lowercase()),
            Kind2::Scim2(_) => None,
        }
    }

    fn state(&self) -> Tenant {
        read_tenant(&self.scim_url(), &self.authorization())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    FakeAnaplan,
    FakeRfc,
    Independent,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::FakeAnaplan => "fake --dialect anaplan",
            Kind::FakeRfc => "fake --dialect rfc",
            Kind::Independent => "scim2-server",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Apply,
    Undo,
    Resume,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::Apply => "apply",
            Mode::Undo => "undo",
            Mode::Resume => "resume after kill -9",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Disable,
    Enable,
    RemoveWorkspaces,
    KeepWith,
    KeepWithout,
    DisableAndRemove,
    KeepOver50,
}

const CASES: [Case; 7] = [
    Case::KeepOver50,
    Case::Enable,
    Case::Disable,
    Case::RemoveWorkspaces,
    Case::KeepWith,
    Case::KeepWithout,
    Case::DisableAndRemove,
];

impl Case {
    fn label(self) -> &'static str {
        match self {
            Case::Disable => "disable",
            Case::Enable => "enable",
            Case::RemoveWorkspaces => "remove-workspaces",
            Case::KeepWith => "keep (holding it)",
            Case::KeepWithout => "keep (not holding it)",
            Case::DisableAndRemove => "disable-and-remove",
            Case::KeepOver50 => "keep >50",
        }
    }
}

/// The independent server's tenant: 65 workspaces (one, "Board Pack", shared by many),
/// 24 users with 0 to 4 workspaces, some inactive, and one user with 60 workspaces.
fn independent_tenant() -> Vec<SeedUser> {
    let kinds = ["FP&A", "Sales", "Supply Chain", "Workforce", "IT Cost"];
    let ws: Vec<(String, String)> = (0..65u64)
        .map(|i| {
            let name = if i == 0 {
                "Board Pack".to_string()
            } else {
                format!("{} Planning {i:02}", kinds[i as usize % kinds.len()])
            };
            (format!("{:032x}", 0x5eed_0000_0000_u64 + i * 7919), name)
        })
        .collect();
    let mut users: Vec<SeedUser> = (0..24usize)
        .map(|i| {
            let mut held: Vec<(String, String)> = Vec::new();
            if i % 3 == 0 {
                held.push(ws[0].clone());
            }
            for k in 0..(i % 4) {
                held.push(ws[1 + (i * 7 + k * 3) % 30].clone());
            }
            SeedUser {
                user_name: format!("user{i:02}@example.com"),
                given_name: format!("Given{i:02}"),
                family_name: "Tester".into(),
                active: i % 6 != 5,
                workspaces: held,
            }
        })
        .collect();
    users.push(SeedUser {
        user_name: "power.user@example.com".into(),
        given_name: "Power".into(),
        family_name: "User".into(),
        active: true,
        workspaces: ws[..60].to_vec(),
    });
    users
}

fn start(kind: Kind, mode: Mode, test: &str) -> Option<Server> {
    let slow = mode == Mode::Resume;
    match kind {
        Kind::FakeAnaplan | Kind::FakeRfc => {
            let dialect = if kind == Kind::FakeRfc {
                "rfc"
            } else {
                "anaplan"
            };
            let fake = Fake::start_with(&["--users", "70", "--seed", "9", "--dialect", dialect]);
            Some(Server::new(Kind2::Fake(Box::new(fake)), slow))
        }
        Kind::Independent => {
            let s = Scim2Server::start(test)?;
            s.seed(&independent_tenant());
            Some(Server::new(Kind2::Scim2(s), slow))
        }
    }
}

/// The users a case runs on and what it does to them.
struct Chosen {
    ids: Vec<String>,
    args: Vec<String>,
    /// The workspace ids kept, for keep-workspaces.
    keep: Option<BTreeSet<String>>,
}

/// Picks up to `n` unused users that satisfy `pred`, in id order.
fn pick(
    before: &Tenant,
    used: &mut HashSet<String>,
    skip: &Option<String>,
    n: usize,
    pred: impl Fn(&UserState) -> bool,
) -> Vec<String> {
    let out: Vec<String> = before
        .iter()
        .filter(|(id, u)| {
            !used.contains(*id)
                && Some(u.user_name.to_ascii_lowercase()) != *skip
                && u.workspaces.len() <= 50
                && pred(u)
        })
        .take(n)
        .map(|(id, _)| id.clone())
        .collect();
    used.extend(out.iter().cloned());
    out
}

/// The workspace most unused users hold: (id, name).
fn shared_workspace(before: &Tenant, used: &HashSet<String>) -> (String, String) {
    let mut count: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (id, u) in before {
        if used.contains(id) || u.workspaces.len() > 50 {
            continue;
        }
        for w in &u.workspaces {
            *count.entry(w.clone()).or_default() += 1;
        }
    }
    count
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(w, _)| w)
        .expect("a workspace held by someone")
}

fn choose(
    case: Case,
    before: &Tenant,
    used: &mut HashSet<String>,
    skip: &Option<String>,
) -> Chosen {
    let action = |a: &str| vec!["--action".to_string(), a.to_string()];
    let (ids, args, keep) = match case {
        Case::Disable => {
            let mut ids = pick(before, used, skip, 2, |u| {
                u.active && !u.workspaces.is_empty()
            });
            ids.extend(pick(before, used, skip, 1, |u| !u.active));
            (ids, action("disable"), None)
        }
        Case::Enable => {
            let mut ids = pick(before, used, skip, 2, |u| !u.active);
            ids.extend(pick(before, used, skip, 1, |u| u.active));
            (ids, action("enable"), None)
        }
        Case::RemoveWorkspaces => {
            let mut ids = pick(before, used, skip, 2, |u| u.workspaces.len() >= 2);
            ids.extend(pick(before, used, skip, 1, |u| u.workspaces.is_empty()));
            (ids, action("remove-workspaces"), None)
        }
        Case::KeepWith | Case::KeepWithout => {
            let (kid, kname) = shared_workspace(before, used);
            let holds = |u: &UserState| u.workspaces.iter().any(|w| w.0 == kid);
            let ids = if case == Case::KeepWith {
                pick(before, used, skip, 3, |u| {
                    holds(u) && u.workspaces.len() >= 2
                })
            } else {
                // One holder, so the name resolves on a server with no workspace list.
                let mut ids = pick(before, used, skip, 2, |u| {
                    !holds(u) && !u.workspaces.is_empty()
                });
                ids.extend(pick(before, used, skip, 1, holds));
                ids
            };
            let mut args = action("keep-workspaces");
            // By name: the name is shared by every holder (one workspace, many users).
            args.extend(["--keep".to_string(), kname]);
            (ids, args, Some(BTreeSet::from([kid])))
        }
        Case::DisableAndRemove => {
            let mut ids = pick(before, used, skip, 2, |u| {
                u.active && !u.workspaces.is_empty()
            });
            ids.extend(pick(before, used, skip, 1, |u| {
                !u.active || u.workspaces.is_empty()
            }));
            (ids, action("disable-and-remove"), None)
        }
        Case::KeepOver50 => {
            let (id, u) = before
                .iter()
                .find(|(id, u)| !used.contains(*id) && u.workspaces.len() > 55)
                .expect("a user with more than 55 workspaces");
            used.insert(id.clone());
            let kept: BTreeSet<String> =
                u.workspaces.iter().take(55).map(|w| w.0.clone()).collect();
            let mut args = action("keep-workspaces");
            for k in &kept {
                args.extend(["--keep".to_string(), k.clone()]);
            }
            (vec![id.clone()], args, Some(kept))
        }
    };
    assert!(!ids.is_empty(), "no users for {}", case.label());
    Chosen { ids, args, keep }
}

/// What the plan promises for one user.
fn promised(case: Case, keep: &Option<BTreeSet<String>>, u: &UserState) -> UserState {
    let mut out = u.clone();
    match case {
        Case::Disable => out.active = false,
        Case::Enable => out.active = true,
        Case::RemoveWorkspaces => out.workspaces.clear(),
        Case::DisableAndRemove => {
            out.active = false;
            out.workspaces.clear();
        }
        Case::KeepWith | Case::KeepWithout | Case::KeepOver50 => {
            let keep = keep.clone().unwrap_or_default();
            out.workspaces.retain(|w| keep.contains(&w.0));
        }
    }
    out
}

fn show(u: &UserState) -> String {
    let names: Vec<String> = u
        .workspaces
        .iter()
        .map(|(id, name)| format!("{}…={name:?}", &id[..id.len().min(6)]))
        .collect();
    format!(
        "active={} workspaces[{}]={:?}",
        u.active,
        u.workspaces.len(),
        names
    )
}

/// Every user of `now` compared with `want`; the differences, readable.
fn compare(want: &Tenant, now: &Tenant) -> Vec<String> {
    let mut out = Vec::new();
    for (id, w) in want {
        match now.get(id) {
            None => out.push(format!("{} ({id}) is gone", w.user_name)),
            Some(n) if n != w => out.push(format!(
                "{}: want {}, server has {}",
                w.user_name,
                show(w),
                show(n)
            )),
            _ => {}
        }
    }
    out
}

fn summary(r: &Run) -> Result<Value, String> {
    serde_json::from_str(r.stdout.trim())
        .map_err(|e| format!("stdout is not the summary JSON ({e}):\n{}", r.describe()))
}

fn expect_counts(what: &str, r: &Run, want: &[(&str, usize)]) -> Result<(), String> {
    if r.code() != Some(0) {
        return Err(format!("{what}: exit {:?}\n{}", r.code(), tail(r)));
    }
    let s = summary(r)?;
    for (k, n) in want {
        if s[*k].as_u64() != Some(*n as u64) {
            return Err(format!(
                "{what}: `{k}` is {} (want {n}); summary {s}\n{}",
                s[*k],
                tail(r)
            ));
        }
    }
    Ok(())
}

/// The end of stderr, for a failure message.
fn tail(r: &Run) -> String {
    let lines: Vec<&str> = r.stderr.lines().collect();
    let from = lines.len().saturating_sub(8);
    lines[from..].join("\n")
}

fn write_csv(sandbox: &Sandbox, before: &Tenant, ids: &[String], name: &str) -> String {
    let path = sandbox.path().join(name);
    let mut text = String::from("email\n");
    for id in ids {
        text.push_str(&before[id].user_name);
        text.push('\n');
    }
    std::fs::write(&path, text).expect("write the CSV");
    path.display().to_string()
}

/// Lines of the journal that are records of this kind.
fn records(journal: &Path, kind: &str) -> usize {
    let tag = format!("\"record\":\"{kind}\"");
    std::fs::read_to_string(journal)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(&tag))
        .count()
}

/// The real scimitar process in `env`, with no stdin.
fn spawn(
    env: &Env,
    args: &[impl AsRef<std::ffi::OsStr>],
    stdout: Stdio,
    stderr: Stdio,
) -> std::io::Result<Child> {
    let mut cmd = Command::new(support::bin());
    cmd.args(args);
    env.apply(&mut cmd);
    cmd.stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
}

/// `scimitar apply`, killed with SIGKILL (the real process: no shell in between) as soon
/// as the server shows its first write (`written`, read directly while scimitar goes
/// through the slow relay): the other users are not started, and a user changed in several
/// requests (more than 50 kept workspaces) is left half-changed. Fails if the run ended
/// before it could be killed.
fn apply_killed(
    env: &Env,
    args: &[String],
    journal: &Path,
    written: impl Fn() -> bool,
) -> Result<(), String> {
    let mut child = spawn(env, args, Stdio::null(), Stdio::null())
        .map_err(|e| format!("spawn scimitar: {e}"))?;
    let deadline = Instant::now() + timeout();
    let mut exited = false;
    while Instant::now() < deadline {
        if child.try_wait().ok().flatten().is_some() {
            exited = true;
            break;
        }
        if written() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    if exited || records(journal, "end") > 0 {
        return Err("the run ended before the kill: nothing was interrupted".into());
    }
    if !written() {
        return Err("the run wrote nothing before the time limit".into());
    }
    Ok(())
}

fn run_cell(
    server: &Server,
    case: Case,
    mode: Mode,
    used: &mut HashSet<String>,
) -> Result<(), String> {
    let sandbox = Sandbox::new();
    let env = server.env(&sandbox);
    let before = server.state();
    let chosen = choose(case, &before, used, &server.api_login());
    let mut want = before.clone();
    let mut changing = 0;
    for id in &chosen.ids {
        let p = promised(case, &chosen.keep, &before[id]);
        if p != before[id] {
            changing += 1;
        }
        want.insert(id.clone(), p);
    }
    let n = chosen.ids.len();
    let csv = write_csv(&sandbox, &before, &chosen.ids, "users.csv");
    let journal = sandbox.path().join("run.jsonl");
    let j = journal.display().to_string();
    let mut args: Vec<String> = ["apply", "--csv", &csv, "--yes", "--journal", &j]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(chosen.args.iter().cloned());
    if mode == Mode::Resume {
        args.extend(["--concurrency".to_string(), "1".to_string()]);
        let written = || {
            let now = server.state();
            chosen.ids.iter().any(|id| now.get(id) != before.get(id))
        };
        apply_killed(&env, &args, &journal, written)?;
        let r = scimitar(&env, &["resume", &j, "--yes"]);
        expect_counts(
            "resume",
            &r,
            &[("planned", n), ("failed", 0), ("not_found", 0)],
        )?;
    } else {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = scimitar(&env, &argv);
        expect_counts(
            "apply",
            &r,
            &[
                ("planned", n),
                ("changed", changing),
                ("no_op", n - changing),
                ("failed", 0),
                ("not_found", 0),
            ],
        )?;
    }
    let diff = compare(&want, &server.state());
    if !diff.is_empty() {
        return Err(format!("after {}: {}", mode.label(), diff.join("; ")));
    }
    if mode == Mode::Undo {
        // Undo only gives back what the run took away: it re-enables and restores
        // workspaces, never disables (so undoing `enable` changes nothing).
        let mut restored = before.clone();
        let mut restoring = 0;
        for id in &chosen.ids {
            let (b, applied) = (&before[id], &want[id]);
            let mut target = b.clone();
            target.active = b.active || applied.active;
            target.workspaces.extend(applied.workspaces.iter().cloned());
            if target != *applied {
                restoring += 1;
            }
            restored.insert(id.clone(), target);
        }
        let uj = sandbox.path().join("undo.jsonl").display().to_string();
        let r = scimitar(&env, &["undo", &j, "--yes", "--undo-journal", &uj]);
        expect_counts(
            "undo",
            &r,
            &[("changed", restoring), ("failed", 0), ("not_found", 0)],
        )?;
        let diff = compare(&restored, &server.state());
        if !diff.is_empty() {
            return Err(format!("after undo: {}", diff.join("; ")));
        }
    }
    Ok(())
}

/// One row of the matrix: every case on one server in one mode, on disjoint users.
fn row(kind: Kind, mode: Mode, test: &str) {
    let Some(server) = start(kind, mode, test) else {
        return;
    };
    let mut used = HashSet::new();
    let mut failed = Vec::new();
    let mut line = format!("MATRIX | {} | {} |", kind.label(), mode.label());
    for case in CASES {
        let r = catch_unwind(AssertUnwindSafe(|| {
            run_cell(&server, case, mode, &mut used)
        }))
        .unwrap_or_else(|p| {
            Err(p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".into()))
        });
        match r {
            Ok(()) => line.push_str(&format!(" {}: pass |", case.label())),
            Err(e) => {
                line.push_str(&format!(" {}: FAIL |", case.label()));
                failed.push(format!("[{}] {e}", case.label()));
            }
        }
    }
    eprintln!("{line}");
    assert!(
        failed.is_empty(),
        "{} / {}:\n{}",
        kind.label(),
        mode.label(),
        failed.join("\n\n")
    );
}

/// One test per row, named as `start` records it.
macro_rules! matrix {
    ($($name:ident: $kind:ident, $mode:ident;)*) => {
        $(
            #[test]
            fn $name() {
                row(Kind::$kind, Mode::$mode, stringify!($name));
            }
        )*
    };
}

matrix! {
    fake_anaplan_apply: FakeAnaplan, Apply;
    fake_anaplan_undo: FakeAnaplan, Undo;
    fake_anaplan_resume: FakeAnaplan, Resume;
    fake_rfc_apply: FakeRfc, Apply;
    fake_rfc_undo: FakeRfc, Undo;
    fake_rfc_resume: FakeRfc, Resume;
    independent_apply: Independent, Apply;
    independent_undo: Independent, Undo;
    independent_resume: Independent, Resume;
}

/// Reads on the independent server: `users list --all` lists everyone, `user show` by email
/// shows the workspaces with their names.
#[test]
fn independent_reads() {
    let Some(server) = start(Kind::Independent, Mode::Apply, "independent_reads") else {
        return;
    };
    let sandbox = Sandbox::new();
    let env = server.env(&sandbox);
    let before = server.state();
    let r = scimitar(&env, &["users", "list", "--all", "--format", "json"]);
    r.assert_ok("users list --all");
    let listed: Value = serde_json::from_str(r.stdout.trim())
        .unwrap_or_else(|e| panic!("users list json ({e}):\n{}", r.describe()));
    let ids: BTreeSet<String> = listed
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.get("id").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        ids,
        before.keys().cloned().collect::<BTreeSet<_>>(),
        "{}",
        r.describe()
    );
    let (_, power) = before
        .iter()
        .find(|(_, u)| u.workspaces.len() > 50)
        .expect("the power user");
    let r = scimitar(&env, &["user", "show", &power.user_name]);
    r.assert_ok("user show");
    for (_, name) in power.workspaces.iter().take(5) {
        assert!(
            r.stdout.contains(name.as_str()),
            "{name} not shown:\n{}",
            r.describe()
        );
    }
}

/// A CSV of 30 ids resolves against a server that answers 500 to more than 10 `or` terms.
#[test]
fn csv_lookup_splits_for_a_server_with_a_filter_term_limit() {
    let fake = Fake::start_with(&["--users", "60", "--max-filter-terms", "10"]);
    let server = Server::new(Kind2::Fake(Box::new(fake)), false);
    let sandbox = Sandbox::new();
    let before = server.state();
    let login = server.api_login();
    let ids: Vec<String> = before
        .iter()
        .filter(|(_, u)| Some(u.user_name.to_ascii_lowercase()) != login)
        .take(30)
        .map(|(id, _)| id.clone())
        .collect();
    let csv = sandbox.path().join("ids.csv");
    std::fs::write(&csv, format!("id\n{}\n", ids.join("\n"))).expect("write ids.csv");
    let r = scimitar(
        &server.env(&sandbox),
        &[
            "apply",
            "--csv",
            &csv.display().to_string(),
            "--action",
            "disable",
            "--dry-run",
        ],
    );
    assert_eq!(r.code(), Some(0), "{}", r.describe());
    let s: Value = serde_json::from_str(r.stdout.trim()).expect("dry-run summary");
    assert_eq!(s["planned"], 30, "{}", r.describe());
    assert_eq!(s["not_found"], 0, "{}", r.describe());
}

/// `users list --all` ends, with an error on stderr and a failing exit code, against a
/// server whose totalResults lies and one that has a new page of new users every time.
#[test]
fn listing_ends_on_a_lying_or_endless_server() {
    for flags in [
        vec!["--users", "30", "--lie-total-results", "1000000000000"],
        vec!["--users", "30", "--endless-pages"],
    ] {
        let fake = Fake::start_with(&flags);
        let sandbox = Sandbox::new();
        // `scimitar` fails the test if the command does not end within the time limit.
        let r = scimitar(
            &sandbox
                .env()
                .connect_to(&fake)
                .set("SCIMITAR_RATE_LIMIT", "0"),
            &["users", "list", "--all", "--format", "json"],
        );
        assert!(
            matches!(r.code(), Some(1) | Some(2)),
            "{flags:?}: {}",
            r.describe()
        );
        assert!(
            !r.stderr.trim().is_empty(),
            "{flags:?}: no error:\n{}",
            r.describe()
        );
    }
}

/// A 429 with `Retry-After: 999999` is not obeyed in silence: the wait is announced on
/// stderr, capped (never the server's eleven days).
#[test]
fn a_huge_retry_after_is_capped_and_announced() {
    let fake = Fake::start_with(&[
        "--users",
        "30",
        "--throttle-first",
        "1",
        "--retry-after",
        "999999",
    ]);
    let sandbox = Sandbox::new();
    let env = sandbox
        .env()
        .connect_to(&fake)
        .set("SCIMITAR_RATE_LIMIT", "0");
    let mut child =
        spawn(&env, &["users", "list"], Stdio::null(), Stdio::piped()).expect("spawn scimitar");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let announced = wait_until("the wait to be announced on stderr", || {
        while let Ok(l) = rx.try_recv() {
            seen.push(l);
        }
        seen.iter()
            .find(|l| {
                let l = l.to_ascii_lowercase();
                l.contains("wait") || l.contains("retry")
            })
            .cloned()
    });
    let _ = child.kill();
    let _ = child.wait();
    // The line may quote what the server asked for; the wait it names first is the one
    // taken, and that is at most 2 minutes.
    let words: Vec<&str> = announced.split_whitespace().collect();
    let first_wait = words
        .windows(2)
        .find(|w| w[0].parse::<u64>().is_ok() && w[1].starts_with('s'))
        .and_then(|w| w[0].parse::<u64>().ok());
    assert!(
        first_wait.is_some_and(|s| s <= 120),
        "the wait announced is not capped at 2 minutes: {announced}"
    );
}

/// A 401 with an empty text/html body is an authentication failure, not "a proxy in the way".
#[test]
fn an_empty_html_401_is_reported_as_an_authentication_failure() {
    let fake = Fake::start_with(&["--users", "10", "--auth-failure-body", "html-empty"]);
    let sandbox = Sandbox::new();
    let env = sandbox
        .env()
        .set("SCIMITAR_SCIM_URL", fake.info.scim_url.clone())
        .set("SCIMITAR_AUTH", "bearer")
        .set("SCIMITAR_BEARER", "not-the-key")
        .set("SCIMITAR_RATE_LIMIT", "0");
    let r = scimitar(&env, &["users", "list"]);
    assert_eq!(r.code(), Some(2), "{}", r.describe());
    let e = r.stderr.to_ascii_lowercase();
    assert!(
        e.contains("authenticat") || e.contains("401"),
        "{}",
        r.describe()
    );
    assert!(!e.contains("proxy in the way"), "{}", r.describe());
}

/// `scimitar users list --all | head -1`: when the reader goes away, scimitar ends quietly
/// with exit 0. The listing is far larger than a pipe's buffer, so the write fails for sure.
#[test]
fn a_closed_stdout_ends_quietly() {
    let fake = Fake::start_with(&["--users", "3000"]);
    let sandbox = Sandbox::new();
    let env = sandbox
        .env()
        .connect_to(&fake)
        .set("SCIMITAR_RATE_LIMIT", "0");
    let mut child = spawn(
        &env,
        &["users", "list", "--all"],
        Stdio::piped(),
        Stdio::piped(),
    )
    .expect("spawn scimitar");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the first line");
    assert!(!first.trim().is_empty());
    drop(stdout); // what `head -1` does after its line
    let mut err = child.stderr.take().expect("stderr");
    let status = wait_until("scimitar to end", || child.try_wait().ok().flatten());
    let mut stderr = String::new();
    let _ = err.read_to_string(&mut stderr);
    assert_eq!(status.code(), Some(0), "stderr:\n{stderr}");
    assert!(
        !stderr.to_ascii_lowercase().contains("broken pipe"),
        "stderr:\n{stderr}"
    );
}
