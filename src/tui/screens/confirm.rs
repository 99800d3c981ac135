//! The typed confirmation: the number of users to change (above the cap, `override N`), over
//! the preview or the summary it was opened from. Enter starts the run, which takes the whole
//! flow's place. Its keys, results and drawing are here; its data is `bulk/state.rs`'s.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::{Input, InputRequest};

use crate::batch::Intent;
use crate::plan::Plan;
use crate::plan::access_loss;
use crate::tui::bulk::msg::ResumeInfo;
use crate::tui::bulk::state::RunView;
use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::stack::{Layer, Next, Step};
use crate::tui::state::{Popup, State};
use crate::tui::text::wrap;
use crate::tui::widgets::centered;

/// Its keymap section: the number is typed.
pub const MODE: Mode = Mode::input("confirm", &[Command::Apply, Command::Back]);

/// What the typed confirmation starts.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfirmWhat {
    Plan { plan: Arc<Plan>, intent: Intent },
    Resume(Box<crate::tui::bulk::msg::ResumeInfo>),
}

#[derive(Debug, Clone)]
pub struct Confirm {
    pub what: ConfirmWhat,
    pub tenant: String,
    pub label: String,
    /// Users that will be changed (or re-checked): the number to type.
    pub count: usize,
    pub cap: usize,
    pub input: Input,
    pub error: Option<String>,
    /// Another run of this tenant is going (its run lock says so), as apply warns.
    pub overlap: Option<String>,
}

impl Confirm {
    pub fn above_cap(&self) -> bool {
        self.count > self.cap
    }

    /// What the operator must type exactly.
    pub fn expected(&self) -> String {
        if self.above_cap() {
            format!("override {}", self.count)
        } else {
            self.count.to_string()
        }
    }

    /// Checks the typed text; the error says what to type instead.
    pub fn check(&self) -> Result<(), NotConfirmed> {
        let typed = self.input.value().trim();
        let typed = typed.split_whitespace().collect::<Vec<_>>().join(" ");
        if typed == self.expected() {
            return Ok(());
        }
        if self.above_cap() && typed == self.count.to_string() {
            return Err(NotConfirmed::AboveCap {
                count: self.count,
                cap: self.cap,
            });
        }
        Err(NotConfirmed::Mistyped {
            typed,
            expected: self.expected(),
        })
    }
}

/// Why what was typed does not confirm the run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotConfirmed {
    #[error(
        "{count} users is above the cap of {cap}; to go on anyway type exactly: override {count}"
    )]
    AboveCap { count: usize, cap: usize },
    #[error("`{typed}` is not `{expected}`; nothing was sent")]
    Mistyped { typed: String, expected: String },
}

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
        // What it confirms (the preview, a run's summary) stays in sight under it.
        if let Some(under) = state.layers().flow_under_top() {
            under.draw(state, frame, body);
        }
        draw_confirm(state, self, frame, body);
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

// Drawing (was view/confirm.rs).

fn draw_confirm(state: &State, c: &Confirm, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let width = 76.min(area.width);
    let height = 22.min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.danger)
        .title(Line::styled(" Confirm the change ", t.danger));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(" Tenant  ", t.dim),
            Span::styled(crate::tui::text::safe(&c.tenant), t.title),
        ]),
        Line::from(vec![
            Span::styled(" Action  ", t.dim),
            Span::styled(c.label.clone(), t.title),
        ]),
    ];
    let cost_lines = what_lines(t, c, &mut lines);
    lines.push(Line::from(""));
    if let Some(warning) = &c.overlap {
        let w = inner.width.max(1) as usize;
        for row in wrap(&format!("⚠ {warning}"), w.saturating_sub(2)) {
            lines.push(Line::styled(format!(" {row}"), t.danger));
        }
        lines.push(Line::from(""));
    }
    if let Some(cost) = &cost_lines {
        let w = inner.width.max(1) as usize;
        // Wrapped by hand so the input row below stays where the cursor is put.
        for row in wrap(cost, w.saturating_sub(2)) {
            lines.push(Line::styled(format!(" {row}"), t.danger));
        }
        lines.push(Line::from(""));
    }
    if c.above_cap() {
        lines.push(Line::styled(
            format!(
                " ⚠ ABOVE THE CAP: {} users is more than the limit of {} (max_users).",
                c.count, c.cap
            ),
            t.danger,
        ));
        lines.push(Line::from(vec![
            Span::raw(" To go on anyway, type exactly "),
            Span::styled(format!("override {}", c.count), t.danger),
            Span::raw(" and press Enter."),
        ]));
    } else {
        lines.push(Line::from(vec![
            Span::raw(" Type the number of users, "),
            Span::styled(c.count.to_string(), t.title),
            Span::raw(", and press Enter to start."),
        ]));
    }
    lines.push(Line::styled(
        " Esc goes back; nothing is sent before this is confirmed.",
        t.dim,
    ));
    lines.push(Line::from(""));
    let value = c.input.value();
    let input_row = lines.len() as u16;
    lines.push(Line::from(vec![
        Span::styled(" > ", t.key),
        Span::raw(value.to_string()),
    ]));
    if let Some(e) = &c.error {
        lines.push(Line::styled(format!(" ✗ {e}"), t.error));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    if state.popups().is_empty() && input_row < inner.height {
        let x = 3 + c.input.visual_cursor() as u16;
        frame.set_cursor_position((
            inner.x + x.min(inner.width.saturating_sub(1)),
            inner.y + input_row,
        ));
    }
}

/// What the change is (users, requests, what is kept or re-checked); returns what it costs
/// the users, if it costs them access.
fn what_lines(
    t: &crate::tui::theme::Theme,
    c: &Confirm,
    lines: &mut Vec<Line<'static>>,
) -> Option<String> {
    match &c.what {
        ConfirmWhat::Plan { plan, .. } => {
            let tot = plan.totals();
            lines.push(Line::from(vec![
                Span::styled(" Users   ", t.dim),
                Span::styled(format!("{} will be changed", c.count), t.title),
                Span::raw(format!(" with {} requests", tot.requests)),
            ]));
            lines.push(Line::styled(
                format!(
                    "         left alone: {} no-op, {} protected, {} not found",
                    tot.no_op, tot.protected, tot.not_found
                ),
                t.dim,
            ));
            if let Some(kept) = kept_names(plan) {
                lines.push(Line::from(vec![
                    Span::styled(" Keeps   ", t.dim),
                    Span::styled(kept, t.title),
                ]));
            }
            access_loss(&plan.items).statement()
        }
        ConfirmWhat::Resume(info) => {
            lines.push(Line::from(vec![
                Span::styled(" Users   ", t.dim),
                Span::styled(format!("{} re-checked", c.count), t.title),
                Span::raw(format!(
                    " ({} unknown, {} not started, {} failed)",
                    info.unknown, info.not_started, info.failed
                )),
            ]));
            lines.push(Line::styled(
                format!(" Journal {}", info.journal.display()),
                t.dim,
            ));
            info.intent.resume_cost(c.count)
        }
    }
}

/// For keep-only: the workspaces kept, by name (ids when no user holds one), or the count
/// with the first three names when there are many.
fn kept_names(plan: &crate::plan::Plan) -> Option<String> {
    let crate::plan::Action::KeepWorkspaces { keep } = &plan.action else {
        return None;
    };
    let name_of = |id: &String| {
        plan.items
            .iter()
            .flat_map(|i| i.before.iter().chain(i.after.iter()))
            .flat_map(|st| st.workspaces.iter())
            .find(|w| &w.id == id)
            .map_or_else(|| id.clone(), |w| w.name.clone())
    };
    let names: Vec<String> = keep
        .iter()
        .map(|id| crate::tui::text::safe(&name_of(id)))
        .collect();
    Some(match names.len() {
        0 => "no workspace".to_string(),
        1..=3 => names.join(", "),
        n => format!("{n} workspaces: {}, …", names[..3].join(", ")),
    })
}
