//! Reading an input file: Anaplan's Users-tab export, any CSV with an id or email column, or
//! one unnamed column of values. Delimiter, BOM, quoting and line endings are detected, and
//! every entry keeps its true line number in the file so reports point at the right row.

use crate::input::key::{ColumnKind, Key, looks_like_guid};

/// One data row of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line in the file where the row starts (blank lines counted).
    pub line: usize,
    /// The cell as it is in the file.
    pub raw: String,
    pub key: Key,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvInput {
    pub entries: Vec<Entry>,
    pub delimiter: u8,
    /// Header of the column read, `None` for a file of one column without a header.
    pub column: Option<String>,
    /// Header of the email column used when a row's id cell is empty (Users-tab exports).
    pub fallback_column: Option<String>,
}

/// The column names accepted, as shown in error messages.
pub const ACCEPTED_COLUMNS: &str =
    "id, user id, user_id, userId, userName, user name, email, e-mail, email address, login";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error(
        "the file looks binary, not text ({detail}); expected a text file: a CSV (comma, semicolon or tab separated) or one user id or email per line"
    )]
    Binary { detail: String },
    #[error(
        "the file is UTF-16 ({order}); scimitar reads UTF-8 only: re-save it as UTF-8 (in Excel: Save As, \"CSV UTF-8\")"
    )]
    Utf16 { order: String },
    #[error(
        "the file is not UTF-8: byte 0x{byte:02X} at offset {offset} (line {line}) is not valid UTF-8 (Latin-1 or Windows-1252?); re-save it as UTF-8 (in Excel: Save As, \"CSV UTF-8\")"
    )]
    NotUtf8 {
        offset: usize,
        line: usize,
        byte: u8,
    },
    #[error(
        "no usable column: the headers found are {}; accepted column names (any case) are {ACCEPTED_COLUMNS}, or a file with a single column of ids or emails",
        quote_list(.headers)
    )]
    NoUsableColumn { headers: Vec<String> },
    #[error("{}", if *.header_only { "the file has a header but no rows" } else { "the file has no rows" })]
    NoRows { header_only: bool },
    #[error("could not read the CSV at line {line}: {message}")]
    Parse { line: usize, message: String },
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|h| format!("\"{h}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads an input file from its bytes.
pub fn read(bytes: &[u8]) -> Result<CsvInput, CsvError> {
    let text = crate::input::text::decode(bytes)?;
    let delimiter = detect_delimiter(text);
    let rows = records(text, delimiter)?;
    let Some((first_line, first)) = rows.first() else {
        return Err(CsvError::NoRows { header_only: false });
    };
    let _ = first_line;
    if let Some(cols) = find_columns(first) {
        let data = &rows[1..];
        if data.is_empty() {
            return Err(CsvError::NoRows { header_only: true });
        }
        let entries = data
            .iter()
            .map(|(line, row)| cols.entry(*line, row))
            .collect();
        return Ok(CsvInput {
            entries,
            delimiter,
            column: Some(cols.primary_name.clone()),
            fallback_column: cols.fallback.as_ref().map(|(_, n)| n.clone()),
        });
    }
    let widest = rows
        .iter()
        .map(|(_, r)| {
            r.iter()
                .rposition(|c| !c.trim().is_empty())
                .map_or(0, |i| i + 1)
        })
        .max()
        .unwrap_or(0);
    if widest > 1 {
        return Err(CsvError::NoUsableColumn {
            headers: first.iter().map(|h| clean_header(h)).collect(),
        });
    }
    let skip = usize::from(first_row_is_header(&rows));
    let data = &rows[skip..];
    if data.is_empty() {
        return Err(CsvError::NoRows { header_only: true });
    }
    let entries = data
        .iter()
        .map(|(line, row)| {
            let raw = row.first().cloned().unwrap_or_default();
            Entry {
                line: *line,
                key: Key::classify(&raw, ColumnKind::Any),
                raw,
            }
        })
        .collect();
    Ok(CsvInput {
        entries,
        delimiter,
        column: (skip == 1).then(|| {
            rows[0]
                .1
                .first()
                .map(|h| clean_header(h))
                .unwrap_or_default()
        }),
        fallback_column: None,
    })
}

/// Non-blank records with the line each starts on.
fn records(text: &str, delimiter: u8) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| CsvError::Parse {
            line: e.position().map_or(0, |p| line_at(text, p.byte())),
            message: e.to_string(),
        })?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let line = rec.position().map_or(0, |p| line_at(text, p.byte()));
        out.push((line, rec.iter().map(str::to_string).collect()));
    }
    Ok(out)
}

/// The line of the record starting at `byte`. The csv crate's own line counter skips blank
/// lines and does not count them as the file's lines, so lines are counted here from the byte offset; a record's
/// position may include the blank lines skipped before it, which are stepped over first.
fn line_at(text: &str, byte: u64) -> usize {
    let bytes = text.as_bytes();
    let mut at = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
        at += 1;
    }
    // A lone CR ends a line too (old Mac files), as it ends a record for the csv crate.
    1 + (0..at)
        .filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

/// Tab, semicolon or comma: whichever the first non-blank line has most of outside quotes
/// (ties favour tab, then semicolon, since commas also occur inside names). No delimiter at
/// all means one column; comma is as good as any then.
fn detect_delimiter(text: &str) -> u8 {
    let Some(line) = text.lines().find(|l| !l.trim().is_empty()) else {
        return b',';
    };
    let mut counts = [(b'\t', 0usize), (b';', 0), (b',', 0)];
    let mut quoted = false;
    for c in line.bytes() {
        if c == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if *d == c {
                    *n += 1;
                }
            }
        }
    }
    counts
        .iter()
        .fold(
            (b',', 0),
            |best, &(d, n)| if n > best.1 { (d, n) } else { best },
        )
        .0
}

fn clean_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}').trim().to_string()
}

/// Header name with case, spaces, `_`, `-` and `.` removed: "User ID", "user_id" and
/// "userId" all become "userid".
fn normalize_header(h: &str) -> String {
    clean_header(h)
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

const ID_HEADERS: [&str; 2] = ["userid", "id"];
const EMAIL_HEADERS: [&str; 5] = ["username", "email", "emailaddress", "login", "loginname"];

struct Columns {
    primary: usize,
    primary_name: String,
    primary_kind: ColumnKind,
    /// An email column consulted when the id cell is empty.
    fallback: Option<(usize, String)>,
}

/// Prefers an id column (the SCIM API needs ids; emails cost a lookup each), and keeps an
/// email column beside it for rows whose id is missing.
fn find_columns(header: &[String]) -> Option<Columns> {
    let find = |names: &[&str]| {
        names.iter().find_map(|n| {
            header
                .iter()
                .position(|h| normalize_header(h) == *n)
                .map(|i| (i, clean_header(&header[i])))
        })
    };
    let id = find(&ID_HEADERS);
    let email = find(&EMAIL_HEADERS);
    match (id, email) {
        (Some((i, name)), fallback) => Some(Columns {
            primary: i,
            primary_name: name,
            primary_kind: ColumnKind::Id,
            fallback,
        }),
        (None, Some((i, name))) => Some(Columns {
            primary: i,
            primary_name: name,
            primary_kind: ColumnKind::Email,
            fallback: None,
        }),
        (None, None) => None,
    }
}

impl Columns {
    fn entry(&self, line: usize, row: &[String]) -> Entry {
        let cell = |i: usize| row.get(i).map(String::as_str).unwrap_or("");
        let primary = cell(self.primary);
        if primary.trim().is_empty()
            && let Some((f, _)) = &self.fallback
            && !cell(*f).trim().is_empty()
        {
            return Entry {
                line,
                raw: cell(*f).to_string(),
                key: Key::classify(cell(*f), ColumnKind::Email),
            };
        }
        let key = if primary.trim().is_empty() {
            Key::Malformed {
                reason: format!("no value in column \"{}\"", self.primary_name),
            }
        } else {
            Key::classify(primary, self.primary_kind)
        };
        Entry {
            line,
            raw: primary.to_string(),
            key,
        }
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Shape {
    Known,
    Token,
    Junk,
}

fn shape(v: &str) -> Shape {
    let v = v.trim();
    match Key::classify(v, ColumnKind::Any) {
        Key::Email(_) => Shape::Known,
        Key::Id(_) if looks_like_guid(v) => Shape::Known,
        Key::Id(_) => Shape::Token,
        Key::Malformed { .. } => Shape::Junk,
    }
}

/// In a one-column file, row 1 is a header when it is not an id or email itself and does not
/// look like most of the rows below it ("Users" above a list of emails), so a plain list of
/// opaque ids keeps its first value.
fn first_row_is_header(rows: &[(usize, Vec<String>)]) -> bool {
    let cell = |r: &Vec<String>| r.first().cloned().unwrap_or_default();
    let Some((_, first)) = rows.first() else {
        return false;
    };
    let first = shape(&cell(first));
    if first == Shape::Known || rows.len() < 2 {
        return false;
    }
    let rest: Vec<Shape> = rows[1..].iter().map(|(_, r)| shape(&cell(r))).collect();
    let count = |s: Shape| rest.iter().filter(|x| **x == s).count();
    let majority = [Shape::Known, Shape::Token, Shape::Junk]
        .into_iter()
        .max_by_key(|s| count(*s))
        .unwrap_or(Shape::Known);
    majority != first
}
