//! The CSV screens: the file being read and resolved (with progress; Esc cancels), then the
//! report shown before anything is selected (Enter selects the users found, `S` saves the
//! report). Their keys, their results and their drawing are here; their state is
//! `bulk/state.rs`'s (the effect runner builds it).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row};
use tui_input::Input;

use crate::input::ResolveReport;
use crate::tui::bulk::state::{CsvLoaded, InputCounts, PathInput, PathPurpose};
use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::keymap::Mode;
use crate::tui::layout::window_start;
use crate::tui::msg::Command;
use crate::tui::scroll::Scroll;
use crate::tui::stack::{Layer, Next, Step};
use crate::tui::state::{Popup, State};
use crate::tui::widgets::cursor_table::CursorTable;
use crate::tui::widgets::text_bar;

/// The file is being read and resolved (and a plan being built: `preview::Planning`).
pub const BUSY: Mode = Mode::keys("busy", &[Command::Back]);

/// The CSV resolution report.
pub const REPORT: Mode = Mode::keys(
    "report",
    &[
        Command::Proceed,
        Command::Save,
        Command::Back,
        Command::Help,
    ],
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvLoading {
    pub path: String,
    /// Data rows, once the file is read.
    pub rows: Option<usize>,
    pub looked_up: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    Malformed,
    NotFound,
    Duplicate,
    LookupError,
}

impl ProblemKind {
    pub fn label(self) -> &'static str {
        match self {
            ProblemKind::Malformed => "malformed",
            ProblemKind::NotFound => "not found",
            ProblemKind::Duplicate => "duplicate",
            ProblemKind::LookupError => "lookup error",
        }
    }
}

/// One row that did not resolve to a new user, for the scrollable list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub kind: ProblemKind,
    pub value: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CsvReportView {
    pub path: String,
    pub report: ResolveReport,
    /// Sorted by line.
    pub problems: Vec<Problem>,
    pub scroll: Scroll,
}

impl CsvReportView {
    pub fn new(loaded: CsvLoaded) -> CsvReportView {
        let r = &loaded.report;
        let mut problems: Vec<Problem> = Vec::new();
        for (line, raw, reason) in &r.malformed {
            problems.push(Problem {
                line: *line,
                kind: ProblemKind::Malformed,
                value: raw.clone(),
                detail: reason.clone(),
            });
        }
        for (line, key) in &r.not_found {
            problems.push(Problem {
                line: *line,
                kind: ProblemKind::NotFound,
                value: key.clone(),
                detail: "no user has this id or user name".into(),
            });
        }
        for (line, key, first) in &r.duplicates {
            problems.push(Problem {
                line: *line,
                kind: ProblemKind::Duplicate,
                value: key.clone(),
                detail: format!("same user as line {first}"),
            });
        }
        for (line, key, err) in &r.lookup_errors {
            problems.push(Problem {
                line: *line,
                kind: ProblemKind::LookupError,
                value: key.clone(),
                detail: err.clone(),
            });
        }
        problems.sort_by_key(|p| p.line);
        CsvReportView {
            path: loaded.path,
            report: loaded.report,
            problems,
            scroll: Scroll::default(),
        }
    }
}

/// A CSV to read and resolve, its column detected; then its report is shown.
pub fn start_csv(state: &mut State, path: String) -> Vec<Effect> {
    start_csv_with(state, path, crate::input::csv::ReadOptions::default())
}

/// Like [`start_csv`], with the column named (`--csv FILE --column NAME --key KIND`).
pub fn start_csv_with(
    state: &mut State,
    path: String,
    options: crate::input::csv::ReadOptions,
) -> Vec<Effect> {
    state.push_layer(Box::new(CsvLoading {
        path: path.clone(),
        rows: None,
        looked_up: 0,
    }));
    vec![Effect::LoadCsv { path, options }]
}

/// Like [`start_csv`], reading the column at this 1-based position (picked by hand).
pub fn start_csv_column(state: &mut State, path: String, column: Option<String>) -> Vec<Effect> {
    let options = crate::input::csv::ReadOptions { column, key: None };
    start_csv_with(state, path, options)
}

impl Layer<State> for CsvLoading {
    fn mode(&self) -> Mode {
        BUSY
    }

    fn title(&self) -> Option<String> {
        Some("CSV import".into())
    }

    fn is_flow(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        match command {
            Command::Back => {
                state.flash("CSV load cancelled; nothing selected");
                Step::close(vec![Effect::CancelCsv])
            }
            _ => Step::stay(Vec::new()),
        }
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        render_loading(state, self, frame, body);
    }
}

impl Layer<State> for CsvReportView {
    fn mode(&self) -> Mode {
        REPORT
    }

    fn title(&self) -> Option<String> {
        Some("CSV import".into())
    }

    fn is_flow(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        if super::scrolled(&mut self.scroll, command, self.problems.len(), state) {
            return Step::stay(Vec::new());
        }
        match command {
            Command::Back => {
                state.flash("CSV report closed; nothing selected");
                Step::close(Vec::new())
            }
            Command::Proceed => {
                select_resolved(state, self);
                Step::close(Vec::new())
            }
            Command::Save => Step {
                effects: Vec::new(),
                next: Next::Push(Box::new(PathInput {
                    purpose: PathPurpose::SaveReport,
                    input: Input::new("csv-report.csv".into()),
                })),
            },
            _ => Step::stay(Vec::new()),
        }
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        render_report(state, self, frame, body);
    }
}

/// Enter on the report: the users it found are ticked.
fn select_resolved(state: &mut State, r: &CsvReportView) {
    state.bulk.csv_input = Some(InputCounts::from_report(&r.path, &r.report));
    let mut added = 0;
    for (_, u) in &r.report.resolved {
        if state.bulk.selected.insert(u.id.clone()) {
            added += 1;
        }
        if state.user(&u.id).is_none() {
            state.bulk.sel_cache.insert(u.id.clone(), u.clone());
        }
    }
    let mut msg = format!(
        "selected {added} users from {} ({} selected in all)",
        r.path,
        state.bulk.selected.len()
    );
    if !r.report.lookup_errors.is_empty() {
        msg.push_str(&format!(
            "; {} rows could not be looked up and were left out",
            r.report.lookup_errors.len()
        ));
    }
    state.flash(msg);
}

/// How far the reading has got.
pub(crate) fn progress(state: &mut State, rows: usize, looked_up: usize) {
    if let Some(l) = state.layers_mut().top_flow_mut::<CsvLoading>() {
        l.rows = Some(rows);
        l.looked_up = looked_up;
    }
}

/// The file is read and resolved: its report takes the loading screen's place. Dropped if
/// the operator cancelled the load meanwhile.
pub(crate) fn loaded(state: &mut State, result: Result<Box<CsvLoaded>, Failure>) {
    let Some(loading) = state.layers().top_flow::<CsvLoading>() else {
        return;
    };
    let path = loading.path.clone();
    match result {
        Ok(loaded) => {
            let report = Box::new(CsvReportView::new(*loaded));
            state.layers_mut().replace_top_flow::<CsvLoading>(report);
        }
        Err(message) => {
            state.layers_mut().remove_top_flow::<CsvLoading>();
            state.push_popup(Popup::Error {
                title: format!("Cannot use {path}; nothing was selected"),
                message: message.to_string(),
            });
        }
    }
}

// Drawing (was view/csv_report.rs).

fn render_loading(state: &State, l: &CsvLoading, frame: &mut Frame, area: Rect) {
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
pub(crate) fn render_planning(state: &State, users: usize, frame: &mut Frame, area: Rect) {
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
fn render_report(state: &State, r: &CsvReportView, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(format!(" CSV report: {} ", r.path), t.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = report_top(state, &r.report, inner);
    let top_h = (lines.len() as u16).min(inner.height.saturating_sub(3));
    let [top, list] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(1)]).areas(inner);
    frame.render_widget(Paragraph::new(lines), top);

    let len = r.problems.len();
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
    let widths = [
        Constraint::Length(5),
        Constraint::Length(12),
        Constraint::Fill(2),
        Constraint::Fill(3),
    ];
    let height = list.height.saturating_sub(1).max(1) as usize;
    let start = window_start(r.scroll.cursor, r.scroll.offset, height, len);
    let end = (start + height).min(len);
    // The row under the cursor shows its value and detail whole, wrapped in their columns
    // (the others are cut to one row): at 80 columns neither fits.
    let cols = Layout::horizontal(widths).spacing(1).split(Rect::new(
        0,
        0,
        list.width.saturating_sub(2),
        1,
    ));
    let cursor = r.scroll.cursor.min(len - 1);
    let rows: Vec<Row> = r.problems[start..end]
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let whole = (start + k == cursor).then_some((cols[2].width, cols[3].width));
            problem_row(t, p, whole, height)
        })
        .collect();
    CursorTable {
        header: ["line", "problem", "value", "detail"],
        widths,
        rows,
        block: None,
        cursor: Some(cursor - start),
    }
    .render(t, frame, list);
}

/// The counts and what Enter does, above the problems; prose wraps (at 60 columns it
/// would be cut).
fn report_top(state: &State, rep: &crate::input::ResolveReport, inner: Rect) -> Vec<Line<'static>> {
    let t = &state.theme;
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
    let mut lines = vec![Line::from(first), Line::from(second)];
    let w = usize::from(inner.width).saturating_sub(1);
    // Which column was read and why (empty for reports made without a file).
    for row in crate::tui::text::wrap(&crate::tui::text::safe(&rep.column), w) {
        lines.push(Line::styled(format!(" {row}"), t.dim));
    }
    if inner.height >= 16 {
        lines.push(Line::from(""));
    }
    let said = format!(
        "Nothing is selected yet. Enter selects the {} resolved users.",
        rep.resolved.len()
    );
    for row in crate::tui::text::wrap(&said, w) {
        lines.push(Line::styled(format!(" {row}"), t.title));
    }
    if !rep.lookup_errors.is_empty() {
        let said = "Some rows could not be looked up (connection?): they are left out.";
        for row in crate::tui::text::wrap(said, w) {
            lines.push(Line::styled(format!(" {row}"), t.error));
        }
    }
    lines
}

/// One problem's row; with `whole` (the value and detail columns' widths) its value and
/// detail are wrapped whole, in at most `max_rows` rows.
fn problem_row(
    t: &crate::tui::theme::Theme,
    p: &Problem,
    whole: Option<(u16, u16)>,
    max_rows: usize,
) -> Row<'static> {
    let style = match p.kind {
        ProblemKind::Duplicate => t.dim,
        _ => t.error,
    };
    let (value, detail) = (
        crate::tui::text::safe(&p.value),
        crate::tui::text::safe(&p.detail),
    );
    let (value, detail) = match whole {
        Some((vw, dw)) => (
            wrap_cell(&value, usize::from(vw)),
            wrap_cell(&detail, usize::from(dw)),
        ),
        None => (vec![value], vec![detail]),
    };
    let tall = value.len().max(detail.len()).clamp(1, max_rows.max(1)) as u16;
    let text = |rows: Vec<String>| Text::from(rows.into_iter().map(Line::from).collect::<Vec<_>>());
    Row::new([
        Cell::from(Line::from(p.line.to_string()).right_aligned()),
        Cell::from(Span::styled(p.kind.label(), style)),
        Cell::from(text(value)),
        Cell::from(text(detail)),
    ])
    .height(tall)
}

/// `text` (already safe) word-wrapped to `width` columns; a word longer than that (a CSV
/// value often is one) is cut mid-word.
fn wrap_cell(text: &str, width: usize) -> Vec<String> {
    let rows: Vec<String> = crate::tui::text::wrap(text, width)
        .into_iter()
        .flat_map(|r| {
            if crate::untrusted::width(&r) > width {
                hard_wrap(&r, width)
            } else {
                vec![r]
            }
        })
        .collect();
    if rows.is_empty() {
        vec![String::new()]
    } else {
        rows
    }
}

/// `text` cut into rows of at most `width` columns.
fn hard_wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width && used > 0 {
            rows.push(String::new());
            used = 0;
        }
        if let Some(row) = rows.last_mut() {
            row.push(c);
        }
        used += w;
    }
    rows
}

#[cfg(test)]
mod tests {
    #[test]
    fn hard_wrap_keeps_every_character_within_the_width() {
        let rows = super::hard_wrap("karen.rivera@contoso-group.example.com", 10);
        assert_eq!(rows.concat(), "karen.rivera@contoso-group.example.com");
        assert!(rows.iter().all(|r| r.chars().count() <= 10), "{rows:?}");
        assert_eq!(
            super::hard_wrap("漢字漢字", 3),
            vec!["漢", "字", "漢", "字"]
        );
        assert_eq!(super::hard_wrap("", 5), vec![""]);
        assert_eq!(
            super::wrap_cell("not an email or an id: abcdefghijklmnop", 12),
            vec!["not an email", "or an id:", "abcdefghijkl", "mnop"]
        );
    }
}
