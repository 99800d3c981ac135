//! The help overlay, generated from the keymap for the mode under it. Its rows wrap to the
//! terminal (help_overlay.rs lays them out) and scroll when they do not fit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::find::{self, FindOn};
use crate::tui::help_overlay;
use crate::tui::layers::base_mode;
use crate::tui::state::State;
use crate::tui::view::centered;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let mode = base_mode(state);
    let (width, shown) = help_overlay::geometry(state);
    let rows = help_overlay::layout(state, width);
    let key_w = help_overlay::key_width(state);
    let first = help_overlay::first_row(state);
    let below = rows.len().saturating_sub(first + shown);
    let found = state.found(FindOn::Help);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(first)
        .take(shown)
        .map(|(i, r)| {
            let line = Line::from(vec![
                Span::styled(format!(" {:>key_w$} ", r.keys), t.key),
                Span::raw(r.text.clone()),
            ]);
            match &found {
                Some((q, current)) => {
                    find::highlight(line, q, find::match_style(t, *current == Some(i)))
                }
                None => line,
            }
        })
        .collect();
    let rect = centered(area, width, shown as u16 + 2);
    frame.render_widget(Clear, rect);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(format!(" Keys: {} ", mode.name()), t.title))
        .title_bottom(Line::styled(" / search  esc closes ", t.dim));
    if first > 0 {
        block = block.title(Line::styled(format!(" ↑ {first} more "), t.key).right_aligned());
    }
    if below > 0 {
        block = block.title_bottom(
            Line::styled(format!(" ↓ {below} more (j, pgdn, G) "), t.key).right_aligned(),
        );
    }
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
