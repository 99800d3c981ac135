//! Property tests of the compact user store: any user (any Unicode, separators, empty
//! strings, duplicate workspaces) comes back exactly as it went in, through the store and
//! through the cache file; and local search finds exactly what the lowercased text of
//! userName, names, externalId and workspace names contains (what search meant before the
//! store existed).

mod support;

use proptest::prelude::*;
use scimitar::scim::model::User;
use scimitar::store::UserStore;

/// Text with the characters that trip case folding and field splitting.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            6 => proptest::char::range('a', 'z'),
            2 => proptest::char::range('A', 'Z'),
            1 => Just('\u{1f}'),
            1 => Just('Σ'),
            1 => Just('é'),
            1 => Just('\u{212A}'),
            1 => Just('İ'),
            1 => Just('@'),
            1 => any::<char>(),
        ],
        0..12,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn user() -> impl Strategy<Value = User> {
    support::props::user(text(), text, (0u8..6).prop_map(|i| format!("W{i}")))
}

/// Search as it was: one lowercased string per user.
fn haystack(u: &User) -> String {
    let mut parts: Vec<&str> = vec![&u.user_name];
    for p in [
        &u.given_name,
        &u.family_name,
        &u.display_name,
        &u.external_id,
    ]
    .into_iter()
    .flatten()
    {
        parts.push(p);
    }
    for w in &u.workspaces {
        parts.push(&w.name);
    }
    parts.join("\u{1f}").to_lowercase()
}

/// Distinct ids, last one wins, as the store keeps them.
fn distinct(users: Vec<User>) -> Vec<User> {
    let mut out: Vec<User> = Vec::new();
    for u in users {
        match out.iter_mut().find(|o| o.id == u.id) {
            Some(o) => *o = u,
            None => out.push(u),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn users_come_back_exactly(users in proptest::collection::vec(user(), 0..20)) {
        let store: UserStore = users.clone().into_iter().collect();
        let want = distinct(users);
        let back: Vec<User> = store.iter().map(|u| u.to_user()).collect();
        prop_assert_eq!(&back, &want);
        for (i, u) in want.iter().enumerate() {
            prop_assert_eq!(store.index_of(&u.id), Some(i));
        }

        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.path().join("users.cache");
        scimitar::cache::write(&path, "t", &store, 7).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let read = scimitar::cache::read(&path, "t").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let read = read.ok_or_else(|| TestCaseError::fail("no cache"))?;
        prop_assert!(read.users == store, "the cache reads back the same store");
    }

    #[test]
    fn search_finds_what_the_lowercased_text_contains(
        users in proptest::collection::vec(user(), 1..12),
        query in text(),
    ) {
        let query = query.to_lowercase();
        prop_assume!(!query.contains('\u{1f}'));
        let want: Vec<String> = distinct(users.clone())
            .iter()
            .filter(|u| haystack(u).contains(&query))
            .map(|u| u.id.clone())
            .collect();
        let store: UserStore = users.into_iter().collect();
        let m = store.matcher(&query, None);
        let got: Vec<String> = store
            .iter()
            .filter(|u| m.matches(*u))
            .map(|u| u.id().to_string())
            .collect();
        prop_assert_eq!(got, want);
    }
}
