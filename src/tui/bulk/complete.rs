//! Tab completion of a file path, as a shell does it: the longest common prefix of the
//! names that match, a `/` after a lone directory, and the candidates when several remain.
//! `complete_from` is pure; `complete_path` reads the directory (the effect runner calls it).

use crate::tui::bulk::state::expand_tilde;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    /// The path to put in the input (as typed, `~` kept), possibly unchanged.
    pub value: String,
    /// Names that still match when more than one does (at most `MAX_SHOWN`).
    pub candidates: Vec<String>,
    /// How many names matched in all.
    pub matches: usize,
    /// Why nothing could be completed (a directory that cannot be read).
    pub error: Option<String>,
}

const MAX_SHOWN: usize = 8;

/// Splits what was typed into the directory part (kept as typed) and the name being typed.
fn split(typed: &str) -> (&str, &str) {
    match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None if typed == "~" => ("~/", ""),
        None => ("", typed),
    }
}

/// Completes `typed` against the directory's entries `(name, is_dir)`.
pub fn complete_from(typed: &str, entries: &[(String, bool)]) -> Completion {
    let (dir, stem) = split(typed);
    let dir = if typed == "~" { "~/" } else { dir };
    let mut matches: Vec<&(String, bool)> = entries
        .iter()
        .filter(|(n, _)| n.starts_with(stem) && (stem.starts_with('.') || !n.starts_with('.')))
        .collect();
    matches.sort();
    let Some(((first, first_dir), rest)) = matches.split_first() else {
        return Completion {
            value: typed.to_string(),
            ..Completion::default()
        };
    };
    if rest.is_empty() {
        let slash = if *first_dir { "/" } else { "" };
        return Completion {
            value: format!("{dir}{first}{slash}"),
            candidates: Vec::new(),
            matches: 1,
            error: None,
        };
    }
    let mut common: &str = first;
    for (n, _) in rest {
        let end = common
            .char_indices()
            .zip(n.chars())
            .find(|((_, a), b)| a != b)
            .map_or(common.len().min(n.len()), |((i, _), _)| i);
        common = &common[..end];
    }
    let value = if common.len() > stem.len() {
        format!("{dir}{common}")
    } else {
        typed.to_string()
    };
    Completion {
        value,
        candidates: matches
            .iter()
            .take(MAX_SHOWN)
            .map(|(n, d)| if *d { format!("{n}/") } else { n.clone() })
            .collect(),
        matches: matches.len(),
        error: None,
    }
}

/// Reads the directory `typed` points into and completes against it.
pub fn complete_path(typed: &str, home: Option<&str>) -> Completion {
    let (dir, _) = split(typed);
    let read_dir = if dir.is_empty() {
        std::path::PathBuf::from(".")
    } else {
        expand_tilde(dir, home)
    };
    let entries = match std::fs::read_dir(&read_dir) {
        Ok(rd) => rd
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                // Follows symlinks, so a link to a directory completes as one.
                let is_dir = e.path().is_dir();
                Some((name, is_dir))
            })
            .collect::<Vec<_>>(),
        Err(e) => {
            return Completion {
                value: typed.to_string(),
                error: Some(format!("cannot read {}: {e}", read_dir.display())),
                ..Completion::default()
            };
        }
    };
    complete_from(typed, &entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<(String, bool)> {
        [
            ("leavers-2026-11.csv", false),
            ("leavers-2026-12.csv", false),
            ("reports", true),
            (".hidden.csv", false),
            ("plan.json", false),
        ]
        .iter()
        .map(|(n, d)| (n.to_string(), *d))
        .collect()
    }

    #[test]
    fn one_match_completes_and_a_directory_gets_a_slash() {
        assert_eq!(complete_from("pl", &entries()).value, "plan.json");
        assert_eq!(complete_from("~/rep", &entries()).value, "~/reports/");
        assert_eq!(complete_from("a/b/re", &entries()).value, "a/b/reports/");
    }

    #[test]
    fn several_matches_extend_to_the_common_prefix_and_are_listed() {
        let c = complete_from("lea", &entries());
        assert_eq!(c.value, "leavers-2026-1");
        assert_eq!(c.matches, 2);
        assert_eq!(c.candidates, ["leavers-2026-11.csv", "leavers-2026-12.csv"]);
    }

    #[test]
    fn hidden_files_only_when_asked_and_no_match_keeps_the_text() {
        assert_eq!(complete_from(".h", &entries()).value, ".hidden.csv");
        assert_eq!(complete_from("", &entries()).matches, 4);
        let c = complete_from("zzz", &entries());
        assert_eq!((c.value.as_str(), c.matches), ("zzz", 0));
    }

    #[test]
    fn reads_a_real_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("users.csv"), "id\n").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let base = dir.path().display().to_string();
        assert_eq!(
            complete_path(&format!("{base}/us"), None).value,
            format!("{base}/users.csv")
        );
        assert_eq!(
            complete_path(&format!("{base}/s"), None).value,
            format!("{base}/sub/")
        );
        let missing = complete_path(&format!("{base}/nope/x"), None);
        assert!(missing.error.unwrap().contains("cannot read"));
    }
}
