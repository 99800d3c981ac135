//! The search bar over the status row while a screen is searched (`/`): the query, which
//! match of how many, and the keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::tui::find::Find;
use crate::tui::msg::Command;
use crate::tui::state::State;

pub fn render(state: &State, f: &Find, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let query = f.query();
    let (at, of) = crate::tui::find::position(f);
    let count = match (query.is_empty(), of) {
        (true, _) => String::new(),
        (false, 0) => "  no match".to_string(),
        (false, n) => format!("  {at} of {n}"),
    };
    let keys = |a: Command| {
        state
            .keymap
            .keys_for(crate::tui::screens::mode(state), &a)
            .first()
            .map_or_else(String::new, ToString::to_string)
    };
    let help = if f.editing {
        "  enter keeps  esc clears".to_string()
    } else {
        format!(
            "  {} next  {} previous  esc clears",
            keys(Command::FindNext),
            keys(Command::FindPrevious)
        )
    };
    let width = usize::from(area.width).saturating_sub(1);
    let room = width
        .saturating_sub(count.chars().count() + help.chars().count())
        .max(8);
    let scroll = f.input.visual_scroll(room);
    let shown: String = query.chars().skip(scroll).take(room).collect();
    let line = Line::from(vec![
        Span::styled("/", t.key),
        Span::raw(shown),
        Span::styled(count, if of == 0 { t.error } else { t.title }),
        Span::styled(help, t.dim),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    if f.editing {
        let x = (f.input.visual_cursor().saturating_sub(scroll) + 1) as u16;
        frame.set_cursor_position((area.x + x.min(area.width.saturating_sub(1)), area.y));
    }
}
