//! The list's keys that choose users for the bulk flow (ticks and ranges, a CSV to load).
//! The flow's screens, with their keys, are in `screens/`.

use tui_input::Input;

use crate::tui::bulk::select;
use crate::tui::bulk::state::{PathInput, PathPurpose};
use crate::tui::msg::Command;
use crate::tui::state::State;

/// Keys on the user list that belong to the bulk flow.
pub fn list_key(state: &mut State, action: Command) {
    match action {
        Command::VisualSelect => select::visual_toggle(state),
        Command::SelectAll => select::select_all_visible(state),
        Command::InvertSelection => select::invert_visible(state),
        Command::ClearSelection => select::clear(state),
        Command::LoadCsv => {
            state.ask_path(PathInput {
                purpose: PathPurpose::LoadCsv,
                input: Input::default(),
            });
        }
        _ => {}
    }
}
