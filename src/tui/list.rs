//! The user list's loads and moves, shared by the reducer's keys, the screens over the list
//! (the filter input moves it) and the bulk flow's end of a run (which reloads to show the
//! users' new state).

use crate::tui::effect::Effect;
use crate::tui::state::{LoadState, State, ViewKind};

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

/// Moves the cursor of the top view by `delta` rows (a page, a half page, one).
pub fn move_by(state: &mut State, delta: isize) -> Vec<Effect> {
    let len = match &state.view().kind {
        // The detail view scrolls by rows, to its last full page.
        ViewKind::Detail(_) => {
            let view = crate::tui::detail::content_rows(state)
                .saturating_sub(crate::tui::layout::detail_rows(state.height));
            view + 1
        }
        _ => state.visible().len(),
    };
    let v = state.view_mut();
    let max = len.saturating_sub(1) as isize;
    v.cursor = (v.cursor as isize).saturating_add(delta).clamp(0, max) as usize;
    if !matches!(v.kind, ViewKind::Detail(_)) {
        state.clamp_cursor();
    }
    Vec::new()
}
