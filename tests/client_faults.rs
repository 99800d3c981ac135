//! The tenant's rate limit (429 + Retry-After), a proxy's HTML error page, and the PATCH/GET
//! round trip the batch layer depends on.

mod support;
use support::inproc as common;

use std::time::{Duration, Instant};

use common::{access_of, client, config, conn, ids, list_opts, start};
use scimitar::fake::{FakeConfig, Faults};
use scimitar::plan::set_state_requests;
use scimitar::scim::client::AuthMethod;
use scimitar::scim::{ListOptions, ScimClient, ScimError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_429_with_retry_after_is_honoured() {
    let fake = start(FakeConfig {
        faults: Faults {
            rate_limit_per_minute: Some(120),
            rate_limit_burst: Some(2),
            ..Faults::default()
        },
        ..config(800)
    })
    .await;
    let mut cn = conn(&fake, AuthMethod::Basic);
    cn.rate_per_minute = 0;
    cn.max_attempts = 10;
    let c = ScimClient::new(cn).unwrap();
    let started = Instant::now();
    let r = c
        .list_all(None, list_opts(100, 2), |_| {})
        .await
        .expect("listing under the tenant's rate limit");
    let took = started.elapsed();
    assert_eq!(ids(&r.users), ids(&fake.users()));
    let cs = c.stats();
    assert!(cs.rate_limited > 0, "{cs:?}");
    assert!(fake.stats().rate_limited > 0);
    // Every 429 said `Retry-After: 1` (or more): the client waited at least that long.
    assert!(took >= Duration::from_secs(1), "took only {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_html_page_is_a_readable_bad_response() {
    let fake = start(FakeConfig {
        faults: Faults {
            html_error_rate: 1.0,
            ..Faults::default()
        },
        ..config(50)
    })
    .await;
    let mut cn = conn(&fake, AuthMethod::Token);
    cn.max_attempts = 2;
    let c = ScimClient::new(cn).unwrap();
    let id = fake.users()[3].id.clone();
    let body = &set_state_requests(Some(false), &[], None)[0];
    let errors = [
        c.list_page(None, 1, 10).await.expect_err("list"),
        c.list_all(None, ListOptions::default(), |_| {})
            .await
            .expect_err("list_all"),
        c.get_user(&id).await.expect_err("get"),
        c.patch_user(&id, body).await.expect_err("patch"),
    ];
    for e in errors {
        let ScimError::BadResponse {
            status,
            content_type,
            snippet,
        } = &e
        else {
            panic!("not a BadResponse: {e:?}");
        };
        assert_eq!(*status, 502);
        assert!(content_type.contains("text/html"), "{content_type}");
        assert!(snippet.contains("502 Bad Gateway"), "{snippet}");
        let msg = e.to_string();
        assert!(!msg.contains('<') && !msg.contains('>'), "HTML tags: {msg}");
        assert!(msg.contains("502 Bad Gateway"), "{msg}");
    }
    assert_eq!(c.stats().retries, 4, "each call tried twice");
    assert!(fake.stats().patches.is_empty(), "nothing was changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_then_get_round_trip() {
    let fake = start(config(300)).await;
    let c = client(&fake, AuthMethod::Token);
    let u = fake
        .users()
        .into_iter()
        .find(|u| u.active && u.workspaces.len() >= 3)
        .unwrap();
    let keep: Vec<&str> = u.workspaces.iter().take(1).map(|w| w.id.as_str()).collect();

    let reqs = set_state_requests(Some(false), &u.workspaces, Some(&u.workspaces[..1]));
    assert_eq!(reqs.len(), 1);
    let reply = c.patch_user(&u.id, &reqs[0]).await.unwrap();
    assert_eq!(reply.status, 200);
    let returned = reply.user.expect("the fake answers with the user");
    assert!(!returned.active);
    assert_eq!(
        returned.workspace_ids().collect::<Vec<_>>(),
        keep,
        "PATCH answers with the updated user"
    );
    let read = c.get_user(&u.id).await.unwrap();
    assert_eq!(access_of(&read), access_of(&returned));
    assert_eq!(access_of(&fake.user(&u.id).unwrap()), access_of(&read));
    assert_eq!(read.user_name, u.user_name);
    assert_eq!(fake.stats().patches.get(&u.id), Some(&1));

    // And back: re-enable with every workspace.
    for r in set_state_requests(Some(true), &u.workspaces[..1], Some(&u.workspaces)) {
        c.patch_user(&u.id, &r).await.unwrap();
    }
    assert_eq!(access_of(&c.get_user(&u.id).await.unwrap()), access_of(&u));
    assert_eq!(access_of(&fake.user(&u.id).unwrap()), access_of(&u));
    // Found by email too, whatever the letter case.
    let by_mail = c.find_user(&u.user_name.to_uppercase()).await.unwrap();
    assert_eq!(by_mail.id, u.id);
    let missing = c.get_user("0123456789abcdef0123456789abcdef").await;
    assert!(
        matches!(missing, Err(ScimError::NotFound { .. })),
        "{missing:?}"
    );
    assert_eq!(fake.stats().kind("delete"), 0, "the client never deletes");
}
