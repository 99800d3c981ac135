//! Access review decisions turned into an ordinary plan. Each reviewed user keeps every
//! workspace not revoked (a workspace the review did not see, granted after the export, is
//! kept) and is disabled when a row says so. Pure: no I/O, no clock.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::plan::change::change_to;
use crate::plan::{Action, Plan, PlanItem, Protected, UserState};
use crate::scim::model::{User, Workspace};

/// What a reviewer writes in the `decision` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The user keeps this workspace (also an empty cell).
    Keep,
    /// The user loses this workspace.
    Revoke,
    /// The user is disabled; this workspace stays unless another row revokes it.
    Disable,
}

/// The accepted decisions in words, for the export's comment row and every refusal.
pub const ACCEPTED_DECISIONS: &str =
    "keep, revoke or disable (any case; k, r, d also accepted; an empty cell means keep)";

impl Decision {
    /// The word written in a review file.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Keep => "keep",
            Decision::Revoke => "revoke",
            Decision::Disable => "disable",
        }
    }
}

/// Reads a `decision` cell: `keep`, `revoke`, `disable` in any case, or `k`, `r`, `d`; an
/// empty cell is keep. `None` for anything else (the caller refuses it, naming the line).
pub fn parse_decision(cell: &str) -> Option<Decision> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "" | "k" | "keep" => Some(Decision::Keep),
        "r" | "revoke" => Some(Decision::Revoke),
        "d" | "disable" => Some(Decision::Disable),
        _ => None,
    }
}

/// What a review decided for one user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewTarget {
    /// Workspace ids (lowercase) to take away; every other workspace is kept.
    pub revoke: BTreeSet<String>,
    pub disable: bool,
}

/// One checked row of a review file: a user, a workspace the user held at export, and what
/// the reviewer decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDecision {
    pub user_id: String,
    pub workspace_id: String,
    pub decision: Decision,
}

/// The per-user targets of a set of decisions, keyed by lowercase user id.
pub fn targets(decisions: &[ReviewDecision]) -> BTreeMap<String, ReviewTarget> {
    let mut out: BTreeMap<String, ReviewTarget> = BTreeMap::new();
    for d in decisions {
        let t = out.entry(d.user_id.to_ascii_lowercase()).or_default();
        match d.decision {
            Decision::Keep => {}
            Decision::Revoke => {
                t.revoke.insert(d.workspace_id.to_ascii_lowercase());
            }
            Decision::Disable => t.disable = true,
        }
    }
    out
}

impl ReviewTarget {
    fn revokes(&self, w: &Workspace) -> bool {
        self.revoke.contains(&w.id.to_ascii_lowercase())
    }
}

/// The item moving `user`, as it is now, to what the review decided. `recorded` is the
/// user's state before this batch first touched it (on resume): a keep-only change of more
/// than 50 workspaces is several requests, so a cut between them may have taken kept
/// workspaces away; those are kept again. Nothing the user never held is added.
pub(crate) fn review_item(
    user: &User,
    target: Option<&ReviewTarget>,
    recorded: Option<&UserState>,
) -> PlanItem {
    let before = UserState::of(user);
    let Some(target) = target else {
        return change_to(user, before, None, None);
    };
    let mut kept: Vec<Workspace> = user
        .workspaces
        .iter()
        .filter(|w| !target.revokes(w))
        .cloned()
        .collect();
    for w in recorded.iter().flat_map(|r| &r.workspaces) {
        if !target.revokes(w) && !kept.iter().any(|k| k.id.eq_ignore_ascii_case(&w.id)) {
            kept.push(w.clone());
        }
    }
    let active = target.disable.then_some(false);
    change_to(user, before, active, Some(kept))
}

/// How a user's workspaces differ from what the review saw at export, for the preview.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedSince {
    /// Granted since the export: kept, whatever the review says.
    pub added: Vec<Workspace>,
    /// Gone since the export: a revoke of them sends nothing.
    pub removed: Vec<String>,
}

impl ChangedSince {
    /// One line for the preview.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.added.is_empty() {
            let names: Vec<&str> = self.added.iter().map(|w| w.name.as_str()).collect();
            parts.push(format!(
                "granted since the export (kept): {}",
                names.join(", ")
            ));
        }
        if !self.removed.is_empty() {
            parts.push(format!(
                "gone since the export: {}",
                self.removed.join(", ")
            ));
        }
        format!("workspaces changed since the export: {}", parts.join("; "))
    }
}

/// What changed for `user` since the export. `exported` holds the workspace ids the file
/// has rows for; `scope` the workspace ids the export covered (`None`: every workspace).
pub fn changed_since(
    user: &User,
    exported: &BTreeSet<String>,
    scope: Option<&BTreeSet<String>>,
) -> Option<ChangedSince> {
    let in_scope = |id: &str| scope.is_none_or(|s| s.contains(&id.to_ascii_lowercase()));
    let added: Vec<Workspace> = user
        .workspaces
        .iter()
        .filter(|w| in_scope(&w.id) && !exported.contains(&w.id.to_ascii_lowercase()))
        .cloned()
        .collect();
    let removed: Vec<String> = exported
        .iter()
        .filter(|id| !user.has_workspace(id))
        .cloned()
        .collect();
    (!added.is_empty() || !removed.is_empty()).then_some(ChangedSince { added, removed })
}

/// The plan of a review: one item per reviewed user found in `users` (their state now).
/// Users in `decisions` but not in `users` are the caller's to refuse before this.
pub fn plan_review(
    tenant: &str,
    created: &str,
    decisions: &[ReviewDecision],
    users: &[User],
    protected: &Protected,
) -> Plan {
    let mut all = targets(decisions);
    let reviewed: Vec<User> = users
        .iter()
        .filter(|u| all.contains_key(&u.id.to_ascii_lowercase()))
        .cloned()
        .collect();
    // Users kept on every row change nothing: the plan has them (as no-ops), the action,
    // which the journal's first line carries, does not.
    all.retain(|_, t| t.disable || !t.revoke.is_empty());
    let action = Action::Review { users: all };
    Plan::build(tenant, created, action, &reviewed, protected, &[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Outcome;

    fn ws(id: &str) -> Workspace {
        Workspace {
            id: id.into(),
            name: format!("WS {id}"),
        }
    }

    fn user(id: &str, ws_ids: &[&str]) -> User {
        User {
            id: id.into(),
            user_name: format!("{id}@example.com"),
            external_id: None,
            active: true,
            given_name: None,
            family_name: None,
            display_name: None,
            workspaces: ws_ids.iter().map(|w| ws(w)).collect(),
            created: None,
            last_modified: None,
        }
    }

    fn d(user: &str, w: &str, decision: Decision) -> ReviewDecision {
        ReviewDecision {
            user_id: user.into(),
            workspace_id: w.into(),
            decision,
        }
    }

    #[test]
    fn decisions_are_read_in_any_case_and_short() {
        for (cell, want) in [
            ("", Some(Decision::Keep)),
            ("  ", Some(Decision::Keep)),
            ("KEEP", Some(Decision::Keep)),
            ("k", Some(Decision::Keep)),
            ("Revoke", Some(Decision::Revoke)),
            ("R", Some(Decision::Revoke)),
            ("disable", Some(Decision::Disable)),
            ("D", Some(Decision::Disable)),
            ("remove", None),
            ("yes", None),
        ] {
            assert_eq!(parse_decision(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn each_user_keeps_every_workspace_not_revoked_and_a_new_one_too() {
        // Exported with a1, a2, a3; a4 was granted after the export.
        let now = vec![user("u1", &["a1", "a2", "a3", "a4"]), user("u2", &["a1"])];
        let decisions = [
            d("u1", "A1", Decision::Revoke),
            d("u1", "a2", Decision::Keep),
            d("u1", "a3", Decision::Revoke),
            d("u2", "a1", Decision::Disable),
        ];
        let plan = plan_review("t", "", &decisions, &now, &Protected::default());
        let after = |i: usize| plan.items[i].after.clone().unwrap();
        let ids = |s: UserState| s.workspaces.into_iter().map(|w| w.id).collect::<Vec<_>>();
        assert_eq!(ids(after(0)), ["a2", "a4"]);
        assert!(after(0).active);
        assert_eq!(ids(after(1)), ["a1"]);
        assert!(!after(1).active);
        assert!(plan.items.iter().all(|i| i.outcome == Outcome::Change));
    }

    #[test]
    fn all_keep_is_a_no_op_and_unreviewed_users_are_left_out() {
        let now = vec![user("u1", &["a1"]), user("u9", &["a1"])];
        let plan = plan_review(
            "t",
            "",
            &[d("u1", "a1", Decision::Keep)],
            &now,
            &Protected::default(),
        );
        assert_eq!(plan.items.len(), 1);
        assert_eq!(plan.items[0].outcome, Outcome::NoOp);
    }

    #[test]
    fn a_cut_keep_only_is_healed_on_resume_without_adding_revoked_ones() {
        let target = targets(&[d("u1", "a3", Decision::Revoke)])
            .remove("u1")
            .unwrap();
        let recorded = UserState::of(&user("u1", &["a1", "a2", "a3"]));
        // The first request of the change took a2 away before the cut.
        let item = review_item(&user("u1", &["a1"]), Some(&target), Some(&recorded));
        let ids: Vec<String> = item
            .after
            .unwrap()
            .workspaces
            .into_iter()
            .map(|w| w.id)
            .collect();
        assert_eq!(ids, ["a1", "a2"]);
    }

    #[test]
    fn changes_since_the_export_are_named_within_the_export_scope() {
        let u = user("u1", &["a1", "a4", "b9"]);
        let exported: BTreeSet<String> = ["a1".to_string(), "a2".to_string()].into();
        let all = changed_since(&u, &exported, None).unwrap();
        assert_eq!(all.added.len(), 2);
        assert_eq!(all.removed, ["a2"]);
        let scope: BTreeSet<String> = ["a1".into(), "a2".into(), "a4".into()].into();
        let scoped = changed_since(&u, &exported, Some(&scope)).unwrap();
        assert_eq!(scoped.added, [ws("a4")]);
        let same: BTreeSet<String> = ["a1".into(), "a4".into(), "b9".into()].into();
        assert_eq!(changed_since(&u, &same, None), None);
    }
}
