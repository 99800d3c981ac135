//! The review screen: one workspace's members with their last login, each marked keep or
//! revoke. Enter turns the marks into the same `Action::Review` plan `review apply` builds,
//! and its preview opens over this screen; `w` saves the marks as a review CSV for someone
//! else to finish. Its state, keys and drawing are all here.

use std::collections::BTreeMap;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Row};
use tui_input::Input;

use crate::batch::Intent;
use crate::plan::review::{Decision, ReviewDecision, plan_review};
use crate::scim::model::{User, Workspace};
use crate::tui::bulk::msg::ReviewSave;
use crate::tui::bulk::state::{PathInput, PathPurpose, Preview};
use crate::tui::effect::Effect;
use crate::tui::keymap::Mode;
use crate::tui::layout::window_start;
use crate::tui::msg::Command;
use crate::tui::scroll::Scroll;
use crate::tui::stack::{Layer, Next, Step};
use crate::tui::state::{State, ViewKind};
use crate::tui::widgets::cursor_table::CursorTable;

/// Its keymap section: a workspace's members under review.
pub const MODE: Mode = Mode::keys(
    "review",
    &[
        Command::MarkKeep,
        Command::MarkRevoke,
        Command::ToggleSelect,
        Command::Proceed,
        Command::Save,
        Command::Back,
        Command::Help,
    ],
);

/// The review of one workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub workspace: Workspace,
    /// The loaded members, by userName.
    pub members: Vec<User>,
    /// Decisions made so far, by user id; a member not here is undecided (kept on Enter,
    /// left empty in a saved file).
    pub marks: BTreeMap<String, Decision>,
    pub scroll: Scroll,
}

impl Review {
    pub fn mark(&self, id: &str) -> Option<Decision> {
        self.marks.get(id).copied()
    }

    pub fn revokes(&self) -> usize {
        self.marks
            .values()
            .filter(|d| **d == Decision::Revoke)
            .count()
    }

    /// The decisions that change something: one revoke of this workspace per marked user.
    pub fn decisions(&self) -> Vec<ReviewDecision> {
        self.members
            .iter()
            .filter(|u| self.mark(&u.id) == Some(Decision::Revoke))
            .map(|u| ReviewDecision {
                user_id: u.id.clone(),
                workspace_id: self.workspace.id.clone(),
                decision: Decision::Revoke,
            })
            .collect()
    }
}

/// The workspace under the cursor (workspaces view) or shown (members view).
fn workspace_here(state: &State) -> Option<Workspace> {
    let id = match &state.view().kind {
        ViewKind::Workspaces => state.current_workspace()?.id.clone(),
        ViewKind::Members { workspace_id } => workspace_id.clone(),
        _ => return None,
    };
    let name = state
        .list
        .workspaces
        .get(&id)
        .map(|w| w.name.clone())
        .unwrap_or_default();
    Some(Workspace { id, name })
}

/// `R`: opens the review of the workspace here.
pub fn open(state: &mut State) {
    let Some(workspace) = workspace_here(state) else {
        state.flash("open the workspaces view (w) and pick a workspace to review");
        return;
    };
    let mut members: Vec<User> = (0..state.list.len())
        .filter_map(|i| state.list.get(i))
        .filter(|u| u.has_workspace(&workspace.id))
        .collect();
    members.sort_by_key(|u| (u.user_name.to_lowercase(), u.id.clone()));
    if members.is_empty() {
        state.flash("no loaded user is a member of this workspace");
        return;
    }
    let loaded = state.list.len() as u64;
    if let Some(total) = state.list.total.filter(|t| *t > loaded) {
        state.flash(format!(
            "{loaded} of {total} users loaded: the review lists the loaded members only"
        ));
    }
    state.push_layer(Box::new(Review {
        workspace,
        members,
        marks: BTreeMap::new(),
        scroll: Scroll::default(),
    }));
}

impl Layer<State> for Review {
    fn mode(&self) -> Mode {
        MODE
    }

    fn title(&self) -> Option<String> {
        Some("Review".into())
    }

    fn is_flow(&self) -> bool {
        true
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        let page = crate::tui::layout::flow_rows(state.height);
        let len = self.members.len();
        if super::scrolled(&mut self.scroll, command, len, state) {
            return Step::stay(Vec::new());
        }
        let current = self.members.get(self.scroll.cursor).map(|u| u.id.clone());
        let set = match command {
            Command::MarkKeep => Some(Decision::Keep),
            Command::MarkRevoke => Some(Decision::Revoke),
            Command::ToggleSelect => Some(match current.as_deref().and_then(|id| self.mark(id)) {
                Some(Decision::Revoke) => Decision::Keep,
                _ => Decision::Revoke,
            }),
            _ => None,
        };
        if let (Some(d), Some(id)) = (set, current) {
            self.marks.insert(id, d);
            self.scroll.move_by(1, len, page);
            return Step::stay(Vec::new());
        }
        match command {
            Command::Back => Step::close(Vec::new()),
            Command::Save => {
                let name = format!("review-{}.csv", crate::plan::short_id(&self.workspace.id));
                Step {
                    effects: Vec::new(),
                    next: Next::Push(Box::new(PathInput {
                        purpose: PathPurpose::SaveReview,
                        input: Input::new(name),
                    })),
                }
            }
            // Read-only still reviews and saves the file; only the plan is refused.
            Command::Proceed if state.read_only => {
                state.flash("read-only: changes are turned off; w saves the review as a file");
                Step::stay(Vec::new())
            }
            Command::Proceed => {
                match self.preview(state) {
                    // Over this screen, which comes back when the preview is left.
                    Some(p) => state.push_layer(Box::new(p)),
                    None => state.flash("mark at least one member revoke (r, space) first"),
                }
                Step::stay(Vec::new())
            }
            _ => Step::stay(Vec::new()),
        }
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        render(state, self, frame, body);
    }
}

impl Review {
    /// The plan of the marks, with its preview; `None` when nothing is revoked.
    pub fn preview(&self, state: &State) -> Option<Preview> {
        let decisions = self.decisions();
        if decisions.is_empty() {
            return None;
        }
        let protected = state.bulk.protected.clone();
        let plan = plan_review(&state.tenant, "", &decisions, &self.members, &protected);
        let intent = Intent::Apply {
            action: plan.action.clone(),
            protected,
        };
        let note = format!(
            "review of {}: {} member(s) lose this workspace and keep every other",
            crate::tui::text::safe(&self.workspace.name),
            decisions.len()
        );
        Some(Preview::new(Arc::new(plan), intent, vec![note]))
    }
}

/// The effect saving the review that is up at `path`.
pub fn save_effect(state: &State, path: String, overwrite: bool) -> Vec<Effect> {
    match state.layers().find::<Review>() {
        Some(r) => vec![Effect::SaveReview {
            path,
            save: Box::new(ReviewSave {
                tenant: state.tenant.clone(),
                workspace: r.workspace.clone(),
                members: r.members.clone(),
                marks: r.marks.clone(),
                logins: state.logins.held.clone(),
            }),
            overwrite,
        }],
        None => Vec::new(),
    }
}

fn render(state: &State, r: &Review, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let height = area.height.saturating_sub(3).max(1) as usize;
    let len = r.members.len();
    let start = window_start(r.scroll.cursor, r.scroll.offset, height, len);
    let end = (start + height).min(len);
    let rows: Vec<Row> = r.members[start..end]
        .iter()
        .map(|u| {
            let mark = match r.mark(&u.id) {
                Some(Decision::Revoke) => Span::styled("revoke", t.danger),
                Some(Decision::Keep) => Span::styled("keep", t.ticked),
                _ => Span::styled("·", t.dim),
            };
            let login = match state.logins.get(&u.id) {
                Some(l) => l.relative(state.logins.read_at),
                None => "unavailable".to_string(),
            };
            Row::new([
                Cell::from(mark),
                Cell::from(crate::tui::text::safe(&u.user_name)),
                Cell::from(crate::tui::text::safe(&u.full_name())),
                Cell::from(if u.active { "yes" } else { "no" }),
                Cell::from(crate::tui::text::safe(&login)),
            ])
        })
        .collect();
    let name = if r.workspace.name.is_empty() {
        &r.workspace.id
    } else {
        &r.workspace.name
    };
    let title = format!(
        " Review {}: {} members, {} to revoke, {} undecided ",
        crate::tui::text::safe(name),
        len,
        r.revokes(),
        len - r.marks.len().min(len)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(title, t.title));
    CursorTable {
        header: ["Mark", "userName", "Name", "Active", "Last login"],
        widths: [
            Constraint::Length(6),
            Constraint::Fill(3),
            Constraint::Fill(2),
            Constraint::Length(6),
            Constraint::Length(14),
        ],
        rows,
        block: Some(block),
        cursor: (len > 0).then(|| r.scroll.cursor.min(len - 1) - start),
    }
    .render(t, frame, area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Outcome as ItemOutcome;
    use crate::tui::bulk::state::RunView;
    use crate::tui::screens::confirm::Confirm;
    use crate::tui::state::View;
    use crate::tui::testing::{fixture_users, loaded_state, screen, step};

    const FIN: &str = "8a81b09d5e6f7a01";
    const SALES: &str = "8a81b09d5e6f7a02";

    /// The review screen of Finance Planning (alice, bob, svc-integration).
    fn review_of_finance() -> State {
        let mut s = loaded_state(fixture_users(), 80, 24);
        s.views.push(View::new(ViewKind::Members {
            workspace_id: FIN.into(),
        }));
        s.rebuild_visible();
        step(&mut s, Command::Review);
        s
    }

    fn review(s: &State) -> &Review {
        match s.layers().find::<Review>() {
            Some(r) => r,
            None => panic!("no review screen"),
        }
    }

    /// The review screen has the keys (nothing of the flow is over it).
    fn on_review(s: &State) -> bool {
        s.top_layer().is_some_and(|l| l.as_any().is::<Review>())
    }

    #[test]
    fn opens_with_the_members_of_the_workspace() {
        let s = review_of_finance();
        let names: Vec<&str> = review(&s)
            .members
            .iter()
            .map(|u| u.user_name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "alice.archer@example.com",
                "bob.baker@example.com",
                "svc-integration@example.com"
            ]
        );
        assert_eq!(review(&s).workspace.name, "Finance Planning");
    }

    #[test]
    fn keys_mark_keep_and_revoke_and_space_toggles() {
        let mut s = review_of_finance();
        step(&mut s, Command::MarkRevoke); // alice
        step(&mut s, Command::MarkKeep); // bob
        step(&mut s, Command::ToggleSelect); // svc: revoke
        let r = review(&s);
        assert_eq!(r.mark("u-0001"), Some(Decision::Revoke));
        assert_eq!(r.mark("u-0002"), Some(Decision::Keep));
        assert_eq!(r.mark("u-0005"), Some(Decision::Revoke));
        assert_eq!(r.revokes(), 2);
        step(&mut s, Command::Top);
        step(&mut s, Command::ToggleSelect); // alice back to keep
        assert_eq!(review(&s).mark("u-0001"), Some(Decision::Keep));
        assert_eq!(review(&s).revokes(), 1);
    }

    #[test]
    fn enter_plans_the_revokes_only_keeping_every_other_workspace() {
        let mut s = review_of_finance();
        step(&mut s, Command::MarkRevoke); // alice: finance and sales
        step(&mut s, Command::MarkKeep); // bob
        step(&mut s, Command::Proceed);
        let Some(p) = s.layers().top_flow::<Preview>() else {
            panic!("no preview");
        };
        assert!(matches!(p.plan.action, crate::plan::Action::Review { .. }));
        assert_eq!(p.plan.items.len(), 1);
        let item = &p.plan.items[0];
        assert_eq!(item.user_id, "u-0001");
        assert_eq!(item.outcome, ItemOutcome::Change);
        let after: Vec<&str> = item
            .after
            .as_ref()
            .map(|a| a.workspaces.iter().map(|w| w.id.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(after, [SALES]);
        // Enter on the preview reaches the typed confirmation, as every plan does.
        step(&mut s, Command::Proceed);
        assert!(s.layers().top_flow::<Confirm>().is_some());
    }

    #[test]
    fn enter_without_a_revoke_plans_nothing_and_says_why() {
        let mut s = review_of_finance();
        step(&mut s, Command::MarkKeep);
        step(&mut s, Command::Proceed);
        assert!(on_review(&s));
        let flash = s.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
        assert!(flash.contains("mark at least one member revoke"), "{flash}");
    }

    #[test]
    fn saving_writes_a_review_file_with_the_marks() {
        let mut s = review_of_finance();
        step(&mut s, Command::MarkRevoke);
        step(&mut s, Command::Save);
        assert!(s.path_input().is_some());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv").display().to_string();
        let Some(Effect::SaveReview { save, .. }) = save_effect(&s, path.clone(), false).pop()
        else {
            panic!("no save effect");
        };
        crate::tui::runner::io::save_review(&path, &save).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let file = crate::input::review::read_review(&bytes).unwrap();
        let d = file.decisions();
        assert_eq!(d.len(), 3);
        let alice = d.iter().find(|d| d.user_id == "u-0001").unwrap();
        assert_eq!(alice.decision, Decision::Revoke);
        assert_eq!(alice.workspace_id, FIN);
        assert!(
            d.iter()
                .filter(|d| d.user_id != "u-0001")
                .all(|d| d.decision == Decision::Keep)
        );
    }

    #[test]
    fn read_only_reviews_and_saves_but_plans_nothing() {
        let mut s = loaded_state(fixture_users(), 80, 24);
        s.read_only = true;
        s.views.push(View::new(ViewKind::Workspaces));
        s.rebuild_visible();
        step(&mut s, Command::Review);
        step(&mut s, Command::MarkRevoke);
        step(&mut s, Command::Proceed);
        assert!(on_review(&s));
        step(&mut s, Command::Save);
        assert!(s.path_input().is_some());
    }

    #[test]
    fn esc_from_its_preview_comes_back_to_the_review_and_only_leaving_it_offers_runs() {
        let mut s = review_of_finance();
        step(&mut s, Command::MarkRevoke);
        step(&mut s, Command::Proceed);
        assert!(s.layers().top_flow::<Preview>().is_some());
        // Still in the flow: the interrupted runs are not looked for yet.
        let effects = step(&mut s, Command::Back);
        assert!(on_review(&s));
        assert!(!effects.contains(&Effect::FindInterrupted), "{effects:?}");
        assert_eq!(review(&s).mark("u-0001"), Some(Decision::Revoke));
        // Back on the members list: they are.
        let effects = step(&mut s, Command::Back);
        assert!(s.layers().find::<Review>().is_none());
        assert!(effects.contains(&Effect::FindInterrupted), "{effects:?}");
    }

    #[test]
    fn a_run_of_the_review_takes_its_place() {
        let mut s = review_of_finance();
        // A CSV was loaded earlier in the session.
        s.bulk.csv_input = Some(crate::tui::bulk::state::InputCounts {
            path: "leavers.csv".into(),
            rows: 9,
            malformed: 1,
            duplicates: 0,
            not_found: Vec::new(),
        });
        step(&mut s, Command::MarkRevoke);
        step(&mut s, Command::Proceed);
        step(&mut s, Command::Proceed);
        let Some(c) = s.layers().top_flow::<Confirm>() else {
            panic!("no confirmation");
        };
        let expected = c.expected();
        crate::tui::testing::typed(&mut s, &expected);
        let effects = step(&mut s, Command::Apply);
        assert!(
            effects.iter().any(|e| matches!(e, Effect::RunBatch { .. })),
            "{effects:?}"
        );
        let flow: Vec<_> = s.layers().iter().filter(|l| l.is_flow()).collect();
        assert!(matches!(&flow[..], [run] if run.as_any().is::<RunView>()));
        assert!(s.layers().find::<Review>().is_none());
        // The summary is the review's run: not the counts of a CSV loaded before.
        assert!(s.run_view().is_some_and(|r| r.input.is_none()));
    }

    #[test]
    fn review_screen_80x24() {
        let mut s = review_of_finance();
        step(&mut s, Command::MarkRevoke);
        step(&mut s, Command::MarkKeep);
        insta::assert_snapshot!(screen(&s));
    }
}
