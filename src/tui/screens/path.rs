//! The file path input (load a CSV; save a report, a plan, a review; export the list): Tab
//! completes the file name, Enter loads or saves there (what each purpose saves is here
//! too, for the overwrite question asks again), Esc closes it. Its state is
//! [`PathInput`] (`bulk/state.rs`, so the screens that ask for a path name it without
//! importing this module); its drawing is here.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::{Input, InputRequest};

use crate::tui::bulk::state::{PathInput, PathPurpose, Preview};
use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::screens::csv::CsvReportView;
use crate::tui::stack::{Layer, Step};
use crate::tui::state::{Popup, State};

/// Its keymap section: a file path being typed.
pub const MODE: Mode = Mode::input("path", &[Command::Apply, Command::Complete, Command::Back]);

impl Layer<State> for PathInput {
    fn mode(&self) -> Mode {
        MODE
    }

    fn title(&self) -> Option<String> {
        None
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        match command {
            Command::Complete => Step::stay(vec![Effect::CompletePath {
                typed: self.input.value().to_string(),
            }]),
            Command::Apply => {
                let path = self.input.value().trim().to_string();
                if path.is_empty() {
                    state.flash("type a file path (~ is your home directory), or esc");
                    return Step::stay(Vec::new());
                }
                Step::close(path_chosen(state, self.purpose, path))
            }
            Command::Back => Step::close(Vec::new()),
            _ => Step::stay(Vec::new()),
        }
    }

    fn on_edit(&mut self, request: InputRequest, _state: &mut State) -> Step<State> {
        self.input.handle(request);
        Step::stay(Vec::new())
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        draw_path(state, self, frame, body);
    }
}

/// The path typed in the path input (the input has closed): load or save there.
pub fn path_chosen(state: &mut State, purpose: PathPurpose, path: String) -> Vec<Effect> {
    match purpose {
        PathPurpose::LoadCsv => crate::tui::screens::csv::start_csv(state, path),
        _ => save(state, purpose, path, false),
    }
}

/// Saves what the screen on top shows; an existing file is replaced only with `overwrite`.
fn save(state: &State, purpose: PathPurpose, path: String, overwrite: bool) -> Vec<Effect> {
    let layers = state.layers();
    match (
        purpose,
        layers.top_flow::<CsvReportView>(),
        layers.top_flow::<Preview>(),
    ) {
        (PathPurpose::SaveReport, Some(r), _) => vec![Effect::SaveCsvReport {
            path,
            report: Box::new(r.report.clone()),
            overwrite,
        }],
        (PathPurpose::SavePlan, _, Some(p)) => vec![Effect::SavePlan {
            path,
            plan: Arc::clone(&p.plan),
            overwrite,
        }],
        (PathPurpose::SaveReview, ..) => {
            crate::tui::screens::review::save_effect(state, path, overwrite)
        }
        (PathPurpose::ExportUsers, ..) => crate::tui::export::effect(state, path, overwrite),
        _ => Vec::new(),
    }
}

/// "y" on the overwrite question: save again, replacing the file.
pub fn confirm_overwrite(state: &mut State, purpose: PathPurpose, path: String) -> Vec<Effect> {
    save(state, purpose, path, true)
}

/// Tab's completion came back: the name completed, or what matched.
pub(crate) fn completed(
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

/// The file exists: replace it? (`y` saves again with `overwrite`.)
pub(crate) fn would_overwrite(state: &mut State, purpose: PathPurpose, path: String) {
    state.push_popup(Popup::ConfirmOverwrite { purpose, path });
}

/// A save ended: where it went, or why not.
pub(crate) fn saved(state: &mut State, what: String, result: Result<String, Failure>) {
    match result {
        Ok(path) => state.flash(format!("{what} saved to {path}")),
        Err(message) => state.push_popup(Popup::Error {
            title: format!("Could not save the {what}"),
            message: message.to_string(),
        }),
    }
}

// Drawing (was view/path.rs).

fn draw_path(state: &State, pi: &PathInput, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let height = 4.min(body.height);
    let rect = Rect::new(body.x, body.y + body.height - height, body.width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(format!(" {} ", pi.purpose.title()), t.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let width = inner.width.saturating_sub(2) as usize;
    let scroll = pi.input.visual_scroll(width);
    let shown: String = pi.input.value().chars().skip(scroll).collect();
    let lines = vec![
        Line::from(vec![Span::styled("> ", t.key), Span::raw(shown)]),
        Line::styled("  a file path; ~ is your home directory", t.dim),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
    if state.popups().is_empty() {
        let x = (pi.input.visual_cursor().saturating_sub(scroll) + 2) as u16;
        frame.set_cursor_position((inner.x + x.min(inner.width.saturating_sub(1)), inner.y));
    }
}
