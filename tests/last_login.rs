//! Last login from the integration API (`GET /2/0/users/{id}`): the date where the
//! credentials allow, "not available with these credentials" where they do not, and
//! `user show` printing it (text and JSON) without ever failing for it.

mod support;
use support::inproc as common;

use common::{Cli, client, config, no_admin_conn, start};
use scimitar::scim::client::{AuthMethod, LastLogin, UNAVAILABLE};

fn rfc3339(ms: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp((ms / 1000) as i64).unwrap();
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_login_where_the_credentials_allow_and_unavailable_where_not() {
    let fake = start(config(200)).await;
    let users = fake.users();
    let seen = users
        .iter()
        .find(|u| fake.last_login_ms(&u.id).is_some())
        .unwrap();
    let never = users
        .iter()
        .find(|u| fake.last_login_ms(&u.id).is_none())
        .expect("the seeded tenant has users who never logged in");
    for auth in [AuthMethod::Token, AuthMethod::Basic, AuthMethod::Bearer] {
        let c = client(&fake, auth);
        let want = rfc3339(fake.last_login_ms(&seen.id).unwrap());
        assert_eq!(
            c.last_login(&seen.id).await,
            LastLogin::At { at: want },
            "{auth:?}"
        );
        assert_eq!(c.last_login(&never.id).await, LastLogin::Never, "{auth:?}");
        let unknown = c.last_login("0123456789abcdef0123456789abcdef").await;
        assert_eq!(unknown.describe(), UNAVAILABLE, "{auth:?}");
    }
    // The account without User Admin may not read other users there.
    let c = scimitar::scim::ScimClient::new(no_admin_conn(&fake, AuthMethod::Token)).unwrap();
    assert_eq!(c.last_login(&seen.id).await.describe(), UNAVAILABLE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_show_prints_the_last_login_or_why_not() {
    let fake = start(config(200)).await;
    let u = fake
        .users()
        .into_iter()
        .find(|u| u.user_name != fake.login && fake.last_login_ms(&u.id).is_some())
        .unwrap();
    let at = rfc3339(fake.last_login_ms(&u.id).unwrap());
    let mut cli = Cli::new(&fake);
    let out = cli.run(&["user", "show", &u.user_name]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let line = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("last login"))
        .unwrap_or_else(|| panic!("no last login line: {out:?}"));
    // `2026-03-01T09:14:05Z` is shown as `2026-03-01 09:14 UTC`.
    assert!(
        line.ends_with(&format!("{} {} UTC", &at[..10], &at[11..16])),
        "{line} (want {at})"
    );
    let out = cli.run(&["user", "show", &u.id, "--format", "json"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert_eq!(v["lastLogin"]["state"], "known", "{v}");
    assert_eq!(v["lastLogin"]["at"], at.as_str(), "{v}");
    assert_eq!(v["userName"], u.user_name.as_str());

    // An integration API that answers 404 (or none at all): the user is still shown.
    cli.env("SCIMITAR_API_URL", &format!("{}/no-such-api", fake.api_url));
    let out = cli.run(&["user", "show", &u.id]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains(&format!("last login    {UNAVAILABLE}")),
        "{out:?}"
    );
    let out = cli.run(&["user", "show", &u.id, "--format", "json"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert_eq!(v["lastLogin"]["state"], "unavailable", "{v}");
    assert_eq!(v["lastLogin"]["reason"], UNAVAILABLE, "{v}");
}
