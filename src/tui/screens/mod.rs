//! Screens on the one stack of layers (`crate::tui::stack`): each module holds its state, its
//! key handling, its drawing and its keymap mode (`MODE`, a section of the default keymap).
//! Registering a screen is its `mod` line here and its line in [`open_on`] (a command opens
//! it over the view) or in [`load_ended`] (the end of a users load opens or closes it).

pub mod columns;
pub mod confirm;
pub mod csv;
pub mod filter;
pub mod history;
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
pub mod visual;

use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::msg::Command;
use crate::tui::state::State;

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
            super::visual::MODE,
        ] {
            assert!(
                Mode::sections().any(|s| s == mode.name()),
                "{}",
                mode.name()
            );
        }
    }
}
