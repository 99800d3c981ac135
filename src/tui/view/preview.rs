//! The plan preview: totals, then every user's before → after. Every workspace lost is
//! marked `-` in the danger style and with the word "removed", so it shows without colour.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::bulk::state::{LineKind, Preview};
use crate::tui::state::State;
use crate::tui::view::users::window_start;

// Long because a screen laid out line by line, top to bottom.
pub fn render(state: &State, p: &Preview, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(
            format!(" Preview: {} ", p.intent.label()),
            t.title,
        ))
        .title(
            Line::from(format!(" user {} of {} ", p.cursor + 1, p.item_line.len())).right_aligned(),
        );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width.max(1) as usize;
    let notes_h: usize = p
        .notes
        .iter()
        .map(|n| (n.chars().count() + 1).div_ceil(w).max(1))
        .sum();
    let top_h = 3 + notes_h as u16;
    let [top, list] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(1)]).areas(inner);
    let tot = &p.totals;
    let n = |label: &str, v: usize| {
        vec![
            Span::styled(format!("{label} "), t.dim),
            Span::styled(v.to_string(), t.title),
            Span::raw("  "),
        ]
    };
    let mut counts = vec![Span::raw(" ")];
    counts.extend(n("to change", tot.to_change));
    counts.extend(n("no-op", tot.no_op));
    counts.extend(n("protected", tot.protected));
    counts.extend(n("not found", tot.not_found));
    counts.extend(n("requests", tot.requests));
    let mut lines = vec![
        Line::from(format!(
            " tenant {}",
            crate::tui::view::safe(&p.plan.tenant)
        )),
        Line::from(counts),
    ];
    for note in &p.notes {
        lines.push(Line::styled(format!(" {note}"), t.danger));
    }
    lines.push(Line::styled(
        " Nothing has been sent. Users are re-read just before each change.",
        t.dim,
    ));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);

    let height = list.height.max(1) as usize;
    let len = p.lines.len();
    let cursor_line = p.item_line.get(p.cursor).copied().unwrap_or(0);
    let start = window_start(cursor_line, p.offset, height, len);
    let end = (start + height).min(len);
    let shown: Vec<Line> = p.lines[start..end]
        .iter()
        .map(|l| {
            let here = l.item == p.cursor;
            match l.kind {
                LineKind::Header => {
                    let marker = if here { "▶ " } else { "  " };
                    let style = if here { t.cursor } else { t.title };
                    Line::from(vec![Span::raw(marker), Span::styled(l.text.clone(), style)])
                }
                LineKind::Lost => Line::from(vec![
                    Span::raw("    "),
                    Span::styled(l.text.clone(), t.danger),
                    Span::styled("  removed", t.danger),
                ]),
                LineKind::Gained => Line::from(vec![
                    Span::raw("    "),
                    Span::styled(l.text.clone(), t.active),
                    Span::styled("  restored", t.active),
                ]),
                LineKind::Warn => Line::from(vec![
                    Span::raw("    "),
                    Span::styled(l.text.clone(), t.error),
                ]),
                LineKind::Info => Line::from(format!("    {}", l.text)),
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(shown), list);
}
