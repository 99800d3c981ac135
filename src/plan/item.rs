//! One user's plan item: before, after, outcome and requests, from the user's current state.

use crate::plan::change::{change_to, item};
use crate::plan::undo::restore_item;
use crate::plan::{Action, Outcome, PlanItem, Protected, UserState};
use crate::scim::model::{User, Workspace};

/// Plans `action` for `user` as it is now. The batch runner calls this on state re-read just
/// before writing, so a user already in the target state becomes a no-op and nothing is sent.
///
/// `Action::Restore` has no target of its own (each user's target is recorded in its item);
/// for it this returns a no-op, and callers use [`replan`] instead.
pub fn plan_user(user: &User, action: &Action, protected: &Protected) -> PlanItem {
    let before = UserState::of(user);
    if let Some(reason) = protected.reason_for(user) {
        return item(
            user,
            before.clone(),
            before,
            Outcome::Protected { reason },
            Vec::new(),
        );
    }
    let (set_active, set_workspaces): (Option<bool>, Option<Vec<Workspace>>) = match action {
        Action::Disable => (Some(false), None),
        Action::Enable => (Some(true), None),
        Action::RemoveWorkspaces => (None, Some(Vec::new())),
        Action::DisableAndRemove => (Some(false), Some(Vec::new())),
        Action::KeepWorkspaces { keep } => {
            let kept = user
                .workspaces
                .iter()
                .filter(|w| keep.iter().any(|k| k.trim().eq_ignore_ascii_case(&w.id)))
                .cloned()
                .collect();
            (None, Some(kept))
        }
        Action::Restore => (None, None),
        Action::Review { users } => {
            let target = users.get(&user.id.to_ascii_lowercase());
            return crate::plan::review::review_item(user, target, None);
        }
    };
    change_to(user, before, set_active, set_workspaces)
}

/// Plans `action` for `user` on resume, where `recorded` is the user's state before this batch
/// first touched it (from the journal). Only keep-only differs from [`plan_user`]: a change of
/// more than 50 workspaces goes out as several requests, and one cut between them has already
/// taken kept workspaces away; the user keeps every kept workspace held now or before the run.
/// Nothing outside the keep list, and nothing the user never held, is ever added.
pub fn plan_resumed(
    user: &User,
    action: &Action,
    protected: &Protected,
    recorded: Option<&UserState>,
) -> PlanItem {
    if protected.reason_for(user).is_some() {
        return plan_user(user, action, protected);
    }
    if let (Action::Review { users }, Some(_)) = (action, recorded) {
        let target = users.get(&user.id.to_ascii_lowercase());
        return crate::plan::review::review_item(user, target, recorded);
    }
    let (Action::KeepWorkspaces { keep }, Some(recorded)) = (action, recorded) else {
        return plan_user(user, action, protected);
    };
    let before = UserState::of(user);
    let kept_id = |w: &Workspace| keep.iter().any(|k| k.trim().eq_ignore_ascii_case(&w.id));
    let mut kept: Vec<Workspace> = user
        .workspaces
        .iter()
        .filter(|w| kept_id(w))
        .cloned()
        .collect();
    for w in recorded.workspaces.iter().filter(|w| kept_id(w)) {
        if !kept.iter().any(|k| k.id.eq_ignore_ascii_case(&w.id)) {
            kept.push(w.clone());
        }
    }
    change_to(user, before, None, Some(kept))
}

/// The item for an id or email from the input that matched no user. An email goes in
/// `user_name`, anything else in `user_id`, so previews and journals show it where expected.
pub fn not_found_item(key: &str) -> PlanItem {
    let key = key.trim();
    let (user_id, user_name) = if key.contains('@') {
        (String::new(), key.to_string())
    } else {
        (key.to_string(), String::new())
    };
    PlanItem {
        user_id,
        user_name,
        display_name: key.to_string(),
        before: None,
        after: None,
        outcome: Outcome::NotFound,
        requests: Vec::new(),
    }
}

/// Re-plans a saved item against the user's fresh state, as the runner must just before
/// writing. For `Restore` the target is the item's recorded `after`; for every other action it
/// is the action itself. Protection is re-checked in both cases.
pub fn replan(item: &PlanItem, action: &Action, fresh: &User, protected: &Protected) -> PlanItem {
    match (action, &item.after) {
        (Action::Restore, Some(target)) => {
            if let Some(reason) = protected.reason_for(fresh) {
                let now = UserState::of(fresh);
                let mut p = restore_item(fresh, target, &now);
                p.after = Some(now);
                p.outcome = Outcome::Protected { reason };
                p.requests.clear();
                return p;
            }
            restore_item(fresh, target, &UserState::of(fresh))
        }
        _ => plan_user(fresh, action, protected),
    }
}
