//! The client against servers that are not the Anaplan it was written for: the fake as a strict
//! RFC 7644 server (PATCH answers 204, no `id` filtering, `noTarget` on filtered paths that
//! match nothing), with a limit on `or` terms, an empty HTML 401, a lying or endless listing
//! and a huge Retry-After. Everything over real HTTP on 127.0.0.1.

mod support;
use support::inproc as common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use common::{config, conn, start, wait_until};
use scimitar::batch::driver::batch_from_plan;
use scimitar::batch::runner::{self, Batch, Event, RunOptions};
use scimitar::batch::seal::SealKey;
use scimitar::batch::{Intent, Journal, JournalState, Record, ResultKind, Summary, Target};
use scimitar::fake::{AuthFailureBody, Dialect, FakeConfig, FakeServer};
use scimitar::plan::{Action, Plan, Protected, UserState};
use scimitar::scim::client::AuthMethod;
use scimitar::scim::model::User;
use scimitar::scim::{ListOptions, ScimClient, ScimError};

fn rfc(users: usize) -> FakeConfig {
    FakeConfig {
        dialect: Dialect::Rfc,
        ..config(users)
    }
}

fn client(fake: &FakeServer) -> ScimClient {
    ScimClient::new(conn(fake, AuthMethod::Basic)).expect("client")
}

fn protected(fake: &FakeServer) -> Protected {
    Protected {
        api_user: Some(fake.login.clone()),
        accounts: Vec::new(),
    }
}

/// Users other than the two API accounts, as the fake holds them.
fn people(fake: &FakeServer) -> Vec<User> {
    fake.users()
        .into_iter()
        .filter(|u| !u.user_name.eq_ignore_ascii_case(&fake.login) && u.id != fake.admin_user_id)
        .collect()
}

/// Runs `batch` to the end with re-reads of `slice` users at a time; returns the journal's
/// state and the warnings the runner gave.
async fn run(c: &ScimClient, batch: &Batch, slice: usize) -> (JournalState, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.jsonl");
    let journal = Arc::new(Journal::create(&path, &SealKey::ephemeral()).unwrap());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let opts = RunOptions {
        concurrency: 4,
        read_slice: slice,
        ..RunOptions::default()
    };
    runner::run(c, batch, journal, &opts, tx, CancellationToken::new())
        .await
        .expect("the run ends");
    let mut warnings = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let Event::Warning(w) = ev {
            warnings.push(w);
        }
    }
    (JournalState::read(&path).unwrap(), warnings)
}

fn apply_batch(fake: &FakeServer, c: &ScimClient, users: &[User], action: Action) -> Batch {
    let p = protected(fake);
    let plan = Plan::build(
        &c.tenant_label(),
        "2026-01-01T00:00:00Z",
        action.clone(),
        users,
        &p,
        &[],
    );
    batch_from_plan(
        &plan,
        "b1",
        Intent::Apply {
            action,
            protected: p,
        },
    )
}

fn result_of(
    state: &JournalState,
    id: &str,
) -> (ResultKind, Option<u16>, String, Option<UserState>) {
    match state.last_result.get(id) {
        Some(Record::Result {
            outcome,
            status,
            detail,
            after,
            ..
        }) => (*outcome, *status, detail.clone(), after.clone()),
        other => panic!("{id}: no result ({other:?})"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_204_patch_is_verified_by_reading_back_and_a_server_without_id_filters_is_reread_one_by_one()
 {
    let fake = start(rfc(40)).await;
    let c = client(&fake);
    let users: Vec<User> = people(&fake)
        .into_iter()
        .filter(|u| u.active)
        .take(9)
        .collect();
    assert_eq!(users.len(), 9);
    let batch = apply_batch(&fake, &c, &users, Action::Disable);
    // Slices of 3: three re-reads, but the fallback is announced once.
    let (state, warnings) = run(&c, &batch, 3).await;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("GET /Users/{id}"), "{warnings:?}");
    for u in &users {
        let (outcome, status, detail, after) = result_of(&state, &u.id);
        assert_eq!(outcome, ResultKind::Done, "{}: {detail}", u.id);
        assert_eq!(status, Some(204), "the journal keeps the real status");
        let after = after.expect("the verified state is journaled");
        assert!(!after.active);
        assert!(!fake.user(&u.id).unwrap().active, "the server holds it");
    }
    let s = Summary::from_journal(&state);
    assert_eq!((s.changed, s.failed, s.gone), (9, 0, 0));
    assert_eq!(s.exit_code(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_of_remove_workspaces_on_an_rfc_server_restores_ids_and_names() {
    let fake = start(rfc(40)).await;
    let c = client(&fake);
    let users: Vec<User> = people(&fake)
        .into_iter()
        .filter(|u| u.workspaces.len() >= 2)
        .take(5)
        .collect();
    assert!(!users.is_empty());
    let before: HashMap<String, User> = users.iter().map(|u| (u.id.clone(), u.clone())).collect();
    let batch = apply_batch(&fake, &c, &users, Action::RemoveWorkspaces);
    let (state, _) = run(&c, &batch, 100).await;
    let s = Summary::from_journal(&state);
    assert_eq!(s.changed, users.len(), "{s:?}");
    for u in &users {
        assert!(fake.user(&u.id).unwrap().workspaces.is_empty());
    }
    // Undo: each user now has nothing that a filtered replace could match.
    let entries: Vec<(UserState, User)> = users
        .iter()
        .map(|u| (UserState::of(u), fake.user(&u.id).unwrap()))
        .collect();
    let plan = Plan::undo(&c.tenant_label(), "2026-01-01T00:00:00Z", &entries);
    let states = entries
        .iter()
        .map(|(b, u)| (u.id.clone(), b.clone()))
        .collect();
    let undo = batch_from_plan(&plan, "u1", Intent::Restore { states });
    let (state, _) = run(&c, &undo, 100).await;
    let s = Summary::from_journal(&state);
    assert_eq!((s.changed, s.failed), (users.len(), 0), "{s:?}");
    for (id, was) in &before {
        let now = fake.user(id).unwrap();
        let mut a = was.workspaces.clone();
        let mut b = now.workspaces.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b, "{id}: ids and names restored");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_gone_before_its_change_is_confirmed_by_404_and_fails_the_exit_code() {
    let fake = start(config(30)).await;
    let c = client(&fake);
    let users: Vec<User> = people(&fake)
        .into_iter()
        .filter(|u| u.active)
        .take(3)
        .collect();
    let mut batch = apply_batch(&fake, &c, &users, Action::Disable);
    let ghost = "0123456789abcdef0123456789abcdef".to_string();
    batch.targets.push(Target {
        user_id: ghost.clone(),
        user_name: "ghost@example.com".into(),
    });
    let (state, _) = run(&c, &batch, 100).await;
    let (outcome, status, detail, _) = result_of(&state, &ghost);
    assert_eq!(outcome, ResultKind::NotFound);
    assert_eq!(status, Some(404), "{detail}");
    assert!(detail.contains("404"), "{detail}");
    let s = Summary::from_journal(&state);
    assert_eq!((s.changed, s.gone), (3, 1), "{s:?}");
    assert_eq!(
        s.exit_code(),
        1,
        "a planned user left unchanged is not success"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_split_when_the_server_refuses_long_or_filters() {
    let fake = start(FakeConfig {
        max_filter_terms: Some(10),
        ..config(80)
    })
    .await;
    let c = client(&fake);
    let users: Vec<User> = people(&fake).into_iter().take(60).collect();
    let mut text = String::from("key\n");
    for (i, u) in users.iter().enumerate() {
        let key = if i % 2 == 0 { &u.id } else { &u.user_name };
        text.push_str(&format!("{key}\n"));
    }
    let input = scimitar::input::csv::read(text.as_bytes()).unwrap();
    let report = scimitar::input::resolve(&input, &c).await;
    assert!(
        report.lookup_errors.is_empty(),
        "{:?}",
        report.lookup_errors
    );
    assert_eq!(report.resolved.len(), 60, "{}", report.summary_line());
    assert!(report.not_found.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_ids_resolve_on_a_server_that_cannot_filter_on_id() {
    let fake = start(rfc(30)).await;
    let c = client(&fake);
    let users: Vec<User> = people(&fake).into_iter().take(12).collect();
    let mut text = String::from("id\n");
    for u in &users {
        text.push_str(&format!("{}\n", u.id));
    }
    text.push_str("0123456789abcdef0123456789abcdef\n");
    let input = scimitar::input::csv::read(text.as_bytes()).unwrap();
    let report = scimitar::input::resolve(&input, &c).await;
    assert_eq!(report.resolved.len(), 12, "{}", report.summary_line());
    assert_eq!(report.not_found.len(), 1, "only the 404 is not found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_html_401_is_an_authentication_failure() {
    let fake = start(FakeConfig {
        auth_failure_body: AuthFailureBody::HtmlEmpty,
        ..config(10)
    })
    .await;
    let mut cn = conn(&fake, AuthMethod::Bearer);
    cn.secret = Some(secrecy::SecretString::from("not-the-key".to_string()));
    let c = ScimClient::new(cn).unwrap();
    let err = c.list_page(None, 1, 10).await.expect_err("a wrong key");
    assert!(matches!(err, ScimError::Unauthorized { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("(empty body)") && msg.contains("text/html"),
        "{msg}"
    );
    assert!(!msg.contains("proxy"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lying_or_endless_listing_ends_with_an_error() {
    for cfg in [
        FakeConfig {
            lie_total_results: Some(1_000_000_000_000),
            ..config(30)
        },
        FakeConfig {
            endless_pages: true,
            ..config(30)
        },
    ] {
        let fake = start(cfg).await;
        let c = client(&fake);
        let err = c
            .list_all(None, ListOptions::default(), |_| {})
            .await
            .expect_err("no end to believe");
        assert!(matches!(err, ScimError::BadListing(_)), "{err:?}");
        assert!(
            fake.stats().kind("list") <= 20,
            "{} list requests",
            fake.stats().kind("list")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_retry_after_is_capped_and_announced() {
    let fake = start(FakeConfig {
        throttle_first: 1,
        retry_after: Some(999_999),
        ..config(10)
    })
    .await;
    let c = client(&fake);
    let mut notices = c.notices();
    let task = {
        let c = c.clone();
        tokio::spawn(async move { c.list_page(None, 1, 10).await })
    };
    let mut got: Option<String> = None;
    let heard = wait_until(Duration::from_secs(20), || {
        if let Ok(n) = notices.try_recv() {
            got = Some(n.message);
        }
        got.is_some()
    })
    .await;
    task.abort();
    assert!(heard, "no notice of the wait");
    let msg = got.unwrap_or_default();
    assert!(msg.contains("waiting 120 s"), "{msg}");
    assert!(
        msg.contains("429") && msg.contains("capped at 120 s"),
        "{msg}"
    );
}
