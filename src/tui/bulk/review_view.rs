//! The review screen's data: one workspace's members and the marks made so far, and what a
//! saved review file needs.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::plan::review::{Decision, ReviewDecision};
use crate::scim::client::LastLogins;
use crate::scim::model::{User, Workspace};
use crate::tui::scroll::Scroll;

/// The review of one workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewView {
    pub workspace: Workspace,
    /// The loaded members, by userName.
    pub members: Vec<User>,
    /// Decisions made so far, by user id; a member not here is undecided (kept on Enter,
    /// left empty in a saved file).
    pub marks: BTreeMap<String, Decision>,
    pub scroll: Scroll,
}

impl ReviewView {
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

/// What a saved review file needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewSave {
    pub tenant: String,
    pub review: ReviewView,
    pub logins: Option<Arc<LastLogins>>,
}
