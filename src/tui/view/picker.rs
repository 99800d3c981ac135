//! The keep-only workspace picker: every workspace known, with how many selected users have
//! it; marked ones are kept, the others removed.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Row};

use crate::plan::short_id;
use crate::tui::bulk::state::Picker;
use crate::tui::state::State;
use crate::tui::view::cursor_table::CursorTable;
use crate::tui::view::users::window_start;

pub fn render(state: &State, p: &Picker, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let height = area.height.saturating_sub(3).max(1) as usize;
    let len = p.entries.len();
    let start = window_start(p.scroll.cursor, p.scroll.offset, height, len);
    let end = (start + height).min(len);
    let rows: Vec<Row> = p.entries[start..end]
        .iter()
        .map(|e| {
            let keep = p.keep.contains(&e.id);
            let mark = if keep {
                Span::styled("[keep]", t.ticked)
            } else {
                Span::styled("[    ]", t.dim)
            };
            Row::new([
                Cell::from(mark),
                Cell::from(crate::tui::view::safe(&e.name)),
                Cell::from(short_id(&e.id)),
                Cell::from(Line::from(e.in_selection.to_string()).right_aligned()),
            ])
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(
            format!(
                " Keep only these workspaces: {} marked; the others are removed ",
                p.keep.len()
            ),
            t.title,
        ));
    CursorTable {
        header: ["Keep", "Workspace", "id", "users"],
        widths: [
            Constraint::Length(6),
            Constraint::Fill(3),
            Constraint::Length(10),
            Constraint::Length(6),
        ],
        rows,
        block: Some(block),
        cursor: (len > 0).then(|| p.scroll.cursor.min(len - 1) - start),
    }
    .render(t, frame, area);
}
