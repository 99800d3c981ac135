//! Runs of a tenant that stopped before their end: what the headless commands mention on
//! stderr, and what the TUI can offer to resume at start. Read from the journals alone.

use std::path::Path;
use std::time::SystemTime;

use serde::Serialize;

use crate::batch::history::{self, RunState};

/// One interrupted run, as a reminder names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interrupted {
    pub id: String,
    /// What the run does (`disable`, `undo of 1a2b3c4d`, ...).
    pub action: String,
    pub planned: usize,
    pub changed: usize,
    pub failed: usize,
    /// Users a resume would look at: in doubt, never started, or failed.
    pub left: usize,
    /// When its journal last recorded something (RFC 3339).
    pub last_activity: String,
    /// Seconds since then (0 when the time cannot be read).
    pub age_secs: u64,
    pub journal: String,
}

impl Interrupted {
    /// `3 min`, `5 h`, `2 d`: how long ago the run stopped.
    pub fn age(&self) -> String {
        let s = self.age_secs;
        match s {
            0..=59 => format!("{s} s"),
            60..=3599 => format!("{} min", s / 60),
            3600..=86_399 => format!("{} h", s / 3600),
            _ => format!("{} d", s / 86_400),
        }
    }
}

/// Whether a journal made on `journal_tenant` belongs to the tenant a client calls `label`.
/// A client that has not asked who it signs in as knows only the host: then any tenant of
/// that host matches (`host` against `host (customer C)`).
pub fn same_tenant(journal_tenant: &str, label: &str) -> bool {
    let host = |t: &str| t.split(" (").next().unwrap_or(t).to_string();
    journal_tenant == label
        || (!label.contains(" (") && host(journal_tenant) == label)
        || (!journal_tenant.contains(" (") && host(label) == journal_tenant)
}

/// The interrupted runs of `tenant` in the journals directory, newest first. Unreadable
/// journals are left to `scimitar runs`, which names them.
pub fn of_tenant(dir: &Path, tenant: &str, now: SystemTime) -> Vec<Interrupted> {
    let Ok(list) = history::list(dir) else {
        return Vec::new();
    };
    list.runs
        .iter()
        .filter(|r| r.state == RunState::Interrupted && same_tenant(&r.tenant, tenant))
        .map(|r| Interrupted {
            id: r.id.clone(),
            action: match &r.undoes {
                Some(of) => format!("undo of {of}"),
                None => r.summary.action.clone(),
            },
            planned: r.summary.planned,
            changed: r.summary.changed,
            failed: r.summary.failed,
            left: r.left(),
            last_activity: r.last_activity.clone(),
            age_secs: humantime::parse_rfc3339_weak(&r.last_activity)
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .map_or(0, |d| d.as_secs()),
            journal: r.summary.journal.clone(),
        })
        .collect()
}

/// The one line a headless command prints on stderr when runs of its tenant were left
/// unfinished, or `None` when there are none.
pub fn reminder(runs: &[Interrupted]) -> Option<String> {
    let newest = runs.first()?;
    let what = format!(
        "run {} ({}) was interrupted {} ago: {} of {} users left; resume with: scimitar resume {}",
        newest.id,
        crate::untrusted::clip(&newest.action, 40),
        newest.age(),
        newest.left,
        newest.planned,
        newest.id
    );
    Some(match runs.len() {
        1 => what,
        n => format!("{n} interrupted runs of this tenant (`scimitar runs` lists them); {what}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_alone_matches_every_tenant_of_that_host_and_an_identity_only_itself() {
        assert!(same_tenant("h:1 (customer A)", "h:1"));
        assert!(same_tenant("h:1", "h:1 (customer A)"));
        assert!(same_tenant("h:1 (customer A)", "h:1 (customer A)"));
        assert!(!same_tenant("h:1 (customer A)", "h:1 (customer B)"));
        assert!(!same_tenant("h:2 (customer A)", "h:1"));
    }

    #[test]
    fn the_reminder_names_the_newest_run_and_how_to_resume_it() {
        let run = |id: &str| Interrupted {
            id: id.into(),
            action: "disable".into(),
            planned: 20,
            changed: 5,
            failed: 0,
            left: 15,
            last_activity: "2026-12-03T10:00:00Z".into(),
            age_secs: 7300,
            journal: "j".into(),
        };
        assert_eq!(reminder(&[]), None);
        let one = reminder(&[run("1a2b3c4d")]).unwrap();
        assert_eq!(
            one,
            "run 1a2b3c4d (disable) was interrupted 2 h ago: 15 of 20 users left; resume with: scimitar resume 1a2b3c4d"
        );
        let two = reminder(&[run("1a2b3c4d"), run("ffff0000")]).unwrap();
        assert!(two.starts_with("2 interrupted runs"), "{two}");
        assert!(!two.contains('\n'));
    }
}
