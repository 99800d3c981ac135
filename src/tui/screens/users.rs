//! The user list, and a workspace's members (the same list narrowed to one workspace): their
//! keys (move, tick, sort, the inactivity filter, open a user, copy an id) and their drawing,
//! with a user's detail beside the list on a wide terminal. Rows are built for the visible
//! window only, so 100,000 users scroll as fast as 100. Its rows are `State::visible`.

use crate::tui::text::safe;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row};

use tui_input::Input;

use crate::store::UserRef;
use crate::tui::bulk::state::{PathInput, PathPurpose};
use crate::tui::effect::Effect;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::screens::copy_id;
use crate::tui::select;
use crate::tui::state::{LoadState, State, ViewKind};
use crate::tui::widgets::cursor_table::{CursorTable, Window};

pub const MODE: Mode = Mode::keys(
    "list",
    &[
        Command::Open,
        Command::Filter,
        Command::Search,
        Command::ToggleSelect,
        Command::Actions,
        Command::Export,
        Command::Help,
        Command::Quit,
        Command::LoadCsv,
        Command::Selection,
        Command::Sort,
        Command::History,
    ],
);

/// The header's title: every user, or a workspace's members.
pub fn title(state: &State, kind: &ViewKind) -> String {
    match kind {
        ViewKind::Members { workspace_id } => {
            let name = state
                .list
                .workspaces
                .get(workspace_id)
                .map_or(workspace_id.as_str(), |w| w.name.as_str());
            format!("Users in {}", safe(name))
        }
        _ => "Users".into(),
    }
}

/// A key of a user list; `None` if it is one every view has.
pub fn on_command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    if let Some(delta) = command.movement(state.list_height()) {
        state.move_cursor(delta);
        return Some(Vec::new());
    }
    match command {
        Command::ToggleSelect => {
            if let Some(id) = state.current_user().map(|u| u.id.clone()) {
                state.bulk.toggle(id);
                state.move_cursor(1);
            }
        }
        Command::Sort => {
            state.sort = state.sort.next();
            state.rebuild_keeping_row();
            state.flash(format!("sorted by {}", state.sort.label()));
        }
        Command::InactivityFilter => {
            state.logins.next_filter();
            state.rebuild_keeping_row();
            let what = match state.logins.filter {
                Some(f) => format!("showing users with {}", f.label()),
                None => "inactivity filter off".into(),
            };
            state.flash(what);
        }
        Command::Open => {
            let Some(id) = state.current_user().map(|u| u.id.clone()) else {
                return Some(Vec::new());
            };
            return Some(crate::tui::screens::detail::open(state, id));
        }
        Command::CopyId => return Some(copy_id(state.current_user().map(|u| u.id))),
        _ => return None,
    }
    Some(Vec::new())
}

/// The keys that choose users for the bulk flow: ticks and ranges, a CSV to load. Reached from
/// any view, as before; the keymap offers them where a list of users is shown.
pub fn bulk_key(state: &mut State, action: Command) {
    match action {
        Command::VisualSelect => select::visual_toggle(state),
        Command::SelectAll => select::select_all_visible(state),
        Command::InvertSelection => select::invert_visible(state),
        Command::ClearSelection => select::clear(state),
        Command::LoadCsv => {
            state.ask_path(PathInput {
                purpose: PathPurpose::LoadCsv,
                input: Input::default(),
            });
        }
        _ => {}
    }
}

/// The list, and on a wide terminal the detail of the user under the cursor beside it.
pub fn draw(state: &State, frame: &mut Frame, body: Rect) {
    if !crate::tui::layout::split(frame.area().width) {
        render(state, frame, body);
        return;
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(body);
    render(state, frame, left);
    crate::tui::screens::detail::render_pane(
        state,
        state.current_user().as_ref(),
        None,
        0,
        frame,
        right,
    );
}

fn render(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let view = state.view();
    let len = state.visible().len();
    let w = Window::new(view.cursor, view.offset, len, area);
    let (start, end) = (w.start, w.end);
    let range = crate::tui::select::visual_range(state);
    // userName is what an operator reads and types: it gets the room it needs (up to half
    // the width) and externalId, then Name, are cut first.
    let longest = state.visible()[start..end]
        .iter()
        .filter_map(|&i| state.list.row(i))
        .map(|u| crate::untrusted::width(&safe(u.user_name())))
        .max()
        .unwrap_or(0);
    let name_w = longest.clamp(8, usize::from(area.width) / 2) as u16;
    let rows: Vec<Row> = state.visible()[start..end]
        .iter()
        .enumerate()
        .filter_map(|(k, &i)| state.list.row(i).map(|u| (start + k, u)))
        .map(|(pos, u)| user_row(state, u, crate::tui::select::in_visual(range, pos)))
        .collect();
    let empty_note = match (&state.list.load, len) {
        (LoadState::Loading, 0) => " loading… ",
        (_, 0) if !view.search.input.value().is_empty() => " no loaded user matches ",
        (LoadState::Done, 0) => " no users ",
        _ => "",
    };
    // "Who is in workspace X": say exactly how complete the answer is.
    let (note, note_style) = match &view.kind {
        ViewKind::Members { .. } if empty_note.is_empty() => {
            let c = crate::tui::screens::workspaces::completeness(state);
            (c.text, if c.complete { t.dim } else { t.error })
        }
        _ => (empty_note.to_string(), t.dim),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(" Users ", t.title))
        .title_bottom(Line::styled(note, note_style))
        .title(Line::from(format!(" {} ", w.position())).right_aligned());
    if state.logins.held.is_some() {
        // The last logins are in: a column of their own, externalId gives up the room.
        CursorTable {
            header: [
                "Sel",
                "userName",
                "Name",
                "Active",
                "WS",
                "Last login",
                "externalId",
            ],
            widths: [
                Constraint::Length(3),
                Constraint::Length(name_w),
                Constraint::Fill(2),
                Constraint::Length(6),
                Constraint::Length(4),
                Constraint::Length(10),
                Constraint::Fill(1),
            ],
            rows,
            block: Some(block),
            cursor: w.cursor_row(),
        }
        .render(t, frame, area);
        return;
    }
    CursorTable {
        header: ["Sel", "userName", "Name", "Active", "WS", "externalId"],
        widths: [
            Constraint::Length(3),
            Constraint::Length(name_w),
            Constraint::Fill(2),
            Constraint::Length(6),
            Constraint::Length(4),
            Constraint::Fill(1),
        ],
        rows,
        block: Some(block),
        cursor: w.cursor_row(),
    }
    .render(t, frame, area);
}

fn user_row<'a>(state: &'a State, u: UserRef<'a>, in_range: bool) -> Row<'a> {
    let t = &state.theme;
    let ticked = state.bulk.selected.contains(u.id());
    let sel = if in_range && !ticked {
        Span::styled("[v]", t.ticked)
    } else if ticked {
        Span::styled("[x]", t.ticked)
    } else {
        Span::styled("[ ]", t.dim)
    };
    let active = if u.active() {
        Span::styled("✓ yes", t.active)
    } else {
        Span::styled("✗ no", t.inactive)
    };
    let name = match (u.given_name(), u.family_name(), u.display_name()) {
        (None, None, None) => String::new(),
        _ => safe(&u.full_name()),
    };
    let mut cells = vec![
        Cell::from(sel),
        Cell::from(safe(u.user_name())),
        Cell::from(name),
        Cell::from(active),
        Cell::from(Line::from(u.workspace_count().to_string()).right_aligned()),
    ];
    if state.logins.held.is_some() {
        cells.push(Cell::from(state.logins.cell(u.id())));
    }
    cells.push(Cell::from(safe(u.external_id().unwrap_or(""))));
    Row::new(cells)
}
