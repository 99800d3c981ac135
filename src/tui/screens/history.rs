//! The run history (`H`): past runs read from the journals directory by `batch::history`
//! (the same reader as `scimitar runs`). Enter reopens a run's summary over it (where `u`
//! undoes the run and `R` resumes it), `v` checks a run against the audit log, `y` shows and
//! copies its journal's path. Its keys, results and drawing are here; its data is
//! [`HistoryView`] (`bulk/state.rs`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row};

use crate::batch::history::{RunEntry, RunState};
use crate::tui::bulk::state::{HistoryView, RunView};
use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::keymap::Mode;
use crate::tui::layout::window_start;
use crate::tui::msg::{Command, Copied};
use crate::tui::stack::{Layer, Step};
use crate::tui::state::{Popup, State};
use crate::tui::text::safe;
use crate::tui::theme::Theme;
use crate::tui::widgets::cursor_table::CursorTable;
use crate::tui::widgets::paths::short_path;

/// Its keymap section.
pub const MODE: Mode = Mode::keys(
    "history",
    &[
        Command::Open,
        Command::Verify,
        Command::CopyPath,
        Command::Refresh,
        Command::Back,
        Command::Help,
        Command::Search,
    ],
);

/// `H`: opens the history over the list (a finished run's summary makes way for it: the run
/// is in the history too).
pub fn open(state: &mut State) -> Vec<Effect> {
    if state.run.running {
        state.flash("a batch is running: its summary shows when it ends; H then lists every run");
        return Vec::new();
    }
    state.layers_mut().remove::<RunView>();
    state.layers_mut().remove::<HistoryView>();
    state.push_layer(Box::<HistoryView>::default());
    vec![Effect::ListRuns]
}

impl Layer<State> for HistoryView {
    fn mode(&self) -> Mode {
        MODE
    }

    fn title(&self) -> Option<String> {
        Some("Run history".into())
    }

    fn is_flow(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        let len = self.len();
        if super::scrolled(&mut self.scroll, command, len, state) {
            return Step::stay(Vec::new());
        }
        let effects = match command {
            Command::Back => return Step::close(Vec::new()),
            Command::Open => match self.selected() {
                Some(run) => {
                    let journal = run.journal().to_path_buf();
                    self.opening = true;
                    vec![Effect::LoadRun { journal }]
                }
                None => Vec::new(),
            },
            Command::Verify => self.verify(),
            Command::CopyPath => match self.selected() {
                Some(run) => copy_path(state, run.summary.journal.clone()),
                None => Vec::new(),
            },
            Command::Refresh => {
                self.list = None;
                self.error = None;
                vec![Effect::ListRuns]
            }
            _ => Vec::new(),
        };
        Step::stay(effects)
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        draw_history(state, self, frame, body);
    }
}

impl HistoryView {
    /// `v`: the highlighted run is checked against the audit log (one at a time).
    fn verify(&mut self) -> Vec<Effect> {
        if self.verifying.is_some() {
            return Vec::new();
        }
        let Some(run) = self.selected() else {
            return Vec::new();
        };
        let journal = run.journal().to_path_buf();
        self.verifying = Some(run.id.clone());
        vec![Effect::VerifyRun { journal }]
    }
}

/// Sends the path to the clipboard (OSC 52) and shows it in full.
pub(crate) fn copy_path(state: &mut State, path: String) -> Vec<Effect> {
    state.push_popup(Popup::Path {
        title: "Journal".into(),
        path: path.clone(),
    });
    vec![Effect::CopyToClipboard {
        text: path,
        what: Copied::JournalPath,
    }]
}

/// The journals directory was read.
pub fn runs_listed(
    state: &mut State,
    result: Result<Box<crate::batch::history::RunList>, Failure>,
) {
    let Some(h) = state.layers_mut().top_flow_mut::<HistoryView>() else {
        return;
    };
    match result {
        Ok(list) => {
            h.list = Some(*list);
            h.error = None;
            let len = h.len();
            h.scroll.cursor = h.scroll.cursor.min(len.saturating_sub(1));
        }
        Err(e) => {
            h.list = Some(Default::default());
            h.error = Some(e.to_string());
        }
    }
}

/// One past run was read: its summary opens over the history. Dropped if the operator left
/// the history meanwhile.
pub fn run_loaded(
    state: &mut State,
    result: Result<Box<crate::batch::history::RunDetail>, Failure>,
) {
    let Some(h) = state.layers_mut().top_flow_mut::<HistoryView>() else {
        return;
    };
    if !h.opening {
        return;
    }
    h.opening = false;
    match result {
        Ok(detail) => state.push_layer(Box::new(RunView::from_history(*detail))),
        Err(failure) => state.push_popup(Popup::Error {
            title: "Cannot read this run".into(),
            message: failure.to_string(),
        }),
    }
}

/// A run was checked against the audit log: the verdict flashed, the list read again so the
/// kept verdict shows.
pub fn verified(
    state: &mut State,
    result: Result<Box<crate::batch::verify::Verification>, Failure>,
) -> Vec<Effect> {
    let Some(h) = state.layers_mut().top_flow_mut::<HistoryView>() else {
        return Vec::new();
    };
    let id = h.verifying.take().unwrap_or_default();
    match result {
        Ok(v) => {
            h.list = None;
            state.flash(format!(
                "run {id}: {} ({} of {} audit events found)",
                v.label(),
                v.totals.found,
                v.totals.expected
            ));
            vec![Effect::ListRuns]
        }
        Err(failure) => {
            state.push_popup(Popup::Error {
                title: "Cannot verify this run".into(),
                message: failure.to_string(),
            });
            Vec::new()
        }
    }
}

// Drawing (was view/history.rs).

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
fn draw_history(state: &State, h: &HistoryView, frame: &mut Frame, area: Rect) {
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
    let found = state.found(crate::tui::find::FindOn::History);
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
        Cell::from(hl(Line::from(crate::tui::text::when(&r.started)))),
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
    if let Some((q, _)) = state.found(crate::tui::find::FindOn::History) {
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
