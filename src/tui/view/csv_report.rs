//! The CSV screens: reading and resolving (with progress), then the report shown before
//! anything is selected.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row};

use crate::tui::bulk::state::{CsvLoading, CsvReportView, ProblemKind};
use crate::tui::layout::window_start;
use crate::tui::state::State;
use crate::tui::view::cursor_table::CursorTable;
use crate::tui::view::text_bar;

pub fn render_loading(state: &State, l: &CsvLoading, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(" Loading a CSV ", t.title));
    let mut lines = vec![Line::from(format!(" {}", l.path)), Line::from("")];
    match l.rows {
        None => lines.push(Line::styled(" reading the file…", t.progress)),
        Some(rows) => {
            lines.push(Line::from(vec![
                Span::raw(format!(
                    " resolving {rows} rows: {} looked up ",
                    l.looked_up
                )),
                Span::styled(text_bar(l.looked_up, rows, 20), t.progress),
            ]));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        " Nothing is selected until you have seen the report. esc cancels.",
        t.dim,
    ));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// While the plan is being built.
pub fn render_planning(state: &State, users: usize, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(" Planning ", t.title));
    let lines = vec![
        Line::styled(
            format!(" planning the change for {users} users…"),
            t.progress,
        ),
        Line::from(""),
        Line::styled(
            " Nothing is sent: the preview comes next. esc cancels.",
            t.dim,
        ),
    ];
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

// Long because a screen laid out line by line, top to bottom.
pub fn render_report(state: &State, r: &CsvReportView, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let rep = &r.report;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(format!(" CSV report: {} ", r.path), t.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [top, list] = Layout::vertical([Constraint::Length(5), Constraint::Min(1)]).areas(inner);
    let count = |label: &str, n: usize, bad: bool| {
        let style = if bad && n > 0 { t.error } else { t.header };
        vec![
            Span::styled(format!("{label} "), t.dim),
            Span::styled(n.to_string(), style),
            Span::raw("   "),
        ]
    };
    let mut first = vec![Span::raw(" ")];
    first.extend(count("rows read", rep.rows_read, false));
    first.extend(count("resolved", rep.resolved.len(), false));
    first.extend(count("duplicates", rep.duplicates.len(), true));
    let mut second = vec![Span::raw(" ")];
    second.extend(count("not found", rep.not_found.len(), true));
    second.extend(count("malformed", rep.malformed.len(), true));
    second.extend(count("lookup errors", rep.lookup_errors.len(), true));
    // Which column was read and why (empty for reports made without a file).
    let column = match rep.column.as_str() {
        "" => Line::from(""),
        why => Line::styled(format!(" {}", crate::tui::view::safe(why)), t.dim),
    };
    let mut lines = vec![Line::from(first), Line::from(second), column];
    lines.push(Line::from(vec![
        Span::styled(" Nothing is selected yet. ", t.title),
        Span::raw(format!(
            "Enter selects the {} resolved users.",
            rep.resolved.len()
        )),
    ]));
    if !rep.lookup_errors.is_empty() {
        lines.push(Line::styled(
            " Some rows could not be looked up (connection?): they are left out.",
            t.error,
        ));
    }
    frame.render_widget(Paragraph::new(lines), top);

    let height = list.height.saturating_sub(1).max(1) as usize;
    let len = r.problems.len();
    let start = window_start(r.scroll.cursor, r.scroll.offset, height, len);
    let end = (start + height).min(len);
    let rows: Vec<Row> = r.problems[start..end]
        .iter()
        .map(|p| {
            let style = match p.kind {
                ProblemKind::Duplicate => t.dim,
                _ => t.error,
            };
            Row::new([
                Cell::from(Line::from(p.line.to_string()).right_aligned()),
                Cell::from(Span::styled(p.kind.label(), style)),
                Cell::from(crate::tui::view::safe(&p.value)),
                Cell::from(crate::tui::view::safe(&p.detail)),
            ])
        })
        .collect();
    if len == 0 {
        frame.render_widget(
            Paragraph::new(Line::styled(
                " every row resolved to a distinct user ",
                t.active,
            )),
            list,
        );
        return;
    }
    CursorTable {
        header: ["line", "problem", "value", "detail"],
        widths: [
            Constraint::Length(5),
            Constraint::Length(12),
            Constraint::Fill(2),
            Constraint::Fill(3),
        ],
        rows,
        block: None,
        cursor: Some(r.scroll.cursor.min(len - 1) - start),
    }
    .render(t, frame, list);
}
