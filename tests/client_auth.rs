//! The three ways to sign in, what a wrong secret or a missing role says, logout, and
//! tokens that die in the middle of a listing.

mod support;
use support::inproc as common;

use std::time::Duration;

use common::{client, config, conn, ids, list_opts, no_admin_conn, start, with_latency};
use scimitar::fake::FakeConfig;
use scimitar::scim::client::AuthMethod;
use scimitar::scim::{ListOptions, ScimClient, ScimError};
use secrecy::SecretString;

const METHODS: [AuthMethod; 3] = [AuthMethod::Basic, AuthMethod::Token, AuthMethod::Bearer];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_auth_method_lists_users() {
    let fake = start(config(300)).await;
    let want = ids(&fake.users());
    for m in METHODS {
        let c = client(&fake, m);
        let r = c
            .list_all(None, ListOptions::default(), |_| {})
            .await
            .unwrap_or_else(|e| panic!("{m:?}: {e}"));
        assert_eq!(ids(&r.users), want, "{m:?}");
        let one = c.get_user(&want[7]).await.unwrap();
        assert_eq!(one.id, want[7]);
    }
    // Only the token method talks to the auth service, once.
    assert_eq!(fake.stats().kind("authenticate"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_unauthorized_and_names_the_variable() {
    let fake = start(config(50)).await;
    for m in METHODS {
        let mut c = conn(&fake, m);
        c.secret = Some(SecretString::from("not-the-secret".to_string()));
        let c = ScimClient::new(c).unwrap();
        let e = c.list_page(None, 1, 10).await.expect_err("wrong secret");
        assert!(matches!(e, ScimError::Unauthorized { .. }), "{m:?}: {e:?}");
        let msg = e.to_string();
        let var = if m == AuthMethod::Bearer {
            "SCIMITAR_BEARER"
        } else {
            "SCIMITAR_PASSWORD"
        };
        assert!(msg.contains(var), "{m:?}: {msg}");
        // Only the variable of the method in use: the client tells the error which it is.
        let other = if m == AuthMethod::Bearer {
            "SCIMITAR_PASSWORD"
        } else {
            "SCIMITAR_BEARER"
        };
        assert!(!msg.contains(other), "{m:?}: {msg}");
        assert!(!msg.contains("not-the-secret"), "the secret leaked: {msg}");
    }
    // A refused password is not retried (repeated failures can lock the account).
    assert_eq!(fake.stats().kind("authenticate"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_without_user_admin_is_forbidden_on_every_method() {
    let fake = start(config(50)).await;
    for m in METHODS {
        let c = ScimClient::new(no_admin_conn(&fake, m)).unwrap();
        let e = c
            .list_all(None, ListOptions::default(), |_| {})
            .await
            .expect_err("no User Admin");
        assert!(matches!(e, ScimError::Forbidden { .. }), "{m:?}: {e:?}");
        assert!(e.to_string().contains("User Admin"), "{m:?}: {e}");
        let e = c.get_user(&fake.admin_user_id).await.expect_err("get");
        assert!(matches!(e, ScimError::Forbidden { .. }), "{m:?}: {e:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session_and_the_next_call_signs_in_again() {
    let fake = start(config(50)).await;
    let c = client(&fake, AuthMethod::Token);
    c.list_page(None, 1, 10).await.unwrap();
    assert_eq!(fake.stats().kind("authenticate"), 1);
    c.logout().await;
    let s = fake.stats();
    assert_eq!(s.kind("logout"), 1);
    // The old token is gone on the server; the client does not send it again.
    let unauthorized = s.unauthorized;
    c.list_page(None, 1, 10).await.unwrap();
    let s = fake.stats();
    assert_eq!(s.kind("authenticate"), 2, "no new sign-in after logout");
    assert_eq!(s.unauthorized, unauthorized, "a dead token was sent");
    // A second logout ends the second session; Basic has nothing to end.
    c.logout().await;
    assert_eq!(fake.stats().kind("logout"), 2);
    client(&fake, AuthMethod::Basic).logout().await;
    assert_eq!(fake.stats().kind("logout"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logged_out_token_is_refused_by_the_fake() {
    // The behaviour the client relies on: after logout, the token gets 401 everywhere.
    let fake = start(config(20)).await;
    let http = reqwest::Client::new();
    let body: serde_json::Value = http
        .post(format!("{}/token/authenticate", fake.auth_url))
        .basic_auth(&fake.login, Some(&fake.password))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = body["tokenInfo"]["tokenValue"]
        .as_str()
        .unwrap()
        .to_string();
    let users = |t: String| {
        http.get(format!("{}/Users?count=1", fake.scim_url))
            .header("Authorization", format!("AnaplanAuthToken {t}"))
            .send()
    };
    assert_eq!(users(token.clone()).await.unwrap().status(), 200);
    let out = http
        .post(format!("{}/token/logout", fake.auth_url))
        .header("Authorization", format!("AnaplanAuthToken {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert_eq!(users(token).await.unwrap().status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expired_in_the_middle_of_a_listing_are_renewed() {
    let fake = start(config(3000)).await;
    let c = client(&fake, AuthMethod::Token);
    let mut pages = 0;
    let r = c
        .list_all(None, list_opts(100, 2), |_| {
            pages += 1;
            if pages == 5 || pages == 20 {
                fake.expire_tokens();
            }
        })
        .await
        .expect("listing survives expired tokens");
    assert_eq!(ids(&r.users), ids(&fake.users()));
    let s = fake.stats();
    assert!(s.unauthorized >= 1, "no request met the dead token");
    assert!(c.stats().reauthentications >= 2, "{:?}", c.stats());
    assert!(s.kind("authenticate") >= 3, "{:?}", s.by_kind);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_that_outlasts_the_token_lifetime_succeeds() {
    let fake = start(with_latency(
        Duration::from_millis(60),
        FakeConfig {
            token_ttl: Duration::from_secs(1),
            ..config(2500)
        },
    ))
    .await;
    let c = client(&fake, AuthMethod::Token);
    let started = std::time::Instant::now();
    let r = c
        .list_all(None, list_opts(100, 1), |_| {})
        .await
        .expect("listing outlasting the token");
    let took = started.elapsed();
    assert_eq!(ids(&r.users), ids(&fake.users()));
    assert!(
        took > Duration::from_secs(1),
        "the listing was too quick: {took:?}"
    );
    let s = fake.stats();
    let renewals = s.kind("refresh") + s.kind("authenticate") - 1;
    assert!(
        renewals >= 1,
        "the token was never renewed: {:?}",
        s.by_kind
    );
}
