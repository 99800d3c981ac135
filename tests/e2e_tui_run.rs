//! The whole bulk-change flow in a real terminal (tmux, 80x24, NO_COLOR) against a slow
//! `scimitar fake serve`: a server filter selects ~100 active users, `a` ticks them, the
//! action menu, preview and typed-count confirmation start a "disable" run; Esc while it
//! runs stops it part way (the screen says so, the summary names the journal); `R` resumes
//! it to the end; `u` undoes it, giving back every user's active flag and workspaces; `q`
//! quits with status 0. Every outcome is checked against the fake with
//! `scimitar users list --all --format json`. Skipped (with a notice) when tmux is missing.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use support::tmux::figure;
use support::{Env, Fake, Sandbox, Tmux, active_targets, tenant_by_id, users_where};

const USERS: usize = 400;
const FILTER: &str = r#"active eq true and name.familyName ge "S""#;

/// What a user looks like to the run: active flag and sorted workspace ids.
type UserState = (bool, Vec<String>);

/// The ids the server filter selects.
fn filtered_ids(env: &Env) -> BTreeSet<String> {
    let v = users_where(env, FILTER);
    v.as_array()
        .expect("a JSON array of users")
        .iter()
        .map(|u| u["id"].as_str().expect("user id").to_string())
        .collect()
}

/// The chosen users that are disabled now; panics if a user outside the set changed or a
/// chosen user lost a workspace (disable touches the active flag only).
fn disabled_and_others_untouched(
    env: &Env,
    before: &BTreeMap<String, UserState>,
    chosen: &BTreeSet<String>,
) -> usize {
    let now = tenant_by_id(env);
    assert_eq!(
        now.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "the tenant's users are the same ones"
    );
    let mut disabled = 0;
    for (id, state) in &now {
        let was = &before[id];
        if chosen.contains(id) {
            assert_eq!(state.1, was.1, "{id}: disable keeps the workspaces");
            if !state.0 {
                disabled += 1;
            }
        } else {
            assert_eq!(
                state, was,
                "{id} is outside the selection and must not change"
            );
        }
    }
    disabled
}

#[test]
fn filter_tick_disable_cancel_resume_undo_and_quit_at_80x24() {
    if !support::tmux::available("filter_tick_disable_cancel_resume_undo_and_quit_at_80x24") {
        return;
    }
    let started = std::time::Instant::now();
    let fake = Fake::start_with(&["--users", &USERS.to_string(), "--latency-ms", "1000"]);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");

    let before = tenant_by_id(&env);
    assert_eq!(before.len(), USERS);
    let chosen = filtered_ids(&env);
    let n = chosen.len();
    assert!(
        (60..=150).contains(&n),
        "the filter should select 60..150 users, selects {n}"
    );
    assert!(
        chosen.iter().all(|id| before[id].0),
        "the filter selects active users only"
    );

    let t = Tmux::start(80, 24, &env, &[support::bin()]);
    t.wait_text(&format!("loaded {USERS} / {USERS}"));

    // 1. The server filter.
    t.server_filter(FILTER);
    t.wait_for("the filtered list", |s| {
        s.contains(&format!("loaded {n} / {n}")) && !s.contains("SCIM filter (server side)")
    });

    // 2. Tick all shown, the action menu, disable, the preview, the confirmation.
    t.keys(&["a"]);
    t.wait_text(&format!("ticked {n} shown users ({n} selected)"));
    t.keys(&["A"]);
    let s = t.wait_text(&format!("Action for {n} selected users"));
    assert!(s.contains("▶ 1."), "the cursor is on the first item:\n{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for("the preview of disable", |s| {
        s.contains("Preview: disable") && s.contains("to change ")
    });
    assert_eq!(figure(&s, "to change"), Some(n), "{s}");
    assert!(s.contains("Nothing has been sent."), "{s}");
    assert_eq!(
        disabled_and_others_untouched(&env, &before, &chosen),
        0,
        "nothing is sent before the confirmation"
    );
    t.keys(&["Enter"]);
    t.confirm_count(Some(n));

    // 3. The run shows its progress; Esc stops it part way.
    let s = t.wait_for("some users done in the progress pane", |s| {
        s.contains("Running: disable") && figure(s, "done").is_some_and(|d| d >= 1)
    });
    assert!(s.contains("remaining "), "{s}");
    // Esc asks first, as q does (issue 26 point 5); y stops dispatching.
    t.keys(&["Escape"]);
    t.wait_text("Stop the run?");
    t.keys(&["y"]);
    t.wait_text("STOPPING…");
    let s = t.wait_text("Stopped: disable");
    assert!(
        s.contains("journal "),
        "the summary names the journal:\n{s}"
    );
    let journals = sandbox.journals_named_in(&s);
    assert_eq!(
        journals.len(),
        1,
        "the journal named on screen is a file in the data directory:\n{s}\n{:?}",
        sandbox.files()
    );
    let changed = figure(&s, "changed").expect("changed count");
    let disabled = disabled_and_others_untouched(&env, &before, &chosen);
    assert!(
        disabled > 0 && disabled < n,
        "a cancelled run disables some but not all of the {n}: {disabled}\n{s}"
    );
    assert_eq!(changed, disabled, "the summary's count is the fake's:\n{s}");

    // 4. Resume: the rest are re-checked and disabled.
    t.keys(&["R"]);
    let s = t.wait_for("the resume confirmation", |s| {
        s.contains("Confirm the change") && s.contains(" re-checked")
    });
    let recheck = figure(&s, "Users  ").expect("the count to re-check");
    assert!(
        recheck >= n - disabled && recheck <= n,
        "resume re-checks the {} users not done (at most {n}): {recheck}\n{s}",
        n - disabled
    );
    t.confirm_count(Some(recheck));
    let s = t.wait_text("Finished: re-check and disable");
    assert!(s.contains("journal "), "{s}");
    assert_eq!(
        disabled_and_others_untouched(&env, &before, &chosen),
        n,
        "after the resume every chosen user is disabled:\n{s}"
    );

    // 5. Undo: every chosen user is active again with the same workspaces.
    t.keys(&["u"]);
    let s = t.wait_for("the undo preview", |s| {
        s.contains("Preview: undo") && s.contains("to change ")
    });
    assert_eq!(
        figure(&s, "to change"),
        Some(n),
        "the undo plan covers every user the run changed, first run and resume alike:\n{s}"
    );
    t.keys(&["Enter"]);
    t.confirm_count(Some(n));
    let s = t.wait_text("Finished: undo");
    assert_eq!(figure(&s, "changed"), Some(n), "{s}");
    assert_eq!(
        tenant_by_id(&env),
        before,
        "after the undo the tenant is as it was before the run"
    );

    // 6. Quit.
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.history_and_screen());
    eprintln!("e2e_tui_run took {:?}", started.elapsed());
}

/// At 80x24 the summary's paths (journal, reports) are longer than a line and wrap, but
/// `view/summary.rs` sizes its top area by the number of *logical* lines
/// (`top_h = lines.len()`), so the wrapped rows push the last lines out of it: the key
/// hints ("u undo plan  R resume / retry failures  esc back to the list") and, after a
/// stopped or failed run, "Some users are not done: R resumes the run…" are never shown.
#[test]
fn at_80x24_the_summary_shows_its_follow_up_keys() {
    if !support::tmux::available("at_80x24_the_summary_shows_its_follow_up_keys") {
        return;
    }
    let fake = Fake::start(50);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let (_, target) = active_targets(&env, &fake, 1).remove(0);
    let t = Tmux::start(80, 24, &env, &[support::bin()]);
    t.wait_text("loaded 50 / 50");
    t.server_filter(&format!(r#"userName eq "{target}""#));
    t.wait_text("loaded 1 / 1");
    t.preview_disable_of_shown(Some(1), "Enter");
    t.keys(&["Enter"]);
    t.confirm_count(Some(1));
    let s = t.wait_text("Finished: disable");
    let s = if s.contains("journal ") {
        s
    } else {
        t.wait_text("journal ")
    };
    assert!(
        s.contains("u undo plan") && s.contains("R resume / retry failures"),
        "the summary shows its follow-up keys at 80x24:\n{s}"
    );
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}

/// A headless run of the same tenant is going while the TUI confirms another: the
/// confirmation says so, as `apply` does, before anything is typed.
#[test]
fn the_confirmation_warns_of_another_run_of_the_tenant() {
    let name = "the_confirmation_warns_of_another_run_of_the_tenant";
    if !support::tmux::available(name) {
        return;
    }
    let fake = Fake::start_with(&["--users", "60", "--latency-ms", "1000"]);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let targets = active_targets(&env, &fake, 21);
    let (first, others) = targets.split_first().expect("users");
    let journal = sandbox.path().join("other.jsonl");
    let filter = others
        .iter()
        .map(|(id, _)| format!(r#"id eq "{id}""#))
        .collect::<Vec<_>>()
        .join(" or ");
    let bg_journal = journal.display().to_string();
    let args = support::apply_filter(
        &filter,
        "disable",
        &["--yes", "--concurrency", "1", "--journal", &bg_journal],
    );
    // Its own process, left going past the TUI's confirmation (20 users at 1 s each).
    let mut cmd = std::process::Command::new(support::bin());
    cmd.args(&args);
    env.apply(&mut cmd);
    let mut other = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn the other run");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !std::fs::read_to_string(&journal)
        .unwrap_or_default()
        .contains("\"record\":\"attempt\"")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the other run never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    let t = Tmux::start(100, 30, &env, &[support::bin()]);
    t.wait_text("loaded 60 / 60");
    t.server_filter(&format!(r#"userName eq "{}""#, first.1));
    t.wait_text("loaded 1 / 1");
    t.preview_disable_of_shown(Some(1), "Enter");
    t.keys(&["Enter"]);
    let s = t.wait_text("another run of tenant");
    assert!(s.contains("Confirm the change"), "{s}");
    t.keys(&["Escape"]);
    t.keys(&["Escape"]);
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "q quits");
    let _ = other.kill();
    let _ = other.wait();
}
