//! `scimitar runs` and `runs show` over journals made by real runs (apply, undo) of the
//! binary against the fake on 127.0.0.1.

mod support;

use scimitar::batch::{JournalState, Record};
use scimitar::scim::model::User;
use support::apply_filter;
use support::inproc::{
    Cli, config, holding_both, holding_only_first, id_filter, one_workspace_per_request, start,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_lists_past_runs_with_state_and_show_gives_every_full_reason() {
    // Keeping two workspaces needs a request naming two, which this server refuses (400):
    // users holding both fail, users holding one of them are changed.
    let fake = start(one_workspace_per_request(config(300))).await;
    let users: Vec<User> = fake
        .users()
        .into_iter()
        .filter(|u| u.user_name != fake.login && u.active)
        .collect();
    let (a, b) = support::inproc::two_commonest_workspaces(&users);
    let both = holding_both(&users, &a, &b, 3);
    let one = holding_only_first(&users, &a, &b, 2);
    assert_eq!((both.len(), one.len()), (3, 2));
    let keep_users: Vec<User> = both.iter().chain(&one).cloned().collect();
    let disable_users: Vec<User> = users
        .iter()
        .filter(|u| !keep_users.iter().any(|k| k.id == u.id))
        .take(4)
        .cloned()
        .collect();

    let cli = Cli::new(&fake);
    let nothing = cli.run(&["runs"]).await;
    assert_eq!(nothing.code, Some(0), "{nothing:?}");
    assert!(nothing.stdout.starts_with("no runs yet in "), "{nothing:?}");

    let keep = cli
        .run(&apply_filter(
            &id_filter(&keep_users),
            "keep-workspaces",
            &["--keep", &a, "--keep", &b, "--yes"],
        ))
        .await;
    assert_eq!(keep.code, Some(1), "{keep:?}");
    let keep_journal = keep.json()["journal"].as_str().unwrap().to_string();
    let disable = cli
        .run(&apply_filter(
            &id_filter(&disable_users),
            "disable",
            &["--yes"],
        ))
        .await;
    assert_eq!(disable.code, Some(0), "{disable:?}");
    let disable_journal = disable.json()["journal"].as_str().unwrap().to_string();
    let undo = cli.run(&["undo", &disable_journal, "--yes"]).await;
    assert_eq!(undo.code, Some(0), "{undo:?}");
    let undo_journal = undo.json()["journal"].as_str().unwrap().to_string();
    let keep_state = JournalState::read(keep_journal.as_ref()).unwrap();
    let disable_state = JournalState::read(disable_journal.as_ref()).unwrap();
    let undo_state = JournalState::read(undo_journal.as_ref()).unwrap();

    let out = cli.run(&["runs", "--format", "json"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3, "{v}");
    let run = |id: &str| {
        runs.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} not listed: {v}"))
    };
    let k = run(&keep_state.batch_id);
    assert_eq!(k["state"], "complete", "{k}");
    assert_eq!(
        (k["failed"].as_u64(), k["changed"].as_u64()),
        (Some(3), Some(2)),
        "{k}"
    );
    assert_eq!(k["tenant"], keep_state.tenant.as_str());
    assert_eq!(k["journal"], keep_journal.as_str());
    assert!(
        k["action"].as_str().unwrap().starts_with("keep only"),
        "{k}"
    );
    assert!(k["started"].as_str().unwrap().starts_with("20"), "{k}");
    let d = run(&disable_state.batch_id);
    assert_eq!(d["state"], "undone", "{d}");
    assert_eq!(d["undone_by"][0], undo_state.batch_id.as_str(), "{d}");
    assert_eq!(d["changed"], 4, "{d}");
    let u = run(&undo_state.batch_id);
    assert_eq!(u["state"], "complete", "{u}");
    assert_eq!(u["undoes"], disable_state.batch_id.as_str(), "{u}");
    // Newest first.
    assert_eq!(runs[0]["id"], undo_state.batch_id.as_str(), "{v}");

    let table = cli.run(&["runs"]).await;
    assert_eq!(table.code, Some(0), "{table:?}");
    let line_of = |id: &str| {
        table
            .stdout
            .lines()
            .find(|l| l.split_whitespace().nth(2) == Some(id))
            .unwrap_or_else(|| panic!("{id} not in\n{}", table.stdout))
            .to_string()
    };
    assert!(
        line_of(&disable_state.batch_id).contains("undone"),
        "{table:?}"
    );
    assert!(
        line_of(&undo_state.batch_id).contains(&format!("undo of {}", disable_state.batch_id)),
        "{table:?}"
    );

    // One run by the first characters of its id: every failed user with the whole reason.
    let prefix = &keep_state.batch_id[..6];
    let show = cli.run(&["runs", "show", prefix]).await;
    assert_eq!(show.code, Some(0), "{show:?}");
    for u in &both {
        let Some(Record::Result { detail, .. }) = keep_state.last_result.get(&u.id) else {
            panic!("{} has no result", u.id)
        };
        assert!(detail.len() > 20, "{detail}");
        let line = show
            .stdout
            .lines()
            .find(|l| l.contains(&u.user_name))
            .unwrap_or_else(|| panic!("{} not in\n{}", u.user_name, show.stdout));
        assert!(
            line.ends_with(detail.as_str()),
            "{line}\nwant the whole reason: {detail}"
        );
    }
    assert!(
        show.stdout.contains(&format!(
            "scimitar resume {} --failed-only",
            keep_state.batch_id
        )),
        "{show:?}"
    );
    let json = cli
        .run(&["runs", "show", &keep_journal, "--format", "json"])
        .await;
    assert_eq!(json.code, Some(0), "{json:?}");
    let j = json.json();
    assert_eq!(j["id"], keep_state.batch_id.as_str());
    let failures = j["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 3, "{j}");
    for f in failures {
        assert_eq!(f["status"], 400, "{f}");
        let id = f["user_id"].as_str().unwrap();
        let Some(Record::Result { detail, .. }) = keep_state.last_result.get(id) else {
            panic!("{id} has no result")
        };
        assert_eq!(f["detail"], detail.as_str());
    }

    let missing = cli.run(&["runs", "show", "zzzz9999"]).await;
    assert_eq!(missing.code, Some(2), "{missing:?}");
    assert!(
        missing.stderr.contains("no run has the id `zzzz9999`")
            && missing.stderr.contains("scimitar runs"),
        "{missing:?}"
    );
    assert_eq!(missing.stderr.matches("no run has the id").count(), 1);
}

/// A journal that is not there: one clear line, exit 2, for resume, undo and runs show.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_journal_is_said_once() {
    let fake = start(config(50)).await;
    let cli = Cli::new(&fake);
    let nope = cli.path("nope.jsonl");
    let nope = nope.to_str().unwrap();
    for args in [
        vec!["resume", nope, "--yes"],
        vec!["undo", nope, "--yes"],
        vec!["runs", "show", nope],
    ] {
        let out = cli.run(&args).await;
        assert_eq!(out.code, Some(2), "{out:?}");
        assert_eq!(out.stderr.matches(nope).count(), 1, "{args:?}: {out:?}");
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {out:?}");
    }
}

/// Nothing configured: how to connect (and the demo), not a password prompt; no terminal for
/// the TUI: said plainly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_run_says_how_to_connect_and_the_tui_needs_a_terminal() {
    let fake = start(config(50)).await;
    let mut cli = Cli::new(&fake);
    cli.env("SCIMITAR_LOGIN", "");
    let out = cli.run(&["users", "list"]).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    for part in [
        "SCIMITAR_LOGIN",
        "SCIMITAR_PASSWORD",
        "--auth bearer",
        "scimitar demo",
    ] {
        assert!(out.stderr.contains(part), "`{part}` not said: {out:?}");
    }
    assert!(!out.stderr.contains("Password"), "{out:?}");
    for args in [vec![], vec!["demo"]] {
        let out = cli.run(&args).await;
        assert_eq!(out.code, Some(2), "{out:?}");
        assert!(
            out.stderr
                .contains("the TUI needs a terminal (stdout is not a terminal)"),
            "{args:?}: {out:?}"
        );
        assert!(!out.stderr.contains("os error 6"), "{out:?}");
    }
}
