//! Runs named by batch id: resume and undo take an id or a unique prefix; an interrupted run
//! is mentioned by every headless command; an undone run is not undone twice without
//! `--again`; `undo --save-plan` writes a plan `apply --plan` runs; `runs show --all` and
//! `runs --user` list who a run touched. The binary against the fake on 127.0.0.1.

mod support;

use std::path::{Path, PathBuf};

use scimitar::scim::model::User;
use support::apply_filter;
use support::inproc::{Cli, config, id_filter, mode_of, start};

/// Keeps a journal's records up to its first result: the run stops there, as after a
/// `kill -9`.
fn cut_after_first_result(journal: &Path) {
    let text = std::fs::read_to_string(journal).unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let first = lines
        .iter()
        .position(|l| l.contains("\"record\":\"result\""))
        .expect("a result");
    std::fs::write(journal, lines[..=first].concat()).unwrap();
}

fn journals(cli: &Cli) -> Vec<PathBuf> {
    let dir = cli.path("data").join("journals");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_is_named_by_its_id_everywhere_and_undone_once() {
    let fake = start(config(80)).await;
    let users: Vec<User> = fake
        .users()
        .into_iter()
        .filter(|u| u.user_name != fake.login && u.active)
        .take(6)
        .collect();
    let cli = Cli::new(&fake);
    let applied = cli
        .run(&apply_filter(
            &id_filter(&users),
            "disable",
            &["--yes", "--concurrency", "1"],
        ))
        .await;
    assert_eq!(applied.code, Some(0), "{applied:?}");
    let id = applied.json()["batch_id"].as_str().unwrap().to_string();
    let journal = PathBuf::from(applied.json()["journal"].as_str().unwrap());
    // Up to the first user's result: five users never started, and the
    // tenant as if the run had stopped there.
    cut_after_first_result(&journal);
    let state = scimitar::batch::JournalState::read(&journal).unwrap();
    assert_eq!(state.last_result.len(), 1);
    for u in users
        .iter()
        .filter(|u| !state.last_result.contains_key(&u.id))
    {
        fake.console_set_active(&u.id, true).unwrap();
    }

    // Any headless command that connects says so, once, with the command that finishes it.
    let listed = cli.run(&["users", "list", "--count", "1"]).await;
    assert_eq!(listed.code, Some(0), "{listed:?}");
    let reminders: Vec<&str> = listed
        .stderr
        .lines()
        .filter(|l| l.contains("interrupted"))
        .collect();
    assert_eq!(reminders.len(), 1, "{listed:?}");
    assert!(
        reminders[0].contains(&format!("run {id} (disable)"))
            && reminders[0].contains("5 of 6 users left")
            && reminders[0].ends_with(&format!("scimitar resume {id}")),
        "{listed:?}"
    );

    // A prefix of the id resumes it; afterwards nobody is reminded.
    let resumed = cli.run(&["resume", &id[..5], "--yes"]).await;
    assert_eq!(resumed.code, Some(0), "{resumed:?}");
    for u in &users {
        assert!(!fake.user(&u.id).unwrap().active, "{} still active", u.id);
    }
    let listed = cli.run(&["users", "list", "--count", "1"]).await;
    assert!(!listed.stderr.contains("interrupted"), "{listed:?}");

    // undo --save-plan with --dry-run writes the plan (0600) and changes nobody.
    let plan = cli.path("undo-plan.json");
    let plan_s = plan.to_str().unwrap();
    let dry = cli
        .run(&["undo", &id, "--dry-run", "--save-plan", plan_s])
        .await;
    assert_eq!(dry.code, Some(0), "{dry:?}");
    assert_eq!(mode_of(&plan) & 0o777, 0o600);
    assert!(users.iter().all(|u| !fake.user(&u.id).unwrap().active));

    let undone = cli.run(&["undo", &id, "--yes"]).await;
    assert_eq!(undone.code, Some(0), "{undone:?}");
    let undo_id = undone.json()["batch_id"].as_str().unwrap().to_string();
    assert!(users.iter().all(|u| fake.user(&u.id).unwrap().active));

    // Someone disables a user again; a second undo of the same run must not touch them.
    fake.console_set_active(&users[0].id, false).unwrap();
    let before = fake.stats();
    let files = journals(&cli);
    let again = cli.run(&["undo", &id, "--yes"]).await;
    assert_eq!(again.code, Some(0), "{again:?}");
    assert!(
        again
            .stderr
            .contains(&format!("already undone by {undo_id} at ")),
        "{again:?}"
    );
    assert!(again.stderr.contains("nothing to do"), "{again:?}");
    let after = fake.stats();
    for kind in ["get", "patch", "list"] {
        assert_eq!(before.kind(kind), after.kind(kind), "{kind}: {again:?}");
    }
    assert_eq!(journals(&cli), files, "no new run");
    assert!(!fake.user(&users[0].id).unwrap().active);

    // --again insists: a new undo run, which gives the access back.
    let insisted = cli.run(&["undo", &id, "--again", "--yes"]).await;
    assert_eq!(insisted.code, Some(0), "{insisted:?}");
    assert!(fake.user(&users[0].id).unwrap().active);
    assert_eq!(journals(&cli).len(), files.len() + 1);

    // The saved undo plan is an undo too: the run was undone, so it sends nothing.
    let before = fake.stats();
    let replay = cli.run(&["apply", "--plan", plan_s, "--yes"]).await;
    assert_eq!(replay.code, Some(0), "{replay:?}");
    assert!(
        replay.stderr.contains("already undone by ") && replay.stderr.contains("nothing to do"),
        "{replay:?}"
    );
    assert_eq!(before.kind("patch"), fake.stats().kind("patch"));
    assert_eq!(journals(&cli).len(), files.len() + 1);
    // --plan given a run's id says what to do with a run.
    let wrong = cli.run(&["apply", "--plan", &id, "--yes"]).await;
    assert_eq!(wrong.code, Some(2), "{wrong:?}");
    assert!(
        wrong
            .stderr
            .contains(&format!("is run {id}, not a plan file"))
            && wrong.stderr.contains(&format!("scimitar undo {id}")),
        "{wrong:?}"
    );

    // runs show --all: every user of the run, before -> after.
    let shown = cli.run(&["runs", "show", &id, "--all"]).await;
    assert_eq!(shown.code, Some(0), "{shown:?}");
    assert!(shown.stdout.contains("users (6):"), "{shown:?}");
    for u in &users {
        let line = shown
            .stdout
            .lines()
            .find(|l| l.contains(&format!("({})", u.id)))
            .unwrap_or_else(|| panic!("{} not listed: {shown:?}", u.id));
        assert!(
            line.contains("active, ") && line.contains("-> inactive"),
            "{line}"
        );
    }
    let json = cli
        .run(&["runs", "show", &id, "--all", "--format", "json"])
        .await
        .json();
    assert_eq!(json["users"].as_array().unwrap().len(), 6, "{json}");

    // runs --user: the runs that touched that user, newest first. The second undo had only
    // the user disabled again to give back.
    let runs_of = async |user: &str| -> Vec<String> {
        let v = cli
            .run(&["runs", "--user", user, "--format", "json"])
            .await
            .json();
        v["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    let insisted_id = insisted.json()["batch_id"].as_str().unwrap().to_string();
    assert_eq!(
        runs_of(&users[1].user_name).await,
        [undo_id.clone(), id.clone()]
    );
    assert_eq!(
        runs_of(&users[0].id.to_uppercase()).await,
        [insisted_id, undo_id.clone(), id.clone()]
    );
    let table = cli.run(&["runs", "--user", &users[1].user_name]).await;
    let did = |run: &str| {
        table
            .stdout
            .lines()
            .find(|l| l.starts_with("  ") && l.contains(&format!(" {run}: ")))
            .unwrap_or_else(|| panic!("{run} not in {table:?}"))
            .to_string()
    };
    assert!(did(&id).contains("[done] active, ") && did(&id).contains("-> inactive"));
    assert!(did(&undo_id).contains("[done] inactive, ") && did(&undo_id).contains("-> active"));
    let nobody = cli.run(&["runs", "--user", "nobody@example.com"]).await;
    assert!(nobody.stdout.contains("no run in "), "{nobody:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_that_names_no_run_says_what_is_accepted_and_sends_nothing() {
    let fake = start(config(20)).await;
    let cli = Cli::new(&fake);
    for cmd in ["resume", "undo"] {
        let out = cli.run(&[cmd, "ffffffff", "--yes"]).await;
        assert_eq!(out.code, Some(2), "{out:?}");
        assert!(
            out.stderr.contains("no run has the id `ffffffff`")
                && out.stderr.contains("scimitar runs"),
            "{out:?}"
        );
    }
    assert_eq!(fake.stats().kind("patch"), 0);
}
