//! The one builder of a changing item: from a user's state before to the parts asked for,
//! sending only the parts that differ. Planning, review and undo all build items here, so they
//! decide no-ops and build bodies the same way.

use crate::plan::requests::set_state_requests;
use crate::plan::{Outcome, PlanItem, UserState};
use crate::scim::model::{User, Workspace};

/// Builds the item that moves `user` from `before` to the given parts, sending only the parts
/// that differ. Shared with undo, so both decide no-ops and build bodies the same way.
pub(crate) fn change_to(
    user: &User,
    before: UserState,
    set_active: Option<bool>,
    set_workspaces: Option<Vec<Workspace>>,
) -> PlanItem {
    let mut after = before.clone();
    let active = set_active.filter(|a| *a != before.active);
    if let Some(a) = active {
        after.active = a;
    }
    let workspaces = set_workspaces.filter(|ws| {
        !UserState {
            active: true,
            workspaces: ws.clone(),
        }
        .equivalent(&UserState {
            active: true,
            workspaces: before.workspaces.clone(),
        })
    });
    if let Some(ws) = &workspaces {
        after.workspaces = ws.clone();
    }
    let requests = set_state_requests(active, &before.workspaces, workspaces.as_deref());
    let outcome = if requests.is_empty() {
        Outcome::NoOp
    } else {
        Outcome::Change
    };
    item(user, before, after, outcome, requests)
}

pub(crate) fn item(
    user: &User,
    before: UserState,
    after: UserState,
    outcome: Outcome,
    requests: Vec<crate::scim::model::PatchRequest>,
) -> PlanItem {
    PlanItem {
        user_id: user.id.clone(),
        user_name: user.user_name.clone(),
        display_name: user.full_name(),
        before: Some(before),
        after: Some(after),
        outcome,
        requests,
    }
}
