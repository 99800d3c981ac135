//! End to end in a real terminal: the built binary in tmux against `scimitar fake serve`.
//! A CSV of five users is loaded with `--csv`, its report accepted, "disable" chosen and the
//! preview reviewed; backing out changes nothing. Then the same again, confirmed by typing
//! the count, changes exactly those five. Skipped (with a notice) when tmux is missing.

mod support;

use support::{Env, Fake, Sandbox, Tmux, bin, scimitar};

/// `(userName, active)` of every user, from the headless command.
fn users(env: &Env) -> Vec<(String, bool)> {
    let run = scimitar(env, &["users", "list", "--format", "json"]);
    run.assert_ok("users list");
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("users list JSON");
    v.as_array()
        .expect("an array of users")
        .iter()
        .map(|u| {
            (
                u["userName"].as_str().unwrap_or_default().to_string(),
                u["active"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

/// From the CSV report to the preview of "disable" for the five users.
fn to_preview(t: &Tmux) {
    let s = t.wait_for("the CSV report", |s| {
        s.contains("CSV report") && s.contains("resolved 5")
    });
    assert!(
        s.contains("0 selected"),
        "nothing is selected before Enter:\n{s}"
    );
    t.keys(&["Enter"]);
    t.wait_text("5 selected");
    t.keys(&["A"]);
    t.wait_text("Action for 5 selected");
    t.keys(&["Enter"]);
    t.wait_for("the preview", |s| {
        s.contains("Preview: disable") && s.contains("to change 5")
    });
}

#[test]
fn csv_to_preview_and_back_changes_nothing_then_a_confirmed_run_disables_five() {
    let name = "csv_to_preview_and_back_changes_nothing_then_a_confirmed_run_disables_five";
    if !support::tmux::available(name) {
        return;
    }
    let fake = Fake::start(300);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let before = users(&env);
    let login = fake.info.login.clone();
    let chosen: Vec<String> = before
        .iter()
        .filter(|(name, active)| {
            *active && !name.eq_ignore_ascii_case(&login) && !name.starts_with("scim.")
        })
        .take(5)
        .map(|(n, _)| n.clone())
        .collect();
    assert_eq!(chosen.len(), 5);
    let csv = sandbox.path().join("leavers.csv");
    std::fs::write(&csv, format!("email\n{}\n", chosen.join("\n"))).expect("write the CSV");
    let csv = csv.display().to_string();
    let argv = [bin(), "--csv", csv.as_str()];

    // 1. Review, look at a request, back out: nothing is sent.
    let t = Tmux::start(100, 30, &env, &argv);
    to_preview(&t);
    t.keys(&["p"]);
    t.wait_text("PATCH /Users/");
    t.keys(&["Escape"]);
    t.wait_for("the preview again", |s| !s.contains("Exact request"));
    t.keys(&["Escape"]);
    t.wait_text("Action for 5");
    t.keys(&["Escape"]);
    t.wait_for("the list", |s| !s.contains("Action for 5"));
    assert_eq!(
        users(&env),
        before,
        "backing out of the preview changed nothing"
    );
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "q quits");
    drop(t);

    // 2. The same, confirmed by typing the count.
    let t = Tmux::start(100, 30, &env, &argv);
    to_preview(&t);
    t.keys(&["Enter"]);
    t.wait_text("Confirm the change");
    t.keys(&["4", "Enter"]);
    t.wait_text("nothing was sent");
    t.keys(&["BSpace", "5", "Enter"]);
    let done = t.wait_text("Finished: disable");
    assert!(done.contains("changed 5"), "{done}");
    assert!(done.contains("journal"), "{done}");
    let after = users(&env);
    for (name, active) in &after {
        let was = before
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| *a)
            .unwrap_or(*active);
        if chosen.contains(name) {
            assert!(!active, "{name} is disabled");
        } else {
            assert_eq!(*active, was, "{name} is untouched");
        }
    }
}

/// `--csv FILE --column NAME`: the TUI reads the column it is told to, as `apply` does. Two
/// email columns would otherwise be refused as ambiguous.
#[test]
fn the_tui_reads_the_csv_column_it_is_told() {
    let name = "the_tui_reads_the_csv_column_it_is_told";
    if !support::tmux::available(name) {
        return;
    }
    let fake = Fake::start(60);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let names: Vec<String> = support::active_targets(&env, &fake, 4)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let (manager, chosen) = names.split_first().expect("four users");
    let rows: Vec<String> = chosen.iter().map(|c| format!("{manager},{c}")).collect();
    let csv = sandbox.path().join("hr.csv");
    std::fs::write(
        &csv,
        format!("Manager Email,Work Email\n{}\n", rows.join("\n")),
    )
    .expect("write the CSV");
    let csv = csv.display().to_string();

    let argv = [bin(), "--csv", csv.as_str(), "--column", "work email"];
    let t = Tmux::start(100, 30, &env, &argv);
    let s = t.wait_for("the CSV report", |s| {
        s.contains("CSV report") && s.contains("resolved 3")
    });
    assert!(
        s.contains("Work Email"),
        "the report names the column read:\n{s}"
    );
    t.keys(&["Enter"]);
    t.wait_text("3 selected");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "q quits");
    drop(t);

    // Without --csv, --column means nothing: refused before anything connects.
    let run = scimitar(&env, &["--column", "work email"]);
    assert_eq!(run.status.code(), Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("--csv"), "{}", run.stderr);
}
