//! Undo: give back what a run took away, from the state recorded just before each PATCH.
//!
//! Undo only ever restores access: it re-enables a user who was active and now is not, and
//! puts back every recorded workspace. It never disables anyone and never removes a workspace
//! granted since the run (those are kept in the `replace`), so running an undo file late, or
//! twice, cannot take access away. Restoring a workspace does not bring back model roles or
//! selective access; previews say so.

use crate::plan::change::change_to;
use crate::plan::{Action, Plan, PlanItem, UserState};
use crate::scim::model::{User, Workspace};

/// The item that restores `before` (recorded by the journal) on `current` (re-read now).
/// No-op when nothing recorded is missing.
pub fn undo_item(user_id: &str, user_name: &str, before: &UserState, current: &User) -> PlanItem {
    let mut item = restore_item(current, before, &UserState::of(current));
    item.user_id = user_id.to_string();
    item.user_name = user_name.to_string();
    item
}

/// Moves `user` (whose state is `now`) back towards `target` without taking anything away.
pub(crate) fn restore_item(user: &User, target: &UserState, now: &UserState) -> PlanItem {
    let set_active = (target.active && !now.active).then_some(true);
    let missing: Vec<&Workspace> = target
        .workspaces
        .iter()
        .filter(|w| !now.has_workspace(&w.id))
        .collect();
    let set_workspaces = (!missing.is_empty()).then(|| {
        // Recorded workspaces first, in recorded order, then the ones granted since.
        let mut all: Vec<Workspace> = target.workspaces.clone();
        all.extend(
            now.workspaces
                .iter()
                .filter(|w| !target.has_workspace(&w.id))
                .cloned(),
        );
        dedup_ids(all)
    });
    change_to(user, now.clone(), set_active, set_workspaces)
}

fn dedup_ids(ws: Vec<Workspace>) -> Vec<Workspace> {
    let mut out: Vec<Workspace> = Vec::with_capacity(ws.len());
    for w in ws {
        if !out.iter().any(|o| o.id.eq_ignore_ascii_case(&w.id)) {
            out.push(w);
        }
    }
    out
}

impl Plan {
    /// The undo plan for journal entries of (state before the run, user as re-read now).
    /// Its action is [`Action::Restore`]; each item's `after` is that user's target.
    pub fn undo(tenant: &str, created: &str, entries: &[(UserState, User)]) -> Plan {
        let items = entries
            .iter()
            .map(|(before, current)| undo_item(&current.id, &current.user_name, before, current))
            .collect();
        Plan::from_items(tenant, created, Action::Restore, items)
    }
}
