//! Payloads that effects send back for the bulk flow.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::batch::runner::Event;
use crate::batch::{Intent, Target};
use crate::plan::{Plan, UserState};

/// A runner event, as the TUI receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchEvent(pub Event);

/// The client's counters since the batch started, and the time they were read (the only
/// clock the progress pane uses).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunStats {
    pub now: Instant,
    /// The client's counters as they are now (the progress keeps the baseline).
    pub stats: crate::scim::client::ClientStats,
}

/// The undo plan of a finished run, built from its journal and the users' current state.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoPlan {
    pub journal: PathBuf,
    pub plan: Arc<Plan>,
    pub states: HashMap<String, UserState>,
    /// Users of the journal that are no longer in the tenant.
    pub missing: Vec<String>,
    /// Users someone changed since the run, one line each (the headless preview shows the same).
    pub changed_since: Vec<String>,
}

/// What a resume would do, read from a journal.
#[derive(Debug, Clone, PartialEq)]
pub struct ResumeInfo {
    pub journal: PathBuf,
    pub batch_id: String,
    pub tenant: String,
    pub intent: Intent,
    pub plan_hash: String,
    /// Unknown (re-checked), not started, and failed users, each once.
    pub targets: Vec<Target>,
    pub unknown: usize,
    pub not_started: usize,
    pub failed: usize,
}

/// What a saved review file needs: the review screen's workspace, members and marks.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewSave {
    pub tenant: String,
    pub workspace: crate::scim::model::Workspace,
    pub members: Vec<crate::scim::model::User>,
    pub marks: std::collections::BTreeMap<String, crate::plan::review::Decision>,
    pub logins: Option<Arc<crate::scim::client::LastLogins>>,
}
