//! The selection pane: who is ticked (userName, name, workspaces), with untick in place; `A`
//! goes on to the action menu over it. Its state, keys and drawing are here.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Row};

use crate::tui::keymap::Mode;
use crate::tui::layout::window_start;
use crate::tui::msg::Command;
use crate::tui::scroll::Scroll;
use crate::tui::stack::{Layer, Step};
use crate::tui::state::State;
use crate::tui::widgets::cursor_table::CursorTable;

/// Its keymap section.
pub const MODE: Mode = Mode::keys(
    "selection",
    &[
        Command::ToggleSelect,
        Command::Actions,
        Command::ClearSelection,
        Command::Back,
        Command::Help,
    ],
);

/// Who is selected: a snapshot of the ids taken when the pane opened (sorted by userName),
/// so unticking leaves the row in place to be ticked again.
pub struct Selection {
    pub ids: Vec<String>,
    pub scroll: Scroll,
}

/// `s` on the list: opens the pane (a range being marked is ticked first).
pub fn open(state: &mut State) {
    use crate::tui::select;
    if state.visual_anchor().is_some() {
        select::commit_visual(state);
    }
    state.push_layer(Box::new(Selection {
        ids: select::sorted_ids(state),
        scroll: Scroll::default(),
    }));
}

impl Layer<State> for Selection {
    fn mode(&self) -> Mode {
        MODE
    }

    fn title(&self) -> Option<String> {
        Some("Selection".into())
    }

    fn is_flow(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        let page = crate::tui::layout::flow_rows(state.height);
        if super::scrolled(&mut self.scroll, command, self.ids.len(), state) {
            return Step::stay(Vec::new());
        }
        match command {
            Command::Back => return Step::close(Vec::new()),
            Command::ToggleSelect => {
                if let Some(id) = self.ids.get(self.scroll.cursor).cloned() {
                    let selected = &mut state.bulk.selected;
                    if !selected.remove(&id) {
                        selected.insert(id);
                    }
                    self.scroll.move_by(1, self.ids.len(), page);
                }
            }
            Command::ClearSelection => crate::tui::select::clear(state),
            // The menu opens over the pane, which comes back when it is left.
            Command::Actions => crate::tui::screens::menu::open(state),
            _ => {}
        }
        Step::stay(Vec::new())
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        render(state, self, frame, body);
    }
}

fn render(state: &State, pane: &Selection, frame: &mut Frame, area: Rect) {
    let (ids, scroll) = (&pane.ids, &pane.scroll);
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let height = area.height.saturating_sub(3).max(1) as usize;
    let len = ids.len();
    let start = window_start(scroll.cursor, scroll.offset, height, len);
    let end = (start + height).min(len);
    let rows: Vec<Row> = ids[start..end]
        .iter()
        .map(|id| {
            let ticked = state.bulk.selected.contains(id);
            let sel = if ticked {
                Span::styled("[x]", t.ticked)
            } else {
                Span::styled("[ ]", t.dim)
            };
            match state.selected_user(id) {
                Some(u) => Row::new([
                    Cell::from(sel),
                    Cell::from(crate::tui::text::safe(&u.user_name)),
                    Cell::from(crate::tui::text::safe(&u.full_name())),
                    Cell::from(Line::from(u.workspaces.len().to_string()).right_aligned()),
                ]),
                None => Row::new([
                    Cell::from(sel),
                    Cell::from(crate::tui::text::safe(id)),
                    Cell::from("(not loaded)"),
                    Cell::from(""),
                ]),
            }
        })
        .collect();
    let empty = if len == 0 {
        " nothing selected: space ticks, v marks a range, a ticks all shown, L loads a CSV "
    } else {
        ""
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(
            format!(" Selection: {} selected ", state.bulk.selected.len()),
            t.title,
        ))
        .title_bottom(Line::styled(empty, t.dim));
    CursorTable {
        header: ["Sel", "userName", "Name", "WS"],
        widths: [
            Constraint::Length(3),
            Constraint::Fill(3),
            Constraint::Fill(2),
            Constraint::Length(4),
        ],
        rows,
        block: Some(block),
        cursor: (len > 0).then(|| scroll.cursor.min(len - 1) - start),
    }
    .render(t, frame, area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::effect::Effect;
    use crate::tui::testing::{fixture_users, loaded_state, step};

    fn on_selection(s: &State) -> bool {
        s.top_layer().is_some_and(|l| l.as_any().is::<Selection>())
    }

    #[test]
    fn the_menu_opens_over_the_pane_and_esc_comes_back_to_it_before_the_list() {
        let mut s = loaded_state(fixture_users(), 80, 24);
        step(&mut s, Command::ToggleSelect);
        step(&mut s, Command::Selection);
        assert!(on_selection(&s));
        step(&mut s, Command::Actions);
        assert!(
            s.top_layer()
                .is_some_and(|l| l.as_any().is::<crate::tui::screens::menu::ActionMenu>())
        );
        let effects = step(&mut s, Command::Back);
        assert!(on_selection(&s));
        assert!(!effects.contains(&Effect::FindInterrupted), "{effects:?}");
        let effects = step(&mut s, Command::Back);
        assert!(s.layers().find::<Selection>().is_none());
        assert!(effects.contains(&Effect::FindInterrupted), "{effects:?}");
    }

    #[test]
    fn space_unticks_in_place_and_the_row_stays_to_be_ticked_again() {
        let mut s = loaded_state(fixture_users(), 80, 24);
        step(&mut s, Command::ToggleSelect);
        step(&mut s, Command::ToggleSelect);
        step(&mut s, Command::Selection);
        step(&mut s, Command::ToggleSelect);
        assert_eq!(s.bulk.selected.len(), 1);
        step(&mut s, Command::Top);
        step(&mut s, Command::ToggleSelect);
        assert_eq!(s.bulk.selected.len(), 2);
        assert_eq!(s.layers().find::<Selection>().map(|p| p.ids.len()), Some(2));
    }
}
