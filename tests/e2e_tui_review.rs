//! The TUI access review in a real terminal (tmux, 100x30, NO_COLOR) against
//! `scimitar fake serve` in its own process: the workspaces view, a search for one
//! workspace, `R` opens its review screen, `r` marks the first three members revoke, Enter
//! previews the plan (after `w` saved the marks as a review file that the headless
//! `review apply --dry-run` accepts), the typed count confirms it and it runs. The fake's state, read back
//! with `scimitar users list`, must show exactly those three without that workspace, each
//! keeping every other one, and every other user unchanged. Skipped when tmux is missing.

mod support;

use std::collections::BTreeMap;

use support::tmux::figure;
use support::{Fake, Sandbox, Tmux, json, tenant_by_id};

/// Workspace id -> name, and each user's (userName, workspace ids), from the headless list.
fn workspaces_and_names(
    env: &support::Env,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let v = json(env, &["users", "list", "--all", "--format", "json"]);
    let mut names = BTreeMap::new();
    let mut user_names = BTreeMap::new();
    for u in v.as_array().expect("a JSON array of users") {
        let id = u["id"].as_str().expect("user id").to_string();
        let user_name = u["userName"].as_str().expect("userName").to_string();
        user_names.insert(id, user_name);
        for w in u["workspaces"].as_array().into_iter().flatten() {
            let wid = w["id"].as_str().unwrap_or_default().to_string();
            let name = w["name"].as_str().unwrap_or_default().to_string();
            names.insert(wid, name);
        }
    }
    (names, user_names)
}

#[test]
fn review_screen_revokes_three_members_of_one_workspace() {
    if !support::tmux::available("review_screen_revokes_three_members_of_one_workspace") {
        return;
    }
    let fake = Fake::start(60);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let before = tenant_by_id(&env);
    let (ws_names, user_names) = workspaces_and_names(&env);

    // A workspace with at least four members whose name no other workspace's contains (the
    // search must land on it alone).
    let members_of = |wid: &str| -> Vec<String> {
        let mut m: Vec<(String, String)> = before
            .iter()
            .filter(|(_, (_, ws))| ws.iter().any(|w| w == wid))
            .map(|(id, _)| (user_names[id].to_lowercase(), id.clone()))
            .collect();
        m.sort();
        m.into_iter().map(|(_, id)| id).collect()
    };
    let (wid, name) = ws_names
        .iter()
        .find(|(wid, name)| {
            !name.is_empty()
                && members_of(wid).len() >= 4
                && ws_names
                    .iter()
                    .filter(|(_, n)| n.contains(name.as_str()))
                    .count()
                    == 1
        })
        .map(|(w, n)| (w.clone(), n.clone()))
        .expect("the fake has a workspace with four members and a distinct name");
    let members = members_of(&wid);
    let revoked: Vec<String> = members[..3].to_vec();

    let t = Tmux::start(100, 30, &env, &[support::bin()]);
    t.wait_text("loaded 60 / 60");
    t.keys(&["w"]);
    t.wait_text("│ Workspaces │");
    t.keys(&["/"]);
    t.type_text(&name);
    t.wait_for("the workspace search", |s| {
        s.lines()
            .any(|l| l.contains('▶') && l.contains(name.as_str()))
    });
    t.keys(&["Enter"]);
    t.keys(&["R"]);
    let s = t.wait_text(&format!("Review {name}"));
    assert!(
        s.contains(&format!("{} members, 0 to revoke", members.len())),
        "the review lists every member:\n{s}"
    );
    assert!(s.contains("Last login"), "{s}");
    t.keys(&["r"]);
    t.keys(&["r"]);
    t.keys(&["r"]);
    let s = t.wait_text("3 to revoke");
    for id in &revoked {
        let line = s
            .lines()
            .find(|l| l.contains(user_names[id].as_str()))
            .unwrap_or_else(|| panic!("{} is on the screen:\n{s}", user_names[id]));
        assert!(line.contains("revoke"), "{line}\n{s}");
    }
    // `w` saves the marks for someone else; the headless `review apply` accepts the file
    // (same tenant, rows that agree with it) and plans the same three.
    let file = sandbox.path().join("handed-on.csv");
    t.keys(&["w"]);
    t.wait_text("Save the review (CSV) to");
    t.keys(&["C-u"]);
    t.type_text(&file.display().to_string());
    t.keys(&["Enter"]);
    t.wait_text("review saved to");
    let v = json(
        &env,
        &["review", "apply", &file.display().to_string(), "--dry-run"],
    );
    assert_eq!(
        v["to_change"], 3,
        "the saved review plans the three revokes: {v}"
    );
    assert_eq!(tenant_by_id(&env), before, "a dry run sends nothing");

    t.keys(&["Enter"]);
    let s = t.wait_for("the preview of the review", |s| {
        s.contains("Preview: apply an access review") && s.contains("to change ")
    });
    assert_eq!(figure(&s, "to change"), Some(3), "{s}");
    assert_eq!(
        tenant_by_id(&env),
        before,
        "nothing is sent before the confirmation"
    );
    t.keys(&["Enter"]);
    t.confirm_count(Some(3));
    let s = t.wait_text("Finished: apply an access review");
    assert_eq!(figure(&s, "changed"), Some(3), "{s}");

    let now = tenant_by_id(&env);
    assert_eq!(now.len(), before.len());
    for (id, was) in &before {
        let is = &now[id];
        if revoked.contains(id) {
            let want: Vec<String> = was.1.iter().filter(|w| **w != wid).cloned().collect();
            assert_eq!(is.1, want, "{id} loses {name} alone and keeps the others");
            assert_eq!(is.0, was.0, "{id}: a revoke does not disable");
        } else {
            assert_eq!(is, was, "{id} was not marked and must not change");
        }
    }
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.history_and_screen());
}
