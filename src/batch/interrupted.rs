//! Runs of a tenant that stopped before their end: what the headless commands mention on
//! stderr, and what the TUI can offer to resume at start. Read from the journals alone.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::batch::history::{self, RunState};

/// One interrupted run, as a reminder names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// What the reminder keeps of each journal between commands, so that a command reads only
/// the journals that changed since (each can be megabytes). Informational only: a stale or
/// edited entry changes a reminder, never a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Cache {
    journals: BTreeMap<String, Seen>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Seen {
    len: u64,
    modified_ns: u128,
    tenant: String,
    started: String,
    /// `None` when the run was not interrupted when last read.
    interrupted: Option<Interrupted>,
}

pub const CACHE_FILE: &str = ".interrupted-cache.json";

fn stamp(path: &Path) -> Option<(u64, u128)> {
    let m = std::fs::metadata(path).ok()?;
    let ns = m
        .modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some((m.len(), ns))
}

fn read_one(path: &Path, len: u64, modified_ns: u128) -> Option<Seen> {
    let r = history::entry(path).ok()?;
    // A run going on is read again next time: it may be killed without another write.
    if r.state == RunState::Running {
        return None;
    }
    let interrupted = (r.state == RunState::Interrupted).then(|| Interrupted {
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
        age_secs: 0,
        journal: r.summary.journal.clone(),
    });
    Some(Seen {
        len,
        modified_ns,
        tenant: r.tenant,
        started: r.started,
        interrupted,
    })
}

/// The interrupted runs of `tenant` in the journals directory, newest first. Journals are
/// read one at a time, and only those changed since the last call; unreadable ones are left
/// to `scimitar runs`, which names them.
pub fn of_tenant(dir: &Path, tenant: &str, now: SystemTime) -> Vec<Interrupted> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let cache_path = dir.join(CACHE_FILE);
    let old: Cache = std::fs::read(&cache_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let mut cache = Cache::default();
    for path in read.filter_map(|e| e.ok().map(|e| e.path())) {
        if !history::is_journal(&path) {
            continue;
        }
        let (Some(name), Some((len, ns))) = (path.file_name(), stamp(&path)) else {
            continue;
        };
        let name = name.to_string_lossy().into_owned();
        let seen = match old.journals.get(&name) {
            Some(s) if s.len == len && s.modified_ns == ns => Some(s.clone()),
            _ => read_one(&path, len, ns),
        };
        if let Some(seen) = seen {
            cache.journals.insert(name, seen);
        }
    }
    let changed = cache.journals.len() != old.journals.len()
        || cache.journals.iter().any(|(k, v)| {
            old.journals
                .get(k)
                .is_none_or(|o| (o.len, o.modified_ns) != (v.len, v.modified_ns))
        });
    if changed && let Ok(bytes) = serde_json::to_vec(&cache) {
        let _ = crate::config::write_private(&cache_path, &bytes);
    }
    let mut found: Vec<(String, Interrupted)> = cache
        .journals
        .into_values()
        .filter(|s| same_tenant(&s.tenant, tenant))
        .filter_map(|s| Some((s.started, s.interrupted?)))
        .filter(|(_, i)| !history::is_locked(Path::new(&i.journal)))
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0));
    found
        .into_iter()
        .map(|(_, mut i)| {
            i.age_secs = humantime::parse_rfc3339_weak(&i.last_activity)
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .map_or(0, |d| d.as_secs());
            i
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
    fn journals_are_read_again_only_when_they_change() {
        use crate::batch::journal::{Intent, Journal, Record, now_rfc3339};
        use crate::plan::{Action, Protected};
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        let path = dir.join("1-aaaa0001.jsonl");
        let j = Journal::create(&path, &crate::batch::seal::SealKey::fixed(1)).unwrap();
        j.append(&Record::Run {
            version: crate::batch::journal::JOURNAL_VERSION,
            batch_id: "aaaa0001".into(),
            tenant: "h:1 (customer A)".into(),
            intent: Intent::Apply {
                action: Action::Disable,
                protected: Protected::default(),
            },
            plan_hash: "h".into(),
            started: now_rfc3339(),
            targets: vec![crate::batch::journal::Target {
                user_id: "a".into(),
                user_name: "a@x".into(),
            }],
            undoes: None,
            input: None,
        })
        .unwrap();
        drop(j);
        let now = SystemTime::now();
        let first = of_tenant(dir, "h:1", now);
        assert_eq!(first.len(), 1);
        assert_eq!((first[0].id.as_str(), first[0].left), ("aaaa0001", 1));
        assert!(of_tenant(dir, "h:2", now).is_empty());
        let cache = dir.join(CACHE_FILE);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // Same length and time: answered from the cache, the journal is not read (here its
        // bytes are garbage, which a read would refuse).
        let kept = std::fs::read(&path).unwrap();
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::fs::write(&path, vec![b'x'; kept.len()]).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        assert_eq!(of_tenant(dir, "h:1", now), first);
        // Changed (here: emptied): read again, and an unreadable journal is no reminder.
        std::fs::write(&path, b"").unwrap();
        assert!(of_tenant(dir, "h:1", now).is_empty());
        std::fs::write(&path, kept).unwrap();
        assert_eq!(of_tenant(dir, "h:1", now).len(), 1);
    }

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
