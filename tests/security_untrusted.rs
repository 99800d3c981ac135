//! Safety rails against a hostile tenant (`fake serve --hostile`, DESIGN.md safety model 7):
//! server text never drives the terminal (headless outputs and a tmux capture), CSV cells are
//! not formulas, the API user is protected under every auth method, a journal or plan from
//! one tenant is refused on another tenant on the same host, and the cost of removing
//! workspace access is stated before the change.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;
use support::fake::FakeInfo;
use support::{Env, Fake, Run, Sandbox, Tmux, apply_csv, apply_filter, bin, scimitar, wait_until};

/// Ids of the hostile users `--hostile` seeds (see src/fake/hostile.rs).
fn hostile_ids() -> Vec<String> {
    (1..=8).map(|i| format!("bad1{i:028x}")).collect()
}

fn is_c1(c: char) -> bool {
    ('\u{80}'..='\u{9f}').contains(&c)
}

fn is_raw_bidi_or_invisible(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// No ESC at all (headless output has no styling), no C1, no bidi or zero-width character,
/// no other C0 control but newline.
fn assert_clean(what: &str, text: &str) {
    for (i, c) in text.char_indices() {
        let bad = c == '\u{1b}'
            || is_c1(c)
            || is_raw_bidi_or_invisible(c)
            || (c.is_control() && c != '\n')
            || c == '\u{7f}';
        if bad {
            let around: String = text[i..].chars().take(80).collect();
            panic!("{what}: raw U+{:04X} at byte {i}: {around:?}", c as u32);
        }
    }
}

fn assert_run_clean(what: &str, r: &Run) {
    assert_ne!(r.code(), Some(101), "{what} panicked:\n{}", r.describe());
    assert!(!r.stderr.contains("panicked"), "{what}:\n{}", r.describe());
    assert_clean(&format!("stdout of `{what}`"), &r.stdout);
    assert_clean(&format!("stderr of `{what}`"), &r.stderr);
}

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

fn hostile_csv(sandbox: &Sandbox) -> String {
    let p = sandbox.path().join("hostile.csv");
    std::fs::write(&p, format!("id\n{}\n", hostile_ids().join("\n"))).unwrap();
    p.display().to_string()
}

#[test]
fn hostile_text_never_reaches_the_terminal_and_csv_cells_are_not_formulas() {
    let fake = Fake::start_with(&["--users", "20", "--hostile"]);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake);
    let csv = hostile_csv(&sandbox);
    let mut runs: Vec<(String, Vec<String>)> = vec![
        ("users list".into(), owned(&["users", "list"])),
        (
            "users list --all".into(),
            owned(&["users", "list", "--all"]),
        ),
        (
            "users list --format csv".into(),
            owned(&["users", "list", "--format", "csv"]),
        ),
        (
            "users list --format json".into(),
            owned(&["users", "list", "--format", "json"]),
        ),
        (
            "users list --filter".into(),
            owned(&[
                "users",
                "list",
                "--filter",
                "userName eq \"bidi\u{202E}gpj.exe@hostile.example\"",
            ]),
        ),
    ];
    for id in hostile_ids() {
        runs.push((format!("user show {id}"), owned(&["user", "show", &id])));
        runs.push((
            format!("user show {id} --format json"),
            owned(&["user", "show", &id, "--format", "json"]),
        ));
    }
    for action in ["remove-workspaces", "disable-and-remove", "disable"] {
        runs.push((
            format!("apply --dry-run {action}"),
            owned(&apply_csv(&csv, action, &["--dry-run"])),
        ));
    }
    let bad = format!("bad0{:028x}", 2);
    runs.push((
        "apply --dry-run keep-workspaces".into(),
        owned(&apply_csv(
            &csv,
            "keep-workspaces",
            &["--keep", &bad, "--dry-run"],
        )),
    ));
    // A keep naming no workspace: the error lists near names from the server.
    runs.push((
        "apply --keep unknown".into(),
        owned(&apply_csv(&csv, "keep-workspaces", &["--keep", "a"])),
    ));
    for (what, args) in &runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = scimitar(&env, &args);
        assert_run_clean(what, &r);
        if !what.contains("unknown") {
            assert_eq!(r.code(), Some(0), "{what}:\n{}", r.describe());
        }
    }

    // JSON stays exact: the escape is there, escaped by JSON.
    let r = scimitar(
        &env,
        &["user", "show", &hostile_ids()[0], "--format", "json"],
    );
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        v["givenName"]
            .as_str()
            .is_some_and(|s| s.starts_with('\u{1b}')),
        "{}",
        r.stdout
    );

    // CSV: formula cells get a leading `'`; --csv-raw turns it off.
    let r = scimitar(&env, &["users", "list", "--all", "--format", "csv"]);
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let formula = rows
        .iter()
        .find(|r| &r[0] == hostile_ids()[5].as_str())
        .expect("the formula user");
    assert_eq!(&formula[1], "'=cmd|' /C calc'!A0@hostile.example");
    assert_eq!(&formula[2], "'@SUM(A1:A9)");
    assert_eq!(&formula[5], "'+SUM(1,2)");
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {cell:?}"
            );
        }
    }
    let raw = scimitar(
        &env,
        &["users", "list", "--all", "--format", "csv", "--csv-raw"],
    );
    assert!(
        raw.stdout.contains("\n=cmd") || raw.stdout.contains(",=cmd|"),
        "{}",
        raw.stdout.len()
    );

    // A real run on the hostile users: stderr clean, the report CSV neutralised.
    let r = scimitar(&env, &apply_csv(&csv, "disable-and-remove", &["--yes"]));
    assert_run_clean("apply --yes", &r);
    assert_eq!(r.code(), Some(0), "{}", r.describe());
    let summary: Value = serde_json::from_str(&r.stdout).unwrap();
    let report = std::fs::read_to_string(summary["report_csv"].as_str().unwrap()).unwrap();
    assert!(
        report.contains("'=cmd|' /C calc'!A0@hostile.example"),
        "{report}"
    );
    assert!(!report.contains(",=cmd"), "{report}");
    assert!(!report.contains('\u{1b}'), "{report}");
    assert!(
        report.lines().next().unwrap().ends_with(",tenant"),
        "{report}"
    );
    assert!(
        report.contains(" (customer "),
        "the report names the tenant: {report}"
    );
    let journal = summary["journal"].as_str().unwrap().to_string();
    let r = scimitar(&env, &["undo", &journal, "--dry-run"]);
    assert_run_clean("undo --dry-run", &r);
}

#[test]
fn the_tui_shows_hostile_names_without_obeying_them() {
    if !support::tmux::available("the hostile TUI test") {
        return;
    }
    let fake = Fake::start_with(&["--users", "2", "--hostile"]);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake);
    let t = Tmux::start(120, 30, &env, &[bin()]);
    t.wait_text("loaded 10 / 10");
    let list = t.screen_with_escapes();
    assert_screen_clean("the user list", &list);
    assert!(t.screen().contains("<U+202E>"), "{}", t.screen());
    // The detail of the user with a hyperlink and a screen clear in its workspaces.
    t.keys(&["G"]);
    for _ in 0..3 {
        t.keys(&["k"]);
    }
    t.keys(&["Enter"]);
    t.wait_text("workspaces (");
    assert_screen_clean("a hostile user's details", &t.screen_with_escapes());
    t.keys(&["w"]);
    t.wait_text("Workspaces");
    assert_screen_clean("the workspace list", &t.screen_with_escapes());
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}

/// tmux's own styling is SGR (`ESC [ … m`); any other ESC came from the data.
fn assert_screen_clean(what: &str, screen: &str) {
    let mut rest = String::new();
    let mut chars = screen.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            let mut seq = String::from("\u{1b}[");
            chars.next();
            while let Some(&n) = chars.peek() {
                seq.push(n);
                chars.next();
                if !(n.is_ascii_digit() || n == ';' || n == ':') {
                    break;
                }
            }
            assert!(
                seq.ends_with('m'),
                "{what}: a non-SGR escape {seq:?} on screen"
            );
            continue;
        }
        rest.push(c);
    }
    assert_clean(what, &rest);
}

/// `scimitar apply --filter filter --action action` and then `rest`.
fn run_apply(env: &Env, filter: &str, action: &str, rest: &[&str]) -> Run {
    scimitar(env, &apply_filter(filter, action, rest))
}

#[test]
fn the_api_user_is_protected_under_basic_token_and_bearer() {
    let fake = Fake::start(10);
    let sandbox = Sandbox::new();
    let token = sandbox.env().connect_to(&fake);
    let basic = token.clone().set("SCIMITAR_AUTH", "basic");
    let bearer = token
        .clone()
        .set("SCIMITAR_AUTH", "bearer")
        .unset("SCIMITAR_LOGIN")
        .unset("SCIMITAR_PASSWORD")
        .set("SCIMITAR_BEARER", fake.info.api_key.clone());
    let filter = format!("userName eq \"{}\"", fake.info.login);
    for (what, env) in [("token", &token), ("basic", &basic), ("bearer", &bearer)] {
        let r = run_apply(env, &filter, "disable", &["--yes"]);
        assert_eq!(r.code(), Some(0), "{what}:\n{}", r.describe());
        let s: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(
            (s["protected"].as_u64(), s["changed"].as_u64()),
            (Some(1), Some(0)),
            "{what}:\n{}",
            r.describe()
        );
        assert!(
            r.stderr.contains("is the API user this tool signs in as"),
            "{what}:\n{}",
            r.stderr
        );
    }
    let show = scimitar(&token, &["user", "show", &fake.info.login]);
    assert!(show.stdout.contains("active        yes"), "{}", show.stdout);

    // Bearer without integration API access: who signs in is unknown, so no change is made
    // until --api-user names it; then it is protected.
    let blind = bearer.clone().set(
        "SCIMITAR_API_URL",
        format!("{}/no-such-api", fake.info.api_url),
    );
    let r = run_apply(&blind, &filter, "disable", &["--dry-run"]);
    assert_eq!(r.code(), Some(0), "{}", r.describe());
    assert!(
        r.stderr.contains("API user UNKNOWN") && r.stderr.contains("tenant not verified"),
        "{}",
        r.stderr
    );
    let r = run_apply(&blind, &filter, "disable", &["--yes"]);
    assert_eq!(r.code(), Some(2), "{}", r.describe());
    assert!(r.stderr.contains("--api-user"), "{}", r.stderr);
    let r = run_apply(
        &blind,
        &filter,
        "disable",
        &["--yes", "--api-user", &fake.info.login],
    );
    assert_eq!(r.code(), Some(0), "{}", r.describe());
    let s: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (s["protected"].as_u64(), s["changed"].as_u64()),
        (Some(1), Some(0)),
        "{}",
        r.describe()
    );
}

/// `scimitar fake serve` on a given address with a customer id; retried while the port is
/// still held by a fake that was just stopped.
struct Served {
    child: Child,
    info: FakeInfo,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(listen: &str, customer: &str) -> Served {
    let sandbox = Sandbox::new();
    wait_until(&format!("a fake on {listen}"), || {
        let mut cmd = Command::new(bin());
        cmd.args([
            "fake",
            "serve",
            "--users",
            "10",
            "--listen",
            listen,
            "--customer-id",
            customer,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
        sandbox.env().apply(&mut cmd);
        let mut child = cmd.spawn().expect("spawn the fake");
        let mut line = String::new();
        let read = match child.stdout.take() {
            Some(out) => BufReader::new(out).read_line(&mut line),
            None => Ok(0),
        };
        match read {
            Ok(n) if n > 0 => {
                let info: FakeInfo = serde_json::from_str(line.trim()).expect("connection JSON");
                Some(Served { child, info })
            }
            _ => {
                let _ = child.wait();
                None
            }
        }
    })
}

fn env_for(sandbox: &Sandbox, i: &FakeInfo) -> Env {
    sandbox
        .env()
        .set("SCIMITAR_SCIM_URL", i.scim_url.clone())
        .set("SCIMITAR_AUTH_URL", i.auth_url.clone())
        .set("SCIMITAR_API_URL", i.api_url.clone())
        .set("SCIMITAR_AUTH", "token")
        .set("SCIMITAR_LOGIN", i.login.clone())
        .set("SCIMITAR_PASSWORD", i.password.clone())
}

#[test]
fn a_journal_or_plan_from_one_tenant_is_refused_on_another_on_the_same_host() {
    let sandbox = Sandbox::new();
    let a = serve("127.0.0.1:0", "CUSTOMER-AAA");
    let port = a
        .info
        .scim_url
        .split(':')
        .nth(2)
        .and_then(|p| p.split('/').next())
        .unwrap()
        .to_string();
    let env_a = env_for(&sandbox, &a.info);
    let list = scimitar(&env_a, &["users", "list", "--format", "json"]);
    let users: Value = serde_json::from_str(&list.stdout).unwrap();
    let victim = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_string())
        .find(|n| *n != a.info.login)
        .unwrap();
    let filter = format!("userName eq \"{victim}\"");
    let journal = sandbox.path().join("a.jsonl").display().to_string();
    let plan = sandbox.path().join("a.plan.json").display().to_string();
    let r = run_apply(
        &env_a,
        &filter,
        "disable",
        &["--yes", "--journal", &journal],
    );
    assert_eq!(r.code(), Some(0), "{}", r.describe());
    assert!(r.stderr.contains("customer CUSTOMER-AAA"), "{}", r.stderr);
    let r = run_apply(
        &env_a,
        &filter,
        "enable",
        &["--dry-run", "--save-plan", &plan],
    );
    assert_eq!(r.code(), Some(0), "{}", r.describe());
    drop(a);

    // Another tenant, same host and port, same users, another customer id.
    let b = serve(&format!("127.0.0.1:{port}"), "CUSTOMER-BBB");
    let env_b = env_for(&sandbox, &b.info);
    for (what, args) in [
        ("resume", vec!["resume", journal.as_str(), "--yes"]),
        ("undo", vec!["undo", journal.as_str(), "--yes"]),
        (
            "apply --plan",
            vec!["apply", "--plan", plan.as_str(), "--yes"],
        ),
    ] {
        let r = scimitar(&env_b, &args);
        assert_eq!(r.code(), Some(2), "{what}:\n{}", r.describe());
        assert!(
            r.stderr.contains("CUSTOMER-AAA")
                && r.stderr.contains("CUSTOMER-BBB")
                && r.stderr.contains("nothing was sent"),
            "{what}:\n{}",
            r.stderr
        );
    }
    // The same tenant again accepts its own journal.
    drop(b);
    let a2 = serve(&format!("127.0.0.1:{port}"), "CUSTOMER-AAA");
    let r = scimitar(
        &env_for(&sandbox, &a2.info),
        &["undo", &journal, "--dry-run"],
    );
    assert_eq!(r.code(), Some(0), "{}", r.describe());
}

#[test]
fn the_headless_preview_states_the_cost_of_removing_workspace_access() {
    let fake = Fake::start(30);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake);
    let r = run_apply(&env, "active eq true", "remove-workspaces", &["--dry-run"]);
    assert_eq!(r.code(), Some(0), "{}", r.describe());
    let cost = r
        .stderr
        .lines()
        .find(|l| l.contains("COST:"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(
        cost.contains("model roles and selective access")
            && cost.contains("undo restores workspace membership only")
            && cost.contains(" users will lose access to ")
            && cost.contains("NO WORKSPACE LEFT"),
        "{cost}"
    );
    assert!(
        r.stderr.contains("= keeps no workspace: NO WORKSPACE LEFT"),
        "{}",
        r.stderr
    );
    // Disable alone removes no access: no cost line.
    let r = run_apply(&env, "active eq true", "disable", &["--dry-run"]);
    assert!(!r.stderr.contains("COST:"), "{}", r.stderr);
}

fn wait_gone(pid: u32) {
    wait_until(&format!("process {pid} to end"), || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Gone, or a zombie waiting for its parent.
        (stat.is_empty() || stat.contains(") Z ")).then_some(())
    });
}

#[test]
fn a_hangup_mid_run_stops_quietly_and_leaves_the_journal_whole() {
    let fake = Fake::start_with(&["--users", "120", "--latency-ms", "30"]);
    let sandbox = Sandbox::new();
    let env = sandbox
        .env()
        .connect_to(&fake)
        .set("SCIMITAR_RATE_LIMIT", "0");
    let journal = sandbox.path().join("hup.jsonl");
    let mut cmd = Command::new(bin());
    cmd.args(apply_filter("active eq true", "disable", &["--yes"]))
        .args(["--max-users", "1000", "--concurrency", "1", "--journal"])
        .arg(&journal)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    env.apply(&mut cmd);
    let child = cmd.spawn().expect("spawn apply");
    let pid = child.id();
    wait_until("a few journal records", || {
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        (text.lines().count() >= 6).then_some(())
    });
    let hup = Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .expect("kill -HUP");
    assert!(hup.success());
    let out = child.wait_with_output().expect("wait for apply");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Stopped by its own hand (1: some users left), not killed by the signal, no panic.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("stopping"), "{stderr}");
    let state = scimitar::batch::JournalState::read(&journal).expect("a whole journal");
    assert!(
        !state.remaining().is_empty(),
        "the run was not stopped early"
    );
    let text = std::fs::read_to_string(&journal).unwrap();
    for line in text.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("torn record {line:?}: {e}"));
    }
    let r = scimitar(
        &env,
        &[
            "resume",
            &journal.display().to_string(),
            "--yes",
            "--concurrency",
            "8",
        ],
    );
    assert_eq!(r.code(), Some(0), "{}", r.describe());
}

#[test]
fn the_tui_ends_quietly_when_its_terminal_goes_away() {
    if !support::tmux::available("the lost-terminal test") {
        return;
    }
    let fake = Fake::start(50);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake);
    let t = Tmux::start(100, 30, &env, &[bin()]);
    t.wait_text("loaded 50 / 50");
    let pid = wait_until("the scimitar process", || t.command_pid());
    // Closing the terminal: the pane's pty goes away and the process gets SIGHUP.
    drop(t);
    wait_gone(pid);
    let log = std::fs::read_to_string(sandbox.data_dir().join("logs").join("scimitar.log"))
        .unwrap_or_default();
    assert!(!log.contains("panicked"), "{log}");
}
