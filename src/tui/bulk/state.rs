//! The bulk flow's data: what its screens (`screens/`) show, and what the effects and
//! their results carry between them.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use tui_input::Input;

use crate::batch::{Intent, Progress, Summary, Target};
use crate::input::ResolveReport;
use crate::plan::{Outcome, Plan, PlanRequest, Totals, access_loss, describe};
use crate::tui::failure::Failure;
use crate::tui::scroll::Scroll;

/// The run history screen: the list once read, and the highlighted run.
#[derive(Debug, Clone, Default)]
pub struct HistoryView {
    /// `None` while the journals are being read.
    pub list: Option<crate::batch::history::RunList>,
    pub error: Option<String>,
    pub scroll: Scroll,
    /// Enter was pressed: the run's journal is being read.
    pub opening: bool,
    /// `v` was pressed: this run is being checked against the audit log.
    pub verifying: Option<String>,
}

impl HistoryView {
    pub fn selected(&self) -> Option<&crate::batch::history::RunEntry> {
        self.list.as_ref()?.runs.get(self.scroll.cursor)
    }

    pub fn len(&self) -> usize {
        self.list.as_ref().map_or(0, |l| l.runs.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One user that failed, with the server's reason in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureRow {
    pub user_id: String,
    pub user_name: String,
    pub status: Option<u16>,
    pub detail: String,
}

/// What the history knows of a run reopened from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastRun {
    pub started: String,
    pub state: crate::batch::history::RunState,
    pub undoes: Option<String>,
    pub undone_by: Vec<String>,
}

/// A resolved CSV, before anything is selected.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvLoaded {
    pub path: String,
    pub report: ResolveReport,
}

/// What the last accepted CSV could not turn into users, carried to the run's summary so
/// it shows the same input counts as the headless `apply --csv`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputCounts {
    pub path: String,
    pub rows: usize,
    pub malformed: usize,
    pub duplicates: usize,
    /// Keys no user matched: planned as "not found", as headless does.
    pub not_found: Vec<String>,
}

impl InputCounts {
    pub fn from_report(path: &str, r: &ResolveReport) -> InputCounts {
        InputCounts {
            path: path.to_string(),
            rows: r.rows_read,
            malformed: r.malformed.len(),
            duplicates: r.duplicates.len(),
            not_found: r.not_found_keys(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// The user's own line: userName, name, outcome.
    Header,
    Lost,
    Gained,
    Info,
    /// Protected or not found.
    Warn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewLine {
    pub item: usize,
    pub kind: LineKind,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub plan: Arc<Plan>,
    pub intent: Intent,
    pub totals: Totals,
    /// Every item's lines, built once (never per frame).
    pub lines: Vec<PreviewLine>,
    /// Index in `lines` of each item's header.
    pub item_line: Vec<usize>,
    /// The highlighted item.
    pub cursor: usize,
    /// First line shown.
    pub offset: usize,
    /// The exact-request view, with its scroll.
    pub request: Option<usize>,
    /// Said above the totals (the undo warning, users that cannot be restored).
    pub notes: Vec<String>,
}

/// Server text in preview lines is made safe once, when the preview is built.
fn safe(s: &str) -> String {
    crate::untrusted::clip(s, 512)
}

impl Preview {
    /// Builds the plan and its preview. Pure; run off the UI loop by the effect runner, and
    /// directly by tests.
    pub fn build(req: PlanRequest) -> Preview {
        let plan = req.plan();
        let intent = Intent::Apply {
            action: req.action,
            protected: req.protected,
        };
        Preview::new(Arc::new(plan), intent, Vec::new())
    }

    pub fn new(plan: Arc<Plan>, intent: Intent, mut notes: Vec<String>) -> Preview {
        let totals = plan.totals();
        // The cost in access comes first: it is what undo cannot give back.
        if let Some(cost) = access_loss(&plan.items).statement() {
            notes.insert(0, cost);
        }
        let mut lines = Vec::new();
        let mut item_line = Vec::with_capacity(plan.items.len());
        for (i, item) in plan.items.iter().enumerate() {
            item_line.push(lines.len());
            let (user_name, display_name) = (safe(&item.user_name), safe(&item.display_name));
            let who = if user_name.is_empty() {
                display_name
            } else if display_name.is_empty() || display_name == user_name {
                user_name
            } else {
                format!("{user_name} ({display_name})")
            };
            let tag = match &item.outcome {
                Outcome::Change => format!(
                    "CHANGE, {} request{}",
                    item.requests.len(),
                    if item.requests.len() == 1 { "" } else { "s" }
                ),
                Outcome::NoOp => "no-op".into(),
                Outcome::Protected { .. } => "PROTECTED".into(),
                Outcome::NotFound => "NOT FOUND".into(),
            };
            lines.push(PreviewLine {
                item: i,
                kind: LineKind::Header,
                text: format!("{who}  [{tag}]"),
            });
            for text in describe(item).iter().map(|t| safe(t)) {
                let kind = if text.starts_with("- ") {
                    LineKind::Lost
                } else if text.starts_with("+ ") {
                    LineKind::Gained
                } else if matches!(item.outcome, Outcome::Protected { .. } | Outcome::NotFound)
                    || text.contains("NO WORKSPACE LEFT")
                {
                    LineKind::Warn
                } else {
                    LineKind::Info
                };
                lines.push(PreviewLine {
                    item: i,
                    kind,
                    text,
                });
            }
        }
        Preview {
            plan,
            intent,
            totals,
            lines,
            item_line,
            cursor: 0,
            offset: 0,
            request: None,
            notes,
        }
    }

    /// The totals as (label, value), packed into rows that fit `inner_width`.
    pub fn count_rows(&self, inner_width: u16) -> Vec<Vec<(&'static str, usize)>> {
        let t = &self.totals;
        let all = [
            ("to change", t.to_change),
            ("no-op", t.no_op),
            ("protected", t.protected),
            ("not found", t.not_found),
            ("requests", t.requests),
        ];
        let w = inner_width.max(1) as usize;
        let mut rows: Vec<Vec<(&'static str, usize)>> = vec![Vec::new()];
        let mut used = 1;
        for (label, v) in all {
            let cell = label.len() + 1 + v.to_string().len() + 2;
            if used + cell > w + 2 && rows.last().is_some_and(|r| !r.is_empty()) {
                rows.push(Vec::new());
                used = 1;
            }
            used += cell;
            if let Some(r) = rows.last_mut() {
                r.push((label, v));
            }
        }
        rows
    }

    /// The notes, word-wrapped to `inner_width` less the one-column indent.
    pub fn note_rows(&self, inner_width: u16) -> Vec<String> {
        let w = (inner_width as usize).saturating_sub(1);
        self.notes
            .iter()
            .flat_map(|n| crate::tui::text::wrap(n, w))
            .collect()
    }

    /// Said under the totals, wrapped to `inner_width` less the indent.
    pub fn nothing_sent_rows(inner_width: u16) -> Vec<String> {
        crate::tui::text::wrap(
            "Nothing has been sent. Users are re-read just before each change.",
            (inner_width as usize).saturating_sub(1),
        )
    }

    /// Rows of the totals block at `inner_width`: tenant, counts, notes, "nothing sent".
    pub fn top_height(&self, inner_width: u16) -> u16 {
        let rows = 1
            + self.count_rows(inner_width).len()
            + self.note_rows(inner_width).len()
            + Self::nothing_sent_rows(inner_width).len();
        u16::try_from(rows).unwrap_or(u16::MAX)
    }

    /// Rows left for the users' lines on a `width`x`height` terminal: the same layout as the
    /// view (header 2, status 1, borders 2), so the reducer scrolls by what is really shown.
    pub fn list_height(&self, width: u16, height: u16) -> usize {
        let inner = crate::tui::layout::pane_inner(height);
        inner.saturating_sub(self.top_rows(width.saturating_sub(2), inner)) as usize
    }

    /// Rows given to the totals in an inner area `inner_height` high: all they need, but the
    /// users' lines keep at least four rows (at 60x15 the long notes are cut; the
    /// confirmation says them again).
    pub fn top_rows(&self, inner_width: u16, inner_height: u16) -> u16 {
        let floor = inner_height.min(4);
        self.top_height(inner_width)
            .min(inner_height.saturating_sub(floor))
    }

    /// First and one-past-last line of item `i`.
    fn span(&self, i: usize) -> (usize, usize) {
        let start = self.item_line.get(i).copied().unwrap_or(0);
        let end = self
            .item_line
            .get(i + 1)
            .copied()
            .unwrap_or(self.lines.len());
        (start, end)
    }

    /// Moves the highlight by `delta` users and scrolls so its lines are on screen. A block
    /// taller than the screen scrolls line by line before the highlight leaves it, and moving
    /// past the last user shows the last line, so every line can be reached.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        let n = self.item_line.len();
        if n == 0 || delta == 0 {
            return;
        }
        let height = height.max(1);
        let last_offset = self.lines.len().saturating_sub(height);
        let (start, end) = self.span(self.cursor);
        if delta > 0
            && end > self.offset + height
            && delta.unsigned_abs() <= end - self.offset - height
        {
            self.offset += delta.unsigned_abs();
            return;
        }
        if delta < 0 && start < self.offset && delta.unsigned_abs() <= self.offset - start {
            self.offset -= delta.unsigned_abs();
            return;
        }
        let max = (n - 1) as isize;
        let want = (self.cursor as isize).saturating_add(delta);
        self.cursor = want.clamp(0, max) as usize;
        let (start, end) = self.span(self.cursor);
        if want > max {
            self.offset = last_offset;
        } else if start < self.offset || want < 0 {
            self.offset = start;
        } else if end > self.offset + height {
            self.offset = end.saturating_sub(height).min(start);
        }
        self.offset = self.offset.min(last_offset);
    }
}

/// A run in progress or finished.
#[derive(Debug, Clone)]
pub struct RunView {
    pub label: String,
    pub tenant: String,
    pub batch_id: Option<String>,
    pub journal: Option<String>,
    /// Folded from runner events; `None` until the runner has started.
    pub progress: Option<Progress>,
    /// The last sampled time (the pane's only clock).
    pub now: Option<Instant>,
    /// Cancel was asked for: no new requests; those in flight finish.
    pub stopping: bool,
    /// Set when the run is over.
    pub summary: Option<Result<Summary, Failure>>,
    /// Why the run stopped early, if it did.
    pub stopped: Option<String>,
    /// Targets of a resume (for the header).
    pub resumed: Option<Vec<Target>>,
    pub failures_scroll: usize,
    /// The CSV the selection came from, if one did.
    pub input: Option<InputCounts>,
    /// Failures with their full reasons, once the run is over (the summary's list).
    pub failures: Vec<FailureRow>,
    /// Set when the run was reopened from the history rather than run now.
    pub past: Option<PastRun>,
}

impl RunView {
    pub fn new(label: String, tenant: String) -> RunView {
        RunView {
            label,
            tenant,
            batch_id: None,
            journal: None,
            progress: None,
            now: None,
            stopping: false,
            summary: None,
            stopped: None,
            resumed: None,
            failures_scroll: 0,
            input: None,
            failures: Vec::new(),
            past: None,
        }
    }

    /// A past run's summary, as the history read it from its journal.
    pub fn from_history(d: crate::batch::history::RunDetail) -> RunView {
        let e = d.entry;
        let mut run = RunView::new(e.summary.action.clone(), e.tenant.clone());
        run.batch_id = Some(e.id.clone());
        run.journal = Some(e.summary.journal.clone());
        run.failures = d
            .failures
            .into_iter()
            .map(|r| FailureRow {
                user_id: r.user_id,
                user_name: r.user_name,
                status: r.status,
                detail: r.detail,
            })
            .collect();
        run.past = Some(PastRun {
            started: e.started,
            state: e.state,
            undoes: e.undoes,
            undone_by: e.undone_by,
        });
        run.summary = Some(Ok(e.summary));
        run
    }

    pub fn finished(&self) -> bool {
        self.summary.is_some()
    }

    pub fn journal_path(&self) -> Option<PathBuf> {
        match &self.summary {
            Some(Ok(s)) => Some(PathBuf::from(&s.journal)),
            _ => self.journal.as_ref().map(PathBuf::from),
        }
    }
}

/// Where a path typed in the path input goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPurpose {
    LoadCsv,
    SaveReport,
    SavePlan,
    SaveReview,
    ExportUsers,
}

impl PathPurpose {
    pub fn title(self) -> &'static str {
        match self {
            PathPurpose::LoadCsv => "Load users from a CSV file",
            PathPurpose::SaveReport => "Save the CSV report to",
            PathPurpose::SavePlan => "Save the plan (JSON) to",
            PathPurpose::SaveReview => "Save the review (CSV) to",
            PathPurpose::ExportUsers => "Export the rows shown (CSV) to",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PathInput {
    pub purpose: PathPurpose,
    pub input: Input,
}

fn home() -> Option<String> {
    std::env::var("HOME").ok().filter(|h| !h.is_empty())
}

/// The path as typed with `~` expanded, made absolute so messages name exactly the file.
pub fn resolve_path(path: &str) -> PathBuf {
    let p = expand_tilde(path, home().as_deref());
    std::path::absolute(&p).unwrap_or(p)
}

/// `~` and `~/…` become the home directory; anything else is left as typed.
pub fn expand_tilde(path: &str, home: Option<&str>) -> PathBuf {
    let path = path.trim();
    match (path, home) {
        ("~", Some(h)) => PathBuf::from(h),
        (p, Some(h)) if p.starts_with("~/") => PathBuf::from(h).join(&p[2..]),
        (p, _) => PathBuf::from(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_expands_only_at_the_start() {
        assert_eq!(
            expand_tilde("~/a.csv", Some("/h")),
            PathBuf::from("/h/a.csv")
        );
        assert_eq!(expand_tilde(" ~ ", Some("/h")), PathBuf::from("/h"));
        assert_eq!(expand_tilde("a/~/b", Some("/h")), PathBuf::from("a/~/b"));
        assert_eq!(expand_tilde("~/a", None), PathBuf::from("~/a"));
        assert_eq!(expand_tilde("~bob/a", Some("/h")), PathBuf::from("~bob/a"));
    }
}
