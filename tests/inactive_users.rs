//! Last logins for the whole tenant (`GET /2/0/users`) and selection by inactivity, against the
//! fake over HTTP: the expected sets are computed from the fake's own data (its seeded last
//! logins in epoch ms), never through scimitar's date parser.

mod support;

use std::collections::BTreeSet;

use scimitar::fake::FakeConfig;
use scimitar::scim::client::AuthMethod;
use support::inproc::{Cli, client, config, start};

const DAY_MS: u64 = 86_400_000;

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Small pages, so paging and the silent cap are exercised.
fn paged(users: usize) -> FakeConfig {
    FakeConfig {
        users_page_cap: 70,
        ..config(users)
    }
}

fn ids_of(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_array()
        .expect("a JSON array")
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_ascii_lowercase())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inactivity_selects_exactly_the_users_the_fake_says_are_dormant() {
    let fake = start(paged(500)).await;
    let users = fake.users();
    let days = 200u64;
    // A margin of a minute around the threshold: no seeded login falls that close.
    let limit = now_ms() - days * DAY_MS;
    let mut inactive = BTreeSet::new();
    let mut never = BTreeSet::new();
    for u in &users {
        match fake.last_login_ms(&u.id) {
            None => {
                inactive.insert(u.id.to_ascii_lowercase());
                never.insert(u.id.to_ascii_lowercase());
            }
            Some(ms) if ms + 60_000 < limit => {
                inactive.insert(u.id.to_ascii_lowercase());
            }
            Some(ms) => assert!(ms > limit + 60_000, "a login too close to the threshold"),
        }
    }
    assert!(!never.is_empty() && inactive.len() > never.len());
    assert!(inactive.len() < users.len());

    let cli = Cli::new(&fake);
    let before = fake.stats().kind("users_list");
    let out = cli
        .run(&[
            "users",
            "list",
            "--inactive-days",
            "200",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let got = out.json();
    assert_eq!(ids_of(&got), inactive, "user by user");
    // 500 users, 70 a page whatever was asked: 8 pages, never one request per user.
    assert_eq!(fake.stats().kind("users_list") - before, 8);
    assert_eq!(fake.stats().kind("user"), 0, "no per-user reads");
    for u in got.as_array().unwrap() {
        let id = u["id"].as_str().unwrap();
        match fake.last_login_ms(id) {
            None => assert_eq!(u["lastLogin"]["state"], "never", "{u}"),
            Some(ms) => {
                assert_eq!(u["lastLogin"]["state"], "known", "{u}");
                let t = time::OffsetDateTime::from_unix_timestamp((ms / 1000) as i64).unwrap();
                let want = t
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap();
                assert_eq!(u["lastLogin"]["at"], want.as_str(), "{u}");
            }
        }
    }

    let out = cli
        .run(&["users", "list", "--never-logged-in", "--format", "json"])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(ids_of(&out.json()), never);

    // Combined with a server filter: the inactive among the disabled.
    let out = cli
        .run(&[
            "users",
            "list",
            "--inactive-days",
            "200",
            "--filter",
            "active eq false",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let disabled_inactive: BTreeSet<String> = users
        .iter()
        .filter(|u| !u.active && inactive.contains(&u.id.to_ascii_lowercase()))
        .map(|u| u.id.to_ascii_lowercase())
        .collect();
    assert_eq!(ids_of(&out.json()), disabled_inactive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_pages_until_total_size_and_joins_by_id() {
    let fake = start(paged(333)).await;
    let c = client(&fake, AuthMethod::Token);
    let logins = c.list_last_logins(|_| {}).await.unwrap();
    assert_eq!(logins.len(), 333);
    assert_eq!(logins.requests, 5, "333 users at 70 a page");
    for u in fake.users() {
        let want = fake.last_login_ms(&u.id).is_none();
        let got = logins.get(&u.id.to_ascii_uppercase());
        assert_eq!(
            got == scimitar::scim::client::LastLogin::Never,
            want,
            "{}",
            u.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_list_falls_back_to_bounded_reads_and_unavailable_is_never_selected() {
    // The account may use SCIM but not the integration API's tenant-level list.
    let fake = start(FakeConfig {
        user_list_forbidden: true,
        ..paged(300)
    })
    .await;
    let c = client(&fake, AuthMethod::Token);
    assert!(c.list_last_logins(|_| {}).await.is_err());
    let cli = Cli::new(&fake);
    let users = fake.users();
    let disabled: Vec<_> = users.iter().filter(|u| !u.active).collect();
    assert!(!disabled.is_empty());
    let limit = now_ms() - 30 * DAY_MS;
    let want: BTreeSet<String> = disabled
        .iter()
        .filter(|u| fake.last_login_ms(&u.id).is_none_or(|ms| ms < limit))
        .map(|u| u.id.to_ascii_lowercase())
        .collect();
    let args = [
        "users",
        "list",
        "--inactive-days",
        "30",
        "--filter",
        "active eq false",
        "--format",
        "json",
    ];
    let before = fake.stats();
    let out = cli.run(&args).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let after = fake.stats();
    // Bounded: one read per filtered user, never one per tenant user.
    assert_eq!(
        after.kind("user") - before.kind("user"),
        disabled.len() as u64,
        "{out:?}"
    );
    assert_eq!(after.kind("users_list") - before.kind("users_list"), 1);
    // Said once.
    assert_eq!(
        out.stderr.matches("user list was refused").count(),
        1,
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("one user at a time"), "{}", out.stderr);
    assert_eq!(ids_of(&out.json()), want);

    // The records refused too: every last login is unavailable, and nobody is selected.
    let fake = start(FakeConfig {
        user_list_forbidden: true,
        user_records_forbidden: true,
        ..paged(300)
    })
    .await;
    let cli = Cli::new(&fake);
    let disabled = fake.users().into_iter().filter(|u| !u.active).count();
    let out = cli.run(&args).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.json().as_array().unwrap().len(), 0, "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("{disabled} users were not selected")),
        "{}",
        out.stderr
    );
    // And an apply sweep over them plans nothing and says how many were unavailable.
    let out = cli
        .run(&[
            "apply",
            "--inactive-days",
            "30",
            "--filter",
            "active eq false",
            "--action",
            "remove-workspaces",
            "--dry-run",
        ])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let s = out.json();
    assert_eq!(s["to_change"], 0, "{s}");
    assert_eq!(s["last_login_unavailable"], disabled as u64, "{s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_licence_sweep_dry_run_names_the_threshold_and_each_last_login() {
    let fake = start(paged(200)).await;
    let cli = Cli::new(&fake);
    let users = fake.users();
    // One inactive user to leave alone.
    let limit = now_ms() - 365 * DAY_MS;
    let dormant: Vec<_> = users
        .iter()
        .filter(|u| u.user_name != fake.login)
        .filter(|u| fake.last_login_ms(&u.id).is_none_or(|ms| ms < limit))
        .collect();
    assert!(dormant.len() > 2);
    let spared = dormant[0];
    let exclude = cli.path("keep.csv");
    std::fs::write(&exclude, format!("email\n{}\n", spared.user_name)).unwrap();
    let before = fake.stats().kind("patch");
    let out = cli
        .run(&[
            "apply",
            "--inactive-days",
            "365",
            "--action",
            "disable",
            "--exclude-csv",
            exclude.to_str().unwrap(),
            "--dry-run",
        ])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        fake.stats().kind("patch"),
        before,
        "a dry run sends nothing"
    );
    let err = &out.stderr;
    assert!(
        err.contains("no sign-in for 365 days or more (last sign-in before "),
        "{err}"
    );
    let s = out.json();
    assert_eq!(s["excluded"], 1, "{s}");
    assert_eq!(s["last_login_unavailable"], 0, "{s}");
    let shown = dormant
        .iter()
        .filter(|u| u.id != spared.id && u.active)
        .take(3);
    for u in shown {
        let line = err
            .lines()
            .skip_while(|l| !l.contains(&format!("  {} (", u.user_name)))
            .nth(1)
            .unwrap_or_else(|| panic!("{} not in the preview:\n{err}", u.user_name));
        match fake.last_login_ms(&u.id) {
            None => assert!(line.contains("last login: never"), "{line}"),
            Some(ms) => {
                let t = time::OffsetDateTime::from_unix_timestamp((ms / 1000) as i64).unwrap();
                let day = format!("{:04}-{:02}-{:02}", t.year(), t.month() as u8, t.day());
                assert!(line.contains(&format!("last login: {day}")), "{line}");
            }
        }
    }
    assert!(
        !err.contains(&format!("  {} (", spared.user_name)),
        "the excluded user is in the preview:\n{err}"
    );
    let want_changed = dormant
        .iter()
        .filter(|u| u.id != spared.id && u.active)
        .count();
    assert_eq!(s["to_change"], want_changed as u64, "{s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_day_counts_are_refused_naming_the_range() {
    let fake = start(config(20)).await;
    let cli = Cli::new(&fake);
    for bad in ["0", "-5", "ninety"] {
        let out = cli.run(&["users", "list", "--inactive-days", bad]).await;
        assert_eq!(out.code, Some(2), "{bad}: {out:?}");
        assert!(
            out.stderr.contains("whole number from 1 to 36500"),
            "{bad}: {}",
            out.stderr
        );
    }
}
