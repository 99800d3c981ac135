//! Reports and the summary, derived from the journal (the one record of what happened), so
//! they are the same after a crash, a resume or a clean run.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::batch::journal::{JournalState, Record};
use crate::config::write_private;

/// The JSON summary `scimitar apply` prints on stdout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub batch_id: String,
    pub action: String,
    pub planned: usize,
    pub changed: usize,
    pub no_op: usize,
    pub failed: usize,
    /// Sent, the answer lost, and the server's state not readable since: not failed, not
    /// done; resume re-checks them.
    pub in_doubt: usize,
    pub protected: usize,
    pub not_found: usize,
    /// Of `not_found`: planned for a change, but gone when the run came to them (their GET
    /// answered 404). Unlike users the plan never found, they make the exit code 1.
    pub gone: usize,
    /// Sent, but the process stopped before the answer was recorded: resume re-checks them.
    pub unknown: usize,
    /// Never looked at (cancelled or stopped): resume finishes them.
    pub not_started: usize,
    /// Input rows that were not an id or an email (runs made from a file).
    pub malformed: usize,
    /// Input rows naming a user an earlier row named (used once).
    pub duplicates: usize,
    pub journal: String,
    pub report_csv: Option<String>,
    pub report_json: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    pub user_id: String,
    pub user_name: String,
    pub action: String,
    pub outcome: String,
    pub status: Option<u16>,
    pub detail: String,
    /// The tenant identity the run was made on (host plus the tenant's identifier).
    pub tenant: String,
}

impl Summary {
    pub fn from_journal(j: &JournalState) -> Summary {
        let mut s = Summary {
            batch_id: j.batch_id.clone(),
            action: j.intent.label(),
            planned: j.targets.len(),
            changed: 0,
            no_op: 0,
            failed: 0,
            in_doubt: 0,
            protected: 0,
            not_found: 0,
            gone: 0,
            unknown: 0,
            not_started: 0,
            malformed: j.input.map_or(0, |i| i.malformed),
            duplicates: j.input.map_or(0, |i| i.duplicates),
            journal: j.path.display().to_string(),
            report_csv: None,
            report_json: None,
        };
        for row in rows(j) {
            match row.outcome.as_str() {
                "done" => s.changed += 1,
                "no_op" => s.no_op += 1,
                "failed" => s.failed += 1,
                "in_doubt" => s.in_doubt += 1,
                "protected" => s.protected += 1,
                "not_found" => {
                    s.not_found += 1;
                    // The runner records a 404 only for users it re-read at run time.
                    if row.status.is_some() {
                        s.gone += 1;
                    }
                }
                "unknown" => s.unknown += 1,
                _ => s.not_started += 1,
            }
        }
        s
    }

    /// Exit code: 0 all done, 1 a user planned for change was not changed or is not known
    /// to be (failed, in doubt, gone, unknown or not started).
    pub fn exit_code(&self) -> u8 {
        if self.failed + self.in_doubt + self.gone + self.unknown + self.not_started > 0 {
            1
        } else {
            0
        }
    }
}

impl Summary {
    /// Users a resume would re-check or finish: in doubt, unknown, never started.
    pub fn to_recheck(&self) -> usize {
        self.in_doubt + self.unknown + self.not_started
    }

    /// The counts line printed on stderr: every count of the JSON summary, so the two never
    /// disagree.
    pub fn counts_line(&self) -> String {
        format!(
            "changed {}  no-op {}  failed {}  in doubt {}  protected {}  not found {} (gone {})  unknown {}  not started {}",
            self.changed,
            self.no_op,
            self.failed,
            self.in_doubt,
            self.protected,
            self.not_found,
            self.gone,
            self.unknown,
            self.not_started
        )
    }
}

/// A user whose request was in flight at an interruption and whose re-check on resume found
/// the change made: this batch changed them.
pub const CONFIRMED: &str = "changed (confirmed on resume)";

/// One row per target, in plan order.
pub fn rows(j: &JournalState) -> Vec<ReportRow> {
    let action = j.intent.label();
    j.targets
        .iter()
        .map(|t| {
            let (outcome, status, detail) = match j.last_result.get(&t.user_id) {
                _ if j.confirmed.contains(&t.user_id) => {
                    ("done".to_string(), None, CONFIRMED.to_string())
                }
                _ if j.unknown.contains(&t.user_id) => (
                    "unknown".to_string(),
                    None,
                    "request sent; no answer recorded (resume re-checks it)".to_string(),
                ),
                Some(Record::Result {
                    outcome,
                    status,
                    detail,
                    ..
                }) => (outcome.as_str().to_string(), *status, detail.clone()),
                _ => ("not_started".to_string(), None, String::new()),
            };
            ReportRow {
                user_id: t.user_id.clone(),
                user_name: t.user_name.clone(),
                action: action.clone(),
                outcome,
                status,
                detail,
                tenant: j.tenant.clone(),
            }
        })
        .collect()
}

/// The users that failed, were in doubt, or were gone when the run came to them, with the
/// server's reason.
pub fn failures(j: &JournalState) -> Vec<ReportRow> {
    rows(j)
        .into_iter()
        .filter(|r| {
            r.outcome == "failed"
                || r.outcome == "in_doubt"
                || (r.outcome == "not_found" && r.status.is_some())
        })
        .collect()
}

/// What a failure row is, as the lists on stderr head it: `failed`, `in doubt` or `gone`;
/// the same rows make the summary's counts.
pub fn failure_group(r: &ReportRow) -> &'static str {
    match r.outcome.as_str() {
        "failed" => "failed",
        "in_doubt" => "in doubt",
        _ => "gone",
    }
}

/// Writes `<journal>.report.csv` and `<journal>.report.json` (mode 0600).
pub fn write_reports(j: &JournalState) -> std::io::Result<(PathBuf, PathBuf)> {
    let rows = rows(j);
    let (csv_path, json_path) = report_paths(&j.path);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "user_id",
        "user_name",
        "action",
        "outcome",
        "status",
        "detail",
        "tenant",
    ])
    .map_err(std::io::Error::other)?;
    for r in &rows {
        let status = r.status.map(|s| s.to_string()).unwrap_or_default();
        w.write_record(
            [
                r.user_id.as_str(),
                &r.user_name,
                &r.action,
                &r.outcome,
                &status,
                &r.detail,
                &r.tenant,
            ]
            .map(crate::untrusted::csv_cell)
            .iter()
            .map(|c| c.as_ref()),
        )
        .map_err(std::io::Error::other)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    write_private(&csv_path, &bytes)?;
    let json = serde_json::to_vec_pretty(&rows).map_err(std::io::Error::other)?;
    write_private(&json_path, &json)?;
    Ok((csv_path, json_path))
}

/// Where the reports of a journal are written: `<stem>.report.csv` and `<stem>.report.json`.
pub fn report_paths(journal: &Path) -> (PathBuf, PathBuf) {
    (
        sibling(journal, "report.csv"),
        sibling(journal, "report.json"),
    )
}

fn sibling(journal: &Path, suffix: &str) -> PathBuf {
    let stem = journal
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "batch".into());
    journal.with_file_name(format!("{stem}.{suffix}"))
}
