//! The journal under faults and misuse, as a user meets them: the real binary killed with
//! SIGKILL mid-run and resumed, two resumes at once, `--journal` onto an existing file or a
//! link, hand-edited journals given to undo, and a server that goes down mid-run.

mod support;
use support::inproc as common;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use common::{Cli, Output, config, journal_results, snapshot, start, with_latency};
use scimitar::batch::journal::SealCheck;
use scimitar::batch::seal::SealKey;
use scimitar::batch::{JournalState, ResultKind};
use scimitar::fake::{FakeServer, Faults};

fn patches(fake: &FakeServer) -> HashMap<String, u32> {
    fake.stats().patches
}

fn total_patches(fake: &FakeServer) -> u32 {
    patches(fake).values().sum()
}

fn key_of(cli: &Cli) -> SealKey {
    SealKey::load_or_create(&cli.path("data")).unwrap()
}

fn apply_args<'a>(journal: &'a str, action: &'a str, filter: &'a str) -> Vec<&'a str> {
    vec![
        "apply",
        "--filter",
        filter,
        "--action",
        action,
        "--yes",
        "--max-users",
        "5000",
        "--journal",
        journal,
    ]
}

/// Starts `args`, waits for `results` result records in the journal, SIGKILLs the process.
async fn kill_at(cli: &Cli, args: &[&str], journal: &Path, results: usize) {
    let mut child = cli.command(args).spawn().unwrap();
    let reached = common::wait_until(Duration::from_secs(60), async || {
        journal_results(journal) >= results
    })
    .await;
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    assert!(reached, "{args:?} never reached {results} results");
    assert!(!status.success(), "{args:?} ended before it was killed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_five_points_then_resumed_matches_the_plan_and_undo_restores() {
    let fake = start(with_latency(Duration::from_millis(10), config(2000))).await;
    let before = snapshot(&fake);
    let cli = Cli::new(&fake);
    let journal = cli.path("kill.jsonl");
    let j = journal.to_str().unwrap();
    let apply = apply_args(j, "disable-and-remove", "active eq true");
    let resume = ["resume", j, "--yes", "--concurrency", "8"];
    kill_at(&cli, &apply, &journal, 150).await;
    for at in [500, 850, 1200, 1550] {
        kill_at(&cli, &resume, &journal, at).await;
    }
    let out = cli.run(&resume).await;
    assert_eq!(out.code, Some(0), "{out:?}");

    let state = JournalState::read_sealed(&journal, &key_of(&cli)).unwrap();
    assert_eq!(state.seal, SealCheck::Verified);
    assert!(state.torn.is_none() && state.unknown.is_empty() && state.remaining().is_empty());
    assert!(state.targets.len() > 1000, "{}", state.targets.len());
    let sent = patches(&fake);
    for t in &state.targets {
        let u = fake.user(&t.user_id).unwrap();
        match state.outcome_of(&t.user_id) {
            Some(ResultKind::Done) | Some(ResultKind::NoOp) => {
                assert!(
                    !u.active && u.workspaces.is_empty(),
                    "{} not as planned",
                    t.user_id
                )
            }
            Some(ResultKind::Protected) => assert_eq!(u.user_name, fake.login),
            other => panic!("{}: {other:?}", t.user_id),
        }
        // One request per user for this action, however often the run was killed.
        let n = sent.get(&t.user_id).copied().unwrap_or(0);
        assert!(n <= 1, "{} patched {n} times", t.user_id);
        // A user this batch sent a change to is reported changed, never no-op.
        if state.first_before.contains_key(&t.user_id) {
            assert_eq!(
                state.outcome_of(&t.user_id),
                Some(ResultKind::Done),
                "{}",
                t.user_id
            );
        }
    }
    let summary = out.json();
    let rows: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(summary["report_json"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let confirmed = rows
        .iter()
        .filter(|r| r["detail"] == "changed (confirmed on resume)")
        .count();
    assert!(
        rows.iter().all(|r| r["outcome"] != "unknown"),
        "a row is left unknown"
    );
    eprintln!("users confirmed on resume after five kills: {confirmed}");

    let undo = cli
        .run(&[
            "undo",
            j,
            "--yes",
            "--max-users",
            "5000",
            "--undo-journal",
            cli.path("undo.jsonl").to_str().unwrap(),
        ])
        .await;
    assert_eq!(undo.code, Some(0), "{undo:?}");
    assert_eq!(snapshot(&fake), before, "undo did not restore the tenant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_resume_of_the_same_journal_is_refused_and_sends_nothing() {
    let fake = start(with_latency(Duration::from_millis(30), config(600))).await;
    let cli = Cli::new(&fake);
    let journal = cli.path("two.jsonl");
    let j = journal.to_str().unwrap();
    kill_at(
        &cli,
        &apply_args(j, "disable", "active eq true"),
        &journal,
        50,
    )
    .await;

    // The first resume holds the journal; the second, started while it runs, is refused.
    let first = cli
        .command(&["resume", j, "--yes", "--concurrency", "2"])
        .spawn()
        .unwrap();
    let pid = first.id().unwrap();
    let before = journal_results(&journal);
    let pid_file = scimitar::batch::journal::pid_file(&journal);
    let running = common::wait_until(Duration::from_secs(30), async || {
        std::fs::read_to_string(&pid_file).is_ok_and(|p| p.trim() == pid.to_string())
            && journal_results(&journal) > before
    })
    .await;
    assert!(running, "the first resume never started");
    let second = cli.run(&["resume", j, "--yes"]).await;
    assert_eq!(second.code, Some(2), "{second:?}");
    assert!(
        second
            .stderr
            .contains(&format!("journal in use by PID {pid}")),
        "{second:?}"
    );
    let out = first.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Nobody got two PATCHes: the second resume sent none.
    assert!(patches(&fake).values().all(|n| *n <= 1));
    let state = JournalState::read(&journal).unwrap();
    assert!(state.remaining().is_empty() && state.unknown.is_empty());
    // One apply and one resume wrote to it: the refused one wrote nothing.
    let text = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(text.matches("\"record\":\"resume\"").count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journal_onto_an_existing_file_or_a_link_is_refused_and_nothing_is_sent() {
    let fake = start(config(50)).await;
    let cli = Cli::new(&fake);
    let existing = cli.path("existing.jsonl");
    std::fs::write(&existing, "keep me\n").unwrap();
    let out = cli
        .run(&apply_args(
            existing.to_str().unwrap(),
            "disable",
            "active eq true",
        ))
        .await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains(existing.to_str().unwrap()) && out.stderr.contains("already exists"),
        "{out:?}"
    );
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me\n");

    #[cfg(unix)]
    {
        let target = cli.path("target.txt");
        std::fs::write(&target, "target\n").unwrap();
        let link = cli.path("link.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let out = cli
            .run(&apply_args(
                link.to_str().unwrap(),
                "disable",
                "active eq true",
            ))
            .await;
        assert_eq!(out.code, Some(2), "{out:?}");
        assert!(out.stderr.contains("symbolic link"), "{out:?}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "target\n");
        // A dangling link is no way in either.
        let dangling = cli.path("dangling.jsonl");
        std::os::unix::fs::symlink(cli.path("nowhere.jsonl"), &dangling).unwrap();
        let out = cli
            .run(&apply_args(
                dangling.to_str().unwrap(),
                "disable",
                "active eq true",
            ))
            .await;
        assert_eq!(out.code, Some(2), "{out:?}");
        assert!(!cli.path("nowhere.jsonl").exists());
    }
    assert_eq!(total_patches(&fake), 0);
}

/// Rewrites each line of a journal with `f` (seals are left as they are: now wrong).
fn edit(path: &Path, mut f: impl FnMut(serde_json::Value) -> Vec<serde_json::Value>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    for l in text.lines() {
        for v in f(serde_json::from_str(l).unwrap()) {
            out.push_str(&serde_json::to_string(&v).unwrap());
            out.push('\n');
        }
    }
    std::fs::write(path, out).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edited_journals_are_refused_and_trusted_ones_restore_only_what_was_taken() {
    let fake = start(config(300)).await;
    let cli = Cli::new(&fake);
    let users = fake.users();
    let all_ws: Vec<serde_json::Value> = fake
        .workspaces()
        .iter()
        .map(|w| serde_json::json!({"id": w.id, "name": w.name}))
        .collect();
    // Twenty active users with some workspaces are disabled.
    let chosen: Vec<_> = users
        .iter()
        .filter(|u| u.active && !u.workspaces.is_empty() && u.user_name != fake.login)
        .take(20)
        .collect();
    let filter = common::id_filter(chosen.iter().copied());
    // Someone never in the run, inactive with few workspaces: the injected target.
    let outsider = users
        .iter()
        .find(|u| !u.active && u.workspaces.len() < 3 && !chosen.iter().any(|c| c.id == u.id))
        .expect("an inactive user");
    let journal = cli.path("run.jsonl");
    let j = journal.to_str().unwrap();
    let out = cli.run(&apply_args(j, "disable", &filter)).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let disabled = snapshot(&fake);
    let victim = chosen[0].id.clone();

    let undo_args = |name: &str| {
        vec![
            "undo".to_string(),
            name.to_string(),
            "--yes".into(),
            "--undo-journal".into(),
            cli.path(&format!("{}.undo.jsonl", name.len()))
                .display()
                .to_string(),
        ]
    };
    let run_undo = |extra: Vec<&'static str>, path: &Path| {
        let mut a = undo_args(path.to_str().unwrap());
        a.extend(extra.into_iter().map(String::from));
        a
    };
    let copy = |name: &str| {
        let p = cli.path(name);
        std::fs::copy(&journal, &p).unwrap();
        p
    };

    // 1. Before-states widened: three more workspaces for one user.
    let widened = copy("widened.jsonl");
    edit(&widened, |mut v| {
        if v["record"] == "attempt" && v["user_id"] == victim.as_str() {
            let ws = v["before"]["workspaces"].as_array_mut().unwrap();
            for w in all_ws.iter().take(3) {
                ws.push(w.clone());
            }
        }
        vec![v]
    });
    // 2. An injected target with everything.
    let injected = copy("injected.jsonl");
    edit(&injected, |mut v| {
        let mut out = Vec::new();
        if v["record"] == "run" {
            v["targets"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({"user_id": outsider.id, "user_name": outsider.user_name}));
        }
        let end = v["record"] == "end";
        if end {
            out.push(serde_json::json!({
                "record": "attempt", "user_id": outsider.id, "user_name": outsider.user_name,
                "at": "now", "before": {"active": true, "workspaces": all_ws},
                "after": {"active": false, "workspaces": all_ws}, "requests": []
            }));
        }
        out.push(v);
        out
    });
    // 3. Nothing changed but one seal.
    let resealed = copy("resealed.jsonl");
    let text = std::fs::read_to_string(&resealed).unwrap();
    let at = text.find("\"seal\":\"").unwrap() + 8;
    let flipped = if &text[at..at + 1] == "0" { "1" } else { "0" };
    std::fs::write(
        &resealed,
        format!("{}{flipped}{}", &text[..at], &text[at + 1..]),
    )
    .unwrap();

    for p in [&widened, &injected, &resealed] {
        let out = cli
            .run(
                &run_undo(vec![], p)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            )
            .await;
        assert_eq!(out.code, Some(2), "{}: {out:?}", p.display());
        assert!(out.stderr.contains("does not verify"), "{out:?}");
        let resumed = cli.run(&["resume", p.to_str().unwrap(), "--yes"]).await;
        assert_eq!(resumed.code, Some(2), "{resumed:?}");
        // --yes alone never trusts, and without a terminal the count is needed.
        let out = cli
            .run(
                &run_undo(vec!["--trust-journal"], p)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            )
            .await;
        assert_eq!(out.code, Some(2), "{out:?}");
        assert!(out.stderr.contains("--trust-journal-count"), "{out:?}");
    }
    assert_eq!(
        snapshot(&fake),
        disabled,
        "a refused undo changed something"
    );

    // Trusted (the count confirms the list): the widened and injected journals give back
    // only what the run took away: the twenty are re-enabled, nothing more.
    let out = cli
        .run(
            &run_undo(
                vec!["--trust-journal", "--trust-journal-count", "20"],
                &injected,
            )
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!out.stderr.contains(&outsider.id), "{out:?}");
    let out = cli
        .run(
            &run_undo(
                vec!["--trust-journal", "--trust-journal-count", "20"],
                &widened,
            )
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let now = snapshot(&fake);
    for u in &users {
        let was = common::access_of(u);
        assert_eq!(now[&u.id], was, "{} is not as before the run", u.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_goes_down_pauses_the_run_and_resume_completes_it() {
    let fake = start(with_latency(Duration::from_millis(20), config(1500))).await;
    let cli = Cli::new(&fake);
    let journal = cli.path("down.jsonl");
    let j = journal.to_str().unwrap();
    let child = cli
        .command(&apply_args(j, "disable", "active eq true"))
        .spawn()
        .unwrap();
    let reached = common::wait_until(Duration::from_secs(60), async || {
        journal_results(&journal) >= 200
    })
    .await;
    assert!(reached);
    // The server goes down: every connection drops.
    let up = fake.faults();
    fake.set_faults(Faults {
        drop_rate: 1.0,
        ..up.clone()
    });
    let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("the run kept going against a dead server")
        .unwrap();
    let out = Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(out.code, Some(1), "{out:?}");
    let s = out.json();
    eprintln!("after the server went down: {s}");
    assert!(s["failed"].as_u64().unwrap() <= 10, "{s}");
    let planned = s["planned"].as_u64().unwrap();
    let settled = [
        "changed",
        "no_op",
        "protected",
        "not_found",
        "failed",
        "in_doubt",
    ]
    .iter()
    .map(|k| s[k].as_u64().unwrap())
    .sum::<u64>();
    assert!(
        s["not_started"].as_u64().unwrap() > planned / 2,
        "most users are left not started: {s}"
    );
    assert_eq!(
        settled + s["unknown"].as_u64().unwrap() + s["not_started"].as_u64().unwrap(),
        planned
    );
    assert!(
        out.stderr.contains(&format!("scimitar resume {j}")),
        "{out:?}"
    );

    // The server is back: resume finishes every user.
    fake.set_faults(up);
    let out = cli.run(&["resume", j, "--yes"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let state = JournalState::read(&journal).unwrap();
    for t in &state.targets {
        let u = fake.user(&t.user_id).unwrap();
        assert!(
            !u.active || u.user_name == fake.login,
            "{} still active",
            t.user_id
        );
    }
}
