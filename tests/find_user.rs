//! `user show` finds a person by id, email, externalId or display name; a name shared by
//! several users lists them and exits 2; an unknown one suggests the filter to search with,
//! and no message shows URL-encoding. The binary against the fake on 127.0.0.1.

mod support;

use std::collections::HashMap;

use scimitar::scim::model::User;
use support::inproc::{Cli, config, start};

fn name_of(u: &User) -> Option<String> {
    Some(format!(
        "{} {}",
        u.given_name.as_deref()?,
        u.family_name.as_deref()?
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_show_takes_an_external_id_and_a_display_name() {
    let fake = start(config(3000)).await;
    let cli = Cli::new(&fake);
    let users = fake.users();
    let mut by_name: HashMap<String, Vec<&User>> = HashMap::new();
    for u in &users {
        if let Some(n) = name_of(u) {
            by_name.entry(n.to_lowercase()).or_default().push(u);
        }
    }
    let unique = users
        .iter()
        .find(|u| {
            u.external_id.is_some()
                && name_of(u).is_some_and(|n| by_name[&n.to_lowercase()].len() == 1)
        })
        .expect("a user with a unique name and an externalId");

    let ext = unique.external_id.clone().unwrap();
    for key in [ext.to_lowercase(), name_of(unique).unwrap().to_uppercase()] {
        let out = cli.run(&["user", "show", &key, "--format", "json"]).await;
        assert_eq!(out.code, Some(0), "{key}: {out:?}");
        assert_eq!(out.json()["id"], unique.id.as_str(), "{key}");
    }

    // The formats a list takes: csv is a header and the one row; text is table.
    let csv = cli
        .run(&["user", "show", &unique.id, "--format", "csv"])
        .await;
    assert_eq!(csv.code, Some(0), "{csv:?}");
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{csv:?}");
    assert!(
        lines[0].starts_with("id,") && lines[1].starts_with(&unique.id),
        "{csv:?}"
    );
    let text = cli
        .run(&["user", "show", &unique.id, "--format", "text"])
        .await;
    let table = cli.run(&["user", "show", &unique.id]).await;
    assert_eq!(text.code, Some(0), "{text:?}");
    assert_eq!(text.stdout, table.stdout);

    let (shared, many) = by_name
        .iter()
        .find(|(_, v)| v.len() >= 2)
        .expect("a name two users share");
    let out = cli.run(&["user", "show", shared]).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("matches {} users", many.len())),
        "{out:?}"
    );
    for u in many {
        let line = out
            .stderr
            .lines()
            .find(|l| l.contains(&u.id))
            .unwrap_or_else(|| panic!("{} not listed: {out:?}", u.id));
        assert!(line.contains(&u.user_name), "{line}");
        let active = if u.active {
            "active: yes"
        } else {
            "active: no"
        };
        assert!(line.contains(active), "{line}");
    }
    assert!(out.stdout.is_empty(), "{out:?}");

    // An externalId two users share is ambiguous too: both listed, neither shown.
    let (a, b) = (&users[10], &users[11]);
    assert!(
        fake.set_external_id(&a.id, Some("DUP-77")) && fake.set_external_id(&b.id, Some("DUP-77"))
    );
    let out = cli.run(&["user", "show", "dup-77"]).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains("matches 2 users")
            && out.stderr.contains(&a.id)
            && out.stderr.contains(&b.id),
        "{out:?}"
    );

    let out = cli.run(&["user", "show", "Zebediah Quuxworth"]).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("Zebediah Quuxworth"), "{out:?}");
    assert!(!out.stderr.contains('%'), "{out:?}");
    assert!(
        out.stderr
            .contains(r#"scimitar users list --filter 'name.familyName eq "Quuxworth"'"#),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_names_the_url_tried_and_the_option_that_sets_it() {
    let fake = start(config(20)).await;
    let mut cli = Cli::new(&fake);
    let wrong = format!("{}/wrong/prefix", fake.scim_url);
    cli.env("SCIMITAR_SCIM_URL", &wrong);
    let out = cli.run(&["users", "list", "--count", "1"]).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains(&format!("Tried {wrong}/Users"))
            && out.stderr.contains("--scim-url (SCIMITAR_SCIM_URL)"),
        "{out:?}"
    );
}
