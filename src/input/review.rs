//! The access review file: written one row per user and workspace for reviewers to fill in
//! a spreadsheet (UTF-8 with BOM, CRLF, formula cells neutralised), and read back whatever
//! the spreadsheet did to it (columns by header name, re-quoting, BOM kept or dropped, CRLF
//! or LF), with every row checked before anything is planned.
//!
//! For the TUI's review screen: [`ReviewWriter::write_workspace_members`] saves one
//! workspace's members (with the decisions made so far) for someone else to finish, and
//! [`crate::plan::review::parse_decision`] reads a decision as the file does.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;

use crate::input::csv::{CsvError, detect_delimiter, normalize_header, records};
use crate::plan::review::{ACCEPTED_DECISIONS, Decision, ReviewDecision, parse_decision};
use crate::scim::client::{LastLogin, LastLogins};
use crate::scim::model::{User, Workspace};
use crate::untrusted;

/// The columns, in the order written; read back by name (any case, spaces ignored).
pub const COLUMNS: [&str; 8] = [
    "decision",
    "userName",
    "displayName",
    "active",
    "lastLogin",
    "workspaceName",
    "workspaceId",
    "userId",
];

/// Starts the comment row: a spreadsheet keeps it as the first cell of the first line.
const MARK: &str = "# scimitar access review";

/// What the comment row above the header states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewHeader {
    /// The tenant identity the review was exported from (`tenant_label`).
    pub tenant: String,
    /// When, RFC 3339.
    pub exported: String,
    /// The workspace ids exported (`None`: every workspace).
    pub scope: Option<Vec<String>>,
}

impl ReviewHeader {
    /// The comment row's one cell. No commas, so no spreadsheet splits it.
    fn comment(&self) -> String {
        let scope = match &self.scope {
            None => "all".to_string(),
            Some(ids) => ids.join(" "),
        };
        format!(
            "{MARK} | tenant: {} | exported: {} | decisions: keep / revoke / disable (k / r / d; empty means keep; disable = disable the user) | workspaces: {scope}",
            untrusted::line(&self.tenant).replace('|', "/"),
            self.exported
        )
    }

    /// Reads the comment row's text back; `None` when it is not one.
    fn parse(text: &str) -> Option<ReviewHeader> {
        let text = text.trim().trim_start_matches('\u{feff}').trim();
        let rest = text.strip_prefix(MARK)?;
        let field = |name: &str| {
            rest.split(" | ")
                .find_map(|p| p.trim().strip_prefix(name).map(|v| v.trim().to_string()))
        };
        let scope = field("workspaces:").filter(|s| s != "all").map(|s| {
            s.split_whitespace()
                .map(str::to_string)
                .collect::<Vec<String>>()
        });
        Some(ReviewHeader {
            tenant: field("tenant:")?,
            exported: field("exported:").unwrap_or_default(),
            scope,
        })
    }
}

/// Writes a review file: BOM, the comment row, the header, then rows.
pub struct ReviewWriter<W: Write> {
    csv: csv::Writer<W>,
    rows: usize,
}

impl<W: Write> ReviewWriter<W> {
    pub fn start(mut out: W, header: &ReviewHeader) -> std::io::Result<ReviewWriter<W>> {
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut csv = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        csv.write_record([header.comment()])?;
        csv.write_record(COLUMNS)?;
        Ok(ReviewWriter { csv, rows: 0 })
    }

    /// Rows for one workspace's members, one each, every cell neutralised. `logins` gives
    /// the last-login column (`unavailable` without it); `decision` pre-fills the decision
    /// column (the TUI saving a review half done), `None` leaves it empty for the reviewer.
    pub fn write_workspace_members(
        &mut self,
        workspace: &Workspace,
        members: &[User],
        logins: Option<&LastLogins>,
        decision: impl Fn(&User) -> Option<Decision>,
    ) -> std::io::Result<()> {
        for u in members {
            let login = match logins.map(|l| l.get(&u.id)) {
                Some(LastLogin::At { at }) => at,
                Some(other) => other.state().to_string(),
                None => "unavailable".to_string(),
            };
            let d = decision(u).map_or("", Decision::as_str);
            let full_name = u.full_name();
            let name = if workspace.name.is_empty() {
                &workspace.id
            } else {
                &workspace.name
            };
            let cells = [
                d,
                &u.user_name,
                &full_name,
                if u.active { "true" } else { "false" },
                &login,
                name,
                &workspace.id,
                &u.id,
            ]
            .map(untrusted::csv_cell);
            self.csv.write_record(cells.iter().map(|c| c.as_ref()))?;
            self.rows += 1;
        }
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn finish(self) -> std::io::Result<W> {
        self.csv.into_inner().map_err(|e| e.into_error())
    }
}

/// A row of a filled-in review, as read (cells trimmed, neutralising `'` taken off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub line: usize,
    pub decision: Decision,
    pub user_name: String,
    pub workspace_name: String,
    pub workspace_id: String,
    pub user_id: String,
}

impl ReviewRow {
    pub fn decision(&self) -> ReviewDecision {
        ReviewDecision {
            user_id: self.user_id.clone(),
            workspace_id: self.workspace_id.clone(),
            decision: self.decision,
        }
    }
}

/// A filled-in review file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFile {
    pub header: ReviewHeader,
    /// The line of the comment row.
    pub header_line: usize,
    pub rows: Vec<ReviewRow>,
}

impl ReviewFile {
    /// The workspace ids (lowercase) each user (lowercase id) had rows for.
    pub fn exported(&self) -> HashMap<String, BTreeSet<String>> {
        let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
        for r in &self.rows {
            out.entry(r.user_id.to_ascii_lowercase())
                .or_default()
                .insert(r.workspace_id.to_ascii_lowercase());
        }
        out
    }

    /// The export's workspace scope, lowercase (`None`: every workspace).
    pub fn scope(&self) -> Option<BTreeSet<String>> {
        self.header
            .scope
            .as_ref()
            .map(|s| s.iter().map(|i| i.to_ascii_lowercase()).collect())
    }

    pub fn decisions(&self) -> Vec<ReviewDecision> {
        self.rows.iter().map(ReviewRow::decision).collect()
    }
}

/// Something wrong on one line, as the refusal names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReviewError {
    #[error(transparent)]
    Text(#[from] CsvError),
    #[error(
        "not a review file: its first row is not the `{MARK} | tenant: ...` comment row that `scimitar review export` writes; export the review again and fill that file in"
    )]
    NoComment,
    #[error(
        "the review file has no column {}: the headers found are {}; the columns are {}",
        .missing.join(", "),
        .headers.join(", "),
        COLUMNS.join(", ")
    )]
    Columns {
        missing: Vec<String>,
        headers: Vec<String>,
    },
    #[error("the review file has no rows")]
    Empty,
    #[error("{} row(s) of the review file refused:\n{}", .0.len(), lines(.0))]
    Rows(Vec<Problem>),
}

fn lines(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A cell as written: `'` taken off a neutralised formula cell, spaces trimmed.
fn cell(s: &str) -> String {
    let s = s.trim();
    match s.strip_prefix('\'') {
        Some(rest) if untrusted::neutralise(rest) != rest => rest.to_string(),
        _ => s.to_string(),
    }
}

/// The text after the comment rows: the delimiter is detected from the header.
fn after_comment(text: &str) -> &str {
    let mut at = 0;
    for l in text.split_inclusive('\n') {
        let t = l
            .trim_start_matches('\u{feff}')
            .trim_start_matches('"')
            .trim();
        if !t.starts_with('#') && !t.is_empty() {
            break;
        }
        at += l.len();
    }
    &text[at..]
}

/// Reads a filled-in review and checks what the file alone can tell: the comment row, the
/// columns, every decision, duplicate rows, and that a workspace id and its name pair the
/// same way on every row. Every problem is named with its line.
pub fn read_review(bytes: &[u8]) -> Result<ReviewFile, ReviewError> {
    let text = crate::input::text::decode(bytes)?;
    let delimiter = detect_delimiter(after_comment(text));
    let all = records(text, delimiter)?;
    let mut it = all.into_iter();
    let (header_line, comment) = it.next().ok_or(ReviewError::NoComment)?;
    // A spreadsheet may pad the row with empty cells, or split it at a delimiter.
    let joined = comment.join(",");
    let header = ReviewHeader::parse(joined.trim_end_matches(',')).ok_or(ReviewError::NoComment)?;
    let (_, names) = it.next().ok_or(ReviewError::Empty)?;
    let found: Vec<String> = names.iter().map(|n| normalize_header(n)).collect();
    let col = |name: &str| found.iter().position(|f| *f == normalize_header(name));
    let wanted = [
        "decision",
        "userName",
        "workspaceName",
        "workspaceId",
        "userId",
    ];
    let missing: Vec<String> = wanted
        .iter()
        .filter(|w| col(w).is_none())
        .map(|w| (*w).to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ReviewError::Columns {
            missing,
            headers: names.iter().map(|n| format!("`{}`", n.trim())).collect(),
        });
    }
    let at: Vec<usize> = wanted.iter().filter_map(|w| col(w)).collect();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (line, cells) in it {
        let get = |i: usize| cells.get(at[i]).map(|c| cell(c)).unwrap_or_default();
        let raw = cells.get(at[0]).map(|c| c.trim()).unwrap_or_default();
        let Some(decision) = parse_decision(raw) else {
            problems.push(Problem {
                line,
                message: format!(
                    "unknown decision `{}`; accepted: {ACCEPTED_DECISIONS}",
                    untrusted::clip(raw, 60)
                ),
            });
            continue;
        };
        let row = ReviewRow {
            line,
            decision,
            user_name: get(1),
            workspace_name: get(2),
            workspace_id: get(3),
            user_id: get(4),
        };
        if row.user_id.is_empty() || row.workspace_id.is_empty() {
            problems.push(Problem {
                line,
                message: "the userId or workspaceId cell is empty".into(),
            });
            continue;
        }
        rows.push(row);
    }
    problems.extend(duplicates(&rows));
    problems.extend(workspace_pairs(&rows));
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(ReviewError::Rows(problems));
    }
    if rows.is_empty() {
        return Err(ReviewError::Empty);
    }
    Ok(ReviewFile {
        header,
        header_line,
        rows,
    })
}

/// A second row for the same user and workspace: two reviewers' answers, or a pasted row.
fn duplicates(rows: &[ReviewRow]) -> Vec<Problem> {
    let mut first: HashMap<(String, String), usize> = HashMap::new();
    let mut out = Vec::new();
    for r in rows {
        let key = (
            r.user_id.to_ascii_lowercase(),
            r.workspace_id.to_ascii_lowercase(),
        );
        match first.get(&key) {
            Some(l) => out.push(Problem {
                line: r.line,
                message: format!(
                    "duplicate row: user {} and workspace {} are already on line {l}",
                    untrusted::clip(&r.user_id, 60),
                    untrusted::clip(&r.workspace_id, 60)
                ),
            }),
            None => {
                first.insert(key, r.line);
            }
        }
    }
    out
}

/// Every workspace id goes with one name across the file, and every name with one id: an
/// edited id shows as a row that pairs them differently from the others.
fn workspace_pairs(rows: &[ReviewRow]) -> Vec<Problem> {
    let mut by_id: HashMap<String, (&str, usize)> = HashMap::new();
    let mut by_name: HashMap<&str, (&str, usize)> = HashMap::new();
    let mut out = Vec::new();
    for r in rows {
        let id = r.workspace_id.to_ascii_lowercase();
        let (name, first) = *by_id.entry(id).or_insert((&r.workspace_name, r.line));
        if name != r.workspace_name {
            out.push(Problem {
                line: r.line,
                message: format!(
                    "workspace id {} is named `{}` here but `{}` on line {first}: the id or the name was edited",
                    untrusted::clip(&r.workspace_id, 60),
                    untrusted::clip(&r.workspace_name, 80),
                    untrusted::clip(name, 80)
                ),
            });
            continue;
        }
        let (wid, first) = *by_name
            .entry(&r.workspace_name)
            .or_insert((&r.workspace_id, r.line));
        if !wid.eq_ignore_ascii_case(&r.workspace_id) {
            out.push(Problem {
                line: r.line,
                message: format!(
                    "workspace `{}` has id {} here but {} on line {first}: the id was edited",
                    untrusted::clip(&r.workspace_name, 80),
                    untrusted::clip(&r.workspace_id, 60),
                    untrusted::clip(wid, 60)
                ),
            });
        }
    }
    out
}

/// Checks a review against the tenant it is applied to: the comment row's tenant, and on
/// every row that the user id is a user of this tenant whose userName is the row's, and that
/// the workspace id is one the tenant knows. `users` and `workspaces` are keyed by lowercase
/// id. Every problem is named with its line.
pub fn check_against(
    file: &ReviewFile,
    tenant: &str,
    users: &HashMap<String, &User>,
    workspaces: &HashMap<String, String>,
) -> Vec<Problem> {
    let mut out = Vec::new();
    if file.header.tenant != untrusted::line(tenant).replace('|', "/") {
        out.push(Problem {
            line: file.header_line,
            message: format!(
                "the review was exported from tenant `{}`, but this connection is to `{}`",
                untrusted::clip(&file.header.tenant, 120),
                untrusted::clip(tenant, 120)
            ),
        });
    }
    for r in &file.rows {
        let Some(u) = users.get(&r.user_id.to_ascii_lowercase()) else {
            out.push(Problem {
                line: r.line,
                message: format!(
                    "no user has id {} in this tenant (the id was edited, or the user was deleted since the export)",
                    untrusted::clip(&r.user_id, 60)
                ),
            });
            continue;
        };
        // As exported: neutralised, then read back with the `'` taken off.
        let same_name = r.user_name.eq_ignore_ascii_case(&u.user_name)
            || r.user_name == cell(&untrusted::csv_cell(&u.user_name));
        if !same_name {
            out.push(Problem {
                line: r.line,
                message: format!(
                    "userName `{}` does not belong to user id {} (whose userName is `{}`): the userName or the id was edited",
                    untrusted::clip(&r.user_name, 100),
                    untrusted::clip(&r.user_id, 60),
                    untrusted::clip(&u.user_name, 100)
                ),
            });
        }
        if !workspaces.contains_key(&r.workspace_id.to_ascii_lowercase()) {
            out.push(Problem {
                line: r.line,
                message: format!(
                    "no workspace has id {} in this tenant (the id was edited, or the workspace was deleted since the export)",
                    untrusted::clip(&r.workspace_id, 60)
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, name: &str) -> User {
        User {
            id: id.into(),
            user_name: name.into(),
            external_id: None,
            active: true,
            given_name: Some("Ann".into()),
            family_name: Some("Lee".into()),
            display_name: None,
            workspaces: Vec::new(),
            created: None,
            last_modified: None,
        }
    }

    fn export() -> Vec<u8> {
        let header = ReviewHeader {
            tenant: "customer C-1".into(),
            exported: "2026-12-03T10:00:00Z".into(),
            scope: None,
        };
        let mut w = ReviewWriter::start(Vec::new(), &header).unwrap();
        let ws = Workspace {
            id: "w1".into(),
            name: "=Sales".into(),
        };
        let members = [user("u1", "ann@x.example"), user("u2", "-bob@x.example")];
        w.write_workspace_members(&ws, &members, None, |_| None)
            .unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn the_file_opens_in_a_spreadsheet_as_it_is_and_reads_back() {
        let bytes = export();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF# scimitar access review | tenant: customer C-1"));
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains(",'=Sales,"), "{text}");
        assert_eq!(text.matches("\r\n").count(), text.matches('\n').count());
        let f = read_review(&bytes).unwrap();
        assert_eq!(f.header.tenant, "customer C-1");
        assert_eq!(f.rows.len(), 2);
        assert_eq!(f.rows[1].user_name, "-bob@x.example");
        assert_eq!(f.rows[1].workspace_name, "=Sales");
        assert_eq!(f.rows[1].line, 4);
    }

    #[test]
    fn a_spreadsheets_requoting_and_reordered_columns_read_the_same() {
        let text = "\"# scimitar access review | tenant: customer C-1 | exported: x | workspaces: all\",\"\",\"\"\n\
            \"User ID\",\"Decision\",\"userName\",\"workspace id\",\"Workspace Name\"\n\
            \"u1\",\"R\",\"ann@x.example\",\"w1\",\"Sales\"\n";
        let f = read_review(text.as_bytes()).unwrap();
        assert_eq!(f.rows[0].decision, Decision::Revoke);
        assert_eq!(f.rows[0].user_id, "u1");
        assert_eq!(f.rows[0].workspace_id, "w1");
        assert_eq!(f.rows[0].line, 3);
    }

    #[test]
    fn unknown_decisions_and_duplicates_are_refused_naming_the_line() {
        let text = "# scimitar access review | tenant: t | exported: x\r\n\
            decision,userName,workspaceName,workspaceId,userId\r\n\
            keep,a@x,S,w1,u1\r\n\
            maybe,b@x,S,w1,u2\r\n\
            k,a@x,S,w1,u1\r\n";
        let err = read_review(text.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("line 4: unknown decision `maybe`"), "{err}");
        assert!(err.contains("line 5: duplicate row"), "{err}");
        assert!(err.contains("already on line 3"), "{err}");
    }

    #[test]
    fn a_file_without_the_comment_row_is_not_a_review() {
        let text = "decision,userName,workspaceName,workspaceId,userId\nkeep,a@x,S,w1,u1\n";
        assert_eq!(read_review(text.as_bytes()), Err(ReviewError::NoComment));
    }

    #[test]
    fn rows_that_disagree_with_the_tenant_are_named() {
        let f = read_review(&export()).unwrap();
        let (a, b) = (user("u1", "ann@x.example"), user("u2", "carl@x.example"));
        let users: HashMap<String, &User> = [("u1".to_string(), &a), ("u2".to_string(), &b)].into();
        let ws: HashMap<String, String> = [("w1".to_string(), "Sales".to_string())].into();
        let p = check_against(&f, "customer C-1", &users, &ws);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].line, 4);
        let p = check_against(&f, "customer C-2", &users, &HashMap::new());
        assert_eq!(p[0].line, 1);
        assert!(p[0].message.contains("customer C-2"));
        assert_eq!(p.len(), 4);
    }
}
