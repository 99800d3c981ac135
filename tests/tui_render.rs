//! What the screen shows, drawn on `TestBackend` and compared with insta snapshots, at
//! 80x24 (a jump host) and 120x40; plus cell styles where colour must not carry meaning.

use insta::assert_snapshot;
use ratatui::style::Modifier;
use scimitar::scim::client::WorkspaceInfo;
use scimitar::tui::testing::{draw, fixture_users, loaded_state, screen, typed};
use scimitar::tui::{Command, Copied, Outcome, State, Theme, update};

fn list(width: u16, height: u16) -> State {
    let mut s = loaded_state(fixture_users(), width, height);
    update(&mut s, Command::Down);
    update(&mut s, Command::ToggleSelect); // bob ticked, cursor on carol
    s
}

#[test]
fn list_80x24() {
    assert_snapshot!(screen(&list(80, 24)));
}

#[test]
fn list_120x40() {
    assert_snapshot!(screen(&list(120, 40)));
}

#[test]
fn list_with_split_detail_pane_160x40() {
    assert_snapshot!(screen(&list(160, 40)));
}

#[test]
fn list_while_loading_shows_progress() {
    let mut s = State::new("prod", "api.anaplan.example");
    scimitar::tui::update::init(&mut s, None);
    update(
        &mut s,
        Outcome::Resize {
            width: 80,
            height: 24,
        },
    );
    update(
        &mut s,
        Outcome::PageLoaded {
            generation: 1,
            users: fixture_users()[..3].to_vec(),
            total: 12,
        },
    );
    let text = screen(&s);
    assert!(text.contains("Users"));
    assert!(text.contains("loaded 3 / 12"));
    assert_snapshot!(text);
}

#[test]
fn filter_with_an_error_80x24() {
    let mut s = list(80, 24);
    update(&mut s, Command::Filter);
    typed(&mut s, "userName eq \"ali");
    assert_snapshot!(screen(&s));
}

#[test]
fn search_narrowing_80x24() {
    let mut s = list(80, 24);
    update(&mut s, Command::Search);
    typed(&mut s, "sales");
    assert_snapshot!(screen(&s));
}

#[test]
fn detail_80x24() {
    let mut s = list(80, 24);
    update(&mut s, Command::Top);
    update(&mut s, Command::Open);
    update(
        &mut s,
        Outcome::UserFetched {
            key: "u-0001".into(),
            result: Ok(fixture_users()[0].clone()),
        },
    );
    assert_snapshot!(screen(&s));
}

#[test]
fn detail_120x40_while_refreshing() {
    let mut s = list(120, 40);
    update(&mut s, Command::Bottom);
    update(&mut s, Command::Up);
    update(&mut s, Command::Open); // svc-integration, three workspaces
    assert_snapshot!(screen(&s));
}

#[test]
fn detail_copy_flash_80x24() {
    let mut s = list(80, 24);
    update(&mut s, Command::Open);
    update(
        &mut s,
        Outcome::ClipboardSent {
            what: Copied::Id,
            result: Ok(()),
        },
    );
    let text = screen(&s);
    assert!(text.contains("id sent to clipboard (OSC 52)"));
}

#[test]
fn workspaces_80x24() {
    let mut s = list(80, 24);
    update(
        &mut s,
        Outcome::WorkspacesListed(Ok(vec![WorkspaceInfo {
            id: "8a81b09d5e6f7a09".into(),
            name: "Archive 2019".into(),
            active: false,
        }])),
    );
    update(&mut s, Command::Workspaces);
    assert_snapshot!(screen(&s));
}

#[test]
fn workspace_members_120x40() {
    let mut s = list(120, 40);
    update(&mut s, Command::Workspaces);
    update(&mut s, Command::Bottom);
    update(&mut s, Command::Open);
    assert_snapshot!(screen(&s));
}

#[test]
fn help_80x24() {
    let mut s = list(80, 24);
    update(&mut s, Command::Help);
    assert_snapshot!(screen(&s));
}

#[test]
fn help_120x40() {
    let mut s = list(120, 40);
    update(&mut s, Command::Help);
    assert_snapshot!(screen(&s));
}

#[test]
fn error_popup_80x24() {
    let mut s = list(80, 24);
    update(&mut s, Command::Refresh);
    let g = s.list.generation;
    update(
        &mut s,
        Outcome::LoadFinished {
            generation: g,
            result: Err("not authenticated (HTTP 401): invalid credentials. Check the login and secret (SCIMITAR_PASSWORD / SCIMITAR_BEARER) and the auth method".into()),
        },
    );
    assert_snapshot!(screen(&s));
}

#[test]
fn too_small() {
    let mut s = list(80, 24);
    update(
        &mut s,
        Outcome::Resize {
            width: 50,
            height: 12,
        },
    );
    assert_snapshot!(screen(&s));
}

#[test]
fn monochrome_80x24_keeps_cursor_selection_and_state_visible() {
    let mut s = list(80, 24);
    s.theme = Theme::monochrome();
    let term = draw(&s);
    let buf = term.backend().buffer();
    for cell in buf.content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset, "no colour at all");
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
    // Cursor row (carol, third data row at y = 6): reversed, with the ▶ marker.
    let row: String = (0..80).map(|x| buf[(x, 6)].symbol()).collect();
    assert!(row.contains("▶ [ ] carol.chen"), "{row}");
    assert!(row.contains("✗ no"));
    assert!(buf[(5, 6)].modifier.contains(Modifier::REVERSED));
    // Ticked row (bob): a text marker in bold.
    let bob: String = (0..80).map(|x| buf[(x, 5)].symbol()).collect();
    assert!(bob.contains("[x] bob.baker"), "{bob}");
    assert!(buf[(3, 5)].modifier.contains(Modifier::BOLD));
    assert_snapshot!(term.backend().to_string());
}

#[test]
fn colour_theme_uses_only_the_16_named_colours() {
    use ratatui::style::Color;
    let s = list(120, 40);
    let term = draw(&s);
    for cell in term.backend().buffer().content() {
        for c in [cell.fg, cell.bg] {
            assert!(
                !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                "{c:?} is not a named colour"
            );
        }
    }
}
