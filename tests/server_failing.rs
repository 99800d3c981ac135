//! A failing server, end to end with the real binary against the fake: one breaker counts
//! every request (PATCHes, re-reads, lookups), a hung server stops the run within two
//! minutes at default settings with nobody failed, and answers over the size cap are an
//! error naming the size. Each run is judged by the fake's state, then resume and undo.

mod support;
use support::inproc as common;

use std::time::{Duration, Instant};

use common::{Cli, Output, active_users, config, id_filter, snapshot, start, with_latency};
use scimitar::fake::{FakeServer, Faults};
use scimitar::scim::model::User;

/// Runs to the end, however long (the hung server's run may take two minutes).
async fn run_long(cli: &Cli, args: &[&str]) -> Output {
    let child = cli.command(args).spawn().unwrap();
    let out = tokio::time::timeout(Duration::from_secs(300), child.wait_with_output())
        .await
        .expect("finishes within 5 minutes")
        .unwrap();
    Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn disabled(fake: &FakeServer, targets: &[User]) -> usize {
    targets
        .iter()
        .filter(|t| !fake.user(&t.id).unwrap().active)
        .count()
}

/// Resume finishes the run with every target disabled, then undo restores everyone.
async fn resume_then_undo(fake: &FakeServer, cli: &Cli, journal: &str, targets: &[User]) {
    let before = snapshot(fake);
    let out = cli.run(&["resume", journal, "--yes"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let s = out.json();
    assert_eq!(s["failed"], 0, "{out:?}");
    assert_eq!(s["in_doubt"], 0, "{out:?}");
    assert_eq!(disabled(fake, targets), targets.len(), "{out:?}");
    let out = cli
        .run(&["undo", journal, "--yes", "--max-users", "1000"])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let now = snapshot(fake);
    for (id, was) in &before {
        let mut was = was.clone();
        if targets.iter().any(|t| &t.id == id) {
            was.active = true;
        }
        assert_eq!(now[id], was, "{id} not as before the run");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_server_stops_the_run_within_two_minutes_failing_nobody() {
    let fake = start(config(200)).await;
    let targets = active_users(&fake, 60);
    fake.set_faults(Faults {
        hang_after_writes: Some(10),
        ..Faults::default()
    });
    let cli = Cli::new(&fake);
    let journal = cli.path("hung.jsonl");
    let j = journal.to_str().unwrap();
    let filter = id_filter(&targets);
    // Default settings: 8 in flight, 30 s timeout, 6 attempts.
    let t0 = Instant::now();
    let out = run_long(
        &cli,
        &[
            "apply",
            "--filter",
            &filter,
            "--action",
            "disable",
            "--yes",
            "--journal",
            j,
        ],
    )
    .await;
    let took = t0.elapsed();
    println!(
        "hung server: the run stopped after {:.1} s",
        took.as_secs_f64()
    );
    assert!(took < Duration::from_secs(120), "took {took:?}: {out:?}");
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("scimitar resume"), "{out:?}");
    let s = out.json();
    assert_eq!(s["failed"], 0, "nobody failed: {out:?}");
    let in_doubt = s["in_doubt"].as_u64().unwrap();
    let changed = s["changed"].as_u64().unwrap();
    let not_started = s["not_started"].as_u64().unwrap();
    assert!(in_doubt > 0 && not_started > 0, "{out:?}");
    assert_eq!(changed + in_doubt + not_started, 60, "{out:?}");
    // The ten PATCHes before the hang were applied, none after.
    assert_eq!(disabled(&fake, &targets), 10);
    assert!(changed + in_doubt >= 10, "{out:?}");

    fake.set_faults(Faults::default());
    resume_then_undo(&fake, &cli, j, &targets).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_re_reads_open_the_breaker_and_nobody_is_failed() {
    // Seven slices of 100: the reader is at most two slices ahead of the changes, so the
    // failing reads meet the run whatever its pace.
    let fake = start(with_latency(Duration::from_millis(20), config(700))).await;
    let targets = active_users(&fake, usize::MAX);
    // PATCHes still work; every GET (the re-reads before and after changes) answers 503.
    fake.set_faults(Faults {
        fail_reads_after_writes: Some(20),
        ..Faults::default()
    });
    let cli = Cli::new(&fake);
    let journal = cli.path("reads.jsonl");
    let j = journal.to_str().unwrap();
    let t0 = Instant::now();
    let out = run_long(
        &cli,
        &[
            "apply",
            "--filter",
            "active eq true",
            "--action",
            "disable",
            "--yes",
            "--max-users",
            "1000",
            "--journal",
            j,
        ],
    )
    .await;
    println!(
        "failing re-reads: stopped after {:.1} s, {} requests failed by the fake",
        t0.elapsed().as_secs_f64(),
        fake.stats().faults_injected
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("503"), "quotes the failure: {out:?}");
    let s = out.json();
    assert_eq!(s["failed"], 0, "{out:?}");
    assert!(s["not_started"].as_u64().unwrap() > 0, "{out:?}");
    // The breaker stopped the re-reads: a handful of failing requests, not one per user.
    let failed_requests = fake.stats().faults_injected;
    assert!(failed_requests <= 40, "{failed_requests} failing requests");
    let applied = disabled(&fake, &targets) as u64;
    assert_eq!(
        applied,
        s["changed"].as_u64().unwrap() + s["in_doubt"].as_u64().unwrap(),
        "every PATCH sent is changed or in doubt: {out:?}"
    );

    fake.set_faults(Faults::default());
    resume_then_undo(&fake, &cli, j, &targets).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_over_the_size_cap_are_an_error_naming_the_size() {
    let fake = start(config(50)).await;
    let before = snapshot(&fake);
    let target = active_users(&fake, 1).remove(0);
    let cli = Cli::new(&fake);
    // A page of 40 MiB: over the 32 MiB a page may hold.
    fake.set_faults(Faults {
        oversize_answers: Some(40 * 1024 * 1024),
        ..Faults::default()
    });
    let out = cli
        .run(&[
            "apply",
            "--filter",
            "active eq true",
            "--action",
            "disable",
            "--yes",
        ])
        .await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("over the 32.0 MiB cap"), "{out:?}");
    // One user of 5 MiB: over the 4 MiB one user may take.
    fake.set_faults(Faults {
        oversize_answers: Some(5 * 1024 * 1024),
        ..Faults::default()
    });
    let out = cli.run(&["user", "show", &target.id]).await;
    assert_ne!(out.code, Some(0), "{out:?}");
    assert!(
        out.stderr.contains("over the 4.0 MiB cap for one user"),
        "{out:?}"
    );
    assert_eq!(snapshot(&fake), before, "nothing changed");
}
