//! Everything that can happen to the TUI. User-facing actions are named in keymaps
//! (snake_case); internal ones carry results back from effects and are `#[serde(skip)]`.

use serde::Deserialize;
use tui_input::InputRequest;

use crate::scim::client::WorkspaceInfo;
use crate::scim::model::User;
use crate::tui::bulk::msg::{BatchEvent, ResumeInfo, RunStats, UndoPlan};
use crate::tui::bulk::state::CsvLoaded;
use crate::tui::failure::Failure;
use crate::tui::keymap::KeymapError;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    HalfPageUp,
    HalfPageDown,
    Top,
    Bottom,
    /// Enter: open the row under the cursor (user details, workspace members).
    Open,
    /// Esc: peel one layer (popup, input, search, filter, view). Never quits.
    Back,
    Refresh,
    Filter,
    Search,
    /// Enter in an input: apply the filter, or keep the search.
    Apply,
    ToggleSelect,
    InvertSelection,
    ClearSelection,
    Workspaces,
    Help,
    CopyId,
    /// Answers "yes" in a confirmation popup.
    Confirm,
    /// `v`: start a range at the cursor; again marks the range.
    VisualSelect,
    /// Tick every row the list shows (after filter and search).
    SelectAll,
    /// The selection pane: who is ticked.
    Selection,
    /// Load users from a CSV file.
    LoadCsv,
    /// The action menu for the selection.
    Actions,
    /// Accept this screen and go on (select the resolved users, choose the action, go to
    /// the confirmation).
    Proceed,
    /// Save what the screen shows (the CSV report, the plan) to a file.
    Save,
    /// The exact request(s) of the highlighted user.
    ShowRequest,
    /// Stop a running batch: no new requests; those in flight finish.
    CancelRun,
    /// Build the undo plan of the run just finished.
    Undo,
    /// Resume the run: finish what was not done and retry failures.
    Resume,
    /// Tab in a path input: complete the file name.
    Complete,
    /// `o`: the next sort order of user lists.
    Sort,
    /// `H`: past runs from the journals directory.
    History,
    /// `i`: the next step of the inactivity filter (no sign-in for ≥ 30, 90, 180, 365 days,
    /// never signed in, off).
    InactivityFilter,
    /// Send the path on screen (a journal) to the clipboard and show it in full.
    CopyPath,
    /// `v` in the history: reconcile the run with Anaplan's audit log.
    Verify,
    /// Choose the menu item with this number (1-based) and go on.
    #[serde(rename = "choose_1")]
    Choose1,
    #[serde(rename = "choose_2")]
    Choose2,
    #[serde(rename = "choose_3")]
    Choose3,
    #[serde(rename = "choose_4")]
    Choose4,
    #[serde(rename = "choose_5")]
    Choose5,
    /// Does nothing: bind a key to `none` to unbind a default.
    None,

    #[serde(skip)]
    Resize {
        width: u16,
        height: u16,
    },
    /// A slow clock (a few per second) that expires flash messages.
    #[serde(skip)]
    Tick,
    /// Something the client says while it happens (a long wait and why): the status line.
    #[serde(skip)]
    Notice(String),
    /// An editing key in the filter or search input.
    #[serde(skip)]
    Input(InputRequest),
    #[serde(skip)]
    PageLoaded {
        generation: u64,
        users: Vec<User>,
        total: u64,
    },
    /// The cached list read at start (`None`: there is none); an error says why it was
    /// ignored.
    #[serde(skip)]
    CacheLoaded {
        generation: u64,
        result: Result<Option<crate::cache::Cached>, crate::tui::failure::Failure>,
    },
    #[serde(skip)]
    LoadFinished {
        generation: u64,
        result: Result<u64, Failure>,
    },
    #[serde(skip)]
    WorkspacesListed(Result<Vec<WorkspaceInfo>, Failure>),
    /// How far the last logins have come.
    #[serde(skip)]
    LastLoginsProgress {
        generation: u64,
        progress: crate::scim::client::LoginProgress,
    },
    /// Every loaded user's last login (fresh, or from the cache), read at `read_at`.
    #[serde(skip)]
    LastLoginsLoaded {
        generation: u64,
        logins: std::sync::Arc<crate::scim::client::LastLogins>,
        read_at: time::OffsetDateTime,
        from_cache: bool,
    },
    /// `key` is the id or email that was asked for.
    #[serde(skip)]
    UserFetched {
        key: String,
        result: Result<User, Failure>,
    },
    /// The integration API's answer about a user's last login (never an error: a refusal
    /// is an answer).
    #[serde(skip)]
    LastLoginFetched {
        id: String,
        login: crate::scim::client::LastLogin,
    },
    #[serde(skip)]
    ClipboardSent(Result<(), Failure>),
    #[serde(skip)]
    ShowError {
        title: String,
        message: String,
    },
    /// The CSV was read (`rows` data rows) and `looked_up` keys have been resolved so far.
    #[serde(skip)]
    CsvProgress {
        rows: usize,
        looked_up: usize,
    },
    /// The CSV was resolved, or could not be used (the message says why, in plain words).
    #[serde(skip)]
    CsvLoaded(Result<Box<CsvLoaded>, Failure>),
    /// A file was written: `what` for the message, the path or the error.
    #[serde(skip)]
    Saved {
        what: String,
        result: Result<String, Failure>,
    },
    /// The journals directory was read for the history.
    #[serde(skip)]
    RunsListed(Result<Box<crate::batch::history::RunList>, Failure>),
    /// One past run, with every failure's full reason.
    #[serde(skip)]
    RunLoaded(Result<Box<crate::batch::history::RunDetail>, Failure>),
    /// A run was checked against the audit log.
    #[serde(skip)]
    RunVerified(Result<Box<crate::batch::verify::Verification>, Failure>),
    /// A save found a file at this (absolute) path: ask before replacing it.
    #[serde(skip)]
    WouldOverwrite {
        purpose: crate::tui::bulk::state::PathPurpose,
        path: String,
    },
    /// Tab in the path input was answered.
    #[serde(skip)]
    PathCompleted {
        typed: String,
        completion: crate::tui::bulk::complete::Completion,
    },
    #[serde(skip)]
    RunStarted {
        batch_id: String,
        journal: String,
        at: std::time::Instant,
        baseline: crate::scim::client::ClientStats,
    },
    #[serde(skip)]
    RunEvent(BatchEvent),
    /// The client's counters, sampled a few times a second while a batch runs.
    #[serde(skip)]
    RunTick(RunStats),
    /// The run is over: the summary from the journal, and why it stopped early if it did.
    #[serde(skip)]
    RunFinished {
        summary: Result<Box<crate::batch::Summary>, Failure>,
        stopped: Option<String>,
    },
    /// The plan asked for is built, with its preview.
    #[serde(skip)]
    PlanReady(Box<crate::tui::bulk::state::Preview>),
    #[serde(skip)]
    UndoPlanned(Result<Box<UndoPlan>, Failure>),
    #[serde(skip)]
    ResumeReady(Result<Box<ResumeInfo>, Failure>),
}

/// The actions a keymap may name: (name, status-bar label, help description).
pub const ACTION_NAMES: &[(&str, &str, &str)] = &[
    ("quit", "quit", "quit (asks while a batch runs)"),
    ("up", "up", "move up"),
    ("down", "down", "move down"),
    ("page_up", "page up", "page up"),
    ("page_down", "page down", "page down"),
    ("half_page_up", "half up", "half page up"),
    ("half_page_down", "half down", "half page down"),
    ("top", "top", "first row"),
    ("bottom", "bottom", "last row"),
    ("open", "open", "open details / members"),
    ("back", "back", "back: close, clear, go up"),
    ("refresh", "reload", "reload from the server"),
    ("filter", "filter", "server filter (SCIM)"),
    ("search", "search", "search loaded users"),
    ("apply", "apply", "apply"),
    ("toggle_select", "tick", "tick / untick row"),
    ("invert_selection", "invert", "invert ticks of shown rows"),
    ("clear_selection", "untick all", "untick every user"),
    ("workspaces", "workspaces", "workspaces and members"),
    ("help", "help", "this help"),
    ("copy_id", "copy id", "send the id to the clipboard"),
    ("confirm", "yes", "answer yes"),
    (
        "visual_select",
        "range",
        "mark a range: v starts, v marks, esc cancels",
    ),
    ("select_all", "tick shown", "tick every shown row"),
    ("selection", "selection", "the selection: who is ticked"),
    ("load_csv", "CSV", "load users from a CSV file"),
    ("actions", "action", "choose an action for the selection"),
    ("proceed", "continue", "accept and continue"),
    ("save", "save", "save to a file"),
    (
        "show_request",
        "request",
        "the exact request(s) of this user",
    ),
    (
        "cancel_run",
        "stop",
        "stop the run (requests in flight finish)",
    ),
    ("undo", "undo", "build the undo plan of this run"),
    ("resume", "resume", "resume the run and retry failures"),
    ("complete", "complete", "complete the file name"),
    ("sort", "sort", "next sort order"),
    (
        "inactivity_filter",
        "inactive",
        "inactivity filter: ≥ 30/90/180/365 d, never, off",
    ),
    ("history", "history", "past runs (undo, resume)"),
    ("copy_path", "copy path", "journal path in full"),
    (
        "verify",
        "verify",
        "check the run against Anaplan's audit log",
    ),
    ("choose_1", "1st", "choose item 1"),
    ("choose_2", "2nd", "choose item 2"),
    ("choose_3", "3rd", "choose item 3"),
    ("choose_4", "4th", "choose item 4"),
    ("choose_5", "5th", "choose item 5"),
    ("none", "", "unbound"),
];

impl Action {
    /// The 0-based menu item a `choose_N` action picks.
    pub fn choice(&self) -> Option<usize> {
        match self {
            Action::Choose1 => Some(0),
            Action::Choose2 => Some(1),
            Action::Choose3 => Some(2),
            Action::Choose4 => Some(3),
            Action::Choose5 => Some(4),
            _ => None,
        }
    }

    /// How far a movement key moves a cursor over a list showing `page` rows; `None` for
    /// every other action. The one mapping for the list and the bulk screens: Top and
    /// Bottom overshoot and are clamped by the list they move in.
    pub fn movement(&self, page: usize) -> Option<isize> {
        let page = page as isize;
        let half = (page / 2).max(1);
        match self {
            Action::Up => Some(-1),
            Action::Down => Some(1),
            Action::PageUp => Some(-page),
            Action::PageDown => Some(page),
            Action::HalfPageUp => Some(-half),
            Action::HalfPageDown => Some(half),
            Action::Top => Some(isize::MIN / 2),
            Action::Bottom => Some(isize::MAX / 2),
            _ => None,
        }
    }

    /// Parses a keymap action name; the error lists the accepted names.
    pub fn from_name(name: &str) -> Result<Action, KeymapError> {
        let known = ACTION_NAMES.iter().any(|(n, _, _)| *n == name);
        let parsed = known
            .then(|| Action::deserialize(toml::Value::String(name.to_string())).ok())
            .flatten();
        parsed.ok_or_else(|| KeymapError::UnknownAction {
            name: name.to_string(),
            accepted: ACTION_NAMES.iter().map(|(n, _, _)| *n).collect(),
        })
    }

    /// The keymap name of a user-facing action.
    pub fn name(&self) -> Option<&'static str> {
        let n = match self {
            Action::Quit => "quit",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::HalfPageUp => "half_page_up",
            Action::HalfPageDown => "half_page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Open => "open",
            Action::Back => "back",
            Action::Refresh => "refresh",
            Action::Filter => "filter",
            Action::Search => "search",
            Action::Apply => "apply",
            Action::ToggleSelect => "toggle_select",
            Action::InvertSelection => "invert_selection",
            Action::ClearSelection => "clear_selection",
            Action::Workspaces => "workspaces",
            Action::Help => "help",
            Action::CopyId => "copy_id",
            Action::Confirm => "confirm",
            Action::VisualSelect => "visual_select",
            Action::SelectAll => "select_all",
            Action::Selection => "selection",
            Action::LoadCsv => "load_csv",
            Action::Actions => "actions",
            Action::Proceed => "proceed",
            Action::Save => "save",
            Action::ShowRequest => "show_request",
            Action::CancelRun => "cancel_run",
            Action::Undo => "undo",
            Action::Resume => "resume",
            Action::Complete => "complete",
            Action::Sort => "sort",
            Action::InactivityFilter => "inactivity_filter",
            Action::History => "history",
            Action::CopyPath => "copy_path",
            Action::Verify => "verify",
            Action::Choose1 => "choose_1",
            Action::Choose2 => "choose_2",
            Action::Choose3 => "choose_3",
            Action::Choose4 => "choose_4",
            Action::Choose5 => "choose_5",
            Action::None => "none",
            _ => return None,
        };
        Some(n)
    }

    pub fn description(&self) -> &'static str {
        self.entry().map_or("", |(_, _, d)| d)
    }

    /// The short word the status bar shows next to the key.
    pub fn label(&self) -> &'static str {
        self.entry().map_or("", |(_, l, _)| l)
    }

    fn entry(&self) -> Option<&'static (&'static str, &'static str, &'static str)> {
        let name = self.name()?;
        ACTION_NAMES.iter().find(|(n, _, _)| *n == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_parses_and_round_trips() {
        for (name, _, _) in ACTION_NAMES {
            let a = Action::from_name(name).unwrap();
            assert_eq!(a.name(), Some(*name));
        }
    }

    #[test]
    fn internal_actions_cannot_be_named() {
        let err = Action::from_name("tick").unwrap_err().to_string();
        assert!(err.contains("unknown action `tick`"));
        assert!(err.contains("toggle_select"));
        assert!(Action::from_name("page_loaded").is_err());
    }
}
