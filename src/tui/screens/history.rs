//! The run history (`H`): past runs read from the journals directory by `batch::history`
//! (the same reader as `scimitar runs`). Enter reopens a run's summary over it (where `u`
//! undoes the run and `R` resumes it), `v` checks a run against the audit log, `y` shows and
//! copies its journal's path. Its keys and results are here; its data is [`HistoryView`]
//! (`bulk/state.rs`) and its drawing `view/history.rs`.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::bulk::state::{HistoryView, RunView};
use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::keymap::Mode;
use crate::tui::msg::{Command, Copied};
use crate::tui::stack::{Layer, Step};
use crate::tui::state::{Popup, State};

/// Its keymap section.
pub const MODE: Mode = Mode::keys(
    "history",
    &[
        Command::Open,
        Command::Verify,
        Command::CopyPath,
        Command::Refresh,
        Command::Back,
        Command::Help,
        Command::Search,
    ],
);

/// `H`: opens the history over the list (a finished run's summary makes way for it: the run
/// is in the history too).
pub fn open(state: &mut State) -> Vec<Effect> {
    if state.run.running {
        state.flash("a batch is running: its summary shows when it ends; H then lists every run");
        return Vec::new();
    }
    state.layers_mut().remove::<RunView>();
    state.layers_mut().remove::<HistoryView>();
    state.push_layer(Box::<HistoryView>::default());
    vec![Effect::ListRuns]
}

impl Layer<State> for HistoryView {
    fn mode(&self) -> Mode {
        MODE
    }

    fn title(&self) -> Option<String> {
        Some("Run history".into())
    }

    fn is_flow(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        let page = crate::tui::layout::flow_rows(state.height);
        if let Some(delta) = command.movement(page) {
            let len = self.len();
            self.scroll.move_by(delta, len, page);
            return Step::stay(Vec::new());
        }
        let effects = match command {
            Command::Back => return Step::close(Vec::new()),
            Command::Open => match self.selected() {
                Some(run) => {
                    let journal = run.journal().to_path_buf();
                    self.opening = true;
                    vec![Effect::LoadRun { journal }]
                }
                None => Vec::new(),
            },
            Command::Verify => self.verify(),
            Command::CopyPath => match self.selected() {
                Some(run) => copy_path(state, run.summary.journal.clone()),
                None => Vec::new(),
            },
            Command::Refresh => {
                self.list = None;
                self.error = None;
                vec![Effect::ListRuns]
            }
            _ => Vec::new(),
        };
        Step::stay(effects)
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        crate::tui::view::history::render(state, self, frame, body);
    }
}

impl HistoryView {
    /// `v`: the highlighted run is checked against the audit log (one at a time).
    fn verify(&mut self) -> Vec<Effect> {
        if self.verifying.is_some() {
            return Vec::new();
        }
        let Some(run) = self.selected() else {
            return Vec::new();
        };
        let journal = run.journal().to_path_buf();
        self.verifying = Some(run.id.clone());
        vec![Effect::VerifyRun { journal }]
    }
}

/// Sends the path to the clipboard (OSC 52) and shows it in full.
pub(crate) fn copy_path(state: &mut State, path: String) -> Vec<Effect> {
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
    result: Result<Box<crate::batch::history::RunList>, Failure>,
) {
    let Some(h) = state.layers_mut().top_flow_mut::<HistoryView>() else {
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

/// One past run was read: its summary opens over the history. Dropped if the operator left
/// the history meanwhile.
pub fn run_loaded(
    state: &mut State,
    result: Result<Box<crate::batch::history::RunDetail>, Failure>,
) {
    let Some(h) = state.layers_mut().top_flow_mut::<HistoryView>() else {
        return;
    };
    if !h.opening {
        return;
    }
    h.opening = false;
    match result {
        Ok(detail) => state.push_layer(Box::new(RunView::from_history(*detail))),
        Err(failure) => state.push_popup(Popup::Error {
            title: "Cannot read this run".into(),
            message: failure.to_string(),
        }),
    }
}

/// A run was checked against the audit log: the verdict flashed, the list read again so the
/// kept verdict shows.
pub fn verified(
    state: &mut State,
    result: Result<Box<crate::batch::verify::Verification>, Failure>,
) -> Vec<Effect> {
    let Some(h) = state.layers_mut().top_flow_mut::<HistoryView>() else {
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
