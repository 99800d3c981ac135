//! The quick search being typed over a list: each key narrows the rows at once, Enter keeps
//! the search (the header shows it; Esc on the list clears it), Esc clears it now. The text
//! is the view's own (`View::search`, so each view keeps its search); this layer is only the
//! typing, and the status line is its prompt (`view/mod.rs`).

use ratatui::Frame;
use ratatui::layout::Rect;
use tui_input::InputRequest;

use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::stack::{Layer, Step};
use crate::tui::state::{State, ViewKind};

pub struct SearchInput;

/// `/` on a list: starts typing its search (the detail view has none).
pub fn open(state: &mut State) {
    if !matches!(state.view().kind, ViewKind::Detail(_)) {
        state.push_layer(Box::new(SearchInput));
    }
}

/// The search is being typed and has the keys.
pub fn typing(state: &State) -> bool {
    state
        .top_layer()
        .is_some_and(|l| l.as_any().is::<SearchInput>())
}

impl Layer<State> for SearchInput {
    fn mode(&self) -> Mode {
        Mode::Search
    }

    fn title(&self) -> Option<String> {
        None
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        match command {
            Command::Apply => Step::close(Vec::new()),
            Command::Back => {
                state.view_mut().search.input.reset();
                state.rebuild_keeping_row();
                Step::close(Vec::new())
            }
            // Moves and ticks reach the list under the input.
            _ => Step::pass(),
        }
    }

    fn on_edit(&mut self, request: InputRequest, state: &mut State) -> Step<State> {
        state.view_mut().search.input.handle(request);
        state.refresh_search();
        Step::stay(Vec::new())
    }

    /// Nothing over the body: the status line is the prompt.
    fn draw(&self, _state: &State, _frame: &mut Frame, _body: Rect) {}
}
