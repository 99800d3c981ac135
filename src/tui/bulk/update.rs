//! The bulk flow's part of the reducer. Pure like the rest: files, the clock and the network
//! are effects.

use std::sync::Arc;

use tui_input::Input;

use crate::batch::{Intent, Progress};
use crate::plan::Action as PlanAction;
use crate::tui::bulk::msg::{BatchEvent, ResumeInfo, UndoPlan};
use crate::tui::bulk::state::{
    Confirm, ConfirmWhat, CsvLoaded, CsvLoading, CsvReportView, FailureRow, InputCounts, PathInput,
    PathPurpose, Preview, RunView, Screen,
};
use crate::tui::bulk::{history, select};
use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::msg::Command;
use crate::tui::state::{Popup, State};
use tui_input::InputRequest;

/// A CSV to read and resolve, its column detected; then its report is shown.
pub fn start_csv(state: &mut State, path: String) -> Vec<Effect> {
    start_csv_with(state, path, crate::input::csv::ReadOptions::default())
}

/// Like [`start_csv`], with the column named (`--csv FILE --column NAME --key KIND`).
pub fn start_csv_with(
    state: &mut State,
    path: String,
    options: crate::input::csv::ReadOptions,
) -> Vec<Effect> {
    state.bulk.flow.push(Screen::CsvLoading(CsvLoading {
        path: path.clone(),
        rows: None,
        looked_up: 0,
    }));
    vec![Effect::LoadCsv { path, options }]
}

/// Like [`start_csv`], reading the column at this 1-based position (picked by hand).
pub fn start_csv_column(state: &mut State, path: String, column: Option<String>) -> Vec<Effect> {
    let options = crate::input::csv::ReadOptions { column, key: None };
    start_csv_with(state, path, options)
}

/// Keys on the user list that belong to the bulk flow.
pub fn list_key(state: &mut State, action: Command) -> Vec<Effect> {
    match action {
        Command::VisualSelect => select::visual_toggle(state),
        Command::SelectAll => select::select_all_visible(state),
        Command::InvertSelection => select::invert_visible(state),
        Command::ClearSelection => select::clear(state),
        Command::LoadCsv => {
            state.ask_path(PathInput {
                purpose: PathPurpose::LoadCsv,
                input: Input::default(),
            });
        }
        Command::History => return history::open(state),
        _ => {}
    }
    Vec::new()
}

/// Esc: peels one layer of the bulk flow. False when there is none.
pub fn back_flow(state: &mut State) -> Vec<Effect> {
    back(state).unwrap_or_default()
}

fn back(state: &mut State) -> Option<Vec<Effect>> {
    let top = state.bulk.flow.last_mut()?;
    match top {
        Screen::Preview(p) if p.request.is_some() => {
            p.request = None;
            Some(Vec::new())
        }
        Screen::Run(_) => {
            if state.run_view().is_some_and(RunView::finished) {
                if !history::back_from_summary(state) {
                    state.bulk.flow.clear();
                    state.flash("the run stays in the history: H reopens it");
                }
                Some(Vec::new())
            } else {
                Some(ask_to_stop(state))
            }
        }
        Screen::CsvLoading(_) => {
            state.bulk.flow.pop();
            state.flash("CSV load cancelled; nothing selected");
            Some(vec![Effect::CancelCsv])
        }
        Screen::CsvReport(_) => {
            state.bulk.flow.pop();
            state.flash("CSV report closed; nothing selected");
            Some(Vec::new())
        }
        _ => {
            state.bulk.flow.pop();
            Some(Vec::new())
        }
    }
}

pub(crate) fn cancel_run(state: &mut State) -> Vec<Effect> {
    let Some(run) = state.run_view_mut() else {
        return Vec::new();
    };
    if run.finished() {
        return Vec::new();
    }
    if run.stopping {
        state.flash("stopping… waiting for requests in flight (q quits)");
        return Vec::new();
    }
    run.stopping = true;
    vec![Effect::CancelBatch]
}

/// An editing key while a bulk screen has the keys: the typed confirmation.
pub(crate) fn edit(state: &mut State, req: InputRequest) -> Vec<Effect> {
    if let Some(Screen::Confirm(c)) = state.bulk.flow.last_mut() {
        c.input.handle(req);
        c.error = None;
    }
    Vec::new()
}

/// A key while a bulk screen is up: moves, then the screen on top.
pub fn on_key(state: &mut State, action: Command) -> Vec<Effect> {
    if let Some(delta) = action.movement(crate::tui::layout::flow_rows(state.height)) {
        move_by(state, delta);
        return Vec::new();
    }
    match state.bulk.flow.last() {
        Some(Screen::CsvReport(_)) => report_key(state, action),
        Some(Screen::Preview(_)) => preview_key(state, action),
        Some(Screen::Confirm(_)) => confirm_key(state, action),
        Some(Screen::Run(_)) => run_key(state, action),
        Some(Screen::History(_)) => history::on_key(state, &action).unwrap_or_default(),
        Some(Screen::CsvLoading(_) | Screen::Planning { .. }) | None => Vec::new(),
    }
}

fn report_key(state: &mut State, action: Command) -> Vec<Effect> {
    match action {
        Command::Proceed => {
            if let Some(Screen::CsvReport(r)) = state.bulk.flow.pop() {
                select_resolved(state, &r);
            }
        }
        Command::Save => {
            state.ask_path(PathInput {
                purpose: PathPurpose::SaveReport,
                input: Input::new("csv-report.csv".into()),
            });
        }
        _ => {}
    }
    Vec::new()
}

fn preview_key(state: &mut State, action: Command) -> Vec<Effect> {
    let Some(Screen::Preview(p)) = state.bulk.flow.last_mut() else {
        return Vec::new();
    };
    match action {
        Command::ShowRequest => {
            p.request = match p.request {
                Some(_) => None,
                None => Some(0),
            };
        }
        // The request view shows one user's requests; saving and going on are from the list.
        _ if p.request.is_some() => {}
        Command::Save => {
            state.ask_path(PathInput {
                purpose: PathPurpose::SavePlan,
                input: Input::new("plan.json".into()),
            });
        }
        Command::Proceed => {
            if p.totals.to_change == 0 {
                state.flash(
                    "nothing to change: every user is already in the target state, protected or not found",
                );
                return Vec::new();
            }
            let confirm = Confirm {
                tenant: p.plan.tenant.clone(),
                label: p.intent.label(),
                count: p.totals.to_change,
                cap: state.bulk.max_users,
                what: ConfirmWhat::Plan {
                    plan: Arc::clone(&p.plan),
                    intent: p.intent.clone(),
                },
                input: Input::default(),
                error: None,
                overlap: None,
            };
            return push_confirm(state, confirm);
        }
        _ => {}
    }
    Vec::new()
}

/// The typed confirmation opens; whether another run of the tenant is going is read off
/// the loop and said on it (`overlap_checked`).
fn push_confirm(state: &mut State, confirm: Confirm) -> Vec<Effect> {
    let tenant = confirm.tenant.clone();
    state.bulk.flow.push(Screen::Confirm(Box::new(confirm)));
    vec![Effect::CheckOverlap { tenant }]
}

/// Another run of the tenant is going (or not): said on the confirmation still open for it.
pub(crate) fn overlap_checked(state: &mut State, tenant: &str, warning: Option<String>) {
    if let Some(Screen::Confirm(c)) = state.bulk.flow.last_mut()
        && c.tenant == tenant
    {
        c.overlap = warning;
    }
}

fn confirm_key(state: &mut State, action: Command) -> Vec<Effect> {
    let Some(Screen::Confirm(c)) = state.bulk.flow.last_mut() else {
        return Vec::new();
    };
    match action {
        Command::Apply => match c.check() {
            Ok(()) => {
                let c = (**c).clone();
                start_run(state, c)
            }
            Err(e) => {
                c.error = Some(e.to_string());
                Vec::new()
            }
        },
        _ => Vec::new(),
    }
}

fn run_key(state: &mut State, action: Command) -> Vec<Effect> {
    if let Some(effects) = history::on_key(state, &action) {
        return effects;
    }
    match action {
        Command::Resume if paused(state) => {
            state.flash("retrying now");
            vec![Effect::RetryNow]
        }
        Command::CancelRun => {
            if state.run_view().is_some_and(RunView::finished) {
                back(state).unwrap_or_default()
            } else {
                ask_to_stop(state)
            }
        }
        Command::Undo => summary_follow_up(state, true),
        Command::Resume => summary_follow_up(state, false),
        _ => Vec::new(),
    }
}

/// Esc during a run asks first, as q does ("stop dispatching?"), unless the breaker paused
/// it (nothing is being sent; its title says Esc stops) or it is stopping already.
fn ask_to_stop(state: &mut State) -> Vec<Effect> {
    if paused(state) || state.run_view().is_some_and(|r| r.stopping) {
        return cancel_run(state);
    }
    if state.popup() != Some(&crate::tui::state::Popup::ConfirmStop) {
        state.push_popup(crate::tui::state::Popup::ConfirmStop);
    }
    Vec::new()
}

/// The breaker paused the running batch.
fn paused(state: &State) -> bool {
    state
        .run_view()
        .filter(|r| !r.finished())
        .and_then(|r| r.progress.as_ref())
        .is_some_and(|p| p.paused.is_some())
}

fn summary_follow_up(state: &mut State, undo: bool) -> Vec<Effect> {
    if state.read_only {
        state.flash("read-only: changes are turned off");
        return Vec::new();
    }
    let Some(run) = state.run_view().filter(|r| r.finished()) else {
        return Vec::new();
    };
    let Some(journal) = run.journal_path() else {
        state.flash("no journal to work from");
        return Vec::new();
    };
    if undo {
        state.flash("building the undo plan: reading the journal and the users' current state…");
        vec![Effect::BuildUndo { journal }]
    } else {
        state.flash("reading the journal…");
        vec![Effect::PrepareResume { journal }]
    }
}

fn move_by(state: &mut State, delta: isize) {
    let page = crate::tui::layout::flow_rows(state.height);
    let Some(top) = state.bulk.flow.last_mut() else {
        return;
    };
    match top {
        Screen::CsvReport(r) => {
            let len = r.problems.len();
            r.scroll.move_by(delta, len, page);
        }
        Screen::Preview(p) => match &mut p.request {
            Some(scroll) => *scroll = (*scroll as isize).saturating_add(delta).max(0) as usize,
            None => {
                let height = p.list_height(state.width, state.height);
                p.move_by(delta, height)
            }
        },
        Screen::History(h) => {
            let len = h.len();
            h.scroll.move_by(delta, len, page);
        }
        Screen::Run(r) => {
            let n = if r.finished() {
                r.failures.len()
            } else {
                r.progress.as_ref().map_or(0, |p| p.failures.len())
            };
            r.failures_scroll = (r.failures_scroll as isize)
                .saturating_add(delta)
                .clamp(0, n.saturating_sub(1) as isize) as usize;
        }
        Screen::CsvLoading(_) | Screen::Planning { .. } | Screen::Confirm(_) => {}
    }
}

pub(crate) fn path_completed(
    state: &mut State,
    typed: String,
    c: crate::tui::bulk::complete::Completion,
) {
    // Dropped if the operator typed on (or left) meanwhile.
    let Some(pi) = state
        .layers_mut()
        .find_mut::<PathInput>()
        .filter(|pi| pi.input.value() == typed)
    else {
        return;
    };
    if c.value != typed {
        pi.input = Input::new(c.value.clone());
    }
    if let Some(e) = c.error {
        state.flash(e);
    } else if c.matches == 0 {
        state.flash(format!("no file name starts with `{typed}`"));
    } else if c.matches > 1 {
        let more = c.matches - c.candidates.len();
        let tail = if more > 0 {
            format!(" … and {more} more")
        } else {
            String::new()
        };
        state.flash(format!(
            "{} matches: {}{tail}",
            c.matches,
            c.candidates.join("  ")
        ));
    }
}

/// Enter on the CSV report: the resolved users join the selection.
fn select_resolved(state: &mut State, r: &CsvReportView) {
    state.bulk.csv_input = Some(InputCounts::from_report(&r.path, &r.report));
    let mut added = 0;
    for (_, u) in &r.report.resolved {
        if state.bulk.selected.insert(u.id.clone()) {
            added += 1;
        }
        if state.user(&u.id).is_none() {
            state.bulk.sel_cache.insert(u.id.clone(), u.clone());
        }
    }
    let mut msg = format!(
        "selected {added} users from {} ({} selected in all)",
        r.path,
        state.bulk.selected.len()
    );
    if !r.report.lookup_errors.is_empty() {
        msg.push_str(&format!(
            "; {} rows could not be looked up and were left out",
            r.report.lookup_errors.len()
        ));
    }
    state.flash(msg);
}

fn start_run(state: &mut State, c: Confirm) -> Vec<Effect> {
    let mut run = RunView::new(c.label.clone(), c.tenant.clone());
    let effect = match c.what {
        ConfirmWhat::Plan { plan, intent } => {
            let only = crate::tui::screens::menu::target_ids(state).1;
            // A review's plan is not the CSV's: the summary must not show the CSV's counts.
            let review = matches!(plan.action, PlanAction::Review { .. });
            if matches!(intent, Intent::Apply { .. }) && !only && !review {
                run.input = state.bulk.csv_input.clone();
            }
            Effect::RunBatch { plan, intent }
        }
        ConfirmWhat::Resume(info) => {
            run.resumed = Some(info.targets.clone());
            Effect::ResumeBatch(info)
        }
    };
    // The run takes the whole flow's place (a review under it too).
    state.bulk.flow = vec![Screen::Run(Box::new(run))];
    state.layers_mut().remove_flow();
    state.run.running = true;
    vec![effect]
}

pub(crate) fn csv_progress(state: &mut State, rows: usize, looked_up: usize) {
    if let Some(Screen::CsvLoading(l)) = state.bulk.flow.last_mut() {
        l.rows = Some(rows);
        l.looked_up = looked_up;
    }
}

pub(crate) fn would_overwrite(state: &mut State, purpose: PathPurpose, path: String) {
    state.push_popup(Popup::ConfirmOverwrite { purpose, path });
}

pub(crate) fn saved(state: &mut State, what: String, result: Result<String, Failure>) {
    match result {
        Ok(path) => state.flash(format!("{what} saved to {path}")),
        Err(message) => state.push_popup(Popup::Error {
            title: format!("Could not save the {what}"),
            message: message.to_string(),
        }),
    }
}

pub(crate) fn run_started(
    state: &mut State,
    batch_id: String,
    journal: String,
    at: std::time::Instant,
    baseline: crate::scim::client::ClientStats,
) {
    if let Some(run) = state.run_view_mut() {
        let mut p = Progress::new(at);
        p.baseline = baseline;
        run.progress = Some(p);
        run.now = Some(at);
        run.batch_id = Some(batch_id);
        run.journal = Some(journal);
    }
}

pub(crate) fn run_tick(state: &mut State, stats: crate::tui::bulk::msg::RunStats) {
    if let Some(run) = state.run_view_mut() {
        run.now = Some(stats.now);
        if let Some(p) = &mut run.progress {
            p.set_client_counters(stats.stats);
        }
    }
}

pub(crate) fn plan_ready(state: &mut State, preview: Box<Preview>) {
    // Dropped if the operator went back meanwhile.
    if matches!(state.bulk.flow.last(), Some(Screen::Planning { .. })) {
        state.bulk.flow.pop();
        state.bulk.flow.push(Screen::Preview(preview));
    }
}

pub(crate) fn undo_planned(state: &mut State, result: Result<Box<UndoPlan>, Failure>) {
    match result {
        Ok(u) => open_undo_preview(state, *u),
        Err(message) => state.push_popup(Popup::Error {
            title: "Cannot build the undo plan".into(),
            message: message.to_string(),
        }),
    }
}

pub(crate) fn resume_ready(
    state: &mut State,
    result: Result<Box<ResumeInfo>, Failure>,
) -> Vec<Effect> {
    match result {
        Ok(info) => open_resume_confirm(state, info),
        Err(message) => {
            state.push_popup(Popup::Error {
                title: "Cannot resume this run".into(),
                message: message.to_string(),
            });
            Vec::new()
        }
    }
}

pub(crate) fn csv_loaded(state: &mut State, result: Result<Box<CsvLoaded>, Failure>) {
    // Dropped if the operator cancelled the load meanwhile.
    if !matches!(state.bulk.flow.last(), Some(Screen::CsvLoading(_))) {
        return;
    }
    let path = match state.bulk.flow.pop() {
        Some(Screen::CsvLoading(l)) => l.path,
        _ => String::new(),
    };
    match result {
        Ok(loaded) => state
            .bulk
            .flow
            .push(Screen::CsvReport(Box::new(CsvReportView::new(*loaded)))),
        Err(message) => state.push_popup(Popup::Error {
            title: format!("Cannot use {path}; nothing was selected"),
            message: message.to_string(),
        }),
    }
}

pub(crate) fn run_event(state: &mut State, ev: BatchEvent) -> Vec<Effect> {
    if let Some(run) = state.run_view_mut()
        && let Some(p) = &mut run.progress
    {
        let now = run.now.unwrap_or(p.started);
        p.apply(&ev.0, now);
        // Wait is the default: the run goes on by itself once the server answers.
        if matches!(ev.0, crate::batch::runner::Event::Paused { .. }) && !run.stopping {
            return vec![Effect::WaitForServer];
        }
    }
    if let crate::batch::Event::Warning(w) = &ev.0 {
        state.flash(w.clone());
    }
    Vec::new()
}

pub(crate) fn run_finished(
    state: &mut State,
    summary: Result<Box<crate::batch::Summary>, Failure>,
    stopped: Option<String>,
) -> Vec<Effect> {
    state.run.running = false;
    // A run that completed leaves nothing to retry; after a failed or stopped one the
    // selection stays, so the rest can be run again.
    let completed = stopped.is_none()
        && summary
            .as_ref()
            .is_ok_and(|s| s.failed == 0 && s.unknown == 0 && s.not_started == 0);
    if completed {
        state.bulk.selected.clear();
    }
    if state.run.quit_when_idle {
        // Everything in flight is journaled: now it is safe to leave.
        state.should_quit = true;
    }
    if let Some(run) = state.run_view_mut() {
        run.stopping = false;
        run.summary = Some(summary.map(|s| *s));
        run.stopped = stopped;
        run.failures_scroll = 0;
        // The summary's list: each failure with its full reason.
        run.failures = run.progress.as_ref().map_or_else(Vec::new, |p| {
            p.failures
                .iter()
                .map(|r| FailureRow {
                    user_id: r.user_id.clone(),
                    user_name: r.user_name.clone(),
                    status: r.status,
                    detail: r.detail.clone(),
                })
                .collect()
        });
    }
    // The list shows the users' new state; ticks survive the reload.
    let mut effects = crate::tui::list::reload(state);
    effects.push(Effect::ListWorkspaces);
    effects
}

pub const UNDO_WARNING: &str = "WARNING: restoring workspace access does not restore model roles or selective access; workspace admins may need to set those again.";

fn open_undo_preview(state: &mut State, u: UndoPlan) {
    let mut notes = vec![
        format!("Undo of journal {}", u.journal.display()),
        UNDO_WARNING.to_string(),
    ];
    for id in &u.missing {
        notes.push(format!("{id}: no longer in the tenant; cannot be restored"));
    }
    // Names in these lines came from the server.
    notes.extend(
        u.changed_since
            .iter()
            .map(|l| crate::untrusted::line(l).into_owned()),
    );
    let preview = Preview::new(u.plan, Intent::Restore { states: u.states }, notes);
    state.bulk.flow.push(Screen::Preview(Box::new(preview)));
}

fn open_resume_confirm(state: &mut State, info: Box<ResumeInfo>) -> Vec<Effect> {
    if info.targets.is_empty() {
        state.flash("nothing to resume: every user of this run is settled");
        return Vec::new();
    }
    let confirm = Confirm {
        tenant: info.tenant.clone(),
        label: format!("re-check and {}", info.intent.label()),
        count: info.targets.len(),
        cap: state.bulk.max_users,
        what: ConfirmWhat::Resume(info),
        input: Input::default(),
        error: None,
        overlap: None,
    };
    push_confirm(state, confirm)
}
