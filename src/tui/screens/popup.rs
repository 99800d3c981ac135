//! The popups (errors, help, confirmations, a path in full, an interrupted run) on the one
//! stack of layers: their keys (yes, back, the interrupted run's choices) are here; their
//! drawing is view/popup.rs (the help's is view/help.rs), and `?` toggles the help anywhere
//! (update.rs). The impl is on [`Popup`] itself, so `state.rs` pushes one without
//! importing this module (no import circle).

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::stack::{Layer, Step};
use crate::tui::state::{Popup, State};

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
        use crate::tui::bulk::update as bulk;
        match (&*self, command) {
            (Popup::Interrupted { run, .. }, c) => {
                match crate::tui::interrupted::on_key(state, run, c) {
                    Some(effects) => Step::close(effects),
                    None => Step::stay(Vec::new()),
                }
            }
            (Popup::ConfirmQuit, Command::Confirm) => {
                Step::close(crate::tui::update::quit_after_run(state))
            }
            (Popup::ConfirmStop, Command::Confirm) => Step::close(bulk::cancel_run(state)),
            (Popup::ConfirmOverwrite { purpose, path }, Command::Confirm) => {
                Step::close(bulk::confirm_overwrite(state, *purpose, path.clone()))
            }
            // Yes on a popup that asks nothing, or Esc: it closes.
            (_, Command::Confirm | Command::Back) => Step::close(Vec::new()),
            // While a popup is up, other keys wait.
            _ => Step::stay(Vec::new()),
        }
    }

    /// Over the whole screen, not only the body.
    fn draw(&self, state: &State, frame: &mut Frame, _body: Rect) {
        crate::tui::view::popup::render(state, self, frame, frame.area());
    }
}
