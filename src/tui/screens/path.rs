//! The file path input (load a CSV; save a report, a plan, a review; export the list): Tab
//! completes the file name, Enter loads or saves there, Esc closes it. Its state is
//! [`PathInput`] (`bulk/state.rs`, so the screens that ask for a path name it without
//! importing this module); its drawing is `view/path.rs`.

use ratatui::Frame;
use ratatui::layout::Rect;
use tui_input::InputRequest;

use crate::tui::bulk::state::PathInput;
use crate::tui::effect::Effect;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::stack::{Layer, Step};
use crate::tui::state::State;

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
                Step::close(crate::tui::bulk::update::path_chosen(
                    state,
                    self.purpose,
                    path,
                ))
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
        crate::tui::view::path::render(state, self, frame, body);
    }
}
