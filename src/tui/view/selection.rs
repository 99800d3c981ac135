//! The selection pane: who is ticked (userName, name, workspaces), with untick in place.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Row};

use crate::tui::scroll::Scroll;
use crate::tui::state::State;
use crate::tui::view::cursor_table::CursorTable;
use crate::tui::view::users::window_start;

pub fn render(state: &State, ids: &[String], scroll: &Scroll, frame: &mut Frame, area: Rect) {
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
                    Cell::from(crate::tui::view::safe(&u.user_name)),
                    Cell::from(crate::tui::view::safe(&u.full_name())),
                    Cell::from(Line::from(u.workspaces.len().to_string()).right_aligned()),
                ]),
                None => Row::new([
                    Cell::from(sel),
                    Cell::from(crate::tui::view::safe(id)),
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
