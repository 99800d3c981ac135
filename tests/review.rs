//! Access reviews end to end with the real binary over HTTP on 127.0.0.1: exported from the
//! fake, filled in as a reviewer would in a spreadsheet, applied as one plan, undone; and
//! every tampered row refused, naming its line, with nothing sent.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use scimitar::scim::client::AuthMethod;
use scimitar::scim::model::{PatchOpKind, PatchOperation, PatchRequest, workspace_entitlements};
use support::inproc::{Cli, client, config, disable_args, start};
use support::{Fake, Sandbox, scimitar, tenant_by_id};

/// A review file as rows of cells: the comment row's text, the header, the rows.
struct Sheet {
    comment: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Sheet {
    fn read(bytes: &[u8]) -> Sheet {
        let text = std::str::from_utf8(bytes).expect("UTF-8");
        let text = text.strip_prefix('\u{feff}').expect("a BOM");
        let lf = text.matches('\n').count();
        assert!(
            lf > 2 && text.matches("\r\n").count() == lf,
            "CRLF on every line"
        );
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut all: Vec<Vec<String>> = r
            .records()
            .map(|x| x.unwrap().iter().map(str::to_string).collect())
            .collect();
        let rows = all.split_off(2);
        Sheet {
            comment: all[0][0].clone(),
            header: all[1].clone(),
            rows,
        }
    }

    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap()
    }

    fn cell(&self, row: usize, name: &str) -> &str {
        &self.rows[row][self.col(name)]
    }

    fn set(&mut self, row: usize, name: &str, value: &str) {
        let c = self.col(name);
        self.rows[row][c] = value.to_string();
    }

    /// As scimitar wrote it: BOM, CRLF.
    fn write(&self) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(b"\xEF\xBB\xBF".to_vec());
        w.write_record([&self.comment]).unwrap();
        w.write_record(&self.header).unwrap();
        for r in &self.rows {
            w.write_record(r).unwrap();
        }
        w.into_inner().unwrap()
    }

    /// As a spreadsheet saves it: columns in another order and renamed in other case, every
    /// cell quoted, the comment row quoted and padded, LF, no BOM.
    fn write_as_spreadsheet(&self) -> Vec<u8> {
        let order = [
            ("userId", "User ID"),
            ("workspaceId", "Workspace ID"),
            ("userName", "USERNAME"),
            ("workspaceName", "Workspace Name"),
            ("displayName", "Display Name"),
            ("active", "Active"),
            ("lastLogin", "Last Login"),
            ("decision", "Decision"),
        ];
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .quote_style(csv::QuoteStyle::Always)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let mut comment = vec![self.comment.clone()];
        comment.resize(order.len(), String::new());
        w.write_record(&comment).unwrap();
        w.write_record(order.iter().map(|(_, shown)| *shown))
            .unwrap();
        for r in &self.rows {
            w.write_record(order.iter().map(|(name, _)| &r[self.col(name)]))
                .unwrap();
        }
        w.into_inner().unwrap()
    }
}

type State = (bool, Vec<String>);

/// Rows by user id, in file order.
fn rows_by_user(sheet: &Sheet) -> BTreeMap<String, Vec<usize>> {
    let mut out: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for i in 0..sheet.rows.len() {
        out.entry(sheet.cell(i, "userId").to_string())
            .or_default()
            .push(i);
    }
    out
}

#[test]
fn a_filled_in_review_applies_user_by_user_and_undo_puts_every_user_back() {
    let fake = Fake::start(40);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake);
    let before = tenant_by_id(&env);
    let out = sandbox.path().join("review.csv");
    let out_s = out.display().to_string();
    scimitar(&env, &["review", "export", "--out", &out_s]).assert_ok("review export");
    let again = scimitar(&env, &["review", "export", "--out", &out_s]);
    assert_eq!(again.code(), Some(2), "{}", again.describe());
    assert!(again.stderr.contains("--force"), "{}", again.stderr);

    let mut sheet = Sheet::read(&std::fs::read(&out).unwrap());
    assert!(sheet.comment.contains("tenant: "), "{}", sheet.comment);
    let held: usize = before.values().map(|(_, ws)| ws.len()).sum();
    assert_eq!(sheet.rows.len(), held, "one row per user and workspace");
    let by_user = rows_by_user(&sheet);
    let api_user = &fake.info.login;
    // Users with two workspaces or more, not the API user (protected).
    let mut picked: Vec<(&String, &Vec<usize>)> = by_user
        .iter()
        .filter(|(_, rows)| rows.len() >= 2)
        .filter(|(_, rows)| sheet.cell(rows[0], "userName") != api_user.as_str())
        .collect();
    // The user with the most workspaces first: keep-only of more than 50 is split.
    picked.sort_by_key(|(_, rows)| std::cmp::Reverse(rows.len()));
    picked.truncate(4);
    assert_eq!(picked.len(), 4, "the fake has users to review");
    assert!(
        picked[0].1.len() > 51,
        "a user with more than 50 workspaces"
    );
    let mut want: BTreeMap<String, State> = before.clone();
    let ws_of = |sheet: &Sheet, row: usize| sheet.cell(row, "workspaceId").to_string();
    let mut edits: Vec<(usize, &str)> = Vec::new();
    // A loses the first workspace, keeps the rest (empty and `keep`).
    let (a, rows) = picked[0];
    edits.push((rows[0], "revoke"));
    edits.push((rows[1], "keep"));
    let lost = ws_of(&sheet, rows[0]);
    want.get_mut(a).unwrap().1.retain(|w| *w != lost);
    // B is disabled and keeps every workspace.
    let (b, rows) = picked[1];
    edits.push((rows[0], "Disable"));
    edits.push((rows[1], "K"));
    want.get_mut(b).unwrap().0 = false;
    // C loses every workspace it had.
    let (c, rows) = picked[2];
    for &r in rows {
        edits.push((r, "r"));
    }
    want.get_mut(c).unwrap().1.clear();
    // D: kept on every row.
    for &r in picked[3].1 {
        edits.push((r, "KEEP"));
    }
    for (row, d) in edits {
        sheet.set(row, "decision", d);
    }
    let filled = sandbox.path().join("filled.csv");
    std::fs::write(&filled, sheet.write_as_spreadsheet()).unwrap();
    let filled_s = filled.display().to_string();
    // The rails of every run: the dry run sends nothing, the cap and the confirmation refuse.
    let dry = support::json(&env, &["review", "apply", &filled_s, "--dry-run"]);
    assert_eq!(dry["to_change"], 3, "{dry}");
    assert_eq!(dry["changed_since_export"], 0, "{dry}");
    let capped = scimitar(
        &env,
        &["review", "apply", &filled_s, "--yes", "--max-users", "2"],
    );
    assert_eq!(capped.code(), Some(2), "{}", capped.describe());
    assert!(capped.stderr.contains("the cap is 2"), "{}", capped.stderr);
    let unconfirmed = scimitar(&env, &["review", "apply", &filled_s]);
    assert_eq!(unconfirmed.code(), Some(2), "{}", unconfirmed.describe());
    assert!(
        unconfirmed.stderr.contains("--yes"),
        "{}",
        unconfirmed.stderr
    );
    assert_eq!(tenant_by_id(&env), before, "nothing was sent");

    let journal = sandbox.path().join("review.jsonl").display().to_string();
    let r = scimitar(
        &env,
        &[
            "review",
            "apply",
            &filled.display().to_string(),
            "--yes",
            "--journal",
            &journal,
        ],
    );
    r.assert_ok("review apply");
    let summary: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(summary["changed"], 3, "{}", r.describe());
    assert_eq!(summary["review"]["sha256"].as_str().unwrap().len(), 64);

    let after = tenant_by_id(&env);
    for (id, state) in &want {
        assert_eq!(after.get(id), Some(state), "user {id}");
    }
    assert_eq!(after.len(), want.len());

    scimitar(&env, &["undo", &journal, "--yes"]).assert_ok("undo");
    assert_eq!(
        tenant_by_id(&env),
        before,
        "every user is as before the review"
    );
}

/// Runs `review apply` on `bytes` and checks it is refused naming `line` and `value`.
async fn refused(cli: &Cli, name: &str, bytes: &[u8], line: usize, value: &str) {
    let path = cli.path(name);
    std::fs::write(&path, bytes).unwrap();
    let out = cli
        .run(&["review", "apply", &path.display().to_string(), "--yes"])
        .await;
    assert_eq!(out.code, Some(2), "{name}: {out:?}");
    assert!(
        out.stderr.contains(&format!("line {line}: ")),
        "{name}: line {line} not named: {out:?}"
    );
    assert!(
        out.stderr.contains(value),
        "{name}: `{value}` not named: {out:?}"
    );
    assert!(out.stderr.contains("nothing was sent"), "{name}: {out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_rows_are_refused_naming_their_line_and_nothing_is_sent() {
    let fake = start(config(30)).await;
    let cli = Cli::new(&fake);
    let out = cli.path("review.csv");
    let e = cli
        .run(&["review", "export", "--out", &out.display().to_string()])
        .await;
    assert_eq!(e.code, Some(0), "{e:?}");
    let mut sheet = Sheet::read(&std::fs::read(&out).unwrap());
    // Every row revoked: a file let through would send PATCHes.
    for i in 0..sheet.rows.len() {
        sheet.set(i, "decision", "revoke");
    }
    let line = |row: usize| row + 3;
    let users = rows_by_user(&sheet);
    let other_id = users
        .keys()
        .find(|id| **id != sheet.cell(0, "userId"))
        .unwrap();

    let mut s = clone(&sheet);
    s.set(0, "userId", other_id);
    refused(&cli, "user-id.csv", &s.write(), line(0), other_id).await;

    let mut s = clone(&sheet);
    s.set(1, "userName", "someone.else@contoso-group.com");
    refused(
        &cli,
        "user-name.csv",
        &s.write(),
        line(1),
        "someone.else@contoso-group.com",
    )
    .await;

    let mut s = clone(&sheet);
    let bogus = "0123456789abcdef0123456789abcdef";
    s.set(2, "workspaceId", bogus);
    refused(&cli, "workspace-id.csv", &s.write(), line(2), bogus).await;

    let mut s = clone(&sheet);
    let at = s.comment.find("tenant: ").unwrap() + "tenant: ".len();
    let end = at + s.comment[at..].find(" | ").unwrap();
    s.comment
        .replace_range(at..end, "api.anaplan.com (customer OTHER-TENANT)");
    refused(&cli, "tenant.csv", &s.write(), 1, "OTHER-TENANT").await;

    let mut s = clone(&sheet);
    let copy = s.rows[4].clone();
    s.rows.push(copy);
    let last = line(s.rows.len() - 1);
    refused(
        &cli,
        "duplicate.csv",
        &s.write(),
        last,
        &format!("already on line {}", line(4)),
    )
    .await;

    let mut s = clone(&sheet);
    s.set(5, "decision", "remove");
    refused(&cli, "decision.csv", &s.write(), line(5), "`remove`").await;

    assert_eq!(fake.stats().kind("patch"), 0, "nothing was sent");
    // The same file untampered goes through: the refusals above were the checks.
    let ok = cli.path("clean.csv");
    std::fs::write(&ok, sheet.write()).unwrap();
    let r = cli
        .run(&["review", "apply", &ok.display().to_string(), "--yes"])
        .await;
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(fake.stats().kind("patch") > 0);
}

fn clone(s: &Sheet) -> Sheet {
    Sheet {
        comment: s.comment.clone(),
        header: s.header.clone(),
        rows: s.rows.clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_granted_after_the_export_is_kept() {
    let fake = start(config(30)).await;
    let cli = Cli::new(&fake);
    let user = fake
        .users()
        .into_iter()
        .find(|u| u.user_name != fake.login && !u.workspaces.is_empty())
        .unwrap();
    let held: BTreeSet<String> = user.workspace_ids().map(str::to_ascii_lowercase).collect();
    let new = fake
        .workspaces()
        .into_iter()
        .find(|w| !held.contains(&w.id.to_ascii_lowercase()))
        .unwrap();
    let out = cli.path("review.csv");
    let e = cli
        .run(&["review", "export", "--out", &out.display().to_string()])
        .await;
    assert_eq!(e.code, Some(0), "{e:?}");
    let mut sheet = Sheet::read(&std::fs::read(&out).unwrap());
    // The reviewer revokes everything the user had.
    let rows = rows_by_user(&sheet).remove(&user.id).unwrap();
    assert_eq!(rows.len(), held.len());
    for r in rows {
        sheet.set(r, "decision", "revoke");
    }
    let filled = cli.path("filled.csv");
    std::fs::write(&filled, sheet.write()).unwrap();
    // Meanwhile an admin grants a workspace the review never saw.
    let add = PatchRequest::new(vec![PatchOperation {
        op: PatchOpKind::Add,
        path: "entitlements".into(),
        value: Some(workspace_entitlements([&new])),
    }]);
    client(&fake, AuthMethod::Token)
        .patch_user(&user.id, &add)
        .await
        .unwrap();

    let r = cli
        .run(&["review", "apply", &filled.display().to_string(), "--yes"])
        .await;
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.contains("changed since the export"), "{r:?}");
    assert!(r.stderr.contains(&user.user_name), "{r:?}");
    let now = fake.user(&user.id).unwrap();
    let ids: Vec<String> = now.workspace_ids().map(str::to_ascii_lowercase).collect();
    assert_eq!(
        ids,
        [new.id.to_ascii_lowercase()],
        "only the new workspace is left"
    );
    assert!(now.active);
}

/// A review file as two spreadsheets save it: a semicolon locale (every cell quoted, LF, no
/// BOM, columns reordered and renamed, the comment row padded) and Excel's "CSV UTF-8" (BOM,
/// CRLF, the comment row quoted and padded with commas). Both read as the same decisions.
#[test]
fn review_files_saved_by_spreadsheets_read_as_the_same_decisions() {
    use scimitar::input::review::read_review;
    use scimitar::plan::review::Decision;
    for name in ["spreadsheet_semicolon.csv", "excel_bom_crlf.csv"] {
        let bytes = std::fs::read(format!(
            "{}/tests/fixtures/review/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let f = read_review(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            f.header.tenant, "api.anaplan.com (customer 8a81b09e5f)",
            "{name}"
        );
        assert_eq!(f.header.exported, "2026-12-01T09:00:00Z", "{name}");
        assert_eq!(f.header.scope, None, "{name}");
        let got: Vec<(usize, &str, &str, &str, Decision)> = f
            .rows
            .iter()
            .map(|r| {
                (
                    r.line,
                    r.user_id.as_str(),
                    r.user_name.as_str(),
                    r.workspace_id.as_str(),
                    r.decision,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    3,
                    "u0000001",
                    "ann.lee@example.com",
                    "8a81b09e5f000001",
                    Decision::Revoke
                ),
                (
                    4,
                    "u0000001",
                    "ann.lee@example.com",
                    "8a81b09e5f000002",
                    Decision::Keep
                ),
                (
                    5,
                    "u0000002",
                    "-bob@example.com",
                    "8a81b09e5f000001",
                    Decision::Disable
                ),
                (
                    6,
                    "u0000003",
                    "carl.diaz@example.com",
                    "8a81b09e5f000003",
                    Decision::Keep
                ),
            ],
            "{name}"
        );
        assert_eq!(f.rows[3].workspace_name, "=Board Pack", "{name}");
    }
}

/// `--workspace` exports that workspace's members only, `--inactive-days` narrows them as
/// `users list --inactive-days` does, and the last login column holds a date, `never` or
/// `unavailable`.
#[test]
fn one_workspace_exported_for_its_idle_members_as_users_list_selects_them() {
    let fake = Fake::start(60);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake);
    let ws = "FP&A Planning";
    let listed = support::json(
        &env,
        &[
            "users",
            "list",
            "--workspace",
            ws,
            "--inactive-days",
            "200",
            "--format",
            "json",
        ],
    );
    let mut want: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    want.sort();
    assert!(!want.is_empty(), "the fake has idle members of {ws}");
    let out = sandbox.path().join("fpa.csv");
    let args = [
        "review",
        "export",
        "--workspace",
        ws,
        "--inactive-days",
        "200",
        "--out",
        &out.display().to_string(),
    ];
    scimitar(&env, &args).assert_ok("review export --workspace");
    let sheet = Sheet::read(&std::fs::read(&out).unwrap());
    let mut got: Vec<String> = (0..sheet.rows.len())
        .map(|i| sheet.cell(i, "userId").to_string())
        .collect();
    got.sort();
    assert_eq!(got, want);
    let ids: BTreeSet<&str> = (0..sheet.rows.len())
        .map(|i| sheet.cell(i, "workspaceId"))
        .collect();
    assert_eq!(ids.len(), 1);
    assert!(
        sheet
            .comment
            .ends_with(&format!("workspaces: {}", ids.iter().next().unwrap())),
        "{}",
        sheet.comment
    );
    for i in 0..sheet.rows.len() {
        assert_eq!(sheet.cell(i, "workspaceName"), ws);
        assert_eq!(sheet.cell(i, "decision"), "");
        let login = sheet.cell(i, "lastLogin");
        assert!(
            login == "never" || login == "unavailable" || login.ends_with('Z'),
            "{login}"
        );
    }
    // Forced over the first file: every member of the workspace, idle or not.
    let args = [
        "review",
        "export",
        "--workspace",
        ws,
        "--force",
        "--out",
        &out.display().to_string(),
    ];
    scimitar(&env, &args).assert_ok("review export --force");
    let all = Sheet::read(&std::fs::read(&out).unwrap());
    assert!(all.rows.len() >= sheet.rows.len());
    let members = tenant_by_id(&env);
    let held = members
        .values()
        .filter(|(_, w)| ids.iter().any(|id| w.iter().any(|x| x == id)))
        .count();
    assert_eq!(all.rows.len(), held);
}

/// Names that are formulas or hide characters are exported neutralised, and the file as
/// exported reads back against the same tenant: nothing disagrees.
#[test]
fn hostile_names_are_neutralised_and_the_export_applies_as_it_is() {
    let fake = Fake::start_with(&["--users", "20", "--hostile"]);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake);
    let out = sandbox.path().join("hostile.csv");
    let out_s = out.display().to_string();
    scimitar(&env, &["review", "export", "--out", &out_s]).assert_ok("review export");
    let sheet = Sheet::read(&std::fs::read(&out).unwrap());
    for row in &sheet.rows {
        for c in row {
            assert!(
                !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a formula cell: {c:?}"
            );
            assert!(
                !c.chars().any(char::is_control),
                "a control character: {c:?}"
            );
        }
    }
    let dry = support::json(&env, &["review", "apply", &out_s, "--dry-run"]);
    assert_eq!(dry["to_change"], 0, "{dry}");
    assert_eq!(
        dry["planned"].as_u64().unwrap() as usize,
        rows_by_user(&sheet).len()
    );
}

/// A review cut by a lost answer and a server that then goes down: the user of more than 50
/// workspaces had the first of its requests applied (a replace with 50, which takes the rest
/// away) and nothing more. `resume` finishes it from the journal: the user keeps exactly the
/// workspaces not revoked, those the cut took away included; undo then restores everyone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_cut_mid_user_is_finished_by_resume_and_undone() {
    use scimitar::fake::{LostAnswers, LostKind};
    let fake = start(config(40)).await;
    let cli = Cli::new(&fake);
    let before = support::inproc::snapshot(&fake);
    let out = cli.path("review.csv");
    let e = cli
        .run(&["review", "export", "--out", &out.display().to_string()])
        .await;
    assert_eq!(e.code, Some(0), "{e:?}");
    let mut sheet = Sheet::read(&std::fs::read(&out).unwrap());
    let (big, rows) = rows_by_user(&sheet)
        .into_iter()
        .filter(|(_, rows)| sheet.cell(rows[0], "userName") != fake.login)
        .max_by_key(|(_, rows)| rows.len())
        .unwrap();
    assert!(rows.len() > 51, "a user with more than 50 workspaces");
    let revoked = sheet.cell(rows[0], "workspaceId").to_ascii_lowercase();
    sheet.set(rows[0], "decision", "revoke");
    let filled = cli.path("filled.csv");
    std::fs::write(&filled, sheet.write()).unwrap();
    let journal = cli.path("review.jsonl").display().to_string();

    fake.set_lost(LostAnswers {
        kind: Some(LostKind::AppliedThen500),
        down_after: true,
        ..LostAnswers::default()
    });
    let args = ["review", "apply", &filled.display().to_string()];
    let r = cli
        .run(&[&args[..], &["--yes", "--journal", &journal]].concat())
        .await;
    assert_eq!(r.code, Some(1), "{r:?}");
    let cut = fake.user(&big).unwrap();
    assert!(cut.workspaces.len() <= 50, "the cut took workspaces away");
    fake.set_lost(LostAnswers::default());

    let r = cli.run(&["resume", &journal, "--yes"]).await;
    assert_eq!(r.code, Some(0), "{r:?}");
    let now = fake.user(&big).unwrap();
    let want: BTreeSet<String> = before[&big]
        .workspaces
        .iter()
        .filter(|w| **w != revoked)
        .cloned()
        .collect();
    let got: BTreeSet<String> = now.workspace_ids().map(str::to_ascii_lowercase).collect();
    assert_eq!(got, want, "every workspace not revoked, and only those");

    let r = cli.run(&["undo", &journal, "--yes"]).await;
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_eq!(support::inproc::snapshot(&fake), before);
}

/// While another run of the tenant holds its run lock, `review apply --yes` is refused and
/// sends nothing; `--allow-concurrent` runs it, as for `apply`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_while_another_run_is_going_is_refused_with_yes_unless_allowed() {
    use std::time::Duration;
    let fake = start(support::inproc::with_latency(
        Duration::from_millis(100),
        config(120),
    ))
    .await;
    let cli = Cli::new(&fake);
    let users: Vec<_> = fake
        .users()
        .into_iter()
        .filter(|u| u.user_name != fake.login && u.active)
        .collect();
    let reviewed = users
        .iter()
        .find(|u| !u.workspaces.is_empty())
        .unwrap()
        .clone();
    let others: Vec<_> = users
        .iter()
        .filter(|u| u.id != reviewed.id)
        .take(40)
        .cloned()
        .collect();
    let out = cli.path("review.csv");
    let e = cli
        .run(&["review", "export", "--out", &out.display().to_string()])
        .await;
    assert_eq!(e.code, Some(0), "{e:?}");
    let mut sheet = Sheet::read(&std::fs::read(&out).unwrap());
    for r in rows_by_user(&sheet).remove(&reviewed.id).unwrap() {
        sheet.set(r, "decision", "revoke");
    }
    let filled = cli.path("filled.csv");
    std::fs::write(&filled, sheet.write()).unwrap();

    let journal = cli.path("other.jsonl");
    let filter = support::inproc::id_filter(&others);
    let other = disable_args(&filter, "1", journal.to_str().unwrap());
    let running = cli.command(&other).spawn().unwrap();
    let going = support::inproc::wait_until(Duration::from_secs(30), async || {
        std::fs::read_to_string(&journal)
            .unwrap_or_default()
            .contains("\"record\":\"attempt\"")
    })
    .await;
    assert!(going, "the other run never got going");
    let filled = filled.display().to_string();
    let r = cli.run(&["review", "apply", &filled, "--yes"]).await;
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("another run of tenant"), "{r:?}");
    assert!(r.stderr.contains("--allow-concurrent"), "{r:?}");
    assert_eq!(
        fake.user(&reviewed.id).unwrap().workspaces.len(),
        reviewed.workspaces.len(),
        "the refused review changed nothing"
    );
    let r = cli
        .run(&["review", "apply", &filled, "--yes", "--allow-concurrent"])
        .await;
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(fake.user(&reviewed.id).unwrap().workspaces.is_empty());
    let done = running.wait_with_output().await.unwrap();
    assert_eq!(done.status.code(), Some(0));
}
