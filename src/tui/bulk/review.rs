//! The review screen: one workspace's members with their last login, each marked keep or
//! revoke. Enter turns the marks into the same `Action::Review` plan `review apply` builds;
//! `w` saves the marks as a review CSV for someone else to finish.

use std::collections::BTreeMap;
use std::sync::Arc;

use tui_input::Input;

use crate::batch::Intent;
use crate::input::review::{ReviewHeader, ReviewWriter};
use crate::plan::review::{Decision, plan_review};
use crate::scim::model::{User, Workspace};
use crate::tui::bulk::review_view::{ReviewSave, ReviewView};
use crate::tui::bulk::state::{PathInput, PathPurpose, Preview, Screen};
use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::failure::FailureKind::File;
use crate::tui::msg::Command;
use crate::tui::scroll::Scroll;
use crate::tui::state::{State, ViewKind};

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
    state.bulk.flow.push(Screen::Review(Box::new(ReviewView {
        workspace,
        members,
        marks: BTreeMap::new(),
        scroll: Scroll::default(),
    })));
}

/// A key on the review screen (moves are handled before).
pub fn on_key(state: &mut State, action: Command) -> Vec<Effect> {
    let page = crate::tui::layout::flow_rows(state.height);
    let Some(Screen::Review(r)) = state.bulk.flow.last_mut() else {
        return Vec::new();
    };
    let current = r.members.get(r.scroll.cursor).map(|u| u.id.clone());
    let set = match action {
        Command::MarkKeep => Some(Decision::Keep),
        Command::MarkRevoke => Some(Decision::Revoke),
        Command::ToggleSelect => Some(match current.as_deref().and_then(|id| r.mark(id)) {
            Some(Decision::Revoke) => Decision::Keep,
            _ => Decision::Revoke,
        }),
        _ => None,
    };
    if let (Some(d), Some(id)) = (set, current) {
        r.marks.insert(id, d);
        let len = r.members.len();
        r.scroll.move_by(1, len, page);
        return Vec::new();
    }
    match action {
        Command::Save => {
            let name = format!("review-{}.csv", crate::plan::short_id(&r.workspace.id));
            state.ask_path(PathInput {
                purpose: PathPurpose::SaveReview,
                input: Input::new(name),
            });
            Vec::new()
        }
        // Read-only still reviews and saves the file; only the plan is refused.
        Command::Proceed if state.read_only => {
            state.flash("read-only: changes are turned off; w saves the review as a file");
            Vec::new()
        }
        Command::Proceed => {
            let preview = build_preview(state);
            match preview {
                Some(p) => state.bulk.flow.push(Screen::Preview(Box::new(p))),
                None => state.flash("mark at least one member revoke (r, space) first"),
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// The plan of the marks on top, with its preview; `None` when nothing is revoked.
pub fn build_preview(state: &State) -> Option<Preview> {
    let Some(Screen::Review(r)) = state.bulk.flow.last() else {
        return None;
    };
    let decisions = r.decisions();
    if decisions.is_empty() {
        return None;
    }
    let protected = state.bulk.protected.clone();
    let plan = plan_review(&state.tenant, "", &decisions, &r.members, &protected);
    let intent = Intent::Apply {
        action: plan.action.clone(),
        protected,
    };
    let note = format!(
        "review of {}: {} member(s) lose this workspace and keep every other",
        crate::tui::text::safe(&r.workspace.name),
        decisions.len()
    );
    Some(Preview::new(Arc::new(plan), intent, vec![note]))
}

/// The effect saving the review on top at `path`.
pub fn save_effect(state: &State, path: String, overwrite: bool) -> Vec<Effect> {
    match state.bulk.flow.last() {
        Some(Screen::Review(r)) => vec![Effect::SaveReview {
            path,
            save: Box::new(ReviewSave {
                tenant: state.tenant.clone(),
                review: (**r).clone(),
                logins: state.logins.held.clone(),
            }),
            overwrite,
        }],
        _ => Vec::new(),
    }
}

/// Writes the review CSV (BOM, comment row, CRLF, cells neutralised), stamped now.
pub fn write(path: &str, s: &ReviewSave) -> Result<String, Failure> {
    let p = crate::tui::bulk::io::resolve_path(path);
    let header = ReviewHeader {
        tenant: s.tenant.clone(),
        exported: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        scope: Some(vec![s.review.workspace.id.clone()]),
    };
    let io_err = |e: std::io::Error| Failure::caused_by(File, format!("{}: {e}", p.display()), e);
    let mut w = ReviewWriter::start(Vec::new(), &header).map_err(io_err)?;
    w.write_workspace_members(
        &s.review.workspace,
        &s.review.members,
        s.logins.as_deref(),
        |u| s.review.mark(&u.id),
    )
    .map_err(io_err)?;
    let buf = w.finish().map_err(io_err)?;
    crate::config::write_private(&p, &buf).map_err(io_err)?;
    Ok(p.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Outcome as ItemOutcome;
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

    fn review(s: &State) -> &ReviewView {
        match s.bulk.flow.last() {
            Some(Screen::Review(r)) => r,
            other => panic!("not the review screen: {other:?}"),
        }
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
        let Some(Screen::Preview(p)) = s.bulk.flow.last() else {
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
        assert!(matches!(s.bulk.flow.last(), Some(Screen::Confirm(_))));
    }

    #[test]
    fn enter_without_a_revoke_plans_nothing_and_says_why() {
        let mut s = review_of_finance();
        step(&mut s, Command::MarkKeep);
        step(&mut s, Command::Proceed);
        assert!(matches!(s.bulk.flow.last(), Some(Screen::Review(_))));
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
        write(&path, &save).unwrap();
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
        assert!(matches!(s.bulk.flow.last(), Some(Screen::Review(_))));
        step(&mut s, Command::Save);
        assert!(s.path_input().is_some());
    }

    #[test]
    fn review_screen_80x24() {
        let mut s = review_of_finance();
        step(&mut s, Command::MarkRevoke);
        step(&mut s, Command::MarkKeep);
        insta::assert_snapshot!(screen(&s));
    }
}
