//! The bulk flow's effects that touch files, the clock and the network: reading and
//! resolving a CSV, saving reports and plans, running a batch with its journal, and reading a
//! journal back for undo and resume. Only `effect.rs` calls these.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{self, UnboundedSender};
use tokio_util::sync::CancellationToken;

use crate::batch::report::write_reports;
use crate::batch::runner::{self, Batch, RunOptions};
use crate::batch::{Journal, JournalState, Record, Summary, Target};
use crate::config::{Paths, create_private_dir, write_private};
use crate::input::{self, ResolveReport, UserLookup};
use crate::plan::Plan;
use crate::scim::ScimClient;
use crate::scim::model::User;
use crate::tui::action::Action;
use crate::tui::bulk::msg::{BatchEvent, ResumeInfo, RunStats, UndoPlan};
use crate::tui::bulk::state::{CsvLoaded, expand_tilde};

/// How often the client's counters are sampled while a batch runs.
const STATS_EVERY: Duration = Duration::from_millis(250);

fn home() -> Option<String> {
    std::env::var("HOME").ok().filter(|h| !h.is_empty())
}

pub fn resolve_path(path: &str) -> PathBuf {
    expand_tilde(path, home().as_deref())
}

/// A lookup that reports how many keys have been resolved, for the loading screen.
struct CountingLookup<'a> {
    client: &'a ScimClient,
    tx: &'a UnboundedSender<Action>,
    rows: usize,
    done: AtomicUsize,
}

impl CountingLookup<'_> {
    fn report(&self, n: usize) {
        let looked_up = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let _ = self.tx.send(Action::CsvProgress {
            rows: self.rows,
            looked_up,
        });
    }
}

impl UserLookup for CountingLookup<'_> {
    async fn users_by_ids(&self, ids: &[String]) -> Result<Vec<User>, String> {
        let r = self.client.users_by_ids(ids).await;
        self.report(ids.len());
        r
    }

    async fn users_by_user_names(&self, names: &[String]) -> Result<Vec<User>, String> {
        let r = self.client.users_by_user_names(names).await;
        self.report(names.len());
        r
    }
}

/// Reads and resolves a CSV. The error is the reason in plain words (file, encoding, column,
/// rows), with the path.
pub async fn load_csv(
    client: &ScimClient,
    tx: &UnboundedSender<Action>,
    path: &str,
) -> Result<CsvLoaded, String> {
    let p = resolve_path(path);
    let bytes = tokio::fs::read(&p)
        .await
        .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    let parsed = input::csv::read(&bytes).map_err(|e| format!("{}: {e}", p.display()))?;
    let rows = parsed.entries.len();
    let _ = tx.send(Action::CsvProgress { rows, looked_up: 0 });
    let lookup = CountingLookup {
        client,
        tx,
        rows,
        done: AtomicUsize::new(0),
    };
    let report = input::resolve(&parsed, &lookup).await;
    Ok(CsvLoaded {
        path: p.display().to_string(),
        report,
    })
}

pub fn save_report(path: &str, report: &ResolveReport) -> Result<String, String> {
    let p = resolve_path(path);
    let mut buf = Vec::new();
    report.write_csv(&mut buf).map_err(|e| e.to_string())?;
    write_private(&p, &buf).map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(p.display().to_string())
}

pub fn save_plan(path: &str, plan: &Plan) -> Result<String, String> {
    let p = resolve_path(path);
    let mut plan = plan.clone();
    // Not part of the hash: stamping it keeps the plan valid.
    plan.created = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    write_private(&p, plan.to_json().as_bytes()).map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(p.display().to_string())
}

/// Runs a batch (new journal) or continues one (`resume`), forwarding runner events and the
/// client's counters, then reports the summary read back from the journal.
pub async fn run_batch(
    client: ScimClient,
    tx: UnboundedSender<Action>,
    batch: Batch,
    paths: Paths,
    resume: Option<PathBuf>,
    cancel: CancellationToken,
) {
    let fresh = resume.is_none();
    let journal_path = resume
        .unwrap_or_else(|| crate::commands::run::default_journal_path(&paths, &batch.batch_id));
    let finish = |summary: Result<Summary, String>, stopped: Option<String>| {
        let _ = tx.send(Action::RunFinished {
            summary: summary.map(Box::new),
            stopped,
        });
    };
    if let Some(dir) = journal_path.parent()
        && let Err(e) = create_private_dir(dir)
    {
        finish(
            Err(format!(
                "cannot create {}: {e}; nothing was sent",
                dir.display()
            )),
            None,
        );
        return;
    }
    let journal = match Journal::open(&journal_path) {
        Ok(j) => Arc::new(j),
        Err(e) => {
            finish(Err(format!("{e}; nothing was sent")), None);
            return;
        }
    };
    if !fresh {
        let record = Record::Resume {
            at: crate::batch::journal::now_rfc3339(),
            user_ids: batch.targets.iter().map(|t| t.user_id.clone()).collect(),
        };
        if let Err(e) = journal.append(&record) {
            finish(Err(format!("{e}; nothing was sent")), None);
            return;
        }
    }
    let stats0 = client.stats();
    let _ = tx.send(Action::RunStarted {
        batch_id: batch.batch_id.clone(),
        journal: journal_path.display().to_string(),
        at: Instant::now(),
        baseline: stats0,
    });
    let sample = {
        let client = client.clone();
        move || RunStats {
            now: Instant::now(),
            stats: client.stats(),
        }
    };
    let (etx, mut erx) = mpsc::unbounded_channel();
    let forward = {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(ev) = erx.recv().await {
                if tx.send(Action::RunEvent(BatchEvent(ev))).is_err() {
                    break;
                }
            }
        })
    };
    let ticker = {
        let tx = tx.clone();
        let sample = sample.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(STATS_EVERY);
            loop {
                every.tick().await;
                if tx.send(Action::RunTick(sample())).is_err() {
                    break;
                }
            }
        })
    };
    let opts = RunOptions::default();
    let result = if fresh {
        runner::run(&client, &batch, journal, &opts, etx, cancel).await
    } else {
        runner::execute(&client, &batch, journal, &opts, etx, cancel).await
    };
    // Every event is delivered before the summary.
    let _ = forward.await;
    ticker.abort();
    let _ = tx.send(Action::RunTick(sample()));
    let stopped = result.err().map(|e| e.to_string());
    let summary = JournalState::read(&journal_path)
        .map_err(|e| e.to_string())
        .map(|state| {
            let mut s = Summary::from_journal(&state);
            match write_reports(&state) {
                Ok((csv, json)) => {
                    s.report_csv = Some(csv.display().to_string());
                    s.report_json = Some(json.display().to_string());
                }
                Err(e) => tracing::warn!("could not write the reports: {e}"),
            }
            s
        });
    finish(summary, stopped);
}

/// Like `scimitar undo`: the journal's recorded states against the users as they are now.
pub async fn build_undo(client: &ScimClient, journal: PathBuf) -> Result<UndoPlan, String> {
    let state = JournalState::read(&journal).map_err(|e| e.to_string())?;
    state.check_tenant(&client.tenant_label())?;
    let crate::batch::undo::UndoInputs { entries, missing } =
        crate::batch::undo::inputs(&state, client).await?;
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let plan = Plan::undo(&state.tenant, &now, &entries);
    let states = entries
        .iter()
        .map(|(b, u)| (u.id.clone(), b.clone()))
        .collect();
    Ok(UndoPlan {
        journal,
        plan: Arc::new(plan),
        states,
        missing,
    })
}

/// Like `scimitar resume`, and the failures too: unknown users are re-checked, users not
/// started are done, failed ones are retried; each is re-read before any write.
pub fn prepare_resume(client: &ScimClient, journal: PathBuf) -> Result<ResumeInfo, String> {
    let state = JournalState::read(&journal).map_err(|e| e.to_string())?;
    state.check_tenant(&client.tenant_label())?;
    let unknown = state.unknown_targets();
    let remaining = state.remaining();
    let failed = state.failed();
    let (nu, nr, nf) = (unknown.len(), remaining.len(), failed.len());
    let mut seen: HashSet<String> = HashSet::new();
    let targets: Vec<Target> = unknown
        .into_iter()
        .chain(remaining)
        .chain(failed)
        .filter(|t| seen.insert(t.user_id.clone()))
        .collect();
    Ok(ResumeInfo {
        journal,
        batch_id: state.batch_id.clone(),
        tenant: state.tenant.clone(),
        intent: state.intent.clone(),
        plan_hash: state.plan_hash.clone(),
        targets,
        unknown: nu,
        not_started: nr,
        failed: nf,
    })
}
