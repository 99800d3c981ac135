//! The file path input (load a CSV, save a report or a plan).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::bulk::state::PathInput;
use crate::tui::state::State;

pub fn render(state: &State, pi: &PathInput, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let height = 4.min(body.height);
    let rect = Rect::new(body.x, body.y + body.height - height, body.width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(format!(" {} ", pi.purpose.title()), t.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let width = inner.width.saturating_sub(2) as usize;
    let scroll = pi.input.visual_scroll(width);
    let shown: String = pi.input.value().chars().skip(scroll).collect();
    let lines = vec![
        Line::from(vec![Span::styled("> ", t.key), Span::raw(shown)]),
        Line::styled("  a file path; ~ is your home directory", t.dim),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
    if state.popups().is_empty() {
        let x = (pi.input.visual_cursor().saturating_sub(scroll) + 2) as u16;
        frame.set_cursor_position((inner.x + x.min(inner.width.saturating_sub(1)), inner.y));
    }
}
