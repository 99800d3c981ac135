//! The operator's day in the TUI (issue 13), reducer side: menu digits, Ctrl-C during a run,
//! the CSV's unused rows reaching the run, sorting, the detail view, the run history.

use scimitar::scim::client::{LastLogin, UNAVAILABLE};
use scimitar::tui::bulk::state::CsvLoaded;
use scimitar::tui::keymap::{KeyChord, key_to_action};
use scimitar::tui::state::Popup;
use scimitar::tui::testing::{
    csv_report, fixture_users, loaded_state, past_run, past_runs, run_summary, screen,
    visible_names,
};
use scimitar::tui::update::mode;
use scimitar::tui::{Command, Copied, Effect, Msg, Outcome, State, update};
use tui_input::InputRequest;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// `update`, with plan building (an effect run off the UI loop) done at once.
fn step(s: &mut State, a: impl Into<Msg>) -> Vec<Effect> {
    let mut out = Vec::new();
    for e in update(s, a) {
        match e {
            Effect::BuildPlan(req) => {
                let preview = scimitar::tui::bulk::Preview::build(*req);
                out.extend(update(s, Outcome::PlanReady(Box::new(preview))));
            }
            other => out.push(other),
        }
    }
    out
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, Msg::Edit(InputRequest::InsertChar(c)));
    }
}

fn key(s: &State, code: KeyCode, mods: KeyModifiers) -> Option<Msg> {
    key_to_action(&s.keymap, mode(s), &KeyEvent::new(code, mods))
}

fn preview_label(s: &State) -> String {
    match s.layers().top_flow::<scimitar::tui::bulk::state::Preview>() {
        Some(p) => p.intent.label(),
        other => panic!("expected the preview, got {other:?}"),
    }
}

fn two_ticked() -> State {
    let mut s = loaded_state(fixture_users(), 80, 24);
    s.bulk.selected.insert("u-0001".into());
    s.bulk.selected.insert("u-0002".into());
    s
}

/// Two users ticked, the first action chosen, previewed, confirmed with 2 and applied.
fn two_ticked_running() -> State {
    let mut s = two_ticked();
    update(&mut s, Command::Actions);
    step(&mut s, Command::Proceed);
    step(&mut s, Command::Proceed);
    typed(&mut s, "2");
    update(&mut s, Command::Apply);
    s
}

#[test]
fn menu_digits_choose_their_item() {
    let mut s = two_ticked();
    update(&mut s, Command::Actions);
    assert_eq!(mode(&s), scimitar::tui::screens::menu::MODE);
    let a = key(&s, KeyCode::Char('2'), KeyModifiers::NONE).expect("2 is bound in the menu");
    step(&mut s, a);
    assert_eq!(mode(&s), scimitar::tui::screens::preview::MODE);
    assert!(
        preview_label(&s).contains("remove"),
        "2 is \"Remove all workspace access\": {}",
        preview_label(&s)
    );

    // 3 opens the keep-only picker; 4 re-enables.
    update(&mut s, Command::Back);
    update(&mut s, Command::Back);
    update(&mut s, Command::Actions);
    let a = key(&s, KeyCode::Char('3'), KeyModifiers::NONE).unwrap();
    step(&mut s, a);
    assert_eq!(mode(&s), scimitar::tui::screens::picker::MODE);
    update(&mut s, Command::Back);
    update(&mut s, Command::Back);
    update(&mut s, Command::Actions);
    let a = key(&s, KeyCode::Char('4'), KeyModifiers::NONE).unwrap();
    step(&mut s, a);
    assert!(
        preview_label(&s).contains("enable"),
        "{}",
        preview_label(&s)
    );
}

#[test]
fn ctrl_c_during_a_run_asks_as_q_does() {
    let mut s = two_ticked_running();
    assert_eq!(mode(&s), scimitar::tui::screens::run::MODE);
    let a = key(&s, KeyCode::Char('c'), KeyModifiers::CONTROL).expect("ctrl-c is bound");
    let effects = update(&mut s, a);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::CancelBatch)),
        "ctrl-c does not stop the batch at once: {effects:?}"
    );
    assert_eq!(s.popup(), Some(&Popup::ConfirmQuit));
    assert!(!s.should_quit);
    // The help says what ctrl-c does, and it is what it does.
    let rows = s.keymap.help_rows(scimitar::tui::screens::run::MODE);
    assert!(
        rows.iter()
            .any(|(k, d)| k.contains("ctrl-c") && d.contains("asks while a batch runs")),
        "{rows:?}"
    );
    assert_eq!(
        KeyChord::parse("ctrl-c").ok(),
        Some(KeyChord::new(KeyCode::Char('c'), KeyModifiers::CONTROL))
    );
}

#[test]
fn csv_rows_that_were_not_used_reach_the_plan_and_the_run() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    scimitar::tui::screens::csv::start_csv(&mut s, "users.csv".into());
    update(
        &mut s,
        Outcome::CsvLoaded(Ok(Box::new(CsvLoaded {
            path: "/home/op/users.csv".into(),
            report: csv_report(),
        }))),
    );
    update(&mut s, Command::Proceed);
    assert_eq!(s.bulk.selected.len(), 2);
    update(&mut s, Command::Actions);
    step(&mut s, Command::Proceed);
    match s.layers().top_flow::<scimitar::tui::bulk::state::Preview>() {
        Some(p) => assert_eq!(
            p.totals.not_found, 1,
            "the CSV's unknown user is in the plan as not found, as headless"
        ),
        other => panic!("expected the preview, got {other:?}"),
    }
    step(&mut s, Command::Proceed);
    typed(&mut s, "2");
    update(&mut s, Command::Apply);
    let input = s
        .run_view()
        .and_then(|r| r.input.clone())
        .expect("the run knows its input");
    assert_eq!(
        (
            input.rows,
            input.malformed,
            input.duplicates,
            input.not_found.len()
        ),
        (6, 1, 1, 1)
    );
}

#[test]
fn saving_over_an_existing_file_asks_and_names_the_absolute_path() {
    let mut s = two_ticked();
    update(&mut s, Command::Actions);
    step(&mut s, Command::Proceed);
    assert_eq!(mode(&s), scimitar::tui::screens::preview::MODE);
    update(&mut s, Command::Save);
    assert_eq!(mode(&s), scimitar::tui::screens::path::MODE);
    let effects = update(&mut s, Command::Apply);
    assert!(
        matches!(&effects[..], [Effect::SavePlan { path, overwrite: false, .. }] if path == "plan.json"),
        "{effects:?}"
    );
    // The runner found the file: the operator is asked, with the full path.
    update(
        &mut s,
        Outcome::WouldOverwrite {
            purpose: scimitar::tui::bulk::state::PathPurpose::SavePlan,
            path: "/home/op/plan.json".into(),
        },
    );
    assert!(matches!(
        s.popup(),
        Some(Popup::ConfirmOverwrite { path, .. }) if path == "/home/op/plan.json"
    ));
    let text = screen(&s);
    assert!(text.contains("/home/op/plan.json"), "{text}");
    assert!(text.contains("Replace it?"), "{text}");
    // Esc keeps the file; y replaces it.
    assert!(update(&mut s, Command::Back).is_empty());
    assert!(s.popups().is_empty());
    update(
        &mut s,
        Outcome::WouldOverwrite {
            purpose: scimitar::tui::bulk::state::PathPurpose::SavePlan,
            path: "/home/op/plan.json".into(),
        },
    );
    let effects = update(&mut s, Command::Confirm);
    assert!(
        matches!(&effects[..], [Effect::SavePlan { path, overwrite: true, .. }] if path == "/home/op/plan.json"),
        "{effects:?}"
    );
}

#[test]
fn tab_in_the_path_input_completes() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::LoadCsv);
    typed(&mut s, "~/lea");
    let a = key(&s, KeyCode::Tab, KeyModifiers::NONE).expect("tab is bound in the path input");
    let effects = update(&mut s, a);
    assert_eq!(
        effects,
        [Effect::CompletePath {
            typed: "~/lea".into()
        }]
    );
    let completion = scimitar::tui::bulk::complete::complete_from(
        "~/lea",
        &[
            ("leavers-11.csv".into(), false),
            ("leavers-12.csv".into(), false),
        ],
    );
    update(
        &mut s,
        Outcome::PathCompleted {
            typed: "~/lea".into(),
            completion,
        },
    );
    let pi = s.path_input().expect("still typing the path");
    assert_eq!(pi.input.value(), "~/leavers-1");
    let flash = s.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert!(
        flash.contains("leavers-11.csv") && flash.contains("leavers-12.csv"),
        "{flash}"
    );
}

#[test]
fn history_reopens_a_run_with_undo_resume_and_full_reasons() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    let a = key(&s, KeyCode::Char('H'), KeyModifiers::SHIFT).expect("H is bound on the list");
    let effects = update(&mut s, a);
    assert_eq!(effects, [Effect::ListRuns]);
    assert_eq!(mode(&s), scimitar::tui::screens::history::MODE);
    let list = past_runs();
    update(&mut s, Outcome::RunsListed(Ok(Box::new(list.clone()))));

    // Enter on the second run reads its journal.
    update(&mut s, Command::Down);
    let effects = update(&mut s, Command::Open);
    let journal = std::path::PathBuf::from(&list.runs[1].summary.journal);
    assert_eq!(
        effects,
        [Effect::LoadRun {
            journal: journal.clone()
        }]
    );
    update(&mut s, Outcome::RunLoaded(Ok(Box::new(past_run(&list, 1)))));
    assert_eq!(mode(&s), scimitar::tui::screens::run::SUMMARY);
    assert_eq!(
        update(&mut s, Command::Resume),
        [Effect::PrepareResume {
            journal: journal.clone()
        }]
    );

    // Esc goes back to the history, not to the list; the first run, then undo.
    update(&mut s, Command::Back);
    assert_eq!(mode(&s), scimitar::tui::screens::history::MODE);
    update(&mut s, Command::Up);
    update(&mut s, Command::Open);
    update(&mut s, Outcome::RunLoaded(Ok(Box::new(past_run(&list, 0)))));
    let first = std::path::PathBuf::from(&list.runs[0].summary.journal);
    assert_eq!(
        update(&mut s, Command::Undo),
        [Effect::BuildUndo {
            journal: first.clone()
        }]
    );

    // Enter on the second failure shows its reason in full.
    update(&mut s, Command::Down);
    update(&mut s, Command::Open);
    match s.popup() {
        Some(Popup::Error { title, message }) => {
            assert!(title.contains("karen.rivera1@contoso-group.com"), "{title}");
            assert!(
                message.contains("until 22:00 UTC, try again later"),
                "{message}"
            );
            assert!(message.contains("503"), "{message}");
        }
        other => panic!("expected the reason, got {other:?}"),
    }
    update(&mut s, Command::Back);

    // y sends the journal path to the clipboard and shows it in full.
    let effects = update(&mut s, Command::CopyPath);
    assert_eq!(
        effects,
        [Effect::CopyToClipboard {
            text: list.runs[0].summary.journal.clone(),
            what: Copied::JournalPath,
        }]
    );
    assert!(
        matches!(s.popup(), Some(Popup::Path { path, .. }) if *path == list.runs[0].summary.journal)
    );
    update(
        &mut s,
        Outcome::ClipboardSent {
            what: Copied::JournalPath,
            result: Ok(()),
        },
    );
    let flash = s.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert_eq!(flash, "journal path sent to clipboard (OSC 52)");
}

#[test]
fn esc_from_a_finished_run_says_where_it_went_and_h_finds_it() {
    let mut s = two_ticked_running();
    // H does nothing useful while the batch runs (it is not bound there).
    update(
        &mut s,
        Outcome::RunFinished {
            summary: Ok(Box::new(run_summary("8470f630", "disable", 2, 0))),
            stopped: None,
        },
    );
    assert_eq!(mode(&s), scimitar::tui::screens::run::SUMMARY);
    update(&mut s, Command::Back);
    assert_eq!(mode(&s), scimitar::tui::screens::users::MODE);
    let flash = s.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert!(flash.contains("H reopens it"), "{flash}");
    assert_eq!(update(&mut s, Command::History), [Effect::ListRuns]);
}

#[test]
fn o_sorts_the_list_and_keeps_the_cursor_on_its_user() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Down); // bob
    let a = key(&s, KeyCode::Char('o'), KeyModifiers::NONE).expect("o is bound on the list");
    assert_eq!(a, Command::Sort.into());
    update(&mut s, a); // userName
    update(&mut s, Command::Sort); // name
    update(&mut s, Command::Sort); // active: carol (disabled) first
    assert_eq!(visible_names(&s)[0], "carol.chen@example.com");
    assert_eq!(
        s.current_user().map(|u| u.user_name).as_deref(),
        Some("bob.baker@example.com")
    );
    update(&mut s, Command::Sort); // workspaces, most first
    assert_eq!(visible_names(&s)[0], "svc-integration@example.com");

    // A page arriving later lands in its sorted place; the cursor stays on bob.
    let mut late = fixture_users()[0].clone();
    late.id = "u-0099".into();
    late.user_name = "zed.zimmer@example.com".into();
    late.workspaces = fixture_users()[4].workspaces.clone();
    late.workspaces
        .extend(fixture_users()[0].workspaces.clone());
    update(&mut s, Command::Refresh);
    let generation = s.list.generation;
    update(
        &mut s,
        Outcome::PageLoaded {
            generation,
            users: fixture_users(),
            total: 7,
        },
    );
    update(&mut s, Command::Down);
    update(
        &mut s,
        Outcome::PageLoaded {
            generation,
            users: vec![late],
            total: 7,
        },
    );
    assert_eq!(visible_names(&s)[0], "zed.zimmer@example.com");
    assert_eq!(
        s.current_user().map(|u| u.user_name).as_deref(),
        Some("alice.archer@example.com"),
        "the cursor follows its user when a page lands above it"
    );
    // Back to the server's order after the last key.
    update(&mut s, Command::Sort);
    update(&mut s, Command::Sort);
    assert_eq!(visible_names(&s)[0], "alice.archer@example.com");
}

/// A user with many workspaces, opened in the detail view at `w` x `h`.
fn detail_of_busy_user(w: u16, h: u16) -> State {
    let mut users = fixture_users();
    users[0].workspaces = (0..25)
        .map(|i| scimitar::scim::model::Workspace {
            id: format!("8a81b09d{i:08x}"),
            name: format!("Workspace {i:02}"),
        })
        .collect();
    let mut s = loaded_state(users, w, h);
    update(&mut s, Command::Open);
    s
}

#[test]
fn the_detail_view_scrolls_to_the_last_workspace_at_60x15() {
    let mut s = detail_of_busy_user(60, 15);
    let text = screen(&s);
    assert!(
        text.contains("more"),
        "a marker says rows are below:\n{text}"
    );
    assert!(!text.contains("Workspace 24"), "{text}");
    for (a, code, mods) in [
        ("j", KeyCode::Char('j'), KeyModifiers::NONE),
        ("G", KeyCode::Char('G'), KeyModifiers::SHIFT),
        ("g", KeyCode::Char('g'), KeyModifiers::NONE),
        ("pgdn", KeyCode::PageDown, KeyModifiers::NONE),
        ("pgup", KeyCode::PageUp, KeyModifiers::NONE),
    ] {
        assert!(
            key(&s, code, mods).is_some(),
            "{a} is bound in the detail view"
        );
    }
    let bottom = key(&s, KeyCode::Char('G'), KeyModifiers::SHIFT).unwrap();
    update(&mut s, bottom);
    let text = screen(&s);
    assert!(
        text.contains("Workspace 24"),
        "G reaches the last workspace:\n{text}"
    );
    assert!(text.contains("↑ "), "a marker says rows are above:\n{text}");
    assert!(!text.contains("↓ "), "{text}");
    // k moves back at once (the scroll never runs past the last page).
    update(&mut s, Command::Up);
    let text = screen(&s);
    assert!(!text.contains("Workspace 24"), "{text}");
    assert!(text.contains("↓ 1 more"), "{text}");
    update(&mut s, Command::Top);
    for _ in 0..4 {
        update(&mut s, Command::PageDown);
    }
    let text = screen(&s);
    assert!(
        text.contains("Workspace 24"),
        "pgdn reaches it too:\n{text}"
    );
}

/// The integration API's answer for user `id` arrives.
fn last_login(s: &mut State, id: &str, login: LastLogin) {
    update(
        s,
        Outcome::LastLoginFetched {
            id: id.into(),
            login,
        },
    );
}

#[test]
fn the_detail_view_shows_the_last_login_or_why_not() {
    let mut s = detail_of_busy_user(80, 24);
    let text = screen(&s);
    assert!(
        text.contains("lastLogin     asking the integration API…"),
        "{text}"
    );
    last_login(
        &mut s,
        "u-0001",
        LastLogin::At {
            at: "2026-03-01T09:14:05Z".into(),
        },
    );
    let text = screen(&s);
    assert!(
        text.contains("lastLogin     2026-03-01 09:14 UTC"),
        "{text}"
    );

    // Another answer for another user is dropped; a refusal is said as such.
    update(&mut s, Command::Back);
    update(&mut s, Command::Down);
    update(&mut s, Command::Open);
    last_login(&mut s, "u-0001", LastLogin::Never);
    last_login(
        &mut s,
        "u-0002",
        LastLogin::Unavailable {
            reason: UNAVAILABLE.into(),
        },
    );
    let text = screen(&s);
    assert!(
        text.contains("lastLogin     not available with these credentials"),
        "{text}"
    );
}

#[test]
fn a_user_opened_by_email_gets_its_last_login_once_found() {
    let mut s = State::new("prod", "t");
    let effects = scimitar::tui::update::init(&mut s, Some("carol.chen@example.com".into()));
    assert!(effects.contains(&Effect::FindUser {
        query: "carol.chen@example.com".into()
    }));
    let effects = update(
        &mut s,
        Outcome::UserFetched {
            key: "carol.chen@example.com".into(),
            result: Ok(fixture_users()[2].clone()),
        },
    );
    assert_eq!(
        effects,
        [Effect::LastLogin {
            id: "u-0003".into()
        }]
    );
}

#[test]
fn space_and_a_act_on_the_user_shown() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    s.bulk.selected.insert("u-0005".into());
    update(&mut s, Command::Down);
    update(&mut s, Command::Open); // bob
    assert_eq!(mode(&s), scimitar::tui::screens::detail::MODE);
    let space = key(&s, KeyCode::Char(' '), KeyModifiers::NONE).expect("space in detail");
    update(&mut s, space.clone());
    assert!(
        s.bulk.selected.contains("u-0002"),
        "space ticks the user shown"
    );
    assert_eq!(
        mode(&s),
        scimitar::tui::screens::detail::MODE,
        "and the view stays"
    );
    update(&mut s, space);
    assert!(!s.bulk.selected.contains("u-0002"), "space again unticks");

    // A: the action menu for this user alone, whoever else is ticked.
    let a = key(&s, KeyCode::Char('A'), KeyModifiers::SHIFT).expect("A in detail");
    update(&mut s, a);
    assert_eq!(mode(&s), scimitar::tui::screens::menu::MODE);
    let text = screen(&s);
    assert!(text.contains("Action for bob.baker@example.com"), "{text}");
    step(&mut s, Command::Proceed);
    match s.layers().top_flow::<scimitar::tui::bulk::state::Preview>() {
        Some(p) => {
            let ids: Vec<&str> = p.plan.items.iter().map(|i| i.user_id.as_str()).collect();
            assert_eq!(ids, ["u-0002"], "only the user shown is in the plan");
        }
        other => panic!("expected the preview, got {other:?}"),
    }
    assert!(
        s.bulk.selected.contains("u-0005"),
        "the selection is left as it was"
    );
}

#[test]
fn the_workspace_view_says_how_complete_its_counts_are() {
    use scimitar::tui::testing::draw;
    let mut s = State::new("prod", "t");
    scimitar::tui::update::init(&mut s, None);
    update(
        &mut s,
        Outcome::Resize {
            width: 100,
            height: 24,
        },
    );
    let generation = s.list.generation;
    update(
        &mut s,
        Outcome::PageLoaded {
            generation,
            users: fixture_users()[..4].to_vec(),
            total: 216,
        },
    );
    update(&mut s, Command::Workspaces);
    let text = draw(&s).backend().to_string();
    assert!(text.contains("4 of 216 users loaded"), "{text}");
    update(&mut s, Command::Open);
    let text = draw(&s).backend().to_string();
    assert!(
        text.contains("4 of 216 users loaded"),
        "the members view says it too:\n{text}"
    );
    update(&mut s, Command::Back);
    update(&mut s, Command::Back);

    // Complete: said so.
    update(
        &mut s,
        Outcome::PageLoaded {
            generation,
            users: fixture_users()[4..].to_vec(),
            total: 6,
        },
    );
    update(
        &mut s,
        Outcome::LoadFinished {
            generation,
            result: Ok(6),
        },
    );
    update(&mut s, Command::Workspaces);
    let text = draw(&s).backend().to_string();
    assert!(text.contains("all 6 users counted"), "{text}");
    update(&mut s, Command::Back);

    // A filter in force is named.
    update(&mut s, Command::Filter);
    typed(&mut s, "active eq true");
    update(&mut s, Command::Apply);
    let generation = s.list.generation;
    update(
        &mut s,
        Outcome::PageLoaded {
            generation,
            users: fixture_users()[..2].to_vec(),
            total: 2,
        },
    );
    update(
        &mut s,
        Outcome::LoadFinished {
            generation,
            result: Ok(2),
        },
    );
    update(&mut s, Command::Workspaces);
    let text = draw(&s).backend().to_string();
    assert!(
        text.contains("2 of 2 users matching filter `active eq true`"),
        "{text}"
    );
}
