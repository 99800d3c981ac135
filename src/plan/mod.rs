//! Plans: for each chosen user, the state before, the state after and the exact PATCH
//! bodies. Pure code: no I/O, no clock, no network. Shared by the TUI and headless apply.

use serde::{Deserialize, Serialize};

use crate::scim::model::{PatchRequest, User, Workspace};

mod change;
mod cost;
mod describe;
mod file;
pub mod inactivity;
mod item;
mod requests;
pub mod review;
pub mod simulate;
mod undo;

pub use cost::{AccessLoss, access_loss, resume_cost};
pub use describe::{describe, short_id, workspaces_gained, workspaces_lost};
pub use file::{
    InputCounts, PLAN_VERSION, Plan, PlanFileError, PlanRequest, ReviewSource, RunRef, Totals,
};
pub use item::{not_found_item, plan_resumed, plan_user, replan};
pub use requests::{set_state_requests, workspace_operations};
pub use undo::undo_item;

/// What the operator wants done to every chosen user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    /// `active` false.
    Disable,
    /// `active` true.
    Enable,
    /// Remove every workspace entitlement.
    RemoveWorkspaces,
    /// Keep only these workspace ids; remove the rest. Never adds a workspace.
    KeepWorkspaces { keep: Vec<String> },
    /// Disable and remove every workspace, in one request (the bulk-removal article's job).
    DisableAndRemove,
    /// Put each user back to a recorded state (an undo plan). The target differs per user, so
    /// it lives in each item's `after`; re-plan such items with [`replan`], not [`plan_user`].
    Restore,
    /// An access review's decisions, per user (keyed by lowercase id): each keeps every
    /// workspace not revoked, and is disabled when decided. Never adds a workspace.
    Review {
        users: std::collections::BTreeMap<String, review::ReviewTarget>,
    },
}

impl Action {
    /// Short label for previews, journals and confirmations.
    pub fn label(&self) -> String {
        match self {
            Action::Disable => "disable".into(),
            Action::Enable => "enable".into(),
            Action::RemoveWorkspaces => "remove all workspaces".into(),
            Action::KeepWorkspaces { keep } => format!("keep only {} workspace(s)", keep.len()),
            Action::DisableAndRemove => "disable and remove all workspaces".into(),
            Action::Restore => "restore recorded state (undo)".into(),
            Action::Review { users } => {
                format!(
                    "apply an access review ({} users with a revoke or disable)",
                    users.len()
                )
            }
        }
    }
}

/// The part of a user an action can change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserState {
    pub active: bool,
    pub workspaces: Vec<Workspace>,
}

impl UserState {
    pub fn of(user: &User) -> UserState {
        UserState {
            active: user.active,
            workspaces: user.workspaces.clone(),
        }
    }

    pub fn has_workspace(&self, id: &str) -> bool {
        self.workspaces
            .iter()
            .any(|w| w.id.eq_ignore_ascii_case(id))
    }

    /// Whether this (observed) state shows the change from `before` to `after`, part by part:
    /// each part the change sets (active, workspaces) is as planned; a part it leaves alone
    /// may differ (another run changed it meanwhile), and says nothing about this change.
    pub fn shows_change(&self, before: &UserState, after: &UserState) -> bool {
        let same_ws = |a: &UserState, b: &UserState| {
            UserState {
                active: true,
                workspaces: a.workspaces.clone(),
            }
            .equivalent(&UserState {
                active: true,
                workspaces: b.workspaces.clone(),
            })
        };
        (before.active == after.active || self.active == after.active)
            && (same_ws(before, after) || same_ws(self, after))
    }

    /// Same `active` and the same workspace ids, ignoring order, id case and names: what the
    /// server compares, so what decides a no-op.
    pub fn equivalent(&self, other: &UserState) -> bool {
        self.active == other.active
            && self.workspaces.len() == other.workspaces.len()
            && self.workspaces.iter().all(|w| other.has_workspace(&w.id))
            && other.workspaces.iter().all(|w| self.has_workspace(&w.id))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Outcome {
    /// Requests will be sent.
    Change,
    /// Already in the target state: nothing is sent.
    NoOp,
    /// Never changed: the API user itself or a listed break-glass account.
    Protected { reason: String },
    /// The user could not be found (id or email did not resolve).
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanItem {
    pub user_id: String,
    pub user_name: String,
    pub display_name: String,
    pub before: Option<UserState>,
    pub after: Option<UserState>,
    pub outcome: Outcome,
    /// In order; empty unless `outcome` is `Change`.
    pub requests: Vec<PatchRequest>,
}

/// Accounts no plan may change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protected {
    /// The login the client authenticates as (the API user itself).
    pub api_user: Option<String>,
    /// Break-glass admins by userName or id (case-insensitive).
    pub accounts: Vec<String>,
}

impl Protected {
    /// Why this user must never be changed, or `None` if it may be.
    pub fn reason_for(&self, user: &User) -> Option<String> {
        let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        if let Some(api) = &self.api_user
            && !api.trim().is_empty()
            && same(api, &user.user_name)
        {
            return Some(format!(
                "{} is the API user this tool signs in as",
                user.user_name
            ));
        }
        self.accounts
            .iter()
            .find(|a| !a.trim().is_empty() && (same(a, &user.user_name) || same(a, &user.id)))
            .map(|a| {
                format!(
                    "{} is a protected account (listed as `{}`)",
                    user.user_name,
                    a.trim()
                )
            })
    }
}
