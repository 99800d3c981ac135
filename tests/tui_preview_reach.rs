//! Issue 26 point 6: every line of the preview can be reached at 80x24 and 60x15, even when
//! the last user's block is taller than the screen (`G`, PgDn and `j` all get to its end).

use insta::assert_snapshot;
use scimitar::scim::model::Workspace;
use scimitar::tui::bulk::state::Preview;
use scimitar::tui::testing::{fixture_users, loaded_state, screen, step};
use scimitar::tui::{Command, State, update};

/// Three users; the last in the preview holds 30 workspaces, and all lose them.
fn tall_preview(w: u16, h: u16) -> State {
    let mut users = fixture_users();
    let last = users.len() - 1;
    users[last].workspaces = (0..30)
        .map(|i| Workspace {
            id: format!("8a81b09d{i:024x}"),
            name: format!("Workspace {i:02}"),
        })
        .collect();
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

/// The lines on screen, by index: the same window as the view draws.
fn window(s: &State) -> std::ops::Range<usize> {
    let p = preview(s);
    let h = p.list_height(s.width, s.height);
    let start = p.offset.min(p.lines.len().saturating_sub(h));
    start..(start + h).min(p.lines.len())
}

/// The text of the preview's last line, and whether it is on screen.
fn last_line_shown(s: &State) -> (String, bool) {
    let p = preview(s);
    let last = p.lines.last().expect("preview lines").text.clone();
    let shown = window(s).contains(&(p.lines.len() - 1)) && screen(s).contains(&last);
    (last, shown)
}

fn reaches_the_end_with(w: u16, h: u16, key: Command) {
    let mut s = tall_preview(w, h);
    let (last, shown) = last_line_shown(&s);
    assert!(!shown, "the block is taller than {w}x{h}: {last}");
    for _ in 0..200 {
        update(&mut s, key);
        if last_line_shown(&s).1 {
            break;
        }
    }
    let (last, shown) = last_line_shown(&s);
    assert!(
        shown,
        "{key:?} at {w}x{h} never shows `{last}`:\n{}",
        screen(&s)
    );
    // And back up to the first line.
    update(&mut s, Command::Top);
    assert!(window(&s).contains(&0), "{}", screen(&s));
}

#[test]
fn bottom_page_down_and_down_reach_the_last_line_at_80x24_and_60x15() {
    for (w, h) in [(80, 24), (60, 15)] {
        for key in [Command::Bottom, Command::PageDown, Command::Down] {
            reaches_the_end_with(w, h, key);
        }
    }
}

#[test]
fn up_from_the_end_walks_back_through_every_line() {
    let mut s = tall_preview(80, 24);
    update(&mut s, Command::Bottom);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..200 {
        seen.extend(window(&s));
        update(&mut s, Command::Up);
    }
    assert_eq!(
        seen.len(),
        preview(&s).lines.len(),
        "every line was on screen"
    );
}

#[test]
fn tall_preview_end_80x24() {
    let mut s = tall_preview(80, 24);
    update(&mut s, Command::Bottom);
    assert_snapshot!(screen(&s));
}

#[test]
fn tall_preview_end_60x15() {
    let mut s = tall_preview(60, 15);
    update(&mut s, Command::Bottom);
    assert_snapshot!(screen(&s));
}
