//! The TUI in a real terminal (tmux) at 80x24 against `scimitar fake serve`: the `last login`
//! column appears once the last logins load, `o` reaches the sort by it (never signed in
//! first), and `i` cycles the inactivity filter down to "never signed in", whose rows are
//! exactly the users the headless command finds.

mod support;

use support::{Fake, Sandbox, Tmux, json};

const USERS: usize = 300;

#[test]
fn last_login_column_sort_and_inactivity_filter_at_80x24() {
    if !support::tmux::available("last_login_column_sort_and_inactivity_filter_at_80x24") {
        return;
    }
    let fake = Fake::start(USERS);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake);
    let never = json(
        &env,
        &["users", "list", "--never-logged-in", "--format", "json"],
    );
    let never = never.as_array().expect("a JSON array").len();
    assert!(never > 0 && never < USERS, "{never}");

    let t = Tmux::start(80, 24, &env, &[support::bin()]);
    t.wait_text(&format!("loaded {USERS} / {USERS}"));
    let s = t.wait_text("Last login");
    assert!(
        s.lines().filter(|l| l.contains('@')).count() > 5,
        "rows are shown with the column:\n{s}"
    );

    // Server order, then userName, name, active, workspaces, last modified, last login.
    for _ in 0..6 {
        t.keys(&["o"]);
    }
    t.wait_text("sorted by last login");
    // The cursor stays on its user; go to the top.
    t.keys(&["g"]);
    let s = t.wait_text(&format!("1 of {USERS} "));
    let first = s
        .lines()
        .find(|l| l.contains('▶'))
        .unwrap_or_else(|| panic!("no cursor row:\n{s}"));
    assert!(first.contains("never"), "never signed in sorts first:\n{s}");

    // 30, 90, 180, 365 days, then never.
    for _ in 0..5 {
        t.keys(&["i"]);
    }
    let s = t.wait_text(&format!("1 of {never} "));
    let rows: Vec<&str> = s.lines().filter(|l| l.contains('@')).collect();
    assert!(!rows.is_empty(), "{s}");
    assert!(
        rows.iter().all(|l| l.contains("never")),
        "only users who never signed in:\n{s}"
    );
    // Off again: everyone.
    t.keys(&["i"]);
    t.wait_text(&format!("1 of {USERS} "));
    t.keys(&["q"]);
}
