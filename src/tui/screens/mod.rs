//! The screens. Each module holds its state, its key handling, its drawing and its keymap
//! mode (`MODE`, a section of the default keymap). Most are layers of the one stack
//! (`crate::tui::stack`); registering one is its `mod` line here and its line in [`open_on`]
//! (a command opens it over the view) or in [`load_ended`] (the end of a users load opens or
//! closes it). Under the stack are the views (the user list or a workspace's members, the
//! workspaces, a user's detail: `users`, `workspaces`, `detail`), registered by their
//! `ViewKind` in [`view_key`], [`view_mode`], [`view_title`] and [`draw_view`].

pub mod columns;
pub mod confirm;
pub mod csv;
pub mod detail;
pub mod filter;
pub mod help;
pub mod history;
pub mod interrupted;
pub mod menu;
pub mod path;
pub mod picker;
pub mod popup;
pub mod preview;
pub mod review;
pub mod run;
pub mod search;
pub mod selection;
pub mod signin;
pub mod users;
pub mod visual;
pub mod workspaces;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::keymap::Mode;
use crate::tui::layers::{self, Top};
use crate::tui::msg::Command;
use crate::tui::state::{State, ViewKind};

/// The keymap mode the state is in (what a key press means now): the mode of the layer on
/// top (`layers.rs`).
pub fn mode(state: &State) -> Mode {
    // A find query being typed (find.rs) has the keys as text.
    if crate::tui::layers::editing(state) {
        return Mode::Search;
    }
    layer_mode(layers::top(state))
}

/// The mode under any popup.
pub fn base_mode(state: &State) -> Mode {
    layer_mode(layers::under_popups(state))
}

fn layer_mode(layer: Top) -> Mode {
    match layer {
        Top::Popup => Mode::Popup,
        Top::Screen(l) => l.mode(),
        Top::View(kind) => view_mode(kind),
    }
}

/// The keys of the view on top, by its module; `None` when the key is one every view has.
pub fn view_key(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    match state.view().kind {
        ViewKind::Users | ViewKind::Members { .. } => users::on_command(state, command),
        ViewKind::Workspaces => workspaces::on_command(state, command),
        ViewKind::Detail(_) => detail::on_command(state, command),
    }
}

/// The keymap mode of a view.
pub fn view_mode(kind: &ViewKind) -> Mode {
    match kind {
        ViewKind::Users | ViewKind::Members { .. } => users::MODE,
        ViewKind::Workspaces => workspaces::MODE,
        ViewKind::Detail(_) => detail::MODE,
    }
}

/// The header's title of the view on top.
pub fn view_title(state: &State) -> String {
    match &state.view().kind {
        kind @ (ViewKind::Users | ViewKind::Members { .. }) => users::title(state, kind),
        ViewKind::Workspaces => workspaces::TITLE.into(),
        ViewKind::Detail(d) => detail::title(state, d),
    }
}

/// Draws the view on top in the body of the screen.
pub fn draw_view(state: &State, frame: &mut Frame, body: Rect) {
    match state.view().kind {
        ViewKind::Users | ViewKind::Members { .. } => users::draw(state, frame, body),
        ViewKind::Workspaces => workspaces::render(state, frame, body),
        ViewKind::Detail(_) => detail::render(state, frame, body),
    }
}

/// Opens the screen that `action` opens over the view, if one does (one line per screen),
/// with the effects it asks for; `None` when no screen opens on it.
pub fn open_on(state: &mut State, action: Command) -> Option<Vec<Effect>> {
    match action {
        Command::Filter => filter::open(state),
        Command::Search => search::open(state),
        Command::Selection => selection::open(state),
        Command::Review => review::open(state),
        Command::Actions => menu::open(state),
        Command::History => return Some(history::open(state)),
        _ => return None,
    }
    Some(Vec::new())
}

/// A move key (j/k, PgUp/PgDn, g/G...) on a flow screen's list of `len` rows, which scrolls
/// by the flow's page: true when it was one and the cursor moved.
pub(crate) fn scrolled(
    scroll: &mut crate::tui::scroll::Scroll,
    command: Command,
    len: usize,
    state: &State,
) -> bool {
    let page = crate::tui::layout::flow_rows(state.height);
    let Some(delta) = command.movement(page) else {
        return false;
    };
    scroll.move_by(delta, len, page);
    true
}

/// Sends an id to the clipboard (`y` on a view), if there is one.
pub(crate) fn copy_id(id: Option<String>) -> Vec<Effect> {
    id.map(|text| Effect::CopyToClipboard {
        text,
        what: crate::tui::msg::Copied::Id,
    })
    .into_iter()
    .collect()
}

/// A users load ended: the screens that open or close on it. True when one of them says the
/// failure, so no error popup is needed.
pub fn load_ended(state: &mut State, result: &Result<u64, Failure>) -> bool {
    signin::load_ended(state, result)
}

#[cfg(test)]
mod tests {
    use crate::tui::keymap::Mode;

    #[test]
    fn every_screen_reads_its_keys_from_a_section_of_the_defaults() {
        for mode in [
            super::columns::MODE,
            super::confirm::MODE,
            super::csv::BUSY,
            super::csv::REPORT,
            super::detail::MODE,
            super::filter::MODE,
            super::history::MODE,
            super::menu::MODE,
            super::path::MODE,
            super::picker::MODE,
            super::preview::MODE,
            super::preview::REQUEST,
            super::review::MODE,
            super::run::MODE,
            super::run::SUMMARY,
            super::selection::MODE,
            super::signin::MODE,
            super::users::MODE,
            super::visual::MODE,
            super::workspaces::MODE,
        ] {
            assert!(
                Mode::sections().any(|s| s == mode.name()),
                "{}",
                mode.name()
            );
        }
    }
}
