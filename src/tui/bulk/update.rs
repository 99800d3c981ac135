//! The list's keys that choose users for the bulk flow (ticks and ranges, a CSV to load) and
//! the results every flow screen shares (a file saved or not, a path completed). The flow's screens, with
//! their keys, are in `screens/`. Pure like the rest: files, the clock and the network are
//! effects.

use tui_input::Input;

use crate::tui::bulk::select;
use crate::tui::bulk::state::{PathInput, PathPurpose};
use crate::tui::failure::Failure;
use crate::tui::msg::Command;
use crate::tui::state::{Popup, State};

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

pub(crate) fn path_completed(
    state: &mut State,
    typed: String,
    c: crate::tui::bulk::complete::Completion,
) {
    // Dropped if the operator typed on (or left) meanwhile.
    let Some(pi) = state
        .layers_mut()
        .find_mut::<PathInput>()
        .filter(|pi| pi.input.value() == typed)
    else {
        return;
    };
    if c.value != typed {
        pi.input = Input::new(c.value.clone());
    }
    if let Some(e) = c.error {
        state.flash(e);
    } else if c.matches == 0 {
        state.flash(format!("no file name starts with `{typed}`"));
    } else if c.matches > 1 {
        let more = c.matches - c.candidates.len();
        let tail = if more > 0 {
            format!(" … and {more} more")
        } else {
            String::new()
        };
        state.flash(format!(
            "{} matches: {}{tail}",
            c.matches,
            c.candidates.join("  ")
        ));
    }
}

pub(crate) fn would_overwrite(state: &mut State, purpose: PathPurpose, path: String) {
    state.push_popup(Popup::ConfirmOverwrite { purpose, path });
}

pub(crate) fn saved(state: &mut State, what: String, result: Result<String, Failure>) {
    match result {
        Ok(path) => state.flash(format!("{what} saved to {path}")),
        Err(message) => state.push_popup(Popup::Error {
            title: format!("Could not save the {what}"),
            message: message.to_string(),
        }),
    }
}
