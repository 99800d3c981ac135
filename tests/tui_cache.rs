//! The reducer with a cached list: it shows at once with its age and the refresh's
//! progress, the refresh merges into it (users gone from the tenant go when it completes),
//! pages that came before the cache are merged into it, a filtered load never mixes with or
//! replaces it, and a reload never brings the cache back.

use std::time::{Duration, SystemTime};

use scimitar::cache::Cached;
use scimitar::tui::state::State;
use scimitar::tui::testing::{draw, fixture_users};
use scimitar::tui::{Command, Effect, Msg, Outcome, update};

fn opened_with_cache() -> (State, u64) {
    let mut s = State::new("prod", "api.anaplan.example");
    s.list.use_cache = true;
    let effects = scimitar::tui::update::init(&mut s, None);
    assert!(
        matches!(effects.first(), Some(Effect::LoadCache { .. })),
        "the cache is read first: {effects:?}"
    );
    update(
        &mut s,
        Outcome::Resize {
            width: 120,
            height: 30,
        },
    );
    let g = s.list.generation;
    (s, g)
}

fn screen(s: &State) -> String {
    let t = draw(s);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn cached(users: usize, hours: u64) -> Cached {
    let users: Vec<_> = fixture_users().into_iter().take(users).collect();
    Cached {
        total: users.len() as u64,
        users: users.into_iter().collect(),
        saved_at: SystemTime::now() - Duration::from_secs(hours * 3600 + 30),
    }
}

/// The six fixture users, cached `hours` ago, arrive for load `g`.
fn show_cache(s: &mut State, g: u64, hours: u64) {
    update(
        s,
        Outcome::CacheLoaded {
            generation: g,
            result: Ok(Some(cached(6, hours))),
        },
    );
}

#[test]
fn the_cache_shows_at_once_and_the_refresh_replaces_it() {
    let (mut s, g) = opened_with_cache();
    show_cache(&mut s, g, 3);
    assert_eq!(s.list.len(), 6);
    assert!(
        screen(&s).contains("cached 3 h ago, refreshing… 0%"),
        "{}",
        screen(&s)
    );
    // "Who is in workspace X" has its whole answer at once, dated.
    update(&mut s, Command::Workspaces);
    let text = screen(&s);
    assert!(
        text.contains("all 6 users counted, as cached 3 h ago; refreshing"),
        "{text}"
    );
    update(&mut s, Command::Back);

    // The tenant now has five of them: one left since the cache was written.
    let fresh: Vec<_> = fixture_users().into_iter().take(5).collect();
    let gone = fixture_users()[5].user_name.clone();
    update(
        &mut s,
        Outcome::PageLoaded {
            generation: g,
            users: fresh[..2].to_vec(),
            total: 5,
        },
    );
    assert!(screen(&s).contains("refreshing… 40%"), "{}", screen(&s));
    update(
        &mut s,
        Outcome::PageLoaded {
            generation: g,
            users: fresh[2..].to_vec(),
            total: 5,
        },
    );
    assert!(
        s.list.store().iter().any(|u| u.user_name() == gone),
        "kept until the refresh completes"
    );
    update(
        &mut s,
        Outcome::LoadFinished {
            generation: g,
            result: Ok(5),
        },
    );
    assert_eq!(s.list.len(), 5);
    assert!(
        !s.list.store().iter().any(|u| u.user_name() == gone),
        "a user the tenant no longer has goes"
    );
    assert_eq!(s.visible().len(), 5);
    let text = screen(&s);
    assert!(!text.contains("cached"), "{text}");
    assert!(text.contains("loaded 5 / 5"), "{text}");
}

#[test]
fn pages_that_came_before_the_cache_are_merged_into_it_and_a_failed_refresh_says_so() {
    // The reverse race: a big cache is read more slowly than the refresh's first page.
    let (mut s, g) = opened_with_cache();
    let mut first: Vec<_> = fixture_users().into_iter().take(2).collect();
    first[0].active = false; // changed since the cache was written
    let mut newcomer = fixture_users()[1].clone();
    newcomer.id = "u-new".into();
    newcomer.user_name = "nina.new@example.com".into();
    first.push(newcomer);
    update(
        &mut s,
        Outcome::PageLoaded {
            generation: g,
            users: first,
            total: 7,
        },
    );
    update(&mut s, Command::Down);
    let on = s.current_user().map(|u| u.id);
    show_cache(&mut s, g, 1);
    assert_eq!(s.list.len(), 7, "every cached user and the new one");
    assert_eq!(s.visible().len(), 7, "all browsable at once");
    assert_eq!(
        s.current_user().map(|u| u.id),
        on,
        "the cursor stays on its user"
    );
    assert!(
        s.user("u-0001").is_some_and(|u| !u.active),
        "the fresh copy wins over the cached one"
    );
    let text = screen(&s);
    assert!(
        text.contains("cached 1 h ago, refreshing… 42%"),
        "the header says the cache's age and how far the refresh got:\n{text}"
    );

    // The rest of the refresh merges into place, then the users it did not list go.
    let rest: Vec<_> = fixture_users().into_iter().skip(2).take(3).collect();
    update(
        &mut s,
        Outcome::PageLoaded {
            generation: g,
            users: rest,
            total: 7,
        },
    );
    assert_eq!(s.list.len(), 7, "a refresh page never discards the cache");
    update(
        &mut s,
        Outcome::LoadFinished {
            generation: g,
            result: Ok(6),
        },
    );
    let ids: Vec<&str> = s.list.store().iter().map(|u| u.id()).collect();
    assert_eq!(
        ids,
        ["u-0001", "u-0002", "u-0003", "u-0004", "u-0005", "u-new"],
        "cached order kept, the one the tenant no longer has gone"
    );
    assert!(s.list.cached.is_none());
    assert_eq!(s.visible().len(), 6);

    let (mut s, g) = opened_with_cache();
    show_cache(&mut s, g, 1);
    update(
        &mut s,
        Outcome::LoadFinished {
            generation: g,
            result: Err("connection refused".into()),
        },
    );
    assert_eq!(s.list.len(), 6, "the cached list stays browsable");
    update(&mut s, Command::Back);
    assert!(
        screen(&s).contains("cached 1 h ago: refresh failed"),
        "{}",
        screen(&s)
    );
}

#[test]
fn an_ignored_cache_is_said_and_a_reload_starts_fresh() {
    let (mut s, g) = opened_with_cache();
    update(
        &mut s,
        Outcome::CacheLoaded {
            generation: g,
            result: Err("the user cache x was written by another version".into()),
        },
    );
    assert!(s.list.is_empty());
    assert!(
        screen(&s).contains("cached users ignored"),
        "{}",
        screen(&s)
    );

    let (mut s, g) = opened_with_cache();
    show_cache(&mut s, g, 1);
    let effects = update(&mut s, Command::Refresh);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadUsers { .. }))
            && !effects
                .iter()
                .any(|e| matches!(e, Effect::LoadCache { .. })),
        "{effects:?}"
    );
    assert!(
        s.list.cached.is_none() && s.list.is_empty(),
        "a reload does not show the cache again"
    );
}

/// The six fixture users arrive in one page and the load completes; its effects.
fn load_all(s: &mut State, g: u64) -> Vec<Effect> {
    update(
        s,
        Outcome::PageLoaded {
            generation: g,
            users: fixture_users(),
            total: 6,
        },
    );
    update(
        s,
        Outcome::LoadFinished {
            generation: g,
            result: Ok(6),
        },
    )
}

#[test]
fn a_complete_load_of_every_user_is_saved_without_a_copy_and_a_filtered_one_is_not() {
    let (mut s, g) = opened_with_cache();
    let mut effects = load_all(&mut s, g);
    // The last logins load next, in the background, with every complete load.
    let before = effects.len();
    effects.retain(|e| !matches!(e, Effect::LoadLastLogins { .. }));
    assert_eq!(before, effects.len() + 1, "the last logins are asked for");
    match effects.as_slice() {
        [Effect::SaveCache { users, total: 6 }] => {
            assert!(
                std::sync::Arc::ptr_eq(users, s.list.store()),
                "the store on screen is saved, not a copy"
            );
            let names: Vec<&str> = users.iter().map(|u| u.user_name()).collect();
            let want: Vec<String> = fixture_users().into_iter().map(|u| u.user_name).collect();
            assert_eq!(names, want);
        }
        other => panic!("expected one SaveCache: {other:?}"),
    }

    // The same load under a filter is not every user: nothing is saved.
    let (mut s, _) = opened_with_cache();
    update(&mut s, Command::Filter);
    for c in "active eq true".chars() {
        update(&mut s, Msg::Edit(tui_input::InputRequest::InsertChar(c)));
    }
    update(&mut s, Command::Apply);
    let g = s.list.generation;
    assert!(s.filter.applied.is_some(), "the filter applied");
    let mut effects = load_all(&mut s, g);
    effects.retain(|e| !matches!(e, Effect::LoadLastLogins { .. }));
    assert!(effects.is_empty(), "{effects:?}");
}

#[test]
fn a_filtered_load_never_mixes_with_or_replaces_the_unfiltered_cache() {
    let (mut s, g) = opened_with_cache();
    update(&mut s, Command::Filter);
    for c in "active eq false".chars() {
        update(&mut s, Msg::Edit(tui_input::InputRequest::InsertChar(c)));
    }
    update(&mut s, Command::Apply);
    let filtered = s.list.generation;
    assert_ne!(filtered, g);
    let inactive: Vec<_> = fixture_users().into_iter().filter(|u| !u.active).collect();
    let n = inactive.len();
    update(
        &mut s,
        Outcome::PageLoaded {
            generation: filtered,
            users: inactive,
            total: n as u64,
        },
    );
    // The cache read for the unfiltered load comes late: it is not shown under the filter.
    show_cache(&mut s, g, 1);
    assert_eq!(s.list.len(), n, "only the filter's users");
    assert!(s.list.cached.is_none());
    let effects = update(
        &mut s,
        Outcome::LoadFinished {
            generation: filtered,
            result: Ok(n as u64),
        },
    );
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::SaveCache { .. })),
        "a filtered list is never written over the cache: {effects:?}"
    );
}
