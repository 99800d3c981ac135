//! Plans: for each chosen user, the state before, the state after and the exact PATCH
//! bodies. Pure code: no I/O, no clock, no network. Shared by the TUI and headless apply.

use serde::{Deserialize, Serialize};

use crate::scim::model::{PatchRequest, Workspace};

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
}

/// The part of a user an action can change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserState {
    pub active: bool,
    pub workspaces: Vec<Workspace>,
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
