//! `--user` in a real terminal (tmux) takes what `user show` takes: a display name or an
//! externalId opens straight on that user's details. Against `scimitar fake serve`.

mod support;

use std::collections::HashMap;

use serde_json::Value;
use support::{Fake, Sandbox, Tmux, json};

fn text<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v[k].as_str().filter(|s| !s.is_empty())
}

#[test]
fn user_flag_takes_a_display_name_and_an_external_id() {
    if !support::tmux::available("user_flag_takes_a_display_name_and_an_external_id") {
        return;
    }
    let fake = Fake::start(500);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake);
    let all = json(&env, &["users", "list", "--all", "--format", "json"]);
    let users = all.as_array().expect("a JSON array of users");
    let name = |u: &Value| {
        Some(format!(
            "{} {}",
            text(u, "givenName")?,
            text(u, "familyName")?
        ))
    };
    let mut count: HashMap<String, usize> = HashMap::new();
    for u in users {
        if let Some(n) = name(u) {
            *count.entry(n.to_lowercase()).or_default() += 1;
        }
    }
    let target = users
        .iter()
        .find(|u| {
            text(u, "externalId").is_some()
                && name(u).is_some_and(|n| count[&n.to_lowercase()] == 1)
        })
        .expect("a user with a unique name and an externalId");
    let id = text(target, "id").unwrap().to_string();
    let email = text(target, "userName").unwrap().to_string();
    for key in [
        name(target).unwrap(),
        text(target, "externalId").unwrap().to_string(),
    ] {
        let t = Tmux::start(100, 30, &env, &[support::bin(), "--user", &key]);
        let s = t.wait_for("the user's details", |s| {
            s.contains("✓ fresh from the server") && s.contains(&id)
        });
        assert!(s.contains(&format!("│ User {email} │")), "{key}: {s}");
        t.keys(&["q"]);
        assert_eq!(t.wait_exit(), 0);
    }
}
