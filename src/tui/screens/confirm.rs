//! The typed confirmation: the number of users to change (above the cap, `override N`), over
//! the preview or the summary it was opened from. Enter starts the run, which takes the whole
//! flow's place. Its keys and results are here; its data is `bulk/state.rs`'s and its
//! drawing `view/confirm.rs`.

use ratatui::Frame;
use ratatui::layout::Rect;
use tui_input::InputRequest;

use crate::batch::Intent;
use crate::tui::bulk::msg::ResumeInfo;
use crate::tui::bulk::state::{Confirm, ConfirmWhat, Preview, RunView};
use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::stack::{Layer, Next, Step};
use crate::tui::state::{Popup, State};

/// Its keymap section: the number is typed.
pub const MODE: Mode = Mode::input("confirm", &[Command::Apply, Command::Back]);

/// The confirmation opens over what is on screen; whether another run of the tenant is going
/// is read off the loop and said on it ([`overlap_checked`]).
pub fn open(state: &mut State, confirm: Confirm) -> Vec<Effect> {
    let tenant = confirm.tenant.clone();
    state.push_layer(Box::new(confirm));
    vec![Effect::CheckOverlap { tenant }]
}

impl Layer<State> for Confirm {
    fn mode(&self) -> Mode {
        MODE
    }

    fn title(&self) -> Option<String> {
        Some("Confirm".into())
    }

    fn is_flow(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        match command {
            Command::Back => Step::close(Vec::new()),
            Command::Apply => match self.check() {
                Ok(()) => start_run(state, self.clone()),
                Err(e) => {
                    self.error = Some(e.to_string());
                    Step::stay(Vec::new())
                }
            },
            _ => Step::stay(Vec::new()),
        }
    }

    fn on_edit(&mut self, request: InputRequest, _state: &mut State) -> Step<State> {
        self.input.handle(request);
        self.error = None;
        Step::stay(Vec::new())
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        // What it confirms stays in sight under it.
        if let Some(under) = state.layers().flow_under_top() {
            let under = under.as_any();
            if let Some(p) = under.downcast_ref::<Preview>() {
                crate::tui::view::preview::render(state, p, frame, body);
            } else if let Some(run) = under.downcast_ref::<RunView>().filter(|r| r.finished()) {
                crate::tui::view::summary::render(state, run, frame, body);
            }
        }
        crate::tui::view::confirm::render(state, self, frame, body);
    }
}

/// The run starts, in the place of the whole flow (a review or a selection under it too).
fn start_run(state: &mut State, c: Confirm) -> Step<State> {
    let mut run = RunView::new(c.label.clone(), c.tenant.clone());
    let effect = match c.what {
        ConfirmWhat::Plan { plan, intent } => {
            // The CSV's counts only with a plan made from it (not one user's from the detail
            // view, not a review's): the plan says so, it carries the input's counts.
            if matches!(intent, Intent::Apply { .. }) && plan.input.is_some() {
                run.input = state.bulk.csv_input.clone();
            }
            Effect::RunBatch { plan, intent }
        }
        ConfirmWhat::Resume(info) => {
            run.resumed = Some(info.targets.clone());
            Effect::ResumeBatch(info)
        }
    };
    state.layers_mut().remove_flow();
    state.run.running = true;
    Step {
        effects: vec![effect],
        next: Next::Replace(Box::new(run)),
    }
}

/// Another run of the tenant is going (or not): said on the confirmation still open for it.
pub(crate) fn overlap_checked(state: &mut State, tenant: &str, warning: Option<String>) {
    if let Some(c) = state.layers_mut().top_flow_mut::<Confirm>()
        && c.tenant == tenant
    {
        c.overlap = warning;
    }
}

/// A journal was read for a resume: its confirmation, or why not.
pub(crate) fn resume_ready(
    state: &mut State,
    result: Result<Box<ResumeInfo>, Failure>,
) -> Vec<Effect> {
    match result {
        Ok(info) => open_resume(state, info),
        Err(message) => {
            state.push_popup(Popup::Error {
                title: "Cannot resume this run".into(),
                message: message.to_string(),
            });
            Vec::new()
        }
    }
}

fn open_resume(state: &mut State, info: Box<ResumeInfo>) -> Vec<Effect> {
    if info.targets.is_empty() {
        state.flash("nothing to resume: every user of this run is settled");
        return Vec::new();
    }
    let confirm = Confirm {
        tenant: info.tenant.clone(),
        label: format!("re-check and {}", info.intent.label()),
        count: info.targets.len(),
        cap: state.bulk.max_users,
        what: ConfirmWhat::Resume(info),
        input: tui_input::Input::default(),
        error: None,
        overlap: None,
    };
    open(state, confirm)
}
