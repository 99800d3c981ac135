//! The popups (errors, help, confirmations, a path in full, an interrupted run) on the one
//! stack of layers: their keys (yes, back, the interrupted run's choices) and their drawing
//! are here (the help's rows are view/help.rs), and `?` toggles the help anywhere
//! (update.rs). The impl is on [`Popup`] itself, so `state.rs` pushes one without
//! importing this module (no import circle).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::screens::help;
use crate::tui::stack::{Layer, Step};
use crate::tui::state::{Popup, State};
use crate::tui::widgets::centered;

impl Layer<State> for Popup {
    fn mode(&self) -> Mode {
        Mode::Popup
    }

    fn title(&self) -> Option<String> {
        None
    }

    fn is_popup(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        match (&*self, command) {
            (Popup::Interrupted { run, .. }, c) => {
                match crate::tui::screens::interrupted::on_key(state, run, c) {
                    Some(effects) => Step::close(effects),
                    None => Step::stay(Vec::new()),
                }
            }
            (Popup::ConfirmQuit, Command::Confirm) => {
                Step::close(crate::tui::screens::run::quit_after_run(state))
            }
            (Popup::ConfirmStop, Command::Confirm) => {
                Step::close(crate::tui::screens::run::cancel_run(state))
            }
            (Popup::ConfirmOverwrite { purpose, path }, Command::Confirm) => Step::close(
                crate::tui::screens::path::confirm_overwrite(state, *purpose, path.clone()),
            ),
            // Yes on a popup that asks nothing, or Esc: it closes.
            (_, Command::Confirm | Command::Back) => Step::close(Vec::new()),
            // While a popup is up, other keys wait.
            _ => Step::stay(Vec::new()),
        }
    }

    /// Over the whole screen, not only the body.
    fn draw(&self, state: &State, frame: &mut Frame, _body: Rect) {
        render(state, self, frame, frame.area());
    }
}

pub fn render(state: &State, popup: &Popup, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let keys = |a: &Command| {
        state
            .keymap
            .keys_for(Mode::Popup, a)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("/")
    };
    let (title, body, footer) = match popup {
        Popup::Help => return help::render(state, frame, area),
        Popup::Path { title, path } => return render_path(state, title, path, frame, area),
        Popup::Error { title, message } => (
            crate::tui::text::safe(title),
            crate::untrusted::text(message).into_owned(),
            format!(" {}: dismiss ", keys(&Command::Back)),
        ),
        Popup::ConfirmOverwrite { path, .. } => (
            "Replace the file?".to_string(),
            format!(
                "{}\nalready exists. Replace it?",
                crate::untrusted::text(path)
            ),
            format!(" {}: replace   {}: keep it ", keys(&Command::Confirm), keys(&Command::Back)),
        ),
        Popup::ConfirmStop => (
            "Stop the run?".to_string(),
            "stop dispatching? in-flight requests finish; what was sent stays sent and is in the journal.".to_string(),
            format!(" {}: stop   {}: keep running ", keys(&Command::Confirm), keys(&Command::Back)),
        ),
        Popup::Interrupted { run, more } => interrupted(run, *more, &keys),
        Popup::ConfirmQuit => (
            "Quit?".to_string(),
            "A batch is running. Quitting now stops it; what was sent stays sent and is in the journal. Quit anyway?".to_string(),
            format!(" {}: quit   {}: stay ", keys(&Command::Confirm), keys(&Command::Back)),
        ),
    };
    let width = 70.min(area.width.saturating_sub(4));
    let inner_w = width.saturating_sub(2).max(1) as usize;
    let body_lines: usize = body
        .lines()
        .map(|l| l.chars().count().div_ceil(inner_w).max(1))
        .sum();
    let height = (body_lines as u16 + 2).min(area.height.saturating_sub(2));
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.error)
        .title(Line::styled(format!(" {title} "), t.error))
        .title_bottom(Line::styled(footer, t.key));
    frame.render_widget(
        Paragraph::new(body).wrap(Wrap { trim: true }).block(block),
        rect,
    );
}

/// A run left unfinished: what it is, how far it got, how long ago, and the three choices.
fn interrupted(
    run: &crate::batch::interrupted::Interrupted,
    more: usize,
    keys: &dyn Fn(&Command) -> String,
) -> (String, String, String) {
    let mut body = format!(
        "Run {} ({}) was interrupted {} ago.\n{} of {} users left (changed {}, failed {}).",
        crate::untrusted::line(&run.id),
        crate::untrusted::clip(&run.action, 40),
        run.age(),
        run.left,
        run.planned,
        run.changed,
        run.failed,
    );
    if more > 0 {
        body.push_str(&format!("\n{more} more interrupted run(s): H lists them."));
    }
    let footer = format!(
        " {}: resume now   {}: show   {}/{}: later ",
        keys(&Command::Resume),
        keys(&Command::History),
        keys(&Command::Choose3),
        keys(&Command::Back)
    );
    ("Interrupted run".to_string(), body, footer)
}

/// A path in full, broken only after a `/`, so it can be read (and selected) whole.
fn render_path(state: &State, title: &str, path: &str, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let width = area.width.saturating_sub(4).min(100);
    let inner_w = usize::from(width.saturating_sub(2)).max(1);
    let mut lines: Vec<Line> =
        crate::tui::widgets::paths::path_rows(&crate::untrusted::clip(path, 4096), inner_w)
            .into_iter()
            .map(Line::raw)
            .collect();
    lines.push(Line::styled("sent to the clipboard (OSC 52)", t.dim));
    let height = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let back = state
        .keymap
        .keys_for(Mode::Popup, &Command::Back)
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("/");
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(
            format!(" {} ", crate::tui::text::safe(title)),
            t.title,
        ))
        .title_bottom(Line::styled(format!(" {back}: close "), t.key));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
