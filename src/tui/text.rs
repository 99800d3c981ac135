//! Text as the screen shows it: untrusted text made safe, prose wrapped. Read by the views
//! and by the screens that measure their rows for scrolling.

/// Untrusted text (names, details, errors) made safe for the screen and cut to a width no
/// pane exceeds: every view passes server and file text through this.
pub(crate) fn safe(s: &str) -> String {
    crate::untrusted::clip(s, 512)
}

/// Greedy word wrap at `width` columns (at least 10).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut rows = Vec::new();
    let mut row = String::new();
    for word in text.split_whitespace() {
        let needed = crate::untrusted::width(&row) + 1 + crate::untrusted::width(word);
        if !row.is_empty() && needed > width {
            rows.push(std::mem::take(&mut row));
        }
        if !row.is_empty() {
            row.push(' ');
        }
        row.push_str(word);
    }
    if !row.is_empty() {
        rows.push(row);
    }
    rows
}
