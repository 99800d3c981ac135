//! The screen's layout, computed in one place and read by both sides: the reducer scrolls by
//! the rows the view really shows, and the view draws into the same areas. Pure arithmetic
//! on the terminal's size; no state, no drawing.

use ratatui::layout::{Constraint, Layout, Rect};

/// Smallest usable terminal; below it a "terminal too small" screen.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
/// From this width the user list gets a detail pane on the right.
pub const SPLIT_WIDTH: u16 = 140;
/// Rows of the header above the body.
pub const HEADER: u16 = 2;
/// Rows of the status bar under the body.
pub const STATUS: u16 = 1;
/// Rows taken by the header (2), the table header (1), borders (2) and status bar (1).
pub const LIST_CHROME: u16 = HEADER + 1 + 2 + STATUS;
/// Rows the flow screens' lists lose to the header, their titles, borders and the status.
const FLOW_CHROME: u16 = 10;

/// Header, body and status bar of a screen.
pub fn areas(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(HEADER),
        Constraint::Min(1),
        Constraint::Length(STATUS),
    ])
    .areas(area)
}

/// Whether the terminal is too small to use.
pub fn too_small(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

/// Whether the user list gets a detail pane beside it.
pub fn split(width: u16) -> bool {
    width >= SPLIT_WIDTH
}

/// The body's height on a terminal `height` rows high.
pub fn body_height(height: u16) -> u16 {
    height.saturating_sub(HEADER + STATUS)
}

/// Rows the user and workspace lists show.
pub fn list_rows(height: u16) -> usize {
    height.saturating_sub(LIST_CHROME).max(1) as usize
}

/// Rows the flow screens' lists show (selection, picker, history...).
pub fn flow_rows(height: u16) -> usize {
    height.saturating_sub(FLOW_CHROME).max(1) as usize
}

/// Rows inside the border of a pane that fills the body of a terminal `height` rows high.
pub fn pane_inner(height: u16) -> u16 {
    body_height(height).saturating_sub(2)
}

/// Rows the detail view shows inside its border (at least one).
pub fn detail_rows(height: u16) -> usize {
    usize::from(pane_inner(height)).max(1)
}

/// The first row shown so the cursor is visible at this height (render does not write back).
pub fn window_start(cursor: usize, offset: usize, height: usize, len: usize) -> usize {
    let mut start = offset.min(len.saturating_sub(height));
    if cursor < start {
        start = cursor;
    } else if cursor >= start + height {
        start = cursor + 1 - height;
    }
    start
}

#[cfg(test)]
mod tests {
    use super::window_start;

    #[test]
    fn window_keeps_the_cursor_visible() {
        assert_eq!(window_start(0, 0, 10, 100), 0);
        assert_eq!(window_start(15, 0, 10, 100), 6);
        assert_eq!(window_start(3, 6, 10, 100), 3);
        assert_eq!(window_start(99, 95, 10, 100), 90);
        assert_eq!(window_start(0, 0, 10, 0), 0);
    }
}
