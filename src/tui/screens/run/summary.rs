//! The end of a run: the counts from the journal, where the journal and the reports are,
//! the failures, and what can be done next (undo, resume).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::bulk::RunView;
use crate::tui::state::State;
use crate::tui::widgets::paths::short_path;

pub fn render(state: &State, run: &RunView, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let cancelled = run
        .progress
        .as_ref()
        .and_then(|p| p.ended)
        .is_some_and(|(_, c)| c);
    let title = match (&run.summary, cancelled || run.stopped.is_some(), &run.past) {
        (Some(Err(_)), _, _) => format!(" Run failed: {} ", run.label),
        (_, _, Some(p)) => format!(" Past run ({}): {} ", p.state.as_str(), run.label),
        (_, true, _) => format!(" Stopped: {} ", run.label),
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
    let mut head = vec![
        Span::styled(" tenant ", t.dim),
        Span::raw(crate::tui::text::safe(&run.tenant)),
    ];
    if let Some(p) = &run.past {
        head.push(Span::styled("  started ", t.dim));
        head.push(Span::raw(format!(
            "{} UTC",
            crate::tui::text::when(&p.started)
        )));
    }
    let mut lines: Vec<Line> = vec![Line::from(head)];
    if let Some(p) = &run.past {
        let mut links = Vec::new();
        if let Some(u) = &p.undoes {
            links.push(format!("undoes run {u}"));
        }
        if !p.undone_by.is_empty() {
            links.push(format!("undone by {}", p.undone_by.join(", ")));
        }
        if !links.is_empty() {
            lines.push(Line::styled(
                format!(" {}", crate::tui::text::safe(&links.join("; "))),
                t.dim,
            ));
        }
    }
    let mut follow_up = false;
    match &run.summary {
        Some(Ok(s)) => {
            lines.extend(totals(t, run, s, usize::from(inner.width)));
            follow_up = true;
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
            Span::styled("y", t.key),
            Span::raw(" journal path in full"),
        ]));
    }
    // Prose may wrap: size the area by wrapped rows, or its last lines (the follow-up keys)
    // would fall under the failures list. Paths never wrap (see `path_line`).
    // The failures keep a few rows (their title and three) even on a small terminal, so
    // j/k/PgDn/G show every one; the totals above give way first.
    let keep = if run.failures.is_empty() {
        0
    } else {
        (run.failures.len() as u16 + 1).min(4)
    };
    let top_h = wrapped_rows(&lines, inner.width)
        .min(inner.height.saturating_sub(keep))
        .max(1);
    let [top, rest] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
    if rest.height > 1 {
        render_failures(state, run, frame, rest);
    }
}

/// The totals of a run with a summary: counts, the input's rows, the journal and reports.
fn totals(
    t: &crate::tui::theme::Theme,
    run: &RunView,
    s: &crate::batch::Summary,
    w: usize,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
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
    a.extend(n("in doubt", s.in_doubt, true));
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
    } else if s.malformed + s.duplicates > 0 {
        // A run reopened from the history: the journal kept the unusable rows' counts.
        let mut c = vec![Span::styled(" input ", t.dim)];
        c.extend(n("malformed", s.malformed, true));
        c.extend(n("duplicates", s.duplicates, true));
        lines.push(Line::from(c));
    }
    lines.push(path_line(t, "journal", &s.journal, w));
    if let Some(csv) = &s.report_csv {
        lines.push(path_line(t, "report ", csv, w));
    }
    if let Some(json) = &s.report_json {
        lines.push(path_line(t, "       ", json, w));
    }
    if s.in_doubt > 0 {
        lines.push(Line::styled(
            " In doubt: the answer was lost and the server could not be asked; R re-checks them.",
            t.error,
        ));
    }
    if s.failed + s.in_doubt + s.unknown + s.not_started > 0 {
        lines.push(Line::styled(
            " Some users are not done: R resumes the run and retries the failures.",
            t.error,
        ));
    }
    lines
}

/// A label and a path on one row, the path shortened to fit (its file name whole); `y`
/// shows it in full.
fn path_line(t: &crate::tui::theme::Theme, label: &str, path: &str, width: usize) -> Line<'static> {
    let room = width.saturating_sub(label.chars().count() + 2);
    Line::from(vec![
        Span::styled(format!(" {label} "), t.dim),
        Span::raw(short_path(&crate::tui::text::safe(path), room)),
    ])
}

/// The failures with a cursor; Enter shows the highlighted one's reason in full.
fn render_failures(state: &State, run: &RunView, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let n = run.failures.len();
    let title = if n == 0 {
        " Failures (0) ".to_string()
    } else {
        format!(" Failures ({n}) · enter: the full reason ")
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border)
        .title(Line::styled(title, if n == 0 { t.title } else { t.error }));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if n == 0 {
        frame.render_widget(Paragraph::new(Line::styled(" none", t.dim)), inner);
        return;
    }
    let h = usize::from(inner.height).max(1);
    let cursor = run.failures_scroll.min(n - 1);
    let start = crate::tui::layout::window_start(cursor, cursor.saturating_sub(h - 1), h, n);
    let lines: Vec<Line> = run
        .failures
        .iter()
        .enumerate()
        .skip(start)
        .take(h)
        .map(|(i, f)| {
            let status = f.status.map_or_else(|| "-".to_string(), |s| s.to_string());
            let here = i == cursor;
            let mut l = Line::from(vec![
                Span::raw(if here { "▶" } else { " " }),
                Span::styled("✗ ", t.error),
                Span::raw(format!("{} ", crate::tui::text::safe(&f.user_name))),
                Span::styled(status, t.error),
                Span::raw(format!(
                    " {}",
                    crate::untrusted::text(&f.detail).replace('\n', " ")
                )),
            ]);
            if here {
                l = l.style(t.cursor);
            }
            l
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Rows the lines take when wrapped to `width`: prose may wrap; paths never do (see
/// `path_lines`).
fn wrapped_rows(lines: &[Line], width: u16) -> u16 {
    let w = usize::from(width.max(1));
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(w).max(1)).sum();
    u16::try_from(rows).unwrap_or(u16::MAX)
}
