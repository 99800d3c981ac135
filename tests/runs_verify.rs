//! `scimitar runs verify` and `--verify`: real runs of the binary against the fake on
//! 127.0.0.1, reconciled with the fake's audit log (dropped events, late events, a change by
//! another administrator, the refusals).

mod support;

use std::time::Duration;

use scimitar::fake::Faults;
use scimitar::scim::model::User;
use support::apply_filter;
use support::inproc::{Cli, config, id_filter, start};

/// Active users holding at least two workspaces, the API account left out.
fn targets(fake: &scimitar::fake::FakeServer, n: usize) -> Vec<User> {
    fake.users()
        .into_iter()
        .filter(|u| u.user_name != fake.login && u.active && u.workspaces.len() >= 2)
        .take(n)
        .collect()
}

/// `apply --action disable-and-remove` over `users`, then `extra`; the summary's JSON.
async fn disable_and_remove(cli: &Cli, users: &[User], extra: &[&str]) -> serde_json::Value {
    let filter = id_filter(users);
    let mut rest = vec!["--yes"];
    rest.extend_from_slice(extra);
    let out = cli
        .run(&apply_filter(&filter, "disable-and-remove", &rest))
        .await;
    assert!(matches!(out.code, Some(0 | 1)), "{out:?}");
    out.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disable_and_remove_run_is_verified_and_the_history_says_so() {
    let fake = start(config(200)).await;
    let users = targets(&fake, 4);
    let cli = Cli::new(&fake);
    let run = disable_and_remove(&cli, &users, &[]).await;
    let id = run["batch_id"].as_str().unwrap().to_string();
    let before = cli.run(&["runs", "--format", "json"]).await.json();
    assert_eq!(before["runs"][0]["verification"]["state"], "not_checked");

    let out = cli.run(&["runs", "verify", &id, "--format", "json"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert_eq!(v["state"], "verified", "{v}");
    assert_eq!(v["matching"], "per_workspace");
    let expected: usize = users.iter().map(|u| 1 + u.workspaces.len()).sum();
    assert_eq!(v["totals"]["users"], 4);
    assert_eq!(v["totals"]["expected"], expected);
    assert_eq!(v["totals"]["found"], expected);

    let after = cli.run(&["runs", "--format", "json"]).await.json();
    assert_eq!(after["runs"][0]["verification"]["state"], "verified");
    let table = cli.run(&["runs"]).await;
    assert!(table.stdout.contains("verified"), "{table:?}");
    let show = cli.run(&["runs", "show", &id]).await;
    assert!(show.stdout.contains("audit:     verified"), "{show:?}");
    let csv = cli.run(&["runs", "verify", &id, "--format", "csv"]).await;
    assert_eq!(csv.code, Some(0), "{csv:?}");
    assert_eq!(csv.stdout.lines().count(), 1 + expected, "{csv:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_events_name_exactly_the_users_they_belong_to() {
    let fake = start(config(300)).await;
    let users = targets(&fake, 12);
    fake.set_faults(Faults {
        audit_drop_percent: 25.0,
        ..Faults::default()
    });
    let cli = Cli::new(&fake);
    let run = disable_and_remove(&cli, &users, &[]).await;
    let id = run["batch_id"].as_str().unwrap();
    let dropped = fake.audit_dropped();
    assert!(!dropped.is_empty(), "the seed drops some events");
    let mut want: Vec<String> = users
        .iter()
        .filter(|u| dropped.iter().any(|d| d.1 == u.id))
        .map(|u| u.user_name.clone())
        .collect();
    want.sort();
    let out = cli.run(&["runs", "verify", id, "--format", "json"]).await;
    assert_eq!(out.code, Some(1), "{out:?}");
    let v = out.json();
    assert_eq!(v["state"], "incomplete");
    let mut got: Vec<String> = v["missing_users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(got, want);
    assert_eq!(v["totals"]["missing"], dropped.len());
    let table = cli.run(&["runs", "verify", id]).await;
    assert!(table.stdout.contains("MISSING"), "{table:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_re_enabled_by_another_account_is_changed_since() {
    let fake = start(config(200)).await;
    let users = targets(&fake, 3);
    let cli = Cli::new(&fake);
    let run = disable_and_remove(&cli, &users, &[]).await;
    let id = run["batch_id"].as_str().unwrap();
    let actor = fake.console_set_active(&users[1].id, true).unwrap();
    let out = cli.run(&["runs", "verify", id, "--format", "json"]).await;
    assert_eq!(out.code, Some(1), "{out:?}");
    let v = out.json();
    assert_eq!(v["state"], "changed_since", "{v}");
    assert_eq!(v["totals"]["changed_since"], 1);
    let u = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["user_id"] == users[1].id.as_str())
        .unwrap();
    let later = &u["changed_since"][0];
    assert_eq!(
        (later["event"].as_str(), later["by"].as_str()),
        (Some("USR-3"), Some(actor.as_str()))
    );
    assert!(later["at"].as_str().is_some());
    let list = cli.run(&["runs"]).await;
    assert!(list.stdout.contains("changed since"), "{list:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_events_are_waited_for() {
    let fake = start(config(200)).await;
    let users = targets(&fake, 3);
    fake.set_faults(Faults {
        audit_lag: Duration::from_millis(2500),
        ..Faults::default()
    });
    let cli = Cli::new(&fake);
    let run = disable_and_remove(&cli, &users, &[]).await;
    let id = run["batch_id"].as_str().unwrap();
    let now = cli.run(&["runs", "verify", id, "--format", "json"]).await;
    assert_eq!(now.code, Some(1), "{now:?}");
    assert_eq!(now.json()["state"], "incomplete");
    let waited = cli
        .run(&["runs", "verify", id, "--format", "json", "--wait", "20"])
        .await;
    assert_eq!(waited.code, Some(0), "{waited:?}");
    assert_eq!(waited.json()["state"], "verified");

    // The same through apply --verify: the summary carries it.
    let more = targets(&fake, 6).split_off(3);
    let run = disable_and_remove(&cli, &more, &["--verify", "20"]).await;
    assert_eq!(run["verification"]["state"], "verified", "{run}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_and_the_missing_role_are_refused_with_what_to_do() {
    let fake = start(config(100)).await;
    let users = targets(&fake, 2);
    let mut cli = Cli::new(&fake);
    let run = disable_and_remove(&cli, &users, &[]).await;
    let id = run["batch_id"].as_str().unwrap().to_string();

    cli.env("SCIMITAR_AUTH", "bearer")
        .env("SCIMITAR_BEARER", &fake.api_key.clone());
    let out = cli.run(&["runs", "verify", &id]).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains("password, certificate or OAuth"),
        "{out:?}"
    );

    cli.env("SCIMITAR_AUTH", "token")
        .env("SCIMITAR_LOGIN", &fake.no_admin_login.clone())
        .env("SCIMITAR_PASSWORD", &fake.no_admin_password.clone());
    let out = cli.run(&["runs", "verify", &id]).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("Tenant Auditor role"), "{out:?}");
    let list = cli.run(&["runs", "--format", "json"]).await.json();
    assert_eq!(list["runs"][0]["verification"]["state"], "not_checked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_over_30_days_old_is_refused_because_anaplan_keeps_30_days() {
    let fake = start(config(100)).await;
    let users = targets(&fake, 2);
    let cli = Cli::new(&fake);
    let run = disable_and_remove(&cli, &users, &[]).await;
    let journal = run["journal"].as_str().unwrap();
    // The journal's times moved 31 days back (its seal no longer verifies; verify reads it
    // as a record, not as a capability).
    let text = std::fs::read_to_string(journal).unwrap();
    let today = &run_started(&text)[..10];
    let old = humantime::format_rfc3339_seconds(
        std::time::SystemTime::now() - Duration::from_secs(31 * 24 * 3600),
    )
    .to_string();
    std::fs::write(journal, text.replace(today, &old[..10])).unwrap();
    let out = cli.run(&["runs", "verify", journal]).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("Anaplan keeps 30 days"), "{out:?}");

    // The fake refuses a range over 30 days itself, and keeps no more.
    let http = reqwest::Client::new();
    let auth: serde_json::Value = http
        .post(format!("{}/token/authenticate", fake.auth_url))
        .basic_auth(&fake.login, Some(&fake.password))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = auth["tokenInfo"]["tokenValue"]
        .as_str()
        .unwrap()
        .to_string();
    let now = scimitar::batch::verify::now_ms();
    let r = http
        .get(format!("{}/events", fake.audit_url))
        .query(&[
            ("dateFrom", (now - 31 * 24 * 3600 * 1000).to_string()),
            ("dateTo", now.to_string()),
        ])
        .header("Authorization", format!("AnaplanAuthToken {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Date range cannot exceed 30 days")
    );
}

fn run_started(journal: &str) -> String {
    let first = journal.lines().next().unwrap();
    let i = first.find("\"started\":\"").unwrap() + "\"started\":\"".len();
    first[i..i + 20].to_string()
}

/// `apply --action keep-workspaces` on `user`, keeping `keep`: (batch id, journal path).
async fn keep_only(
    cli: &Cli,
    user: &User,
    keep: &[scimitar::scim::model::Workspace],
) -> (String, String) {
    let filter = id_filter([user]);
    let mut rest: Vec<&str> = Vec::new();
    for w in keep {
        rest.extend(["--keep", w.id.as_str()]);
    }
    rest.push("--yes");
    let out = cli
        .run(&apply_filter(&filter, "keep-workspaces", &rest))
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let run = out.json();
    let field = |k: &str| run[k].as_str().unwrap().to_string();
    (field("batch_id"), field("journal"))
}

/// `runs verify ID --format json`: (exit code, JSON).
async fn verify(cli: &Cli, id: &str) -> (Option<i32>, serde_json::Value) {
    let out = cli.run(&["runs", "verify", id, "--format", "json"]).await;
    (out.code, out.json())
}

/// The fake's users holding more than 50 workspaces (power users hold 60 or so), busiest first.
fn power_users(fake: &scimitar::fake::FakeServer) -> Vec<User> {
    let mut users: Vec<User> = fake
        .users()
        .into_iter()
        .filter(|u| u.user_name != fake.login && u.active && u.workspaces.len() > 50)
        .collect();
    users.sort_by_key(|u| std::cmp::Reverse(u.workspaces.len()));
    users
}

/// Verified, nothing changed since, every expected event found; the JSON.
async fn assert_verified(cli: &Cli, id: &str, expected: usize) -> serde_json::Value {
    let (code, v) = verify(cli, id).await;
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["state"], "verified", "{v}");
    assert_eq!(v["totals"]["changed_since"], 0, "{v}");
    assert_eq!(v["users"][0]["changed_since"], serde_json::json!([]), "{v}");
    assert_eq!(v["totals"]["expected"], expected, "{v}");
    assert_eq!(v["totals"]["found"], expected, "{v}");
    v
}

/// A keep-only of a user with more than 50 workspaces. Keeping 60 of 61 is a `replace` with
/// the first 50, then an `add` of the other 10: the fake records those 10 as removed, then
/// added. Keeping 5 of the 60 is one `replace`, and its undo two `add`s. All are the runs' own
/// events, never "changed since"; another account's change on the same user still is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keep_only_of_a_user_with_60_workspaces_is_verified_and_a_foreign_change_is_not_hidden() {
    let fake = start(config(2000)).await;
    let power = power_users(&fake);
    let user = &power[0];
    let n = user.workspaces.len();
    assert!(n > 60, "a user with more than 60 workspaces: {n}");
    let cli = Cli::new(&fake);

    let (sixty, _) = keep_only(&cli, user, &user.workspaces[..60]).await;
    assert_eq!(fake.user(&user.id).unwrap().workspaces.len(), 60);
    // The removals of every workspace past the 50th, then the re-adds of the 10 kept ones.
    let v = assert_verified(&cli, &sixty, (n - 50) + 10).await;
    let readded = v["users"][0]["expected"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "USR-21" && e["found"] == true)
        .count();
    assert_eq!(readded, 10, "{v}");

    let (five, journal) = keep_only(&cli, user, &user.workspaces[..5]).await;
    assert_eq!(fake.user(&user.id).unwrap().workspaces.len(), 5);
    assert_verified(&cli, &five, 55).await;

    // Its undo adds the 55 back (add 50, then add 5): verified the same way.
    let undo = cli.run(&["undo", &journal, "--yes"]).await;
    assert_eq!(undo.code, Some(0), "{undo:?}");
    assert_eq!(fake.user(&user.id).unwrap().workspaces.len(), 60);
    let undo_id = undo.json()["batch_id"].as_str().unwrap().to_string();
    assert_verified(&cli, &undo_id, 55).await;

    // Another account disables the user: reported on the last run, with who.
    let actor = fake.console_set_active(&user.id, false).unwrap();
    let (code, v) = verify(&cli, &undo_id).await;
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["state"], "changed_since", "{v}");
    assert_eq!(v["totals"]["changed_since"], 1, "{v}");
    let later = &v["users"][0]["changed_since"];
    assert_eq!(later.as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(
        (later[0]["event"].as_str(), later[0]["by"].as_str()),
        (Some("USR-4"), Some(actor.as_str()))
    );
}

/// An access review revoking 5 of a 60-workspace user's workspaces is sent as `replace` with
/// the first 50 kept, then `add` of the other 5: verified, nothing changed since.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_keeping_55_of_60_workspaces_is_verified() {
    let fake = start(config(200)).await;
    let user = power_users(&fake).remove(0);
    assert_eq!(user.workspaces.len(), 60);
    let cli = Cli::new(&fake);
    let sheet = cli.path("review.csv").display().to_string();
    let out = cli.run(&["review", "export", "--out", &sheet]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let text = std::fs::read_to_string(&sheet).unwrap();
    let mut rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let col = |n: &str| rows[1].iter().position(|c| c == n).unwrap();
    let (uid, wid, dec) = (col("userId"), col("workspaceId"), col("decision"));
    let revoke: Vec<&str> = user.workspaces[55..]
        .iter()
        .map(|w| w.id.as_str())
        .collect();
    for row in rows.iter_mut().skip(2) {
        if row[uid] == user.id && revoke.contains(&row[wid].as_str()) {
            row[dec] = "revoke".into();
        }
    }
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in &rows {
        w.write_record(row).unwrap();
    }
    std::fs::write(&sheet, w.into_inner().unwrap()).unwrap();
    let out = cli.run(&["review", "apply", &sheet, "--yes"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let id = out.json()["batch_id"].as_str().unwrap().to_string();
    assert_eq!(fake.user(&user.id).unwrap().workspaces.len(), 55);
    // The 10 past the 50th removed by the `replace`, the 5 kept among them added back.
    assert_verified(&cli, &id, 15).await;
}
