//! Paths on screen: shortened to one row (the file name kept whole), or, in full, broken
//! only after a `/`, never inside a name.

/// `path` in at most `width` columns: whole when it fits, else `…/` and as many trailing
/// components as fit; a file name longer than the row keeps its end.
pub fn short_path(path: &str, width: usize) -> String {
    let n = path.chars().count();
    if n <= width {
        return path.to_string();
    }
    let parts: Vec<&str> = path.split('/').collect();
    let mut tail = String::new();
    for part in parts.iter().rev() {
        let candidate = if tail.is_empty() {
            part.to_string()
        } else {
            format!("{part}/{tail}")
        };
        if candidate.chars().count() + 2 > width {
            break;
        }
        tail = candidate;
    }
    if tail.is_empty() {
        let keep = width.saturating_sub(1);
        let chars: Vec<char> = path.chars().collect();
        let end: String = chars[chars.len().saturating_sub(keep)..].iter().collect();
        return format!("…{end}");
    }
    format!("…/{tail}")
}

/// `path` in rows of at most `width` columns, broken after a `/`; only a single name longer
/// than a row is cut.
pub fn path_rows(path: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows: Vec<String> = Vec::new();
    let mut row = String::new();
    let pieces: Vec<String> = path.split_inclusive('/').map(str::to_string).collect();
    for piece in pieces {
        if row.chars().count() + piece.chars().count() > width && !row.is_empty() {
            rows.push(std::mem::take(&mut row));
        }
        if piece.chars().count() > width {
            let chars: Vec<char> = piece.chars().collect();
            for chunk in chars.chunks(width) {
                rows.push(chunk.iter().collect());
            }
            if let Some(last) = rows.pop() {
                row = last;
            }
        } else {
            row.push_str(&piece);
        }
    }
    if !row.is_empty() {
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str =
        "/home/operator/.local/share/scimitar/journals/2026-11-29T21-43-18Z-8470f630.jsonl";

    #[test]
    fn shortened_paths_keep_the_file_name_whole() {
        assert_eq!(short_path("/a/b.jsonl", 40), "/a/b.jsonl");
        let s = short_path(P, 60);
        assert_eq!(s, "…/scimitar/journals/2026-11-29T21-43-18Z-8470f630.jsonl");
        assert!(s.chars().count() <= 60);
        let s = short_path(P, 20);
        assert!(s.starts_with('…') && s.ends_with("8470f630.jsonl") && s.chars().count() <= 20);
    }

    #[test]
    fn full_paths_break_only_after_a_slash() {
        let rows = path_rows(P, 40);
        assert_eq!(rows.concat(), P);
        assert!(rows.iter().all(|r| r.chars().count() <= 40));
        assert!(
            rows[..rows.len() - 1].iter().all(|r| r.ends_with('/')),
            "{rows:?}"
        );
        assert_eq!(
            rows.last().map(String::as_str),
            Some("2026-11-29T21-43-18Z-8470f630.jsonl")
        );
    }
}
