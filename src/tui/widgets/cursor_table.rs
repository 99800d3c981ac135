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

/// The rows of a list that a bordered table with a header shows in an area: `start..end`
/// of `len`, with the cursor kept in view.
pub struct Window {
    pub start: usize,
    pub end: usize,
    pub len: usize,
    cursor: usize,
}

impl Window {
    pub fn new(cursor: usize, offset: usize, len: usize, area: Rect) -> Window {
        // Borders and the header row take three.
        let height = usize::from(area.height.saturating_sub(3)).max(1);
        let start = crate::tui::layout::window_start(cursor, offset, height, len);
        Window {
            start,
            end: (start + height).min(len),
            len,
            cursor,
        }
    }

    /// "3 of 120", or "no rows".
    pub fn position(&self) -> String {
        if self.len == 0 {
            "no rows".to_string()
        } else {
            format!("{} of {}", self.cursor + 1, self.len)
        }
    }

    /// The cursor's index among the rows shown.
    pub fn cursor_row(&self) -> Option<usize> {
        (self.len > 0).then(|| self.cursor.saturating_sub(self.start))
    }
}
