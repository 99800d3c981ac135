//! What each searchable screen gives the search: its lines as the screen shows them, and how
//! it scrolls to one of them. The views highlight the same lines.

use crate::tui::bulk::Screen;
use crate::tui::find::FindOn;
use crate::tui::state::State;

/// The lines of screen `on` that hold `query`, matched on the text as drawn (made safe),
/// one per row it scrolls by.
pub fn matching(state: &State, on: FindOn, query: &str) -> Vec<usize> {
    use crate::tui::find::matching_lines;
    match on {
        FindOn::Help => {
            let rows = crate::tui::help_overlay::texts(state);
            matching_lines(rows.iter().map(String::as_str), query)
        }
        FindOn::Preview => match state.bulk.flow.last() {
            Some(Screen::Preview(p)) => {
                matching_lines(p.lines.iter().map(|l| l.text.as_str()), query)
            }
            _ => Vec::new(),
        },
        FindOn::History => match state.bulk.flow.last() {
            Some(Screen::History(h)) => {
                let runs = h.list.as_ref().map_or(&[][..], |l| &l.runs[..]);
                let rows: Vec<String> = runs.iter().map(history_row).collect();
                matching_lines(rows.iter().map(String::as_str), query)
            }
            _ => Vec::new(),
        },
        FindOn::Detail => {
            let rows = crate::tui::detail::texts(state);
            matching_lines(rows.iter().map(String::as_str), query)
        }
    }
}

/// A past run's row as searched: what its columns show, with the tenant and action whole.
pub fn history_row(r: &crate::batch::history::RunEntry) -> String {
    let s = &r.summary;
    [
        crate::tui::view::history::when(&r.started),
        crate::tui::text::safe(&s.action),
        crate::tui::text::safe(&r.tenant),
        r.state.as_str().to_string(),
        s.changed.to_string(),
        s.failed.to_string(),
        r.left().to_string(),
        crate::tui::text::safe(&r.id.chars().take(8).collect::<String>()),
    ]
    .join(" ")
}

/// Scrolls screen `on` so `line` is on screen (the preview and the history also move their
/// highlight to it).
pub fn scroll_to(state: &mut State, on: FindOn, line: usize) {
    let (width, height) = (state.width, state.height);
    let page = crate::tui::bulk::update::page(state);
    match on {
        FindOn::Help => crate::tui::help_overlay::scroll_to(state, line),
        FindOn::Preview => {
            if let Some(Screen::Preview(p)) = state.bulk.flow.last_mut() {
                let shown = p.list_height(width, height).max(1);
                let Some(item) = p.lines.get(line).map(|l| l.item) else {
                    return;
                };
                p.cursor = item;
                let header = p.item_line.get(item).copied().unwrap_or(line);
                // The user's header too, when the block fits.
                p.offset = if line - header < shown { header } else { line };
                p.offset = p.offset.min(p.lines.len().saturating_sub(shown));
            }
        }
        FindOn::History => {
            if let Some(Screen::History(h)) = state.bulk.flow.last_mut() {
                h.scroll.cursor = line.min(h.len().saturating_sub(1));
                h.scroll.keep_visible(page);
            }
        }
        FindOn::Detail => {
            let max = crate::tui::detail::content_rows(state)
                .saturating_sub(crate::tui::layout::detail_rows(height));
            state.view_mut().cursor = line.saturating_sub(1).min(max);
        }
    }
}
