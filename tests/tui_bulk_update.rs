//! The bulk flow's reducer, without a terminal or a network: choosing users, the CSV report,
//! the action menu, the preview, the typed confirmation, the run and its cancellation.

use std::time::{Duration, Instant};

use scimitar::batch::runner::{Event, UserResult};
use scimitar::batch::{Intent, ResultKind, Summary};
use scimitar::plan::{Action as PlanAction, Protected};
use scimitar::tui::bulk::msg::BatchEvent;
use scimitar::tui::bulk::state::CsvLoaded;
use scimitar::tui::state::Popup;
use scimitar::tui::testing::{
    csv_report, erase, fixture_users, loaded_state, run_tick, step, synthetic_users, typed,
};
use scimitar::tui::update::mode;
use scimitar::tui::{Command, Effect, Outcome, State, update};

/// `update`, with plan building (an effect run off the UI loop) done at once.
fn ids(s: &State) -> Vec<String> {
    let mut v: Vec<String> = s.bulk.selected.iter().cloned().collect();
    v.sort();
    v
}

fn flash(s: &State) -> String {
    s.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default()
}

#[test]
fn v_marks_a_range_and_esc_cancels_it() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Down);
    update(&mut s, Command::VisualSelect);
    assert_eq!(mode(&s), scimitar::tui::screens::visual::MODE);
    update(&mut s, Command::Down);
    update(&mut s, Command::Down);
    assert!(
        s.bulk.selected.is_empty(),
        "nothing ticked before the range is marked"
    );
    update(&mut s, Command::VisualSelect);
    assert_eq!(ids(&s), ["u-0002", "u-0003", "u-0004"]);
    assert_eq!(mode(&s), scimitar::tui::screens::users::MODE);

    // A range upwards, then Esc: nothing more is ticked, and Esc did not quit.
    update(&mut s, Command::Bottom);
    update(&mut s, Command::VisualSelect);
    update(&mut s, Command::Up);
    update(&mut s, Command::Back);
    assert_eq!(s.bulk.selected.len(), 3);
    assert!(s.visual_anchor().is_none());
    assert!(!s.should_quit);
    assert!(flash(&s).contains("nothing ticked"));
}

#[test]
fn a_ticks_what_is_shown_and_the_selection_survives_search_and_reload() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Search);
    typed(&mut s, "finance");
    update(&mut s, Command::Apply);
    assert_eq!(s.visible().len(), 3);
    update(&mut s, Command::SelectAll);
    assert_eq!(ids(&s), ["u-0001", "u-0002", "u-0005"]);
    assert!(flash(&s).contains("ticked 3"));
    update(&mut s, Command::Back); // clears the search
    assert_eq!(s.visible().len(), 6);
    assert_eq!(s.bulk.selected.len(), 3);
    // A reload drops the loaded users; the selection and their last known state stay.
    let effects = update(&mut s, Command::Refresh);
    assert!(matches!(effects[0], Effect::LoadUsers { .. }));
    assert!(s.list.is_empty());
    assert_eq!(s.bulk.selected.len(), 3);
    assert!(s.selected_user("u-0005").is_some());
}

#[test]
fn ctrl_r_inverts_only_the_shown_rows_and_c_clears_with_a_count() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::ToggleSelect); // alice
    update(&mut s, Command::Search);
    typed(&mut s, "sales");
    update(&mut s, Command::Apply);
    // alice, svc, erin are shown; alice was ticked.
    update(&mut s, Command::InvertSelection);
    assert_eq!(ids(&s), ["u-0005", "u-0006"]);
    update(&mut s, Command::ClearSelection);
    assert!(s.bulk.selected.is_empty());
    assert!(flash(&s).contains("2 unticked"), "{}", flash(&s));
}

#[test]
fn selection_pane_lists_and_unticks() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Down);
    update(&mut s, Command::ToggleSelect); // bob
    update(&mut s, Command::ToggleSelect); // carol
    update(&mut s, Command::Selection);
    assert_eq!(mode(&s), scimitar::tui::screens::selection::MODE);
    update(&mut s, Command::ToggleSelect); // unticks bob (first by userName)
    assert_eq!(ids(&s), ["u-0003"]);
    update(&mut s, Command::Back);
    assert!(!s.in_flow());
}

fn loaded(path: &str) -> Outcome {
    Outcome::CsvLoaded(Ok(Box::new(CsvLoaded {
        path: path.into(),
        report: csv_report(),
    })))
}

#[test]
fn csv_report_selects_only_on_enter() {
    let mut s = State::new("prod", "t");
    let effects = scimitar::tui::update::init_with(
        &mut s,
        None,
        Some(("users.csv".into(), Default::default())),
    );
    assert!(effects.contains(&Effect::LoadCsv {
        path: "users.csv".into(),
        options: Default::default(),
    }));
    assert_eq!(mode(&s), scimitar::tui::screens::csv::BUSY);
    update(
        &mut s,
        Outcome::CsvProgress {
            rows: 6,
            looked_up: 3,
        },
    );
    update(&mut s, loaded("users.csv"));
    assert_eq!(mode(&s), scimitar::tui::screens::csv::REPORT);
    assert!(
        s.bulk.selected.is_empty(),
        "the report comes before any selection"
    );
    update(&mut s, Command::Down);
    step(&mut s, Command::Proceed);
    assert_eq!(ids(&s), ["u-0001", "u-0002"]);
    assert!(!s.in_flow());
    // Loaded from a CSV, not from the list: still known for the plan.
    assert!(s.selected_user("u-0001").is_some());
}

#[test]
fn csv_report_esc_selects_nothing_and_errors_say_why() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::LoadCsv);
    assert_eq!(mode(&s), scimitar::tui::screens::path::MODE);
    typed(&mut s, "~/leavers.csv");
    let effects = update(&mut s, Command::Apply);
    assert_eq!(
        effects,
        vec![Effect::LoadCsv {
            path: "~/leavers.csv".into(),
            options: Default::default(),
        }]
    );
    update(&mut s, loaded("leavers.csv"));
    update(&mut s, Command::Back);
    assert!(s.bulk.selected.is_empty());
    assert!(!s.in_flow());

    update(&mut s, Command::LoadCsv);
    typed(&mut s, "photo.png");
    update(&mut s, Command::Apply);
    update(
        &mut s,
        Outcome::CsvLoaded(Err("photo.png: the file looks binary, not text".into())),
    );
    assert!(s.bulk.selected.is_empty());
    assert!(matches!(s.popup(), Some(Popup::Error { message, .. }) if message.contains("binary")));
}

#[test]
fn csv_report_save_asks_for_a_path() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    scimitar::tui::screens::csv::start_csv(&mut s, "x.csv".into());
    update(&mut s, loaded("x.csv"));
    update(&mut s, Command::Save);
    assert_eq!(mode(&s), scimitar::tui::screens::path::MODE);
    erase(&mut s, 40);
    typed(&mut s, "/tmp/r.csv");
    let effects = update(&mut s, Command::Apply);
    assert!(matches!(&effects[..], [Effect::SaveCsvReport { path, .. }] if path == "/tmp/r.csv"));
    assert!(s.bulk.selected.is_empty());
}

/// Alice, carol (already disabled) and the service account (protected) ticked.
fn three_ticked() -> State {
    let mut s = loaded_state(fixture_users(), 80, 24);
    s.bulk.protected = Protected {
        api_user: Some("svc-integration@example.com".into()),
        accounts: vec![],
    };
    for id in ["u-0001", "u-0003", "u-0005"] {
        s.bulk.selected.insert(id.into());
    }
    s
}

fn preview_of(s: &State) -> &scimitar::tui::bulk::state::Preview {
    match s.layers().top_flow::<scimitar::tui::bulk::state::Preview>() {
        Some(p) => p,
        other => panic!("expected the preview, got {other:?}"),
    }
}

#[test]
fn action_menu_plans_and_previews_with_totals() {
    let mut s = three_ticked();
    update(&mut s, Command::Actions);
    assert_eq!(mode(&s), scimitar::tui::screens::menu::MODE);
    let effects = update(&mut s, Command::Proceed); // Disable
    assert!(
        matches!(&effects[..], [Effect::BuildPlan(_)]),
        "planning sends nothing"
    );
    assert_eq!(mode(&s), scimitar::tui::screens::csv::BUSY);
    let Effect::BuildPlan(req) = effects[0].clone() else {
        unreachable!()
    };
    update(
        &mut s,
        Outcome::PlanReady(Box::new(scimitar::tui::bulk::Preview::build(*req))),
    );
    assert_eq!(mode(&s), scimitar::tui::screens::preview::MODE);
    let p = preview_of(&s);
    assert_eq!(p.plan.action, PlanAction::Disable);
    assert_eq!(
        (
            p.totals.to_change,
            p.totals.no_op,
            p.totals.protected,
            p.totals.requests
        ),
        (1, 1, 1, 1)
    );
    assert!(p.lines.iter().any(|l| l.text.contains("protected")));
    // p shows the request; Esc closes it, then the preview.
    update(&mut s, Command::ShowRequest);
    assert_eq!(mode(&s), scimitar::tui::screens::preview::REQUEST);
    update(&mut s, Command::Back);
    assert_eq!(mode(&s), scimitar::tui::screens::preview::MODE);
    update(&mut s, Command::Back);
    assert_eq!(mode(&s), scimitar::tui::screens::menu::MODE);
    update(&mut s, Command::Back);
    assert_eq!(mode(&s), scimitar::tui::screens::users::MODE);
    update(&mut s, Command::Back);
    assert!(!s.should_quit, "Esc never quits");
}

#[test]
fn actions_need_a_selection_and_are_refused_read_only() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Actions);
    assert!(!s.in_flow());
    assert!(flash(&s).contains("select users first"));
    let mut s = three_ticked();
    s.read_only = true;
    update(&mut s, Command::Actions);
    assert!(!s.in_flow());
    assert!(flash(&s).contains("read-only"));
}

#[test]
fn keep_only_picks_workspaces_with_counts() {
    let mut s = three_ticked();
    update(&mut s, Command::Actions);
    update(&mut s, Command::Down);
    update(&mut s, Command::Down);
    step(&mut s, Command::Proceed);
    assert_eq!(mode(&s), scimitar::tui::screens::picker::MODE);
    let Some(p) = s.layers().find::<scimitar::tui::screens::picker::Picker>() else {
        panic!("picker")
    };
    let fin = p
        .entries
        .iter()
        .find(|e| e.name == "Finance Planning")
        .unwrap();
    assert_eq!(fin.in_selection, 2);
    // Nothing marked: refused, with the way to remove everything named.
    step(&mut s, Command::Proceed);
    assert_eq!(mode(&s), scimitar::tui::screens::picker::MODE);
    assert!(flash(&s).contains("Remove all workspace access"));
    update(&mut s, Command::ToggleSelect); // the first entry
    step(&mut s, Command::Proceed);
    let p = preview_of(&s);
    assert!(matches!(&p.plan.action, PlanAction::KeepWorkspaces { keep } if keep.len() == 1));
}

fn to_confirm(s: &mut State) {
    update(s, Command::Actions);
    step(s, Command::Proceed);
    step(s, Command::Proceed);
    assert_eq!(mode(s), scimitar::tui::screens::confirm::MODE);
}

#[test]
fn confirmation_refuses_a_wrong_number_and_runs_on_the_right_one() {
    let mut s = three_ticked();
    to_confirm(&mut s);
    typed(&mut s, "3");
    assert!(update(&mut s, Command::Apply).is_empty());
    assert!(!s.run.running);
    let Some(c) = s
        .layers()
        .top_flow::<scimitar::tui::screens::confirm::Confirm>()
    else {
        panic!("still confirming")
    };
    assert!(
        c.error
            .as_deref()
            .unwrap_or("")
            .contains("nothing was sent")
    );
    erase(&mut s, 1);
    typed(&mut s, "y");
    assert!(update(&mut s, Command::Apply).is_empty());
    erase(&mut s, 1);
    typed(&mut s, "1");
    let effects = update(&mut s, Command::Apply);
    match &effects[..] {
        [Effect::RunBatch { plan, intent }] => {
            assert_eq!(plan.totals().to_change, 1);
            assert!(
                matches!(intent, Intent::Apply { action: PlanAction::Disable, protected } if protected.api_user.is_some())
            );
        }
        other => panic!("expected RunBatch, got {other:?}"),
    }
    assert!(s.run.running);
    assert_eq!(mode(&s), scimitar::tui::screens::run::MODE);
}

#[test]
fn the_confirmation_says_when_another_run_of_the_tenant_is_going() {
    let mut s = three_ticked();
    update(&mut s, Command::Actions);
    step(&mut s, Command::Proceed);
    let effects = step(&mut s, Command::Proceed);
    assert_eq!(mode(&s), scimitar::tui::screens::confirm::MODE);
    let Some(c) = s
        .layers()
        .top_flow::<scimitar::tui::screens::confirm::Confirm>()
    else {
        panic!("confirming")
    };
    let tenant = c.tenant.clone();
    assert_eq!(
        effects,
        vec![Effect::CheckOverlap {
            tenant: tenant.clone()
        }]
    );
    // An answer for another tenant (a confirmation since closed) says nothing here.
    update(
        &mut s,
        Outcome::OverlapChecked {
            tenant: "other".into(),
            warning: Some("another run of tenant other is going".into()),
        },
    );
    assert!(!scimitar::tui::testing::screen(&s).contains("another run"));
    update(
        &mut s,
        Outcome::OverlapChecked {
            tenant: tenant.clone(),
            warning: Some(scimitar::batch::tenant_lock::overlap_warning_text(&tenant)),
        },
    );
    let text = scimitar::tui::testing::screen(&s);
    assert!(text.contains("another run of tenant"), "{text}");
    // The warning informs; the typed count still starts the run.
    typed(&mut s, "1");
    assert!(matches!(
        &update(&mut s, Command::Apply)[..],
        [Effect::RunBatch { .. }]
    ));
}

#[test]
fn above_the_cap_only_an_explicit_override_runs() {
    let mut s = loaded_state(synthetic_users(30), 80, 24);
    s.bulk.max_users = 5;
    update(&mut s, Command::SelectAll);
    to_confirm(&mut s);
    let Some(c) = s
        .layers()
        .top_flow::<scimitar::tui::screens::confirm::Confirm>()
    else {
        panic!("confirm")
    };
    let n = c.count;
    assert!(n > 5);
    typed(&mut s, &n.to_string());
    assert!(update(&mut s, Command::Apply).is_empty());
    let Some(c) = s
        .layers()
        .top_flow::<scimitar::tui::screens::confirm::Confirm>()
    else {
        panic!("confirm")
    };
    assert!(c.error.as_deref().unwrap_or("").contains("override"));
    erase(&mut s, 10);
    typed(&mut s, &format!("override {n}"));
    let effects = update(&mut s, Command::Apply);
    assert!(matches!(&effects[..], [Effect::RunBatch { .. }]));
}

fn result(name: &str, outcome: ResultKind, ms: u64) -> Event {
    Event::Finished(UserResult {
        user_id: name.into(),
        user_name: format!("{name}@example.com"),
        outcome,
        status: match outcome {
            ResultKind::Done => Some(200),
            ResultKind::Failed => Some(500),
            _ => None,
        },
        detail: if outcome == ResultKind::Failed {
            "server error: try later".into()
        } else {
            String::new()
        },
        latency: Duration::from_millis(ms),
    })
}

fn running() -> (State, Instant) {
    let mut s = three_ticked();
    to_confirm(&mut s);
    typed(&mut s, "1");
    update(&mut s, Command::Apply);
    let t0 = Instant::now();
    update(
        &mut s,
        Outcome::RunStarted {
            batch_id: "abcd1234".into(),
            journal: "/data/journals/j.jsonl".into(),
            at: t0,
            baseline: scimitar::scim::client::ClientStats {
                requests: 100,
                ..Default::default()
            },
        },
    );
    (s, t0)
}

#[test]
fn runner_events_fold_into_the_progress_pane() {
    let (mut s, t0) = running();
    let ev = |e| Outcome::RunEvent(BatchEvent(e));
    update(&mut s, ev(Event::Started { total: 4 }));
    update(&mut s, ev(Event::Concurrency(8)));
    for n in ["a", "b"] {
        update(&mut s, ev(Event::Dispatched { user_id: n.into() }));
    }
    update(&mut s, ev(result("a", ResultKind::Done, 100)));
    update(&mut s, ev(result("b", ResultKind::Failed, 300)));
    update(&mut s, ev(result("c", ResultKind::NoOp, 0)));
    update(&mut s, run_tick(t0 + Duration::from_secs(2), 104, 1, 1));
    let run = s.run_view().unwrap();
    let p = run.progress.as_ref().unwrap();
    assert_eq!(
        (
            p.total,
            p.done,
            p.failed,
            p.skipped(),
            p.remaining(),
            p.in_flight()
        ),
        (4, 1, 1, 1, 1, 0)
    );
    assert_eq!(p.failures.len(), 1);
    assert_eq!(p.requests, 4);
    assert!((p.request_rate(run.now.unwrap()) - 2.0).abs() < 1e-9);
    assert_eq!(p.concurrency, 8);
}

#[test]
fn cancel_stops_dispatching_once_and_says_so() {
    let (mut s, _) = running();
    // Esc (cancel_run) asks first, as q does; yes stops dispatching.
    assert!(update(&mut s, Command::CancelRun).is_empty());
    assert_eq!(s.popup(), Some(&Popup::ConfirmStop));
    assert_eq!(update(&mut s, Command::Confirm), vec![Effect::CancelBatch]);
    assert!(s.run_view().unwrap().stopping);
    // Esc again: no second cancel, still on the run screen, not quitting.
    assert!(update(&mut s, Command::Back).is_empty());
    assert!(flash(&s).contains("stopping"));
    assert_eq!(mode(&s), scimitar::tui::screens::run::MODE);
    let summary = Summary {
        batch_id: "abcd1234".into(),
        action: "disable".into(),
        planned: 3,
        changed: 0,
        no_op: 1,
        failed: 0,
        in_doubt: 0,
        protected: 1,
        not_found: 0,
        gone: 0,
        unknown: 0,
        not_started: 1,
        malformed: 0,
        duplicates: 0,
        journal: "/data/journals/j.jsonl".into(),
        report_csv: None,
        report_json: None,
    };
    let effects = update(
        &mut s,
        Outcome::RunFinished {
            summary: Ok(Box::new(summary)),
            stopped: None,
        },
    );
    assert!(!s.run.running);
    assert_eq!(mode(&s), scimitar::tui::screens::run::SUMMARY);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadUsers { .. })),
        "the list is reloaded"
    );
    // From the summary: undo and resume work from the journal.
    assert!(
        matches!(&update(&mut s, Command::Undo)[..], [Effect::BuildUndo { journal }] if journal.ends_with("j.jsonl"))
    );
    assert!(matches!(
        &update(&mut s, Command::Resume)[..],
        [Effect::PrepareResume { .. }]
    ));
    update(&mut s, Command::Back);
    assert!(!s.in_flow());
    assert_eq!(s.bulk.selected.len(), 3, "the selection survives the run");
}

#[test]
fn quitting_while_a_batch_runs_asks_first() {
    let (mut s, _) = running();
    update(&mut s, Command::Quit);
    assert!(!s.should_quit);
    assert_eq!(s.popup(), Some(&Popup::ConfirmQuit));
    update(&mut s, Command::Back);
    assert!(!s.should_quit);
    update(&mut s, Command::Quit);
    let effects = update(&mut s, Command::Confirm);
    // Confirmed: dispatching stops, but the process stays until the requests in flight are
    // answered and journaled, so none is left "unknown".
    assert!(
        effects.iter().any(|e| matches!(e, Effect::CancelBatch)),
        "{effects:?}"
    );
    assert!(!s.should_quit);
    update(
        &mut s,
        Outcome::RunFinished {
            summary: Err("stopped".into()),
            stopped: None,
        },
    );
    assert!(s.should_quit);
}

#[test]
fn nothing_to_change_never_reaches_the_confirmation() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    s.bulk.selected.insert("u-0003".into()); // already disabled
    update(&mut s, Command::Actions);
    step(&mut s, Command::Proceed);
    step(&mut s, Command::Proceed);
    assert_eq!(mode(&s), scimitar::tui::screens::preview::MODE);
    assert!(flash(&s).contains("nothing to change"));
}

#[test]
fn going_back_while_planning_drops_the_plan() {
    let mut s = three_ticked();
    update(&mut s, Command::Actions);
    let effects = update(&mut s, Command::Proceed);
    update(&mut s, Command::Back);
    assert_eq!(mode(&s), scimitar::tui::screens::menu::MODE);
    let Some(Effect::BuildPlan(req)) = effects.into_iter().next() else {
        panic!("plan effect")
    };
    let preview = scimitar::tui::bulk::Preview::build(*req);
    update(&mut s, Outcome::PlanReady(Box::new(preview)));
    assert_eq!(
        mode(&s),
        scimitar::tui::screens::menu::MODE,
        "a late plan does not pop up"
    );
}

#[test]
fn in_flight_counts_requests_sent_and_unanswered_even_when_connections_fail() {
    let (mut s, _) = running();
    let ev = |e| Outcome::RunEvent(BatchEvent(e));
    update(&mut s, ev(Event::Started { total: 100 }));
    update(&mut s, ev(Event::Concurrency(8)));
    // A dead server: every request fails without an HTTP status; never more than 8 out.
    for i in 0..80 {
        let id = format!("u{i}");
        update(
            &mut s,
            ev(Event::Dispatched {
                user_id: id.clone(),
            }),
        );
        let p = s.run_view().unwrap().progress.as_ref().unwrap();
        assert!(p.in_flight() <= 8 || i < 8, "in flight {}", p.in_flight());
        if i >= 7 {
            let done = format!("u{}", i - 7);
            update(
                &mut s,
                ev(Event::Finished(UserResult {
                    user_id: done,
                    user_name: String::new(),
                    outcome: ResultKind::Failed,
                    status: None,
                    detail: "connection refused".into(),
                    latency: Duration::from_millis(5),
                })),
            );
        }
    }
    let p = s.run_view().unwrap().progress.as_ref().unwrap();
    assert_eq!(p.in_flight(), 7);
    update(
        &mut s,
        ev(Event::InDoubt {
            user_id: "u79".into(),
        }),
    );
    let p = s.run_view().unwrap().progress.as_ref().unwrap();
    assert_eq!((p.in_flight(), p.in_doubt), (6, 1));
}

#[test]
fn a_paused_run_waits_for_the_server_and_r_retries_now_esc_stops() {
    let (mut s, t0) = running();
    let ev = |e| Outcome::RunEvent(BatchEvent(e));
    update(&mut s, ev(Event::Started { total: 40 }));
    let effects = update(
        &mut s,
        ev(Event::Paused {
            failures: 10,
            error: "connection refused".into(),
        }),
    );
    // Waiting is the default: the runner probes the server and goes on when it answers.
    assert_eq!(effects, vec![Effect::WaitForServer]);
    update(&mut s, run_tick(t0 + Duration::from_secs(30), 0, 0, 0));
    let p = s.run_view().unwrap().progress.as_ref().unwrap();
    assert!(p.paused.is_some());
    assert_eq!(
        p.eta(t0 + Duration::from_secs(30)),
        None,
        "no ETA while paused"
    );
    assert_eq!(update(&mut s, Command::Resume), vec![Effect::RetryNow]);
    update(&mut s, ev(Event::Unpaused));
    assert!(
        s.run_view()
            .unwrap()
            .progress
            .as_ref()
            .unwrap()
            .paused
            .is_none()
    );
    update(
        &mut s,
        ev(Event::Paused {
            failures: 10,
            error: "503".into(),
        }),
    );
    assert_eq!(
        update(&mut s, Command::CancelRun),
        vec![Effect::CancelBatch]
    );
}

#[test]
fn esc_during_a_run_asks_before_stopping_and_esc_again_keeps_it_running() {
    let (mut s, _) = running();
    // Esc asks, as q does; nothing is cancelled yet.
    assert!(update(&mut s, Command::Back).is_empty());
    assert_eq!(s.popup(), Some(&Popup::ConfirmStop));
    assert!(!s.run_view().unwrap().stopping);
    let text = scimitar::tui::testing::screen(&s);
    assert!(
        text.contains("stop dispatching? in-flight requests finish"),
        "{text}"
    );
    // Esc on the question: the run goes on.
    assert!(update(&mut s, Command::Back).is_empty());
    assert!(s.popups().is_empty());
    assert!(!s.run_view().unwrap().stopping);
    // Esc, then confirm: dispatching stops, once.
    update(&mut s, Command::Back);
    assert_eq!(update(&mut s, Command::Confirm), vec![Effect::CancelBatch]);
    assert!(s.run_view().unwrap().stopping);
    assert!(!s.should_quit);
}

#[test]
fn a_completed_run_clears_the_selection_and_a_failed_one_keeps_it() {
    for (failed, cleared) in [(0, true), (1, false)] {
        let (mut s, _) = running();
        assert!(!s.bulk.selected.is_empty());
        update(
            &mut s,
            Outcome::RunFinished {
                summary: Ok(Box::new(scimitar::tui::testing::run_summary(
                    "abcd1234", "disable", 2, failed,
                ))),
                stopped: None,
            },
        );
        assert_eq!(s.bulk.selected.is_empty(), cleared, "failed {failed}");
    }
    let (mut s, _) = running();
    update(
        &mut s,
        Outcome::RunFinished {
            summary: Ok(Box::new(scimitar::tui::testing::run_summary(
                "abcd1234", "disable", 1, 0,
            ))),
            stopped: Some("stopped by the operator".into()),
        },
    );
    assert!(
        !s.bulk.selected.is_empty(),
        "a stopped run keeps the selection"
    );
}

#[test]
fn the_undo_preview_flags_users_changed_since_the_run_and_hides_control_characters() {
    use scimitar::plan::Plan;
    use scimitar::tui::bulk::msg::UndoPlan;
    let users = fixture_users();
    let mut s = loaded_state(users.clone(), 100, 30);
    let before = scimitar::plan::UserState::of(&users[0]);
    let plan = Plan::undo("tenant", "now", &[(before.clone(), users[0].clone())]);
    let line = "Ana\u{1b}[2J (a1): changed since this run (now active no, 0 workspaces)";
    let undo = UndoPlan {
        journal: "j.jsonl".into(),
        plan: std::sync::Arc::new(plan),
        states: [(users[0].id.clone(), before)].into(),
        missing: vec![],
        changed_since: vec![line.to_string()],
    };
    step(&mut s, Outcome::UndoPlanned(Ok(Box::new(undo))));
    let notes = preview_of(&s).notes.join("\n");
    assert!(notes.contains("changed since this run"), "{notes}");
    assert!(!notes.contains('\u{1b}'), "{notes:?}");
}
