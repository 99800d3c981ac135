//! The journal is watched, end to end with the real binary against the fake: removed or
//! replaced mid-run, dispatching stops at once, every record goes to a recovery file (0600)
//! named with the journal on stderr, the summary is printed, and resume and undo of the
//! recovery file finish the run and restore everyone.

mod support;
use support::inproc as common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{
    Cli, active_users, config, disable_args, id_filter, mode_of, snapshot, start, with_latency,
};
use scimitar::fake::FakeServer;

fn total_patches(fake: &FakeServer) -> u32 {
    fake.stats().patches.values().sum()
}

/// The recovery file named on stderr after "are in ".
fn recovery_named(stderr: &str) -> PathBuf {
    let at = stderr
        .find("are in ")
        .unwrap_or_else(|| panic!("no recovery file named: {stderr}"));
    let rest = &stderr[at + "are in ".len()..];
    PathBuf::from(rest.split(" (").next().unwrap().trim())
}

fn attempts_in(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .matches("\"record\":\"attempt\"")
        .count()
}

/// Starts a slow run, does `meddle` to the journal once a few attempts are in it, and
/// checks the run stops with a usable recovery file; then resume and undo from that file.
async fn meddle_mid_run(meddle: impl FnOnce(&Path), why: &str) {
    let fake = start(with_latency(Duration::from_millis(150), config(200))).await;
    let before = snapshot(&fake);
    let targets = active_users(&fake, 80);
    let cli = Cli::new(&fake);
    let journal = cli.path("watched.jsonl");
    let j = journal.to_str().unwrap();
    let filter = id_filter(&targets);
    let args = disable_args(&filter, "2", j);
    let child = cli.command(&args).spawn().unwrap();
    let reached =
        common::wait_until(Duration::from_secs(30), async || attempts_in(&journal) >= 6).await;
    assert!(reached, "the run never got going");
    meddle(&journal);
    let sent_when_meddled = total_patches(&fake);
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("stops within a minute")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!("the journal {j} {why}")),
        "{stderr}"
    );
    let recovery = recovery_named(&stderr);
    assert!(recovery.exists(), "{recovery:?}: {stderr}");
    assert_eq!(mode_of(&recovery), 0o600);
    // Stopped at once: at most the requests in flight (2) and the syncer's second more.
    let sent = total_patches(&fake);
    assert!(
        sent <= sent_when_meddled + 12,
        "{sent} sent, {sent_when_meddled} when the journal went"
    );
    assert!((sent as usize) < targets.len(), "{sent} sent: did not stop");
    let summary: serde_json::Value = serde_json::from_str(&stdout).expect("a summary");
    assert_eq!(summary["failed"], 0, "{summary}");
    assert!(summary["not_started"].as_u64().unwrap() > 0, "{summary}");
    assert!(
        stderr.contains(&format!("scimitar resume {}", recovery.display())),
        "{stderr}"
    );
    // Every PATCH the fake took is in the recovery file as an attempt.
    assert_eq!(attempts_in(&recovery), sent as usize, "{stderr}");

    let r = recovery.to_str().unwrap();
    let out = cli.run(&["resume", r, "--yes"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    for t in &targets {
        assert!(!fake.user(&t.id).unwrap().active, "{} still active", t.id);
    }
    let out = cli.run(&["undo", r, "--yes"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        snapshot(&fake),
        before,
        "undo of the recovery file restores everyone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_removed_mid_run_stops_it_and_the_recovery_file_resumes_and_undoes() {
    meddle_mid_run(|j| std::fs::remove_file(j).unwrap(), "was removed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_replaced_mid_run_stops_it_and_the_recovery_file_resumes_and_undoes() {
    meddle_mid_run(
        |j| {
            let other = j.with_file_name("other.jsonl");
            std::fs::write(&other, b"not a journal\n").unwrap();
            std::fs::rename(&other, j).unwrap();
        },
        "was replaced by another file",
    )
    .await;
}
