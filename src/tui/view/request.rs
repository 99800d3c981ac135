//! The exact request(s) of the highlighted user: method, path and pretty JSON body, as the
//! batch runner will send them (after re-reading the user).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::plan::Outcome;
use crate::tui::bulk::state::Preview;
use crate::tui::state::State;
use crate::tui::view::centered;

/// The text lines of the request view (also used to bound scrolling).
pub fn request_lines(p: &Preview) -> Vec<String> {
    let Some(item) = p.plan.items.get(p.cursor) else {
        return Vec::new();
    };
    let mut out = vec![
        format!(
            "{} ({})",
            crate::tui::view::safe(&item.user_name),
            crate::tui::view::safe(&item.user_id)
        ),
        String::new(),
    ];
    if item.requests.is_empty() {
        let why = match &item.outcome {
            Outcome::NoOp => "no request: the user is already in the target state".to_string(),
            Outcome::Protected { reason } => {
                format!("no request: protected ({})", crate::tui::view::safe(reason))
            }
            Outcome::NotFound => "no request: the user was not found".to_string(),
            Outcome::Change => "no request".to_string(),
        };
        out.push(why);
        return out;
    }
    let n = item.requests.len();
    for (i, r) in item.requests.iter().enumerate() {
        if n > 1 {
            out.push(format!("request {} of {n}", i + 1));
        }
        out.push(format!(
            "PATCH /Users/{}",
            crate::tui::view::safe(&item.user_id)
        ));
        out.push("Content-Type: application/scim+json".to_string());
        out.push(String::new());
        let body = serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("({e})"));
        out.extend(body.lines().map(str::to_string));
        out.push(String::new());
    }
    out
}

pub fn render(state: &State, p: &Preview, scroll: usize, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let width = 78.min(area.width);
    let rect = centered(area, width, area.height);
    frame.render_widget(Clear, rect);
    let lines = request_lines(p);
    let height = rect.height.saturating_sub(2) as usize;
    let start = scroll.min(lines.len().saturating_sub(height));
    let shown: Vec<Line> = lines
        .iter()
        .skip(start)
        .take(height)
        .map(|l| {
            if l.starts_with("PATCH ") {
                Line::styled(l.clone(), t.title)
            } else {
                Line::from(l.clone())
            }
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(" Exact request ", t.title))
        .title_bottom(Line::styled(" j/k scroll · esc back ", t.dim));
    frame.render_widget(Paragraph::new(shown).block(block), rect);
}
