//! The bulk screens on `TestBackend` with insta, at 80x24 and 120x40: the CSV report, the
//! preview, the exact request, the confirmation, the progress pane (fixed events and an
//! injected clock) and the summary.

use std::time::{Duration, Instant};

use insta::assert_snapshot;
use scimitar::batch::runner::{Event, UserResult};
use scimitar::batch::{ResultKind, Summary};
use scimitar::input::ResolveReport;
use scimitar::plan::Protected;
use scimitar::tui::bulk::msg::BatchEvent;
use scimitar::tui::bulk::state::CsvLoaded;
use scimitar::tui::testing::{
    fixture_users, loaded_state, run_summary, run_tick, screen, step, typed,
};
use scimitar::tui::{Command, Outcome, State, Theme, update};

/// `update`, with plan building (an effect run off the UI loop) done at once.
fn csv_report(w: u16, h: u16) -> State {
    let users = fixture_users();
    let mut s = loaded_state(users.clone(), w, h);
    scimitar::tui::screens::csv::start_csv(&mut s, "leavers.csv".into());
    let report = ResolveReport {
        rows_read: 7,
        resolved: vec![
            (2, users[0].clone()),
            (3, users[1].clone()),
            (7, users[5].clone()),
        ],
        duplicates: vec![(4, "alice.archer@example.com".into(), 2)],
        not_found: vec![(5, "ghost@example.com".into())],
        malformed: vec![(
            6,
            "bob@".into(),
            "not an email or an id: nothing after @".into(),
        )],
        lookup_errors: vec![],
        ..ResolveReport::default()
    };
    update(
        &mut s,
        Outcome::CsvLoaded(Ok(Box::new(CsvLoaded {
            path: "/home/ops/leavers.csv".into(),
            report,
        }))),
    );
    s
}

#[test]
fn csv_report_80x24() {
    assert_snapshot!(screen(&csv_report(80, 24)));
}

#[test]
fn csv_report_120x40() {
    assert_snapshot!(screen(&csv_report(120, 40)));
}

/// Alice, carol (already disabled), the API user and erin, with "remove all workspaces".
fn preview(w: u16, h: u16) -> State {
    let mut s = loaded_state(fixture_users(), w, h);
    s.bulk.protected = Protected {
        api_user: Some("svc-integration@example.com".into()),
        accounts: vec![],
    };
    for id in ["u-0001", "u-0003", "u-0005", "u-0006"] {
        s.bulk.selected.insert(id.into());
    }
    update(&mut s, Command::Actions);
    update(&mut s, Command::Down);
    step(&mut s, Command::Proceed);
    s
}

#[test]
fn preview_80x24() {
    assert_snapshot!(screen(&preview(80, 24)));
}

#[test]
fn preview_120x40() {
    assert_snapshot!(screen(&preview(120, 40)));
}

#[test]
fn preview_monochrome_marks_lost_workspaces_in_text() {
    let mut s = preview(80, 24);
    s.theme = Theme::monochrome();
    let text = screen(&s);
    assert!(
        text.contains("- Finance Planning (8a81b09d…)  removed"),
        "{text}"
    );
}

#[test]
fn exact_request_80x24() {
    let mut s = preview(80, 24);
    update(&mut s, Command::ShowRequest);
    assert_snapshot!(screen(&s));
}

#[test]
fn exact_request_120x40() {
    let mut s = preview(120, 40);
    update(&mut s, Command::ShowRequest);
    assert_snapshot!(screen(&s));
}

fn confirm(w: u16, h: u16, cap: usize) -> State {
    let mut s = preview(w, h);
    s.bulk.max_users = cap;
    update(&mut s, Command::Proceed);
    s
}

#[test]
fn confirmation_80x24() {
    let mut s = confirm(80, 24, 500);
    typed(&mut s, "2");
    update(&mut s, Command::Apply);
    assert_snapshot!(screen(&s));
}

#[test]
fn confirmation_above_the_cap_120x40() {
    assert_snapshot!(screen(&confirm(120, 40, 1)));
}

fn finished(name: &str, outcome: ResultKind, ms: u64, detail: &str) -> Event {
    Event::Finished(UserResult {
        user_id: format!("id-{name}"),
        user_name: format!("{name}@example.com"),
        outcome,
        status: match outcome {
            ResultKind::Done => Some(200),
            ResultKind::Failed => Some(503),
            _ => None,
        },
        detail: detail.into(),
        latency: Duration::from_millis(ms),
    })
}

/// A run of 40 users, 12 settled, with an injected clock 6 seconds in.
fn running(w: u16, h: u16) -> State {
    let mut s = confirm(w, h, 500);
    typed(&mut s, "3");
    update(&mut s, Command::Apply);
    let t0 = Instant::now();
    update(
        &mut s,
        Outcome::RunStarted {
            batch_id: "1a2b3c4d".into(),
            journal: "/data/journals/2026-01-01T00-00-00Z-1a2b3c4d.jsonl".into(),
            at: t0,
            baseline: Default::default(),
        },
    );
    let ev = |e| Outcome::RunEvent(BatchEvent(e));
    update(&mut s, ev(Event::Started { total: 40 }));
    update(&mut s, ev(Event::Concurrency(8)));
    // Ten done and one failed were sent; three are still in flight.
    let sent = (0..10)
        .map(|i| format!("id-user{i:02}"))
        .chain(["id-dave".to_string()])
        .chain((11..14).map(|i| format!("id-u{i}")));
    for user_id in sent {
        update(&mut s, ev(Event::Dispatched { user_id }));
    }
    for i in 0..10 {
        update(
            &mut s,
            ev(finished(
                &format!("user{i:02}"),
                ResultKind::Done,
                80 + i * 10,
                "",
            )),
        );
    }
    update(
        &mut s,
        ev(finished(
            "carol",
            ResultKind::NoOp,
            0,
            "already in the target state",
        )),
    );
    update(
        &mut s,
        ev(finished(
            "dave",
            ResultKind::Failed,
            900,
            "503 Service Unavailable: try again later",
        )),
    );
    update(&mut s, run_tick(t0 + Duration::from_secs(6), 24, 2, 1));
    s
}

#[test]
fn progress_80x24() {
    assert_snapshot!(screen(&running(80, 24)));
}

#[test]
fn progress_120x40() {
    assert_snapshot!(screen(&running(120, 40)));
}

#[test]
fn progress_while_stopping_80x24() {
    let mut s = running(80, 24);
    update(&mut s, Command::CancelRun);
    update(&mut s, Command::Confirm);
    let text = screen(&s);
    assert!(text.contains("STOPPING"), "{text}");
}

fn summary(w: u16, h: u16) -> State {
    let mut s = running(w, h);
    let j = "/data/journals/2026-01-01T00-00-00Z-1a2b3c4d";
    update(
        &mut s,
        Outcome::RunFinished {
            summary: Ok(Box::new(Summary {
                planned: 40,
                no_op: 1,
                journal: format!("{j}.jsonl"),
                report_csv: Some(format!("{j}.report.csv")),
                report_json: Some(format!("{j}.report.json")),
                ..run_summary("1a2b3c4d", "remove all workspaces", 38, 1)
            })),
            stopped: None,
        },
    );
    s
}

#[test]
fn summary_80x24() {
    assert_snapshot!(screen(&summary(80, 24)));
}

#[test]
fn summary_120x40() {
    assert_snapshot!(screen(&summary(120, 40)));
}

/// The resume confirmation for an intent over three unsettled users.
fn resume_confirm(action: scimitar::plan::Action) -> String {
    let mut s = loaded_state(fixture_users(), 120, 40);
    let targets: Vec<scimitar::batch::Target> = (0..3)
        .map(|i| scimitar::batch::Target {
            user_id: format!("u{i}"),
            user_name: format!("user{i}@example.com"),
        })
        .collect();
    let info = scimitar::tui::bulk::msg::ResumeInfo {
        journal: "run.jsonl".into(),
        batch_id: "b1".into(),
        tenant: "api.anaplan.example".into(),
        intent: scimitar::batch::Intent::Apply {
            action,
            protected: Protected::default(),
        },
        plan_hash: "h".into(),
        targets,
        unknown: 1,
        not_started: 1,
        failed: 1,
    };
    update(&mut s, Outcome::ResumeReady(Ok(Box::new(info))));
    screen(&s)
}

#[test]
fn resume_confirmation_states_the_cost_of_removing_access() {
    let text = resume_confirm(scimitar::plan::Action::RemoveWorkspaces);
    assert!(text.contains("3 re-checked"), "{text}");
    assert!(
        text.contains("COST: up to 3 users will lose access"),
        "{text}"
    );
    let text = resume_confirm(scimitar::plan::Action::Disable);
    assert!(text.contains("3 re-checked"), "{text}");
    assert!(!text.contains("COST"), "{text}");
}

/// Keep-only Finance Planning for alice, carol and erin, confirmed: the confirmation names
/// the workspace kept, not just a count.
#[test]
fn keep_only_confirmation_names_the_workspaces_kept_80x24() {
    let users = fixture_users();
    let mut s = loaded_state(users.clone(), 80, 24);
    for id in ["u-0001", "u-0003", "u-0006"] {
        s.bulk.selected.insert(id.into());
    }
    update(&mut s, Command::Actions);
    let effects = update(&mut s, Command::Proceed);
    let Some(scimitar::tui::Effect::BuildPlan(req)) = effects.into_iter().next() else {
        panic!("disable plans first");
    };
    let mut req = *req;
    let keep = users[0].workspaces[0].id.clone();
    req.action = scimitar::plan::Action::KeepWorkspaces { keep: vec![keep] };
    update(
        &mut s,
        Outcome::PlanReady(Box::new(scimitar::tui::bulk::Preview::build(req))),
    );
    let preview = screen(&s);
    update(&mut s, Command::Proceed);
    let text = screen(&s);
    assert!(text.contains("Keeps   Finance Planning"), "{text}");
    assert_snapshot!("keep_only_preview_80x24", preview);
    assert_snapshot!(text);
}

/// The selection pane over the list: two ticked, one unticked in place (its row stays).
fn selection(w: u16, h: u16) -> State {
    let mut s = loaded_state(fixture_users(), w, h);
    for _ in 0..3 {
        step(&mut s, Command::ToggleSelect);
    }
    step(&mut s, Command::Selection);
    step(&mut s, Command::Down);
    step(&mut s, Command::ToggleSelect);
    s
}

#[test]
fn selection_pane_80x24() {
    assert_snapshot!(screen(&selection(80, 24)));
}

#[test]
fn selection_pane_120x40() {
    assert_snapshot!(screen(&selection(120, 40)));
}

/// The action menu opened from the selection pane: the list shows round it, as it always did.
#[test]
fn action_menu_over_the_selection_80x24() {
    let mut s = selection(80, 24);
    step(&mut s, Command::Actions);
    assert_snapshot!(screen(&s));
}

/// The resume confirmation opened from a run's summary: the summary stays in sight under it.
#[test]
fn resume_confirmation_over_the_summary_80x24() {
    let mut s = summary(80, 24);
    let info = scimitar::tui::bulk::msg::ResumeInfo {
        journal: "run.jsonl".into(),
        batch_id: "b1".into(),
        tenant: "api.anaplan.example".into(),
        intent: scimitar::batch::Intent::Apply {
            action: scimitar::plan::Action::Disable,
            protected: Protected::default(),
        },
        plan_hash: "h".into(),
        targets: vec![scimitar::batch::Target {
            user_id: "u-0002".into(),
            user_name: "bob.baker@example.com".into(),
        }],
        unknown: 1,
        not_started: 0,
        failed: 0,
    };
    update(&mut s, Outcome::ResumeReady(Ok(Box::new(info))));
    assert_snapshot!(screen(&s));
}
