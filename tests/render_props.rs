//! Property tests: every headless renderer and the TUI's views take arbitrary users (any
//! Unicode, any length, control characters) without panicking, and what they print holds no
//! character a terminal would act on or a reader could not see.

mod support;

use proptest::prelude::*;
use scimitar::commands::preview::print_preview;
use scimitar::commands::users::{write_csv, write_table, write_user};
use scimitar::plan::{Action as PlanAction, Plan, Protected};
use scimitar::scim::model::{User, Workspace};
use scimitar::tui::testing::{draw, loaded_state, step};
use scimitar::tui::{Command, Outcome, update};
use scimitar::untrusted::is_hidden;

/// Text of every kind: any char, control-heavy, long runs.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::collection::vec(any::<char>(), 0..40).prop_map(|v| v.into_iter().collect()),
        2 => proptest::collection::vec(
            prop_oneof![
                Just('\u{1b}'), Just('\u{9b}'), Just('\u{7f}'), Just('\r'), Just('\u{8}'),
                Just('\u{202E}'), Just('\u{200B}'), Just('\u{2066}'), Just('\n'), Just('\t'),
                Just('漢'), Just('e'), Just('\u{301}'), Just('='), Just('['),
            ],
            0..40,
        )
        .prop_map(|v| v.into_iter().collect()),
        1 => (1usize..5000).prop_map(|n| "W".repeat(n)),
    ]
}

fn user() -> impl Strategy<Value = User> {
    support::props::user("[a-f0-9]{4,12}", text, "[a-f0-9]{4,8}")
}

fn assert_terminal_safe(what: &str, out: &str) {
    if let Some(c) = out.chars().find(|&c| is_hidden(c) && c != '\n') {
        panic!("{what}: U+{:04X} reached the output", c as u32);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn headless_renderers_take_any_user(users in proptest::collection::vec(user(), 1..6)) {
        let mut out = Vec::new();
        write_table(&users, &mut out).unwrap();
        assert_terminal_safe("users list --format table", &String::from_utf8(out).unwrap());
        for u in &users {
            let mut out = Vec::new();
            write_user(u, None, &mut out).unwrap();
            assert_terminal_safe("user show", &String::from_utf8(out).unwrap());
        }
        let mut out = Vec::new();
        write_csv(&users, &mut out).unwrap();
        let mut rd = csv::Reader::from_reader(out.as_slice());
        for rec in rd.records() {
            for cell in rec.unwrap().iter() {
                prop_assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "formula cell {:?}", cell);
                assert_terminal_safe("users list --format csv", cell);
            }
        }
        let keep = users[0].workspaces.first().map(|w| vec![w.id.clone()]).unwrap_or_default();
        for action in [PlanAction::DisableAndRemove, PlanAction::KeepWorkspaces { keep }, PlanAction::Disable] {
            let plan = Plan::build("tenant\u{1b}[2J", "now", action, &users, &Protected::default(), &["gh\u{202E}ost@x".to_string()]);
            let mut out = Vec::new();
            print_preview(&plan, &mut out).unwrap();
            assert_terminal_safe("the apply preview", &String::from_utf8(out).unwrap());
        }
    }

    #[test]
    fn tui_views_take_any_user(users in proptest::collection::vec(user(), 1..6), w in 40u16..140, h in 10u16..45) {
        let mut s = loaded_state(users.clone(), w, h);
        let mut screens = vec![("list", draw(&s))];
        update(&mut s, Command::Open);
        screens.push(("detail", draw(&s)));
        update(&mut s, Command::Back);
        update(&mut s, Command::Workspaces);
        screens.push(("workspaces", draw(&s)));
        update(&mut s, Command::Back);
        update(&mut s, Command::SelectAll);
        update(&mut s, Command::Selection);
        screens.push(("selection", draw(&s)));
        update(&mut s, Command::Back);
        update(&mut s, Command::Actions);
        update(&mut s, Command::Down);
        step(&mut s, Command::Proceed);
        screens.push(("preview", draw(&s)));
        update(&mut s, Command::ShowRequest);
        screens.push(("request", draw(&s)));
        update(&mut s, Command::Back);
        update(&mut s, Command::Proceed);
        screens.push(("confirm", draw(&s)));
        for (what, t) in screens {
            for cell in t.backend().buffer().content() {
                assert_terminal_safe(what, cell.symbol());
            }
        }
    }
}

#[test]
fn a_hundred_thousand_character_name_prints() {
    let long = "A".repeat(100_000);
    let u = User {
        id: "u1".into(),
        user_name: long.clone(),
        external_id: Some(long.clone()),
        active: true,
        given_name: Some(long.clone()),
        family_name: Some(long.clone()),
        display_name: None,
        workspaces: vec![Workspace {
            id: "w1".into(),
            name: long,
        }],
        created: None,
        last_modified: None,
    };
    let mut out = Vec::new();
    write_table(std::slice::from_ref(&u), &mut out).unwrap();
    write_user(&u, None, &mut out).unwrap();
    let s = loaded_state(vec![u], 80, 24);
    draw(&s);
}

/// The TUI states the cost in the preview and again in the confirmation.
#[test]
fn the_tui_preview_and_confirmation_state_the_role_loss() {
    use scimitar::tui::testing::fixture_users;
    let mut s = loaded_state(fixture_users(), 100, 30);
    for id in ["u-0001", "u-0003", "u-0005"] {
        s.bulk.selected.insert(id.into());
    }
    update(&mut s, Command::Actions);
    update(&mut s, Command::Down);
    step(&mut s, Command::Proceed);
    let flat = |s: &scimitar::tui::State| {
        let t = draw(s).backend().to_string();
        t.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let preview = flat(&s);
    update(&mut s, Command::Proceed);
    let confirm = flat(&s);
    for (what, text) in [("preview", preview), ("confirmation", confirm)] {
        assert!(
            text.contains("COST: 3 users will lose access to 3 workspaces")
                && text.contains("model roles and selective access")
                && text.contains("membership only"),
            "{what}: {text}"
        );
    }
}

/// When the API user is unknown the TUI starts with a popup saying so (main.rs also makes it
/// read-only).
#[test]
fn tui_start_warnings_are_shown() {
    let opts = scimitar::tui::TuiOptions {
        read_only: true,
        warnings: vec!["API user UNKNOWN: pass --api-user".into()],
        ..scimitar::tui::TuiOptions::default()
    };
    let (mut s, _) = scimitar::tui::initial_state(opts, None);
    update(
        &mut s,
        Outcome::Resize {
            width: 100,
            height: 30,
        },
    );
    let text = draw(&s).backend().to_string();
    assert!(text.contains("API user UNKNOWN"), "{text}");
}
