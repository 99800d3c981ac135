//! The OAuth device grant against the fake: sign-in through `authorization_pending`, a QR
//! code and the user code on stderr, the refresh token kept 0600 and rotated on each start
//! (each one used once), `slow_down` obeyed, denial and expiry ending with exit 2, a batch
//! that outlives its access token, and `auth logout`.

mod support;
use support::inproc as common;

use std::time::Duration;

use serde_json::Value;

use common::{Cli, Output, config, json_of, mode_of, start, with_latency};
use scimitar::fake::{FakeConfig, FakeServer};
use scimitar::scim::client::AuthMethod;
use scimitar::scim::{Connection, ScimClient};

fn oauth_cli(fake: &FakeServer) -> Cli {
    let mut cli = Cli::new(fake);
    cli.env("SCIMITAR_AUTH", "oauth")
        .env("SCIMITAR_PASSWORD", "")
        .env("SCIMITAR_LOGIN", "")
        .env("SCIMITAR_OAUTH_URL", &fake.oauth_url)
        .env("SCIMITAR_CLIENT_ID", &fake.client_id);
    cli
}

fn stored(cli: &Cli) -> Option<String> {
    let text = std::fs::read_to_string(cli.path("data/oauth/default.json")).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    v["refresh_token"].as_str().map(str::to_string)
}

fn ok(what: &str, out: &Output) {
    assert_eq!(out.code, Some(0), "{what}: {out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_sign_in_once_then_each_start_rotates_the_kept_refresh_token() {
    let fake = start(FakeConfig {
        oauth_approve_after: Duration::from_millis(1500),
        ..config(30)
    })
    .await;
    let cli = oauth_cli(&fake);
    let out = cli.run(&["users", "list", "--count", "5"]).await;
    ok("first start", &out);
    assert!(out.stdout.contains("USERNAME"), "{out:?}");
    for want in [
        "/activate",
        "enter the code:",
        "user_code=",
        "Waiting for approval",
    ] {
        assert!(out.stderr.contains(want), "missing `{want}`: {out:?}");
    }
    assert!(
        out.stderr.contains('█') || out.stderr.contains('▀') || out.stderr.contains('▄'),
        "a QR code in text characters: {out:?}"
    );
    let s = fake.stats();
    assert_eq!(s.kind("device_code"), 1);
    assert!(
        s.kind("device_poll") >= 2,
        "pending at least once: {:?}",
        s.by_kind
    );
    assert_eq!(s.kind("poll_too_fast"), 0, "the client honours interval");

    let file = cli.path("data/oauth/default.json");
    assert_eq!(mode_of(&file), 0o600);
    let mut seen = vec![stored(&cli).expect("a refresh token kept")];
    for run in 1..=2 {
        let out = cli.run(&["users", "list", "--count", "5", "--no-qr"]).await;
        ok("a later start", &out);
        assert!(
            !out.stderr.contains("enter the code"),
            "run {run} asked again: {out:?}"
        );
        let now = stored(&cli).expect("still kept");
        assert!(
            !seen.contains(&now),
            "run {run}: the refresh token was not rotated"
        );
        seen.push(now);
    }
    let s = fake.stats();
    assert_eq!(
        s.kind("device_code"),
        1,
        "no new device sign-in: {:?}",
        s.by_kind
    );
    assert_eq!(s.kind("oauth_refresh"), 2, "{:?}", s.by_kind);
    assert_eq!(
        s.kind("refresh_reuse"),
        0,
        "a rotated refresh token was used twice"
    );

    let out = cli.run(&["auth", "status"]).await;
    ok("status", &out);
    assert!(
        out.stdout.contains("oauth (")
            && out
                .stdout
                .contains(&format!("signed in as: {}", fake.login)),
        "{out:?}"
    );
    assert!(out.stdout.contains("until:"), "{out:?}");

    let out = cli.run(&["auth", "logout"]).await;
    ok("logout", &out);
    assert!(out.stdout.contains("Forgot"), "{out:?}");
    assert!(!file.exists(), "the sign-in is forgotten");
    let out = cli.run(&["users", "list", "--count", "5", "--no-qr"]).await;
    ok("after logout", &out);
    assert!(
        out.stderr.contains("enter the code"),
        "signs in afresh: {out:?}"
    );
    assert!(
        !out.stderr.contains('█'),
        "--no-qr draws no QR code: {out:?}"
    );
    assert_eq!(fake.stats().kind("refresh_reuse"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_down_makes_the_client_wait_five_seconds_more() {
    let fake = start(FakeConfig {
        oauth_approve_after: Duration::ZERO,
        oauth_slow_down: 1,
        ..config(10)
    })
    .await;
    let prompts = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let p = prompts.clone();
    let conn = Connection {
        scim_url: fake.scim_url.clone(),
        auth_url: fake.auth_url.clone(),
        api_url: fake.api_url.clone(),
        auth: AuthMethod::Oauth,
        rate_per_minute: 0,
        oauth: Some(scimitar::scim::auth::oauth::OAuthSettings {
            oauth_url: fake.oauth_url.clone(),
            client_id: fake.client_id.clone(),
            store: None,
            show: Some(std::sync::Arc::new(move |_| {
                p.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            })),
        }),
        ..Connection::default()
    };
    let c = ScimClient::new(conn).unwrap();
    let page = c
        .list_page(None, 1, 5)
        .await
        .expect("signed in after slow_down");
    assert_eq!(page.users.len(), 5);
    let s = fake.stats();
    assert_eq!(prompts.load(std::sync::atomic::Ordering::Relaxed), 1);
    assert_eq!(
        s.kind("device_poll"),
        2,
        "slowed once, approved next: {:?}",
        s.by_kind
    );
    assert_eq!(
        s.kind("poll_too_fast"),
        0,
        "the client waited the longer interval"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_or_expired_sign_in_stops_with_exit_2() {
    let denied = start(FakeConfig {
        oauth_approve_after: Duration::ZERO,
        oauth_deny: true,
        ..config(10)
    })
    .await;
    let cli = oauth_cli(&denied);
    let out = cli.run(&["users", "list", "--no-qr"]).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("denied"), "{out:?}");
    assert!(stored(&cli).is_none(), "nothing kept");

    let expired = start(FakeConfig {
        oauth_approve_after: Duration::from_secs(3600),
        oauth_device_ttl: Duration::from_secs(2),
        ..config(10)
    })
    .await;
    let cli = oauth_cli(&expired);
    let out = cli.run(&["users", "list", "--no-qr"]).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains("expired before it was approved"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("panicked"), "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_outlasting_its_access_token_refreshes_with_each_token_once() {
    let fake = start(with_latency(
        Duration::from_millis(40),
        FakeConfig {
            oauth_approve_after: Duration::ZERO,
            token_ttl: Duration::from_secs(1),
            ..config(80)
        },
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cli = oauth_cli(&fake);
    common::disable_leavers(&fake, &cli, dir.path(), 30, &["--no-qr"]).await;
    let s = fake.stats();
    // 30 PATCHes at 40 ms each outlast the 1 s access token: it was renewed on the way.
    assert!(
        s.kind("oauth_refresh") >= 1,
        "access token never refreshed: {:?}",
        s.by_kind
    );
    assert_eq!(s.kind("refresh_reuse"), 0, "{:?}", s.by_kind);
    assert_eq!(s.kind("device_code"), 1, "{:?}", s.by_kind);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_refuses_a_refresh_token_used_twice() {
    let fake = start(FakeConfig {
        oauth_approve_after: Duration::ZERO,
        ..config(10)
    })
    .await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}/oauth/{p}", fake.oauth_url);
    let code = json_of(
        http.post(url("device/code"))
            .form(&[("client_id", fake.client_id.as_str())]),
    )
    .await;
    let device = code["device_code"].as_str().unwrap().to_string();
    let grant = json_of(http.post(url("token")).form(&[
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", &device),
        ("client_id", &fake.client_id),
    ]))
    .await;
    let first = grant["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string();
    let refresh = |t: String| {
        let http = http.clone();
        let u = url("token");
        let id = fake.client_id.clone();
        async move {
            let r = http
                .post(u)
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &t),
                    ("client_id", &id),
                ])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (st, next) = refresh(first.clone()).await;
    assert_eq!(st, 200, "{next}");
    assert_ne!(
        next["refresh_token"].as_str(),
        Some(first.as_str()),
        "rotated"
    );
    let (st, again) = refresh(first).await;
    assert_eq!(
        (st, again["error"].as_str()),
        (400, Some("invalid_grant")),
        "{again}"
    );
    assert_eq!(fake.stats().kind("refresh_reuse"), 1);
}
