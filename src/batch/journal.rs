//! The journal: one JSON line per event of a batch, appended and flushed per record to a
//! mode-0600 file. It holds each user's state before the change, so a run can be resumed
//! after a crash (at most the requests in flight are unknown) and undone later.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::config::create_private;
use crate::plan::{Action, Protected, UserState};
use crate::scim::model::PatchRequest;

pub const JOURNAL_VERSION: u32 = 1;

/// What a batch does to each user: an action (re-planned on fresh state), or a restore of
/// recorded states (undo).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Intent {
    Apply {
        action: Action,
        protected: Protected,
    },
    Restore {
        states: HashMap<String, UserState>,
    },
}

impl Intent {
    pub fn label(&self) -> String {
        match self {
            Intent::Apply { action, .. } => action.label(),
            Intent::Restore { .. } => "undo (restore recorded state)".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub user_id: String,
    pub user_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    Done,
    NoOp,
    Failed,
    Protected,
    NotFound,
}

impl ResultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultKind::Done => "done",
            ResultKind::NoOp => "no_op",
            ResultKind::Failed => "failed",
            ResultKind::Protected => "protected",
            ResultKind::NotFound => "not_found",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// First line: what the batch is and whom it covers.
    Run {
        version: u32,
        batch_id: String,
        tenant: String,
        intent: Intent,
        plan_hash: String,
        started: String,
        targets: Vec<Target>,
    },
    /// A later run over the same journal (resume): the users it will look at.
    Resume {
        at: String,
        user_ids: Vec<String>,
    },
    /// Written before the first request for a user is sent.
    Attempt {
        user_id: String,
        user_name: String,
        at: String,
        before: UserState,
        after: UserState,
        requests: Vec<PatchRequest>,
    },
    Result {
        user_id: String,
        user_name: String,
        at: String,
        outcome: ResultKind,
        status: Option<u16>,
        detail: String,
        after: Option<UserState>,
        latency_ms: u64,
    },
    End {
        at: String,
        cancelled: bool,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot write the journal {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the journal {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} is not a scimitar journal: line {line}: {message} (a journal is JSON lines starting with a `run` record)"
    )]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// An open journal. Cloning is not needed: share it behind an `Arc`.
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

impl Journal {
    /// Opens for appending (creating it 0600 if new).
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let file = create_private(path, true).map_err(|source| JournalError::Write {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Journal {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record and flushes it to the OS, so a killed process loses nothing
    /// it had written.
    pub fn append(&self, record: &Record) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(record).map_err(|e| JournalError::Write {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push(b'\n');
        let mut f = match self.file.lock() {
            Ok(f) => f,
            Err(p) => p.into_inner(),
        };
        f.write_all(&line)
            .and_then(|()| f.flush())
            .map_err(|source| JournalError::Write {
                path: self.path.clone(),
                source,
            })
    }
}

/// Everything a journal says, folded per user.
#[derive(Debug, Clone)]
pub struct JournalState {
    pub path: PathBuf,
    pub batch_id: String,
    pub tenant: String,
    pub intent: Intent,
    pub plan_hash: String,
    pub targets: Vec<Target>,
    /// The earliest recorded state before any change, per user: what undo restores.
    pub first_before: HashMap<String, UserState>,
    /// The last result per user.
    pub last_result: HashMap<String, Record>,
    /// Users with an attempt after their last result (or none): in flight when it stopped.
    pub unknown: Vec<String>,
    pub ended: bool,
    /// A torn last line (the process died while writing it) is skipped and counted here.
    pub torn_lines: usize,
}

impl JournalState {
    pub fn read(path: &Path) -> Result<JournalState, JournalError> {
        let file = File::open(path).map_err(|source| JournalError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let invalid = |line: usize, message: String| JournalError::Invalid {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut lines: Vec<(usize, String)> = Vec::new();
        for (i, l) in BufReader::new(file).lines().enumerate() {
            let l = l.map_err(|source| JournalError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            if !l.trim().is_empty() {
                lines.push((i + 1, l));
            }
        }
        let count = lines.len();
        let mut state: Option<JournalState> = None;
        let mut open_attempts: HashMap<String, bool> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut torn = 0;
        for (idx, (n, l)) in lines.into_iter().enumerate() {
            let rec: Record = match serde_json::from_str(&l) {
                Ok(r) => r,
                Err(_) if idx + 1 == count && state.is_some() => {
                    torn += 1;
                    continue;
                }
                Err(e) => return Err(invalid(n, e.to_string())),
            };
            match rec {
                Record::Run {
                    version,
                    batch_id,
                    tenant,
                    intent,
                    plan_hash,
                    targets,
                    ..
                } => {
                    if state.is_some() {
                        return Err(invalid(n, "a second `run` record".into()));
                    }
                    if version != JOURNAL_VERSION {
                        return Err(invalid(
                            n,
                            format!(
                                "journal version {version}; this scimitar reads {JOURNAL_VERSION}"
                            ),
                        ));
                    }
                    state = Some(JournalState {
                        path: path.to_path_buf(),
                        batch_id,
                        tenant,
                        intent,
                        plan_hash,
                        targets,
                        first_before: HashMap::new(),
                        last_result: HashMap::new(),
                        unknown: Vec::new(),
                        ended: false,
                        torn_lines: 0,
                    });
                }
                other => {
                    let Some(s) = state.as_mut() else {
                        return Err(invalid(n, "the first record is not a `run` record".into()));
                    };
                    match &other {
                        Record::Attempt {
                            user_id, before, ..
                        } => {
                            s.first_before
                                .entry(user_id.clone())
                                .or_insert_with(|| before.clone());
                            if open_attempts.insert(user_id.clone(), true).is_none() {
                                order.push(user_id.clone());
                            }
                        }
                        Record::Result { user_id, .. } => {
                            open_attempts.insert(user_id.clone(), false);
                            s.last_result.insert(user_id.clone(), other.clone());
                        }
                        Record::End { .. } => s.ended = true,
                        Record::Resume { .. } => s.ended = false,
                        Record::Run { .. } => {}
                    }
                }
            }
        }
        let mut s = state.ok_or_else(|| invalid(1, "the journal is empty".into()))?;
        s.unknown = order
            .into_iter()
            .filter(|id| open_attempts.get(id).copied().unwrap_or(false))
            .collect();
        s.torn_lines = torn;
        Ok(s)
    }

    /// A journal is only ever continued or undone on the tenant it was written for.
    pub fn check_tenant(&self, tenant: &str) -> Result<(), String> {
        if self.tenant != tenant {
            return Err(format!(
                "the journal is for tenant {}, but this connection is to {tenant}; nothing was sent",
                self.tenant
            ));
        }
        Ok(())
    }

    pub fn outcome_of(&self, user_id: &str) -> Option<ResultKind> {
        match self.last_result.get(user_id) {
            Some(Record::Result { outcome, .. }) => Some(*outcome),
            _ => None,
        }
    }

    /// Targets never looked at (no attempt and no result).
    pub fn remaining(&self) -> Vec<Target> {
        self.targets
            .iter()
            .filter(|t| {
                !self.last_result.contains_key(&t.user_id) && !self.unknown.contains(&t.user_id)
            })
            .cloned()
            .collect()
    }

    pub fn failed(&self) -> Vec<Target> {
        self.targets
            .iter()
            .filter(|t| self.outcome_of(&t.user_id) == Some(ResultKind::Failed))
            .cloned()
            .collect()
    }

    pub fn unknown_targets(&self) -> Vec<Target> {
        self.targets
            .iter()
            .filter(|t| self.unknown.contains(&t.user_id))
            .cloned()
            .collect()
    }
}

pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_record() -> Record {
        Record::Run {
            version: JOURNAL_VERSION,
            batch_id: "b1".into(),
            tenant: "t".into(),
            intent: Intent::Apply {
                action: Action::Disable,
                protected: Protected::default(),
            },
            plan_hash: "h".into(),
            started: now_rfc3339(),
            targets: ["a", "b", "c"]
                .iter()
                .map(|id| Target {
                    user_id: id.to_string(),
                    user_name: format!("{id}@x"),
                })
                .collect(),
        }
    }

    fn attempt(id: &str, active: bool) -> Record {
        Record::Attempt {
            user_id: id.into(),
            user_name: format!("{id}@x"),
            at: now_rfc3339(),
            before: UserState {
                active,
                workspaces: vec![],
            },
            after: UserState {
                active: false,
                workspaces: vec![],
            },
            requests: vec![],
        }
    }

    #[test]
    fn folds_results_unknowns_and_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.jsonl");
        let j = Journal::open(&p).unwrap();
        j.append(&run_record()).unwrap();
        j.append(&attempt("a", true)).unwrap();
        j.append(&Record::Result {
            user_id: "a".into(),
            user_name: "a@x".into(),
            at: now_rfc3339(),
            outcome: ResultKind::Done,
            status: Some(200),
            detail: String::new(),
            after: None,
            latency_ms: 3,
        })
        .unwrap();
        j.append(&attempt("b", true)).unwrap();
        drop(j);
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"record\":\"resu").unwrap();
        let s = JournalState::read(&p).unwrap();
        assert_eq!(s.outcome_of("a"), Some(ResultKind::Done));
        assert_eq!(s.unknown, vec!["b".to_string()]);
        assert_eq!(s.remaining().len(), 1);
        assert_eq!(s.remaining()[0].user_id, "c");
        assert_eq!(s.torn_lines, 1);
        assert!(s.first_before["b"].active);
    }

    #[test]
    fn earliest_before_state_is_kept_for_undo() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.jsonl");
        let j = Journal::open(&p).unwrap();
        j.append(&run_record()).unwrap();
        j.append(&attempt("a", true)).unwrap();
        j.append(&attempt("a", false)).unwrap();
        let s = JournalState::read(&p).unwrap();
        assert!(s.first_before["a"].active);
    }

    #[test]
    fn not_a_journal_is_refused_with_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "id,email\n1,a@b\n").unwrap();
        let e = JournalState::read(&p).unwrap_err().to_string();
        assert!(
            e.contains("line 1") && e.contains("not a scimitar journal"),
            "{e}"
        );
    }
}
