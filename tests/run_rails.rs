//! The rails around a run, against the fake over real HTTP with the real binary: a 401 that
//! survives re-authentication stops the run at once and resume finishes it; a proxy's HTML
//! 502 on every list request stops a CSV lookup within a minute, quoting the proxy; SIGTERM
//! stops like Ctrl-C with the summary and the resume command; reports that cannot be
//! written are an error naming the path. Each checks the fake's state user by user.

mod support;
use support::inproc as common;

use std::time::{Duration, Instant};

use common::{Cli, active_users, config, disable_args, id_filter, snapshot, start, with_latency};
use scimitar::fake::{FakeServer, Faults};
use scimitar::scim::model::User;

/// Every user of `targets` disabled, and every other user exactly as `before`.
fn assert_only_targets_disabled(
    fake: &FakeServer,
    before: &std::collections::HashMap<String, common::Access>,
    targets: &[User],
) {
    let now = snapshot(fake);
    for (id, was) in before {
        let is = &now[id];
        if targets.iter().any(|t| &t.id == id) {
            assert!(!is.active, "{id} still active");
            assert_eq!(is.workspaces, was.workspaces, "{id} lost workspaces");
        } else {
            assert_eq!(is, was, "{id} was not in the batch but changed");
        }
    }
}

fn total_patches(fake: &FakeServer) -> u32 {
    fake.stats().patches.values().sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_after_ten_writes_stops_at_once_and_resume_finishes_the_run() {
    let fake = start(config(200)).await;
    let before = snapshot(&fake);
    let targets = active_users(&fake, 40);
    fake.set_faults(Faults {
        unauthorized_after_writes: Some(10),
        ..Faults::default()
    });
    let cli = Cli::new(&fake);
    let journal = cli.path("revoked.jsonl");
    let j = journal.to_str().unwrap();
    let filter = id_filter(&targets);
    let apply = disable_args(&filter, "1", j);
    let out = cli.run(&apply).await;
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr.contains("fix the sign-in") && out.stderr.contains("scimitar resume"),
        "{out:?}"
    );
    let summary = out.json();
    // The ten PATCHes were applied; the re-read that confirms them met the 401 too, so
    // they may stay in doubt until resume reads them.
    let settled = summary["changed"].as_u64().unwrap() + summary["in_doubt"].as_u64().unwrap();
    assert_eq!(settled, 10, "{out:?}");
    // The 11th user's PATCH was refused; nobody after it was sent anything.
    assert_eq!(summary["failed"], 1, "{out:?}");
    assert_eq!(summary["not_started"], 29, "{out:?}");
    assert_eq!(total_patches(&fake), 10);
    let disabled = targets
        .iter()
        .filter(|t| !fake.user(&t.id).unwrap().active)
        .count();
    assert_eq!(disabled, 10);

    // The token is good again: resume finishes the 30 left.
    fake.set_faults(Faults::default());
    let out = cli.run(&["resume", j, "--yes"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.json()["failed"], 0, "{out:?}");
    assert_only_targets_disabled(&fake, &before, &targets);
    assert_eq!(total_patches(&fake), 40, "one PATCH per user in all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_502_on_every_list_stops_the_csv_lookup_within_a_minute_quoting_the_proxy() {
    let fake = start(config(400)).await;
    let before = snapshot(&fake);
    let targets = active_users(&fake, 300);
    let cli = Cli::new(&fake);
    let csv = cli.path("leavers.csv");
    let ids: Vec<&str> = targets.iter().map(|u| u.id.as_str()).collect();
    std::fs::write(&csv, format!("id\n{}\n", ids.join("\n"))).unwrap();
    fake.set_faults(Faults {
        html_502_lists: true,
        ..Faults::default()
    });
    let t0 = Instant::now();
    let out = cli
        .run(&[
            "apply",
            "--csv",
            csv.to_str().unwrap(),
            "--action",
            "disable",
            "--yes",
        ])
        .await;
    let took = t0.elapsed();
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
    assert!(out.stderr.contains("502 Bad Gateway"), "{out:?}");
    assert!(out.stderr.contains("nothing was planned"), "{out:?}");
    assert!(out.stderr.contains("280 more"), "20 rows listed: {out:?}");
    // One filtered request and its retries; no splitting, no GET per id.
    let stats = fake.stats();
    assert!(stats.faults_injected <= 12, "{stats:?}");
    assert_eq!(stats.kind("get"), 0, "{stats:?}");
    assert_eq!(total_patches(&fake), 0);
    assert_eq!(snapshot(&fake), before);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_like_ctrl_c_with_the_summary_and_resume_finishes() {
    let fake = start(with_latency(Duration::from_millis(150), config(200))).await;
    let before = snapshot(&fake);
    let targets = active_users(&fake, 60);
    let cli = Cli::new(&fake);
    let journal = cli.path("term.jsonl");
    let j = journal.to_str().unwrap();
    let filter = id_filter(&targets);
    let apply = disable_args(&filter, "2", j);
    let child = cli.command(&apply).spawn().unwrap();
    let pid = child.id().unwrap();
    // Attempts, not results: results are written once a slice is re-read.
    let reached = common::wait_until(Duration::from_secs(30), async || {
        std::fs::read_to_string(&journal)
            .unwrap_or_default()
            .matches("\"record\":\"attempt\"")
            .count()
            >= 6
    })
    .await;
    assert!(reached, "the run never got going");
    // The real process, not a wrapper shell.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGTERM) }, 0);
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("exits within 30 s of SIGTERM")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("stopping"), "{stderr}");
    assert!(stderr.contains(&format!("scimitar resume {j}")), "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(summary["not_started"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");

    let out = cli.run(&["resume", j, "--yes"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_only_targets_disabled(&fake, &before, &targets);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_that_cannot_be_written_are_an_error_naming_the_path() {
    let fake = start(config(100)).await;
    let before = snapshot(&fake);
    let targets = active_users(&fake, 5);
    let cli = Cli::new(&fake);
    let journal = cli.path("blocked.jsonl");
    // A directory where the report goes: it cannot be written.
    let report = cli.path("blocked.report.csv");
    std::fs::create_dir(&report).unwrap();
    let filter = id_filter(&targets);
    let out = cli
        .run(&[
            "apply",
            "--filter",
            &filter,
            "--action",
            "disable",
            "--yes",
            "--journal",
            journal.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("cannot write the report {}", report.display())),
        "{out:?}"
    );
    assert_eq!(out.json()["changed"], 5, "{out:?}");
    assert_only_targets_disabled(&fake, &before, &targets);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_are_not_found_without_a_get_each_once_id_filters_work() {
    let fake = start(config(200)).await;
    let known = active_users(&fake, 20);
    let cli = Cli::new(&fake);
    let csv = cli.path("mostly_unknown.csv");
    // The known users first: the first filter shows that the server answers id filters.
    let mut ids: Vec<String> = known.iter().map(|u| u.id.clone()).collect();
    ids.extend((0..280).map(|i| format!("{i:08x}-0000-4000-8000-000000000000")));
    std::fs::write(&csv, format!("id\n{}\n", ids.join("\n"))).unwrap();
    let out = cli
        .run(&[
            "apply",
            "--csv",
            csv.to_str().unwrap(),
            "--action",
            "disable",
            "--dry-run",
        ])
        .await;
    assert!(out.stderr.contains("280 not found"), "{out:?}");
    assert!(out.stderr.contains("260 more not found"), "{out:?}");
    let gets = fake.stats().kind("get");
    assert!(gets <= 30, "{gets} GETs for 280 unknown ids");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_apply_or_undo_on_the_same_tenant_is_refused_with_yes_unless_allowed() {
    let fake = start(with_latency(Duration::from_millis(100), config(200))).await;
    let users = active_users(&fake, 80);
    let (first, second) = users.split_at(60);
    let cli = Cli::new(&fake);
    let journal = cli.path("first.jsonl");
    let filter_a = id_filter(first);
    let a = disable_args(&filter_a, "1", journal.to_str().unwrap());
    let run_a = cli.command(&a).spawn().unwrap();
    let going = common::wait_until(Duration::from_secs(30), async || {
        std::fs::read_to_string(&journal)
            .unwrap_or_default()
            .contains("\"record\":\"attempt\"")
    })
    .await;
    assert!(going, "the first run never got going");
    let filter_b = id_filter(second);
    let b = [
        "apply", "--filter", &filter_b, "--action", "disable", "--yes",
    ];
    let out = cli.run(&b).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("another run of tenant"), "{out:?}");
    assert!(out.stderr.contains("--allow-concurrent"), "{out:?}");
    assert!(
        second.iter().all(|u| fake.user(&u.id).unwrap().active),
        "the refused run changed nobody"
    );
    let journal_b = cli.path("second.jsonl");
    let mut allowed = b.to_vec();
    allowed.extend([
        "--allow-concurrent",
        "--journal",
        journal_b.to_str().unwrap(),
    ]);
    let out = cli.run(&allowed).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stderr.contains("warning: another run"), "{out:?}");
    assert!(second.iter().all(|u| !fake.user(&u.id).unwrap().active));
    // Undo is a run too: refused with --yes while the first run goes, unless allowed.
    let undo_b = ["undo", journal_b.to_str().unwrap(), "--yes"];
    let out = cli.run(&undo_b).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("another run of tenant"), "{out:?}");
    assert!(
        second.iter().all(|u| !fake.user(&u.id).unwrap().active),
        "the refused undo restored nobody"
    );
    let out = run_a.wait_with_output().await.unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(first.iter().all(|u| !fake.user(&u.id).unwrap().active));
    // Once both ended, a third run is not refused.
    let out = cli
        .run(&[
            "apply", "--filter", &filter_b, "--action", "disable", "--yes",
        ])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!out.stderr.contains("another run"), "{out:?}");
    let out = cli.run(&undo_b).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(second.iter().all(|u| fake.user(&u.id).unwrap().active));
}
