//! The batch layer against the fake over HTTP: a large disable under injected failures ends
//! with a journal that matches the server, and a cancelled run records everything and
//! resumes to the end.

mod support;
use support::inproc as common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use common::{Access, config, conn, snapshot, start};
use scimitar::batch::driver::batch_from_plan;
use scimitar::batch::runner::{self, Batch, BatchError, Event, RunOptions};
use scimitar::batch::seal::SealKey;
use scimitar::batch::{Journal, JournalState, Record, ResultKind, Summary};
use scimitar::fake::{FakeServer, Faults};
use scimitar::plan::{Action, Plan, Protected};
use scimitar::scim::client::AuthMethod;
use scimitar::scim::{ListOptions, ScimClient};

static KEY: std::sync::LazyLock<SealKey> = std::sync::LazyLock::new(SealKey::ephemeral);

async fn plan_batch(fake: &FakeServer, c: &ScimClient, action: Action, id: &str) -> Batch {
    let users = c
        .list_all(None, ListOptions::default(), |_| {})
        .await
        .unwrap()
        .users;
    let protected = Protected {
        api_user: Some(fake.login.clone()),
        accounts: Vec::new(),
    };
    let plan = Plan::build(
        &c.tenant_label(),
        "2026-01-01T00:00:00Z",
        action.clone(),
        &users,
        &protected,
        &[],
    );
    batch_from_plan(
        &plan,
        id,
        scimitar::batch::Intent::Apply { action, protected },
    )
}

/// `runner::run` with the default options, journaled to a new file at `path`.
async fn run_into(
    c: &ScimClient,
    batch: &Batch,
    path: &std::path::Path,
    events: mpsc::UnboundedSender<Event>,
    cancel: CancellationToken,
) -> Result<(), BatchError> {
    let journal = Arc::new(Journal::create(path, &KEY).unwrap());
    runner::run(c, batch, journal, &RunOptions::default(), events, cancel).await
}

fn detail_of(state: &JournalState, id: &str) -> String {
    match state.last_result.get(id) {
        Some(Record::Result { detail, .. }) => detail.clone(),
        _ => String::new(),
    }
}

/// Each target's outcome is consistent with what the server holds now.
fn check_against_server(
    fake: &FakeServer,
    state: &JournalState,
    before: &HashMap<String, Access>,
    in_target: impl Fn(&Access) -> bool,
) -> HashMap<ResultKind, usize> {
    let now = snapshot(fake);
    let patches = fake.stats().patches;
    let mut counts: HashMap<ResultKind, usize> = HashMap::new();
    for t in &state.targets {
        let outcome = state
            .outcome_of(&t.user_id)
            .unwrap_or_else(|| panic!("{} has no result", t.user_id));
        *counts.entry(outcome).or_default() += 1;
        let was = &before[&t.user_id];
        let is = &now[&t.user_id];
        let patched = patches.get(&t.user_id).copied().unwrap_or(0);
        match outcome {
            ResultKind::Done => {
                assert!(
                    in_target(is),
                    "{} done but not in the target state",
                    t.user_id
                );
                assert_eq!(patched, 1, "{} patched {patched} times", t.user_id);
            }
            ResultKind::NoOp => {
                assert_eq!(is, was, "{} no-op but changed", t.user_id);
                assert!(in_target(is), "{}", t.user_id);
                assert_eq!(patched, 0, "{} no-op but patched", t.user_id);
            }
            ResultKind::Failed => {
                assert!(
                    !detail_of(state, &t.user_id).trim().is_empty(),
                    "{} failed without a reason",
                    t.user_id
                );
                assert!(patched <= 1, "{} patched {patched} times", t.user_id);
            }
            ResultKind::Protected | ResultKind::NotFound => {
                assert_eq!(is, was, "{} untouched but changed", t.user_id);
                assert_eq!(patched, 0, "{}", t.user_id);
            }
        }
    }
    // Users outside the batch are untouched.
    let targets: std::collections::HashSet<&str> =
        state.targets.iter().map(|t| t.user_id.as_str()).collect();
    for (id, was) in before {
        if !targets.contains(id.as_str()) {
            assert_eq!(&now[id], was, "{id} is not a target but changed");
        }
    }
    counts
}

/// 5,000 users, 5% 500/503, dropped connections, 429s with Retry-After, a 60 s token
/// lifetime and every token killed twice during the run.
async fn disable_under_faults(rate_429: f64) {
    let fake = start(config(5000)).await;
    let mut cn = conn(&fake, AuthMethod::Token);
    cn.rate_per_minute = 0;
    cn.max_attempts = 8;
    let c = ScimClient::new(cn).unwrap();
    let batch = plan_batch(&fake, &c, Action::Disable, "rel").await;
    assert_eq!(batch.targets.len(), 5000);
    let before = snapshot(&fake);

    fake.set_token_ttl(Duration::from_secs(60));
    fake.expire_tokens();
    fake.set_faults(Faults {
        latency: Duration::ZERO,
        error_rate: 0.05,
        rate_429,
        drop_rate: 0.02,
        html_error_rate: 0.0,
        rate_limit_per_minute: None,
        rate_limit_burst: None,
        ..Faults::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rel.jsonl");
    let journal = Arc::new(Journal::create(&path, &KEY).unwrap());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let started = Instant::now();
    let opts = RunOptions {
        concurrency: 16,
        read_slice: 100,
        ..RunOptions::default()
    };
    let (result, finished) = tokio::join!(
        runner::run(&c, &batch, journal, &opts, tx, CancellationToken::new()),
        async {
            let mut finished = 0usize;
            while let Some(ev) = rx.recv().await {
                if let Event::Finished(_) = ev {
                    finished += 1;
                    // Every token dies twice during the run: the client must sign in again.
                    if finished == 1500 || finished == 3500 {
                        fake.expire_tokens();
                    }
                }
            }
            finished
        }
    );
    result.expect("the batch runs to the end");
    let took = started.elapsed();
    // 5000 plus the planned no-ops reported twice: see each_user_is_reported_once.
    assert!(finished >= 5000, "{finished} results reported");

    let state = JournalState::read(&path).unwrap();
    assert!(state.ended && state.unknown.is_empty() && state.remaining().is_empty());
    let counts = check_against_server(&fake, &state, &before, |a| !a.active);
    // Disabling keeps workspaces.
    let now = snapshot(&fake);
    for t in &state.targets {
        assert_eq!(now[&t.user_id].workspaces, before[&t.user_id].workspaces);
    }
    let s = fake.stats();
    assert!(s.faults_injected > 100, "{} faults", s.faults_injected);
    if rate_429 > 0.0 {
        assert!(c.stats().rate_limited > 0, "{:?}", c.stats());
    }
    assert!(c.stats().reauthentications >= 2, "{:?}", c.stats());
    assert!(s.unauthorized >= 2);
    assert_eq!(counts.get(&ResultKind::Protected), Some(&1), "the API user");
    let summary = Summary::from_journal(&state);
    assert_eq!(summary.planned, 5000);
    assert_eq!(
        summary.changed + summary.no_op + summary.failed + summary.protected,
        5000
    );
    assert!(summary.changed > 4000, "{summary:?}");
    eprintln!(
        "5000-user batch: {took:?}, {summary:?}, client {:?}, fake faults {} 401s {}",
        c.stats(),
        s.faults_injected,
        s.unauthorized
    );
}

/// Injected 429s at 0.3%: rare enough that concurrency barely moves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_five_thousand_users_through_failures_and_token_expiry() {
    disable_under_faults(0.003).await;
}

/// The figures exactly (3% 429s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_five_thousand_users_with_three_percent_429s() {
    disable_under_faults(0.03).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_is_reported_once() {
    let fake = start(config(600)).await;
    let c = ScimClient::new(conn(&fake, AuthMethod::Token)).unwrap();
    let batch = plan_batch(&fake, &c, Action::Disable, "once").await;
    assert!(!batch.settled.is_empty(), "the tenant has inactive users");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("once.jsonl");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (result, (total, per_user)) = tokio::join!(
        run_into(&c, &batch, &path, tx, CancellationToken::new()),
        async {
            let mut total = 0;
            let mut per_user: HashMap<String, usize> = HashMap::new();
            while let Some(ev) = rx.recv().await {
                match ev {
                    Event::Started { total: t } => total = t,
                    Event::Finished(r) => *per_user.entry(r.user_id).or_default() += 1,
                    _ => {}
                }
            }
            (total, per_user)
        }
    );
    result.unwrap();
    assert_eq!(total, 600, "progress total is the number of users");
    let twice: Vec<_> = per_user.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "{} users reported more than once",
        twice.len()
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let results = text
        .lines()
        .filter(|l| l.contains("\"record\":\"result\""))
        .count();
    assert_eq!(results, 600, "one result record per user");
    // Planned no-ops are not re-read: only users to change are in the re-read filters.
    let reads = fake.stats().kind("list");
    let to_change = batch.targets.len() - batch.settled.len();
    assert!(
        reads <= 6 + to_change.div_ceil(100) as u64,
        "{reads} list requests"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_run_records_everything_and_resumes_to_the_end() {
    let fake = start(config(600)).await;
    let c = ScimClient::new(conn(&fake, AuthMethod::Token)).unwrap();
    let batch = plan_batch(&fake, &c, Action::DisableAndRemove, "cancel").await;
    let before = snapshot(&fake);
    fake.set_faults(Faults {
        latency: Duration::from_millis(10),
        ..fake.faults()
    });

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cancel.jsonl");
    let cancel = CancellationToken::new();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (result, _) = tokio::join!(run_into(&c, &batch, &path, tx, cancel.clone()), async {
        let mut done = 0;
        while let Some(ev) = rx.recv().await {
            if let Event::Finished(r) = ev
                && r.outcome == ResultKind::Done
            {
                done += 1;
                if done == 100 {
                    cancel.cancel();
                }
            }
        }
    });
    result.unwrap();
    let state = JournalState::read(&path).unwrap();
    let with_result = state.last_result.len();
    let remaining = state.remaining();
    assert!(
        state.unknown.is_empty(),
        "in-flight requests were not recorded"
    );
    assert_eq!(
        with_result + remaining.len(),
        batch.targets.len(),
        "results + not started must cover every target"
    );
    assert!(!remaining.is_empty(), "the run was not cut short");
    let s = Summary::from_journal(&state);
    assert_eq!(s.not_started, remaining.len());
    assert_eq!(s.exit_code(), 1);
    // What the journal says is done is done on the server; the rest is untouched.
    let now = snapshot(&fake);
    for t in &remaining {
        assert_eq!(now[&t.user_id], before[&t.user_id]);
    }

    // Resume: only the users never looked at.
    let resume = Batch {
        targets: remaining.clone(),
        settled: Vec::new(),
        recorded_before: Default::default(),
        ..batch.clone()
    };
    let journal = Arc::new(Journal::resume(&path, &KEY).unwrap().0);
    journal
        .append(&Record::Resume {
            at: "now".into(),
            user_ids: remaining.iter().map(|t| t.user_id.clone()).collect(),
        })
        .unwrap();
    let (tx, _rx) = mpsc::unbounded_channel();
    let opts = RunOptions::default();
    runner::execute(&c, &resume, journal, &opts, tx, CancellationToken::new())
        .await
        .unwrap();
    let state = JournalState::read(&path).unwrap();
    assert!(state.remaining().is_empty() && state.unknown.is_empty());
    let counts = check_against_server(&fake, &state, &before, |a| {
        !a.active && a.workspaces.is_empty()
    });
    assert_eq!(counts.get(&ResultKind::Failed), None);
    for t in &state.targets {
        let u = fake.user(&t.user_id).unwrap();
        if state.outcome_of(&t.user_id) != Some(ResultKind::Protected) {
            assert!(!u.active && u.workspaces.is_empty(), "{}", t.user_id);
        }
    }
}
