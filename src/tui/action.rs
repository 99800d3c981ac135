//! Everything that can happen to the TUI. User-facing actions are named in keymaps
//! (snake_case); internal ones carry results back from effects and are `#[serde(skip)]`.

use serde::Deserialize;
use tui_input::InputRequest;

use crate::scim::client::WorkspaceInfo;
use crate::scim::model::User;

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
    /// An editing key in the filter or search input.
    #[serde(skip)]
    Input(InputRequest),
    #[serde(skip)]
    PageLoaded {
        generation: u64,
        users: Vec<User>,
        total: u64,
    },
    #[serde(skip)]
    LoadFinished {
        generation: u64,
        result: Result<u64, String>,
    },
    #[serde(skip)]
    WorkspacesListed(Result<Vec<WorkspaceInfo>, String>),
    /// `key` is the id or email that was asked for.
    #[serde(skip)]
    UserFetched {
        key: String,
        result: Result<User, String>,
    },
    #[serde(skip)]
    ClipboardSent(Result<(), String>),
    #[serde(skip)]
    ShowError {
        title: String,
        message: String,
    },
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
    ("none", "", "unbound"),
];

impl Action {
    /// Parses a keymap action name; the error lists the accepted names.
    pub fn from_name(name: &str) -> Result<Action, String> {
        let known = ACTION_NAMES.iter().any(|(n, _, _)| *n == name);
        let parsed = known
            .then(|| Action::deserialize(toml::Value::String(name.to_string())).ok())
            .flatten();
        parsed.ok_or_else(|| {
            let names: Vec<&str> = ACTION_NAMES.iter().map(|(n, _, _)| *n).collect();
            format!(
                "unknown action `{name}`; accepted actions: {}",
                names.join(", ")
            )
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
        let err = Action::from_name("tick").unwrap_err();
        assert!(err.contains("unknown action `tick`"));
        assert!(err.contains("toggle_select"));
        assert!(Action::from_name("page_loaded").is_err());
    }
}
