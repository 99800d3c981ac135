//! The help overlay, generated from the keymap for the mode under it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::layers::base_mode;
use crate::tui::state::State;
use crate::tui::view::centered;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let mode = base_mode(state);
    let rows = state.keymap.help_rows(mode);
    let key_w = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let line = |(k, d): &(String, &str)| {
        Line::from(vec![
            Span::styled(format!(" {k:>key_w$} "), t.key),
            Span::raw(d.to_string()),
        ])
    };
    let inner_h = area.height.saturating_sub(4) as usize;
    let two_cols = rows.len() > inner_h;
    let desc_w = rows
        .iter()
        .map(|(_, d)| d.chars().count())
        .max()
        .unwrap_or(0);
    let col_w = (key_w + 3 + desc_w) as u16;
    let width = if two_cols { col_w * 2 + 3 } else { col_w + 2 };
    let height = if two_cols {
        rows.len().div_ceil(2)
    } else {
        rows.len()
    } as u16
        + 2;
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(format!(" Keys: {} ", mode.name()), t.title))
        .title_bottom(Line::styled(" esc closes ", t.dim));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if two_cols {
        let half = rows.len().div_ceil(2);
        let [a, b] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(inner);
        let left: Vec<Line> = rows[..half].iter().map(line).collect();
        let right: Vec<Line> = rows[half..].iter().map(line).collect();
        frame.render_widget(Paragraph::new(left), a);
        frame.render_widget(Paragraph::new(right), b);
    } else {
        let lines: Vec<Line> = rows.iter().map(line).collect();
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
