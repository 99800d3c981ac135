//! The server-side filter being typed: over the bottom of the list, validated as it is typed;
//! Enter applies it (empty clears it) and reloads, Esc closes it. Its state is
//! [`FilterEdit`] (in `state.rs`, so the state names it without importing this module); its
//! drawing is `view/popup.rs`'s `render_filter`. The list's moves still reach the list.

use ratatui::Frame;
use ratatui::layout::Rect;
use tui_input::{Input, InputRequest};

use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::stack::{Layer, Step};
use crate::tui::state::{AppliedFilter, FilterEdit, State};

/// Opens the filter input on a user list, with the filter applied now.
pub fn open(state: &mut State) {
    if !state.view().is_user_list() {
        return;
    }
    let text = state
        .filter
        .applied
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let mut edit = FilterEdit {
        input: Input::new(text),
        error: None,
    };
    edit.validate(state);
    state.push_layer(Box::new(edit));
}

impl FilterEdit {
    fn validate(&mut self, state: &State) {
        let text = self.input.value().trim();
        self.error = if text.is_empty() {
            None
        } else {
            (state.filter.parser)(text).err()
        };
    }

    /// Enter: the typed filter applies (and the list reloads), or its error shows.
    fn apply(&mut self, state: &mut State) -> Step<State> {
        let text = self.input.value().trim().to_string();
        if text.is_empty() {
            let effects = if state.filter.applied.take().is_some() {
                crate::tui::list::reload(state)
            } else {
                Vec::new()
            };
            return Step::close(effects);
        }
        match (state.filter.parser)(&text) {
            Ok(filter) => {
                state.filter.applied = Some(AppliedFilter { text, filter });
                Step::close(crate::tui::list::reload(state))
            }
            Err(e) => {
                self.error = Some(e);
                Step::stay(Vec::new())
            }
        }
    }
}

impl Layer<State> for FilterEdit {
    fn mode(&self) -> Mode {
        Mode::Filter
    }

    fn title(&self) -> Option<String> {
        None
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        match command {
            Command::Apply => self.apply(state),
            Command::Back => Step::close(Vec::new()),
            // Moves and ticks reach the list under the input.
            _ => Step::pass(),
        }
    }

    fn on_edit(&mut self, request: InputRequest, state: &mut State) -> Step<State> {
        self.input.handle(request);
        self.validate(state);
        Step::stay(Vec::new())
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        crate::tui::view::popup::render_filter(state, self, frame, body);
    }
}

#[cfg(test)]
mod tests {
    use crate::tui::keymap::Mode;
    use crate::tui::msg::Command;
    use crate::tui::testing::{fixture_users, loaded_state, typed};
    use crate::tui::update::{mode, update};

    #[test]
    fn a_flow_screen_opened_after_the_filter_input_covers_it_until_it_closes() {
        let mut s = loaded_state(fixture_users(), 80, 24);
        update(&mut s, Command::Filter);
        typed(&mut s, "active eq true");
        assert_eq!(mode(&s), Mode::Filter);
        // The selection pane opened later (as the history is, from a popup over the input).
        s.bulk.flow.push(crate::tui::bulk::Screen::Selection {
            ids: Vec::new(),
            scroll: Default::default(),
        });
        assert_eq!(mode(&s), Mode::Selection);
        update(&mut s, Command::Back);
        assert_eq!(mode(&s), Mode::Filter);
        let typed_so_far = s.filter_edit().map(|e| e.input.value().to_string());
        assert_eq!(typed_so_far.as_deref(), Some("active eq true"));
    }
}
