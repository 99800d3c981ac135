//! Choosing users: ticks, ranges (visual mode), everything shown, invert, clear. The
//! selection is a set of ids, so it survives filters, searches, paging and reloads.

use crate::tui::state::State;

/// The rows (positions in `visible`) of the range being marked, inclusive.
pub fn visual_range(state: &State) -> Option<(usize, usize)> {
    range_from(state, state.visual_anchor()?)
}

/// The rows of a range started at row `anchor` (an index into the users).
fn range_from(state: &State, anchor: usize) -> Option<(usize, usize)> {
    let v = state.view();
    if !v.is_user_list() {
        return None;
    }
    let a = state.visible().iter().position(|&i| i == anchor)?;
    let c = v.cursor;
    Some((a.min(c), a.max(c)))
}

/// Is row `pos` of the list inside the range being marked?
pub fn in_visual(range: Option<(usize, usize)>, pos: usize) -> bool {
    range.is_some_and(|(a, b)| a <= pos && pos <= b)
}

/// `v`: starts a range at the cursor, or marks the range and leaves visual mode.
pub fn visual_toggle(state: &mut State) {
    if state.visual_anchor().is_some() {
        commit_visual(state);
        return;
    }
    if !state.view().is_user_list() {
        return;
    }
    if let Some(&i) = state.visible().get(state.view().cursor) {
        state.set_visual(Some(i));
    }
}

/// Ticks the rows of the range and leaves visual mode.
pub fn commit_visual(state: &mut State) {
    if let Some(anchor) = state.visual_anchor() {
        state.set_visual(None);
        commit_from(state, anchor);
    }
}

/// Ticks the rows of the range started at row `anchor` (visual mode has ended).
pub fn commit_from(state: &mut State, anchor: usize) {
    let range = range_from(state, anchor);
    let Some((a, b)) = range else {
        return;
    };
    let mut added = 0;
    for pos in a..=b {
        if let Some(u) = state.visible().get(pos).and_then(|&i| state.list.row(i))
            && state.bulk.selected.insert(u.id().to_string())
        {
            added += 1;
        }
    }
    state.flash(format!(
        "ticked {added} in the range ({} selected)",
        state.bulk.selected.len()
    ));
}

/// Esc in visual mode: leave it, ticking nothing.
pub fn cancel_visual(state: &mut State) {
    state.set_visual(None);
    state.flash("range cancelled; nothing ticked");
}

/// `a`: ticks every row the list shows (what the filter and search leave).
pub fn select_all_visible(state: &mut State) {
    if !state.view().is_user_list() {
        return;
    }
    let mut added = 0;
    for &i in &state.visible().to_vec() {
        if let Some(u) = state.list.row(i)
            && state.bulk.selected.insert(u.id().to_string())
        {
            added += 1;
        }
    }
    state.flash(format!(
        "ticked {added} shown users ({} selected)",
        state.bulk.selected.len()
    ));
}

/// Ctrl-r: inverts the ticks of the rows shown; rows not shown keep theirs.
pub fn invert_visible(state: &mut State) {
    if !state.view().is_user_list() {
        return;
    }
    for &i in &state.visible().to_vec() {
        if let Some(u) = state.list.row(i)
            && !state.bulk.selected.remove(u.id())
        {
            state.bulk.selected.insert(u.id().to_string());
        }
    }
}

/// `c`: unticks everyone, and says how many.
pub fn clear(state: &mut State) {
    let n = state.bulk.selected.len();
    state.bulk.selected.clear();
    state.bulk.sel_cache.clear();
    state.bulk.csv_input = None;
    state.set_visual(None);
    state.flash(if n == 0 {
        "nothing was selected".to_string()
    } else {
        format!("cleared the selection ({n} unticked)")
    });
}

/// Selected ids sorted by userName (ids of unknown users last), for the pane and the plan.
pub fn sorted_ids(state: &State) -> Vec<String> {
    let mut rows: Vec<(String, String)> = state
        .bulk
        .selected
        .iter()
        .map(|id| {
            let key = state
                .selected_user(id)
                .map_or_else(|| format!("\u{10ffff}{id}"), |u| u.user_name.to_lowercase());
            (key, id.clone())
        })
        .collect();
    rows.sort();
    rows.into_iter().map(|(_, id)| id).collect()
}
