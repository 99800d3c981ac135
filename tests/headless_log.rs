//! `apply` as cron or CI runs it: stderr is a file. A progress line every 5 s, every failed
//! user with the reason at the end, input counts in the JSON summary, and input rows that
//! could not be used making the exit code 1 unless --allow-missing.

mod support;

use std::process::Stdio;
use std::time::Duration;

use scimitar::batch::{JournalState, Record};
use scimitar::fake::FakeServer;
use scimitar::scim::model::User;
use support::apply_csv;
use support::inproc::{
    Cli, config, holding_both, holding_only_first, one_workspace_per_request, start, with_latency,
};

/// Users holding both of the two commonest workspaces (keeping both needs a request naming
/// two, which a server allowing one per request refuses) and users holding only the first.
fn split(fake: &FakeServer) -> (Vec<User>, Vec<User>, String, String) {
    let users: Vec<User> = fake
        .users()
        .into_iter()
        .filter(|u| u.user_name != fake.login)
        .collect();
    let (a, b) = support::inproc::two_commonest_workspaces(&users);
    let both = holding_both(&users, &a, &b, 3);
    let one = holding_only_first(&users, &a, &b, 40);
    (both, one, a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_run_logs_progress_and_lists_every_failure_with_its_reason() {
    let fake = start(one_workspace_per_request(with_latency(
        Duration::from_millis(150),
        config(600),
    )))
    .await;
    let (both, one, a, b) = split(&fake);
    assert_eq!((both.len(), one.len()), (3, 40));
    let cli = Cli::new(&fake);
    let csv = cli.path("users.csv");
    let mut text = String::from("email\n");
    for u in both.iter().chain(&one) {
        text.push_str(&format!("{}\n", u.user_name));
    }
    text.push_str(&format!("{}\n", one[0].user_name)); // a duplicate
    text.push_str("left.long.ago@nowhere.example\nann@@x.com\n");
    std::fs::write(&csv, text).unwrap();
    let log = cli.path("stderr.log");
    let keep = ["--keep", &a, "--keep", &b, "--concurrency", "1", "--yes"];
    let mut cmd = cli.command(&apply_csv(csv.to_str().unwrap(), "keep-workspaces", &keep));
    cmd.stderr(Stdio::from(std::fs::File::create(&log).unwrap()));
    let child = cmd.spawn().unwrap();
    let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("the run finished")
        .unwrap();
    let stderr = std::fs::read_to_string(&log).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");

    let progress: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("progress: "))
        .collect();
    assert!(!progress.is_empty(), "no progress line:\n{stderr}");
    for l in &progress {
        for part in ["done ", "failed ", "remaining ", "users/s", "ETA "] {
            assert!(l.contains(part), "`{part}` missing in {l}");
        }
    }
    // No bar drawing characters or carriage returns in a log.
    assert!(!stderr.contains('\r'), "{stderr:?}");

    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let state = JournalState::read(summary["journal"].as_str().unwrap().as_ref()).unwrap();
    assert!(stderr.contains("failed (3):"), "{stderr}");
    for u in &both {
        let Some(Record::Result { detail, .. }) = state.last_result.get(&u.id) else {
            panic!("{} has no result", u.id)
        };
        let line = stderr
            .lines()
            .find(|l| l.contains(&u.user_name) && l.contains(&u.id))
            .unwrap_or_else(|| panic!("{} not listed:\n{stderr}", u.user_name));
        assert!(line.ends_with(&format!("400 {detail}")), "{line}");
    }
    assert_eq!(summary["failed"], 3, "{summary}");
    assert_eq!(summary["changed"], 40, "{summary}");
    assert_eq!(summary["not_found"], 1, "{summary}");
    assert_eq!(summary["malformed"], 1, "{summary}");
    assert_eq!(summary["duplicates"], 1, "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_input_rows_make_exit_1_unless_allowed() {
    let fake = start(config(200)).await;
    let users: Vec<User> = fake
        .users()
        .into_iter()
        .filter(|u| u.user_name != fake.login && u.active)
        .take(4)
        .collect();
    let cli = Cli::new(&fake);
    let write = |name: &str, rows: &[&str]| {
        let p = cli.path(name);
        std::fs::write(&p, format!("email\n{}\n", rows.join("\n"))).unwrap();
        p
    };
    let run = |csv: std::path::PathBuf, extra: &'static [&'static str]| {
        let cli = &cli;
        async move {
            let csv = csv.to_str().unwrap().to_string();
            let args = apply_csv(&csv, "disable", &[&["--yes"], extra].concat());
            cli.run(&args).await
        }
    };

    // Every row used: 0.
    let clean = write("clean.csv", &[&users[0].user_name]);
    let out = run(clean, &[]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        (
            out.json()["malformed"].as_u64(),
            out.json()["duplicates"].as_u64()
        ),
        (Some(0), Some(0))
    );

    // One row not found: every user found is changed, and still 1.
    let missing = write(
        "missing.csv",
        &[&users[1].user_name, "left.long.ago@nowhere.example"],
    );
    let out = run(missing, &[]).await;
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.json()["changed"], 1);
    assert!(out.stderr.contains("--allow-missing"), "{out:?}");

    // One malformed row: 1, counted in the summary.
    let malformed = write("malformed.csv", &[&users[2].user_name, "ann@@x.com"]);
    let out = run(malformed.clone(), &["--dry-run"]).await;
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.json()["malformed"], 1);
    let out = run(malformed, &[]).await;
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.json()["malformed"], 1);

    // Expected gaps: --allow-missing, 0.
    let both = write(
        "both.csv",
        &[
            &users[3].user_name,
            "left.long.ago@nowhere.example",
            "ann@@x.com",
        ],
    );
    let out = run(both, &["--allow-missing"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert_eq!(
        (v["not_found"].as_u64(), v["malformed"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
}
