//! The effect runner: the only part of the TUI that talks to the ScimClient, the disk and
//! the clipboard. It carries out `Effect`s; results come back as `Outcome`s over the channel.

pub(crate) mod io;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use crate::batch::breaker::{Decision, Gate};
use crate::batch::driver;
use crate::batch::history;
use crate::scim::client::ListOptions;
use crate::scim::{Filter, ScimClient};
use crate::tui::bulk::Preview;
use crate::tui::bulk::state::PathPurpose;
use crate::tui::failure::{Failure, FailureKind};
use crate::tui::msg::{Copied, Outcome};
use io::RunStart;

use crate::cache::CacheFile;

use crate::tui::effect::Effect;

pub struct EffectRunner {
    client: ScimClient,
    tx: UnboundedSender<Outcome>,
    load: Option<AbortHandle>,
    csv: Option<AbortHandle>,
    /// Cancels the running batch.
    batch: Option<CancellationToken>,
    /// Where the running batch waits when the breaker pauses it.
    gate: Gate,
    probe: Option<AbortHandle>,
    /// The cache write in progress.
    saving: Option<tokio::task::JoinHandle<()>>,
    /// Where journals and reports go.
    paths: Option<crate::config::Paths>,
    /// The tenant's cache file and the identity it is written for; `None`: no cache.
    cache: Option<Arc<CacheFile>>,
    /// Where OSC 52 goes: the terminal, written between frames by the app loop.
    out: Box<dyn Write + Send>,
    in_tmux: bool,
}

impl EffectRunner {
    pub fn new(
        client: ScimClient,
        tx: UnboundedSender<Outcome>,
        out: Box<dyn Write + Send>,
        in_tmux: bool,
    ) -> EffectRunner {
        EffectRunner {
            client,
            tx,
            load: None,
            csv: None,
            batch: None,
            gate: Gate::default(),
            probe: None,
            saving: None,
            paths: None,
            cache: None,
            out,
            in_tmux,
        }
    }

    /// Where journals and reports are written (the data directory).
    pub fn with_paths(mut self, paths: crate::config::Paths) -> EffectRunner {
        self.paths = Some(paths);
        self
    }

    /// Reads and writes the tenant's user cache (`None`: `--no-cache` or the profile's
    /// `cache = false`).
    pub fn with_cache(mut self, cache: Option<CacheFile>) -> EffectRunner {
        self.cache = cache.map(Arc::new);
        self
    }

    pub fn run(&mut self, effect: Effect) {
        tracing::debug!(?effect, "effect");
        match effect {
            Effect::LoadUsers { generation, filter } => self.load_users(generation, filter),
            Effect::SaveCache { users, total } => self.save_cache(users, total),
            Effect::LoadCache { generation } => self.load_cache(generation),
            Effect::LoadLastLogins { generation, ids } => self.load_logins(generation, ids),
            Effect::LoadLoginCache { generation } => self.load_login_cache(generation),
            Effect::ListWorkspaces => {
                self.answer(async |client, _| {
                    let r = client.list_workspaces().await.map_err(Failure::from);
                    Outcome::WorkspacesListed(r)
                });
            }
            Effect::GetUser { id } => {
                self.answer(async move |client, _| {
                    let result = client.get_user(&id).await.map_err(Failure::from);
                    Outcome::UserFetched { key: id, result }
                });
            }
            Effect::LastLogin { id } => {
                self.answer(async move |client, _| {
                    let login = client.last_login(&id).await;
                    Outcome::LastLoginFetched { id, login }
                });
            }
            Effect::FindUser { query } => {
                self.answer(async move |client, _| {
                    let result = client.find_user(&query).await.map_err(Failure::from);
                    Outcome::UserFetched { key: query, result }
                });
            }
            Effect::CopyToClipboard { text, what } => self.copy_to_clipboard(&text, what),
            Effect::LoadCsv { path, options } => {
                abort(&mut self.csv);
                self.csv = Some(self.answer(async move |client, tx| {
                    let r = io::load_csv(&client, &tx, &path, &options).await;
                    // No column fits, or more than one: the columns, to pick one.
                    match r.as_ref().err().and_then(|f| io::columns_to_pick(&path, f)) {
                        Some((columns, why)) => Outcome::CsvColumns { path, columns, why },
                        None => Outcome::CsvLoaded(r.map(Box::new)),
                    }
                }));
            }
            Effect::BuildPlan(req) => {
                self.answer(async move |_, _| {
                    Outcome::PlanReady(Box::new(blocking(move || Preview::build(*req)).await))
                });
            }
            Effect::CancelCsv => abort(&mut self.csv),
            e @ (Effect::SaveCsvReport { .. }
            | Effect::SavePlan { .. }
            | Effect::SaveReview { .. }
            | Effect::ExportUsers { .. }) => self.write_file(e),
            Effect::ListRuns => self.list_runs(),
            Effect::SignIn { password } => self.client.authenticator().set_secret(password.0),
            Effect::LoadRun { journal } => self.load_run(journal),
            Effect::VerifyRun { journal } => {
                self.answer(async move |client, _| {
                    let r = verify_run(&client, &journal).await;
                    Outcome::RunVerified(r.map(Box::new))
                });
            }
            Effect::CompletePath { typed } => {
                let home = std::env::var("HOME").ok().filter(|h| !h.is_empty());
                let completion = crate::tui::bulk::complete::complete_path(&typed, home.as_deref());
                let _ = self.tx.send(Outcome::PathCompleted { typed, completion });
            }
            Effect::RunBatch { plan, intent } => {
                let batch_id = driver::new_batch_id();
                let batch = driver::batch_from_plan(&plan, &batch_id, intent);
                self.start_batch(RunStart::New(Box::new(batch)));
            }
            Effect::ResumeBatch(info) => {
                self.start_batch(RunStart::Resume(info.journal.clone()));
            }
            Effect::CancelBatch => self.cancel_batch(),
            Effect::WaitForServer => self.wait_for_server(),
            Effect::RetryNow => {
                abort(&mut self.probe);
                self.gate.decide(Decision::Retry);
            }
            Effect::CheckOverlap { tenant } => {
                self.answer(async move |_, _| {
                    let t = tenant.clone();
                    let warning =
                        blocking(move || crate::batch::tenant_lock::overlap_warning(&t)).await;
                    Outcome::OverlapChecked { tenant, warning }
                });
            }
            Effect::BuildUndo { journal } => self.build_undo(journal),
            Effect::PrepareResume { journal } => self.prepare_resume(journal),
            Effect::FindInterrupted => self.find_interrupted(),
        }
    }

    /// The effects that write a file a person named.
    fn write_file(&mut self, effect: Effect) {
        match effect {
            Effect::SaveCsvReport {
                path,
                report,
                overwrite,
            } => self.save(PathPurpose::SaveReport, path, overwrite, move |p| {
                ("CSV report", io::save_report(p, &report))
            }),
            Effect::SavePlan {
                path,
                plan,
                overwrite,
            } => self.save(PathPurpose::SavePlan, path, overwrite, move |p| {
                ("plan", io::save_plan(p, &plan))
            }),
            Effect::SaveReview {
                path,
                save,
                overwrite,
            } => self.save(PathPurpose::SaveReview, path, overwrite, move |p| {
                ("review", crate::tui::runner::io::save_review(p, &save))
            }),
            Effect::ExportUsers {
                path,
                users,
                overwrite,
            } => {
                self.answer(async move |_, _| {
                    blocking(move || crate::tui::export::write(&path, &users, overwrite)).await
                });
            }
            _ => {}
        }
    }

    /// OSC 52: the terminal (through tmux if need be) puts `text` on the clipboard.
    fn copy_to_clipboard(&mut self, text: &str, what: Copied) {
        let seq = osc52(text, self.in_tmux);
        let r = self
            .out
            .write_all(seq.as_bytes())
            .and_then(|()| self.out.flush())
            .map_err(|e| Failure::caused_by(FailureKind::Terminal, e.to_string(), e));
        let _ = self.tx.send(Outcome::ClipboardSent { what, result: r });
    }

    /// Writes a file, unless one is there and `overwrite` is off: then the operator is asked.
    fn save<F>(&mut self, purpose: PathPurpose, path: String, overwrite: bool, write: F)
    where
        F: FnOnce(&str) -> (&'static str, Result<String, Failure>) + Send + 'static,
    {
        if let Some(path) = existing_file(&path, overwrite) {
            let _ = self.tx.send(Outcome::WouldOverwrite { purpose, path });
            return;
        }
        self.answer(async move |_, _| {
            let (what, result) = write(&path);
            Outcome::Saved {
                what: what.into(),
                result,
            }
        });
    }

    fn list_runs(&mut self) {
        let dir = self.paths().journal_dir();
        self.answer(async move |_, _| {
            let r = blocking(move || history::list(&dir).map_err(Failure::from)).await;
            Outcome::RunsListed(r.map(Box::new))
        });
    }

    fn find_interrupted(&mut self) {
        let dir = self.paths().journal_dir();
        let tenant = self.client.tenant_label();
        self.answer(async move |_, _| {
            let now = std::time::SystemTime::now();
            let runs =
                blocking(move || crate::batch::interrupted::of_tenant(&dir, &tenant, now)).await;
            Outcome::InterruptedFound(runs)
        });
    }

    fn load_run(&mut self, journal: PathBuf) {
        let dir = self.paths().journal_dir();
        self.answer(async move |_, _| {
            let key = journal.display().to_string();
            let r = blocking(move || history::load(&dir, &key).map_err(Failure::from)).await;
            Outcome::RunLoaded(r.map(Box::new))
        });
    }

    fn build_undo(&mut self, journal: PathBuf) {
        let paths = self.paths();
        self.answer(async move |client, _| {
            let r = io::build_undo(&client, &paths, journal).await;
            Outcome::UndoPlanned(r.map(Box::new))
        });
    }

    fn prepare_resume(&mut self, journal: PathBuf) {
        let paths = self.paths();
        self.answer(async move |client, _| {
            let r = io::prepare_resume(&client, &paths, journal);
            Outcome::ResumeReady(r.map(Box::new))
        });
    }

    fn cancel_batch(&mut self) {
        abort(&mut self.probe);
        if let Some(c) = &self.batch {
            c.cancel();
        }
    }

    /// The breaker opened: probe the server until it answers again.
    fn wait_for_server(&mut self) {
        abort(&mut self.probe);
        let fut = io::wait_for_server(self.client.clone(), self.gate.clone());
        self.probe = Some(spawn_reporting(self.tx.clone(), fut));
    }

    /// Lists users page by page into the state. Pages are handed over, not kept: the
    /// state's store is the one copy.
    fn load_users(&mut self, generation: u64, filter: Option<Filter>) {
        abort(&mut self.load);
        // Every user again: the last complete load's count lets the first pages go out at
        // once.
        let cache = self.cache.clone().filter(|_| filter.is_none());
        self.load = Some(self.answer(async move |client, tx| {
            let expected_total = match cache {
                Some(c) => {
                    blocking(move || crate::cache::expected_total(&c.path, &c.identity)).await
                }
                None => None,
            };
            let opts = ListOptions {
                expected_total,
                ..ListOptions::default()
            };
            let result = client
                .list_each(filter.as_ref(), opts, move |p| {
                    let _ = tx.send(Outcome::PageLoaded {
                        generation,
                        users: p.users,
                        total: p.total,
                    });
                })
                .await;
            if let Err(e) = &result {
                tracing::warn!("loading users failed: {e}");
            }
            let result = result.map(|r| r.total_results).map_err(Failure::from);
            Outcome::LoadFinished { generation, result }
        }));
    }

    fn save_cache(&mut self, users: Arc<crate::store::UserStore>, total: u64) {
        let Some(cache) = self.cache.clone() else {
            return;
        };
        let tx = self.tx.clone();
        // A blocking task: it finishes even when the loop quits (see `finish`).
        self.saving = Some(tokio::task::spawn_blocking(move || {
            if let Err(e) = crate::cache::write(&cache.path, &cache.identity, &users, total) {
                tracing::warn!("{e}");
                let _ = tx.send(Outcome::Notice(e.to_string()));
            }
        }));
    }

    fn load_cache(&mut self, generation: u64) {
        let Some(cache) = self.cache.clone() else {
            return;
        };
        self.answer(async move |_, _| {
            let read = blocking(move || crate::cache::read(&cache.path, &cache.identity)).await;
            let result = read.map_err(|e| {
                tracing::warn!("{e}");
                Failure::caused_by(FailureKind::File, e.to_string(), e)
            });
            Outcome::CacheLoaded { generation, result }
        });
    }

    fn load_logins(&mut self, generation: u64, ids: Vec<String>) {
        let cache = self.cache.clone();
        self.answer(async move |client, tx| {
            let logins = client
                .last_logins_for(&ids, |progress| {
                    let _ = tx.send(Outcome::LastLoginsProgress {
                        generation,
                        progress,
                    });
                })
                .await;
            if let Some(note) = logins.note() {
                let _ = tx.send(Outcome::Notice(note));
            }
            logins.unknown_to(ids.iter().map(String::as_str));
            let logins = Arc::new(logins);
            if let Some(cache) = cache {
                let keep = logins.clone();
                let path = crate::cache::logins_file(&cache.path);
                let written =
                    blocking(move || crate::cache::write_logins(&path, &cache.identity, &keep))
                        .await;
                if let Err(e) = written {
                    tracing::warn!("{e}");
                }
            }
            Outcome::LastLoginsLoaded {
                generation,
                logins,
                read_at: time::OffsetDateTime::now_utc(),
                from_cache: false,
            }
        });
    }

    fn load_login_cache(&mut self, generation: u64) {
        let Some(cache) = self.cache.clone() else {
            return;
        };
        let tx = self.tx.clone();
        spawn_reporting(self.tx.clone(), async move {
            let path = crate::cache::logins_file(&cache.path);
            let read = blocking(move || crate::cache::read_logins(&path, &cache.identity)).await;
            match read {
                Ok(Some(l)) => {
                    let _ = tx.send(Outcome::LastLoginsLoaded {
                        generation,
                        logins: Arc::new(l),
                        read_at: time::OffsetDateTime::now_utc(),
                        from_cache: true,
                    });
                }
                Ok(None) => {}
                Err(e) => tracing::warn!("{e}"),
            }
        });
    }

    /// Runs `job` in a task with the client (and the channel, for progress on the way) and
    /// sends back the outcome it ends with.
    fn answer<F, Fut>(&self, job: F) -> AbortHandle
    where
        F: FnOnce(ScimClient, UnboundedSender<Outcome>) -> Fut,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        let tx = self.tx.clone();
        let fut = job(self.client.clone(), tx.clone());
        spawn_reporting(self.tx.clone(), async move {
            let _ = tx.send(fut.await);
        })
    }

    fn paths(&self) -> crate::config::Paths {
        self.paths
            .clone()
            .unwrap_or_else(crate::config::Paths::discover)
    }

    fn start_batch(&mut self, start: RunStart) {
        let cancel = CancellationToken::new();
        self.batch = Some(cancel.clone());
        // A fresh gate: no decision left over from an earlier run.
        self.gate = Gate::default();
        let gate = self.gate.clone();
        let paths = self.paths();
        let client = self.client.clone();
        let tx = self.tx.clone();
        spawn_reporting(self.tx.clone(), async move {
            io::run_batch(client, tx, start, paths, cancel, gate).await;
        });
    }

    pub fn abort_all(&mut self) {
        abort(&mut self.load);
        abort(&mut self.csv);
        if let Some(c) = self.batch.take() {
            c.cancel();
        }
        abort(&mut self.probe);
    }

    /// Lets a cache write in progress finish (at most `limit`), so that quitting just after
    /// a load still leaves the cache for the next start.
    pub async fn finish(&mut self, limit: std::time::Duration) {
        if let Some(h) = self.saving.take()
            && tokio::time::timeout(limit, h).await.is_err()
        {
            tracing::warn!("the user cache was still being written when scimitar quit");
        }
    }
}

fn abort(task: &mut Option<AbortHandle>) {
    if let Some(h) = task.take() {
        h.abort();
    }
}

/// Runs file work off the UI loop; a panic there is reported like any task's.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// The absolute path of `path` when a file is there and may not be replaced silently.
fn existing_file(path: &str, overwrite: bool) -> Option<String> {
    if overwrite {
        return None;
    }
    let p = crate::tui::bulk::state::resolve_path(path);
    p.exists()
        .then(|| std::path::absolute(&p).unwrap_or(p).display().to_string())
}

/// Spawns a task; if it panics, the user sees an error popup instead of a stuck screen.
fn spawn_reporting(
    tx: UnboundedSender<Outcome>,
    fut: impl Future<Output = ()> + Send + 'static,
) -> AbortHandle {
    let inner = tokio::spawn(fut);
    let abort = inner.abort_handle();
    tokio::spawn(async move {
        if let Err(e) = inner.await
            && e.is_panic()
        {
            tracing::error!("a background task panicked: {e}");
            let _ = tx.send(Outcome::ShowError {
                title: "Internal error".into(),
                message: "a background task failed unexpectedly; details are in the log file. \
                          Press r to try again."
                    .into(),
            });
        }
    });
    abort
}

/// The OSC 52 "set clipboard" sequence; inside tmux it is wrapped for passthrough.
pub fn osc52(text: &str, in_tmux: bool) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    let seq = format!("\x1b]52;c;{b64}\x07");
    if in_tmux {
        // tmux passes `ESC P tmux; ... ESC \` through with inner ESCs doubled.
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    }
}

/// The same check as `runs verify`, for the history's `v`: the journal must be this tenant's.
async fn verify_run(
    client: &ScimClient,
    journal: &std::path::Path,
) -> Result<crate::batch::verify::Verification, Failure> {
    let state = crate::batch::JournalState::read(journal).map_err(Failure::from)?;
    state
        .check_tenant(&client.tenant_label())
        .map_err(Failure::from)?;
    crate::batch::verify::check(client, journal, std::time::Duration::ZERO, |_| {})
        .await
        .map_err(|e| Failure::caused_by(FailureKind::Server, e.to_string(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_plain_and_in_tmux() {
        assert_eq!(osc52("abc", false), "\x1b]52;c;YWJj\x07");
        assert_eq!(osc52("abc", true), "\x1bPtmux;\x1b\x1b]52;c;YWJj\x07\x1b\\");
    }
}
