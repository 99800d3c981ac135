//! The one sanitiser for text that came from a server or a file (user names, workspace names,
//! error details, CSV cells) on its way to a terminal or a CSV file.
//!
//! Terminal: control characters (C0, DEL, C1, so every ESC/CSI/OSC sequence) and the invisible
//! characters that reorder or hide text (bidi controls, zero-width and other format characters)
//! are shown as `<U+XXXX>`, so nothing from a server can move the cursor, clear the screen,
//! write the clipboard, make a link or make `gpj.exe` read as `exe.jpg`. JSON output is not
//! passed through here: serde escapes it and it must stay exact.
//!
//! CSV: a cell starting with `=`, `+`, `-`, `@`, tab or carriage return is a formula to a
//! spreadsheet; it gets a leading `'` (the OWASP rule) unless `--csv-raw` turned that off.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};

use unicode_width::UnicodeWidthChar;

/// Characters a terminal would act on or a reader could not see. Shown as `<U+XXXX>`.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'                      // soft hyphen
                | '\u{034F}'                // combining grapheme joiner
                | '\u{061C}'                // Arabic letter mark (bidi)
                | '\u{115F}' | '\u{1160}'   // Hangul fillers (blank letters)
                | '\u{17B4}' | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'   // Mongolian vowel separator, selectors
                | '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
                | '\u{2028}'..='\u{202E}'   // line/paragraph separators, bidi embeddings/overrides
                | '\u{2060}'..='\u{206F}'   // word joiner, invisible operators, bidi isolates
                | '\u{3164}'                // Hangul filler
                | '\u{FEFF}'                // zero-width no-break space (BOM)
                | '\u{FFA0}'                // halfwidth Hangul filler
                | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotations
                | '\u{E0000}'..='\u{E007F}' // tag characters
        )
}

fn push_marker(out: &mut String, c: char) {
    out.push_str(&format!("<U+{:04X}>", c as u32));
}

/// One line of untrusted text for a terminal: every hidden character (newline and tab too)
/// shown as `<U+XXXX>`. Borrowed when there is nothing to change.
pub fn line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_hidden(c) {
            push_marker(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Several lines (an error message with its details): newlines stay, tabs become a space,
/// every other hidden character is shown as `<U+XXXX>`.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_hidden(c) && c != '\n') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            c if is_hidden(c) => push_marker(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Terminal columns of text already made safe with [`line`].
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// [`line`], cut to at most `max` columns with a trailing `…` when it was longer.
pub fn clip(s: &str, max: usize) -> String {
    let safe = line(s);
    if width(&safe) <= max {
        return safe.into_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in safe.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(c);
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// `s` (already safe) followed by spaces up to `cols` columns. Never fails on long text, unlike
/// `format!("{s:<cols$}")`, whose width is bounded and which counts chars, not columns.
pub fn pad(s: &str, cols: usize) -> String {
    let w = width(s);
    let mut out = String::with_capacity(s.len() + cols.saturating_sub(w));
    out.push_str(s);
    out.extend(std::iter::repeat_n(' ', cols.saturating_sub(w)));
    out
}

static CSV_RAW: AtomicBool = AtomicBool::new(false);

/// `--csv-raw`: every CSV writer in this process writes cells exactly as they are. One switch
/// for the process, so no writer can forget it.
pub fn set_csv_raw(raw: bool) {
    CSV_RAW.store(raw, Ordering::Relaxed);
}

pub fn csv_raw() -> bool {
    CSV_RAW.load(Ordering::Relaxed)
}

/// A CSV cell a spreadsheet will not run and a terminal showing the file will not obey: `'`
/// before a leading `=`, `+`, `-`, `@`, tab or CR, and hidden characters as `<U+XXXX>` (as
/// [`line`]). `--csv-raw` writes the cell exactly as it is.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    if csv_raw() {
        return Cow::Borrowed(s);
    }
    match (neutralise(s), line(s)) {
        (Cow::Borrowed(_), safe) => safe,
        (Cow::Owned(_), safe) => Cow::Owned(format!("'{safe}")),
    }
}

/// The formula rule itself, regardless of `--csv-raw`.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// Writes to stderr and ignores failure: a terminal that went away (SIGHUP, EIO) must not turn
/// a message into a panic (`eprintln!` panics when stderr fails).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_text() {
        let s = line("\u{1b}[2J\u{1b}[HCLEARED\u{1b}]52;c;aGk=\u{7}\r\u{8}");
        assert_eq!(
            s,
            "<U+001B>[2J<U+001B>[HCLEARED<U+001B>]52;c;aGk=<U+0007><U+000D><U+0008>"
        );
        assert!(!s.chars().any(char::is_control));
    }

    #[test]
    fn c1_del_bidi_and_zero_width_are_shown() {
        assert_eq!(line("a\u{9b}b\u{7f}"), "a<U+009B>b<U+007F>");
        assert_eq!(
            line("bidi\u{202E}gpj.exe\u{200B}"),
            "bidi<U+202E>gpj.exe<U+200B>"
        );
        assert_eq!(line("plain Ünïcödé 漢字"), "plain Ünïcödé 漢字");
    }

    #[test]
    fn text_keeps_newlines_only() {
        assert_eq!(text("a\nb\tc\u{1b}d"), "a\nb c<U+001B>d");
    }

    #[test]
    fn clip_and_pad_count_columns() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("漢字漢字", 5), "漢字…");
        assert_eq!(pad("漢", 4), "漢  ");
        let long = "x".repeat(100_000);
        assert_eq!(pad(&long, 3).len(), 100_000);
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for s in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(s), format!("'{s}"));
        }
        assert_eq!(neutralise("alice@example.com"), "alice@example.com");
        assert_eq!(neutralise(""), "");
        assert_eq!(csv_cell("\tx\u{1b}"), "'<U+0009>x<U+001B>");
        assert_eq!(csv_cell("plain"), "plain");
    }
}

/// Pretty JSON whose strings carry bidi controls and zero-width characters as `\uXXXX`
/// escapes (serde already escapes control characters). The value read back is exactly the
/// same; only a terminal showing the raw output can no longer be fooled by them.
pub fn write_json_pretty<W: std::io::Write, T: serde::Serialize + ?Sized>(
    out: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, SafeJson::default());
    value.serialize(&mut ser)
}

#[derive(Default)]
struct SafeJson(serde_json::ser::PrettyFormatter<'static>);

use serde_json::ser::Formatter;

impl Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_hidden(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(w, "\\u{:04x}", u)?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod json_tests {
    #[test]
    fn json_escapes_hidden_characters_and_reads_back_the_same() {
        let v = serde_json::json!({"n": "a\u{202E}b\u{1b}c\u{E0041}", "k": [1, "x"]});
        let mut out = Vec::new();
        super::write_json_pretty(&mut out, &v).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(r"a\u202eb\u001bc\udb40\udc41"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
        assert_eq!(
            text,
            serde_json::to_string_pretty(
                &serde_json::json!({"n": "a\u{202E}b\u{1b}c\u{E0041}", "k": [1, "x"]})
            )
            .unwrap()
            .replace("\u{202E}", r"\u202e")
            .replace("\u{E0041}", r"\udb40\udc41")
        );
    }
}
