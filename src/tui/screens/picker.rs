//! The keep-only workspace picker: every workspace known, with how many of the users have it;
//! marked ones are kept, the others removed. Enter asks for the plan. Its state, keys and
//! drawing are here.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Row};

use crate::plan::{Action as PlanAction, short_id};
use crate::tui::keymap::Mode;
use crate::tui::layout::window_start;
use crate::tui::msg::Command;
use crate::tui::scroll::Scroll;
use crate::tui::stack::{Layer, Step};
use crate::tui::state::State;
use crate::tui::widgets::cursor_table::CursorTable;

/// Its keymap section.
pub const MODE: Mode = Mode::keys(
    "picker",
    &[
        Command::ToggleSelect,
        Command::Proceed,
        Command::Back,
        Command::Help,
    ],
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickEntry {
    pub id: String,
    pub name: String,
    /// Selected users who have it.
    pub in_selection: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// The one user the action menu was opened for, else `None`: the selection.
    pub only: Option<String>,
    pub entries: Vec<PickEntry>,
    pub scroll: Scroll,
    pub keep: BTreeSet<String>,
}

impl Picker {
    /// Every workspace known, those the users have first (`only`: the one user the menu is
    /// for, else the selection).
    pub fn new(state: &State, only: Option<&str>) -> Picker {
        let ids = crate::tui::screens::preview::whom(state, only);
        let mut entries: std::collections::BTreeMap<String, PickEntry> = state
            .list
            .workspaces
            .values()
            .map(|w| {
                (
                    w.id.clone(),
                    PickEntry {
                        id: w.id.clone(),
                        name: w.name.clone(),
                        in_selection: 0,
                    },
                )
            })
            .collect();
        for id in &ids {
            let Some(u) = state.selected_user(id) else {
                continue;
            };
            for w in &u.workspaces {
                let e = entries.entry(w.id.clone()).or_insert_with(|| PickEntry {
                    id: w.id.clone(),
                    name: w.name.clone(),
                    in_selection: 0,
                });
                e.in_selection += 1;
            }
        }
        let mut entries: Vec<PickEntry> = entries.into_values().collect();
        entries.sort_by_key(|e| (e.in_selection == 0, e.name.to_lowercase(), e.id.clone()));
        Picker {
            only: only.map(str::to_string),
            entries,
            scroll: Scroll::default(),
            keep: Default::default(),
        }
    }
}

impl Layer<State> for Picker {
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
        let len = self.entries.len();
        if super::scrolled(&mut self.scroll, command, len, state) {
            return Step::stay(Vec::new());
        }
        match command {
            Command::Back => Step::close(Vec::new()),
            Command::ToggleSelect => {
                if let Some(e) = self.entries.get(self.scroll.cursor) {
                    let id = e.id.clone();
                    if !self.keep.remove(&id) {
                        self.keep.insert(id);
                    }
                    self.scroll.move_by(1, len, page);
                }
                Step::stay(Vec::new())
            }
            Command::Proceed => {
                if self.keep.is_empty() {
                    state.flash("mark at least one workspace to keep (space); to remove every workspace choose \"Remove all workspace access\"");
                    return Step::stay(Vec::new());
                }
                let keep: Vec<String> = self
                    .entries
                    .iter()
                    .filter(|e| self.keep.contains(&e.id))
                    .map(|e| e.id.clone())
                    .collect();
                Step::stay(crate::tui::screens::preview::ask(
                    state,
                    self.only.as_deref(),
                    PlanAction::KeepWorkspaces { keep },
                ))
            }
            _ => Step::stay(Vec::new()),
        }
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        render(state, self, frame, body);
    }
}

fn render(state: &State, p: &Picker, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let height = area.height.saturating_sub(3).max(1) as usize;
    let len = p.entries.len();
    let start = window_start(p.scroll.cursor, p.scroll.offset, height, len);
    let end = (start + height).min(len);
    let rows: Vec<Row> = p.entries[start..end]
        .iter()
        .map(|e| {
            let keep = p.keep.contains(&e.id);
            let mark = if keep {
                Span::styled("[keep]", t.ticked)
            } else {
                Span::styled("[    ]", t.dim)
            };
            Row::new([
                Cell::from(mark),
                Cell::from(crate::tui::text::safe(&e.name)),
                Cell::from(short_id(&e.id)),
                Cell::from(Line::from(e.in_selection.to_string()).right_aligned()),
            ])
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(
            format!(
                " Keep only these workspaces: {} marked; the others are removed ",
                p.keep.len()
            ),
            t.title,
        ));
    CursorTable {
        header: ["Keep", "Workspace", "id", "users"],
        widths: [
            Constraint::Length(6),
            Constraint::Fill(3),
            Constraint::Length(10),
            Constraint::Length(6),
        ],
        rows,
        block: Some(block),
        cursor: (len > 0).then(|| p.scroll.cursor.min(len - 1) - start),
    }
    .render(t, frame, area);
}
