//! The run history: past runs newest first (when, action, state, counts), and under the
//! list the highlighted run's tenant, journal (shortened; `y` shows it in full) and undo links.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row};

use crate::batch::history::{RunEntry, RunState};
use crate::tui::bulk::state::HistoryView;
use crate::tui::layout::window_start;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::view::cursor_table::CursorTable;
use crate::tui::view::paths::short_path;
use crate::tui::view::safe;

/// `2026-11-29T21:43:18Z` as `2026-11-29 21:43` (UTC, as journals record it).
pub fn when(rfc3339: &str) -> String {
    let s: String = rfc3339.chars().take(16).collect();
    s.replacen('T', " ", 1)
}

fn state_span(t: &Theme, s: RunState) -> Span<'static> {
    let style = match s {
        RunState::Interrupted => t.error,
        RunState::Running => t.progress,
        RunState::Complete => t.active,
        RunState::Undone => t.dim,
    };
    Span::styled(s.as_str(), style)
}

/// The audit state in a word or two: `verified`, `3 missing`, `changed`, `–` (not checked).
fn audit_span(t: &Theme, v: &crate::batch::verify::VerifyStatus) -> Span<'static> {
    match v.state.as_str() {
        "verified" => Span::styled("verified", t.active),
        "incomplete" => Span::styled(format!("{} missing", v.missing), t.error),
        "changed_since" => Span::styled("changed", t.error),
        _ => Span::styled("–", t.dim),
    }
}

// Long because the table, then the highlighted run's details under it, top to bottom.
pub fn render(state: &State, h: &HistoryView, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let [list_area, info_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(6)]).areas(area);
    let len = h.len();
    let position = if len == 0 {
        String::new()
    } else {
        format!(" {} of {len} ", h.scroll.cursor + 1)
    };
    let note = match (&h.list, &h.error) {
        (None, _) => " reading the journals… ".to_string(),
        (_, Some(e)) => format!(" ✗ {} ", safe(e)),
        (Some(l), None) if l.runs.is_empty() => format!(" no runs yet in {} ", safe(&l.dir)),
        (Some(l), None) if !l.unreadable.is_empty() => {
            format!(" {} journals could not be read ", l.unreadable.len())
        }
        _ if h.opening => " reading the run… ".to_string(),
        _ if h.verifying.is_some() => format!(
            " verifying run {} against Anaplan's audit log… ",
            safe(h.verifying.as_deref().unwrap_or_default())
        ),
        _ => String::new(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(" Run history ", t.title))
        .title(Line::from(position).right_aligned())
        .title_bottom(Line::styled(
            note,
            if h.error.is_some() { t.error } else { t.dim },
        ));
    let height = list_area.height.saturating_sub(3) as usize;
    let start = window_start(h.scroll.cursor, h.scroll.offset, height.max(1), len);
    let runs: &[RunEntry] = h.list.as_ref().map_or(&[], |l| &l.runs);
    let found = crate::tui::layers::shown(state, crate::tui::find::FindOn::History);
    let rows: Vec<Row> = runs
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, r)| {
            run_row(
                t,
                r,
                found.as_ref().map(|(q, c)| (q.as_str(), *c == Some(i))),
            )
        })
        .collect();
    CursorTable {
        header: [
            "Started (UTC)",
            "Action",
            "Tenant",
            "State",
            "Changed",
            "Failed",
            "Left",
            "Audit",
            "Batch",
        ],
        widths: [
            Constraint::Length(16),
            Constraint::Fill(2),
            Constraint::Length(TENANT_W as u16),
            Constraint::Length(11),
            Constraint::Length(7),
            Constraint::Length(6),
            Constraint::Length(4),
            Constraint::Length(9),
            Constraint::Length(8),
        ],
        rows,
        block: Some(block),
        cursor: (len > 0).then(|| h.scroll.cursor - start),
    }
    .render(t, frame, list_area);
    render_info(state, h.selected(), frame, info_area);
}

/// One past run's row; with `found` (the search's query, and whether this row holds the
/// current match) its matches are highlighted cell by cell.
fn run_row(t: &Theme, r: &RunEntry, found: Option<(&str, bool)>) -> Row<'static> {
    let s = &r.summary;
    let failed = if s.failed > 0 {
        Span::styled(s.failed.to_string(), t.error)
    } else {
        Span::raw("0")
    };
    let hl = |l: Line<'static>| match found {
        Some((q, current)) => {
            crate::tui::find::highlight(l, q, crate::tui::find::match_style(t, current))
        }
        None => l,
    };
    Row::new([
        Cell::from(hl(Line::from(when(&r.started)))),
        Cell::from(hl(Line::from(safe(&s.action)))),
        Cell::from(hl(Line::from(left_cut(&safe(&r.tenant), TENANT_W)))),
        Cell::from(hl(Line::from(state_span(t, r.state)))),
        Cell::from(hl(Line::from(s.changed.to_string()).right_aligned())),
        Cell::from(hl(Line::from(failed).right_aligned())),
        Cell::from(hl(Line::from(r.left().to_string()).right_aligned())),
        Cell::from(audit_span(t, &r.verification)),
        Cell::from(hl(Line::from(safe(
            &r.id.chars().take(8).collect::<String>(),
        )))),
    ])
}

/// The highlighted run's details, each on one row.
fn render_info(state: &State, run: Option<&RunEntry>, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border)
        .title(Line::styled(" Run ", t.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(r) = run else {
        return;
    };
    let w = usize::from(inner.width);
    let label = |k: &str| Span::styled(format!(" {k:<8}"), t.dim);
    let mut links = Vec::new();
    if let Some(u) = &r.undoes {
        links.push(format!("undoes {}", safe(u)));
    }
    if !r.undone_by.is_empty() {
        links.push(format!("undone by {}", safe(&r.undone_by.join(", "))));
    }
    let mut lines = vec![
        Line::from(vec![
            label("tenant"),
            Span::raw(safe(&r.tenant)),
            Span::styled(
                format!(
                    "   planned {}  no-op {}  protected {}  not found {}",
                    r.summary.planned, r.summary.no_op, r.summary.protected, r.summary.not_found
                ),
                t.dim,
            ),
        ]),
        // At 80 columns the list has no room left for the action: it is named here.
        Line::from(vec![label("action"), Span::raw(safe(&r.summary.action))]),
        Line::from(vec![
            label("journal"),
            Span::raw(short_path(&safe(&r.summary.journal), w.saturating_sub(10))),
        ]),
    ];
    if !links.is_empty() {
        lines.push(Line::from(vec![label("undo"), Span::raw(links.join("; "))]));
    }
    // The search's matches here too: at 80 columns the list cuts the action and tenant.
    if let Some((q, _)) = crate::tui::layers::shown(state, crate::tui::find::FindOn::History) {
        let style = crate::tui::find::match_style(t, false);
        lines = lines
            .into_iter()
            .map(|l| crate::tui::find::highlight(l, &q, style))
            .collect();
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Tenant column width: at 80 columns the tenant is shortened from the left (issue 26).
const TENANT_W: usize = 9;

/// `text` cut to its last `width - 1` characters after `…` when longer than `width`.
fn left_cut(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        return text.to_string();
    }
    let tail: String = text.chars().skip(n + 1 - width).collect();
    format!("…{tail}")
}
