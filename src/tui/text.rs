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

/// `2026-11-29T21:43:18Z` as `2026-11-29 21:43` (UTC, as journals record it).
pub fn when(rfc3339: &str) -> String {
    let s: String = rfc3339.chars().take(16).collect();
    s.replacen('T', " ", 1)
}
