//! `scimitar apply`, `resume` and `undo` as a user runs them: a child process against an
//! in-process fake on 127.0.0.1.

mod support;
use support::apply_filter;
use support::inproc as common;

use std::time::Duration;

use common::{
    Cli, Output, config, holding_both, id_filter, journal_results, one_workspace_per_request,
    snapshot, start, with_latency,
};
use scimitar::batch::{JournalState, ResultKind};
use scimitar::fake::FakeServer;
use scimitar::scim::model::User;

const CONTRACT: [&str; 7] = [
    "planned",
    "changed",
    "no_op",
    "failed",
    "protected",
    "not_found",
    "journal",
];

/// The summary apply prints has the contract's fields with the contract's types.
fn check_summary(out: &Output) -> serde_json::Value {
    let v = out.json();
    let o = v.as_object().expect("summary is an object");
    for k in CONTRACT {
        assert!(o.contains_key(k), "summary lacks `{k}`: {v}");
    }
    for k in &CONTRACT[..6] {
        assert!(v[k].is_u64(), "`{k}` is not a count: {v}");
    }
    assert!(v["journal"].is_string(), "{v}");
    // Which tenant the run was on, as the reports say (apply, resume and undo alike).
    assert!(v["tenant"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    v
}

fn patched(fake: &FakeServer) -> u32 {
    fake.stats().patches.values().sum()
}

#[cfg(unix)]
fn assert_private(path: &str) {
    let mode = common::mode_of(std::path::Path::new(path));
    assert_eq!(mode, 0o600, "{path} has mode {mode:o}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_then_resumed_finishes_every_user_once() {
    let fake = start(with_latency(Duration::from_millis(20), config(1200))).await;
    let cli = Cli::new(&fake);
    let journal = cli.path("kill.jsonl");
    let j = journal.to_str().unwrap();
    let mut child = cli
        .command(&apply_filter(
            "active eq true",
            "disable",
            &["--yes", "--max-users", "5000", "--journal", j],
        ))
        .spawn()
        .unwrap();
    let reached = common::wait_until(Duration::from_secs(30), async || {
        journal_results(&journal) >= 200
    })
    .await;
    child.start_kill().unwrap(); // SIGKILL
    let status = child.wait().await.unwrap();
    assert!(reached, "the run never reached 200 results");
    assert!(!status.success(), "the run ended before it was killed");
    let cut = JournalState::read(&journal).unwrap();
    let targets = cut.targets.len();
    assert!(targets > 1000, "{targets} targets");
    assert!(
        cut.last_result.len() < targets,
        "the kill came after the end"
    );
    assert!(!cut.ended);

    let out = cli.run(&["resume", j, "--yes"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let summary = check_summary(&out);
    assert_eq!(summary["planned"], targets);

    let state = JournalState::read(&journal).unwrap();
    assert!(state.unknown.is_empty() && state.remaining().is_empty());
    let patches = fake.stats().patches;
    for t in &state.targets {
        let outcome = state.outcome_of(&t.user_id);
        let u = fake.user(&t.user_id).unwrap();
        match outcome {
            Some(ResultKind::Done) | Some(ResultKind::NoOp) => {
                assert!(!u.active, "{} still active", t.user_id)
            }
            Some(ResultKind::Protected) => assert_eq!(u.user_name, fake.login),
            other => panic!("{}: {other:?}", t.user_id),
        }
        let n = patches.get(&t.user_id).copied().unwrap_or(0);
        assert!(n <= 1, "{} patched {n} times", t.user_id);
    }
    // The report has one row per target: nobody lost.
    let report = summary["report_json"].as_str().expect("report path");
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    assert_eq!(rows.len(), targets);
    assert!(
        rows.iter()
            .all(|r| ["done", "no_op", "protected"].contains(&r["outcome"].as_str().unwrap())),
        "a row is not finished"
    );
    #[cfg(unix)]
    {
        assert_private(j);
        assert_private(report);
        assert_private(summary["report_csv"].as_str().unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_restores_the_tenant_as_it_was() {
    let fake = start(config(1500)).await;
    let users = fake.users();
    // Power users (more than 50 workspaces: restores need several requests), users with
    // workspaces, inactive users and users with none.
    let mut chosen: Vec<User> = users
        .iter()
        .filter(|u| u.workspaces.len() > 50)
        .cloned()
        .collect();
    assert!(!chosen.is_empty());
    chosen.extend(
        users
            .iter()
            .filter(|u| u.workspaces.len() >= 3)
            .take(25)
            .cloned(),
    );
    chosen.extend(users.iter().filter(|u| !u.active).take(5).cloned());
    chosen.extend(
        users
            .iter()
            .filter(|u| u.workspaces.is_empty())
            .take(5)
            .cloned(),
    );
    chosen.sort_by_key(|u| u.id.clone());
    chosen.dedup_by(|a, b| a.id == b.id);
    let before = snapshot(&fake);

    let cli = Cli::new(&fake);
    let journal = cli.path("run.jsonl");
    let j = journal.to_str().unwrap();
    let out = cli
        .run(&apply_filter(
            &id_filter(&chosen),
            "disable-and-remove",
            &["--yes", "--journal", j],
        ))
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let s = check_summary(&out);
    assert_eq!(s["planned"], chosen.len());
    assert_eq!(s["failed"], 0);
    for u in &chosen {
        let now = fake.user(&u.id).unwrap();
        assert!(!now.active && now.workspaces.is_empty(), "{}", u.id);
    }
    assert_ne!(snapshot(&fake), before);

    let undo_journal = cli.path("undo.jsonl");
    let out = cli
        .run(&[
            "undo",
            j,
            "--yes",
            "--undo-journal",
            undo_journal.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(check_summary(&out)["tenant"], s["tenant"], "{out:?}");
    let after = snapshot(&fake);
    let differ: Vec<&String> = before
        .iter()
        .filter(|(id, a)| after.get(*id) != Some(a))
        .map(|(id, _)| id)
        .collect();
    assert!(differ.is_empty(), "not restored: {differ:?}");
    #[cfg(unix)]
    assert_private(undo_journal.to_str().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_refuses_without_confirmation_above_the_cap_and_on_bad_filters() {
    let fake = start(config(400)).await;
    let cli = Cli::new(&fake);
    let filter = "active eq true and externalId pr";

    // No terminal and no --yes.
    let out = cli.run(&apply_filter(filter, "disable", &[])).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("--yes"), "{out:?}");
    assert_eq!(patched(&fake), 0);

    // Above the cap, even with --yes.
    let out = cli
        .run(&apply_filter(
            filter,
            "disable",
            &["--yes", "--max-users", "3"],
        ))
        .await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("--max-users"), "{out:?}");
    assert_eq!(patched(&fake), 0);

    // A bad filter: nothing is sent at all.
    let requests = fake.stats().requests;
    let out = cli
        .run(&apply_filter("userName sw \"a\"", "disable", &["--yes"]))
        .await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("invalid filter"), "{out:?}");
    assert!(out.stderr.contains("sw"), "{out:?}");
    assert_eq!(fake.stats().requests, requests);

    // A dry run plans and prints, and sends nothing.
    let out = cli
        .run(&apply_filter(filter, "disable", &["--dry-run"]))
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    let expected = fake
        .users()
        .iter()
        .filter(|u| u.active && u.external_id.is_some())
        .count();
    assert_eq!(v["planned"], expected, "{v}");
    assert!(
        v["to_change"].as_u64().unwrap() >= expected as u64 - 1,
        "{v}"
    );
    assert_eq!(patched(&fake), 0);
    assert_eq!(fake.stats().kind("patch"), 0, "a PATCH was sent");
    // Nothing was journaled either.
    let journals = cli.dir.path().join("data").join("journals");
    let n = std::fs::read_dir(&journals).map(|d| d.count()).unwrap_or(0);
    assert_eq!(n, 0, "a journal was written by a refused or dry run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_with_failures_exits_1_with_the_reasons() {
    let fake = start(one_workspace_per_request(config(400))).await;
    // Keeping the two commonest workspaces needs a request naming two, which this server
    // refuses (400) for every user that holds both.
    let (chosen, a, b) = keep_two_that_fail(&fake, 10);
    let before = snapshot(&fake);
    let cli = Cli::new(&fake);
    let journal = cli.path("fail.jsonl");
    let out = apply_keep_both(&cli, &chosen, &a, &b, journal.to_str().unwrap()).await;
    assert_eq!(out.code, Some(1), "{out:?}");
    let s = check_summary(&out);
    assert_eq!(s["failed"], chosen.len(), "{s}");
    assert_eq!(s["changed"], 0, "{s}");
    assert!(out.stderr.contains("resume"), "{out:?}");
    let state = JournalState::read(&journal).unwrap();
    for u in &chosen {
        let Some(scimitar::batch::Record::Result { detail, status, .. }) =
            state.last_result.get(&u.id)
        else {
            panic!("{} has no result", u.id)
        };
        assert_eq!(*status, Some(400));
        assert!(detail.contains("workspaces"), "{detail}");
    }
    assert_eq!(snapshot(&fake), before, "a failed run changed users");
    #[cfg(unix)]
    {
        assert_private(journal.to_str().unwrap());
        assert_private(s["report_csv"].as_str().unwrap());
        assert_private(s["report_json"].as_str().unwrap());
    }
}

/// `apply --yes` keeping workspaces `a` and `b` for `chosen`, journaled to `journal`.
async fn apply_keep_both(cli: &Cli, chosen: &[User], a: &str, b: &str, journal: &str) -> Output {
    let keep = ["--keep", a, "--keep", b, "--yes", "--journal", journal];
    cli.run(&apply_filter(&id_filter(chosen), "keep-workspaces", &keep))
        .await
}

/// Up to `n` users holding both of the two commonest workspaces, and those two: keeping both
/// needs a request naming two workspaces, which a server with `max_workspaces_per_request: 1`
/// refuses.
fn keep_two_that_fail(fake: &FakeServer, n: usize) -> (Vec<User>, String, String) {
    let users = fake.users();
    let (a, b) = common::two_commonest_workspaces(&users);
    let others: Vec<User> = users
        .into_iter()
        .filter(|u| u.user_name != fake.login)
        .collect();
    let chosen = holding_both(&others, &a, &b, n);
    assert!(chosen.len() >= 3);
    (chosen, a, b)
}

/// Resuming a run that removes workspaces: refused while the API user is unknown (as apply
/// is), states the cost in access like apply, and its summary names the tenant. A reader
/// that closes stdout early does not turn the run's outcome (1: users failed) into 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_of_a_removal_is_gated_costed_and_names_the_tenant() {
    let fake = start(one_workspace_per_request(config(300))).await;
    let (chosen, a, b) = keep_two_that_fail(&fake, 5);
    // Bearer with no integration API and no login: who signs in is known only from
    // --api-user (SCIMITAR_API_USER), and the tenant only by host.
    let mut cli = Cli::new(&fake);
    cli.env("SCIMITAR_AUTH", "bearer")
        .env("SCIMITAR_LOGIN", "")
        .env("SCIMITAR_PASSWORD", "")
        .env("SCIMITAR_BEARER", &fake.api_key)
        .env("SCIMITAR_API_URL", &format!("{}/no-such-api", fake.api_url))
        .env("SCIMITAR_API_USER", &fake.login);
    let journal = cli.path("keep.jsonl");
    let j = journal.to_str().unwrap();
    let out = apply_keep_both(&cli, &chosen, &a, &b, j).await;
    assert_eq!(out.code, Some(1), "{out:?}");
    let tenant = JournalState::read(&journal).unwrap().tenant;
    assert_eq!(check_summary(&out)["tenant"], tenant.as_str());

    cli.env("SCIMITAR_API_USER", "");
    let before = patched(&fake);
    let refused = cli.run(&["resume", j, "--yes"]).await;
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(refused.stderr.contains("--api-user"), "{refused:?}");
    assert_eq!(patched(&fake), before, "a refused resume sent changes");
    cli.env("SCIMITAR_API_USER", &fake.login);

    let out = cli.run(&["resume", j, "--yes"]).await;
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "COST: up to {} users will lose access to every workspace but the 2 workspaces kept",
            chosen.len()
        )) && out.stderr.contains("model roles and selective access"),
        "{out:?}"
    );
    let s = check_summary(&out);
    assert_eq!(s["tenant"], tenant.as_str(), "{s}");

    // stdout closed before the summary: quiet, and still 1 for the failed users.
    let mut child = cli.command(&["resume", j, "--yes"]).spawn().unwrap();
    drop(child.stdout.take());
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.to_lowercase().contains("broken pipe"), "{stderr}");
}
