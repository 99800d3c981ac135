//! Issue 26 points 8 and 10 in a real terminal at 60x15: the help overlay scrolls to its
//! last row with `G`, and `/` finds text in it (the bar counts the matches, Esc clears the
//! search, a second Esc closes the help). The built binary in tmux against `scimitar fake
//! serve`; skipped (with a notice) when tmux is missing.

mod support;

use support::{Fake, Sandbox, Tmux, bin};

#[test]
fn at_60x15_the_help_scrolls_to_its_end_and_is_searched() {
    let name = "at_60x15_the_help_scrolls_to_its_end_and_is_searched";
    if !support::tmux::available(name) {
        return;
    }
    let fake = Fake::start(20);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let t = Tmux::start(60, 15, &env, &[bin()]);
    t.wait_text("loaded 20 / 20");
    t.keys(&["?"]);
    let s = t.wait_text("Keys: list");
    assert!(
        s.contains("more (j, pgdn, G)"),
        "the help says there is more:\n{s}"
    );
    t.keys(&["G"]);
    t.wait_for("the help's last row", |s| {
        s.contains("this help") && !s.contains("↓")
    });

    t.keys(&["/"]);
    t.type_text("export");
    let s = t.wait_text("/export  1 of 1");
    assert!(s.contains("export shown rows (CSV)"), "{s}");
    t.keys(&["Enter"]);
    t.wait_text("n next  N previous  esc clears");
    t.keys(&["Escape"]);
    t.wait_for("the search to clear", |s| {
        !s.contains("/export") && s.contains("Keys: list")
    });
    t.keys(&["Escape"]);
    t.wait_for("the help to close", |s| !s.contains("Keys: list"));
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.screen());
}
