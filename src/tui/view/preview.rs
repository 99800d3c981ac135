//! The plan preview: totals, then every user's before → after. Every workspace lost is
//! marked `-` in the danger style and with the word "removed", so it shows without colour.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::bulk::state::{LineKind, Preview};
use crate::tui::state::State;

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
    let top_h = p.top_rows(inner.width, inner.height);
    let [top, list] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(1)]).areas(inner);
    // Laid out by the preview itself, so the reducer knows how many rows are left.
    let mut lines = vec![Line::from(format!(
        " tenant {}",
        crate::tui::view::safe(&p.plan.tenant)
    ))];
    for row in p.count_rows(inner.width) {
        let mut counts = vec![Span::raw(" ")];
        for (label, v) in row {
            counts.push(Span::styled(format!("{label} "), t.dim));
            counts.push(Span::styled(v.to_string(), t.title));
            counts.push(Span::raw("  "));
        }
        lines.push(Line::from(counts));
    }
    for note in p.note_rows(inner.width) {
        lines.push(Line::styled(format!(" {note}"), t.danger));
    }
    for row in Preview::nothing_sent_rows(inner.width) {
        lines.push(Line::styled(format!(" {row}"), t.dim));
    }
    frame.render_widget(Paragraph::new(lines), top);

    let height = list.height.max(1) as usize;
    let len = p.lines.len();
    // The reducer scrolls with the same height (Preview::list_height), so the offset is used
    // as it is: a tall block may show its end without its header.
    let start = p.offset.min(len.saturating_sub(height));
    let end = (start + height).min(len);
    let found = crate::tui::layers::shown(state, crate::tui::find::FindOn::Preview);
    let shown: Vec<Line> = p.lines[start..end]
        .iter()
        .enumerate()
        .map(|(j, l)| {
            let here = l.item == p.cursor;
            let line = match l.kind {
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
            };
            match &found {
                Some((q, current)) => crate::tui::find::highlight(
                    line,
                    q,
                    crate::tui::find::match_style(t, *current == Some(start + j)),
                ),
                None => line,
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(shown), list);
}
