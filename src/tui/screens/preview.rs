//! The plan being built (off the UI loop), then its preview: totals, then every user's
//! before → after. `p` shows one user's exact requests over it, `S` saves the plan, Enter
//! goes on to the typed confirmation. The keys, the results and the drawing are here; the
//! preview's data is `bulk/state.rs`'s (the effect runner builds it).

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;

use crate::batch::Intent;
use crate::plan::{Action as PlanAction, Outcome, PlanRequest};
use crate::scim::model::User;
use crate::tui::bulk::msg::UndoPlan;
use crate::tui::bulk::state::{LineKind, PathInput, PathPurpose, Preview};
use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::screens::confirm::{Confirm, ConfirmWhat};
use crate::tui::stack::{Layer, Next, Step};
use crate::tui::state::{Popup, State};
use crate::tui::widgets::centered;

/// The preview's keymap section.
pub const MODE: Mode = Mode::keys(
    "preview",
    &[
        Command::Proceed,
        Command::ShowRequest,
        Command::Save,
        Command::Back,
        Command::Help,
        Command::Search,
    ],
);

/// The exact requests of one user, over the preview.
pub const REQUEST: Mode = Mode::keys("request", &[Command::Back, Command::Help]);

/// The plan is being built off the UI loop (large selections take a moment).
pub struct Planning {
    pub users: usize,
}

impl Layer<State> for Planning {
    fn mode(&self) -> Mode {
        crate::tui::screens::csv::BUSY
    }

    fn title(&self) -> Option<String> {
        Some("Action".into())
    }

    fn is_flow(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, _state: &mut State) -> Step<State> {
        match command {
            Command::Back => Step::close(Vec::new()),
            _ => Step::stay(Vec::new()),
        }
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        crate::tui::screens::csv::render_planning(state, self.users, frame, body);
    }
}

impl Layer<State> for Preview {
    fn mode(&self) -> Mode {
        match self.request {
            Some(_) => REQUEST,
            None => MODE,
        }
    }

    fn title(&self) -> Option<String> {
        Some("Preview".into())
    }

    fn is_flow(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        let page = crate::tui::layout::flow_rows(state.height);
        if let Some(delta) = command.movement(page) {
            match &mut self.request {
                Some(scroll) => *scroll = (*scroll as isize).saturating_add(delta).max(0) as usize,
                None => {
                    let height = self.list_height(state.width, state.height);
                    self.move_by(delta, height)
                }
            }
            return Step::stay(Vec::new());
        }
        match command {
            // Esc closes the requests first, then the preview.
            Command::Back if self.request.is_some() => self.request = None,
            Command::Back => return Step::close(Vec::new()),
            Command::ShowRequest => {
                self.request = match self.request {
                    Some(_) => None,
                    None => Some(0),
                };
            }
            // The request view shows one user's requests; saving and going on are from the list.
            _ if self.request.is_some() => {}
            Command::Save => {
                return Step {
                    effects: Vec::new(),
                    next: Next::Push(Box::new(PathInput {
                        purpose: PathPurpose::SavePlan,
                        input: Input::new("plan.json".into()),
                    })),
                };
            }
            Command::Proceed => return self.proceed(state),
            _ => {}
        }
        Step::stay(Vec::new())
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        draw_preview(state, self, frame, body);
        if let Some(scroll) = self.request {
            draw_requests(state, self, scroll, frame, body);
        }
    }
}

impl Preview {
    /// Enter: the typed confirmation, over the preview.
    fn proceed(&self, state: &mut State) -> Step<State> {
        if self.totals.to_change == 0 {
            state.flash(
                "nothing to change: every user is already in the target state, protected or not found",
            );
            return Step::stay(Vec::new());
        }
        let confirm = Confirm {
            tenant: self.plan.tenant.clone(),
            label: self.intent.label(),
            count: self.totals.to_change,
            cap: state.bulk.max_users,
            what: ConfirmWhat::Plan {
                plan: Arc::clone(&self.plan),
                intent: self.intent.clone(),
            },
            input: Input::default(),
            error: None,
            overlap: None,
        };
        Step::stay(crate::tui::screens::confirm::open(state, confirm))
    }
}

/// Asks for the plan of `action` for these users (`only`: the one user the action menu was
/// opened for, else the selection): "planning" shows until it is built, then its preview.
pub fn ask(state: &mut State, only: Option<&str>, action: PlanAction) -> Vec<Effect> {
    let ids = whom(state, only);
    let only = only.is_some();
    let mut users: Vec<User> = Vec::with_capacity(ids.len());
    let mut unknown: Vec<String> = Vec::new();
    for id in &ids {
        match state.selected_user(id) {
            Some(u) => users.push(u.clone()),
            None => unknown.push(id.clone()),
        }
    }
    // Rows of the CSV that matched no user are in the plan as "not found", as headless.
    let csv_input = state.bulk.csv_input.as_ref().filter(|_| !only);
    if let Some(input) = csv_input {
        for key in &input.not_found {
            if !unknown.contains(key) {
                unknown.push(key.clone());
            }
        }
    }
    let planning = Planning {
        users: users.len() + unknown.len(),
    };
    let request = PlanRequest {
        tenant: state.tenant.clone(),
        action,
        users,
        protected: state.bulk.protected.clone(),
        unknown,
        input: csv_input.map(|i| crate::plan::InputCounts {
            malformed: i.malformed,
            duplicates: i.duplicates,
        }),
    };
    state.push_layer(Box::new(planning));
    vec![Effect::BuildPlan(Box::new(request))]
}

/// Whom an action is for: the one user the menu was opened for, else the selection (by
/// userName).
pub fn whom(state: &State, only: Option<&str>) -> Vec<String> {
    match only {
        Some(id) => vec![id.to_string()],
        None => crate::tui::select::sorted_ids(state),
    }
}

/// The plan asked for is built: its preview takes the place of "planning". Dropped if the
/// operator went back meanwhile.
pub(crate) fn plan_ready(state: &mut State, preview: Box<Preview>) {
    state.layers_mut().replace_top_flow::<Planning>(preview);
}

/// The undo of a run is planned: its preview opens (over the summary).
pub(crate) fn undo_planned(state: &mut State, result: Result<Box<UndoPlan>, Failure>) {
    match result {
        Ok(u) => open_undo(state, *u),
        Err(message) => state.push_popup(Popup::Error {
            title: "Cannot build the undo plan".into(),
            message: message.to_string(),
        }),
    }
}

pub const UNDO_WARNING: &str = "WARNING: restoring workspace access does not restore model roles or selective access; workspace admins may need to set those again.";

fn open_undo(state: &mut State, u: UndoPlan) {
    let mut notes = vec![
        format!("Undo of journal {}", u.journal.display()),
        UNDO_WARNING.to_string(),
    ];
    for id in &u.missing {
        notes.push(format!("{id}: no longer in the tenant; cannot be restored"));
    }
    // Names in these lines came from the server.
    notes.extend(
        u.changed_since
            .iter()
            .map(|l| crate::untrusted::line(l).into_owned()),
    );
    let preview = Preview::new(u.plan, Intent::Restore { states: u.states }, notes);
    state.push_layer(Box::new(preview));
}

// Drawing (was view/preview.rs).

// Long because a screen laid out line by line, top to bottom.
fn draw_preview(state: &State, p: &Preview, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(
            format!(" Preview: {} ", p.intent.label()),
            t.title,
        ))
        .title(
            Line::from(format!(" user {} of {} ", p.cursor + 1, p.item_line.len())).right_aligned(),
        );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let top_h = p.top_rows(inner.width, inner.height);
    let [top, list] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(1)]).areas(inner);
    // Laid out by the preview itself, so the reducer knows how many rows are left.
    let mut lines = vec![Line::from(format!(
        " tenant {}",
        crate::tui::text::safe(&p.plan.tenant)
    ))];
    for row in p.count_rows(inner.width) {
        let mut counts = vec![Span::raw(" ")];
        for (label, v) in row {
            counts.push(Span::styled(format!("{label} "), t.dim));
            counts.push(Span::styled(v.to_string(), t.title));
            counts.push(Span::raw("  "));
        }
        lines.push(Line::from(counts));
    }
    for note in p.note_rows(inner.width) {
        lines.push(Line::styled(format!(" {note}"), t.danger));
    }
    for row in Preview::nothing_sent_rows(inner.width) {
        lines.push(Line::styled(format!(" {row}"), t.dim));
    }
    frame.render_widget(Paragraph::new(lines), top);

    let height = list.height.max(1) as usize;
    let len = p.lines.len();
    // The reducer scrolls with the same height (Preview::list_height), so the offset is used
    // as it is: a tall block may show its end without its header.
    let start = p.offset.min(len.saturating_sub(height));
    let end = (start + height).min(len);
    let found = state.found(crate::tui::find::FindOn::Preview);
    let shown: Vec<Line> = p.lines[start..end]
        .iter()
        .enumerate()
        .map(|(j, l)| {
            let here = l.item == p.cursor;
            let line = match l.kind {
                LineKind::Header => {
                    let marker = if here { "▶ " } else { "  " };
                    let style = if here { t.cursor } else { t.title };
                    Line::from(vec![Span::raw(marker), Span::styled(l.text.clone(), style)])
                }
                LineKind::Lost => Line::from(vec![
                    Span::raw("    "),
                    Span::styled(l.text.clone(), t.danger),
                    Span::styled("  removed", t.danger),
                ]),
                LineKind::Gained => Line::from(vec![
                    Span::raw("    "),
                    Span::styled(l.text.clone(), t.active),
                    Span::styled("  restored", t.active),
                ]),
                LineKind::Warn => Line::from(vec![
                    Span::raw("    "),
                    Span::styled(l.text.clone(), t.error),
                ]),
                LineKind::Info => Line::from(format!("    {}", l.text)),
            };
            match &found {
                Some((q, current)) => crate::tui::find::highlight(
                    line,
                    q,
                    crate::tui::find::match_style(t, *current == Some(start + j)),
                ),
                None => line,
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(shown), list);
}

// Drawing (was view/request.rs).

/// The text lines of the request view (also used to bound scrolling).
pub(crate) fn request_lines(p: &Preview) -> Vec<String> {
    let Some(item) = p.plan.items.get(p.cursor) else {
        return Vec::new();
    };
    let mut out = vec![
        format!(
            "{} ({})",
            crate::tui::text::safe(&item.user_name),
            crate::tui::text::safe(&item.user_id)
        ),
        String::new(),
    ];
    if item.requests.is_empty() {
        let why = match &item.outcome {
            Outcome::NoOp => "no request: the user is already in the target state".to_string(),
            Outcome::Protected { reason } => {
                format!("no request: protected ({})", crate::tui::text::safe(reason))
            }
            Outcome::NotFound => "no request: the user was not found".to_string(),
            Outcome::Change => "no request".to_string(),
        };
        out.push(why);
        return out;
    }
    let n = item.requests.len();
    for (i, r) in item.requests.iter().enumerate() {
        if n > 1 {
            out.push(format!("request {} of {n}", i + 1));
        }
        out.push(format!(
            "PATCH /Users/{}",
            crate::tui::text::safe(&item.user_id)
        ));
        out.push("Content-Type: application/scim+json".to_string());
        out.push(String::new());
        let body = serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("({e})"));
        out.extend(body.lines().map(str::to_string));
        out.push(String::new());
    }
    out
}

fn draw_requests(state: &State, p: &Preview, scroll: usize, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let width = 78.min(area.width);
    let rect = centered(area, width, area.height);
    frame.render_widget(Clear, rect);
    let lines = request_lines(p);
    let height = rect.height.saturating_sub(2) as usize;
    let start = scroll.min(lines.len().saturating_sub(height));
    let shown: Vec<Line> = lines
        .iter()
        .skip(start)
        .take(height)
        .map(|l| {
            if l.starts_with("PATCH ") {
                Line::styled(l.clone(), t.title)
            } else {
                Line::from(l.clone())
            }
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(" Exact request ", t.title))
        .title_bottom(Line::styled(" j/k scroll · esc back ", t.dim));
    frame.render_widget(Paragraph::new(shown).block(block), rect);
}
