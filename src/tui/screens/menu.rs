//! The action menu: what to do to the selection (or to the one user it was opened for from
//! the detail view). Digits choose at once; "keep only" goes on to the workspace picker, the
//! others to the plan's preview. Its state, keys and drawing are here, with the plan request
//! every action builds.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::plan::Action as PlanAction;
use crate::scim::model::User;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::select;
use crate::tui::stack::{Layer, Next, Step};
use crate::tui::state::State;
use crate::tui::widgets::centered;

/// Its keymap section.
pub const MODE: Mode = Mode::keys("menu", &[Command::Proceed, Command::Back, Command::Help]);

/// The action menu's entries, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuItem {
    Disable,
    RemoveWorkspaces,
    KeepWorkspaces,
    Enable,
    DisableAndRemove,
}

pub const MENU: [MenuItem; 5] = [
    MenuItem::Disable,
    MenuItem::RemoveWorkspaces,
    MenuItem::KeepWorkspaces,
    MenuItem::Enable,
    MenuItem::DisableAndRemove,
];

impl MenuItem {
    pub fn label(self) -> &'static str {
        match self {
            MenuItem::Disable => "Disable",
            MenuItem::RemoveWorkspaces => "Remove all workspace access",
            MenuItem::KeepWorkspaces => "Keep only chosen workspaces…",
            MenuItem::Enable => "Re-enable",
            MenuItem::DisableAndRemove => "Disable and remove all workspace access",
        }
    }

    pub fn note(self) -> &'static str {
        match self {
            MenuItem::Disable => "active → no; workspaces stay",
            MenuItem::RemoveWorkspaces => "every workspace entitlement removed; stays active",
            MenuItem::KeepWorkspaces => "pick workspaces to keep; the others are removed",
            MenuItem::Enable => "active → yes",
            MenuItem::DisableAndRemove => "active → no and every workspace removed, one request",
        }
    }
}

/// The menu on screen.
pub struct ActionMenu {
    pub cursor: usize,
    /// Set when the menu was opened from a user's detail view: the action is for that user
    /// alone, whatever is ticked.
    pub only: Option<String>,
}

/// `A`: the action menu for the selection, once something is ticked.
pub fn open(state: &mut State) {
    if state.read_only {
        state.flash("read-only: changes are turned off");
        return;
    }
    if state.visual_anchor().is_some() {
        select::commit_visual(state);
    }
    if state.bulk.selected.is_empty() {
        state.flash(
            "select users first: space ticks, v marks a range, a ticks all shown, L loads a CSV",
        );
        return;
    }
    state.push_layer(Box::new(ActionMenu {
        cursor: 0,
        only: None,
    }));
}

/// `A` in a user's detail view: the action menu for that user alone.
pub fn open_for(state: &mut State, user: User) {
    if state.read_only {
        state.flash("read-only: changes are turned off");
        return;
    }
    if state.user(&user.id).is_none() {
        // Not in the loaded list (opened with --user): the plan needs its state.
        state.bulk.sel_cache.insert(user.id.clone(), user.clone());
    }
    state.push_layer(Box::new(ActionMenu {
        cursor: 0,
        only: Some(user.id),
    }));
}

impl Layer<State> for ActionMenu {
    fn mode(&self) -> Mode {
        MODE
    }

    fn title(&self) -> Option<String> {
        Some("Action".into())
    }

    fn is_flow(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        let page = crate::tui::layout::flow_rows(state.height);
        if let Some(delta) = command.movement(page) {
            self.cursor = (self.cursor as isize)
                .saturating_add(delta)
                .clamp(0, MENU.len() as isize - 1) as usize;
            return Step::stay(Vec::new());
        }
        // A digit chooses its item at once.
        match command.choice() {
            Some(n) if n < MENU.len() => self.cursor = n,
            Some(_) => return Step::stay(Vec::new()),
            None if command == Command::Back => return Step::close(Vec::new()),
            None if command != Command::Proceed => return Step::stay(Vec::new()),
            None => {}
        }
        let action = match MENU.get(self.cursor).copied().unwrap_or(MenuItem::Disable) {
            MenuItem::Disable => PlanAction::Disable,
            MenuItem::RemoveWorkspaces => PlanAction::RemoveWorkspaces,
            MenuItem::Enable => PlanAction::Enable,
            MenuItem::DisableAndRemove => PlanAction::DisableAndRemove,
            MenuItem::KeepWorkspaces => {
                // Over the menu, which is still up (the picker's plan is for its users).
                let picker = crate::tui::screens::picker::Picker::new(state, self.only.as_deref());
                return Step {
                    effects: Vec::new(),
                    next: Next::Push(Box::new(picker)),
                };
            }
        };
        let only = self.only.as_deref();
        Step::stay(crate::tui::screens::preview::ask(state, only, action))
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        render(state, self.cursor, self.only.as_deref(), frame, body);
    }
}

/// `only`: the menu is for this user alone (opened from the detail view).
fn render(state: &State, cursor: usize, only: Option<&str>, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let width = 64.min(area.width);
    let height = (MENU.len() as u16 * 2 + 4).min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(
            match only {
                Some(id) => {
                    let user = state.selected_user(id);
                    let name = user.as_ref().map_or(id, |u| u.user_name.as_str());
                    format!(" Action for {} ", crate::tui::text::safe(name))
                }
                None => format!(" Action for {} selected users ", state.bulk.selected.len()),
            },
            t.title,
        ))
        .title_bottom(Line::styled(
            " 1-5 choose · nothing is sent before the preview and confirmation ",
            t.dim,
        ));
    let mut lines = Vec::new();
    for (i, item) in MENU.iter().enumerate() {
        let here = i == cursor;
        let marker = if here { "▶ " } else { "  " };
        let style = if here { t.cursor } else { t.header };
        lines.push(Line::from(vec![
            Span::raw(marker),
            Span::styled(format!("{}. {}", i + 1, item.label()), style),
        ]));
        lines.push(Line::styled(format!("     {}", item.note()), t.dim));
    }
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
