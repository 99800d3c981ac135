//! A run nobody forgets, in a real terminal (tmux, 100x30, NO_COLOR) against a slow (1.2 s)
//! `scimitar fake serve`: a disable run is quit part way (`q`, `y`); stderr names the run
//! and the command that finishes it, and the exit status is 1. The next TUI opens on a
//! popup naming that run; "resume now" goes through the typed confirmation and finishes it,
//! as the fake's state shows. Skipped (with a notice) when tmux is missing.

mod support;

use std::collections::BTreeSet;

use support::tmux::figure;
use support::{Env, Fake, Sandbox, Tmux, tenant_by_id, users_where};

const USERS: usize = 300;
const FILTER: &str = r#"active eq true and name.familyName ge "S""#;

fn filtered_ids(env: &Env) -> BTreeSet<String> {
    let v = users_where(env, FILTER);
    v.as_array()
        .expect("a JSON array of users")
        .iter()
        .map(|u| u["id"].as_str().expect("user id").to_string())
        .collect()
}

/// How many of `chosen` the fake has disabled.
fn disabled(env: &Env, chosen: &BTreeSet<String>) -> usize {
    let now = tenant_by_id(env);
    chosen.iter().filter(|id| !now[*id].0).count()
}

/// The `run ID interrupted: N of M users left; resume with: scimitar resume ID` line, as
/// (id, N, M).
fn interrupted_line(text: &str) -> Option<(String, usize, usize)> {
    let line = text.lines().find(|l| l.contains(" interrupted: "))?.trim();
    let rest = line.strip_prefix("run ")?;
    let (id, rest) = rest.split_once(" interrupted: ")?;
    let (left, rest) = rest.split_once(" of ")?;
    let (total, rest) = rest.split_once(" users left; resume with: scimitar resume ")?;
    if rest.trim() != id {
        return None;
    }
    Some((id.to_string(), left.parse().ok()?, total.parse().ok()?))
}

#[test]
fn quit_mid_run_says_how_to_resume_and_the_next_tui_offers_it() {
    if !support::tmux::available("quit_mid_run_says_how_to_resume_and_the_next_tui_offers_it") {
        return;
    }
    let fake = Fake::start_with(&["--users", &USERS.to_string(), "--latency-ms", "1200"]);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let chosen = filtered_ids(&env);
    let n = chosen.len();
    assert!(
        n >= 30,
        "the filter should select enough users to quit mid-run: {n}"
    );

    // 1. A disable run, quit part way.
    let t = Tmux::start(100, 30, &env, &[support::bin()]);
    t.wait_text(&format!("loaded {USERS} / {USERS}"));
    t.server_filter(FILTER);
    t.wait_for("the filtered list", |s| {
        s.contains(&format!("loaded {n} / {n}")) && !s.contains("SCIM filter (server side)")
    });
    t.preview_disable_of_shown(Some(n), "Enter");
    t.keys(&["Enter"]);
    t.confirm_count(Some(n));
    t.wait_for("some users done", |s| {
        s.contains("Running: disable") && figure(s, "done").is_some_and(|d| d >= 1)
    });
    t.keys(&["q"]);
    t.wait_text("Quit?");
    t.keys(&["y"]);
    assert_eq!(t.wait_exit(), 1, "{}", t.history_and_screen());
    let out = t.history_and_screen();
    let (id, left, total) = interrupted_line(&out)
        .unwrap_or_else(|| panic!("stderr names the interrupted run:\n{out}"));
    eprintln!(
        "quit part way: {}",
        out.lines()
            .find(|l| l.contains(" interrupted: "))
            .unwrap_or("")
            .trim()
    );
    let done = disabled(&env, &chosen);
    assert!(
        done > 0 && done < n,
        "quit part way: {done} of {n} disabled"
    );
    assert_eq!(total, n, "{out}");
    assert_eq!(
        left,
        n - done,
        "the users left are those the fake has not disabled:\n{out}"
    );
    drop(t);

    // 2. The next TUI offers the run; resume now finishes it.
    let t = Tmux::start(100, 30, &env, &[support::bin()]);
    let s = t.wait_text("Interrupted run");
    assert!(
        s.contains(&format!("Run {id} (disable) was interrupted")),
        "{s}"
    );
    assert!(s.contains(&format!("{left} of {n} users left")), "{s}");
    assert!(
        s.contains("resume now") && s.contains("show") && s.contains("later"),
        "{s}"
    );
    t.keys(&["r"]);
    let s = t.wait_for("the resume confirmation", |s| {
        s.contains("Confirm the change") && s.contains(" re-checked")
    });
    assert!(!s.contains("Interrupted run"), "the popup is gone:\n{s}");
    t.confirm_count(None);
    t.wait_text("Finished: re-check and disable");
    assert_eq!(
        disabled(&env, &chosen),
        n,
        "after the resume every chosen user is disabled"
    );
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.history_and_screen());
}
