//! The CSV screens: the file being read and resolved (with progress; Esc cancels), then the
//! report shown before anything is selected (Enter selects the users found, `S` saves the
//! report). Their keys and their results are here; their state is `bulk/state.rs`'s (the
//! effect runner builds it) and their drawing `view/csv_report.rs`.

use ratatui::Frame;
use ratatui::layout::Rect;
use tui_input::Input;

use crate::tui::bulk::state::{
    CsvLoaded, CsvLoading, CsvReportView, InputCounts, PathInput, PathPurpose,
};
use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::stack::{Layer, Next, Step};
use crate::tui::state::{Popup, State};

/// The file is being read and resolved (and a plan being built: `preview::Planning`).
pub const BUSY: Mode = Mode::keys("busy", &[Command::Back]);

/// The CSV resolution report.
pub const REPORT: Mode = Mode::keys(
    "report",
    &[
        Command::Proceed,
        Command::Save,
        Command::Back,
        Command::Help,
    ],
);

impl Layer<State> for CsvLoading {
    fn mode(&self) -> Mode {
        BUSY
    }

    fn title(&self) -> Option<String> {
        Some("CSV import".into())
    }

    fn is_flow(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        match command {
            Command::Back => {
                state.flash("CSV load cancelled; nothing selected");
                Step::close(vec![Effect::CancelCsv])
            }
            _ => Step::stay(Vec::new()),
        }
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        crate::tui::view::csv_report::render_loading(state, self, frame, body);
    }
}

impl Layer<State> for CsvReportView {
    fn mode(&self) -> Mode {
        REPORT
    }

    fn title(&self) -> Option<String> {
        Some("CSV import".into())
    }

    fn is_flow(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        let page = crate::tui::layout::flow_rows(state.height);
        if let Some(delta) = command.movement(page) {
            let len = self.problems.len();
            self.scroll.move_by(delta, len, page);
            return Step::stay(Vec::new());
        }
        match command {
            Command::Back => {
                state.flash("CSV report closed; nothing selected");
                Step::close(Vec::new())
            }
            Command::Proceed => {
                select_resolved(state, self);
                Step::close(Vec::new())
            }
            Command::Save => Step {
                effects: Vec::new(),
                next: Next::Push(Box::new(PathInput {
                    purpose: PathPurpose::SaveReport,
                    input: Input::new("csv-report.csv".into()),
                })),
            },
            _ => Step::stay(Vec::new()),
        }
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        crate::tui::view::csv_report::render_report(state, self, frame, body);
    }
}

/// Enter on the report: the users it found are ticked.
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

/// How far the reading has got.
pub(crate) fn progress(state: &mut State, rows: usize, looked_up: usize) {
    if let Some(l) = state.layers_mut().top_flow_mut::<CsvLoading>() {
        l.rows = Some(rows);
        l.looked_up = looked_up;
    }
}

/// The file is read and resolved: its report takes the loading screen's place. Dropped if
/// the operator cancelled the load meanwhile.
pub(crate) fn loaded(state: &mut State, result: Result<Box<CsvLoaded>, Failure>) {
    let Some(loading) = state.layers().top_flow::<CsvLoading>() else {
        return;
    };
    let path = loading.path.clone();
    match result {
        Ok(loaded) => {
            let report = Box::new(CsvReportView::new(*loaded));
            state.layers_mut().replace_top_flow::<CsvLoading>(report);
        }
        Err(message) => {
            state.layers_mut().remove_top_flow::<CsvLoading>();
            state.push_popup(Popup::Error {
                title: format!("Cannot use {path}; nothing was selected"),
                message: message.to_string(),
            });
        }
    }
}
