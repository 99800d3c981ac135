//! `users list` output one user at a time, so `--all` never holds the tenant: JSON as one
//! array written as it goes, CSV, or a table of fixed column widths. Pages that arrive out
//! of order wait in a small reorder buffer so rows come out in server order.

use std::collections::BTreeMap;
use std::io::Write;

use crate::cli::ListFormat;
use crate::scim::client::LastLogin;
use crate::scim::model::User;
use crate::untrusted;

/// Widest a name column gets in `user show` and `users list --format table`; longer names end
/// with `…` (the JSON and CSV formats carry them whole).
pub(crate) const MAX_COL: usize = 60;

/// A user with its last login, as `user show` and `users list --last-login` print it in JSON.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Shown<'a> {
    #[serde(flatten)]
    pub(crate) user: &'a User,
    pub(crate) last_login: LastLogin,
}

/// The table's columns and the widths the stream fixes for them (the last one is not
/// padded); a longer cell is cut with `…` as `untrusted::clip` cuts it.
const TABLE: [(&str, usize); 5] = [
    ("USERNAME", 40),
    ("NAME", 30),
    ("ACTIVE", 6),
    ("WORKSPACES", 10),
    ("EXTERNAL ID", MAX_COL),
];

/// The column added before the external id with last logins (`2026-03-01 09:14 UTC`).
const LAST_LOGIN: (&str, usize) = ("LAST LOGIN", 20);

/// The table column that is right-aligned (the workspace count).
const RIGHT: usize = 3;

pub(crate) use crate::export::CSV_HEADER;

/// Writes users one per call in a list format, with a last-login column when started with
/// one: `lastLogin` in JSON, `last login` in CSV (RFC 3339, `never` or `unavailable`) and
/// `LAST LOGIN` in the table.
pub struct RowWriter<W: Write> {
    sink: Sink<W>,
    logins: bool,
    /// The CSV or table header is written with the first row (or at the end when there is
    /// none), so a listing that fails before its first page leaves stdout empty.
    header_due: bool,
}

enum Sink<W: Write> {
    Json { out: W, rows: usize },
    Csv(Box<csv::Writer<W>>),
    Table(W),
}

/// The table's columns, with or without the last login.
fn table_columns(logins: bool) -> Vec<(&'static str, usize)> {
    let mut cols = TABLE.to_vec();
    if logins {
        cols.insert(TABLE.len() - 1, LAST_LOGIN);
    }
    cols
}

impl<W: Write> RowWriter<W> {
    /// Writes what comes before the first user (the CSV and table headers).
    pub fn start(format: ListFormat, out: W) -> anyhow::Result<RowWriter<W>> {
        RowWriter::start_with(format, false, out)
    }

    /// As [`RowWriter::start`], with the last-login column when `logins`.
    pub fn start_with(format: ListFormat, logins: bool, out: W) -> anyhow::Result<RowWriter<W>> {
        let sink = match format {
            ListFormat::Json => Sink::Json { out, rows: 0 },
            ListFormat::Csv => Sink::Csv(Box::new(csv::Writer::from_writer(out))),
            ListFormat::Table => Sink::Table(out),
        };
        Ok(RowWriter {
            header_due: !matches!(sink, Sink::Json { .. }),
            sink,
            logins,
        })
    }

    fn header(&mut self) -> anyhow::Result<()> {
        if !std::mem::take(&mut self.header_due) {
            return Ok(());
        }
        match &mut self.sink {
            Sink::Json { .. } => {}
            Sink::Csv(w) => {
                let mut header = CSV_HEADER.to_vec();
                if self.logins {
                    header.push("last login");
                }
                w.write_record(header)?;
            }
            Sink::Table(out) => {
                let cols = table_columns(self.logins);
                let header: Vec<String> = cols.iter().map(|(h, _)| (*h).to_string()).collect();
                write_table_line(out, &cols, &header)?;
            }
        }
        Ok(())
    }

    pub fn user(&mut self, u: &User) -> anyhow::Result<()> {
        self.row(u, None)
    }

    /// One user, with its last login when the writer has the column (`None` there is
    /// written as unavailable).
    pub fn row(&mut self, u: &User, login: Option<LastLogin>) -> anyhow::Result<()> {
        self.header()?;
        let login = self.logins.then(|| {
            login.unwrap_or(LastLogin::Unavailable {
                reason: crate::scim::client::UNAVAILABLE.into(),
            })
        });
        match &mut self.sink {
            Sink::Json { out, rows } => {
                out.write_all(if *rows == 0 { b"[\n" } else { b",\n" })?;
                *rows += 1;
                // Pretty, one level in: JSON strings hold no raw newline, so lines split safely.
                let mut one = Vec::with_capacity(1024);
                match login {
                    Some(last_login) => {
                        let shown = Shown {
                            user: u,
                            last_login,
                        };
                        untrusted::write_json_pretty(&mut one, &shown)?;
                    }
                    None => untrusted::write_json_pretty(&mut one, u)?,
                }
                for (i, line) in one.split(|&b| b == b'\n').enumerate() {
                    if i > 0 {
                        out.write_all(b"\n")?;
                    }
                    out.write_all(b"  ")?;
                    out.write_all(line)?;
                }
            }
            Sink::Csv(w) => write_csv_row(w, u, login.as_ref())?,
            Sink::Table(out) => {
                let mut cells = vec![
                    u.user_name.clone(),
                    u.full_name(),
                    if u.active { "yes" } else { "no" }.to_string(),
                    u.workspaces.len().to_string(),
                ];
                if let Some(l) = &login {
                    cells.push(l.cell());
                }
                cells.push(u.external_id.clone().unwrap_or_default());
                let cols = table_columns(self.logins);
                let cells: Vec<String> = cells
                    .iter()
                    .zip(&cols)
                    .map(|(c, (_, w))| untrusted::clip(c, *w))
                    .collect();
                write_table_line(out, &cols, &cells)?;
            }
        }
        Ok(())
    }

    /// Makes what was written so far reach the reader (after each page).
    pub fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Json { out, .. } | Sink::Table(out) => out.flush(),
            Sink::Csv(w) => w.flush(),
        }
    }

    /// Writes what comes after the last user and flushes.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.header()?;
        match self.sink {
            Sink::Json { mut out, rows } => {
                out.write_all(if rows == 0 { b"[]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
            Sink::Csv(mut w) => w.flush()?,
            Sink::Table(mut out) => out.flush()?,
        }
        Ok(())
    }
}

fn write_csv_row<W: Write>(
    w: &mut csv::Writer<W>,
    u: &User,
    login: Option<&LastLogin>,
) -> anyhow::Result<()> {
    let login = login.map(|l| match l {
        LastLogin::At { at } => at.as_str(),
        other => other.state(),
    });
    // The same cells the TUI's export writes.
    let cells = crate::export::csv_cells(u);
    let last = login.map(untrusted::csv_cell);
    w.write_record(cells.iter().map(String::as_str).chain(last.as_deref()))?;
    Ok(())
}

/// One table line: cells padded to their column's width, the last unpadded, no trailing
/// blanks.
fn write_table_line(
    out: &mut impl Write,
    cols: &[(&str, usize)],
    cells: &[String],
) -> std::io::Result<()> {
    let mut s = String::new();
    for (i, (c, (_, w))) in cells.iter().zip(cols).enumerate() {
        if i + 1 == cells.len() {
            s.push_str(c);
        } else if i == RIGHT {
            s.push_str(&" ".repeat(w.saturating_sub(untrusted::width(c))));
            s.push_str(c);
            s.push_str("  ");
        } else {
            s.push_str(&untrusted::pad(c, *w));
            s.push_str("  ");
        }
    }
    writeln!(out, "{}", s.trim_end())
}

/// Pages handed over in completion order, given back in server order: a page waits only
/// until the pages before it have come.
pub struct Reorder {
    next: u64,
    step: u64,
    held: BTreeMap<u64, Vec<User>>,
}

impl Reorder {
    /// Pages of `page_size` users starting at startIndex 1.
    pub fn new(page_size: u32) -> Reorder {
        Reorder {
            next: 1,
            step: u64::from(page_size.max(1)),
            held: BTreeMap::new(),
        }
    }

    /// Takes the page at `start`; returns the pages now due, in order.
    pub fn push(&mut self, start: u64, users: Vec<User>) -> Vec<Vec<User>> {
        self.held.insert(start, users);
        let mut due = Vec::new();
        while let Some(users) = self.held.remove(&self.next) {
            due.push(users);
            self.next += self.step;
        }
        due
    }

    /// Pages still held when the walk ends (after a gap the server left), in order.
    pub fn rest(self) -> impl Iterator<Item = Vec<User>> {
        self.held.into_values()
    }

    /// Pages waiting for an earlier one.
    pub fn held(&self) -> usize {
        self.held.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::testing::fixture_users;

    fn written(format: ListFormat, users: &[User]) -> String {
        let mut out = Vec::new();
        let mut w = RowWriter::start(format, &mut out).expect("start");
        for u in users {
            w.user(u).expect("row");
        }
        w.finish().expect("finish");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn json_is_the_same_array_as_one_written_whole() {
        let users = fixture_users();
        let mut whole = Vec::new();
        untrusted::write_json_pretty(&mut whole, &users).expect("json");
        whole.push(b'\n');
        assert_eq!(written(ListFormat::Json, &users).as_bytes(), whole);
        assert_eq!(written(ListFormat::Json, &[]), "[]\n");
    }

    #[test]
    fn csv_is_the_file_the_tui_exports() {
        let mut users = fixture_users();
        users[0].family_name = Some("@SUM(A1)".into());
        let mut tui = Vec::new();
        crate::export::write_users_csv(&mut tui, &users).expect("export");
        let text = written(ListFormat::Csv, &users);
        assert_eq!(text.as_bytes(), tui);
        assert!(text.starts_with("id,userName,externalId,active,givenName,familyName,"));
        assert!(text.contains(",'@SUM(A1),"), "{text}");
    }

    #[test]
    fn table_columns_are_fixed_and_long_cells_cut() {
        let mut users = fixture_users();
        users[0].user_name = format!("{}@example.com", "x".repeat(80));
        let text = written(ListFormat::Table, &users);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), users.len() + 1);
        assert!(lines[0].starts_with("USERNAME"));
        assert!(lines[1].contains('…'), "{}", lines[1]);
        // The NAME column starts at the same place on every line (these lines are ASCII).
        assert!(lines[0][42..].starts_with("NAME  "), "{}", lines[0]);
        assert!(lines[2][42..].starts_with("Bob Baker  "), "{}", lines[2]);
    }

    #[test]
    fn nothing_is_written_before_the_first_row_and_an_empty_list_still_has_its_header() {
        for format in [ListFormat::Csv, ListFormat::Table, ListFormat::Json] {
            let mut out = Vec::new();
            drop(RowWriter::start_with(format, true, &mut out).expect("start"));
            assert!(
                out.is_empty(),
                "{format:?}: a listing that failed writes nothing"
            );
        }
        assert_eq!(
            written(ListFormat::Csv, &[]).trim_end(),
            CSV_HEADER.join(",")
        );
        assert!(written(ListFormat::Table, &[]).starts_with("USERNAME"));
    }

    #[test]
    fn the_last_login_column_comes_before_the_external_id() {
        let users = fixture_users();
        let mut out = Vec::new();
        let mut w = RowWriter::start_with(ListFormat::Csv, true, &mut out).expect("start");
        w.row(&users[0], Some(LastLogin::Never)).expect("row");
        w.row(&users[1], None).expect("row");
        w.finish().expect("finish");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with(",last login"), "{}", lines[0]);
        assert!(lines[1].ends_with(",never"), "{}", lines[1]);
        assert!(lines[2].ends_with(",unavailable"), "{}", lines[2]);
        let mut out = Vec::new();
        let mut w = RowWriter::start_with(ListFormat::Table, true, &mut out).expect("start");
        w.row(&users[0], Some(LastLogin::Never)).expect("row");
        w.finish().expect("finish");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        let col = lines[0].find("LAST LOGIN").expect("the column");
        assert_eq!(lines[0].find("EXTERNAL ID"), Some(col + 22), "{}", lines[0]);
        assert_eq!(lines[1].get(col..col + 5), Some("never"), "{}", lines[1]);
    }

    #[test]
    fn pages_come_back_in_server_order() {
        let u = |id: &str| {
            let mut x = fixture_users()[0].clone();
            x.id = id.into();
            x
        };
        let mut r = Reorder::new(2);
        assert!(r.push(3, vec![u("c"), u("d")]).is_empty());
        assert_eq!(r.held(), 1);
        let due = r.push(1, vec![u("a"), u("b")]);
        let ids: Vec<String> = due.into_iter().flatten().map(|x| x.id).collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
        assert!(r.push(7, vec![u("g")]).is_empty());
        let rest: Vec<String> = r.rest().flatten().map(|x| x.id).collect();
        assert_eq!(rest, ["g"]);
    }
}
