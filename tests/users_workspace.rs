//! `users list --workspace`: who is in a workspace, answered from the whole tenant, equal to
//! the membership computed from `users list --all --format json`.

mod support;

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;
use support::inproc::{Cli, Output, config, start};

/// (workspace id, name) → member ids, from a `users list --format json` array.
fn membership(v: &Value) -> HashMap<(String, String), BTreeSet<String>> {
    let mut m: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    for u in v.as_array().expect("an array of users") {
        let id = u["id"].as_str().unwrap().to_string();
        for w in u["workspaces"].as_array().unwrap() {
            let key = (
                w["id"].as_str().unwrap().to_lowercase(),
                w["name"].as_str().unwrap_or_default().to_string(),
            );
            m.entry(key).or_default().insert(id.clone());
        }
    }
    m
}

fn ids(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .expect("an array of users")
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect()
}

/// `users list --workspace WORKSPACE`, then `rest`.
async fn members(cli: &Cli, workspace: &str, rest: &[&str]) -> Output {
    cli.run(&[&["users", "list", "--workspace", workspace], rest].concat())
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_members_equal_the_membership_of_the_whole_listing() {
    let fake = start(config(450)).await;
    let cli = Cli::new(&fake);
    let all = cli
        .run(&["users", "list", "--all", "--format", "json"])
        .await;
    assert_eq!(all.code, Some(0), "{all:?}");
    let all = all.json();
    let total = all.as_array().unwrap().len();
    let by_ws = membership(&all);
    // A workspace with members on many pages, and a name no other workspace has.
    let names: HashMap<&str, usize> = by_ws.keys().fold(HashMap::new(), |mut m, (_, n)| {
        *m.entry(n.as_str()).or_default() += 1;
        m
    });
    let ((ws_id, ws_name), want) = by_ws
        .iter()
        .filter(|((_, n), _)| names[n.as_str()] == 1 && !n.is_empty())
        .max_by_key(|(k, v)| (v.len(), (*k).clone()))
        .unwrap();
    assert!(want.len() > 100, "{} members", want.len());

    // By name, pages of 50: every member of the tenant, not those of the first page.
    let out = members(&cli, ws_name, &["--format", "json", "--count", "50"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(&ids(&out.json()), want);
    assert!(
        out.stderr.contains(&format!(
            "{} users in workspace {ws_name} ({ws_id}), of all {total} users of the tenant",
            want.len()
        )),
        "{out:?}"
    );

    // By id, in a table.
    let out = members(&cli, &ws_id.to_uppercase(), &[]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout.lines().count(), want.len() + 1, "{out:?}");

    // With a filter: the filter's users only, and the filter named.
    let filter = "active eq true";
    let active = cli
        .run(&[
            "users", "list", "--all", "--filter", filter, "--format", "json",
        ])
        .await
        .json();
    let want_active: BTreeSet<String> = ids(&active).intersection(want).cloned().collect();
    assert!(want_active.len() < want.len(), "the filter changes nothing");
    let out = members(&cli, ws_name, &["--filter", filter, "--format", "json"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(ids(&out.json()), want_active);
    assert!(
        out.stderr
            .contains(&format!("matching the filter in force: {filter}")),
        "{out:?}"
    );

    let out = members(&cli, "No Such Workspace", &[]).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr
            .contains("no workspace has the id or name `No Such Workspace`"),
        "{out:?}"
    );
}
