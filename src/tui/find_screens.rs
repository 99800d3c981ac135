//! The search's keys (`/`, typing, n/N, Esc) and what each searchable screen gives it: its
//! lines as the screen shows them, and how it scrolls to one of them. The views highlight the
//! same lines; which search is live is `layers.rs`'s.

use crate::tui::bulk::state::{HistoryView, Preview};
use crate::tui::find::{Find, FindOn, step};
use crate::tui::layers::{base_target, editing, live, target};
use crate::tui::msg::Command;
use crate::tui::state::State;

/// The lines of screen `on` that hold `query`, matched on the text as drawn (made safe),
/// one per row it scrolls by.
pub fn matching(state: &State, on: FindOn, query: &str) -> Vec<usize> {
    use crate::tui::find::matching_lines;
    match on {
        FindOn::Help => {
            let rows = crate::tui::screens::help::texts(state);
            matching_lines(rows.iter().map(String::as_str), query)
        }
        FindOn::Preview => match state.layers().top_flow::<Preview>() {
            Some(p) => matching_lines(p.lines.iter().map(|l| l.text.as_str()), query),
            _ => Vec::new(),
        },
        FindOn::History => match state.layers().top_flow::<HistoryView>() {
            Some(h) => {
                let runs = h.list.as_ref().map_or(&[][..], |l| &l.runs[..]);
                let rows: Vec<String> = runs.iter().map(history_row).collect();
                matching_lines(rows.iter().map(String::as_str), query)
            }
            _ => Vec::new(),
        },
        FindOn::Detail => {
            let rows = crate::tui::screens::detail::texts(state);
            matching_lines(rows.iter().map(String::as_str), query)
        }
    }
}

/// A past run's row as searched: what its columns show, with the tenant and action whole.
pub fn history_row(r: &crate::batch::history::RunEntry) -> String {
    let s = &r.summary;
    [
        crate::tui::text::when(&r.started),
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
    let page = crate::tui::layout::flow_rows(state.height);
    match on {
        FindOn::Help => crate::tui::screens::help::scroll_to(state, line),
        FindOn::Preview => {
            if let Some(p) = state.layers_mut().top_flow_mut::<Preview>() {
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
            if let Some(h) = state.layers_mut().top_flow_mut::<HistoryView>() {
                h.scroll.cursor = line.min(h.len().saturating_sub(1));
                h.scroll.keep_visible(page);
            }
        }
        FindOn::Detail => {
            let max = crate::tui::screens::detail::content_rows(state)
                .saturating_sub(crate::tui::layout::detail_rows(height));
            state.view_mut().cursor = line.saturating_sub(1).min(max);
        }
    }
}

/// A search whose screen has gone (left, closed, replaced) is dropped; one under a popup
/// stays.
pub fn forget_gone(state: &mut State) {
    if let Some(f) = &state.find
        && Some(f.on) != target(state)
        && Some(f.on) != base_target(state)
    {
        state.find = None;
    }
}

/// Finds the matches again after news that can change a screen's lines (the history read
/// again, the user fetched, a resize that wraps the help anew). The preview's lines never
/// change once built, and it can be large: it is left alone.
pub fn refresh(state: &mut State) {
    let Some(f) = &state.find else {
        return;
    };
    if f.on == FindOn::Preview || f.query().is_empty() {
        return;
    }
    let matches = matching(state, f.on, &f.query());
    if let Some(f) = &mut state.find {
        f.current = f.current.filter(|c| matches.contains(c));
        f.matches = matches;
    }
}

/// Keys of the search; `None` leaves the key to the screen.
pub fn on_key(state: &mut State, action: Command) -> Option<Vec<crate::tui::effect::Effect>> {
    let on = target(state)?;
    if editing(state) {
        return match action {
            Command::Apply => {
                if let Some(f) = &mut state.find {
                    f.editing = false;
                }
                if state.find.as_ref().is_some_and(|f| f.query().is_empty()) {
                    state.find = None;
                }
                Some(Vec::new())
            }
            Command::Back => {
                state.find = None;
                Some(Vec::new())
            }
            Command::Quit | Command::Up | Command::Down | Command::PageUp | Command::PageDown => {
                None
            }
            _ => Some(Vec::new()),
        };
    }
    let live = live(state).is_some();
    match action {
        Command::Search => {
            match &mut state.find {
                Some(f) if f.on == on => f.editing = true,
                _ => state.find = Some(Find::new(on)),
            }
            Some(Vec::new())
        }
        Command::FindNext | Command::FindPrevious if live => {
            go(state, on, action == Command::FindNext);
            Some(Vec::new())
        }
        Command::FindNext | Command::FindPrevious => {
            state.flash("/ searches this screen; then n and N go to the next and previous match");
            Some(Vec::new())
        }
        Command::Back if live => {
            state.find = None;
            Some(Vec::new())
        }
        _ => None,
    }
}

/// An editing key in the query: the view jumps to the first match.
pub fn edit(state: &mut State, req: tui_input::InputRequest) {
    let Some(f) = &mut state.find else {
        return;
    };
    if let tui_input::InputRequest::InsertChar(c) = req
        && crate::untrusted::is_hidden(c)
    {
        return;
    }
    f.input.handle(req);
    f.current = None;
    f.matches.clear();
    let on = f.on;
    if !f.query().is_empty() {
        go(state, on, true);
    }
}

/// Moves to the next (or previous) match and scrolls the screen to it.
fn go(state: &mut State, on: FindOn, forward: bool) {
    let Some(f) = &state.find else {
        return;
    };
    let query = f.query();
    let from = f.current;
    let matches = matching(state, on, &query);
    let found = step(&matches, from, forward);
    if let Some(f) = &mut state.find {
        f.matches = matches;
    }
    let Some(line) = found else {
        state.flash(format!(
            "no match for {}",
            crate::untrusted::clip(&query, 40)
        ));
        return;
    };
    if let Some(f) = &mut state.find {
        f.current = Some(line);
    }
    crate::tui::find_screens::scroll_to(state, on, line);
}
