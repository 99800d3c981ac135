//! The run: its live progress pane, then its summary (`u` undoes it, `R` resumes it, Enter
//! shows a failure's full reason, `y` the journal's path, `H` the history). Esc during a run
//! asks before it stops dispatching. Its keys and the batch's results are here; its data is
//! [`RunView`] (`bulk/state.rs`, which the state and the exit note read); its two drawings
//! are `progress.rs` and `summary.rs` here.

mod progress;
mod summary;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::batch::Progress;
use crate::tui::bulk::msg::BatchEvent;
use crate::tui::bulk::state::{FailureRow, HistoryView, RunView};
use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::stack::{Layer, Step};
use crate::tui::state::{Popup, State};

/// A batch is running.
pub const MODE: Mode = Mode::keys("run", &[Command::CancelRun, Command::Quit, Command::Help]);

/// The batch is over: its summary.
pub const SUMMARY: Mode = Mode::keys(
    "summary",
    &[
        Command::Undo,
        Command::Resume,
        Command::Open,
        Command::CopyPath,
        Command::Back,
        Command::History,
        Command::Help,
        Command::Quit,
    ],
);

impl Layer<State> for RunView {
    fn mode(&self) -> Mode {
        if self.finished() { SUMMARY } else { MODE }
    }

    fn title(&self) -> Option<String> {
        Some("Run".into())
    }

    fn is_flow(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        let page = crate::tui::layout::flow_rows(state.height);
        if let Some(delta) = command.movement(page) {
            let n = if self.finished() {
                self.failures.len()
            } else {
                self.progress.as_ref().map_or(0, |p| p.failures.len())
            };
            self.failures_scroll = (self.failures_scroll as isize)
                .saturating_add(delta)
                .clamp(0, n.saturating_sub(1) as isize) as usize;
            return Step::stay(Vec::new());
        }
        if self.finished() {
            return self.summary_key(command, state);
        }
        match command {
            Command::Resume if self.paused() => {
                state.flash("retrying now");
                Step::stay(vec![Effect::RetryNow])
            }
            Command::CancelRun | Command::Back => Step::stay(self.ask_to_stop(state)),
            _ => Step::stay(Vec::new()),
        }
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        if self.finished() {
            summary::render(state, self, frame, body);
        } else {
            progress::render(state, self, frame, body);
        }
    }
}

impl RunView {
    /// A key on the summary.
    fn summary_key(&mut self, command: Command, state: &mut State) -> Step<State> {
        match command {
            Command::Back | Command::CancelRun => self.leave(state),
            Command::History => {
                // The run is in the history too: the summary makes way for it.
                let effects = crate::tui::screens::history::open(state);
                if state.layers().top_flow::<HistoryView>().is_some() {
                    Step::close(effects)
                } else {
                    Step::stay(effects)
                }
            }
            Command::CopyPath => {
                let path = self
                    .journal
                    .clone()
                    .or_else(|| match self.summary.as_ref()? {
                        Ok(s) => Some(s.journal.clone()),
                        Err(_) => None,
                    });
                let effects = path
                    .map(|p| crate::tui::screens::history::copy_path(state, p))
                    .unwrap_or_default();
                Step::stay(effects)
            }
            Command::Open => {
                if let Some(f) = self.failures.get(self.failures_scroll) {
                    let status = f
                        .status
                        .map_or_else(|| "no answer".into(), |s| s.to_string());
                    let title = format!("Why {} failed", f.user_name);
                    let message = format!("user id {}\nstatus {status}\n\n{}", f.user_id, f.detail);
                    state.push_popup(Popup::Error { title, message });
                }
                Step::stay(Vec::new())
            }
            Command::Undo => Step::stay(self.follow_up(state, true)),
            Command::Resume => Step::stay(self.follow_up(state, false)),
            _ => Step::stay(Vec::new()),
        }
    }

    /// Esc on the summary: back to the history it was opened from, else to the list.
    fn leave(&self, state: &mut State) -> Step<State> {
        if state.layers().top_flow::<HistoryView>().is_none() {
            state.layers_mut().remove_flow();
            state.flash("the run stays in the history: H reopens it");
        }
        Step::close(Vec::new())
    }

    /// Esc during a run asks first, as q does ("stop dispatching?"), unless the breaker
    /// paused it (nothing is being sent; its title says Esc stops) or it is stopping already.
    fn ask_to_stop(&mut self, state: &mut State) -> Vec<Effect> {
        if self.paused() || self.stopping {
            let (effects, say) = stop(self);
            if let Some(say) = say {
                state.flash(say);
            }
            return effects;
        }
        if state.popup() != Some(&Popup::ConfirmStop) {
            state.push_popup(Popup::ConfirmStop);
        }
        Vec::new()
    }

    /// The breaker paused the running batch.
    fn paused(&self) -> bool {
        !self.finished() && self.progress.as_ref().is_some_and(|p| p.paused.is_some())
    }

    /// `u` or `R` on the summary: the undo's plan, or the resume's confirmation, from the
    /// journal.
    fn follow_up(&self, state: &mut State, undo: bool) -> Vec<Effect> {
        if state.read_only {
            state.flash("read-only: changes are turned off");
            return Vec::new();
        }
        let Some(journal) = self.journal_path() else {
            state.flash("no journal to work from");
            return Vec::new();
        };
        if undo {
            state
                .flash("building the undo plan: reading the journal and the users' current state…");
            vec![Effect::BuildUndo { journal }]
        } else {
            state.flash("reading the journal…");
            vec![Effect::PrepareResume { journal }]
        }
    }
}

/// Stops dispatching the run on screen (yes to "stop?", or quitting during a run).
pub(crate) fn cancel_run(state: &mut State) -> Vec<Effect> {
    let Some(run) = state.run_view_mut() else {
        return Vec::new();
    };
    let (effects, say) = stop(run);
    if let Some(say) = say {
        state.flash(say);
    }
    effects
}

/// The effect that stops it, and what to say instead when it is stopping already.
fn stop(run: &mut RunView) -> (Vec<Effect>, Option<&'static str>) {
    if run.finished() {
        return (Vec::new(), None);
    }
    if run.stopping {
        return (
            Vec::new(),
            Some("stopping… waiting for requests in flight (q quits)"),
        );
    }
    run.stopping = true;
    (vec![Effect::CancelBatch], None)
}

pub(crate) fn run_started(
    state: &mut State,
    batch_id: String,
    journal: String,
    at: std::time::Instant,
    baseline: crate::scim::client::ClientStats,
) {
    if let Some(run) = state.run_view_mut() {
        let mut p = Progress::new(at);
        p.baseline = baseline;
        run.progress = Some(p);
        run.now = Some(at);
        run.batch_id = Some(batch_id);
        run.journal = Some(journal);
    }
}

pub(crate) fn run_tick(state: &mut State, stats: crate::tui::bulk::msg::RunStats) {
    if let Some(run) = state.run_view_mut() {
        run.now = Some(stats.now);
        if let Some(p) = &mut run.progress {
            p.set_client_counters(stats.stats);
        }
    }
}

pub(crate) fn run_event(state: &mut State, ev: BatchEvent) -> Vec<Effect> {
    if let Some(run) = state.run_view_mut()
        && let Some(p) = &mut run.progress
    {
        let now = run.now.unwrap_or(p.started);
        p.apply(&ev.0, now);
        // Wait is the default: the run goes on by itself once the server answers.
        if matches!(ev.0, crate::batch::runner::Event::Paused { .. }) && !run.stopping {
            return vec![Effect::WaitForServer];
        }
    }
    if let crate::batch::Event::Warning(w) = &ev.0 {
        state.flash(w.clone());
    }
    Vec::new()
}

pub(crate) fn run_finished(
    state: &mut State,
    summary: Result<Box<crate::batch::Summary>, Failure>,
    stopped: Option<String>,
) -> Vec<Effect> {
    state.run.running = false;
    // A run that completed leaves nothing to retry; after a failed or stopped one the
    // selection stays, so the rest can be run again.
    let completed = stopped.is_none()
        && summary
            .as_ref()
            .is_ok_and(|s| s.failed == 0 && s.unknown == 0 && s.not_started == 0);
    if completed {
        state.bulk.selected.clear();
    }
    if state.run.quit_when_idle {
        // Everything in flight is journaled: now it is safe to leave.
        state.should_quit = true;
    }
    if let Some(run) = state.run_view_mut() {
        run.stopping = false;
        run.summary = Some(summary.map(|s| *s));
        run.stopped = stopped;
        run.failures_scroll = 0;
        // The summary's list: each failure with its full reason.
        run.failures = run.progress.as_ref().map_or_else(Vec::new, |p| {
            p.failures
                .iter()
                .map(|r| FailureRow {
                    user_id: r.user_id.clone(),
                    user_name: r.user_name.clone(),
                    status: r.status,
                    detail: r.detail.clone(),
                })
                .collect()
        });
    }
    // The list shows the users' new state; ticks survive the reload.
    let mut effects = crate::tui::list::reload(state);
    effects.push(Effect::ListWorkspaces);
    effects
}

/// Quits now, or, while a batch runs, stops dispatching and quits once the requests in
/// flight are answered and journaled (so none is left "unknown").
pub fn quit_after_run(state: &mut State) -> Vec<Effect> {
    if !state.run_in_flight() {
        state.should_quit = true;
        return Vec::new();
    }
    state.run.quit_when_idle = true;
    state.flash("stopping: waiting for the requests in flight, then quitting");
    cancel_run(state)
}
