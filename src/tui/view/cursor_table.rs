//! The one look of a list with a cursor, shared by every screen: the `▶` marker and the
//! theme's cursor style, so the row under the cursor stays visible without colour.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Block, HighlightSpacing, Row, Table, TableState};

use crate::tui::theme::Theme;

/// `rows` are the visible window only; `cursor` is the cursor's index among them.
pub struct CursorTable<'a, const N: usize> {
    pub header: [&'a str; N],
    pub widths: [Constraint; N],
    pub rows: Vec<Row<'a>>,
    pub block: Option<Block<'a>>,
    pub cursor: Option<usize>,
}

impl<const N: usize> CursorTable<'_, N> {
    pub fn render(self, t: &Theme, frame: &mut Frame, area: Rect) {
        let mut table = Table::new(self.rows, self.widths)
            .header(Row::new(self.header).style(t.table_header))
            .row_highlight_style(t.cursor)
            .highlight_symbol("▶ ")
            .highlight_spacing(HighlightSpacing::Always);
        if let Some(block) = self.block {
            table = table.block(block);
        }
        let mut state = TableState::default();
        state.select(self.cursor);
        frame.render_stateful_widget(table, area, &mut state);
    }
}
