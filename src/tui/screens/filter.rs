//! The server-side filter being typed: over the bottom of the list, validated as it is typed;
//! Enter applies it (empty clears it) and reloads, Esc closes it. Its state is
//! [`FilterEdit`] (in `state.rs`, so the state names it without importing this module); its
//! drawing is [`render_filter`], here. The list's moves still reach the list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::{Input, InputRequest};

use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::stack::{Layer, Step};
use crate::tui::state::{AppliedFilter, FilterEdit, State};

/// Its keymap section: the filter is typed; Enter applies it, Esc closes it.
pub const MODE: Mode = Mode::input("filter", &[Command::Apply, Command::Back]);

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
        MODE
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
        render_filter(state, self, frame, body);
    }
}

/// The filter input over the bottom of the list, with the parse error inline.
pub fn render_filter(state: &State, edit: &FilterEdit, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    // The error wraps; the box grows to show all of it (the message says what is accepted).
    let error_text = edit
        .error
        .as_ref()
        .map(|e| format!("✗ {} (near `{}`)", e.message, e.fragment));
    let inner_width = body.width.saturating_sub(2).max(1) as usize;
    let error_rows = error_text
        .as_ref()
        .map_or(1, |e| e.chars().count().div_ceil(inner_width).max(1));
    let height = ((4 + error_rows) as u16).min(body.height);
    let rect = Rect::new(body.x, body.y + body.height - height, body.width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(" SCIM filter (server side) ", t.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let width = inner.width.saturating_sub(2) as usize;
    let scroll = edit.input.visual_scroll(width);
    let value = edit.input.value();
    let shown: String = value.chars().skip(scroll).collect();
    let mut lines = vec![Line::from(vec![
        Span::styled("> ", t.key),
        Span::raw(shown),
    ])];
    match &edit.error {
        Some(e) => {
            let col = value
                .get(..e.position.min(value.len()))
                .map_or(0, |p| p.chars().count())
                .saturating_sub(scroll);
            lines.push(Line::styled(format!("  {}^", " ".repeat(col)), t.error));
            lines.push(Line::styled(
                error_text.clone().unwrap_or_default(),
                t.error,
            ));
        }
        None if value.trim().is_empty() => {
            lines.push(Line::styled(
                "  e.g. name.familyName eq \"Smith\" and active eq true; empty clears it",
                t.dim,
            ));
        }
        None => lines.push(Line::styled("✓ valid filter", t.active)),
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
        inner,
    );
    if state.popups().is_empty() {
        let x = (edit.input.visual_cursor().saturating_sub(scroll) + 2) as u16;
        frame.set_cursor_position((inner.x + x.min(inner.width.saturating_sub(1)), inner.y));
    }
}

#[cfg(test)]
mod tests {
    use crate::tui::msg::Command;
    use crate::tui::testing::{fixture_users, loaded_state, typed};
    use crate::tui::update::{mode, update};

    #[test]
    fn a_flow_screen_opened_after_the_filter_input_covers_it_until_it_closes() {
        let mut s = loaded_state(fixture_users(), 80, 24);
        update(&mut s, Command::Filter);
        typed(&mut s, "active eq true");
        assert_eq!(mode(&s), super::MODE);
        // The history opened later (from a popup over the input).
        s.push_layer(Box::<crate::tui::bulk::state::HistoryView>::default());
        assert_eq!(mode(&s), crate::tui::screens::history::MODE);
        update(&mut s, Command::Back);
        assert_eq!(mode(&s), super::MODE);
        let typed_so_far = s.filter_edit().map(|e| e.input.value().to_string());
        assert_eq!(typed_so_far.as_deref(), Some("active eq true"));
    }
}
