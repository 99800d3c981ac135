//! Runs a batch: re-reads users in slices (one filtered list request per slice of ids),
//! re-plans each on its fresh state, sends the PATCHes under an adaptive concurrency limit
//! and the tenant's shared governor, verifies what the server returns, and journals every
//! step. Cancelling stops dispatching; requests in flight finish and are recorded.
//!
//! An answer is never the verdict: after each slice of PATCHes one batched re-read (the same
//! `id eq … or …` filters as before the change) settles every user whose answer claimed the
//! change or was lost. Seen changed is done, seen unchanged is failed, unreadable is in doubt.

use std::collections::{HashMap, VecDeque};
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::batch::breaker::{Breaker, Decision, Gate, server_failure};
use crate::batch::journal::{
    Intent, JOURNAL_VERSION, Journal, JournalError, Record, ResultKind, Target, now_rfc3339,
};
use crate::batch::limit::AdaptiveLimit;
use crate::batch::report::CONFIRMED;
pub use crate::batch::result::UserResult;
use crate::plan::simulate::apply_requests;
use crate::plan::{InputCounts, Outcome, PlanItem, RunRef, UserState, plan_resumed, undo_item};
use crate::scim::bulk::read_by_ids;
#[cfg(test)]
use crate::scim::filter::Filter;
use crate::scim::model::User;
use crate::scim::{ScimClient, ScimError};

/// Filters longer than this (rendered, before URL encoding) are split. 100 ids of 32 hex
/// characters fit (about 5 KB encoded), and the request line stays under the 8 KiB that
/// proxies commonly allow.
const MAX_FILTER_CHARS: usize = 4700;

/// How long a stopped run waits for the requests in flight before it ends without them.
const IN_FLIGHT_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Ceiling of requests in flight (default 8); halves on 429 and grows back.
    pub concurrency: usize,
    /// At most this many users are re-read per list request (Anaplan pages hold 100).
    pub read_slice: usize,
    /// Where a run paused by the breaker waits for a decision; `None` stops it at once.
    pub pause: Option<Gate>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            concurrency: 8,
            read_slice: 100,
            pause: None,
        }
    }
}

/// A batch ready to run: what to do and to whom.
#[derive(Debug, Clone)]
pub struct Batch {
    pub batch_id: String,
    pub tenant: String,
    pub intent: Intent,
    pub plan_hash: String,
    /// Everyone the batch covers, settled users included (they make the journal's list).
    pub targets: Vec<Target>,
    /// Results already known before the run (planned no-ops, protected, not found):
    /// journaled as they are, not re-read.
    pub settled: Vec<PlanItem>,
    /// On resume: each user's state before this batch first touched it, as journaled. A
    /// keep-only change cut between its requests (more than 50 workspaces) has already lost
    /// kept workspaces on the server; they are found here, not in the fresh state.
    pub recorded_before: std::collections::HashMap<String, UserState>,
    /// For an undo: the run it undoes, written into the run record.
    pub undoes: Option<RunRef>,
    /// Input rows that made no item, written into the run record for the summary.
    pub input: Option<InputCounts>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Started {
        total: usize,
    },
    Dispatched {
        user_id: String,
    },
    Finished(UserResult),
    Concurrency(usize),
    /// The server failed while the breaker was open: the user is left for resume to
    /// re-check, neither done nor failed.
    InDoubt {
        user_id: String,
    },
    /// The breaker opened: no new requests until a decision.
    Paused {
        failures: usize,
        error: String,
    },
    /// Dispatching again after a pause.
    Unpaused,
    /// Something the operator should know about the run, said once (e.g. a fallback).
    Warning(String),
    Ended {
        cancelled: bool,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("cannot re-read users before changing them: {0}")]
    Read(ScimError),
    #[error(
        "the server failed {failures} requests in a row (last: {error}); stopped sending. The users left are not started: resume the journal when the server is back"
    )]
    ServerDown { failures: usize, error: String },
    #[error("stopped sending: {0}. The users left are not started; the journal is resumable")]
    Fatal(String),
    #[error("stopped sending: {0}. The users left are not started")]
    JournalDiverted(crate::batch::journal::Diverted),
}

/// Starts a new journal for `batch` and runs it.
pub async fn run(
    client: &ScimClient,
    batch: &Batch,
    journal: Arc<Journal>,
    opts: &RunOptions,
    events: mpsc::UnboundedSender<Event>,
    cancel: CancellationToken,
) -> Result<(), BatchError> {
    journal.append_synced(&Record::Run {
        version: JOURNAL_VERSION,
        batch_id: batch.batch_id.clone(),
        tenant: batch.tenant.clone(),
        intent: batch.intent.clone(),
        plan_hash: batch.plan_hash.clone(),
        started: now_rfc3339(),
        targets: batch.targets.clone(),
        undoes: batch.undoes.clone(),
        input: batch.input,
    })?;
    execute(client, batch, journal, opts, events, cancel).await
}

/// Runs `batch` against a journal that already has its `run` record (a resume).
pub async fn execute(
    client: &ScimClient,
    batch: &Batch,
    journal: Arc<Journal>,
    opts: &RunOptions,
    events: mpsc::UnboundedSender<Event>,
    cancel: CancellationToken,
) -> Result<(), BatchError> {
    let total = batch.targets.len();
    let _ = events.send(Event::Started { total });
    journal_settled(batch, &journal, &events)?;
    let mut run = Run::start(client, batch, journal, opts, events, &cancel);
    // Once stopped (a signal, the operator), requests in flight get this long to answer.
    let grace = async {
        cancel.cancelled().await;
        tokio::time::sleep(IN_FLIGHT_GRACE).await;
    };
    tokio::pin!(grace);

    loop {
        run.note_failures();
        run.dispatch_while_room().await?;
        if run.inflight.is_empty() && run.breaker.is_open() && !cancel.is_cancelled() {
            if run.pause().await? {
                continue;
            }
            break;
        }
        if run.inflight.is_empty() {
            if run.nothing_left_to_send() {
                break;
            }
            continue;
        }
        if run.wait_one(grace.as_mut()).await?.is_break() {
            break;
        }
    }
    run.finish().await
}

/// One run's shared state: the dispatch loop's queue, counters and breaker.
struct Run<'a> {
    client: &'a ScimClient,
    batch: &'a Batch,
    journal: Arc<Journal>,
    opts: &'a RunOptions,
    events: mpsc::UnboundedSender<Event>,
    cancel: &'a CancellationToken,
    use_filter: Arc<AtomicBool>,
    reader: tokio::task::JoinHandle<()>,
    slice_rx: mpsc::Receiver<Slice>,
    checks: Checks,
    reader_done: bool,
    ready: VecDeque<(Target, Fresh)>,
    limit: AdaptiveLimit,
    seen_429: (u64, Instant),
    inflight: JoinSet<Result<Changed, JournalError>>,
    breaker: Breaker,
    server_down: Option<(usize, String)>,
    intent: Arc<Intent>,
    /// A slice that cannot be re-read stops dispatching; what is in flight still finishes.
    read_error: Option<ScimError>,
    /// Users whose re-read the failing server did not answer: kept for a retry or resume.
    unsent: Vec<Target>,
}

impl<'a> Run<'a> {
    /// Starts the reader and announces the starting concurrency.
    fn start(
        client: &'a ScimClient,
        batch: &'a Batch,
        journal: Arc<Journal>,
        opts: &'a RunOptions,
        events: mpsc::UnboundedSender<Event>,
        cancel: &'a CancellationToken,
    ) -> Run<'a> {
        let use_filter = Arc::new(AtomicBool::new(true));
        let (reader, slice_rx) =
            spawn_reader(client, batch, opts.read_slice, use_filter.clone(), &events);
        let checks = Checks::new(client, opts.read_slice, use_filter.clone());
        let limit = AdaptiveLimit::new(opts.concurrency);
        let seen_429 = (
            client.stats().rate_limited,
            Instant::now() - Duration::from_secs(1),
        );
        let run = Run {
            client,
            batch,
            journal,
            opts,
            events,
            cancel,
            use_filter,
            reader,
            slice_rx,
            checks,
            reader_done: false,
            ready: VecDeque::new(),
            limit,
            seen_429,
            inflight: JoinSet::new(),
            breaker: Breaker::default(),
            server_down: None,
            intent: Arc::new(batch.intent.clone()),
            read_error: None,
            unsent: Vec::new(),
        };
        let _ = run.events.send(Event::Concurrency(run.limit.current()));
        run
    }

    /// Opens the breaker when the client's health or a failed check re-read says so.
    fn note_failures(&mut self) {
        sync_health(self.client, &mut self.breaker, &self.events);
        if let Some(e) = self.checks.failed_read.take()
            && self
                .breaker
                .trip(1, &format!("re-reading the changed users failed: {e}"))
        {
            self.paused();
        }
    }

    fn paused(&self) {
        let _ = self.events.send(Event::Paused {
            failures: self.breaker.failures_in_a_row(),
            error: self.breaker.last_error().to_string(),
        });
    }

    fn may_dispatch(&self) -> bool {
        self.inflight.len() < self.limit.current()
            && !self.cancel.is_cancelled()
            && self.journal.diverted().is_none()
            && self.checks.failed_read.is_none()
            && self.read_error.is_none()
            && !self.breaker.is_open()
            && self.breaker.fatal().is_none()
    }

    /// Dispatches while there is room, taking the next slice when the queue runs dry.
    async fn dispatch_while_room(&mut self) -> Result<(), BatchError> {
        while self.may_dispatch() {
            if self.ready.is_empty() && !self.reader_done {
                // Wait for the reader, but keep collecting finished requests meanwhile.
                let next = tokio::select! {
                    n = self.slice_rx.recv() => n,
                    _ = self.cancel.cancelled() => break,
                    Some(j) = self.inflight.join_next(), if !self.inflight.is_empty() => {
                        self.joined(j)?;
                        continue;
                    }
                    Some(v) = self.checks.running.join_next(), if !self.checks.running.is_empty() => {
                        self.checks.record(v, &self.journal, &self.events)?;
                        continue;
                    }
                };
                match next {
                    Some(Ok(items)) => self.ready.extend(items),
                    Some(Err(e)) => {
                        self.read_error = Some(e);
                        break;
                    }
                    None => self.reader_done = true,
                }
            }
            let Some((target, fresh)) = self.ready.pop_front() else {
                break;
            };
            if let Fresh::Unreadable(e) = &fresh
                && crate::scim::client::counts_as_failure(e)
            {
                // The server failed its re-read: not the user's fault, nothing was sent.
                // Left not started for resume, and the breaker opens.
                if self.breaker.trip(1, &e.to_string()) {
                    self.paused();
                }
                self.unsent.push(target);
                break;
            }
            let item = fresh_item(&self.intent, self.batch, &target, &fresh);
            let attempted = self.batch.recorded_before.contains_key(&target.user_id);
            dispatch(
                item,
                &target,
                attempted,
                self.client,
                &self.journal,
                &mut self.inflight,
                &self.events,
            )?;
        }
        Ok(())
    }

    /// The breaker is open and nothing is in flight: settles what was sent, then waits for
    /// the decision. True when the run goes on.
    async fn pause(&mut self) -> Result<bool, BatchError> {
        // What was sent before the pause is settled first.
        self.checks.drain(&self.journal, &self.events).await?;
        let decision = match &self.opts.pause {
            Some(gate) => gate.wait(self.cancel).await,
            None => Decision::Stop,
        };
        if decision == Decision::Retry {
            self.breaker.close();
            self.client.reset_health();
            requeue(
                &mut self.ready,
                &mut self.unsent,
                self.client,
                &self.use_filter,
                &self.events,
            )
            .await;
            let _ = self.events.send(Event::Unpaused);
            return Ok(true);
        }
        self.server_down = Some((
            self.breaker.failures_in_a_row(),
            self.breaker.last_error().to_string(),
        ));
        Ok(false)
    }

    /// Nothing in flight: the run ends when stopped or when every slice is sent.
    fn nothing_left_to_send(&self) -> bool {
        self.cancel.is_cancelled()
            || self.read_error.is_some()
            || self.breaker.fatal().is_some()
            || self.journal.diverted().is_some()
            || (self.ready.is_empty() && self.reader_done)
    }

    /// Waits for one request or check to finish, a stop, or the end of the grace period
    /// (then breaks: what is still in flight is left in doubt).
    async fn wait_one(
        &mut self,
        mut grace: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
    ) -> Result<ControlFlow<()>, BatchError> {
        let joined = tokio::select! {
            j = self.inflight.join_next() => j,
            Some(v) = self.checks.running.join_next(), if !self.checks.running.is_empty() => {
                self.checks.record(v, &self.journal, &self.events)?;
                return Ok(ControlFlow::Continue(()));
            }
            _ = self.cancel.cancelled(), if !self.cancel.is_cancelled() => return Ok(ControlFlow::Continue(())),
            () = &mut grace => {
                // Left without a result: in doubt, re-checked on resume.
                tracing::warn!("{} requests still in flight after the grace period; not waiting for them", self.inflight.len());
                self.inflight.abort_all();
                while self.inflight.join_next().await.is_some() {}
                return Ok(ControlFlow::Break(()));
            }
        };
        if let Some(j) = joined {
            self.joined(j)?;
        }
        Ok(ControlFlow::Continue(()))
    }

    fn joined(
        &mut self,
        j: Result<Result<Changed, JournalError>, tokio::task::JoinError>,
    ) -> Result<(), BatchError> {
        handle_joined(
            j,
            self.client,
            &self.journal,
            &mut self.breaker,
            &mut self.seen_429,
            &mut self.limit,
            &mut self.checks,
            &self.events,
        )
    }

    /// Settles every answer, writes the end record and says why the run stopped, if it did.
    async fn finish(mut self) -> Result<(), BatchError> {
        self.reader.abort();
        // Every answer is settled by the server's state before the run ends.
        self.checks.drain(&self.journal, &self.events).await?;
        let unfinished = !(self.ready.is_empty() && self.reader_done && self.unsent.is_empty());
        let fatal = self.breaker.fatal().map(str::to_string);
        let diverted = self.journal.diverted();
        let cancelled = unfinished
            && (self.cancel.is_cancelled()
                || diverted.is_some()
                || self.read_error.is_some()
                || self.server_down.is_some()
                || fatal.is_some());
        self.journal.append_synced(&Record::End {
            at: now_rfc3339(),
            cancelled,
        })?;
        // The breaker was this run's: what comes next (a reload, a resume) gets its retries.
        self.client.reset_health();
        let _ = self.events.send(Event::Ended { cancelled });
        if let Some(d) = diverted {
            return Err(BatchError::JournalDiverted(d));
        }
        if let Some(why) = fatal {
            return Err(BatchError::Fatal(why));
        }
        // A failing server explains a failed re-read better than the re-read's own error.
        match (self.read_error, self.server_down) {
            (_, Some((failures, error))) => Err(BatchError::ServerDown { failures, error }),
            (Some(e), None) => Err(BatchError::Read(e)),
            (None, None) => Ok(()),
        }
    }
}

/// After a pause: the users whose re-read failed are re-read again, first in the queue.
async fn requeue(
    ready: &mut VecDeque<(Target, Fresh)>,
    unsent: &mut Vec<Target>,
    client: &ScimClient,
    use_filter: &AtomicBool,
    events: &mpsc::UnboundedSender<Event>,
) {
    let targets: Vec<Target> = std::mem::take(unsent);
    if targets.is_empty() {
        return;
    }
    match reread(client, targets.clone(), use_filter, events).await {
        Ok(fresh) => {
            for f in fresh.into_iter().rev() {
                ready.push_front(f);
            }
        }
        // Still failing: they stay not started (the run ends unfinished, resumable).
        Err(e) => {
            tracing::warn!("re-reading {} users again failed: {e}", targets.len());
            unsent.extend(targets);
        }
    }
}

/// Opens the run's breaker when the client's health (every request: PATCHes, re-reads,
/// lookups) says the server keeps failing.
fn sync_health(client: &ScimClient, breaker: &mut Breaker, events: &mpsc::UnboundedSender<Event>) {
    if let Some(f) = client.server_failing()
        && breaker.trip(f.in_a_row as usize, &f.last_error)
    {
        let _ = events.send(Event::Paused {
            failures: breaker.failures_in_a_row(),
            error: breaker.last_error().to_string(),
        });
    }
}

/// Journals the users the plan already settled: nothing is sent for them.
fn journal_settled(
    batch: &Batch,
    journal: &Journal,
    events: &mpsc::UnboundedSender<Event>,
) -> Result<(), BatchError> {
    for item in &batch.settled {
        let r = settled_result(item);
        journal.append(&result_record(&r, None))?;
        let _ = events.send(Event::Finished(r));
    }
    Ok(())
}

type Slice = Result<Vec<(Target, Fresh)>, ScimError>;

/// Starts a reader task that re-reads the next slice while this one is being changed, so
/// dispatch never waits on a re-read; the channel bound keeps it one slice ahead.
fn spawn_reader(
    client: &ScimClient,
    batch: &Batch,
    read_slice: usize,
    use_filter: Arc<AtomicBool>,
    events: &mpsc::UnboundedSender<Event>,
) -> (tokio::task::JoinHandle<()>, mpsc::Receiver<Slice>) {
    let (slice_tx, slice_rx) = mpsc::channel::<Slice>(1);
    // Settled users are journaled already; only the others are re-read and changed.
    let settled: std::collections::HashSet<&str> =
        batch.settled.iter().map(|i| i.user_id.as_str()).collect();
    let to_read: Vec<Target> = batch
        .targets
        .iter()
        .filter(|t| !settled.contains(t.user_id.as_str()))
        .cloned()
        .collect();
    let client = client.clone();
    let slices = slices(&to_read, read_slice);
    let events = events.clone();
    let reader = tokio::spawn(async move {
        for slice in slices {
            let fresh = reread(&client, slice, &use_filter, &events).await;
            let failed = fresh.is_err();
            if slice_tx.send(fresh).await.is_err() || failed {
                break;
            }
        }
    });
    (reader, slice_rx)
}

/// A result settled without sending anything: outcome, HTTP status, detail.
type Unsent = (ResultKind, Option<u16>, String);

/// The plan for a re-read user, or why nothing will be sent for it.
fn fresh_item(
    intent: &Intent,
    batch: &Batch,
    target: &Target,
    fresh: &Fresh,
) -> Result<PlanItem, Unsent> {
    match fresh {
        Fresh::Found(u) => Ok(plan_for(
            intent,
            target,
            u,
            batch.recorded_before.get(&target.user_id),
        )),
        Fresh::Gone => Err((
            ResultKind::NotFound,
            Some(404),
            "no longer in the tenant: GET /Users/{id} answered 404 when re-read before the change"
                .to_string(),
        )),
        Fresh::Unreadable(e) => Err((
            ResultKind::Failed,
            e.status(),
            format!("could not be re-read before the change, so nothing was sent: {e}"),
        )),
    }
}

/// Spawns the change for an item that needs one; journals any other result at once.
/// `attempted`: this batch sent a change to the user before (a resume); found at the target
/// now, it is this batch's change, confirmed, never a no-op.
fn dispatch(
    item: Result<PlanItem, Unsent>,
    target: &Target,
    attempted: bool,
    client: &ScimClient,
    journal: &Arc<Journal>,
    inflight: &mut JoinSet<Result<Changed, JournalError>>,
    events: &mpsc::UnboundedSender<Event>,
) -> Result<(), BatchError> {
    let r = match item {
        Ok(item) if item.outcome == Outcome::Change => {
            let _ = events.send(Event::Dispatched {
                user_id: target.user_id.clone(),
            });
            let client = client.clone();
            let journal = journal.clone();
            inflight.spawn(async move { change_user(&client, &journal, item).await });
            return Ok(());
        }
        Ok(item) if item.outcome == Outcome::NoOp && attempted => UserResult {
            outcome: ResultKind::Done,
            detail: CONFIRMED.to_string(),
            ..settled_result(&item)
        },
        Ok(item) => settled_result(&item),
        Err((outcome, status, detail)) => UserResult {
            user_id: target.user_id.clone(),
            user_name: target.user_name.clone(),
            outcome,
            status,
            detail,
            latency: Duration::ZERO,
        },
    };
    journal.append(&result_record(&r, None))?;
    let _ = events.send(Event::Finished(r));
    Ok(())
}

/// A changed user's result and the state the server returned, journaled by the loop so
/// that the breaker decides first whether a failure is the user's or the server's; with a
/// [`Check`] the result is provisional until the batched re-read settles it.
type Changed = (UserResult, Option<UserState>, Option<Check>);

/// Records a finished request and adapts the concurrency: halve when the client saw a 429
/// since the last completion (once a second at most), grow slowly on clean successes.
// The loop's counters, each borrowed for one completion; bundling them would hide which changes.
#[allow(clippy::too_many_arguments)]
fn handle_joined(
    joined: Result<Result<Changed, JournalError>, tokio::task::JoinError>,
    client: &ScimClient,
    journal: &Journal,
    breaker: &mut Breaker,
    seen_429: &mut (u64, Instant),
    limit: &mut AdaptiveLimit,
    checks: &mut Checks,
    events: &mpsc::UnboundedSender<Event>,
) -> Result<(), BatchError> {
    let (result, observed, check) = match joined {
        Ok(r) => r?,
        Err(e) => {
            tracing::error!("a batch task failed: {e}");
            return Ok(());
        }
    };
    sync_health(client, breaker, events);
    if breaker.is_open() && server_failure(&result) {
        // The server is failing: a re-read now would fail too. In doubt, never failed:
        // resume re-reads the user and finishes it.
        let r = UserResult {
            outcome: ResultKind::InDoubt,
            detail: format!(
                "{}; the server kept failing, so the user was not re-read (resume re-checks it)",
                result.detail
            ),
            ..result
        };
        journal.append(&result_record(&r, None))?;
        let _ = events.send(Event::InDoubt { user_id: r.user_id });
        return Ok(());
    }
    if check.is_none() {
        journal.append(&result_record(&result, observed))?;
    }
    if breaker.record(&result) {
        let _ = events.send(Event::Paused {
            failures: breaker.failures_in_a_row(),
            error: breaker.last_error().to_string(),
        });
    }
    // Halve at most once a second: the 429s of one burst are one signal, not many.
    let now_429 = client.stats().rate_limited;
    if now_429 > seen_429.0 {
        if seen_429.1.elapsed() >= Duration::from_secs(1) {
            limit.rate_limited();
            seen_429.1 = Instant::now();
            let _ = events.send(Event::Concurrency(limit.current()));
        }
        seen_429.0 = now_429;
    } else if !matches!(result.outcome, ResultKind::Failed | ResultKind::InDoubt) {
        let before = limit.current();
        limit.succeeded();
        if limit.current() != before {
            let _ = events.send(Event::Concurrency(limit.current()));
        }
    }
    match check {
        Some(check) => checks.push(Pending { result, check }),
        None => {
            let _ = events.send(Event::Finished(result));
        }
    }
    Ok(())
}

fn plan_for(
    intent: &Intent,
    target: &Target,
    fresh: &User,
    recorded: Option<&UserState>,
) -> PlanItem {
    match intent {
        Intent::Apply { action, protected } => plan_resumed(fresh, action, protected, recorded),
        Intent::Restore { states } => match states.get(&target.user_id) {
            Some(before) => undo_item(&fresh.id, &fresh.user_name, before, fresh),
            None => PlanItem {
                user_id: fresh.id.clone(),
                user_name: fresh.user_name.clone(),
                display_name: fresh.full_name(),
                before: Some(UserState::of(fresh)),
                after: Some(UserState::of(fresh)),
                outcome: Outcome::NoOp,
                requests: Vec::new(),
            },
        },
    }
}

/// Groups targets so that each slice's `id eq ... or ...` filter stays short.
fn slices(targets: &[Target], max: usize) -> Vec<Vec<Target>> {
    let max = max.clamp(1, 100);
    let mut out: Vec<Vec<Target>> = Vec::new();
    let mut cur: Vec<Target> = Vec::new();
    let mut chars = 0;
    for t in targets {
        let cost = t.user_id.len() + 14; // `id eq "..." or `
        if !cur.is_empty() && (cur.len() >= max || chars + cost > MAX_FILTER_CHARS) {
            out.push(std::mem::take(&mut cur));
            chars = 0;
        }
        chars += cost;
        cur.push(t.clone());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A target's state re-read just before its change.
#[derive(Debug)]
enum Fresh {
    Found(User),
    /// `GET /Users/{id}` answered 404: the only answer that means gone.
    Gone,
    /// Its own GET failed otherwise; nothing is sent to it.
    Unreadable(ScimError),
}

/// Re-reads a slice: one `or` filter of its ids (split when refused), then a GET for each id
/// the filter did not return, so silence never passes for "gone". When the filter returned
/// none of the users that exist, the server does not filter on `id`: `use_filter` turns off
/// for the rest of the run, and a warning says so once.
async fn reread(
    client: &ScimClient,
    slice: Vec<Target>,
    use_filter: &AtomicBool,
    events: &mpsc::UnboundedSender<Event>,
) -> Result<Vec<(Target, Fresh)>, ScimError> {
    let ids: Vec<String> = slice.iter().map(|t| t.user_id.clone()).collect();
    let filtering = use_filter.load(Ordering::Relaxed);
    let read = read_by_ids(client, &ids, filtering).await?;
    if filtering && read.filter_ignored() {
        use_filter.store(false, Ordering::Relaxed);
        let _ = events.send(Event::Warning(format!(
            "the server returned none of {} existing users for an `id eq … or …` filter; re-reading each user with GET /Users/{{id}} for the rest of this run",
            read.users.len()
        )));
    }
    // Keys are lowercased ids (Anaplan matches ids case-insensitively).
    let mut found: HashMap<String, User> = read
        .users
        .into_iter()
        .map(|u| (u.id.to_ascii_lowercase(), u))
        .collect();
    let mut failed: HashMap<String, ScimError> = read
        .failed
        .into_iter()
        .map(|(id, e)| (id.to_ascii_lowercase(), e))
        .collect();
    Ok(slice
        .into_iter()
        .map(|t| {
            let key = t.user_id.to_ascii_lowercase();
            let fresh = match (found.remove(&key), failed.remove(&key)) {
                (Some(u), _) => Fresh::Found(u),
                (None, Some(e)) => Fresh::Unreadable(e),
                (None, None) => Fresh::Gone,
            };
            (t, fresh)
        })
        .collect())
}

/// Journals the attempt, sends the user's requests in order and returns what the answers
/// say; the caller journals a refusal at once and has the rest settled by a re-read.
async fn change_user(
    client: &ScimClient,
    journal: &Journal,
    item: PlanItem,
) -> Result<Changed, JournalError> {
    let (Some(before), Some(after)) = (item.before.clone(), item.after.clone()) else {
        return Ok((settled_result(&item), None, None));
    };
    journal.append(&Record::Attempt {
        user_id: item.user_id.clone(),
        user_name: item.user_name.clone(),
        at: now_rfc3339(),
        before: before.clone(),
        after: after.clone(),
        requests: item.requests.clone(),
    })?;
    let started = Instant::now();
    let sent = send_requests(client, &item, &before).await;
    let result = |outcome, status, detail| UserResult {
        user_id: item.user_id.clone(),
        user_name: item.user_name.clone(),
        outcome,
        status,
        detail,
        latency: started.elapsed(),
    };
    Ok(match sent.end {
        End::Refused(status, detail) => (
            result(ResultKind::Failed, status, detail),
            sent.observed,
            None,
        ),
        End::Claimed => (
            result(ResultKind::Done, sent.last_status, String::new()),
            None,
            Some(Check {
                before,
                after,
                lost: None,
            }),
        ),
        End::Lost(status, detail) => (
            result(ResultKind::InDoubt, status, detail.clone()),
            None,
            Some(Check {
                before,
                after,
                lost: Some(detail),
            }),
        ),
    })
}

/// How sending a user's requests ended.
enum End {
    /// Every request answered 2xx: a claim the re-read confirms or contradicts.
    Claimed,
    /// The server refused (a 4xx with its reason), or a partial change showed a state off
    /// the plan: nothing more was sent.
    Refused(Option<u16>, String),
    /// An answer was lost (timeout, dropped connection, 5xx, unreadable body): whether the
    /// change happened is for the re-read to say.
    Lost(Option<u16>, String),
}

/// What sending a user's requests left: the last state the server showed (of a refused
/// split change), the last HTTP status, and how it ended.
struct Sent {
    observed: Option<UserState>,
    last_status: Option<u16>,
    end: End,
}

/// An error after which the change may or may not have been made: only the server's state
/// can tell. A refusal (4xx with a reason, 429 after every retry, 207) is not one.
fn answer_lost(e: &ScimError) -> bool {
    match e {
        ScimError::Transport { .. }
        | ScimError::BadResponse { .. }
        | ScimError::Model(_)
        | ScimError::OtherUser { .. }
        | ScimError::TooLarge { .. } => true,
        ScimError::Status { status, .. } => *status >= 500,
        _ => false,
    }
}

/// Sends `item`'s requests in order. Between the requests of a split change (more than 50
/// workspaces) the server's state is checked, since the next relies on `add` appending; the
/// last answer is left to the batched re-read.
async fn send_requests(client: &ScimClient, item: &PlanItem, before: &UserState) -> Sent {
    let mut last: Option<UserState> = None;
    let mut last_status: Option<u16> = None;
    let n = item.requests.len();
    let step = |i: usize| {
        if n > 1 {
            format!(" (request {} of {n})", i + 1)
        } else {
            String::new()
        }
    };
    let mut expected = before.clone();
    for (i, req) in item.requests.iter().enumerate() {
        expected = apply_requests(&expected, std::slice::from_ref(req));
        let reply = match client.patch_user(&item.user_id, req).await {
            Ok(r) => r,
            Err(e) => {
                let detail = format!("{e}{}", step(i));
                let end = if answer_lost(&e) {
                    End::Lost(e.status(), detail)
                } else {
                    End::Refused(e.status(), detail)
                };
                return Sent {
                    observed: last,
                    last_status,
                    end,
                };
            }
        };
        last_status = Some(reply.status);
        if i + 1 == n {
            break;
        }
        match verified_state(client, &item.user_id, reply.user, &expected).await {
            // Stop at the first state that shows otherwise rather than send the rest.
            Ok(got) if !got.equivalent(&expected) => {
                return Sent {
                    observed: Some(got),
                    last_status,
                    end: End::Refused(
                        last_status,
                        format!(
                            "the server's state after a partial change differs from the plan; the remaining requests were not sent{}",
                            step(i)
                        ),
                    ),
                };
            }
            Ok(got) => last = Some(got),
            Err(e) => {
                return Sent {
                    observed: last,
                    last_status,
                    end: End::Lost(
                        last_status,
                        format!(
                            "the server accepted the change (HTTP {}) but reading the user back failed: {e}{}",
                            reply.status,
                            step(i)
                        ),
                    ),
                };
            }
        }
    }
    Sent {
        observed: last,
        last_status,
        end: End::Claimed,
    }
}

/// The user's state after a PATCH, as the server has it: the answer's user when it shows the
/// expected state, else (a 204, an empty or abbreviated body, a body that disagrees) the user
/// read back with `GET /Users/{id}`. Only the server's stored state decides.
async fn verified_state(
    client: &ScimClient,
    id: &str,
    answered: Option<User>,
    expected: &UserState,
) -> Result<UserState, ScimError> {
    if let Some(u) = answered {
        let state = UserState::of(&u);
        if state.equivalent(expected) {
            return Ok(state);
        }
    }
    client.get_user(id).await.map(|u| UserState::of(&u))
}

/// What a user's answers left to check against the server's state.
#[derive(Debug)]
struct Check {
    before: UserState,
    after: UserState,
    /// Why the outcome is unknown; `None`: the answers claimed the change.
    lost: Option<String>,
}

/// A provisional result waiting for the re-read.
struct Pending {
    result: UserResult,
    check: Check,
}

type Checked = (UserResult, Option<UserState>);

/// Users waiting to be settled by one batched re-read, and the re-reads under way. A batch
/// starts when it holds a slice's worth of users, or when the run pauses or ends.
struct Checks {
    client: ScimClient,
    batch: usize,
    use_filter: Arc<AtomicBool>,
    waiting: Vec<Pending>,
    /// When the oldest waiting user's answer came.
    oldest: Option<Instant>,
    running: JoinSet<(Vec<Checked>, Option<String>)>,
    /// A re-read the server failed (after its retries): nothing sent now could be verified,
    /// so the run's breaker opens.
    failed_read: Option<String>,
}

/// A user's verdict waits at most about this long for its slice to fill, so the progress
/// pane moves at the tenant's pace (about 25 users a re-read at 500 requests a minute).
const SETTLE_AFTER: Duration = Duration::from_secs(3);

impl Checks {
    fn new(client: &ScimClient, batch: usize, use_filter: Arc<AtomicBool>) -> Checks {
        Checks {
            client: client.clone(),
            batch: batch.clamp(1, 100),
            use_filter,
            waiting: Vec::new(),
            oldest: None,
            running: JoinSet::new(),
            failed_read: None,
        }
    }

    fn push(&mut self, p: Pending) {
        self.waiting.push(p);
        let oldest = *self.oldest.get_or_insert_with(Instant::now);
        if self.waiting.len() >= self.batch || oldest.elapsed() >= SETTLE_AFTER {
            self.start();
        }
    }

    fn start(&mut self) {
        if self.waiting.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.waiting);
        self.oldest = None;
        let client = self.client.clone();
        let use_filter = self.use_filter.load(Ordering::Relaxed);
        self.running
            .spawn(async move { settle_all(&client, pending, use_filter).await });
    }

    fn record(
        &mut self,
        joined: Result<(Vec<Checked>, Option<String>), tokio::task::JoinError>,
        journal: &Journal,
        events: &mpsc::UnboundedSender<Event>,
    ) -> Result<(), BatchError> {
        let settled = match joined {
            Ok((v, failed)) => {
                self.failed_read = self.failed_read.take().or(failed);
                v
            }
            Err(e) => {
                // Their attempts stay open in the journal: resume re-checks them.
                tracing::error!("a re-read after the change failed: {e}");
                return Ok(());
            }
        };
        for (r, observed) in settled {
            journal.append(&result_record(&r, observed))?;
            let _ = events.send(Event::Finished(r));
        }
        Ok(())
    }

    /// Starts what waits and records every re-read to its end.
    async fn drain(
        &mut self,
        journal: &Journal,
        events: &mpsc::UnboundedSender<Event>,
    ) -> Result<(), BatchError> {
        self.start();
        while let Some(j) = self.running.join_next().await {
            self.record(j, journal, events)?;
        }
        Ok(())
    }
}

/// One keyed re-read (split as the lookups before the change are) for every pending user,
/// and each one's verdict.
/// Also returns the error when the server failed the whole re-read.
async fn settle_all(
    client: &ScimClient,
    pending: Vec<Pending>,
    use_filter: bool,
) -> (Vec<Checked>, Option<String>) {
    if let Some(f) = client.server_failing() {
        // A re-read now would fail too (or hang): in doubt, and resume re-reads them.
        let why = format!(
            "the server kept failing ({}), so the user was not re-read",
            f.last_error
        );
        let settled = pending.into_iter().map(|p| settle(p, Err(why.clone())));
        return (settled.collect(), None);
    }
    let ids: Vec<String> = pending.iter().map(|p| p.result.user_id.clone()).collect();
    let (found, failed, whole): (HashMap<String, User>, HashMap<String, ScimError>, _) =
        match reread_after(client, &ids, use_filter).await {
            Ok(read) => (
                read.users
                    .into_iter()
                    .map(|u| (u.id.to_ascii_lowercase(), u))
                    .collect(),
                read.failed
                    .into_iter()
                    .map(|(id, e)| (id.to_ascii_lowercase(), e))
                    .collect(),
                None,
            ),
            Err(e) => (HashMap::new(), HashMap::new(), Some(e.to_string())),
        };
    let settled = pending
        .into_iter()
        .map(|p| {
            let key = p.result.user_id.to_ascii_lowercase();
            let state = match (found.get(&key), failed.get(&key), &whole) {
                (Some(u), _, _) => Ok(UserState::of(u)),
                (None, Some(e), _) => Err(e.to_string()),
                (None, None, Some(e)) => Err(e.clone()),
                (None, None, None) => Err("GET /Users/{id} answered 404".to_string()),
            };
            settle(p, state)
        })
        .collect();
    (settled, whole)
}

/// The re-read after a change: one `or` filter first. A server failing it (5xx, timeout) is
/// failing, not refusing the filter: nobody is settled, rather than splitting the filter
/// into many more requests to a failing server. Any other refusal is split as lookups are.
async fn reread_after(
    client: &ScimClient,
    ids: &[String],
    use_filter: bool,
) -> Result<crate::scim::bulk::KeyedRead, ScimError> {
    let filter = if use_filter {
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        crate::scim::filter::Filter::any_id(&refs)
    } else {
        None
    };
    let Some(filter) = filter else {
        return read_by_ids(client, ids, use_filter).await;
    };
    match client.list_page(Some(&filter), 1, ids.len() as u32).await {
        Ok(page) => {
            let wanted: std::collections::HashSet<String> =
                ids.iter().map(|i| i.to_ascii_lowercase()).collect();
            let mut users: Vec<User> = page
                .users
                .into_iter()
                .filter(|u| wanted.contains(&u.id.to_ascii_lowercase()))
                .collect();
            let seen: std::collections::HashSet<String> =
                users.iter().map(|u| u.id.to_ascii_lowercase()).collect();
            let rest: Vec<String> = ids
                .iter()
                .filter(|i| !seen.contains(&i.to_ascii_lowercase()))
                .cloned()
                .collect();
            // Only a GET's 404 says gone: the few the filter did not return are asked for.
            let mut read = read_by_ids(client, &rest, false).await?;
            read.from_filter = users.len();
            users.append(&mut read.users);
            read.users = users;
            Ok(read)
        }
        Err(e) if e.is_transient() => Err(e),
        Err(_) => read_by_ids(client, ids, use_filter).await,
    }
}

/// The verdict on one user from the state re-read after its change.
fn settle(p: Pending, read: Result<UserState, String>) -> Checked {
    let Pending { mut result, check } = p;
    let shown = |s: &UserState| {
        format!(
            "active {}, {} workspaces; expected active {}, {} workspaces",
            s.active,
            s.workspaces.len(),
            check.after.active,
            check.after.workspaces.len()
        )
    };
    match (read, &check.lost) {
        (Ok(state), lost) if state.shows_change(&check.before, &check.after) => {
            result.outcome = ResultKind::Done;
            result.detail = match lost {
                Some(why) => {
                    format!("the answer was lost ({why}); the server's state shows the change made")
                }
                None => String::new(),
            };
            (result, Some(state))
        }
        (Ok(state), Some(why)) => {
            result.outcome = ResultKind::Failed;
            result.detail = format!(
                "the answer was lost ({why}) and the server's state shows the change was not made ({})",
                shown(&state)
            );
            (result, Some(state))
        }
        (Ok(state), None) => {
            result.outcome = ResultKind::Failed;
            result.detail = format!(
                "the server said changed, its state did not change ({})",
                shown(&state)
            );
            (result, Some(state))
        }
        (Err(e), lost) => {
            result.outcome = ResultKind::InDoubt;
            result.detail = format!(
                "{}; reading the user back failed: {e}. Resume re-checks it",
                match lost {
                    Some(why) => format!("the answer was lost ({why})"),
                    None => "the server said changed".to_string(),
                }
            );
            (result, None)
        }
    }
}

fn settled_result(item: &PlanItem) -> UserResult {
    let (outcome, detail) = match &item.outcome {
        Outcome::Change | Outcome::NoOp => (ResultKind::NoOp, "already in the target state".into()),
        Outcome::Protected { reason } => (ResultKind::Protected, reason.clone()),
        Outcome::NotFound => (ResultKind::NotFound, "not found in the tenant".into()),
    };
    UserResult {
        user_id: item.user_id.clone(),
        user_name: item.user_name.clone(),
        outcome,
        status: None,
        detail,
        latency: Duration::ZERO,
    }
}

fn result_record(r: &UserResult, after: Option<UserState>) -> Record {
    Record::Result {
        user_id: r.user_id.clone(),
        user_name: r.user_name.clone(),
        at: now_rfc3339(),
        outcome: r.outcome,
        status: r.status,
        detail: r.detail.clone(),
        after,
        latency_ms: r.latency.as_millis() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_respect_count_and_length() {
        let targets: Vec<Target> = (0..250)
            .map(|i| Target {
                user_id: format!("{i:032x}"),
                user_name: String::new(),
            })
            .collect();
        let s = slices(&targets, 100);
        assert!(s.iter().all(|s| s.len() <= 100));
        assert_eq!(s.iter().map(Vec::len).sum::<usize>(), 250);
        for slice in &s {
            let ids: Vec<&str> = slice.iter().map(|t| t.user_id.as_str()).collect();
            let f = Filter::any_id(&ids).unwrap().to_string();
            assert!(f.len() <= MAX_FILTER_CHARS + 50, "{}", f.len());
        }
    }
}
