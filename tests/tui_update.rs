//! The reducer, without a terminal or a network: what the user sees change after each key.

use scimitar::scim::client::WorkspaceInfo;
use scimitar::scim::model::User;
use scimitar::tui::state::{LoadState, Popup, ViewKind};
use scimitar::tui::testing::{fixture_users, loaded_state, synthetic_users, typed, visible_names};
use scimitar::tui::{Command, Copied, Effect, Msg, Outcome, State, update};
use tui_input::InputRequest;

fn cursor(s: &State) -> usize {
    s.view().cursor
}

/// A page of load `generation` arrives.
fn page(s: &mut State, generation: u64, users: Vec<User>, total: u64) {
    update(
        s,
        Outcome::PageLoaded {
            generation,
            users,
            total,
        },
    );
}

/// Load `generation` ends with `n` users.
fn loaded(s: &mut State, generation: u64, n: u64) {
    update(
        s,
        Outcome::LoadFinished {
            generation,
            result: Ok(n),
        },
    );
}

/// Load `generation` ends with the error `why`.
fn load_failed(s: &mut State, generation: u64, why: &str) {
    update(
        s,
        Outcome::LoadFinished {
            generation,
            result: Err(why.into()),
        },
    );
}

#[test]
fn navigation_stays_in_bounds() {
    let mut s = loaded_state(synthetic_users(100), 80, 24);
    let page = s.list_height();
    assert_eq!(page, 18);
    update(&mut s, Command::Up);
    assert_eq!(cursor(&s), 0);
    update(&mut s, Command::Down);
    update(&mut s, Command::Down);
    assert_eq!(cursor(&s), 2);
    update(&mut s, Command::PageDown);
    assert_eq!(cursor(&s), 2 + page);
    assert!(s.view().offset <= cursor(&s) && cursor(&s) < s.view().offset + page);
    update(&mut s, Command::HalfPageUp);
    assert_eq!(cursor(&s), 2 + page - page / 2);
    update(&mut s, Command::Bottom);
    assert_eq!(cursor(&s), 99);
    assert_eq!(s.view().offset, 100 - page);
    update(&mut s, Command::Down);
    update(&mut s, Command::PageDown);
    assert_eq!(cursor(&s), 99);
    update(&mut s, Command::Top);
    assert_eq!((cursor(&s), s.view().offset), (0, 0));
    update(&mut s, Command::PageUp);
    assert_eq!(cursor(&s), 0);
}

#[test]
fn navigation_on_an_empty_list_does_nothing() {
    let mut s = loaded_state(vec![], 80, 24);
    for a in [
        Command::Down,
        Command::Bottom,
        Command::PageDown,
        Command::Open,
        Command::ToggleSelect,
    ] {
        assert!(update(&mut s, a).is_empty());
    }
    assert_eq!(cursor(&s), 0);
    assert_eq!(s.views.len(), 1);
}

#[test]
fn resize_keeps_the_cursor_on_screen() {
    let mut s = loaded_state(synthetic_users(100), 120, 40);
    update(&mut s, Command::Bottom);
    update(
        &mut s,
        Outcome::Resize {
            width: 80,
            height: 24,
        },
    );
    let v = s.view();
    assert!(v.offset <= v.cursor && v.cursor < v.offset + s.list_height());
}

#[test]
fn first_page_shows_at_once_and_loading_finishes() {
    let mut s = State::new("prod", "t");
    let effects = scimitar::tui::update::init(&mut s, None);
    assert_eq!(
        effects,
        vec![
            Effect::LoadUsers {
                generation: 1,
                filter: None
            },
            Effect::ListWorkspaces
        ]
    );
    assert_eq!(s.list.load, LoadState::Loading);
    let users = fixture_users();
    page(&mut s, 1, users[..3].to_vec(), 6);
    assert_eq!(s.visible().len(), 3);
    assert_eq!(s.list.total, Some(6));
    assert_eq!(s.list.load, LoadState::Loading);
    // A page of an older load is dropped.
    page(&mut s, 0, users.clone(), 99);
    assert_eq!((s.list.len(), s.list.total), (3, Some(6)));
    page(&mut s, 1, users[3..].to_vec(), 6);
    loaded(&mut s, 1, 6);
    assert_eq!(s.list.load, LoadState::Done);
    assert_eq!(s.visible().len(), 6);
    assert!(s.popups().is_empty());
}

#[test]
fn a_load_error_is_shown_in_plain_words_and_dismissed_with_esc() {
    let mut s = State::new("prod", "t");
    scimitar::tui::update::init(&mut s, None);
    let msg = "forbidden (HTTP 403): no. The account needs the User Admin role in Anaplan to use the SCIM API";
    load_failed(&mut s, 1, msg);
    assert!(matches!(s.list.load, LoadState::Failed(_)));
    assert_eq!(
        s.popups(),
        vec![&Popup::Error {
            title: "Could not load users".into(),
            message: msg.into()
        }]
    );
    // Other keys wait while the popup is up.
    assert!(update(&mut s, Command::Refresh).is_empty());
    update(&mut s, Command::Back);
    assert!(s.popups().is_empty());
    assert!(!s.should_quit);
    // r retries.
    let e = update(&mut s, Command::Refresh);
    assert!(matches!(e[0], Effect::LoadUsers { generation: 2, .. }));
    assert_eq!(s.list.load, LoadState::Loading);
}

#[test]
fn filter_is_validated_as_typed_and_applied_on_enter() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Filter);
    assert!(s.filter_edit().is_some());
    typed(&mut s, "userName eq \"ali");
    let err = s.filter_edit().and_then(|e| e.error.clone());
    assert_eq!(err.map(|e| e.position), Some(12));
    // Enter with an error does nothing but keep the error.
    assert!(update(&mut s, Command::Apply).is_empty());
    assert!(s.filter_edit().is_some());
    typed(&mut s, "\"");
    assert!(s.filter_edit().is_some_and(|e| e.error.is_none()));
    let effects = update(&mut s, Command::Apply);
    let expected = scimitar::scim::filter::parse("userName eq \"ali\"").ok();
    assert_eq!(
        effects,
        vec![Effect::LoadUsers {
            generation: 2,
            filter: expected
        }]
    );
    assert!(s.filter_edit().is_none());
    assert_eq!(
        s.filter.applied.as_ref().map(|f| f.text.as_str()),
        Some("userName eq \"ali\"")
    );
    assert!(s.list.is_empty(), "a new filter reloads from scratch");
}

#[test]
fn an_empty_filter_clears_the_applied_one() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Filter);
    typed(&mut s, "active eq true");
    update(&mut s, Command::Apply);
    update(&mut s, Command::Filter);
    update(&mut s, Msg::Edit(InputRequest::DeleteLine));
    let e = update(&mut s, Command::Apply);
    assert_eq!(
        e,
        vec![Effect::LoadUsers {
            generation: 3,
            filter: None
        }]
    );
    assert!(s.filter.applied.is_none());
}

#[test]
fn local_search_narrows_live_and_widens_on_backspace() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Search);
    typed(&mut s, "fin");
    // userName/name/externalId/workspace names: Finance Planning members.
    assert_eq!(
        visible_names(&s),
        [
            "alice.archer@example.com",
            "bob.baker@example.com",
            "svc-integration@example.com"
        ]
    );
    typed(&mut s, "ance p");
    assert_eq!(visible_names(&s).len(), 3);
    update(&mut s, Msg::Edit(InputRequest::DeleteLine));
    typed(&mut s, "E100");
    assert_eq!(
        visible_names(&s).len(),
        4,
        "externalId matches, case-insensitively"
    );
    typed(&mut s, "2");
    assert_eq!(visible_names(&s), ["bob.baker@example.com"]);
    update(&mut s, Msg::Edit(InputRequest::DeletePrevChar));
    assert_eq!(visible_names(&s).len(), 4);
}

#[test]
fn esc_peels_one_layer_at_a_time_and_never_quits() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Filter);
    typed(&mut s, "active eq true");
    update(&mut s, Command::Apply);
    let g = s.list.generation;
    page(&mut s, g, fixture_users(), 6);
    update(&mut s, Command::Workspaces);
    update(&mut s, Command::Open);
    assert!(matches!(s.view().kind, ViewKind::Members { .. }));
    update(&mut s, Command::Search);
    typed(&mut s, "bob");
    update(&mut s, Command::Apply);
    update(&mut s, Command::Help);
    update(&mut s, Command::Filter); // ignored under a popup
    assert_eq!(s.popups(), vec![&Popup::Help]);

    update(&mut s, Command::Back); // popup
    assert!(s.popups().is_empty());
    update(&mut s, Command::Filter);
    update(&mut s, Command::Back); // input
    assert!(s.filter_edit().is_none());
    assert_eq!(s.view().search.input.value(), "bob");
    update(&mut s, Command::Back); // search
    assert_eq!(s.view().search.input.value(), "");
    assert_eq!(s.visible().len(), 3);
    update(&mut s, Command::Back); // members -> workspaces
    assert_eq!(s.view().kind, ViewKind::Workspaces);
    update(&mut s, Command::Back); // workspaces -> users
    assert_eq!(s.views.len(), 1);
    assert!(s.filter.applied.is_some());
    let e = update(&mut s, Command::Back); // filter
    assert!(s.filter.applied.is_none());
    assert!(matches!(e[..], [Effect::LoadUsers { filter: None, .. }]));
    for _ in 0..3 {
        update(&mut s, Command::Back);
    }
    assert!(!s.should_quit);
    assert_eq!(s.views.len(), 1);
}

#[test]
fn esc_while_typing_a_search_cancels_it() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Search);
    typed(&mut s, "carol");
    assert_eq!(s.visible().len(), 1);
    update(&mut s, Command::Back);
    assert_eq!(
        scimitar::tui::update::mode(&s),
        scimitar::tui::screens::users::MODE,
        "no longer typing"
    );
    assert_eq!(s.visible().len(), 6);
}

#[test]
fn selection_survives_search_filter_and_reload() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::ToggleSelect); // alice, cursor moves down
    update(&mut s, Command::ToggleSelect); // bob
    update(&mut s, Command::Up);
    update(&mut s, Command::ToggleSelect); // bob again: unticked
    assert_eq!(s.bulk.selected.len(), 1);
    assert!(s.bulk.selected.contains("u-0001"));
    update(&mut s, Command::Search);
    typed(&mut s, "erin");
    update(&mut s, Command::ToggleSelect);
    update(&mut s, Command::Back);
    assert_eq!(s.bulk.selected.len(), 2);
    update(&mut s, Command::Filter);
    typed(&mut s, "userName eq \"nobody\"");
    update(&mut s, Command::Apply);
    assert_eq!(
        s.bulk.selected.len(),
        2,
        "ticks survive a filter that hides them"
    );
    update(&mut s, Command::Refresh);
    assert_eq!(s.bulk.selected.len(), 2);
    update(&mut s, Command::ClearSelection);
    assert!(s.bulk.selected.is_empty());
}

#[test]
fn invert_selection_flips_the_visible_rows() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::ToggleSelect);
    update(&mut s, Command::InvertSelection);
    assert_eq!(s.bulk.selected.len(), 5);
    assert!(!s.bulk.selected.contains("u-0001"));
}

/// What opening or refreshing user `id` asks for: the user and its last login.
fn refetch(id: &str) -> Vec<Effect> {
    vec![
        Effect::GetUser { id: id.into() },
        Effect::LastLogin { id: id.into() },
    ]
}

#[test]
fn opening_a_user_refreshes_it_with_get_user() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Down);
    let e = update(&mut s, Command::Open);
    assert_eq!(e, refetch("u-0002"));
    assert!(matches!(&s.view().kind, ViewKind::Detail(d) if d.key == "u-0002"));
    assert!(s.detail().is_some_and(|d| d.loading));
    let mut fresh = fixture_users()[1].clone();
    fresh.active = false;
    update(
        &mut s,
        Outcome::UserFetched {
            key: "u-0002".into(),
            result: Ok(fresh),
        },
    );
    assert_eq!(s.detail_user().map(|u| u.active), Some(false));
    assert!(
        !s.list.row(1).is_some_and(|u| u.active()),
        "the list shows the fresh copy too"
    );
    // r refreshes again; y sends the id.
    assert_eq!(update(&mut s, Command::Refresh), refetch("u-0002"));
    assert_eq!(
        update(&mut s, Command::CopyId),
        vec![Effect::CopyToClipboard {
            text: "u-0002".into(),
            what: Copied::Id,
        }]
    );
    update(
        &mut s,
        Outcome::ClipboardSent {
            what: Copied::Id,
            result: Ok(()),
        },
    );
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("id sent to clipboard (OSC 52)")
    );
    update(&mut s, Command::Back);
    assert_eq!(s.view().kind, ViewKind::Users);
    assert_eq!(cursor(&s), 1, "back where we were");
    assert!(s.detail().is_none());
}

#[test]
fn flash_expires_after_some_ticks() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(
        &mut s,
        Outcome::ClipboardSent {
            what: Copied::Id,
            result: Ok(()),
        },
    );
    for _ in 0..100 {
        update(&mut s, Outcome::Tick);
    }
    assert!(s.flash.is_none());
}

#[test]
fn a_failed_refresh_keeps_the_loaded_data_and_says_why() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Open);
    update(
        &mut s,
        Outcome::UserFetched {
            key: "u-0001".into(),
            result: Err("cannot reach https://x: refused. Check the network".into()),
        },
    );
    assert!(s.detail().is_some_and(|d| d.error.is_some()));
    assert_eq!(s.detail_user().map(|u| u.id).as_deref(), Some("u-0001"));
    assert!(matches!(s.popup(), Some(Popup::Error { .. })));
}

#[test]
fn open_user_goes_straight_to_details_with_find_user() {
    let mut s = State::new("prod", "t");
    let e = scimitar::tui::update::init(&mut s, Some("bob.baker@example.com".into()));
    assert!(e.contains(&Effect::FindUser {
        query: "bob.baker@example.com".into()
    }));
    assert!(e.contains(&Effect::ListWorkspaces));
    assert!(matches!(&s.view().kind, ViewKind::Detail(d) if d.key == "bob.baker@example.com"));
    update(
        &mut s,
        Outcome::UserFetched {
            key: "bob.baker@example.com".into(),
            result: Ok(fixture_users()[1].clone()),
        },
    );
    assert_eq!(s.detail_user().map(|u| u.id).as_deref(), Some("u-0002"));
    update(&mut s, Command::Back);
    assert_eq!(s.view().kind, ViewKind::Users);
}

#[test]
fn workspaces_view_counts_members_and_lists_them() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Workspaces);
    let names: Vec<(String, usize)> = s
        .visible()
        .iter()
        .map(|&i| {
            let w = &s.list.workspaces[&s.list.workspace_order[i]];
            (w.name.clone(), w.users)
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Finance Planning".into(), 3),
            ("HR Workforce".into(), 2),
            ("Sales Ops".into(), 3)
        ]
    );
    update(&mut s, Command::Down); // HR
    update(&mut s, Command::Open);
    assert_eq!(
        visible_names(&s),
        ["carol.chen@example.com", "svc-integration@example.com"]
    );
    // A workspace only the integration API knows shows with 0 users.
    update(
        &mut s,
        Outcome::WorkspacesListed(Ok(vec![WorkspaceInfo {
            id: "8a81b09d5e6f7a09".into(),
            name: "Archive".into(),
            active: true,
        }])),
    );
    update(&mut s, Command::Back);
    assert_eq!(s.visible().len(), 4);
    assert_eq!(s.list.workspaces["8a81b09d5e6f7a09"].users, 0);
}

#[test]
fn a_failed_workspace_list_is_not_an_error_for_the_user() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(
        &mut s,
        Outcome::WorkspacesListed(Err("forbidden (HTTP 403)".into())),
    );
    assert!(s.popups().is_empty());
    assert_eq!(s.list.workspace_list_ok, Some(false));
    update(&mut s, Command::Workspaces);
    assert_eq!(s.visible().len(), 3);
}

#[test]
fn quit_asks_while_a_batch_runs() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    s.run.running = true;
    update(&mut s, Command::Quit);
    assert!(!s.should_quit);
    assert_eq!(s.popups(), vec![&Popup::ConfirmQuit]);
    update(&mut s, Command::Back);
    assert!(!s.should_quit && s.popups().is_empty());
    update(&mut s, Command::Quit);
    update(&mut s, Command::Confirm);
    assert!(s.should_quit);

    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Quit);
    assert!(s.should_quit);
}

#[test]
fn pages_arriving_during_a_search_join_the_results_if_they_match() {
    let mut s = State::new("prod", "t");
    scimitar::tui::update::init(&mut s, None);
    let users = fixture_users();
    page(&mut s, 1, users[..2].to_vec(), 6);
    update(&mut s, Command::Search);
    typed(&mut s, "sales");
    assert_eq!(s.visible().len(), 1);
    page(&mut s, 1, users[2..].to_vec(), 6);
    assert_eq!(visible_names(&s).len(), 3);
}

#[test]
fn a_failed_reload_keeps_the_last_good_list_marked_stale_until_one_succeeds() {
    let users = fixture_users();
    let mut s = loaded_state(users.clone(), 80, 24);
    assert_eq!(s.list.len(), 6);
    update(&mut s, Command::Refresh);
    let g = s.list.generation;
    // Part of the reload arrives, then the server goes away.
    page(&mut s, g, users[..2].to_vec(), 6);
    load_failed(&mut s, g, "cannot reach the server");
    assert_eq!(
        (s.list.len(), s.visible().len(), s.list.total),
        (6, 6, Some(6))
    );
    assert_eq!(s.list.stale.as_deref(), Some("cannot reach the server"));
    update(&mut s, Command::Back); // the error popup
    // A second failure still keeps them.
    update(&mut s, Command::Refresh);
    let g = s.list.generation;
    load_failed(&mut s, g, "still down");
    assert_eq!(s.list.len(), 6);
    update(&mut s, Command::Back);
    // A reload that succeeds replaces the list and clears the mark.
    update(&mut s, Command::Refresh);
    let g = s.list.generation;
    page(&mut s, g, users[..4].to_vec(), 4);
    loaded(&mut s, g, 4);
    assert_eq!((s.list.len(), s.list.stale.clone()), (4, None));
}

#[test]
fn a_client_notice_shows_on_the_status_line_without_control_characters() {
    let mut s = State::new("prod", "t");
    let effects = update(
        &mut s,
        Outcome::Notice("waiting 120 s before retrying\u{1b}[2J: HTTP 429".into()),
    );
    assert!(effects.is_empty());
    let text = s.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert!(text.starts_with("waiting 120 s"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(s.dirty);
}
