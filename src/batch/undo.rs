//! What undo may give back: only what the run itself took away. Per user that is the
//! part of the state before the change (first attempt) that the run's own result shows
//! gone, limited to what the run's action can take (a disable never removes a workspace),
//! and only for users the run recorded as changed (done, or confirmed on resume). Undo is
//! the one path that grants access, so nothing else in a journal can widen it.

use std::collections::HashMap;

#[cfg(test)]
use crate::batch::journal::ResultKind;
use crate::batch::journal::{Intent, JournalState, Record};
use crate::input::{LookupError, UserLookup};
use crate::plan::{Action, UserState};
use crate::scim::model::User;

/// Ids per lookup: an OR filter of 50 ids stays well within URL limits.
const CHUNK: usize = 50;

/// What undo gives back to one user: `active` true if the run disabled them, and the
/// workspaces it removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub user_id: String,
    pub user_name: String,
    pub give: UserState,
}

/// What undo could give back, in plan order: for every user this run sent a change to
/// (an attempt record, whatever its answer said), the part of the state before the first
/// attempt that the run's action can take away. [`inputs`] limits it to what is missing now.
pub fn grants(state: &JournalState) -> Vec<Grant> {
    let mut out = Vec::new();
    for t in &state.targets {
        let id = &t.user_id;
        // An attempt without requests (never written by a run) cannot have taken anything.
        let Some(before) = state
            .first_before
            .get(id)
            .filter(|_| state.sent.contains(id))
        else {
            continue;
        };
        let give = may_take(&state.intent, id, before);
        if give.active || !give.workspaces.is_empty() {
            out.push(Grant {
                user_id: id.clone(),
                user_name: t.user_name.clone(),
                give,
            });
        }
    }
    out
}

/// The part of `before` that the intent's action can take from user `id`: `active` if it
/// disables, the workspaces it removes (a review: only those it revoked for this user).
fn may_take(intent: &Intent, id: &str, before: &UserState) -> UserState {
    let (can_disable, can_remove, kept): (bool, bool, &[String]) = match intent {
        Intent::Restore { .. } => (false, false, &[]),
        Intent::Apply { action, .. } => match action {
            Action::Disable => (true, false, &[]),
            Action::DisableAndRemove => (true, true, &[]),
            Action::RemoveWorkspaces => (false, true, &[]),
            Action::KeepWorkspaces { keep } => (false, true, keep.as_slice()),
            Action::Enable | Action::Restore => (false, false, &[]),
            Action::Review { users } => {
                let target = users.get(&id.to_ascii_lowercase());
                return UserState {
                    active: target.is_some_and(|t| t.disable) && before.active,
                    workspaces: before
                        .workspaces
                        .iter()
                        .filter(|w| {
                            target.is_some_and(|t| t.revoke.contains(&w.id.to_ascii_lowercase()))
                        })
                        .cloned()
                        .collect(),
                };
            }
        },
    };
    UserState {
        active: can_disable && before.active,
        workspaces: if can_remove {
            before
                .workspaces
                .iter()
                .filter(|w| !kept.iter().any(|k| k.eq_ignore_ascii_case(&w.id)))
                .cloned()
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// `give` limited to what `now` lacks: re-enable only a disabled user, give back only
/// workspaces now missing.
fn still_missing(give: &UserState, now: &UserState) -> UserState {
    UserState {
        active: give.active && !now.active,
        workspaces: give
            .workspaces
            .iter()
            .filter(|w| !now.has_workspace(&w.id))
            .cloned()
            .collect(),
    }
}

/// The state this run left the user in, as far as the journal knows: what the re-read
/// after the change showed, else what the attempt planned.
fn left_by_run(state: &JournalState, id: &str) -> Option<UserState> {
    match state.last_result.get(id) {
        Some(Record::Result { after: Some(a), .. }) => Some(a.clone()),
        _ => state.attempt_after.get(id).cloned(),
    }
}

pub struct UndoInputs {
    /// (what to give back, user now), in journal order.
    pub entries: Vec<(UserState, User)>,
    /// Users the run changed that are no longer in the tenant.
    pub missing: Vec<String>,
    pub grants: Vec<Grant>,
    /// Users whose state now is neither what they had before the run nor what the run left:
    /// someone (another run) changed them since. One line each, for the preview.
    pub changed_since: Vec<String>,
}

pub async fn inputs<L: UserLookup>(
    state: &JournalState,
    lookup: &L,
) -> Result<UndoInputs, LookupError> {
    let possible = grants(state);
    let ids: Vec<String> = possible.iter().map(|g| g.user_id.clone()).collect();
    let mut current: HashMap<String, User> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for u in lookup.users_by_ids(chunk).await? {
            current.insert(u.id.to_ascii_lowercase(), u);
        }
    }
    let mut entries = Vec::new();
    let mut missing = Vec::new();
    let mut grants = Vec::new();
    let mut changed_since = Vec::new();
    for g in possible {
        let Some(u) = current.get(&g.user_id.to_ascii_lowercase()) else {
            missing.push(g.user_id.clone());
            continue;
        };
        let now = UserState::of(u);
        let before = state.first_before.get(&g.user_id);
        let left = left_by_run(state, &g.user_id);
        let ours = |s: Option<&UserState>| s.is_some_and(|s| s.equivalent(&now));
        if !ours(before) && !ours(left.as_ref()) {
            changed_since.push(format!(
                "{} ({}): changed since this run (now active {}, {} workspaces): another run or person changed it; only what this run's action takes away is given back",
                g.user_name,
                g.user_id,
                now.active,
                now.workspaces.len()
            ));
        }
        let give = still_missing(&g.give, &now);
        if give.active || !give.workspaces.is_empty() {
            entries.push((give.clone(), u.clone()));
            grants.push(Grant { give, ..g });
        }
    }
    Ok(UndoInputs {
        entries,
        missing,
        grants,
        changed_since,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::journal::{JournalState, SealCheck, Target};
    use crate::plan::Protected;
    use crate::scim::model::Workspace;

    fn ws(ids: &[&str]) -> Vec<Workspace> {
        ids.iter()
            .map(|i| Workspace {
                id: i.to_string(),
                name: i.to_string(),
            })
            .collect()
    }

    fn st(active: bool, ids: &[&str]) -> UserState {
        UserState {
            active,
            workspaces: ws(ids),
        }
    }

    fn result(id: &str, outcome: ResultKind, after: Option<UserState>) -> Record {
        Record::Result {
            user_id: id.into(),
            user_name: id.into(),
            at: String::new(),
            outcome,
            status: Some(200),
            detail: String::new(),
            after,
            latency_ms: 1,
        }
    }

    fn journal(action: Action) -> JournalState {
        JournalState {
            path: "j".into(),
            batch_id: "b".into(),
            tenant: "t".into(),
            intent: Intent::Apply {
                action,
                protected: Protected::default(),
            },
            plan_hash: String::new(),
            started: String::new(),
            last_at: String::new(),
            undoes: None,
            input: None,
            targets: ["a", "b", "c"]
                .iter()
                .map(|i| Target {
                    user_id: i.to_string(),
                    user_name: i.to_string(),
                })
                .collect(),
            first_before: HashMap::new(),
            attempt_after: HashMap::new(),
            sent: ["a", "b", "c"].iter().map(|s| s.to_string()).collect(),
            last_result: HashMap::new(),
            unknown: Vec::new(),
            confirmed: Default::default(),
            ended: true,
            torn: None,
            torn_lines: 0,
            seal: SealCheck::NotChecked,
            chain_head: String::new(),
        }
    }

    #[test]
    fn a_disable_is_undone_by_re_enabling_only_whatever_the_before_state_claims() {
        let mut j = journal(Action::Disable);
        // Widened by hand: more workspaces than the user ever had.
        j.first_before
            .insert("a".into(), st(true, &["w1", "w2", "w3"]));
        j.last_result.insert(
            "a".into(),
            result("a", ResultKind::Done, Some(st(false, &["w1"]))),
        );
        // An attempt whose answer was lost (no result): it may have been disabled too.
        j.first_before
            .insert("c".into(), st(true, &["w1", "w2", "w3"]));
        // Inactive before the run: nothing to give back.
        j.first_before.insert("b".into(), st(false, &["w1"]));
        let g = grants(&j);
        assert_eq!(g.len(), 2);
        assert_eq!((g[0].user_id.as_str(), &g[0].give), ("a", &st(true, &[])));
        assert_eq!((g[1].user_id.as_str(), &g[1].give), ("c", &st(true, &[])));
    }

    #[test]
    fn only_what_is_missing_now_is_given_back() {
        let give = st(true, &["w1", "w2"]);
        assert_eq!(still_missing(&give, &st(true, &["w1"])), st(false, &["w2"]));
        assert_eq!(
            still_missing(&give, &st(false, &["w2", "w1"])),
            st(true, &[])
        );
    }

    #[test]
    fn a_removal_gives_back_what_its_result_shows_gone_and_keep_keeps_its_own() {
        let mut j = journal(Action::KeepWorkspaces {
            keep: vec!["w1".into()],
        });
        j.first_before.insert("a".into(), st(true, &["w1", "w2"]));
        j.last_result.insert(
            "a".into(),
            result("a", ResultKind::Done, Some(st(true, &["w1"]))),
        );
        // Confirmed on resume: no observed state, the attempt's plan stands for it.
        j.first_before.insert("b".into(), st(true, &["w1", "w3"]));
        j.attempt_after.insert("b".into(), st(true, &["w1"]));
        j.last_result
            .insert("b".into(), result("b", ResultKind::NoOp, None));
        j.confirmed.insert("b".into());
        let g = grants(&j);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].give, st(false, &["w2"]));
        assert_eq!(g[1].give, st(false, &["w3"]));
    }

    #[test]
    fn undoing_an_undo_or_an_enable_grants_nothing() {
        for intent in [
            Intent::Restore {
                states: HashMap::new(),
            },
            Intent::Apply {
                action: Action::Enable,
                protected: Protected::default(),
            },
        ] {
            let mut j = journal(Action::Disable);
            j.intent = intent;
            j.first_before.insert("a".into(), st(false, &[]));
            j.last_result.insert(
                "a".into(),
                result("a", ResultKind::Done, Some(st(true, &["w1"]))),
            );
            assert!(grants(&j).is_empty());
        }
    }

    #[test]
    fn a_review_is_undone_by_giving_back_only_what_it_revoked_and_disabled() {
        use crate::plan::review::ReviewTarget;
        let target = |revoke: &[&str], disable: bool| ReviewTarget {
            revoke: revoke.iter().map(|r| r.to_string()).collect(),
            disable,
        };
        let users = [
            ("a".to_string(), target(&["w2"], false)),
            ("b".to_string(), target(&[], true)),
        ];
        let mut j = journal(Action::Review {
            users: users.into(),
        });
        // `W3` is gone too, but not by the review: it stays gone.
        j.first_before
            .insert("a".into(), st(true, &["w1", "W2", "w3"]));
        j.first_before.insert("b".into(), st(true, &["w1"]));
        // Not in the review at all.
        j.first_before.insert("c".into(), st(true, &["w1"]));
        let g = grants(&j);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].give, st(false, &["W2"]));
        assert_eq!(g[1].give, st(true, &[]));
    }
}
