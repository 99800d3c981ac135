//! `users list --all` with last logins streams: every format carries each user's last login
//! from the integration API's list, in server order, and a refused list beyond the one-by-one
//! bound leaves every login unavailable without one request per user. Judged against the
//! fake's own data over HTTP.

mod support;

use scimitar::fake::FakeConfig;
use support::inproc::{Cli, config, start};

/// The fake's last login of `id` as the CSV writes it (RFC 3339, or `never`).
fn want_login(fake: &scimitar::fake::FakeServer, id: &str) -> String {
    match fake.last_login_ms(id) {
        None => "never".into(),
        Some(ms) => time::OffsetDateTime::from_unix_timestamp((ms / 1000) as i64)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_joins_each_user_to_its_last_login_in_server_order() {
    let fake = start(FakeConfig {
        users_page_cap: 70,
        ..config(450)
    })
    .await;
    let users = fake.users();
    let cli = Cli::new(&fake);
    let base = ["users", "list", "--all", "--last-login", "--count", "50"];

    let out = cli.run(&[&base[..], &["--format", "json"]].concat()).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let got = out.json();
    let got = got.as_array().expect("one JSON array");
    let ids: Vec<&str> = got.iter().map(|u| u["id"].as_str().unwrap()).collect();
    let want: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, want, "every user once, in server order");
    for u in got {
        let id = u["id"].as_str().unwrap();
        match fake.last_login_ms(id) {
            None => assert_eq!(u["lastLogin"]["state"], "never", "{u}"),
            Some(_) => assert_eq!(u["lastLogin"]["at"], want_login(&fake, id), "{u}"),
        }
    }
    // 450 users at 70 a login page: 7 pages, never one request per user.
    assert_eq!(fake.stats().kind("users_list"), 7);
    assert_eq!(fake.stats().kind("user"), 0);

    let out = cli.run(&[&base[..], &["--format", "csv"]].concat()).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let mut r = csv::Reader::from_reader(out.stdout.as_bytes());
    let header = r.headers().unwrap().clone();
    assert_eq!(header.get(8), Some("last login"), "{header:?}");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), users.len());
    for (row, u) in rows.iter().zip(&users) {
        assert_eq!(row.get(0), Some(u.id.as_str()));
        assert_eq!(
            row.get(8),
            Some(want_login(&fake, &u.id).as_str()),
            "{row:?}"
        );
    }

    let out = cli.run(&[&base[..], &["--format", "table"]].concat()).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), users.len() + 1, "a header and a line a user");
    let col = lines[0].find("LAST LOGIN").expect("a LAST LOGIN column");
    assert!(lines[0][col..].contains("EXTERNAL ID"), "{}", lines[0]);
    let never = users
        .iter()
        .filter(|u| fake.last_login_ms(&u.id).is_none())
        .count();
    let said_never = lines[1..]
        .iter()
        .filter(|l| l.get(col..col + 5) == Some("never"))
        .count();
    assert_eq!(said_never, never, "the column holds each user's login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_list_over_the_one_by_one_bound_streams_every_user_as_unavailable() {
    let users = scimitar::scim::client::MAX_ONE_BY_ONE + 150;
    let fake = start(FakeConfig {
        user_list_forbidden: true,
        ..config(users)
    })
    .await;
    let cli = Cli::new(&fake);
    let out = cli
        .run(&["users", "list", "--all", "--last-login", "--format", "csv"])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let mut r = csv::Reader::from_reader(out.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), users, "every user is written");
    assert!(rows.iter().all(|row| row.get(8) == Some("unavailable")));
    assert_eq!(fake.stats().kind("user"), 0, "no per-user reads");
    assert_eq!(fake.stats().kind("users_list"), 1);
    assert_eq!(
        out.stderr.matches("more than the 2000 users").count(),
        1,
        "said once: {}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inactivity_within_a_workspace_keeps_exactly_its_dormant_members() {
    let fake = start(config(400)).await;
    let users = fake.users();
    let ws = users
        .iter()
        .flat_map(|u| u.workspaces.iter())
        .next()
        .expect("a workspace")
        .id
        .clone();
    let limit = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
        - 200 * 86_400_000;
    let want: Vec<String> = users
        .iter()
        .filter(|u| u.has_workspace(&ws))
        .filter(|u| fake.last_login_ms(&u.id).is_none_or(|ms| ms < limit))
        .map(|u| u.id.clone())
        .collect();
    assert!(!want.is_empty());
    let cli = Cli::new(&fake);
    let out = cli
        .run(&[
            "users",
            "list",
            "--workspace",
            &ws,
            "--inactive-days",
            "200",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let got: Vec<String> = out
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, want, "the dormant members, in server order");
    let members = users.iter().filter(|u| u.has_workspace(&ws)).count();
    assert!(
        out.stderr
            .contains(&format!("{} of {members} users:", want.len())),
        "{}",
        out.stderr
    );
}
