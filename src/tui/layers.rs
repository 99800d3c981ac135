//! Which layer is on top, said once. The layers, highest first: a popup, a screen of the one
//! stack (`screens/`: the bulk flow's screens, the inputs, the sign-in), the view. The keymap
//! mode (`screens::mode`), key dispatch, editing keys and Esc all read [`top`]; the render
//! draws the same layers bottom to top.

use crate::tui::bulk::state::{HistoryView, Preview};
use crate::tui::find::{Find, FindOn};
use crate::tui::state::{Popup, State, ViewKind};

/// One layer of the screen.
#[derive(Clone, Copy)]
pub enum Top<'a> {
    Popup,
    /// A screen of the stack of layers (it says its own mode).
    Screen(&'a dyn crate::tui::stack::Layer<State>),
    View(&'a ViewKind),
}

/// The layer that has the keys now.
pub fn top(state: &State) -> Top<'_> {
    match state.popup() {
        Some(_) => Top::Popup,
        None => under_popups(state),
    }
}

/// The layer under any popup (the help overlay lists its keys).
pub fn under_popups(state: &State) -> Top<'_> {
    match state.layers().top_screen() {
        Some(l) => Top::Screen(l),
        None => Top::View(&state.view().kind),
    }
}

/// The searchable screen on top (popups aside from the help overlay hide it).
pub fn target(state: &State) -> Option<FindOn> {
    match state.popup() {
        Some(Popup::Help) => Some(FindOn::Help),
        Some(_) => None,
        None => base_target(state),
    }
}

/// The searchable screen under any popup.
pub fn base_target(state: &State) -> Option<FindOn> {
    match under_popups(state) {
        Top::Screen(l) => {
            let l = l.as_any();
            match (l.downcast_ref::<Preview>(), l.is::<HistoryView>()) {
                (Some(p), _) if p.request.is_none() => Some(FindOn::Preview),
                (_, true) => Some(FindOn::History),
                _ => None,
            }
        }
        Top::View(ViewKind::Detail(_)) => Some(FindOn::Detail),
        _ => None,
    }
}

/// The search of the screen on top, if there is one.
pub fn live(state: &State) -> Option<&Find> {
    let f = state.find.as_ref()?;
    (Some(f.on) == target(state)).then_some(f)
}

/// The query is being typed on the screen on top (the keys are text).
pub fn editing(state: &State) -> bool {
    live(state).is_some_and(|f| f.editing)
}
