//! The bulk flow's effects that touch files, the clock and the network: reading and
//! resolving a CSV, saving reports and plans, running a batch with its journal, and reading a
//! journal back for undo and resume. The effect runner (`runner/mod.rs`) calls these; the CSV
//! column picker also reads a refused file's columns here.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{self, UnboundedSender};
use tokio_util::sync::CancellationToken;

use crate::batch::Summary;
use crate::batch::breaker::{Decision, Gate};
use crate::batch::driver;
use crate::batch::runner::{Batch, RunOptions};
use crate::config::{Paths, write_private};
use crate::input::{self, LookupError, ResolveReport, UserLookup};
use crate::plan::Plan;
use crate::scim::ScimClient;
use crate::scim::model::User;
use crate::tui::bulk::msg::{BatchEvent, ResumeInfo, ReviewSave, RunStats, UndoPlan};
use crate::tui::bulk::state::{CsvLoaded, resolve_path};
use crate::tui::failure::Failure;
use crate::tui::failure::FailureKind::{File, Journal};
use crate::tui::msg::Outcome;

/// How often the client's counters are sampled while a batch runs.
const STATS_EVERY: Duration = Duration::from_millis(250);

/// How often a paused run asks whether the server is back.
const PROBE_EVERY: Duration = Duration::from_secs(3);

/// A lookup that reports how many keys have been resolved, for the loading screen.
struct CountingLookup<'a> {
    client: &'a ScimClient,
    tx: &'a UnboundedSender<Outcome>,
    rows: usize,
    done: AtomicUsize,
}

impl CountingLookup<'_> {
    fn report(&self, n: usize) {
        let looked_up = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let _ = self.tx.send(Outcome::CsvProgress {
            rows: self.rows,
            looked_up,
        });
    }
}

impl UserLookup for CountingLookup<'_> {
    async fn users_by_ids(&self, ids: &[String]) -> Result<Vec<User>, LookupError> {
        let r = self.client.users_by_ids(ids).await;
        self.report(ids.len());
        r
    }

    async fn users_by_user_names(&self, names: &[String]) -> Result<Vec<User>, LookupError> {
        let r = self.client.users_by_user_names(names).await;
        self.report(names.len());
        r
    }

    async fn users_by_external_ids(&self, ids: &[String]) -> Result<Vec<User>, LookupError> {
        let r = self.client.users_by_external_ids(ids).await;
        self.report(ids.len());
        r
    }
}

/// Reads and resolves a CSV. The error is the reason in plain words (file, encoding, column,
/// rows), with the path.
pub async fn load_csv(
    client: &ScimClient,
    tx: &UnboundedSender<Outcome>,
    path: &str,
    options: &input::csv::ReadOptions,
) -> Result<CsvLoaded, Failure> {
    let p = resolve_path(path);
    let bytes = tokio::fs::read(&p)
        .await
        .map_err(|e| Failure::caused_by(File, format!("cannot read {}: {e}", p.display()), e))?;
    let parsed = input::csv::read_with(&bytes, options)
        .map_err(|e| Failure::caused_by(File, format!("{}: {e}", p.display()), e))?;
    let rows = parsed.entries.len();
    let _ = tx.send(Outcome::CsvProgress { rows, looked_up: 0 });
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

/// A CSV refused because no column fits or more than one does: its columns, to pick one
/// by hand, and why it was refused (`None` for any other failure).
pub fn columns_to_pick(
    path: &str,
    failure: &Failure,
) -> Option<(Vec<input::csv::ColumnPreview>, String)> {
    let why = std::error::Error::source(failure)?.downcast_ref::<input::csv::CsvError>()?;
    if !matches!(
        why,
        input::csv::CsvError::AmbiguousColumn { .. } | input::csv::CsvError::NoUsableColumn { .. }
    ) {
        return None;
    }
    let bytes = std::fs::read(resolve_path(path)).ok()?;
    let columns = input::csv::column_previews(&bytes).ok()?;
    (columns.len() > 1).then(|| (columns, why.to_string()))
}

pub fn save_report(path: &str, report: &ResolveReport) -> Result<String, Failure> {
    let p = resolve_path(path);
    let mut buf = Vec::new();
    report
        .write_csv(&mut buf)
        .map_err(|e| Failure::caused_by(File, e.to_string(), e))?;
    write_private(&p, &buf).map_err(|e| written(&p, e))?;
    Ok(p.display().to_string())
}

/// A file that could not be written, named.
fn written(p: &std::path::Path, e: std::io::Error) -> Failure {
    Failure::caused_by(File, format!("{}: {e}", p.display()), e)
}

pub fn save_plan(path: &str, plan: &Plan) -> Result<String, Failure> {
    let p = resolve_path(path);
    let mut plan = plan.clone();
    // Not part of the hash: stamping it keeps the plan valid.
    plan.created = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    write_private(&p, plan.to_json().as_bytes()).map_err(|e| written(&p, e))?;
    Ok(p.display().to_string())
}

/// Writes the review CSV (BOM, comment row, CRLF, cells neutralised), stamped now.
pub fn save_review(path: &str, s: &ReviewSave) -> Result<String, Failure> {
    use crate::input::review::{ReviewHeader, ReviewWriter};
    let p = resolve_path(path);
    let header = ReviewHeader {
        tenant: s.tenant.clone(),
        exported: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        scope: Some(vec![s.workspace.id.clone()]),
    };
    let io_err = |e: std::io::Error| written(&p, e);
    let mut w = ReviewWriter::start(Vec::new(), &header).map_err(io_err)?;
    w.write_workspace_members(&s.workspace, &s.members, s.logins.as_deref(), |u| {
        s.marks.get(&u.id).copied()
    })
    .map_err(io_err)?;
    let buf = w.finish().map_err(io_err)?;
    write_private(&p, &buf).map_err(io_err)?;
    Ok(p.display().to_string())
}

/// What a run starts from: a confirmed plan's batch (a new journal) or a journal to resume.
pub enum RunStart {
    New(Box<Batch>),
    Resume(PathBuf),
}

/// Runs a batch through the driver, forwarding its events and the client's counters, then
/// reports the summary read back from the journal.
// Long because starting, forwarding events and counters, and finishing a run share the channel and the client.
pub async fn run_batch(
    client: ScimClient,
    tx: UnboundedSender<Outcome>,
    start: RunStart,
    paths: Paths,
    cancel: CancellationToken,
    gate: Gate,
) {
    let finish = |summary: Result<Summary, Failure>, stopped: Option<String>| {
        let _ = tx.send(Outcome::RunFinished {
            summary: summary.map(Box::new),
            stopped,
        });
    };
    let started = driver::seal_key(&paths).and_then(|key| match start {
        RunStart::New(batch) => {
            let path = driver::default_journal_path(&paths, &batch.batch_id);
            driver::start(&key, &path, *batch)
        }
        // The same targets as `scimitar resume`: in flight, not started, failed.
        RunStart::Resume(path) => driver::open(&key, &path, &client.tenant_label(), false)
            .and_then(|opened| {
                let targets = opened.state.resume_targets(true);
                opened.resume(targets)
            }),
    });
    let started = match started {
        Ok(s) => s,
        Err(e) => {
            let message = format!("{e}; nothing was sent");
            finish(Err(Failure::caused_by(Journal, message, e)), None);
            return;
        }
    };
    let stats0 = client.stats();
    let _ = tx.send(Outcome::RunStarted {
        batch_id: started.batch.batch_id.clone(),
        journal: started.path.display().to_string(),
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
                if tx.send(Outcome::RunEvent(BatchEvent(ev))).is_err() {
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
                if tx.send(Outcome::RunTick(sample())).is_err() {
                    break;
                }
            }
        })
    };
    let opts = RunOptions {
        pause: Some(gate),
        ..RunOptions::default()
    };
    let finished = driver::run(started, &client, &opts, etx, cancel).await;
    // Every event is delivered before the summary.
    let _ = forward.await;
    ticker.abort();
    let _ = tx.send(Outcome::RunTick(sample()));
    finish(finished.summary.map_err(Failure::from), finished.stopped);
}

/// While a run is paused by the breaker: asks the server for one user every few seconds and
/// lets the run go on as soon as it answers (the "wait" choice; R retries at once).
pub async fn wait_for_server(client: ScimClient, gate: Gate) {
    loop {
        tokio::time::sleep(PROBE_EVERY).await;
        if client.list_page(None, 1, 1).await.is_ok() {
            gate.decide(Decision::Retry);
            return;
        }
    }
}

/// Like `scimitar undo`: what the run took away, against the users as they are now.
pub async fn build_undo(
    client: &ScimClient,
    paths: &Paths,
    journal: PathBuf,
) -> Result<UndoPlan, Failure> {
    let key = driver::seal_key(paths)?;
    let state = driver::peek(&key, &journal, &client.tenant_label())?;
    let u = driver::plan_undo(&state, client).await?;
    Ok(UndoPlan {
        journal,
        states: u.states,
        plan: Arc::new(u.plan),
        missing: u.missing,
        changed_since: u.changed_since,
    })
}

/// Like `scimitar resume`: users in flight at the interruption are re-checked, users not
/// started are done, failed ones are retried; each is re-read before any write.
pub fn prepare_resume(
    client: &ScimClient,
    paths: &Paths,
    journal: PathBuf,
) -> Result<ResumeInfo, Failure> {
    let key = driver::seal_key(paths)?;
    let state = driver::peek(&key, &journal, &client.tenant_label())?;
    let targets = state.resume_targets(true);
    Ok(ResumeInfo {
        journal,
        batch_id: state.batch_id.clone(),
        tenant: state.tenant.clone(),
        intent: state.intent.clone(),
        plan_hash: state.plan_hash.clone(),
        unknown: state.unknown.len() + state.in_doubt().len(),
        not_started: state.remaining().len(),
        failed: state.failed().len(),
        targets,
    })
}
