//! Verifying a past run from the TUI's history in a real terminal (tmux, 80x24, NO_COLOR)
//! against `scimitar fake serve`: `H`, then `v` on the run, the note while it asks, the
//! verdict in the list. Skipped (with a notice) when tmux is missing.

mod support;

use support::{Fake, Sandbox, Tmux, active_targets, apply_filter, scimitar};

#[test]

fn v_in_the_history_verifies_the_selected_run_against_the_audit_log() {
    if !support::tmux::available("v_in_the_history_verifies_the_selected_run_against_the_audit_log")
    {
        return;
    }
    let fake = Fake::start(40);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let (_, target) = active_targets(&env, &fake, 1).remove(0);
    let filter = format!(r#"userName eq "{target}""#);
    scimitar(
        &env,
        &apply_filter(&filter, "disable-and-remove", &["--yes"]),
    )
    .assert_ok("apply");

    let t = Tmux::start(80, 24, &env, &[support::bin()]);
    t.wait_text("loaded 40 / 40");
    t.keys(&["H"]);
    let s = t.wait_for("the run in the history", |s| {
        s.contains("Run history") && s.contains("complete")
    });
    assert!(
        s.contains("Audit") && s.contains("–"),
        "not checked yet:\n{s}"
    );
    t.keys(&["v"]);
    let s = t.wait_for("the verdict", |s| s.contains("verified ("));
    assert!(s.contains("audit events found"), "{s}");
    t.wait_for("the verdict in the list", |s| {
        s.lines()
            .any(|l| l.contains("complete") && l.contains("verified"))
    });
}
