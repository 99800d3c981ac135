//! `users list` output one user at a time, so `--all` never holds the tenant: JSON as one
//! array written as it goes, CSV, or a table of fixed column widths. Pages that arrive out
//! of order wait in a small reorder buffer so rows come out in server order.

use std::collections::BTreeMap;
use std::io::Write;

use crate::cli::ListFormat;
use crate::scim::model::User;
use crate::untrusted;

/// The table's columns and the widths the stream fixes for them (the last one is not
/// padded); a longer cell is cut with `…` as `untrusted::clip` cuts it.
const TABLE: [(&str, usize); 5] = [
    ("USERNAME", 40),
    ("NAME", 30),
    ("ACTIVE", 6),
    ("WORKSPACES", 10),
    ("EXTERNAL ID", super::users::MAX_COL),
];

pub(crate) use crate::export::CSV_HEADER;

/// Writes users one per call in a list format.
pub enum RowWriter<W: Write> {
    Json { out: W, rows: usize },
    Csv(Box<csv::Writer<W>>),
    Table(W),
}

impl<W: Write> RowWriter<W> {
    /// Writes what comes before the first user (the CSV and table headers).
    pub fn start(format: ListFormat, mut out: W) -> anyhow::Result<RowWriter<W>> {
        Ok(match format {
            ListFormat::Json => RowWriter::Json { out, rows: 0 },
            ListFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(CSV_HEADER)?;
                RowWriter::Csv(Box::new(w))
            }
            ListFormat::Table => {
                let header: Vec<String> = TABLE.iter().map(|(h, _)| (*h).to_string()).collect();
                write_table_line(&mut out, &header)?;
                RowWriter::Table(out)
            }
        })
    }

    pub fn user(&mut self, u: &User) -> anyhow::Result<()> {
        match self {
            RowWriter::Json { out, rows } => {
                out.write_all(if *rows == 0 { b"[\n" } else { b",\n" })?;
                *rows += 1;
                // Pretty, one level in: JSON strings hold no raw newline, so lines split safely.
                let mut one = Vec::with_capacity(1024);
                untrusted::write_json_pretty(&mut one, u)?;
                for (i, line) in one.split(|&b| b == b'\n').enumerate() {
                    if i > 0 {
                        out.write_all(b"\n")?;
                    }
                    out.write_all(b"  ")?;
                    out.write_all(line)?;
                }
            }
            RowWriter::Csv(w) => w.write_record(crate::export::csv_cells(u))?,
            RowWriter::Table(out) => {
                let cells = [
                    u.user_name.clone(),
                    u.full_name(),
                    if u.active { "yes" } else { "no" }.to_string(),
                    u.workspaces.len().to_string(),
                    u.external_id.clone().unwrap_or_default(),
                ];
                let cells: Vec<String> = cells
                    .iter()
                    .zip(TABLE)
                    .map(|(c, (_, w))| untrusted::clip(c, w))
                    .collect();
                write_table_line(out, &cells)?;
            }
        }
        Ok(())
    }

    /// Makes what was written so far reach the reader (after each page).
    pub fn flush(&mut self) -> std::io::Result<()> {
        match self {
            RowWriter::Json { out, .. } | RowWriter::Table(out) => out.flush(),
            RowWriter::Csv(w) => w.flush(),
        }
    }

    /// Writes what comes after the last user and flushes.
    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            RowWriter::Json { mut out, rows } => {
                out.write_all(if rows == 0 { b"[]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
            RowWriter::Csv(mut w) => w.flush()?,
            RowWriter::Table(mut out) => out.flush()?,
        }
        Ok(())
    }
}

/// One table line: cells padded to their column's width, the last unpadded, no trailing
/// blanks.
fn write_table_line(out: &mut impl Write, cells: &[String]) -> std::io::Result<()> {
    let mut s = String::new();
    for (i, (c, (_, w))) in cells.iter().zip(TABLE).enumerate() {
        if i + 1 == cells.len() {
            s.push_str(c);
        } else if i == 3 {
            // The workspace count, right-aligned.
            s.push_str(&" ".repeat(w.saturating_sub(untrusted::width(c))));
            s.push_str(c);
            s.push_str("  ");
        } else {
            s.push_str(&untrusted::pad(c, w));
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
