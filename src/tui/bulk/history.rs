//! The run history in the TUI (`H`): past runs read from the journals directory by
//! `batch::history` (the same reader as `scimitar runs`); Enter reopens a run's summary, where
//! `u` undoes it, `R` resumes it and Enter shows a failure's full reason. Reducer side only.

use crate::tui::bulk::state::{HistoryView, RunView, Screen};
use crate::tui::effect::Effect;
use crate::tui::msg::{Command, Copied};
use crate::tui::state::{Popup, State};

/// `H`: opens the history over the list (a finished run's summary makes way for it: the run
/// is in the history too).
pub fn open(state: &mut State) -> Vec<Effect> {
    if state.run.running {
        state.flash("a batch is running: its summary shows when it ends; H then lists every run");
        return Vec::new();
    }
    state
        .bulk
        .flow
        .retain(|s| !matches!(s, Screen::Run(_) | Screen::History(_)));
    state
        .bulk
        .flow
        .push(Screen::History(Box::<HistoryView>::default()));
    vec![Effect::ListRuns]
}

/// Keys the history and a finished run's summary handle; `None` leaves the key to others.
pub fn on_key(state: &mut State, action: &Command) -> Option<Vec<Effect>> {
    let fin = finished(state);
    match (state.bulk.flow.last_mut()?, action) {
        (Screen::History(h), Command::Open) => {
            let journal = h.selected()?.journal().to_path_buf();
            h.opening = true;
            Some(vec![Effect::LoadRun { journal }])
        }
        (Screen::History(h), Command::Verify) => {
            if h.verifying.is_some() {
                return Some(Vec::new());
            }
            let run = h.selected()?;
            let journal = run.journal().to_path_buf();
            h.verifying = Some(run.id.clone());
            Some(vec![Effect::VerifyRun { journal }])
        }
        (Screen::History(h), Command::CopyPath) => {
            let path = h.selected()?.summary.journal.clone();
            Some(copy_path(state, path))
        }
        (Screen::History(h), Command::Refresh) => {
            h.list = None;
            h.error = None;
            Some(vec![Effect::ListRuns])
        }
        (Screen::History(_), Command::History) => Some(Vec::new()),
        (Screen::Run(_), Command::History) if fin => Some(open(state)),
        (Screen::Run(_), Command::CopyPath) if fin => {
            let path = state.run_view()?.journal.clone().or_else(|| {
                match state.run_view()?.summary.as_ref()? {
                    Ok(s) => Some(s.journal.clone()),
                    Err(_) => None,
                }
            })?;
            Some(copy_path(state, path))
        }
        (Screen::Run(_), Command::Open) if fin => {
            let run = state.run_view()?;
            let f = run.failures.get(run.failures_scroll)?;
            let status = f
                .status
                .map_or_else(|| "no answer".into(), |s| s.to_string());
            let title = format!("Why {} failed", f.user_name);
            let message = format!("user id {}\nstatus {status}\n\n{}", f.user_id, f.detail);
            state.push_popup(Popup::Error { title, message });
            Some(Vec::new())
        }
        _ => None,
    }
}

fn finished(state: &State) -> bool {
    state.run_view().is_some_and(RunView::finished)
}

/// Sends the path to the clipboard (OSC 52) and shows it in full.
fn copy_path(state: &mut State, path: String) -> Vec<Effect> {
    state.push_popup(Popup::Path {
        title: "Journal".into(),
        path: path.clone(),
    });
    vec![Effect::CopyToClipboard {
        text: path,
        what: Copied::JournalPath,
    }]
}

/// The journals directory was read.
pub fn runs_listed(
    state: &mut State,
    result: Result<Box<crate::batch::history::RunList>, crate::tui::failure::Failure>,
) {
    let Some(Screen::History(h)) = state.bulk.flow.last_mut() else {
        return;
    };
    match result {
        Ok(list) => {
            h.list = Some(*list);
            h.error = None;
            let len = h.len();
            h.scroll.cursor = h.scroll.cursor.min(len.saturating_sub(1));
        }
        Err(e) => {
            h.list = Some(Default::default());
            h.error = Some(e.to_string());
        }
    }
}

/// One past run was read; dropped if the operator left the history meanwhile.
pub fn run_loaded(
    state: &mut State,
    result: Result<Box<crate::batch::history::RunDetail>, crate::tui::failure::Failure>,
) {
    let Some(Screen::History(h)) = state.bulk.flow.last_mut() else {
        return;
    };
    if !h.opening {
        return;
    }
    h.opening = false;
    match result {
        Ok(detail) => {
            let run = Box::new(RunView::from_history(*detail));
            state.bulk.flow.push(Screen::Run(run));
        }
        Err(failure) => state.push_popup(Popup::Error {
            title: "Cannot read this run".into(),
            message: failure.to_string(),
        }),
    }
}

/// Esc on a finished run's summary: back to the history it was opened from, if it was.
pub fn back_from_summary(state: &mut State) -> bool {
    let n = state.bulk.flow.len();
    if n >= 2 && matches!(state.bulk.flow[n - 2], Screen::History(_)) {
        state.bulk.flow.pop();
        return true;
    }
    false
}

/// A run was checked against the audit log: the verdict flashed, the list read again so the
/// kept verdict shows.
pub fn verified(
    state: &mut State,
    result: Result<Box<crate::batch::verify::Verification>, crate::tui::failure::Failure>,
) -> Vec<Effect> {
    let Some(Screen::History(h)) = state.bulk.flow.last_mut() else {
        return Vec::new();
    };
    let id = h.verifying.take().unwrap_or_default();
    match result {
        Ok(v) => {
            h.list = None;
            state.flash(format!(
                "run {id}: {} ({} of {} audit events found)",
                v.label(),
                v.totals.found,
                v.totals.expected
            ));
            vec![Effect::ListRuns]
        }
        Err(failure) => {
            state.push_popup(Popup::Error {
                title: "Cannot verify this run".into(),
                message: failure.to_string(),
            });
            Vec::new()
        }
    }
}
