//! The end of a run: the counts from the journal, where the journal and the reports are,
//! the failures, and what can be done next (undo, resume).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::bulk::RunView;
use crate::tui::state::State;
use crate::tui::view::progress::render_failures;

pub fn render(state: &State, run: &RunView, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let cancelled = run
        .progress
        .as_ref()
        .and_then(|p| p.ended)
        .is_some_and(|(_, c)| c);
    let title = match (&run.summary, cancelled || run.stopped.is_some()) {
        (Some(Err(_)), _) => format!(" Run failed: {} ", run.label),
        (_, true) => format!(" Stopped: {} ", run.label),
        _ => format!(" Finished: {} ", run.label),
    };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(title, t.title));
    if let Some(id) = &run.batch_id {
        block = block.title(Line::from(format!(" batch {id} ")).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = vec![Line::from(vec![
        Span::styled(" tenant ", t.dim),
        Span::raw(crate::tui::view::safe(&run.tenant)),
    ])];
    let mut follow_up = false;
    match &run.summary {
        Some(Ok(s)) => {
            let n = |label: &str, v: usize, bad: bool| {
                vec![
                    Span::styled(format!("{label} "), t.dim),
                    Span::styled(v.to_string(), if bad && v > 0 { t.error } else { t.title }),
                    Span::raw("  "),
                ]
            };
            let mut a = vec![Span::raw(" ")];
            a.extend(n("changed", s.changed, false));
            a.extend(n("no-op", s.no_op, false));
            a.extend(n("failed", s.failed, true));
            a.extend(n("protected", s.protected, false));
            let mut b = vec![Span::raw(" ")];
            b.extend(n("not found", s.not_found, true));
            b.extend(n("unknown", s.unknown, true));
            b.extend(n("not started", s.not_started, true));
            lines.push(Line::from(a));
            lines.push(Line::from(b));
            if let Some(input) = &run.input {
                let mut c = vec![Span::styled(" input ", t.dim)];
                c.extend(n("rows", input.rows, false));
                c.extend(n("malformed", input.malformed, true));
                c.extend(n("duplicates", input.duplicates, true));
                c.extend(n("not found", input.not_found.len(), true));
                lines.push(Line::from(c));
            }
            let w = usize::from(inner.width);
            lines.extend(path_lines(t, "journal", &s.journal, w));
            if let Some(csv) = &s.report_csv {
                lines.extend(path_lines(t, "report ", csv, w));
            }
            if let Some(json) = &s.report_json {
                lines.extend(path_lines(t, "       ", json, w));
            }
            follow_up = true;
            if s.failed + s.unknown + s.not_started > 0 {
                lines.push(Line::styled(
                    " Some users are not done: R resumes the run and retries the failures.",
                    t.error,
                ));
            }
        }
        Some(Err(e)) => lines.push(Line::styled(format!(" ✗ {e}"), t.error)),
        None => {}
    }
    if let Some(why) = &run.stopped {
        lines.push(Line::styled(format!(" stopped early: {why}"), t.error));
    }
    lines.push(Line::from(""));
    if follow_up && !state.read_only {
        lines.push(Line::from(vec![
            Span::styled(" u", t.key),
            Span::raw(" undo plan   "),
            Span::styled("R", t.key),
            Span::raw(" resume / retry failures   "),
            Span::styled("esc", t.key),
            Span::raw(" back to the list"),
        ]));
    }
    // Paths wrap at 80 columns: size the area by wrapped rows, or its last lines (the
    // follow-up keys) would fall under the failures list.
    let top_h = wrapped_rows(&lines, inner.width).min(inner.height);
    let [top, rest] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
    if let Some(p) = &run.progress
        && rest.height > 1
    {
        render_failures(t, p, run.failures_scroll, frame, rest);
    }
}

/// A label and a path, on one row when it fits, else the path alone on rows cut to the
/// width: every row stays whole, so the area's height is exact and the path complete.
fn path_lines(t: &crate::tui::Theme, label: &str, path: &str, width: usize) -> Vec<Line<'static>> {
    let one = format!(" {label} {path}");
    if one.chars().count() <= width {
        return vec![Line::from(vec![
            Span::styled(format!(" {label} "), t.dim),
            Span::raw(path.to_string()),
        ])];
    }
    let mut out = vec![Line::styled(format!(" {}", label.trim_end()), t.dim)];
    let chars: Vec<char> = path.chars().collect();
    for chunk in chars.chunks(width.saturating_sub(1).max(1)) {
        out.push(Line::raw(format!(" {}", chunk.iter().collect::<String>())));
    }
    out
}

/// Rows the lines take when wrapped to `width`: prose may wrap; paths never do (see
/// `path_lines`).
fn wrapped_rows(lines: &[Line], width: u16) -> u16 {
    let w = usize::from(width.max(1));
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(w).max(1)).sum();
    u16::try_from(rows).unwrap_or(u16::MAX)
}
