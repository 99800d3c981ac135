//! Filters sent over HTTP select the users the fake's own filter reading selects (written
//! apart from the client's, so the two check each other; never `scim::filter`'s matcher);
//! forms Anaplan refuses are refused locally before anything is sent, and by the fake too.

mod support;
use support::inproc as common;

use common::{Cli, client, config, ids, start};
use scimitar::fake::FakeServer;
use scimitar::scim::client::AuthMethod;
use scimitar::scim::filter::parse;
use scimitar::scim::model::{PatchOpKind, PatchOperation, PatchRequest};
use scimitar::scim::{ListOptions, ScimClient};

/// What the fake's own reading of the filter selects, in server order.
fn expected(fake: &FakeServer, text: &str) -> Vec<String> {
    fake.select(text)
        .unwrap_or_else(|| panic!("the fake refuses `{text}`"))
}

async fn check(fake: &FakeServer, c: &ScimClient, text: &str) -> usize {
    let f = parse(text).unwrap_or_else(|e| panic!("`{text}` refused locally: {e}"));
    let want = expected(fake, text);
    let got = c
        .list_all(Some(&f), ListOptions::default(), |_| {})
        .await
        .unwrap_or_else(|e| panic!("`{text}` (sent as `{f}`): {e}"));
    assert_eq!(
        ids(&got.users),
        want,
        "`{text}` (sent as `{f}`) selected different users"
    );
    assert_eq!(got.total_results as usize, want.len(), "`{text}`");
    want.len()
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operator_on_every_attribute_matches_local_evaluation() {
    let fake = start(config(800)).await;
    let c = client(&fake, AuthMethod::Basic);
    let users = fake.users();
    // A user in the middle with every attribute, so ordering comparisons split the tenant.
    let mid = users
        .iter()
        .skip(users.len() / 2)
        .find(|u| u.external_id.is_some() && u.given_name.is_some() && u.family_name.is_some())
        .expect("a user with every attribute")
        .clone();
    let values = [
        ("id", mid.id.clone()),
        ("externalId", mid.external_id.clone().unwrap()),
        ("userName", mid.user_name.clone()),
        ("name.givenName", mid.given_name.clone().unwrap()),
        ("name.familyName", mid.family_name.clone().unwrap()),
    ];
    let mut nonempty = 0;
    for (attr, value) in &values {
        for op in ["eq", "ne", "gt", "ge", "lt", "le"] {
            let n = check(&fake, &c, &format!("{attr} {op} {}", quote(value))).await;
            if n > 0 {
                nonempty += 1;
            }
        }
        let n = check(&fake, &c, &format!("{attr} pr")).await;
        assert!(n > 0, "{attr} pr selected nobody");
    }
    assert!(nonempty >= 25, "too many comparisons selected nobody");
    for text in [
        "active eq true",
        "active eq false",
        "active ne true",
        "active ne false",
        "active pr",
    ] {
        check(&fake, &c, text).await;
    }
    // The user compared against is found by each equality.
    for (attr, value) in &values {
        let text = format!("{attr} eq {}", quote(value));
        assert!(expected(&fake, &text).contains(&mid.id), "{attr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connectives_parentheses_letter_case_and_escaped_quotes() {
    let fake = start(config(800)).await;
    let c = client(&fake, AuthMethod::Token);
    let users = fake.users();
    let a = users
        .iter()
        .find(|u| u.active && u.external_id.is_some())
        .unwrap();
    let b = users
        .iter()
        .rev()
        .find(|u| u.active && u.external_id.is_some())
        .unwrap();
    // Names of an inactive user, so each composition below selects at least that user.
    let x = users
        .iter()
        .find(|u| !u.active && u.given_name.is_some() && u.family_name.is_some())
        .unwrap();
    let family = x.family_name.clone().unwrap();
    let given = x.given_name.clone().unwrap();
    let texts = [
        format!("name.familyName eq {} and active eq false", quote(&family)),
        format!(
            "name.givenName eq {} or name.familyName eq {}",
            quote(&given),
            quote(&family)
        ),
        format!(
            "(name.givenName eq {} or name.familyName eq {}) and active eq false",
            quote(&given),
            quote(&family)
        ),
        format!(
            "active eq true and (userName eq {} or (id eq {} and externalId pr))",
            quote(&a.user_name),
            quote(&b.id)
        ),
        format!(
            "userName gt \"m\" and userName lt \"n\" or id eq {}",
            quote(&a.id)
        ),
    ];
    for t in &texts {
        assert!(check(&fake, &c, t).await > 0, "`{t}` selected nobody");
    }

    // Operators, connectives and attribute names in any letter case; values too.
    let shouted = [
        format!("USERNAME EQ {}", quote(&a.user_name.to_uppercase())),
        format!("userName Eq {}", quote(&a.user_name)),
        format!(
            "Name.FamilyName eQ {} AND Active EQ FALSE",
            quote(&family.to_lowercase())
        ),
        format!(
            "id EQ {} OR id eq {}",
            quote(&a.id.to_uppercase()),
            quote(&b.id)
        ),
        "externalId PR".to_string(),
    ];
    for t in &shouted {
        assert!(check(&fake, &c, t).await > 0, "`{t}` selected nobody");
    }
    let r = c
        .list_all(
            Some(&parse(&shouted[0]).unwrap()),
            ListOptions::default(),
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(ids(&r.users), vec![a.id.clone()]);

    // A value with an escaped quote reaches the server intact.
    let odd = "Ann \"Q\" O'Lee";
    let body = PatchRequest::new(vec![PatchOperation {
        op: PatchOpKind::Replace,
        path: "name.givenName".into(),
        value: Some(serde_json::Value::from(odd)),
    }]);
    c.patch_user(&b.id, &body).await.unwrap();
    let text = format!("name.givenName eq {}", quote(odd));
    assert_eq!(text, "name.givenName eq \"Ann \\\"Q\\\" O'Lee\"");
    assert_eq!(check(&fake, &c, &text).await, 1);
    let r = c
        .list_all(Some(&parse(&text).unwrap()), ListOptions::default(), |_| {})
        .await
        .unwrap();
    assert_eq!(r.users[0].id, b.id);
    assert_eq!(r.users[0].given_name.as_deref(), Some(odd));
}

const REFUSED: &[&str] = &[
    "userName co \"smith\"",
    "userName sw \"a\"",
    "userName ew \"example.com\"",
    "not (active eq true)",
    "emails[type eq \"work\"]",
    "emails[value eq \"a@b.com\"].value pr",
    "displayName eq \"Ann Lee\"",
    "emails eq \"a@b.com\"",
    "emails.value eq \"a@b.com\"",
    "entitlements.value eq \"x\"",
    "(active eq true",
    "active eq true)",
    "((userName eq \"a\") or (active eq false)",
    "active gt true",
    "nickName eq \"x\"",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_forms_are_refused_locally_before_any_request() {
    let fake = start(config(50)).await;
    for text in REFUSED {
        let e = parse(text).expect_err(text);
        assert!(!e.message.is_empty(), "`{text}`: empty message");
        assert_eq!(fake.select(text), None, "the fake accepts `{text}`");
    }
    // Through the binary: exit 2, the reason on stderr, and nothing reaches the server.
    let cli = Cli::new(&fake);
    for text in [
        "userName co \"smith\"",
        "not (active eq true)",
        "emails[type eq \"work\"]",
        "displayName eq \"x\"",
        "(active eq true",
    ] {
        let before = fake.stats();
        let out = cli.run(&["users", "list", "--filter", text]).await;
        assert_eq!(out.code, Some(2), "`{text}`: {out:?}");
        assert!(out.stderr.contains("invalid filter"), "`{text}`: {out:?}");
        assert!(out.stdout.is_empty(), "`{text}`: {out:?}");
        let after = fake.stats();
        assert_eq!(after.kind("list"), before.kind("list"), "`{text}` was sent");
        assert_eq!(
            after.requests, before.requests,
            "`{text}`: something was sent"
        );
    }
}
