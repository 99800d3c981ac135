//! Effects: what `update` asks the outside world to do, as data. The runner (runner/)
//! carries them out; results come back as `Outcome`s.

use std::path::PathBuf;
use std::sync::Arc;

use crate::batch::Intent;
use crate::input::ResolveReport;
use crate::plan::Plan;
use crate::scim::Filter;
use crate::tui::bulk::msg::ResumeInfo;
use crate::tui::msg::Copied;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Load every user matching the filter, page by page; pages report back tagged with
    /// `generation` so a newer load wins.
    LoadUsers {
        generation: u64,
        filter: Option<Filter>,
    },
    /// Save a complete list of every user to the tenant's cache (when the runner has a
    /// cache file). The store is shared, not copied: the state copies it only if it
    /// changes before the write is done.
    SaveCache {
        users: std::sync::Arc<crate::store::UserStore>,
        total: u64,
    },
    /// Read the tenant's cached user list (when the runner has a cache file).
    LoadCache {
        generation: u64,
    },
    ListWorkspaces,
    /// Every user's last login (the list; one by one for `ids` if it is refused), then
    /// kept beside the user cache.
    LoadLastLogins {
        generation: u64,
        ids: Vec<String>,
    },
    /// Read the last logins kept beside the user cache.
    LoadLoginCache {
        generation: u64,
    },
    GetUser {
        id: String,
    },
    /// The user's last login, from the integration API.
    LastLogin {
        id: String,
    },
    /// An email or an id (`--user`).
    FindUser {
        query: String,
    },
    CopyToClipboard {
        text: String,
        /// Said back with the outcome ("id sent to clipboard").
        what: Copied,
    },
    /// Read a CSV (path as typed; `~` expands) and resolve its rows against the tenant.
    LoadCsv {
        path: String,
        /// The column to read (`--column`, `--key`); detected when unset.
        options: crate::input::csv::ReadOptions,
    },
    /// Stop resolving a CSV the operator no longer wants.
    CancelCsv,
    /// Build the plan and its preview (pure, but large: done off the UI loop).
    BuildPlan(Box<crate::plan::PlanRequest>),
    /// Save the CSV report; an existing file is replaced only with `overwrite`, else the
    /// operator is asked (`Outcome::WouldOverwrite`).
    SaveCsvReport {
        path: String,
        report: Box<ResolveReport>,
        overwrite: bool,
    },
    /// Save the plan as JSON (mode 0600), stamped with the time it is saved; an existing file
    /// is replaced only with `overwrite`.
    SavePlan {
        path: String,
        plan: Arc<Plan>,
        overwrite: bool,
    },
    /// Save the review screen's marks as a review CSV.
    SaveReview {
        path: String,
        save: Box<crate::tui::bulk::msg::ReviewSave>,
        overwrite: bool,
    },
    /// Write the users shown to a CSV, created exclusively unless `overwrite` (confirmed).
    ExportUsers {
        path: String,
        users: Vec<crate::scim::model::User>,
        overwrite: bool,
    },
    /// Read the journals directory for the run history.
    ListRuns,
    /// Read one past run (its journal) with every failure.
    LoadRun {
        journal: PathBuf,
    },
    /// Reconcile a past run with Anaplan's audit log, keeping the verdict beside it.
    VerifyRun {
        journal: PathBuf,
    },
    /// Complete the file path typed so far (Tab in the path input).
    CompletePath {
        typed: String,
    },
    /// Run a confirmed plan: a new batch id and journal, the batch runner, events back.
    RunBatch {
        plan: Arc<Plan>,
        intent: Intent,
    },
    /// Continue a journal's batch for the confirmed targets.
    ResumeBatch(Box<ResumeInfo>),
    /// Stop dispatching; requests in flight finish and are journaled.
    CancelBatch,
    /// The breaker paused the run: wait for the server (probe, then go on by itself).
    WaitForServer,
    /// The breaker paused the run: dispatch again now.
    RetryNow,
    /// Whether another run of this tenant is going (its run lock), for the confirmation.
    CheckOverlap {
        tenant: String,
    },
    /// Read a journal and the users' current state, and plan the undo.
    BuildUndo {
        journal: PathBuf,
    },
    /// Read a journal to see what a resume would do.
    PrepareResume {
        journal: PathBuf,
    },
    /// List this tenant's interrupted runs (offered in a popup).
    FindInterrupted,
    /// Sign in with this password from now on (the sign-in screen); the reload follows.
    SignIn {
        password: Password,
    },
}

/// A password typed in the TUI: redacted in Debug (effects are logged), compared for tests.
#[derive(Clone)]
pub struct Password(pub secrecy::SecretString);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl PartialEq for Password {
    fn eq(&self, other: &Password) -> bool {
        use secrecy::ExposeSecret;
        self.0.expose_secret() == other.0.expose_secret()
    }
}
