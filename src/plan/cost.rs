//! What a plan costs beyond what it says: removing a workspace entitlement also drops the
//! user's model roles and selective access in that workspace, and undo gives back the
//! membership only. Said in words and numbers before every change that removes access.

use std::collections::HashSet;

use crate::plan::{Action, Outcome, PlanItem, workspaces_lost};

/// What removing access costs beyond the membership, said after every COST count.
const WHAT_IS_LOST: &str = "Removing workspace access also removes their model roles and selective access there; undo restores workspace membership only, not model roles or selective access.";

/// How much workspace access a plan takes away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessLoss {
    /// Users that lose at least one workspace.
    pub users: usize,
    /// Distinct workspaces someone loses.
    pub workspaces: usize,
    /// Users that end with no workspace at all.
    pub no_workspace_left: usize,
}

/// Counts the users and workspaces whose access the changing items remove.
pub fn access_loss(items: &[PlanItem]) -> AccessLoss {
    let mut loss = AccessLoss::default();
    let mut ws: HashSet<String> = HashSet::new();
    for item in items.iter().filter(|i| i.outcome == Outcome::Change) {
        let lost = workspaces_lost(item);
        if lost.is_empty() {
            continue;
        }
        loss.users += 1;
        ws.extend(lost.iter().map(|w| w.id.to_ascii_lowercase()));
        if item.after.as_ref().is_some_and(|a| a.workspaces.is_empty()) {
            loss.no_workspace_left += 1;
        }
    }
    loss.workspaces = ws.len();
    loss
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl AccessLoss {
    /// The warning for previews and confirmations; `None` when no access is removed.
    pub fn statement(&self) -> Option<String> {
        if self.users == 0 {
            return None;
        }
        let mut s = format!(
            "COST: {} will lose access to {}. {WHAT_IS_LOST}",
            plural(self.users, "user", "users"),
            plural(self.workspaces, "workspace", "workspaces"),
        );
        if self.no_workspace_left > 0 {
            s.push_str(&format!(
                " {} will end with NO WORKSPACE LEFT.",
                plural(self.no_workspace_left, "user", "users")
            ));
        }
        Some(s)
    }
}

/// The warning for resuming `action` over `users` unsettled users, whose current workspaces
/// are known only once each is re-read: a bound, not a count. `None` when nothing is removed.
pub fn resume_cost(action: &Action, users: usize) -> Option<String> {
    let removes = matches!(
        action,
        Action::RemoveWorkspaces
            | Action::DisableAndRemove
            | Action::KeepWorkspaces { .. }
            | Action::Review { .. }
    );
    if !removes || users == 0 {
        return None;
    }
    let what = if let Action::KeepWorkspaces { keep } = action {
        format!(
            "every workspace but the {} kept",
            plural(keep.len(), "workspace", "workspaces")
        )
    } else if let Action::Review { .. } = action {
        "the workspaces the review revoked".into()
    } else {
        "every workspace".into()
    };
    Some(format!(
        "COST: up to {} will lose access to {what} (each is re-read first). {WHAT_IS_LOST}",
        plural(users, "user", "users"),
    ))
}

#[cfg(test)]
mod resume_tests {
    use super::*;

    #[test]
    fn resuming_a_removal_states_its_cost_and_a_disable_does_not() {
        let s = resume_cost(&Action::RemoveWorkspaces, 3).unwrap();
        assert!(s.starts_with("COST: up to 3 users will lose access"), "{s}");
        assert!(s.contains("model roles and selective access"), "{s}");
        assert_eq!(resume_cost(&Action::Disable, 3), None);
        assert_eq!(resume_cost(&Action::Restore, 3), None);
        assert_eq!(resume_cost(&Action::RemoveWorkspaces, 0), None);
    }
}
