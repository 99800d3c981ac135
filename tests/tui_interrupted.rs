//! Runs left unfinished, in the reducer and on screen: the popup at start (resume now, show,
//! later) and the line stderr gets when the TUI is quit during a run.

use std::path::PathBuf;
use std::time::Instant;

use scimitar::batch::interrupted::Interrupted;
use scimitar::batch::runner::Event;
use scimitar::tui::bulk::msg::BatchEvent;
use scimitar::tui::bulk::state::RunView;
use scimitar::tui::screens::interrupted::exit_note;
use scimitar::tui::state::Popup;
use scimitar::tui::testing::{fixture_users, loaded_state, run_summary, screen};
use scimitar::tui::{Command, Effect, Outcome, State, TuiOptions, initial_state, update};

fn run(id: &str, left: usize) -> Interrupted {
    Interrupted {
        id: id.into(),
        action: "disable".into(),
        planned: 120,
        changed: 120 - left,
        failed: 2,
        left,
        last_activity: "2026-12-03T14:00:00Z".into(),
        age_secs: 7_380,
        journal: format!("/data/journals/2026-12-03T13-58-00Z-{id}.jsonl"),
    }
}

fn offered(runs: Vec<Interrupted>) -> State {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Outcome::InterruptedFound(runs));
    s
}

fn popup_id(s: &State) -> Option<String> {
    match s.popup() {
        Some(Popup::Interrupted { run, .. }) => Some(run.id.clone()),
        _ => None,
    }
}

#[test]
fn the_tui_asks_for_interrupted_runs_at_start() {
    let (_, effects) = initial_state(TuiOptions::default(), None);
    assert!(
        effects.contains(&Effect::FindInterrupted),
        "the journals are read by an effect: {effects:?}"
    );
}

#[test]
fn the_popup_names_the_run_its_action_counts_and_age() {
    let s = offered(vec![run("aaaa0001", 58), run("bbbb0002", 3)]);
    assert_eq!(
        popup_id(&s).as_deref(),
        Some("aaaa0001"),
        "the newest first"
    );
    let text = screen(&s);
    for needle in [
        "Interrupted run",
        "aaaa0001",
        "(disable)",
        "2 h ago",
        "58 of 120 users left",
        "changed 62, failed 2",
        "1 more interrupted run",
        "r: resume now",
        "s: show",
        "l/esc: later",
    ] {
        assert!(text.contains(needle), "{needle:?} missing:\n{text}");
    }
    insta::assert_snapshot!("interrupted_popup_80x24", text);
}

#[test]
fn resume_now_reads_the_journal_as_the_history_resume_does() {
    let mut s = offered(vec![run("aaaa0001", 58)]);
    let effects = update(&mut s, Command::Resume);
    assert_eq!(
        effects,
        vec![Effect::PrepareResume {
            journal: PathBuf::from("/data/journals/2026-12-03T13-58-00Z-aaaa0001.jsonl")
        }]
    );
    assert!(s.popups().is_empty());
}

#[test]
fn resume_now_is_refused_read_only() {
    let mut s = offered(vec![run("aaaa0001", 58)]);
    s.read_only = true;
    assert!(update(&mut s, Command::Choose1).is_empty());
    assert!(s.popups().is_empty());
    let flash = s.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert!(flash.contains("read-only"), "{flash}");
}

#[test]
fn show_opens_the_run_in_the_history() {
    let mut s = offered(vec![run("aaaa0001", 58)]);
    let effects = update(&mut s, Command::History);
    assert!(s.popups().is_empty());
    assert_eq!(
        effects,
        vec![
            Effect::ListRuns,
            Effect::LoadRun {
                journal: PathBuf::from("/data/journals/2026-12-03T13-58-00Z-aaaa0001.jsonl")
            }
        ]
    );
    assert!(
        s.layers()
            .top_flow::<scimitar::tui::bulk::state::HistoryView>()
            .is_some_and(|h| h.opening)
    );
    // The run read from its journal opens over the history.
    let detail = scimitar::tui::testing::past_run(&scimitar::tui::testing::past_runs(), 0);
    update(&mut s, Outcome::RunLoaded(Ok(Box::new(detail))));
    assert!(
        s.layers()
            .top_flow::<scimitar::tui::bulk::state::RunView>()
            .is_some()
    );
}

#[test]
fn later_is_not_asked_again_for_that_run_in_this_session() {
    let mut s = offered(vec![run("aaaa0001", 58)]);
    assert!(update(&mut s, Command::Back).is_empty());
    assert!(s.popups().is_empty(), "later closes the popup");
    update(&mut s, Outcome::InterruptedFound(vec![run("aaaa0001", 58)]));
    assert_eq!(popup_id(&s), None, "the same run is not offered again");
    update(
        &mut s,
        Outcome::InterruptedFound(vec![run("aaaa0001", 58), run("cccc0003", 4)]),
    );
    assert_eq!(popup_id(&s).as_deref(), Some("cccc0003"), "another run is");
    update(&mut s, Command::Choose3);
    assert!(s.popups().is_empty());
}

#[test]
fn other_keys_wait_while_the_popup_is_up() {
    let mut s = offered(vec![run("aaaa0001", 58)]);
    assert!(update(&mut s, Command::Refresh).is_empty());
    assert!(update(&mut s, Command::Confirm).is_empty());
    assert_eq!(popup_id(&s).as_deref(), Some("aaaa0001"));
    update(&mut s, Command::Quit);
    assert!(s.should_quit, "q still quits");
}

fn running() -> State {
    let mut s = loaded_state(fixture_users(), 80, 24);
    s.push_layer(Box::new(RunView::new(
        "disable".into(),
        "api.anaplan.example".into(),
    )));
    s.run.running = true;
    update(
        &mut s,
        Outcome::RunStarted {
            batch_id: "abcd1234".into(),
            journal: "/data/journals/j.jsonl".into(),
            at: Instant::now(),
            baseline: Default::default(),
        },
    );
    update(
        &mut s,
        Outcome::RunEvent(BatchEvent(Event::Started { total: 3 })),
    );
    s
}

#[test]
fn quitting_during_a_run_names_it_for_stderr() {
    let mut s = running();
    assert_eq!(exit_note(&s), None);
    update(&mut s, Command::Quit);
    update(&mut s, Command::Confirm);
    let mut summary = run_summary("abcd1234", "disable", 1, 0);
    summary.planned = 3;
    summary.not_started = 2;
    update(
        &mut s,
        Outcome::RunFinished {
            summary: Ok(Box::new(summary)),
            stopped: Some("stopped by the operator".into()),
        },
    );
    assert!(s.should_quit);
    assert_eq!(
        exit_note(&s).as_deref(),
        Some("run abcd1234 interrupted: 2 of 3 users left; resume with: scimitar resume abcd1234")
    );
}

#[test]
fn quitting_after_a_run_ended_says_nothing() {
    let mut s = running();
    update(
        &mut s,
        Outcome::RunFinished {
            summary: Ok(Box::new(run_summary("abcd1234", "disable", 3, 0))),
            stopped: None,
        },
    );
    update(&mut s, Command::Quit);
    assert!(s.should_quit);
    assert_eq!(exit_note(&s), None);
}

#[test]
fn the_popup_fits_at_60x15() {
    let mut s = offered(vec![run("aaaa0001", 58)]);
    update(
        &mut s,
        Outcome::Resize {
            width: 60,
            height: 15,
        },
    );
    let text = screen(&s);
    for needle in ["aaaa0001", "58 of 120 users left", "resume now", "later"] {
        assert!(text.contains(needle), "{needle:?} missing:\n{text}");
    }
    insta::assert_snapshot!("interrupted_popup_60x15", text);
}

#[test]
fn back_on_the_list_after_the_history_asks_again_and_later_is_kept() {
    let mut s = offered(vec![run("aaaa0001", 58)]);
    update(&mut s, Command::History);
    let detail = scimitar::tui::testing::past_run(&scimitar::tui::testing::past_runs(), 0);
    update(&mut s, Outcome::RunLoaded(Ok(Box::new(detail))));
    assert!(!update(&mut s, Command::Back).contains(&Effect::FindInterrupted));
    let effects = update(&mut s, Command::Back);
    assert!(!s.in_flow());
    assert!(effects.contains(&Effect::FindInterrupted), "{effects:?}");
    update(&mut s, Outcome::InterruptedFound(vec![run("aaaa0001", 58)]));
    assert_eq!(
        popup_id(&s).as_deref(),
        Some("aaaa0001"),
        "shown, not put off"
    );
    update(&mut s, Command::Choose3);
    update(&mut s, Outcome::InterruptedFound(vec![run("aaaa0001", 58)]));
    assert_eq!(popup_id(&s), None, "put off: not asked again");
}
