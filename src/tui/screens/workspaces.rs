//! Every workspace seen in loaded users' entitlements (plus the integration API's list when
//! it answered), with its number of users: "who is in workspace X". Its keys (move, open a
//! workspace's members, copy its id), the integration API's list as it arrives, and its
//! drawing. Its rows are `State::visible` (indices into the workspaces sorted by name).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Row};

use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::state::{Popup, State, View, ViewKind};
use crate::tui::widgets::cursor_table::{CursorTable, Window};

pub const MODE: Mode = Mode::keys(
    "workspaces",
    &[
        Command::Open,
        Command::Review,
        Command::CopyId,
        Command::Search,
        Command::Back,
        Command::Help,
        Command::Quit,
    ],
);

pub const TITLE: &str = "Workspaces";

/// Opens the workspaces over the view, unless they are on top already.
pub fn open(state: &mut State) {
    if state.view().kind != ViewKind::Workspaces {
        state.push_view(View::new(ViewKind::Workspaces));
    }
}

/// A key of the workspaces; `None` if it is one every view has.
pub fn on_command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    if let Some(delta) = command.movement(state.list_height()) {
        state.move_cursor(delta);
        return Some(Vec::new());
    }
    let id = state.current_workspace().map(|w| w.id.clone());
    match command {
        // Who is in it.
        Command::Open => {
            if let Some(id) = id {
                state.push_view(View::new(ViewKind::Members { workspace_id: id }));
            }
            Some(Vec::new())
        }
        // The column cuts the id at 80 columns, so a popup shows it whole.
        Command::CopyId => {
            if let Some(id) = &id {
                state.push_popup(Popup::Path {
                    title: "Workspace id".into(),
                    path: id.clone(),
                });
            }
            Some(crate::tui::screens::copy_id(id))
        }
        _ => None,
    }
}

/// The integration API's workspace list came: workspaces no loaded user has join the view.
pub fn listed(state: &mut State, result: Result<Vec<crate::scim::client::WorkspaceInfo>, Failure>) {
    match result {
        Ok(list) => {
            state.list.workspace_list_ok = Some(true);
            for w in list {
                let e = state
                    .list
                    .workspaces
                    .entry(w.id.clone())
                    .or_insert_with(|| crate::tui::state::WorkspaceEntry {
                        id: w.id.clone(),
                        name: w.name.clone(),
                        users: 0,
                        listed: true,
                    });
                e.listed = true;
                if e.name == e.id && !w.name.is_empty() {
                    e.name = w.name;
                }
            }
            state.sort_workspaces();
            if state.view().kind == ViewKind::Workspaces {
                state.rebuild_visible();
            }
        }
        Err(e) => {
            // Only a lesser source: the view still has every workspace of loaded users.
            tracing::info!("workspace list unavailable: {e}");
            state.list.workspace_list_ok = Some(false);
        }
    }
}

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
                Cell::from(crate::tui::text::safe(&e.name)),
                Cell::from(crate::tui::text::safe(&e.id)),
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
                crate::tui::text::safe(&f.text)
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
