//! The user list's loads, shared by the reducer's keys and the bulk flow's end of a run
//! (which reloads to show the users' new state).

use crate::tui::effect::Effect;
use crate::tui::state::{LoadState, State};

/// Starts a fresh load with the current filter; older pages will be dropped.
pub fn reload(state: &mut State) -> Vec<Effect> {
    state.list.generation += 1;
    // Only a complete list is worth keeping; a reload of a partial one keeps the older.
    let complete = state.list.load == LoadState::Done || state.list.stale.is_some();
    let total = state.list.total;
    state.list.cached = None;
    let old = state.clear_users();
    if complete && !old.is_empty() {
        state.list.last_good = Some((old, total));
    }
    state.list.load = LoadState::Loading;
    for v in &mut state.views {
        v.cursor = 0;
        v.offset = 0;
        v.search.applied.clear();
    }
    state.rebuild_visible();
    vec![Effect::LoadUsers {
        generation: state.list.generation,
        filter: state.filter.applied.as_ref().map(|f| f.filter.clone()),
    }]
}
