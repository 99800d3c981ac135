//! Visual mode: a range of the list being marked (`v` starts it at the cursor, `v` or space
//! ticks it, Esc cancels). Its state is [`VisualRange`] (in `state.rs`, so the reloads that
//! end it name it without importing this module); the header and the list draw the range
//! (`view/`). While it is on, moves and ticks reach the list; keys that would leave or
//! change the list wait.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::select;
use crate::tui::stack::{Layer, Step};
use crate::tui::state::{State, VisualRange};

/// Its keymap section: a range being marked in a user list.
pub const MODE: Mode = Mode::keys(
    "visual",
    &[Command::VisualSelect, Command::Back, Command::Help],
);

impl Layer<State> for VisualRange {
    fn mode(&self) -> Mode {
        MODE
    }

    fn title(&self) -> Option<String> {
        None
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        match command {
            Command::ToggleSelect | Command::VisualSelect => {
                select::commit_from(state, self.anchor);
                Step::close(Vec::new())
            }
            Command::Back => {
                select::cancel_visual(state);
                Step::close(Vec::new())
            }
            Command::Open
            | Command::Refresh
            | Command::Filter
            | Command::Search
            | Command::Workspaces
            | Command::SelectAll
            | Command::InvertSelection
            | Command::LoadCsv
            | Command::History
            | Command::InactivityFilter
            | Command::Sort => {
                state.flash("marking a range: v marks it, esc cancels");
                Step::stay(Vec::new())
            }
            _ => Step::pass(),
        }
    }

    /// Nothing of its own: the list shows the range, the header says so.
    fn draw(&self, _state: &State, _frame: &mut Frame, _body: Rect) {}
}
