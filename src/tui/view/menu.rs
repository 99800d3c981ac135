//! The action menu for the selection.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::bulk::state::MENU;
use crate::tui::state::State;
use crate::tui::view::centered;

/// `only`: the menu is for this user alone (opened from the detail view).
pub fn render(state: &State, cursor: usize, only: Option<&str>, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let width = 64.min(area.width);
    let height = (MENU.len() as u16 * 2 + 4).min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(
            match only {
                Some(id) => {
                    let user = state.selected_user(id);
                    let name = user.as_ref().map_or(id, |u| u.user_name.as_str());
                    format!(" Action for {} ", crate::tui::view::safe(name))
                }
                None => format!(" Action for {} selected users ", state.bulk.selected.len()),
            },
            t.title,
        ))
        .title_bottom(Line::styled(
            " 1-5 choose · nothing is sent before the preview and confirmation ",
            t.dim,
        ));
    let mut lines = Vec::new();
    for (i, item) in MENU.iter().enumerate() {
        let here = i == cursor;
        let marker = if here { "▶ " } else { "  " };
        let style = if here { t.cursor } else { t.header };
        lines.push(Line::from(vec![
            Span::raw(marker),
            Span::styled(format!("{}. {}", i + 1, item.label()), style),
        ]));
        lines.push(Line::styled(format!("     {}", item.note()), t.dim));
    }
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
