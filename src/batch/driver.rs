//! The one place a run is started, resumed and finished, for the headless commands and the
//! TUI alike: journal creation (exclusive, locked, sealed), the run and resume records, whom a
//! resume looks at, the summary and reports read back from the journal, and the undo plan.
//! Front ends keep only their arguments or keys, preview, confirmation and progress display.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::batch::journal::{
    Intent, Journal, JournalError, JournalState, Record, SealCheck, Target,
};
use crate::batch::report::{Summary, write_reports};
use crate::batch::runner::{self, Batch, BatchError, Event, RunOptions};
use crate::batch::seal::SealKey;
use crate::batch::undo::{self, Grant};
use crate::config::Paths;
use crate::input::{LookupError, UserLookup};
use crate::plan::{Outcome, Plan, RunRef, UserState};
use crate::scim::ScimClient;

/// Runs larger than this need an explicit cap.
pub const DEFAULT_MAX_USERS: usize = 500;

/// How often a running journal is flushed to disk when records are few.
const SYNC_EVERY: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("cannot use the journal key in {dir}: {source}")]
    Key {
        dir: PathBuf,
        source: std::io::Error,
    },
    /// Refused before anything was sent.
    #[error("{0}")]
    Refused(String),
}

pub fn new_batch_id() -> String {
    format!("{:08x}", rand::rng().random::<u32>())
}

/// `journals/2026-11-23T10-49-42Z-1a2b3c4d.jsonl` in the data directory.
pub fn default_journal_path(paths: &Paths, batch_id: &str) -> PathBuf {
    let ts = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .replace(':', "-");
    paths.journal_dir().join(format!("{ts}-{batch_id}.jsonl"))
}

/// The installation's journal key (created on first use).
pub fn seal_key(paths: &Paths) -> Result<SealKey, DriverError> {
    SealKey::load_or_create(&paths.data_dir).map_err(|source| DriverError::Key {
        dir: paths.data_dir.clone(),
        source,
    })
}

/// Splits a plan into the users to re-read and change, and the results already settled.
pub fn batch_from_plan(plan: &Plan, batch_id: &str, intent: Intent) -> Batch {
    let (changes, settled): (Vec<_>, Vec<_>) = plan
        .items
        .iter()
        .cloned()
        .partition(|i| i.outcome == Outcome::Change);
    Batch {
        batch_id: batch_id.to_string(),
        tenant: plan.tenant.clone(),
        intent,
        plan_hash: plan.hash.clone(),
        targets: changes
            .iter()
            .map(|i| Target {
                user_id: i.user_id.clone(),
                user_name: i.user_name.clone(),
            })
            .chain(settled.iter().map(|i| Target {
                user_id: i.user_id.clone(),
                user_name: if i.user_name.is_empty() {
                    i.display_name.clone()
                } else {
                    i.user_name.clone()
                },
            }))
            .collect(),
        settled,
        recorded_before: Default::default(),
        undoes: plan.undoes.clone(),
        input: plan.input,
    }
}

/// Why a journal's seal does not verify, as the operator reads it.
pub fn broken_seal_message(path: &Path, line: usize) -> String {
    format!(
        "the seal of {} does not verify from line {line}: the journal was edited, or made by another installation of scimitar. Nothing was sent. If you made this journal and trust its content, pass --trust-journal (what would be granted is listed user by user first)",
        path.display()
    )
}

/// An existing journal, locked by this process, healed, checked for this tenant.
pub struct Opened {
    pub journal: Arc<Journal>,
    pub state: JournalState,
    /// What the operator should know: a torn line that was set aside.
    pub notes: Vec<String>,
}

/// Opens a journal to resume or undo it. A broken seal is refused unless `trust`.
pub fn open(key: &SealKey, path: &Path, tenant: &str, trust: bool) -> Result<Opened, DriverError> {
    let (journal, state) = Journal::resume(path, key)?;
    state.check_tenant(tenant)?;
    if let SealCheck::Broken { line } = state.seal
        && !trust
    {
        return Err(DriverError::Refused(broken_seal_message(path, line)));
    }
    let notes = state
        .torn
        .iter()
        .map(|t| {
            format!(
                "{} (the cut bytes are kept in {})",
                t.message(),
                crate::batch::journal::torn_file(path).display()
            )
        })
        .collect();
    Ok(Opened {
        journal: Arc::new(journal),
        state,
        notes,
    })
}

/// Reads a journal without locking it, to show what a resume or undo would do.
pub fn peek(key: &SealKey, path: &Path, tenant: &str) -> Result<JournalState, DriverError> {
    let state = JournalState::read_sealed(path, key)?;
    state.check_tenant(tenant)?;
    if let SealCheck::Broken { line } = state.seal {
        return Err(DriverError::Refused(broken_seal_message(path, line)));
    }
    Ok(state)
}

/// A run ready to go: its journal is open and locked.
pub struct Started {
    journal: Arc<Journal>,
    /// Other runs of the tenant see this one while it is held (see `tenant_lock`).
    tenant_lock: Option<crate::batch::tenant_lock::TenantLock>,
    pub path: PathBuf,
    pub batch: Batch,
    fresh: bool,
}

/// A new run: the journal must not exist yet.
pub fn start(key: &SealKey, path: &Path, batch: Batch) -> Result<Started, DriverError> {
    let journal = Journal::create(path, key)?;
    Ok(Started {
        tenant_lock: crate::batch::tenant_lock::hold(&batch.tenant),
        journal: Arc::new(journal),
        path: path.to_path_buf(),
        batch,
        fresh: true,
    })
}

impl Opened {
    /// Resumes for `targets` (from [`JournalState::resume_targets`]): the resume record is
    /// written (and on disk) before any request.
    pub fn resume(self, targets: Vec<Target>) -> Result<Started, DriverError> {
        self.journal.append_synced(&Record::Resume {
            at: crate::batch::journal::now_rfc3339(),
            user_ids: targets.iter().map(|t| t.user_id.clone()).collect(),
        })?;
        let s = &self.state;
        Ok(Started {
            tenant_lock: crate::batch::tenant_lock::hold(&s.tenant),
            path: s.path.clone(),
            batch: Batch {
                batch_id: s.batch_id.clone(),
                tenant: s.tenant.clone(),
                intent: s.intent.clone(),
                plan_hash: s.plan_hash.clone(),
                targets,
                settled: Vec::new(),
                recorded_before: s.first_before.clone(),
                undoes: s.undoes.clone(),
                input: s.input,
            },
            journal: self.journal,
            fresh: false,
        })
    }
}

/// How a run ended.
pub struct Finished {
    /// Read back from the journal, with the reports written beside it.
    pub summary: Result<Summary, JournalError>,
    /// Why the run stopped before its end, if it did.
    pub stopped: Option<String>,
    /// The breaker stopped it: the server was failing.
    pub server_down: bool,
    /// The reports could not be written: the path and why (the journal still holds the run).
    pub report_error: Option<String>,
    /// Where the run's records are: the journal, or its recovery file if it was diverted.
    pub journal: PathBuf,
}

/// Runs a started batch to its end (or a stop), keeping the journal on disk each half
/// second, then reads the journal back into the summary and the reports.
pub async fn run(
    started: Started,
    client: &ScimClient,
    opts: &RunOptions,
    events: mpsc::UnboundedSender<Event>,
    cancel: CancellationToken,
) -> Finished {
    let Started {
        journal,
        tenant_lock,
        path: _,
        batch,
        fresh,
    } = started;
    let syncer = {
        let journal = journal.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SYNC_EVERY);
            loop {
                every.tick().await;
                if let Err(e) = journal.sync() {
                    tracing::warn!("{e}");
                }
            }
        })
    };
    let result = if fresh {
        runner::run(client, &batch, journal.clone(), opts, events, cancel).await
    } else {
        runner::execute(client, &batch, journal.clone(), opts, events, cancel).await
    };
    syncer.abort();
    let _ = journal.sync();
    let server_down = matches!(result, Err(BatchError::ServerDown { .. }));
    // A journal removed or replaced mid-run: its records are in the recovery file.
    let path = journal.current_path();
    let (summary, report_error) = match finish_reporting(&path) {
        Ok((s, e)) => (Ok(s), e),
        Err(e) => (Err(e), None),
    };
    // The lock is released only now: the reports are written under it.
    drop(journal);
    drop(tenant_lock);
    Finished {
        summary,
        stopped: result.err().map(|e| e.to_string()),
        server_down,
        report_error,
        journal: path,
    }
}

/// The summary and reports of a journal, read back from it.
pub fn finish(path: &Path) -> Result<Summary, JournalError> {
    finish_reporting(path).map(|(s, _)| s)
}

/// [`finish`], and why the reports could not be written (naming the path), if they could not.
pub fn finish_reporting(path: &Path) -> Result<(Summary, Option<String>), JournalError> {
    let state = JournalState::read(path)?;
    let mut s = Summary::from_journal(&state);
    let error = match write_reports(&state) {
        Ok((csv, json)) => {
            s.report_csv = Some(csv.display().to_string());
            s.report_json = Some(json.display().to_string());
            None
        }
        Err(e) => {
            let (csv, _) = crate::batch::report::report_paths(&state.path);
            tracing::warn!("could not write the reports: {e}");
            Some(format!(
                "cannot write the report {}: {e}; the journal {} still holds every result",
                csv.display(),
                state.path.display()
            ))
        }
    };
    Ok((s, error))
}

/// The undo of a journal: what the run took away, against the users as they are now.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoPlanned {
    pub plan: Plan,
    /// Per user, what to give back (the intent of the undo run).
    pub states: HashMap<String, UserState>,
    /// Users the run changed that are no longer in the tenant.
    pub missing: Vec<String>,
    pub grants: Vec<Grant>,
    /// Users changed since the run by someone else, one line each, for the preview.
    pub changed_since: Vec<String>,
}

impl UndoPlanned {
    pub fn intent(&self) -> Intent {
        Intent::Restore {
            states: self.states.clone(),
        }
    }
}

pub async fn plan_undo<L: UserLookup>(
    state: &JournalState,
    lookup: &L,
) -> Result<UndoPlanned, LookupError> {
    let undo::UndoInputs {
        entries,
        missing,
        grants,
        changed_since,
    } = undo::inputs(state, lookup).await?;
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let mut plan = Plan::undo(&state.tenant, &now, &entries);
    plan.undoes = Some(RunRef {
        batch_id: state.batch_id.clone(),
        journal: state.path.display().to_string(),
    });
    let states = entries
        .iter()
        .map(|(give, u)| (u.id.clone(), give.clone()))
        .collect();
    Ok(UndoPlanned {
        plan,
        states,
        missing,
        grants,
        changed_since,
    })
}

/// One line per user of what trusting a journal would grant.
pub fn describe_grants(grants: &[Grant]) -> Vec<String> {
    grants
        .iter()
        .map(|g| {
            let mut parts = Vec::new();
            if g.give.active {
                parts.push("re-enable".to_string());
            }
            if !g.give.workspaces.is_empty() {
                let names: Vec<&str> = g
                    .give
                    .workspaces
                    .iter()
                    .map(|w| {
                        if w.name.is_empty() {
                            w.id.as_str()
                        } else {
                            w.name.as_str()
                        }
                    })
                    .collect();
                parts.push(format!(
                    "give back {} workspace(s): {}",
                    names.len(),
                    names.join(", ")
                ));
            }
            format!("{} ({}): {}", g.user_name, g.user_id, parts.join("; "))
        })
        .collect()
}
