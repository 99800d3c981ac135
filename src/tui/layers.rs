//! Which layer is on top, said once. The layers, highest first: a popup, the path input, the
//! bulk screen on top of its flow, the filter input, the search input, a range being marked,
//! the view. `mode()` (the keymap section), key dispatch, editing keys and Esc all read
//! [`top`]; the render draws the same layers bottom to top.

use crate::tui::bulk::Screen;
use crate::tui::keymap::Mode;
use crate::tui::state::{State, ViewKind};

/// One layer of the screen.
#[derive(Debug, Clone, Copy)]
pub enum Layer<'a> {
    Popup,
    PathInput,
    Flow(&'a Screen),
    Filter,
    Search,
    Visual,
    View(&'a ViewKind),
}

/// The layer that has the keys now.
pub fn top(state: &State) -> Layer<'_> {
    match state.popups.last() {
        Some(_) => Layer::Popup,
        None => under_popups(state),
    }
}

/// The layer under any popup (the help overlay lists its keys).
pub fn under_popups(state: &State) -> Layer<'_> {
    if state.bulk.path_input.is_some() {
        return Layer::PathInput;
    }
    if let Some(s) = state.bulk.flow.last() {
        return Layer::Flow(s);
    }
    if state.filter.edit.is_some() {
        return Layer::Filter;
    }
    let v = state.view();
    if v.search.editing {
        return Layer::Search;
    }
    if state.bulk.visual.is_some() && v.is_user_list() {
        return Layer::Visual;
    }
    Layer::View(&v.kind)
}

/// The keymap mode the state is in: what a key press means now.
pub fn mode(state: &State) -> Mode {
    // A find query being typed (find.rs) has the keys as text.
    if crate::tui::find::editing(state) {
        return Mode::Search;
    }
    layer_mode(top(state))
}

/// The mode under any popup.
pub fn base_mode(state: &State) -> Mode {
    layer_mode(under_popups(state))
}

fn layer_mode(layer: Layer) -> Mode {
    match layer {
        Layer::Popup => Mode::Popup,
        Layer::PathInput => Mode::Path,
        Layer::Flow(s) => screen_mode(s),
        Layer::Filter => Mode::Filter,
        Layer::Search => Mode::Search,
        Layer::Visual => Mode::Visual,
        Layer::View(ViewKind::Users | ViewKind::Members { .. }) => Mode::List,
        Layer::View(ViewKind::Workspaces) => Mode::Workspaces,
        Layer::View(ViewKind::Detail(_)) => Mode::Detail,
    }
}

fn screen_mode(screen: &Screen) -> Mode {
    match screen {
        Screen::Selection { .. } => Mode::Selection,
        Screen::CsvLoading(_) | Screen::Planning { .. } => Mode::Busy,
        Screen::CsvReport(_) => Mode::Report,
        Screen::ActionMenu { .. } => Mode::Menu,
        Screen::Picker(_) => Mode::Picker,
        Screen::Preview(p) if p.request.is_some() => Mode::Request,
        Screen::Preview(_) => Mode::Preview,
        Screen::Confirm(_) => Mode::Confirm,
        Screen::Run(r) if r.finished() => Mode::Summary,
        Screen::Run(_) => Mode::Run,
        Screen::History(_) => Mode::History,
        Screen::Review(_) => Mode::Review,
    }
}
