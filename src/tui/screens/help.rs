//! The help overlay's rows, laid out once for both sides: the view draws them and the
//! reducer scrolls them. Keys and descriptions wrap to the width (nothing is cut at 80 or 60
//! columns); a list taller than the screen scrolls with the usual moves.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::find::{self, FindOn};
use crate::tui::msg::Command;
use crate::tui::screens::base_mode;
use crate::tui::state::State;
use crate::tui::widgets::centered;

/// Widest key column, in characters; longer key lists wrap inside it.
const KEY_MAX: usize = 24;

/// One row of the overlay: the keys (empty on a continuation row) and the description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRow {
    pub keys: String,
    pub text: String,
}

/// The overlay's box on a `width` x `height` terminal: its outer width and the rows it shows.
pub fn geometry(state: &State) -> (u16, usize) {
    let (rows, key_w) = entries(state);
    let widest = rows
        .iter()
        .map(|(_, d)| key_w + 3 + d.chars().count())
        .max()
        .unwrap_or(0);
    let width = (widest as u16 + 2)
        .min(state.width.saturating_sub(4))
        .max(20);
    let rows = layout(state, width).len();
    let shown = usize::from(state.height.saturating_sub(4))
        .max(1)
        .min(rows.max(1));
    (width, shown)
}

/// The keymap's rows for the mode under the overlay, and the key column's width.
fn entries(state: &State) -> (Vec<(String, &'static str)>, usize) {
    let rows = state.keymap.help_rows(base_mode(state));
    let key_w = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .min(KEY_MAX);
    (rows, key_w)
}

/// Every row at the overlay's outer `width`, wrapped.
pub fn layout(state: &State, width: u16) -> Vec<HelpRow> {
    let (rows, key_w) = entries(state);
    let inner = usize::from(width.saturating_sub(2));
    let desc_w = inner.saturating_sub(key_w + 3).max(10);
    let mut out = Vec::new();
    for (keys, desc) in rows {
        let keys = crate::tui::text::wrap(&keys, key_w);
        let text = crate::tui::text::wrap(desc, desc_w);
        for i in 0..keys.len().max(text.len()) {
            out.push(HelpRow {
                keys: keys.get(i).cloned().unwrap_or_default(),
                text: text.get(i).cloned().unwrap_or_default(),
            });
        }
    }
    out
}

/// The key column's width (for the view).
pub fn key_width(state: &State) -> usize {
    entries(state).1
}

/// The rows as text, for the search.
pub fn texts(state: &State) -> Vec<String> {
    let (width, _) = geometry(state);
    layout(state, width)
        .into_iter()
        .map(|r| format!("{} {}", r.keys, r.text))
        .collect()
}

/// The first row shown, kept within the last full page.
pub fn first_row(state: &State) -> usize {
    let (width, shown) = geometry(state);
    let len = layout(state, width).len();
    state.help_scroll.min(len.saturating_sub(shown))
}

/// Shows row `row` (a match), near the top of the box.
pub fn scroll_to(state: &mut State, row: usize) {
    state.help_scroll = row;
    state.help_scroll = first_row(state);
}

/// Moves while the overlay is up; `None` leaves the key to the popup.
pub fn on_key(state: &mut State, action: Command) -> Option<Vec<crate::tui::effect::Effect>> {
    let (_, shown) = geometry(state);
    let delta = action.movement(shown)?;
    let from = first_row(state);
    state.help_scroll = (from as isize).saturating_add(delta).max(0) as usize;
    state.help_scroll = first_row(state);
    Some(Vec::new())
}

// Drawing (was view/help.rs).

pub(crate) fn render(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let mode = base_mode(state);
    let (width, shown) = geometry(state);
    let rows = layout(state, width);
    let key_w = key_width(state);
    let first = first_row(state);
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
