//! Issue 26 point 6 in a real terminal: at 80x24, `G` in a keep-only preview shows the last
//! user's `= keeps …` line (it once stopped short of it). The built binary in tmux against
//! `scimitar fake serve`; skipped (with a notice) when tmux is missing.

mod support;

use support::{Fake, Sandbox, Tmux, bin};

/// `N` in the preview's `user 1 of N`.
fn users_in_preview(s: &str) -> usize {
    s.split("user 1 of ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the preview counts its users:\n{s}"))
}

#[test]
fn at_80x24_g_reaches_the_last_users_keeps_line_in_the_keep_only_preview() {
    let name = "at_80x24_g_reaches_the_last_users_keeps_line_in_the_keep_only_preview";
    if !support::tmux::available(name) {
        return;
    }
    let fake = Fake::start(40);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let t = Tmux::start(80, 24, &env, &[bin()]);
    t.wait_text("loaded 40 / 40");
    t.keys(&["a"]);
    t.wait_text("shown users");
    t.keys(&["A"]);
    t.wait_text("Action for");
    t.keys(&["3"]);
    t.wait_text("Keep only these workspaces: 0 marked");
    t.keys(&["Space"]);
    t.wait_text("Keep only these workspaces: 1 marked");
    t.keys(&["Enter"]);
    let s = t.wait_for("the keep-only preview", |s| {
        s.contains("Preview: ") && s.contains("user 1 of ")
    });
    let n = users_in_preview(&s);
    assert!(n > 3, "a preview taller than the screen:\n{s}");
    t.keys(&["G"]);
    let s = t.wait_text(&format!("user {n} of {n}"));
    // The list's last row, just above the bottom border, is the last user's `= keeps` line.
    let rows: Vec<&str> = s.lines().collect();
    let bottom = rows
        .iter()
        .rposition(|l| l.starts_with('└'))
        .unwrap_or_else(|| panic!("the preview's border:\n{s}"));
    assert!(
        bottom > 0 && rows[bottom - 1].contains("= keeps"),
        "G shows the last user's `= keeps` line:\n{s}"
    );
    // Backing out sends nothing and quits cleanly.
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.screen());
}
