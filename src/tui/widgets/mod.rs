//! What several screens draw with: a table with a cursor (`cursor_table.rs`), file paths cut
//! to fit (`paths.rs`), a centred box, a text progress bar, the status bar's key hints.

pub(crate) mod cursor_table;
pub mod paths;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::state::{Popup, State};

/// Centered rectangle of at most `w` x `h` inside `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// `▕████░░░░░░▏`: `done` of `total` in `cells` cells.
pub fn text_bar(done: usize, total: usize, cells: usize) -> String {
    let filled = (done.min(total) * cells).checked_div(total).unwrap_or(0);
    format!("▕{}{}▏", "█".repeat(filled), "░".repeat(cells - filled))
}

/// Status bar hints, generated from the keymap for the current mode.
/// Hints that do not fit in `width` are left out rather than cut.
pub fn hint_line(state: &State, mode: Mode, width: u16) -> Line<'static> {
    let t = &state.theme;
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    let hints: &[Command] = match state.popup() {
        Some(Popup::ConfirmQuit | Popup::ConfirmStop | Popup::ConfirmOverwrite { .. }) | None => {
            mode.hints()
        }
        Some(_) => &[Command::Back],
    };
    for action in hints {
        if state.read_only && Mode::mutating(action) {
            continue;
        }
        let keys = state.keymap.keys_for(mode, action);
        let Some(key) = keys.first() else {
            continue;
        };
        let key = key.to_string();
        let label = format!(" {}  ", action.label());
        used += key.chars().count() + label.chars().count();
        if used > width as usize + 2 {
            break;
        }
        spans.push(Span::styled(key, t.key));
        spans.push(Span::raw(label));
    }
    Line::from(spans)
}
