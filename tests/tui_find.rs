//! Issue 26 point 10: `/` searches inside the preview, the run history, the help overlay and
//! the detail view: the view jumps to the first match and highlights it, `n`/`N` go to the
//! next/previous match (wrapping round), Enter keeps the query, Esc clears it. Reducer tests,
//! snapshots at 80x24 and 60x15, and hostile text through the highlight.

mod support;

use insta::assert_snapshot;
use proptest::prelude::*;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use scimitar::scim::model::{User, Workspace};
use scimitar::tui::bulk::state::Preview;
use scimitar::tui::keymap::key_to_action;
use scimitar::tui::testing::{draw, fixture_users, loaded_state, past_runs, screen, step, typed};
use scimitar::tui::{Command, Msg, Outcome, State, update};
use scimitar::untrusted::is_hidden;

/// The users' detail view of the fixture's first user (alice), fetched.
fn detail(w: u16, h: u16) -> State {
    let users = fixture_users();
    let mut s = loaded_state(users.clone(), w, h);
    update(&mut s, Command::Open);
    update(
        &mut s,
        Outcome::UserFetched {
            key: users[0].id.clone(),
            result: Ok(users[0].clone()),
        },
    );
    s
}

fn find_line(s: &State) -> Option<usize> {
    s.find.as_ref().and_then(|f| f.current)
}

/// The key as the app maps it in the mode the state is in.
fn key(s: &State, c: char) -> Option<Msg> {
    let ev = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    key_to_action(&s.keymap, scimitar::tui::update::mode(s), &ev)
}

/// A user with many workspaces, so the detail scrolls at 60x15.
fn busy_user() -> User {
    let mut u = fixture_users()[0].clone();
    u.workspaces = (0..20)
        .map(|i| Workspace {
            id: format!("8a81b09d{i:024x}"),
            name: format!("Workspace {i:02}"),
        })
        .collect();
    u
}

fn busy_detail(w: u16, h: u16) -> State {
    let mut s = detail(w, h);
    let u = busy_user();
    update(
        &mut s,
        Outcome::UserFetched {
            key: u.id.clone(),
            result: Ok(u),
        },
    );
    s
}

#[test]
fn detail_search_jumps_to_the_first_match_and_n_and_n_cycle() {
    let mut s = busy_detail(60, 15);
    assert!(!screen(&s).contains("Workspace 17"), "{}", screen(&s));
    update(&mut s, Command::Search);
    assert_eq!(
        key(&s, 'q'),
        Some(Msg::Edit(tui_input::InputRequest::InsertChar('q'))),
        "while typing, q is text, not quit"
    );
    typed(&mut s, "WORKSPACE 17");
    let first = find_line(&s).expect("a match");
    let text = screen(&s);
    assert!(
        text.contains("Workspace 17"),
        "jumped to the match:\n{text}"
    );
    assert!(text.contains("/WORKSPACE 17  1 of 1"), "{text}");
    update(&mut s, Command::Apply);
    assert!(s.find.as_ref().is_some_and(|f| !f.editing));

    // A query with several matches: n forward, N back, both wrapping round.
    update(&mut s, Command::Search);
    erase_all(&mut s);
    typed(&mut s, "workspace 0");
    update(&mut s, Command::Apply);
    let a = find_line(&s).expect("first match");
    assert_ne!(a, first);
    update(&mut s, Command::FindNext);
    let b = find_line(&s).expect("next match");
    assert!(b > a);
    update(&mut s, Command::FindPrevious);
    assert_eq!(find_line(&s), Some(a));
    update(&mut s, Command::FindPrevious);
    let last = find_line(&s).expect("wrapped to the last");
    assert!(last > b, "N from the first match wraps to the last");
    assert!(screen(&s).contains("Workspace 09"), "{}", screen(&s));
    assert!(screen(&s).contains("10 of 10"), "{}", screen(&s));

    // Esc clears the search and stays in the view; a second Esc goes back.
    update(&mut s, Command::Back);
    assert!(s.find.is_none());
    assert!(matches!(
        s.view().kind,
        scimitar::tui::state::ViewKind::Detail(_)
    ));
    update(&mut s, Command::Back);
    assert!(s.view().is_user_list());
}

fn erase_all(s: &mut State) {
    for _ in 0..40 {
        update(s, Msg::Edit(tui_input::InputRequest::DeletePrevChar));
    }
}

#[test]
fn no_match_says_so_and_moves_nothing() {
    let mut s = busy_detail(80, 24);
    update(&mut s, Command::Search);
    typed(&mut s, "§§");
    assert_eq!(find_line(&s), None);
    assert_eq!(s.view().cursor, 0);
    assert!(screen(&s).contains("/§§  no match"), "{}", screen(&s));
}

/// Alice, bob and a user with 30 workspaces, all losing them.
fn tall_preview(w: u16, h: u16) -> State {
    let mut users = fixture_users();
    let last = users.len() - 1;
    users[last].workspaces = busy_user().workspaces;
    let ids = [
        users[0].id.clone(),
        users[1].id.clone(),
        users[last].id.clone(),
    ];
    let mut s = loaded_state(users, w, h);
    for id in ids {
        s.bulk.selected.insert(id);
    }
    update(&mut s, Command::Actions);
    update(&mut s, Command::Down); // remove all workspaces
    step(&mut s, Command::Proceed);
    s
}

fn preview(s: &State) -> &Preview {
    match s.layers().top_flow::<scimitar::tui::bulk::state::Preview>() {
        Some(p) => p,
        other => panic!("expected the preview, got {other:?}"),
    }
}

#[test]
fn preview_search_moves_the_highlight_to_the_user_and_shows_the_line() {
    let mut s = tall_preview(80, 24);
    update(&mut s, Command::Search);
    assert_eq!(
        key(&s, 'p'),
        Some(Msg::Edit(tui_input::InputRequest::InsertChar('p'))),
        "while typing, p is text, not the exact request"
    );
    typed(&mut s, "workspace 19");
    let line = find_line(&s).expect("a match");
    let p = preview(&s);
    assert_eq!(
        p.cursor, p.lines[line].item,
        "the highlight is on that user"
    );
    let h = p.list_height(s.width, s.height);
    assert!(p.offset <= line && line < p.offset + h);
    assert!(screen(&s).contains("Workspace 19"), "{}", screen(&s));
    update(&mut s, Command::Apply);
    // The screen's keys work again: j moves, n finds, Esc clears then goes back.
    update(&mut s, Command::Top);
    assert_eq!(preview(&s).cursor, 0);
    update(&mut s, Command::FindNext);
    assert_eq!(find_line(&s), Some(line), "n from the top finds it again");
    update(&mut s, Command::Back);
    assert!(s.find.is_none());
    assert!(
        s.layers()
            .top_flow::<scimitar::tui::bulk::state::Preview>()
            .is_some()
    );
}

#[test]
fn a_search_does_not_follow_to_the_next_screen() {
    let mut s = tall_preview(80, 24);
    update(&mut s, Command::Search);
    typed(&mut s, "alice");
    update(&mut s, Command::Apply);
    update(&mut s, Command::Back); // clears the search
    update(&mut s, Command::Back); // leaves the preview
    assert!(s.find.is_none());
    // And a search left in place is dropped with its screen.
    let mut s = tall_preview(80, 24);
    update(&mut s, Command::Search);
    typed(&mut s, "alice");
    update(&mut s, Command::Apply);
    s.layers_mut()
        .remove_top_flow::<scimitar::tui::bulk::state::Preview>();
    update(&mut s, Outcome::Tick);
    assert!(s.find.is_none());
}

fn history(w: u16, h: u16) -> State {
    let mut s = loaded_state(fixture_users(), w, h);
    update(&mut s, Command::History);
    update(&mut s, Outcome::RunsListed(Ok(Box::new(past_runs()))));
    s
}

fn history_cursor(s: &State) -> usize {
    match s
        .layers()
        .top_flow::<scimitar::tui::bulk::state::HistoryView>()
    {
        Some(h) => h.scroll.cursor,
        other => panic!("expected the history, got {other:?}"),
    }
}

#[test]
fn history_search_moves_to_the_run() {
    let mut s = history(80, 24);
    assert_eq!(history_cursor(&s), 0);
    update(&mut s, Command::Search);
    typed(&mut s, "interrupted");
    assert_eq!(history_cursor(&s), 1);
    update(&mut s, Command::Apply);
    update(&mut s, Command::Search);
    erase_all(&mut s);
    typed(&mut s, "2026-11");
    update(&mut s, Command::Apply);
    assert_eq!(history_cursor(&s), 0);
    update(&mut s, Command::FindNext);
    assert_eq!(history_cursor(&s), 1);
    update(&mut s, Command::FindNext);
    assert_eq!(history_cursor(&s), 0, "wraps round");
    // Enter still opens the run under the cursor.
    let effects = update(&mut s, Command::Open);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, scimitar::tui::Effect::LoadRun { .. })),
        "{effects:?}"
    );
}

#[test]
fn help_wraps_scrolls_to_its_last_row_and_is_searched_at_60x15() {
    let mut s = loaded_state(fixture_users(), 60, 15);
    update(&mut s, Command::Help);
    let text = screen(&s);
    assert!(
        text.contains("↓"),
        "a tall help says there is more:\n{text}"
    );
    update(&mut s, Command::Bottom);
    let text = screen(&s);
    let rows = scimitar::tui::testing::help_texts(&s);
    let last = rows.last().expect("help rows").trim().to_string();
    let last_desc = last.split_whitespace().last().unwrap_or_default();
    assert!(text.contains(last_desc), "G shows `{last}`:\n{text}");
    update(&mut s, Command::Top);
    assert_eq!(s.help_scroll, 0);

    update(&mut s, Command::Search);
    typed(&mut s, "inactivity");
    let line = find_line(&s).expect("a match in the help");
    assert!(s.help_scroll <= line, "{}", screen(&s));
    assert!(screen(&s).contains("inactivity"), "{}", screen(&s));
    // Esc clears the search, then closes the help.
    update(&mut s, Command::Back);
    assert!(s.find.is_none());
    assert_eq!(s.popups().len(), 1);
    update(&mut s, Command::Back);
    assert!(s.popups().is_empty());
}

#[test]
fn help_lists_the_search_keys_of_the_screens_that_have_them() {
    for (mode, name) in [
        (scimitar::tui::screens::preview::MODE, "preview"),
        (scimitar::tui::screens::history::MODE, "history"),
        (scimitar::tui::screens::detail::MODE, "detail"),
    ] {
        let km = scimitar::tui::Keymap::default();
        let rows = km.help_rows(mode);
        for want in ["next match", "previous match"] {
            assert!(
                rows.iter().any(|(_, d)| d.contains(want)),
                "{name} help lists `{want}`: {rows:?}"
            );
        }
    }
}

#[test]
fn help_searched_60x15() {
    let mut s = loaded_state(fixture_users(), 60, 15);
    update(&mut s, Command::Help);
    update(&mut s, Command::Search);
    typed(&mut s, "selection");
    update(&mut s, Command::Apply);
    assert_eq!(highlighted(&s), vec!["selection", "selection"]);
    assert_snapshot!(screen(&s));
}

#[test]
fn detail_searched_80x24() {
    let mut s = busy_detail(80, 24);
    update(&mut s, Command::Search);
    typed(&mut s, "workspace 1");
    update(&mut s, Command::Apply);
    update(&mut s, Command::FindNext);
    assert_snapshot!(screen(&s));
}

#[test]
fn detail_searched_60x15() {
    let mut s = busy_detail(60, 15);
    update(&mut s, Command::Search);
    typed(&mut s, "Workspace 15");
    assert_eq!(highlighted(&s), vec!["Workspace 15"]);
    assert_snapshot!(screen(&s));
}

#[test]
fn preview_searched_80x24() {
    let mut s = tall_preview(80, 24);
    update(&mut s, Command::Search);
    typed(&mut s, "workspace 12");
    update(&mut s, Command::Apply);
    assert_eq!(highlighted(&s), vec!["Workspace 12"]);
    assert_snapshot!(screen(&s));
}

#[test]
fn preview_searched_60x15() {
    let mut s = tall_preview(60, 15);
    update(&mut s, Command::Search);
    typed(&mut s, "bob");
    assert_snapshot!(screen(&s));
}

#[test]
fn history_searched_80x24() {
    let mut s = history(80, 24);
    update(&mut s, Command::Search);
    typed(&mut s, "remove");
    update(&mut s, Command::Apply);
    assert_snapshot!(screen(&s));
}

#[test]
fn history_searched_60x15() {
    let mut s = history(60, 15);
    update(&mut s, Command::Search);
    typed(&mut s, "disable");
    assert_eq!(
        highlighted(&s),
        vec!["disable"],
        "the action in the run's details"
    );
    assert_snapshot!(screen(&s));
}

/// Text a server could send: control characters, bidi overrides, wide and combining chars.
fn hostile() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('\u{1b}'),
            Just('\u{9b}'),
            Just('\u{7f}'),
            Just('\r'),
            Just('\n'),
            Just('\t'),
            Just('\u{202E}'),
            Just('\u{200B}'),
            Just('漢'),
            Just('e'),
            Just('E'),
            Just('\u{301}'),
            Just('['),
            Just('2'),
            Just('J'),
        ],
        0..30,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn hostile_user() -> impl Strategy<Value = User> {
    support::props::user("[a-f0-9]{4,12}", hostile, "[a-f0-9]{4,8}")
}

/// The text of the cells drawn as a match (black on yellow), row by row.
fn highlighted(s: &State) -> Vec<String> {
    let t = draw(s);
    let buf = t.backend().buffer();
    let mut rows = Vec::new();
    for y in 0..buf.area.height {
        let row: String = (0..buf.area.width)
            .filter_map(|x| buf.cell((x, y)))
            .filter(|c| c.bg == ratatui::style::Color::Yellow)
            .map(|c| c.symbol().to_string())
            .collect();
        if !row.is_empty() {
            rows.push(row);
        }
    }
    rows
}

fn assert_terminal_safe(s: &State) {
    let backend = draw(s);
    for cell in backend.backend().buffer().content() {
        if let Some(c) = cell.symbol().chars().find(|&c| is_hidden(c)) {
            panic!("U+{:04X} reached the screen", c as u32);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A hostile user's detail and its preview, searched for hostile text (typed in the
    /// query, and found in the names): nothing a terminal would act on reaches the screen.
    #[test]
    fn search_highlights_hostile_text_safely(
        user in hostile_user(),
        query in hostile(),
        w in 60u16..120,
        h in 15u16..40,
    ) {
        let mut s = loaded_state(vec![user.clone()], w, h);
        update(&mut s, Command::Open);
        update(&mut s, Outcome::UserFetched { key: user.id.clone(), result: Ok(user.clone()) });
        update(&mut s, Command::Search);
        typed(&mut s, &query);
        assert_terminal_safe(&s);
        update(&mut s, Command::Apply);
        update(&mut s, Command::FindNext);
        assert_terminal_safe(&s);
        // The same over the preview of removing the user's workspaces.
        update(&mut s, Command::Back);
        update(&mut s, Command::Back);
        s.bulk.selected.insert(user.id.clone());
        update(&mut s, Command::Actions);
        update(&mut s, Command::Down);
        step(&mut s, Command::Proceed);
        update(&mut s, Command::Search);
        typed(&mut s, "e");
        typed(&mut s, &query);
        assert_terminal_safe(&s);
    }
}

#[test]
fn the_count_follows_the_history_read_again() {
    let mut s = history(80, 24);
    update(&mut s, Command::Search);
    typed(&mut s, "2026-11");
    update(&mut s, Command::Apply);
    assert!(screen(&s).contains("1 of 2"), "{}", screen(&s));
    let mut list = past_runs();
    list.runs.truncate(1);
    update(&mut s, Outcome::RunsListed(Ok(Box::new(list))));
    assert!(screen(&s).contains("1 of 1"), "{}", screen(&s));
}
