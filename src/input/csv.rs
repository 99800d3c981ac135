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
    /// Header of the column used when a row's cell is empty (an email beside an id).
    pub fallback_column: Option<String>,
    /// Which column was read, as what, and why: shown before anything is looked up.
    pub why: String,
}

pub use crate::input::error::{ACCEPTED_COLUMNS, CsvError};

/// How the caller names the column to read (`--column`, `--key`); by default it is detected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// A header name (any case), or a 1-based position (`1`) for a file without a header.
    pub column: Option<String>,
    /// What the column holds: `Id`, `Email`, `UserName` or `ExternalId`.
    pub key: Option<ColumnKind>,
}

/// Reads an input file from its bytes, detecting the column.
pub fn read(bytes: &[u8]) -> Result<CsvInput, CsvError> {
    read_with(bytes, &ReadOptions::default())
}

/// Reads an input file from its bytes, the column named by `opts` or detected.
pub fn read_with(bytes: &[u8], opts: &ReadOptions) -> Result<CsvInput, CsvError> {
    let text = crate::input::text::decode(bytes)?;
    let delimiter = detect_delimiter(text);
    let rows = records(text, delimiter)?;
    let Some((_, first)) = rows.first() else {
        return Err(CsvError::NoRows { header_only: false });
    };
    let headers: Vec<String> = first.iter().map(|h| clean_header(h)).collect();
    let widest = rows
        .iter()
        .map(|(_, r)| {
            r.iter()
                .rposition(|c| !c.trim().is_empty())
                .map_or(0, |i| i + 1)
        })
        .max()
        .unwrap_or(0);
    let cols = if let Some(wanted) = &opts.column {
        Some(named_column(wanted, opts.key, &rows, widest)?)
    } else {
        find_columns(first, opts.key, widest)?
    };
    if let Some(cols) = cols {
        let data = &rows[usize::from(cols.has_header)..];
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
            column: cols.has_header.then(|| cols.primary_name.clone()),
            fallback_column: cols.fallback.as_ref().map(|(_, n, _)| n.clone()),
            why: cols.why,
        });
    }
    if widest > 1 {
        return Err(CsvError::NoUsableColumn { headers });
    }
    let skip = usize::from(first_row_is_header(&rows, 0));
    let data = &rows[skip..];
    if data.is_empty() {
        return Err(CsvError::NoRows { header_only: true });
    }
    let kind = opts.key.unwrap_or(ColumnKind::Any);
    let entries = data
        .iter()
        .map(|(line, row)| {
            let raw = row.first().cloned().unwrap_or_default();
            Entry {
                line: *line,
                key: Key::classify(&raw, kind),
                raw,
            }
        })
        .collect();
    let column = (skip == 1).then(|| headers.first().cloned().unwrap_or_default());
    let why = match &column {
        Some(h) => format!("the file has one column, \"{h}\", read as {}", kind.label()),
        None => format!(
            "the file has one column and no header, read as {}",
            kind.label()
        ),
    };
    Ok(CsvInput {
        entries,
        delimiter,
        column,
        fallback_column: None,
        why,
    })
}

/// One column of a file, as the TUI's column picker shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnPreview {
    /// 1-based.
    pub position: usize,
    pub name: String,
    /// The first three values below the header.
    pub samples: Vec<String>,
    /// What its name says it holds, if scimitar knows the name.
    pub reads_as: Option<ColumnKind>,
}

/// Every column of the file's first row with its first values, for picking one by hand.
pub fn column_previews(bytes: &[u8]) -> Result<Vec<ColumnPreview>, CsvError> {
    let text = crate::input::text::decode(bytes)?;
    let rows = records(text, detect_delimiter(text))?;
    let Some((_, first)) = rows.first() else {
        return Err(CsvError::NoRows { header_only: false });
    };
    Ok(first
        .iter()
        .enumerate()
        .map(|(i, h)| ColumnPreview {
            position: i + 1,
            name: clean_header(h),
            samples: rows[1..]
                .iter()
                .take(3)
                .map(|(_, r)| r.get(i).cloned().unwrap_or_default())
                .collect(),
            reads_as: recognise(h).map(|(k, _)| k),
        })
        .collect())
}

/// Non-blank records with the line each starts on.
pub(crate) fn records(text: &str, delimiter: u8) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut lines = LineCounter::default();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| CsvError::Parse {
            line: e.position().map_or(0, |p| line_at(text, p.byte())),
            message: e.to_string(),
        })?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let line = rec.position().map_or(0, |p| lines.line_at(text, p.byte()));
        out.push((line, rec.iter().map(str::to_string).collect()));
    }
    Ok(out)
}

/// [`line_at`] for records in file order, counting each byte once: counting from the start
/// for every record made a 15,000-row file take minutes.
#[derive(Default)]
struct LineCounter {
    /// Line ends counted in `text[..counted_to]`.
    ends: usize,
    counted_to: usize,
}

impl LineCounter {
    fn line_at(&mut self, text: &str, byte: u64) -> usize {
        let bytes = text.as_bytes();
        let mut at = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        if at < self.counted_to {
            return line_at(text, byte);
        }
        self.ends += (self.counted_to..at)
            .filter(|&i| {
                bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
            })
            .count();
        self.counted_to = at;
        1 + self.ends
    }
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
pub(crate) fn detect_delimiter(text: &str) -> u8 {
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
pub(crate) fn normalize_header(h: &str) -> String {
    clean_header(h)
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Known header names (normalised) with what they hold and a rank: a lower rank wins within
/// a kind, so the names scimitar always knew keep their order; the HR names share a rank,
/// since "Work Email" beside "UPN" may hold different things and a person must choose.
const HEADERS: [(&str, ColumnKind, u8); 16] = [
    ("userid", ColumnKind::Id, 0),
    ("id", ColumnKind::Id, 1),
    ("scimid", ColumnKind::Id, 2),
    ("username", ColumnKind::Email, 0),
    ("email", ColumnKind::Email, 1),
    ("emailaddress", ColumnKind::Email, 2),
    ("login", ColumnKind::Email, 3),
    ("loginname", ColumnKind::Email, 4),
    ("workemail", ColumnKind::Email, 5),
    ("upn", ColumnKind::Email, 5),
    ("userprincipalname", ColumnKind::Email, 5),
    ("workemailaddress", ColumnKind::Email, 5),
    ("externalid", ColumnKind::ExternalId, 0),
    ("employeeid", ColumnKind::ExternalId, 0),
    ("employeenumber", ColumnKind::ExternalId, 0),
    ("workerid", ColumnKind::ExternalId, 0),
];

/// What a header's name says its column holds, with its rank.
fn recognise(header: &str) -> Option<(ColumnKind, u8)> {
    let n = normalize_header(header);
    HEADERS
        .iter()
        .find(|(name, _, _)| *name == n)
        .map(|(_, k, r)| (*k, *r))
}

/// Email and userName columns are one group: both are looked up by userName.
fn same_group(a: ColumnKind, b: ColumnKind) -> bool {
    let g = |k| match k {
        ColumnKind::UserName => ColumnKind::Email,
        k => k,
    };
    g(a) == g(b)
}

struct Columns {
    primary: usize,
    primary_name: String,
    primary_kind: ColumnKind,
    /// A column consulted when the primary cell is empty (an email beside an id).
    fallback: Option<(usize, String, ColumnKind)>,
    has_header: bool,
    /// Which column was taken and why, for the operator.
    why: String,
}

/// The best-ranked column of `kind` in `header`, or an error when two share that rank.
fn best_of(header: &[String], kind: ColumnKind) -> Result<Option<(usize, String)>, CsvError> {
    let found: Vec<(usize, u8)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            recognise(h)
                .filter(|(k, _)| same_group(*k, kind))
                .map(|(_, r)| (i, r))
        })
        .collect();
    let Some(best) = found.iter().map(|(_, r)| *r).min() else {
        return Ok(None);
    };
    let top: Vec<usize> = found
        .iter()
        .filter(|(_, r)| *r == best)
        .map(|(i, _)| *i)
        .collect();
    if top.len() > 1 {
        return Err(CsvError::AmbiguousColumn {
            candidates: top.iter().map(|i| clean_header(&header[*i])).collect(),
            what: kind.label().to_string(),
            headers: header.iter().map(|h| clean_header(h)).collect(),
        });
    }
    Ok(top.first().map(|i| (*i, clean_header(&header[*i]))))
}

const DETECT_ORDER: [ColumnKind; 3] = [ColumnKind::Id, ColumnKind::Email, ColumnKind::ExternalId];

/// Detects the column by its header: an id column first (the SCIM API needs ids; emails cost
/// a lookup each), then an email column, then an externalId column; the next kind present
/// is kept beside it for rows whose cell is empty. With `key`, only columns of that kind.
fn find_columns(
    header: &[String],
    key: Option<ColumnKind>,
    widest: usize,
) -> Result<Option<Columns>, CsvError> {
    if let Some(kind) = key {
        return Ok(match best_of(header, kind)? {
            Some((i, name)) => Some(Columns {
                why: format!(
                    "column \"{name}\" read as {}: --key asked for them and its name is one scimitar knows",
                    kind.label()
                ),
                primary: i,
                primary_name: name,
                primary_kind: kind,
                fallback: None,
                has_header: true,
            }),
            None if widest > 1 => {
                return Err(CsvError::NoUsableColumn {
                    headers: header.iter().map(|h| clean_header(h)).collect(),
                });
            }
            None => None,
        });
    }
    let mut found: Vec<(usize, String, ColumnKind)> = Vec::new();
    for kind in DETECT_ORDER {
        if let Some((i, name)) = best_of(header, kind)? {
            found.push((i, name, kind));
        }
    }
    let mut found = found.into_iter();
    let Some((primary, primary_name, primary_kind)) = found.next() else {
        return Ok(None);
    };
    let fallback = found.next();
    let mut why = format!(
        "column \"{primary_name}\" read as {}: its name is one scimitar knows for them",
        primary_kind.label()
    );
    if let Some((_, name, kind)) = &fallback {
        why.push_str(&format!(
            "; where it is empty, \"{name}\" is read as {}",
            kind.label()
        ));
    }
    Ok(Some(Columns {
        primary,
        primary_name,
        primary_kind,
        fallback,
        has_header: true,
        why,
    }))
}

/// The column `--column` names: a header (any case, spaces and `_` ignored) or a 1-based
/// position. By position, row 1 is a header when its cell is a known name or does not look
/// like the cells below it.
fn named_column(
    wanted: &str,
    key: Option<ColumnKind>,
    rows: &[(usize, Vec<String>)],
    widest: usize,
) -> Result<Columns, CsvError> {
    let header = rows.first().map(|(_, r)| r.as_slice()).unwrap_or(&[]);
    let headers: Vec<String> = header.iter().map(|h| clean_header(h)).collect();
    let w = wanted.trim();
    if !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) {
        let at = w.parse::<usize>().unwrap_or(0);
        if at == 0 || at > widest.max(1) {
            return Err(CsvError::NoSuchColumn {
                wanted: w.to_string(),
                headers,
                columns: widest.max(1),
            });
        }
        let i = at - 1;
        let cell = header.get(i).map(|h| clean_header(h)).unwrap_or_default();
        let known = recognise(&cell);
        let shape_kind = key.unwrap_or(ColumnKind::Any);
        let has_header = known.is_some()
            || (matches!(
                shape_kind,
                ColumnKind::Any | ColumnKind::Id | ColumnKind::Email
            ) && first_row_is_header(rows, i));
        let kind = key.or(known.map(|(k, _)| k)).unwrap_or(ColumnKind::Any);
        let why = if has_header {
            format!(
                "column {at} (\"{cell}\") read as {}: named with --column {at}{}",
                kind.label(),
                key_said(key)
            )
        } else {
            format!(
                "column {at} of a file without a header read as {}: named with --column {at}{}",
                kind.label(),
                key_said(key)
            )
        };
        return Ok(Columns {
            primary: i,
            primary_name: if has_header {
                cell
            } else {
                format!("column {at}")
            },
            primary_kind: kind,
            fallback: None,
            has_header,
            why,
        });
    }
    let i = headers
        .iter()
        .position(|h| h.eq_ignore_ascii_case(w))
        .or_else(|| {
            headers
                .iter()
                .position(|h| normalize_header(h) == normalize_header(w))
        })
        .ok_or_else(|| CsvError::NoSuchColumn {
            wanted: w.to_string(),
            headers: headers.clone(),
            columns: widest.max(1),
        })?;
    let name = headers[i].clone();
    let kind = key
        .or(recognise(&name).map(|(k, _)| k))
        .unwrap_or(ColumnKind::Any);
    Ok(Columns {
        why: format!(
            "column \"{name}\" read as {}: named with --column{}",
            kind.label(),
            key_said(key)
        ),
        primary: i,
        primary_name: name,
        primary_kind: kind,
        fallback: None,
        has_header: true,
    })
}

fn key_said(key: Option<ColumnKind>) -> &'static str {
    match key {
        Some(_) => " and --key",
        None => "",
    }
}

impl Columns {
    fn entry(&self, line: usize, row: &[String]) -> Entry {
        let cell = |i: usize| row.get(i).map(String::as_str).unwrap_or("");
        let primary = cell(self.primary);
        if primary.trim().is_empty()
            && let Some((f, _, kind)) = &self.fallback
            && !cell(*f).trim().is_empty()
        {
            return Entry {
                line,
                raw: cell(*f).to_string(),
                key: Key::classify(cell(*f), *kind),
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
        Key::Id(_) | Key::ExternalId(_) => Shape::Token,
        Key::Malformed { .. } => Shape::Junk,
    }
}

/// In a one-column file (or the column picked by position), row 1 is a header when it is not an id or email itself and does not
/// look like most of the rows below it ("Users" above a list of emails), so a plain list of
/// opaque ids keeps its first value.
fn first_row_is_header(rows: &[(usize, Vec<String>)], column: usize) -> bool {
    let cell = |r: &Vec<String>| r.get(column).cloned().unwrap_or_default();
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

#[cfg(test)]
mod line_tests {
    use super::*;

    #[test]
    fn lines_counted_once_in_file_order_are_the_lines_counted_from_the_start() {
        let text = "a,b\r\n\r\nc,\"d\ne\"\n\n\rf\rg,h\r\n\"i\r\nj\",k\n";
        let mut rdr = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut counter = LineCounter::default();
        let mut seen = Vec::new();
        for rec in rdr.records() {
            let byte = rec.unwrap().position().unwrap().byte();
            let want = line_at(text, byte);
            assert_eq!(counter.line_at(text, byte), want, "record at byte {byte}");
            seen.push(want);
        }
        assert_eq!(seen, [1, 3, 7, 8, 9]);
    }
}
