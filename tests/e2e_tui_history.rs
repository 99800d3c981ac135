//! The operator's day in a real terminal (tmux, 80x24 and 60x15, NO_COLOR) against
//! `scimitar fake serve`: a run is finished and left, reopened from `H`, and undone from
//! there, with the tenant checked by the headless `users list`; the detail view at the
//! smallest supported size reaches the user's last workspace. Skipped (with a notice) when
//! tmux is missing.

mod support;

use support::{Fake, Sandbox, Tmux, active_targets, json, tenant_by_id};

#[test]
fn finish_a_run_leave_it_reopen_it_from_h_and_undo_it_at_80x24() {
    if !support::tmux::available("finish_a_run_leave_it_reopen_it_from_h_and_undo_it_at_80x24") {
        return;
    }
    let fake = Fake::start(40);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let before = tenant_by_id(&env);
    let (target_id, target) = active_targets(&env, &fake, 1).remove(0);

    let t = Tmux::start(80, 24, &env, &[support::bin()]);
    t.wait_text("loaded 40 / 40");
    t.server_filter(&format!(r#"userName eq "{target}""#));
    t.wait_text("loaded 1 / 1");
    // The menu's digit chooses at once: 1 is "Disable".
    t.preview_disable_of_shown(Some(1), "1");
    t.keys(&["Enter"]);
    t.confirm_count(Some(1));
    t.wait_text("Finished: disable");
    assert!(
        !tenant_by_id(&env)[&target_id].0,
        "the run disabled {target}"
    );

    // Leave the summary: it is not lost.
    t.keys(&["Escape"]);
    t.wait_text("H reopens it");
    t.keys(&["H"]);
    let s = t.wait_for("the run in the history", |s| {
        s.contains("Run history") && s.contains("complete")
    });
    assert!(s.contains("disable"), "{s}");
    assert!(
        s.contains(".jsonl"),
        "the journal's file name is shown whole:\n{s}"
    );
    t.keys(&["Enter"]);
    let s = t.wait_text("Past run (complete): disable");
    assert!(s.contains("changed 1"), "{s}");
    // No path is hard-wrapped inside the border: every row that holds ".jsonl" holds
    // the whole file name.
    for line in s.lines().filter(|l| l.contains("jsonl")) {
        assert!(
            line.contains("Z-") && line.contains(".jsonl"),
            "{line}\n{s}"
        );
    }

    // Undo from there.
    t.keys(&["u"]);
    t.wait_for("the undo preview", |s| {
        s.contains("Preview: undo") && s.contains("to change ")
    });
    t.keys(&["Enter"]);
    t.confirm_count(Some(1));
    t.wait_text("Finished: undo");
    assert_eq!(
        tenant_by_id(&env),
        before,
        "after the undo the tenant is as it was"
    );

    // The history now says the first run is undone.
    t.keys(&["Escape"]);
    t.keys(&["H"]);
    t.wait_for("the undone run", |s| {
        s.contains("Run history") && s.contains("undone")
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.history_and_screen());
}

#[test]
fn the_detail_view_reaches_the_last_workspace_at_60x15() {
    if !support::tmux::available("the_detail_view_reaches_the_last_workspace_at_60x15") {
        return;
    }
    let fake = Fake::start(60);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let v = json(&env, &["users", "list", "--all", "--format", "json"]);
    let busiest = v
        .as_array()
        .expect("users")
        .iter()
        .max_by_key(|u| u["workspaces"].as_array().map_or(0, Vec::len))
        .expect("a user")
        .clone();
    let workspaces = busiest["workspaces"].as_array().expect("workspaces");
    assert!(workspaces.len() >= 3, "{busiest}");
    // The name (ids are cut at 60 columns); its first characters are enough.
    let last: String = workspaces
        .last()
        .and_then(|w| w["name"].as_str())
        .expect("the last workspace's name")
        .chars()
        .take(20)
        .collect();
    let id = busiest["id"].as_str().expect("id");

    let t = Tmux::start(60, 15, &env, &[support::bin(), "--user", id]);
    let s = t.wait_for("the detail view with rows below", |s| {
        s.contains("userName") && s.contains("more")
    });
    assert!(!s.contains(&last), "not on the first page at 60x15:\n{s}");
    t.keys(&["G"]);
    let s = t.wait_for("the last workspace", |s| s.contains(&last));
    assert!(s.contains("↑ "), "a marker says rows are above:\n{s}");
    t.keys(&["g"]);
    t.wait_for("the top again", |s| s.contains("userName"));
    // Enough pages for every row (ten rows a page at 60x15).
    let pages = (workspaces.len() + 20) / 9 + 1;
    for _ in 0..pages {
        t.keys(&["PageDown"]);
    }
    t.wait_for("pgdn reaches the last workspace", |s| s.contains(&last));
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}
