//! The review screen: a workspace's members, their last login and the mark of each.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Row};

use crate::plan::review::Decision;
use crate::tui::bulk::review_view::ReviewView;
use crate::tui::state::State;
use crate::tui::view::cursor_table::CursorTable;
use crate::tui::view::users::window_start;

pub fn render(state: &State, r: &ReviewView, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let height = area.height.saturating_sub(3).max(1) as usize;
    let len = r.members.len();
    let start = window_start(r.scroll.cursor, r.scroll.offset, height, len);
    let end = (start + height).min(len);
    let rows: Vec<Row> = r.members[start..end]
        .iter()
        .map(|u| {
            let mark = match r.mark(&u.id) {
                Some(Decision::Revoke) => Span::styled("revoke", t.danger),
                Some(Decision::Keep) => Span::styled("keep", t.ticked),
                _ => Span::styled("·", t.dim),
            };
            let login = match state.logins.get(&u.id) {
                Some(l) => l.relative(state.logins.read_at),
                None => "unavailable".to_string(),
            };
            Row::new([
                Cell::from(mark),
                Cell::from(crate::tui::view::safe(&u.user_name)),
                Cell::from(crate::tui::view::safe(&u.full_name())),
                Cell::from(if u.active { "yes" } else { "no" }),
                Cell::from(crate::tui::view::safe(&login)),
            ])
        })
        .collect();
    let name = if r.workspace.name.is_empty() {
        &r.workspace.id
    } else {
        &r.workspace.name
    };
    let title = format!(
        " Review {}: {} members, {} to revoke, {} undecided ",
        crate::tui::view::safe(name),
        len,
        r.revokes(),
        len - r.marks.len().min(len)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(title, t.title));
    CursorTable {
        header: ["Mark", "userName", "Name", "Active", "Last login"],
        widths: [
            Constraint::Length(6),
            Constraint::Fill(3),
            Constraint::Fill(2),
            Constraint::Length(6),
            Constraint::Length(14),
        ],
        rows,
        block: Some(block),
        cursor: (len > 0).then(|| r.scroll.cursor.min(len - 1) - start),
    }
    .render(t, frame, area);
}
