//! Everything that can happen to the TUI, as one message type with two kinds apart:
//! [`Command`]s the user asks for (bindable in keymaps, by the snake_case names strum derives
//! from the variants) and [`Outcome`]s that come back (effect results, resize, tick). Editing
//! keys in an input are neither: [`Msg::Edit`].

use strum::{EnumIter, EnumMessage, EnumString, IntoEnumIterator, IntoStaticStr};
use tui_input::InputRequest;

use crate::scim::client::WorkspaceInfo;
use crate::scim::model::User;
use crate::tui::bulk::msg::{BatchEvent, ResumeInfo, RunStats, UndoPlan};
use crate::tui::bulk::state::CsvLoaded;
use crate::tui::failure::Failure;

/// One message for `update`.
// An outcome is as large as the channel's messages always were; boxing it would cost an
// allocation per page for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Command(Command),
    /// An editing key in whichever input has the keys (filter, search, confirm, path).
    Edit(InputRequest),
    Outcome(Outcome),
}

impl From<Command> for Msg {
    fn from(c: Command) -> Msg {
        Msg::Command(c)
    }
}

impl From<Outcome> for Msg {
    fn from(o: Outcome) -> Msg {
        Msg::Outcome(o)
    }
}

/// What a key can ask for. The name (keymap), the label (status bar) and the description
/// (help) are written once, on the variant.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumString, IntoStaticStr, EnumIter, EnumMessage,
)]
#[strum(serialize_all = "snake_case")]
pub enum Command {
    #[strum(message = "quit", detailed_message = "quit (asks while a batch runs)")]
    Quit,
    #[strum(message = "up", detailed_message = "move up")]
    Up,
    #[strum(message = "down", detailed_message = "move down")]
    Down,
    #[strum(message = "page up", detailed_message = "page up")]
    PageUp,
    #[strum(message = "page down", detailed_message = "page down")]
    PageDown,
    #[strum(message = "half up", detailed_message = "half page up")]
    HalfPageUp,
    #[strum(message = "half down", detailed_message = "half page down")]
    HalfPageDown,
    #[strum(message = "top", detailed_message = "first row")]
    Top,
    #[strum(message = "bottom", detailed_message = "last row")]
    Bottom,
    /// Enter: open the row under the cursor (user details, workspace members).
    #[strum(message = "open", detailed_message = "open details / members")]
    Open,
    /// Esc: peel one layer (popup, input, search, filter, view). Never quits.
    #[strum(message = "back", detailed_message = "back: close, clear, go up")]
    Back,
    #[strum(message = "reload", detailed_message = "reload from the server")]
    Refresh,
    #[strum(message = "filter", detailed_message = "server filter (SCIM)")]
    Filter,
    #[strum(
        message = "search",
        detailed_message = "search: filters a list, finds text elsewhere"
    )]
    Search,
    /// Enter in an input: apply the filter, or keep the search.
    #[strum(message = "apply", detailed_message = "apply")]
    Apply,
    #[strum(message = "tick", detailed_message = "tick / untick row")]
    ToggleSelect,
    #[strum(message = "invert", detailed_message = "invert ticks of shown rows")]
    InvertSelection,
    #[strum(message = "untick all", detailed_message = "untick every user")]
    ClearSelection,
    #[strum(message = "workspaces", detailed_message = "workspaces and members")]
    Workspaces,
    #[strum(message = "help", detailed_message = "this help")]
    Help,
    #[strum(message = "copy id", detailed_message = "send the id to the clipboard")]
    CopyId,
    /// Answers "yes" in a confirmation popup.
    #[strum(message = "yes", detailed_message = "answer yes")]
    Confirm,
    /// `v`: start a range at the cursor; again marks the range.
    #[strum(
        message = "range",
        detailed_message = "mark a range: v starts, v marks, esc cancels"
    )]
    VisualSelect,
    /// Tick every row the list shows (after filter and search).
    #[strum(message = "tick shown", detailed_message = "tick every shown row")]
    SelectAll,
    /// The selection pane: who is ticked.
    #[strum(
        message = "selection",
        detailed_message = "the selection: who is ticked"
    )]
    Selection,
    /// Load users from a CSV file.
    #[strum(message = "CSV", detailed_message = "load users from a CSV file")]
    LoadCsv,
    /// The action menu for the selection.
    #[strum(
        message = "action",
        detailed_message = "choose an action for the selection"
    )]
    Actions,
    /// Accept this screen and go on (select the resolved users, choose the action, go to
    /// the confirmation).
    #[strum(message = "continue", detailed_message = "accept and continue")]
    Proceed,
    /// Save what the screen shows (the CSV report, the plan) to a file.
    #[strum(message = "save", detailed_message = "save to a file")]
    Save,
    /// The exact request(s) of the highlighted user.
    #[strum(
        message = "request",
        detailed_message = "the exact request(s) of this user"
    )]
    ShowRequest,
    /// Stop a running batch, once confirmed: no new requests; those in flight finish.
    #[strum(
        message = "stop",
        detailed_message = "stop the run, after asking (requests in flight finish)"
    )]
    CancelRun,
    /// Build the undo plan of the run just finished.
    #[strum(message = "undo", detailed_message = "build the undo plan of this run")]
    Undo,
    /// Resume the run: finish what was not done and retry failures.
    #[strum(
        message = "resume",
        detailed_message = "resume the run and retry failures"
    )]
    Resume,
    /// Tab in a path input: complete the file name.
    #[strum(message = "complete", detailed_message = "complete the file name")]
    Complete,
    /// `o`: the next sort order of user lists.
    #[strum(message = "sort", detailed_message = "next sort order")]
    Sort,
    /// `i`: the next step of the inactivity filter (no sign-in for ≥ 30, 90, 180, 365 days,
    /// never signed in, off).
    #[strum(
        message = "inactive",
        detailed_message = "inactivity filter: ≥ 30/90/180/365 d, never, off"
    )]
    InactivityFilter,
    /// `H`: past runs from the journals directory.
    #[strum(message = "history", detailed_message = "past runs (undo, resume)")]
    History,
    /// Send the path on screen (a journal) to the clipboard and show it in full.
    #[strum(message = "copy path", detailed_message = "journal path in full")]
    CopyPath,
    /// `v` in the history: reconcile the run with Anaplan's audit log.
    #[strum(
        message = "verify",
        detailed_message = "check the run against Anaplan's audit log"
    )]
    Verify,
    /// `R`: review the members of a workspace (keep or revoke each).
    #[strum(message = "review", detailed_message = "review workspace members")]
    Review,
    #[strum(message = "keep", detailed_message = "mark the member keep")]
    MarkKeep,
    #[strum(message = "revoke", detailed_message = "mark the member revoke")]
    MarkRevoke,
    /// Choose the menu item with this number (1-based) and go on.
    #[strum(
        serialize = "choose_1",
        message = "1st",
        detailed_message = "choose item 1"
    )]
    Choose1,
    #[strum(
        serialize = "choose_2",
        message = "2nd",
        detailed_message = "choose item 2"
    )]
    Choose2,
    #[strum(
        serialize = "choose_3",
        message = "3rd",
        detailed_message = "choose item 3"
    )]
    Choose3,
    #[strum(
        serialize = "choose_4",
        message = "4th",
        detailed_message = "choose item 4"
    )]
    Choose4,
    #[strum(
        serialize = "choose_5",
        message = "5th",
        detailed_message = "choose item 5"
    )]
    Choose5,
    /// `e` on a user list: write the rows shown (after filter and search) to a CSV.
    #[strum(message = "export", detailed_message = "export shown rows (CSV)")]
    Export,
    /// `n` after `/` in the preview, history, help or detail: the next match.
    #[strum(
        message = "next match",
        detailed_message = "next match of the / search"
    )]
    FindNext,
    /// `N` after `/`: the previous match.
    #[strum(
        message = "previous match",
        detailed_message = "previous match of the / search"
    )]
    FindPrevious,
    /// Does nothing: bind a key to `none` to unbind a default.
    #[strum(message = "", detailed_message = "unbound")]
    None,
}

/// What the world answers: effect results, the terminal's size, the clock.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Resize {
        width: u16,
        height: u16,
    },
    /// A slow clock (a few per second) that expires flash messages.
    Tick,
    /// Something the client says while it happens (a long wait and why): the status line.
    Notice(String),
    /// A background task failed unexpectedly: an error popup.
    ShowError {
        title: String,
        message: String,
    },
    PageLoaded {
        generation: u64,
        users: Vec<User>,
        total: u64,
    },
    /// The cached list read at start (`None`: there is none); an error says why it was
    /// ignored.
    CacheLoaded {
        generation: u64,
        result: Result<Option<crate::cache::Cached>, Failure>,
    },
    LoadFinished {
        generation: u64,
        result: Result<u64, Failure>,
    },
    WorkspacesListed(Result<Vec<WorkspaceInfo>, Failure>),
    /// How far the last logins have come.
    LastLoginsProgress {
        generation: u64,
        progress: crate::scim::client::LoginProgress,
    },
    /// Every loaded user's last login (fresh, or from the cache), read at `read_at`.
    LastLoginsLoaded {
        generation: u64,
        logins: std::sync::Arc<crate::scim::client::LastLogins>,
        read_at: time::OffsetDateTime,
        from_cache: bool,
    },
    /// `key` is the id or email that was asked for.
    UserFetched {
        key: String,
        result: Result<User, Failure>,
    },
    /// The integration API's answer about a user's last login (never an error: a refusal
    /// is an answer).
    LastLoginFetched {
        id: String,
        login: crate::scim::client::LastLogin,
    },
    /// The clipboard was written (or not); `what` was sent.
    ClipboardSent {
        what: Copied,
        result: Result<(), Failure>,
    },
    /// The CSV was read (`rows` data rows) and `looked_up` keys have been resolved so far.
    CsvProgress {
        rows: usize,
        looked_up: usize,
    },
    /// The CSV was resolved, or could not be used (the message says why, in plain words).
    /// A CSV where no column fits or more than one does: its columns, to pick one; `why`
    /// is the refusal.
    CsvColumns {
        path: String,
        columns: Vec<crate::input::csv::ColumnPreview>,
        why: String,
    },
    CsvLoaded(Result<Box<CsvLoaded>, Failure>),
    /// A file was written: `what` for the message, the path or the error.
    Saved {
        what: String,
        result: Result<String, Failure>,
    },
    /// The journals directory was read for the history.
    RunsListed(Result<Box<crate::batch::history::RunList>, Failure>),
    /// One past run, with every failure's full reason.
    RunLoaded(Result<Box<crate::batch::history::RunDetail>, Failure>),
    /// A run was checked against the audit log.
    RunVerified(Result<Box<crate::batch::verify::Verification>, Failure>),
    /// A save found a file at this (absolute) path: ask before replacing it.
    WouldOverwrite {
        purpose: crate::tui::bulk::state::PathPurpose,
        path: String,
    },
    /// Tab in the path input was answered.
    PathCompleted {
        typed: String,
        completion: crate::tui::bulk::complete::Completion,
    },
    RunStarted {
        batch_id: String,
        journal: String,
        at: std::time::Instant,
        baseline: crate::scim::client::ClientStats,
    },
    RunEvent(BatchEvent),
    /// The client's counters, sampled a few times a second while a batch runs.
    RunTick(RunStats),
    /// The run is over: the summary from the journal, and why it stopped early if it did.
    RunFinished {
        summary: Result<Box<crate::batch::Summary>, Failure>,
        stopped: Option<String>,
    },
    /// The plan asked for is built, with its preview.
    PlanReady(Box<crate::tui::bulk::state::Preview>),
    UndoPlanned(Result<Box<UndoPlan>, Failure>),
    ResumeReady(Result<Box<ResumeInfo>, Failure>),
    /// Whether another run of `tenant` is going, for the confirmation (`None`: none).
    OverlapChecked {
        tenant: String,
        warning: Option<String>,
    },
    /// This tenant's interrupted runs, newest first.
    InterruptedFound(Vec<crate::batch::interrupted::Interrupted>),
}

/// A keymap names a command that does not exist; says which ones do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action `{name}`; accepted actions: {}", accepted.join(", "))]
pub struct UnknownCommand {
    pub name: String,
    pub accepted: Vec<&'static str>,
}

/// What a clipboard write carried, for the message that says it arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copied {
    Id,
    JournalPath,
}

impl Copied {
    pub fn label(self) -> &'static str {
        match self {
            Copied::Id => "id",
            Copied::JournalPath => "journal path",
        }
    }
}

impl Command {
    /// The 0-based menu item a `choose_N` command picks.
    pub fn choice(&self) -> Option<usize> {
        match self {
            Command::Choose1 => Some(0),
            Command::Choose2 => Some(1),
            Command::Choose3 => Some(2),
            Command::Choose4 => Some(3),
            Command::Choose5 => Some(4),
            _ => None,
        }
    }

    /// How far a movement key moves a cursor over a list showing `page` rows; `None` for
    /// every other command. The one mapping for the list and the bulk screens: Top and
    /// Bottom overshoot and are clamped by the list they move in.
    pub fn movement(&self, page: usize) -> Option<isize> {
        let page = page as isize;
        let half = (page / 2).max(1);
        match self {
            Command::Up => Some(-1),
            Command::Down => Some(1),
            Command::PageUp => Some(-page),
            Command::PageDown => Some(page),
            Command::HalfPageUp => Some(-half),
            Command::HalfPageDown => Some(half),
            Command::Top => Some(isize::MIN / 2),
            Command::Bottom => Some(isize::MAX / 2),
            _ => None,
        }
    }

    /// Every keymap name, in the order the help lists them.
    pub fn names() -> Vec<&'static str> {
        Command::iter().map(Command::name).collect()
    }

    /// Parses a keymap command name; the error lists the accepted names.
    pub fn from_name(name: &str) -> Result<Command, UnknownCommand> {
        name.parse().map_err(|_| UnknownCommand {
            name: name.to_string(),
            accepted: Command::names(),
        })
    }

    /// The keymap name.
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn description(&self) -> &'static str {
        self.get_detailed_message().unwrap_or("")
    }

    /// The short word the status bar shows next to the key.
    pub fn label(&self) -> &'static str {
        self.get_message().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_parses_and_round_trips() {
        for name in Command::names() {
            let a = Command::from_name(name).unwrap();
            assert_eq!(a.name(), name);
        }
        assert_eq!(Command::from_name("choose_3").unwrap(), Command::Choose3);
        assert_eq!(Command::PageDown.label(), "page down");
        assert_eq!(Command::Refresh.description(), "reload from the server");
    }

    #[test]
    fn internal_messages_cannot_be_named() {
        let err = Command::from_name("tick").unwrap_err().to_string();
        assert!(err.contains("unknown action `tick`"));
        assert!(err.contains("toggle_select"));
        assert!(Command::from_name("page_loaded").is_err());
    }
}
