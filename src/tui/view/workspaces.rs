//! Every workspace seen in loaded users' entitlements (plus the integration API's list when
//! it answered), with its number of users: "who is in workspace X".

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Row};

use crate::tui::state::State;
use crate::tui::view::cursor_table::{CursorTable, Window};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let view = state.view();
    let w = Window::new(view.cursor, view.offset, state.visible().len(), area);
    let rows: Vec<Row> = state.visible()[w.start..w.end]
        .iter()
        .filter_map(|&i| state.list.workspace_order.get(i))
        .filter_map(|id| state.list.workspaces.get(id))
        .map(|e| {
            Row::new([
                Cell::from(crate::tui::view::safe(&e.name)),
                Cell::from(crate::tui::view::safe(&e.id)),
                Cell::from(Line::from(e.users.to_string()).right_aligned()),
            ])
        })
        .collect();
    let sources = completeness(state);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(" Workspaces ", t.title))
        .title(Line::from(format!(" {} ", w.position())).right_aligned())
        .title_bottom(Line::styled(
            sources.text,
            if sources.complete { t.dim } else { t.error },
        ));
    CursorTable {
        header: ["Workspace", "Id", "Users"],
        widths: [
            Constraint::Fill(3),
            Constraint::Fill(2),
            Constraint::Length(7),
        ],
        rows,
        block: Some(block),
        cursor: w.cursor_row(),
    }
    .render(t, frame, area);
}

/// How complete the counts are, said exactly.
pub struct Completeness {
    pub text: String,
    /// Every user of the tenant is counted.
    pub complete: bool,
}

/// Counts are complete only when the whole tenant is loaded with no filter; otherwise the
/// footer says how many users they come from and which filter is in force.
pub fn completeness(state: &State) -> Completeness {
    let loaded = state.list.len();
    let total = state
        .list
        .total
        .map_or_else(|| "?".to_string(), |t| t.to_string());
    let done = state.list.load == crate::tui::state::LoadState::Done;
    match &state.filter.applied {
        Some(f) => Completeness {
            text: format!(
                " {loaded} of {total} users matching filter `{}` loaded: not the whole tenant (esc on the list clears it) ",
                crate::tui::view::safe(&f.text)
            ),
            complete: false,
        },
        // The cache held every user at its time: a whole answer at once, dated.
        None if state.list.cached.is_some() => Completeness {
            text: format!(
                " all {loaded} users counted, as cached {}; refreshing ",
                state.list.cached.as_ref().map_or("", |c| c.age.as_str())
            ),
            complete: true,
        },
        None if !done => Completeness {
            text: format!(" {loaded} of {total} users loaded: counts grow as the rest load "),
            complete: false,
        },
        None => Completeness {
            text: format!(" all {loaded} users counted "),
            complete: true,
        },
    }
}
