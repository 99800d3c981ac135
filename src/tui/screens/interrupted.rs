//! Runs left unfinished: offered in a popup at start (resume now, show, later), and named on
//! stderr when the TUI is quit during a run. Reducer side only; the journals are read by
//! `Effect::FindInterrupted`.

use crate::batch::interrupted::Interrupted;
use crate::tui::effect::Effect;
use crate::tui::msg::Command;
use crate::tui::state::{Popup, State};

/// What the popup offers, in the order it lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    ResumeNow,
    Show,
    Later,
}

/// The interrupted runs of this tenant were read (newest first): the newest not put off
/// is offered, unless another popup or a screen is in the way.
pub fn found(state: &mut State, runs: Vec<Interrupted>) {
    let offers: Vec<Interrupted> = runs
        .into_iter()
        .filter(|r| !state.offers.later.contains(&r.id))
        .collect();
    let Some(first) = offers.first() else {
        return;
    };
    if state.run.running
        || state
            .popups()
            .iter()
            .any(|p| matches!(p, Popup::Interrupted { .. }))
    {
        return;
    }
    state.push_popup(Popup::Interrupted {
        run: Box::new(first.clone()),
        more: offers.len() - 1,
    });
}

/// The choice a key makes in the popup; `None` for keys that do nothing there.
pub fn choice_of(action: Command) -> Option<Choice> {
    match action {
        Command::Resume | Command::Choose1 => Some(Choice::ResumeNow),
        Command::History | Command::Choose2 => Some(Choice::Show),
        Command::Back | Command::Choose3 => Some(Choice::Later),
        _ => None,
    }
}

/// A key while the popup of `run` is up: the choice it makes, through the paths the history
/// uses; `None` for a key that makes none (the popup stays).
pub fn on_key(
    state: &mut State,
    run: &crate::batch::interrupted::Interrupted,
    action: Command,
) -> Option<Vec<Effect>> {
    let choice = choice_of(action)?;
    Some(choose(state, run, choice))
}

fn choose(
    state: &mut State,
    run: &crate::batch::interrupted::Interrupted,
    choice: Choice,
) -> Vec<Effect> {
    let journal = std::path::PathBuf::from(&run.journal);
    match choice {
        Choice::Later => {
            state.offers.later.insert(run.id.clone());
            state.flash(format!(
                "run {} left for later: H lists it, R resumes it from there",
                run.id
            ));
            Vec::new()
        }
        Choice::ResumeNow => {
            if state.read_only {
                state.flash("read-only: changes are turned off");
                return Vec::new();
            }
            state.flash("reading the journal…");
            vec![Effect::PrepareResume { journal }]
        }
        Choice::Show => {
            let mut effects = crate::tui::screens::history::open(state);
            if let Some(h) = state
                .layers_mut()
                .top_flow_mut::<crate::tui::bulk::state::HistoryView>()
            {
                h.opening = true;
                effects.push(Effect::LoadRun { journal });
            }
            effects
        }
    }
}

/// The line stderr gets when the TUI was quit during a run that did not get to its end.
pub fn exit_note(state: &State) -> Option<String> {
    if !state.run.quit_when_idle {
        return None;
    }
    let run = state.run_view()?;
    let id = run.batch_id.clone()?;
    let (left, total) = match &run.summary {
        Some(Ok(s)) => (s.in_doubt + s.unknown + s.not_started + s.failed, s.planned),
        // Quit before the run could say how it ended: what its progress had seen.
        _ => {
            let p = run.progress.as_ref()?;
            let left = p.total.saturating_sub(p.finished()) + p.failed + p.in_doubt;
            (left, p.total)
        }
    };
    (left > 0).then(|| {
        format!(
            "run {id} interrupted: {left} of {total} users left; resume with: scimitar resume {id}"
        )
    })
}
