//! Paged listing over real HTTP against the fake: every user exactly once, in a stable
//! order, whatever the server does (repeated pages, quirky payloads, 5xx, dropped
//! connections).

mod support;
use support::inproc as common;

use std::collections::HashSet;
use std::time::Duration;

use common::{access_of, client, config, ids, list_opts as opts, start, text_of};
use scimitar::fake::{FakeConfig, Faults};
use scimitar::scim::client::AuthMethod;
use scimitar::scim::model::{PatchOpKind, PatchOperation, PatchRequest};
use scimitar::scim::{ListOptions, ScimError};

/// Pages of 100, 8 at once, expecting `hint` users.
fn hinted(hint: Option<u64>) -> ListOptions {
    ListOptions {
        expected_total: hint,
        ..opts(100, 8)
    }
}

/// Lists with `o` against `fake`; the result (or error) and the list requests it cost.
async fn walk(
    fake: &scimitar::fake::FakeServer,
    o: ListOptions,
) -> (Result<scimitar::scim::ListResult, ScimError>, u64) {
    let c = client(fake, AuthMethod::Basic);
    let before = fake.stats().kind("list");
    let r = tokio::time::timeout(Duration::from_secs(20), c.list_all(None, o, |_| {}))
        .await
        .expect("the walk ended");
    if let Ok(r) = &r {
        assert_eq!(r.requests, fake.stats().kind("list") - before, "{o:?}");
    }
    (r, fake.stats().kind("list") - before)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_users_listed_once_each_in_a_stable_order() {
    let fake = start(config(5000)).await;
    let c = client(&fake, AuthMethod::Token);
    let tenant = ids(&fake.users());

    let mut loaded_max = 0usize;
    let mut calls = 0usize;
    let first = c
        .list_all(None, opts(100, 8), |p| {
            calls += 1;
            assert_eq!(p.total, 5000);
            assert!(p.loaded >= loaded_max, "progress went backwards");
            loaded_max = p.loaded;
        })
        .await
        .expect("list_all");
    assert_eq!(loaded_max, 5000, "progress must reach every user");
    assert_eq!(calls, 50, "one progress report per page of 100");
    assert_eq!(first.total_results, 5000);
    assert!(first.skipped.is_empty(), "{:?}", first.skipped);

    let got = ids(&first.users);
    let unique: HashSet<&String> = got.iter().collect();
    assert_eq!(unique.len(), got.len(), "a user was listed twice");
    assert_eq!(got, tenant, "every user once, in the server's order");

    let second = c.list_all(None, opts(100, 3), |_| {}).await.unwrap();
    assert_eq!(ids(&second.users), got, "order differs between two runs");

    // Parsed users are what the tenant holds (active flag and workspaces).
    for (a, b) in first.users.iter().zip(fake.users().iter()) {
        assert_eq!(access_of(a), access_of(b), "{}", a.id);
        assert_eq!(a.user_name, b.user_name);
    }
    assert_eq!(fake.stats().kind("list"), 100, "50 pages, twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_repeated_past_the_end_do_not_loop_the_client() {
    for users in [100usize, 250, 1000] {
        let fake = start(FakeConfig {
            repeat_pages_past_end: true,
            ..config(users)
        })
        .await;
        let c = client(&fake, AuthMethod::Basic);
        // The server really does misbehave: past the end it repeats the last page.
        let past = c.list_page(None, users as u64 + 1, 100).await.unwrap();
        assert!(!past.users.is_empty(), "the fake should repeat a page");
        let before = fake.stats().kind("list");

        let r = tokio::time::timeout(
            Duration::from_secs(20),
            c.list_all(None, opts(100, 4), |_| {}),
        )
        .await
        .expect("list_all looped")
        .unwrap();
        assert_eq!(ids(&r.users), ids(&fake.users()), "{users} users");
        let requests = fake.stats().kind("list") - before;
        // One request per page, plus at most one probe past a full single page.
        let pages = (users as u64).div_ceil(100);
        assert!(
            requests <= pages + 1,
            "{users} users: {requests} list requests for {pages} pages"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quirky_payloads_parse_for_every_user() {
    let fake = start(FakeConfig {
        quirks: true,
        ..config(600)
    })
    .await;
    let c = client(&fake, AuthMethod::Token);
    let r = c.list_all(None, opts(100, 4), |_| {}).await.unwrap();
    assert!(r.skipped.is_empty(), "skipped: {:?}", r.skipped);
    let tenant = fake.users();
    assert_eq!(ids(&r.users), ids(&tenant));
    assert!(
        tenant.iter().any(|u| u.id.contains('-')),
        "quirks mode should include UUID ids"
    );
    for (got, want) in r.users.iter().zip(&tenant) {
        assert_eq!(access_of(got), access_of(want), "list: {}", want.id);
        assert_eq!(got.external_id, want.external_id, "{}", want.id);
        assert_eq!(got.user_name, want.user_name);
    }
    // Raw payloads really are quirky: look at one page as text.
    let http = reqwest::Client::new();
    let raw = text_of(
        http.get(format!("{}/Users?count=100", fake.scim_url))
            .basic_auth(&fake.login, Some(&fake.password)),
    )
    .await;
    assert!(
        raw.contains("\"active\":\"True\"") || raw.contains("\"active\":\"False\""),
        "no string active in quirks mode"
    );
    assert!(raw.contains("\"externalId\":\"\""), "no empty externalId");
    assert!(
        raw.matches("\"active\":").count() > 100,
        "no duplicate active keys on a page of 100"
    );

    // get_user parses every shape too (UUID ids: see the ignored test below).
    for want in tenant.iter().filter(|u| !u.id.contains('-')).step_by(7) {
        let got = c.get_user(&want.id).await.unwrap();
        assert_eq!(access_of(&got), access_of(want), "get: {}", want.id);
        assert_eq!(got.id, want.id);
        assert_eq!(got.external_id, want.external_id, "{}", want.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uuid_ids_can_be_read_and_patched() {
    let fake = start(FakeConfig {
        quirks: true,
        ..config(600)
    })
    .await;
    let c = client(&fake, AuthMethod::Token);
    let uuids: Vec<_> = fake
        .users()
        .into_iter()
        .filter(|u| u.id.contains('-'))
        .collect();
    assert!(!uuids.is_empty());
    for want in &uuids {
        let got = c
            .get_user(&want.id)
            .await
            .unwrap_or_else(|e| panic!("GET {}: {e}", want.id));
        assert_eq!(access_of(&got), access_of(want));
    }
    let target = uuids
        .iter()
        .find(|u| u.active)
        .expect("an active UUID user");
    let body = PatchRequest::new(vec![PatchOperation {
        op: PatchOpKind::Replace,
        path: "active".into(),
        value: Some(serde_json::Value::Bool(false)),
    }]);
    let after = c
        .patch_user(&target.id, &body)
        .await
        .unwrap_or_else(|e| panic!("PATCH {}: {e}", target.id));
    assert!(!after.user.expect("the user in the answer").active);
    assert!(!fake.user(&target.id).unwrap().active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_dropped_connections_are_retried() {
    let fake = start(FakeConfig {
        faults: Faults {
            error_rate: 0.3,
            drop_rate: 0.1,
            ..Faults::default()
        },
        ..config(3000)
    })
    .await;
    let mut conn = common::conn(&fake, AuthMethod::Token);
    conn.max_attempts = 12;
    let c = scimitar::scim::ScimClient::new(conn).unwrap();
    let r = c.list_all(None, opts(100, 8), |_| {}).await.unwrap();
    assert_eq!(ids(&r.users), ids(&fake.users()));
    assert_eq!(r.total_results, 3000);
    let s = fake.stats();
    assert!(s.faults_injected >= 5, "only {} faults", s.faults_injected);
    // Every injected fault cost one retry, and nothing else did.
    assert_eq!(c.stats().retries, s.faults_injected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hint_lists_everyone_once_and_a_wrong_one_costs_at_most_one_round() {
    // (users, hint, list requests): one per page, except that a hint above the real count
    // spends one first round of 8 whose pages past the end are dropped.
    for (users, hint, want) in [
        (2500, None, 25),
        (2500, Some(2500), 25),
        (2500, Some(300), 25),
        (2500, Some(1_000_000), 25),
        (250, Some(20_000), 8),
        (250, Some(450), 5),
        (250, Some(100), 3),
        (30, Some(5000), 8),
        (2, Some(5000), 8),
    ] {
        let fake = start(config(users)).await;
        let tenant = ids(&fake.users());
        let (r, requests) = walk(&fake, hinted(hint)).await;
        let r = r.unwrap_or_else(|e| panic!("{users} users, hint {hint:?}: {e}"));
        assert_eq!(ids(&r.users), tenant, "{users} users, hint {hint:?}");
        assert_eq!(r.total_results, tenant.len() as u64);
        assert_eq!(requests, want, "{users} users, hint {hint:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hint_too_high_for_a_server_that_repeats_pages_past_the_end_is_no_error() {
    let fake = start(FakeConfig {
        repeat_pages_past_end: true,
        ..config(250)
    })
    .await;
    let (r, requests) = walk(&fake, hinted(Some(5000))).await;
    let r = r.expect("the repeated pages past the end are dropped");
    assert_eq!(ids(&r.users), ids(&fake.users()));
    assert_eq!(requests, 8, "one round, nothing after");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_total_beyond_belief_ends_the_walk_with_or_without_a_hint() {
    let fake = start(FakeConfig {
        lie_total_results: Some(1_000_000_000_000),
        ..config(30)
    })
    .await;
    for (hint, want) in [(None, 1), (Some(3000), 8), (Some(1_000_000_000_000), 8)] {
        let (r, requests) = walk(&fake, hinted(hint)).await;
        let err = r.expect_err("a total beyond belief");
        assert!(
            matches!(&err, ScimError::BadListing(m) if m.contains("more than the 10000000")),
            "hint {hint:?}: {err}"
        );
        // The rest of the first round may still be on its way when page 1 ends the walk.
        assert!(
            (1..=want).contains(&requests),
            "hint {hint:?}: {requests} requests, only the first round"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_ignoring_start_index_is_caught_with_or_without_a_hint() {
    let fake = start(FakeConfig {
        ignore_start_index: true,
        ..config(1000)
    })
    .await;
    for hint in [None, Some(1000), Some(300), Some(50_000)] {
        let (r, requests) = walk(&fake, hinted(hint)).await;
        let err = r.expect_err("every page is the first one");
        assert!(
            matches!(&err, ScimError::BadListing(m) if m.contains("ignore startIndex")),
            "hint {hint:?}: {err}"
        );
        // Page 1, the rest of its round, and at most one more round in flight.
        assert!(requests <= 1 + 2 * 8, "hint {hint:?}: {requests} requests");
    }
    // With fewer users than a page the repeats are past the end: dropped, nobody missing.
    let fake = start(FakeConfig {
        ignore_start_index: true,
        ..config(50)
    })
    .await;
    let (r, requests) = walk(&fake, hinted(Some(5000))).await;
    assert_eq!(ids(&r.expect("one page").users), ids(&fake.users()));
    assert_eq!(requests, 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_total_that_keeps_growing_ends_the_walk_with_or_without_a_hint() {
    let fake = start(FakeConfig {
        growing_total: true,
        ..config(30)
    })
    .await;
    for hint in [None, Some(800), Some(1_000_000)] {
        let (r, requests) = walk(&fake, hinted(hint)).await;
        let err = r.expect_err("a count that grows with every page");
        assert!(
            matches!(&err, ScimError::BadListing(m) if m.contains("keeps growing")),
            "hint {hint:?}: {err}"
        );
        // Page 1 says 2 pages: 10 probe pages more at most, and one round in flight.
        assert!(
            (12..=2 + 10 + 8).contains(&requests),
            "hint {hint:?}: {requests} requests"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probing_past_a_wrong_total_behaves_the_same_with_a_hint() {
    // Every page says 50 users: the walk probes on while pages are full and new.
    let fake = start(FakeConfig {
        lie_total_results: Some(50),
        ..config(250)
    })
    .await;
    for (hint, want) in [(None, 3), (Some(50), 3), (Some(250), 3), (Some(2000), 8)] {
        let (r, requests) = walk(&fake, hinted(hint)).await;
        let r = r.unwrap_or_else(|e| panic!("hint {hint:?}: {e}"));
        assert_eq!(ids(&r.users), ids(&fake.users()), "hint {hint:?}");
        assert_eq!(requests, want, "hint {hint:?}");
    }
    // Pages that never run out: the probe stops after PROBE_PAGES, hint or not.
    let fake = start(FakeConfig {
        endless_pages: true,
        ..config(30)
    })
    .await;
    for hint in [None, Some(3000)] {
        let (r, requests) = walk(&fake, hinted(hint)).await;
        let err = r.expect_err("endless pages");
        assert!(
            matches!(&err, ScimError::BadListing(m) if m.contains("still returns new ones")),
            "hint {hint:?}: {err}"
        );
        assert_eq!(requests, 1 + u64::from(scimitar::scim::client::PROBE_PAGES));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_hint_the_first_round_goes_out_before_page_one_is_back() {
    // Half a second per answer: far longer than sending a round takes.
    let fake = start(FakeConfig {
        faults: Faults {
            latency: Duration::from_millis(500),
            ..Faults::default()
        },
        ..config(800)
    })
    .await;
    let c = client(&fake, AuthMethod::Basic);
    for (hint, want) in [(None, 1), (Some(800), 8), (Some(300), 3)] {
        let before = c.stats().requests;
        let mut sent_by_page_one = None;
        let summary = c
            .list_each(None, hinted(hint), |p| {
                if p.start_index == 1 {
                    sent_by_page_one = Some(c.stats().requests - before);
                }
            })
            .await
            .unwrap_or_else(|e| panic!("hint {hint:?}: {e}"));
        assert_eq!(summary.loaded, 800, "hint {hint:?}");
        assert_eq!(summary.requests, 8, "hint {hint:?}");
        assert_eq!(sent_by_page_one, Some(want), "hint {hint:?}");
    }
}
