//! Find in the lines of a screen that scrolls (the preview, the run history, the help
//! overlay, the detail view): `/` and a query, the view jumps to the first match, `n`/`N`
//! go to the next/previous one, Esc clears. The user lists filter instead (their own `/`).
//!
//! This module is the pure part: the matching is case-insensitive, on the text as the screen
//! shows it (already made safe by each screen), so a highlight covers exactly what is drawn.
//! The keys are in `find_screens.rs`.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use tui_input::Input;

/// The screens that can be searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindOn {
    Help,
    Preview,
    History,
    Detail,
}

/// A search in the screen `on`.
#[derive(Debug, Clone)]
pub struct Find {
    pub on: FindOn,
    pub input: Input,
    /// The query is being typed.
    pub editing: bool,
    /// The line of the match the view is on.
    pub current: Option<usize>,
    /// The lines holding the query, found when it last changed or moved (not per frame: a
    /// preview can have hundreds of thousands of lines).
    pub matches: Vec<usize>,
}

impl Find {
    pub fn new(on: FindOn) -> Find {
        Find {
            on,
            input: Input::default(),
            editing: true,
            current: None,
            matches: Vec::new(),
        }
    }

    /// The query as typed, with no hidden character (it is drawn in the find bar).
    pub fn query(&self) -> String {
        self.input
            .value()
            .chars()
            .filter(|&c| !crate::untrusted::is_hidden(c))
            .collect()
    }
}

/// Byte ranges of every match of `query` in `text`, ignoring case; none for an empty query.
pub fn ranges(text: &str, query: &str) -> Vec<(usize, usize)> {
    let q: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    let mut out = Vec::new();
    if q.is_empty() {
        return out;
    }
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        match match_len(&text[at..], &q) {
            Some(n) => {
                out.push((at, at + n));
                at += n;
            }
            None => at += c.len_utf8(),
        }
    }
    out
}

/// Bytes of `text` that match the lowercased `q` from its start.
fn match_len(text: &str, q: &[char]) -> Option<usize> {
    let mut qi = 0;
    for (i, c) in text.char_indices() {
        if qi == q.len() {
            return Some(i);
        }
        for l in c.to_lowercase() {
            if q.get(qi) != Some(&l) {
                return None;
            }
            qi += 1;
        }
    }
    (qi == q.len()).then_some(text.len())
}

/// Indices of the lines holding `query`.
pub fn matching_lines<'a>(lines: impl IntoIterator<Item = &'a str>, query: &str) -> Vec<usize> {
    let q: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    if q.is_empty() {
        return Vec::new();
    }
    lines
        .into_iter()
        .enumerate()
        .filter(|(_, l)| contains(l, &q))
        .map(|(i, _)| i)
        .collect()
}

/// Whether `text` holds the lowercased `q` anywhere.
fn contains(text: &str, q: &[char]) -> bool {
    text.char_indices()
        .any(|(i, _)| match_len(&text[i..], q).is_some())
}

/// The match after (`forward`) or before `from` among `matches` (sorted), wrapping round.
pub fn step(matches: &[usize], from: Option<usize>, forward: bool) -> Option<usize> {
    let first = *matches.first()?;
    let last = *matches.last()?;
    let Some(from) = from else {
        return Some(if forward { first } else { last });
    };
    if forward {
        Some(matches.iter().copied().find(|&m| m > from).unwrap_or(first))
    } else {
        Some(
            matches
                .iter()
                .rev()
                .copied()
                .find(|&m| m < from)
                .unwrap_or(last),
        )
    }
}

/// How a match is drawn: black on yellow (even on the reversed cursor row), underlined so
/// it shows without colour; the current one also bold.
pub fn match_style(theme: &crate::tui::theme::Theme, current: bool) -> Style {
    let mut s = Style::new().add_modifier(Modifier::UNDERLINED);
    if !theme.monochrome {
        s = s
            .fg(ratatui::style::Color::Black)
            .bg(ratatui::style::Color::Yellow);
    }
    if current {
        s = s.add_modifier(Modifier::BOLD);
    }
    s
}

/// `line` with every match of `query` patched with `style` (span styles kept elsewhere).
pub fn highlight<'a>(line: Line<'a>, query: &str, style: Style) -> Line<'a> {
    if query.is_empty() {
        return line;
    }
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let found = ranges(&text, query);
    if found.is_empty() {
        return line;
    }
    let mut spans = Vec::new();
    let mut at = 0;
    for span in line.spans {
        let content = span.content.as_ref();
        let end = at + content.len();
        let mut cut = 0;
        for &(s, e) in &found {
            let (s, e) = (s.max(at), e.min(end));
            if s >= e || s - at < cut {
                continue;
            }
            if s - at > cut {
                spans.push(Span::styled(content[cut..s - at].to_string(), span.style));
            }
            spans.push(Span::styled(
                content[s - at..e - at].to_string(),
                span.style.patch(style),
            ));
            cut = e - at;
        }
        if cut < content.len() {
            spans.push(Span::styled(content[cut..].to_string(), span.style));
        }
        at = end;
    }
    let mut out = Line::from(spans).style(line.style);
    out.alignment = line.alignment;
    out
}

/// The count for the find bar: which match of how many.
pub fn position(f: &Find) -> (usize, usize) {
    let at = f
        .current
        .and_then(|c| f.matches.iter().position(|&m| m == c))
        .map_or(0, |i| i + 1);
    (at, f.matches.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_ignore_case_and_find_every_match() {
        assert_eq!(
            ranges("Alice ALICE alice", "alice"),
            vec![(0, 5), (6, 11), (12, 17)]
        );
        assert_eq!(ranges("abc", ""), Vec::<(usize, usize)>::new());
        assert_eq!(ranges("abc", "abcd"), Vec::<(usize, usize)>::new());
        assert_eq!(ranges("aaa", "aa"), vec![(0, 2)]);
    }

    #[test]
    fn ranges_are_on_char_boundaries_with_non_ascii_text() {
        let text = "Émile ÉMILE 漢字 <U+001B>";
        let found = ranges(text, "émile");
        assert_eq!(found.len(), 2);
        for (s, e) in &found {
            assert!(text.is_char_boundary(*s) && text.is_char_boundary(*e));
            assert_eq!(text[*s..*e].to_lowercase(), "émile");
        }
        assert_eq!(ranges(text, "字").len(), 1);
        // A hidden character is searched as the screen shows it.
        assert_eq!(ranges(text, "<u+001b>").len(), 1);
    }

    #[test]
    fn lines_and_steps_wrap_round() {
        let lines = ["one", "Two", "three", "two again"];
        let m = matching_lines(lines, "TWO");
        assert_eq!(m, vec![1, 3]);
        assert_eq!(step(&m, None, true), Some(1));
        assert_eq!(step(&m, Some(1), true), Some(3));
        assert_eq!(step(&m, Some(3), true), Some(1));
        assert_eq!(step(&m, Some(1), false), Some(3));
        assert_eq!(step(&m, None, false), Some(3));
        assert_eq!(step(&[], None, true), None);
    }

    #[test]
    fn highlight_splits_spans_and_keeps_their_styles() {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let line = Line::from(vec![Span::raw("karen.ri"), Span::styled("vera x", bold)]);
        let m = match_style(&crate::tui::theme::Theme::color(), false);
        let out = highlight(line, "RIVERA", m);
        let text: Vec<(&str, Style)> = out
            .spans
            .iter()
            .map(|s| (s.content.as_ref(), s.style))
            .collect();
        assert_eq!(
            text,
            vec![
                ("karen.", Style::new()),
                ("ri", m),
                ("vera", bold.patch(m)),
                (" x", bold),
            ]
        );
        let same = highlight(Line::raw("nothing"), "zzz", m);
        assert_eq!(same, Line::raw("nothing"));
    }

    #[test]
    fn the_query_drops_hidden_characters() {
        let mut f = Find::new(FindOn::Help);
        f.input = Input::new("a\u{1b}[2Jb\u{202e}".into());
        assert_eq!(f.query(), "a[2Jb");
    }
}
