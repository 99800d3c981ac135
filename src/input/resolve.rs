//! Turning input entries into tenant users, and the row-by-row report the operator sees (and
//! can save) before any change is planned.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::input::csv::CsvInput;
use crate::input::key::Key;
use crate::scim::ScimError;
use crate::scim::model::{MAX_WORKSPACES_PER_REQUEST, User};

/// Keys per lookup call: keeps each OR-filter URL well under proxy and server limits.
pub const LOOKUP_CHUNK: usize = MAX_WORKSPACES_PER_REQUEST;

/// Why a lookup call gave no answer; its rows are neither found nor not found.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// The request failed (connection, authentication, the server's answer).
    #[error(transparent)]
    Scim(#[from] ScimError),
    /// The server refused the lookup of one key.
    #[error("looking up {key}: {source}")]
    Key { key: String, source: ScimError },
    /// A lookup other than the SCIM client's (an in-memory tenant in tests) said why not.
    #[error("{0}")]
    Unavailable(String),
}

/// Where users are looked up. The SCIM client implements it; tests use in-memory tenants.
/// Used generically (never as `dyn`), so the futures stay `Send` for concrete lookups.
#[allow(async_fn_in_trait)]
pub trait UserLookup {
    /// The users among `ids` that exist (any order; missing ids are simply absent).
    async fn users_by_ids(&self, ids: &[String]) -> Result<Vec<User>, LookupError>;
    /// The users whose `userName` is among `names` (compared case-insensitively).
    async fn users_by_user_names(&self, names: &[String]) -> Result<Vec<User>, LookupError>;
    /// Every user whose `externalId` is among `ids` (compared case-insensitively), all of
    /// them when two share one: that is how an ambiguous row is told.
    async fn users_by_external_ids(&self, ids: &[String]) -> Result<Vec<User>, LookupError> {
        let _ = ids;
        Err(LookupError::Unavailable(
            "this lookup cannot search by externalId".into(),
        ))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolveReport {
    /// Data rows in the file (blank lines excluded).
    pub rows_read: usize,
    pub resolved: Vec<(usize, User)>,
    /// (line, key, first line with the same key or the same user).
    pub duplicates: Vec<(usize, String, usize)>,
    pub not_found: Vec<(usize, String)>,
    /// (line, raw cell, reason).
    pub malformed: Vec<(usize, String, String)>,
    /// (line, key, error) for rows whose lookup call failed; they are neither found nor not.
    pub lookup_errors: Vec<(usize, String, String)>,
    /// (line, externalId, userNames of every user it matches): never acted on.
    pub ambiguous: Vec<(usize, String, Vec<String>)>,
    /// Which column was read, as what, and why (from [`CsvInput::why`]).
    pub column: String,
}

/// Resolves every well-formed, first-seen key: ids by id, emails by userName, up to
/// [`LOOKUP_CHUNK`] keys per call. Rows that name a user already resolved on an earlier row
/// (the same key, or an id and an email of the same user) are reported as duplicates.
pub async fn resolve<L: UserLookup>(input: &CsvInput, lookup: &L) -> ResolveReport {
    resolve_counted(input, lookup, &AtomicUsize::new(0)).await
}

/// [`resolve`], adding to `looked_up` the rows of each lookup call as it ends, so a caller
/// can show progress. Once a call fails because the server is failing (it answered 5xx,
/// a proxy page or nothing, after the client's retries), the rows left are not looked up:
/// they are lookup errors saying why, and the run is refused without hammering the server.
pub async fn resolve_counted<L: UserLookup>(
    input: &CsvInput,
    lookup: &L,
    looked_up: &AtomicUsize,
) -> ResolveReport {
    let mut report = ResolveReport {
        rows_read: input.entries.len(),
        column: input.why.clone(),
        ..ResolveReport::default()
    };
    let (ids, names, external) = sort_keys(input, &mut report);
    let mut found: Vec<(usize, User)> = Vec::new();
    let mut down: Option<String> = None;
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        if let Some(why) = &down {
            skip(chunk, why, &mut report);
            continue;
        }
        let keys: Vec<String> = chunk.iter().map(|(_, _, k)| k.clone()).collect();
        let result = lookup.users_by_ids(&keys).await;
        looked_up.fetch_add(chunk.len(), Ordering::Relaxed);
        down = server_down(&result);
        match_back(
            chunk,
            result,
            |u| u.id.to_lowercase(),
            &mut found,
            &mut report,
        );
    }
    for chunk in names.chunks(LOOKUP_CHUNK) {
        if let Some(why) = &down {
            skip(chunk, why, &mut report);
            continue;
        }
        let keys: Vec<String> = chunk.iter().map(|(_, _, k)| k.clone()).collect();
        let result = lookup.users_by_user_names(&keys).await;
        looked_up.fetch_add(chunk.len(), Ordering::Relaxed);
        down = server_down(&result);
        match_back(
            chunk,
            result,
            |u| u.user_name.to_lowercase(),
            &mut found,
            &mut report,
        );
    }
    for chunk in external.chunks(LOOKUP_CHUNK) {
        if let Some(why) = &down {
            skip(chunk, why, &mut report);
            continue;
        }
        let keys: Vec<String> = chunk.iter().map(|(_, _, k)| k.clone()).collect();
        let result = lookup.users_by_external_ids(&keys).await;
        looked_up.fetch_add(chunk.len(), Ordering::Relaxed);
        down = server_down(&result);
        match_external(chunk, result, &mut found, &mut report);
    }
    one_row_per_user(found, &mut report);
    report
}

/// Rows to look up: (line, normalised key, key as read).
type Pending = Vec<(usize, String, String)>;

/// The rows to look up, per kind: ids, emails and externalIds. Malformed rows and rows
/// repeating an earlier row's key go in the report instead.
fn sort_keys(input: &CsvInput, report: &mut ResolveReport) -> (Pending, Pending, Pending) {
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut ids: Pending = Vec::new();
    let mut names: Pending = Vec::new();
    let mut external: Pending = Vec::new();
    for e in &input.entries {
        let Some(norm) = e.key.normalized() else {
            if let Key::Malformed { reason } = &e.key {
                report
                    .malformed
                    .push((e.line, e.raw.clone(), reason.clone()));
            }
            continue;
        };
        if let Some(first) = first_line.get(&norm) {
            report.duplicates.push((e.line, norm, *first));
            continue;
        }
        first_line.insert(norm.clone(), e.line);
        match &e.key {
            Key::Id(k) => ids.push((e.line, norm, k.clone())),
            Key::Email(k) => names.push((e.line, norm, k.clone())),
            Key::ExternalId(k) => external.push((e.line, norm, k.clone())),
            Key::Malformed { .. } => {}
        }
    }
    (ids, names, external)
}

/// Keeps the first row naming each user found (in file order); later rows naming the same
/// user (by another key) are duplicates. The report's lists end in line order.
fn one_row_per_user(mut found: Vec<(usize, User)>, report: &mut ResolveReport) {
    found.sort_by_key(|(line, _)| *line);
    let mut user_line: HashMap<String, usize> = HashMap::new();
    for (line, user) in found {
        let id = user.id.to_lowercase();
        if let Some(first) = user_line.get(&id) {
            report
                .duplicates
                .push((line, user.user_name.clone(), *first));
        } else {
            user_line.insert(id, line);
            report.resolved.push((line, user));
        }
    }
    report.duplicates.sort_by_key(|d| d.0);
    report.not_found.sort_by_key(|d| d.0);
    report.lookup_errors.sort_by_key(|d| d.0);
    report.ambiguous.sort_by_key(|d| d.0);
}

/// Why the lookups stop: the call failed the way a failing server fails.
fn server_down(result: &Result<Vec<User>, LookupError>) -> Option<String> {
    let e = match result {
        Err(LookupError::Scim(e)) | Err(LookupError::Key { source: e, .. }) => e,
        _ => return None,
    };
    let failing = e.is_transient() || matches!(e, ScimError::BadResponse { .. });
    failing.then(|| {
        format!(
            "not looked up: the server was failing, so the lookups stopped ({})",
            crate::untrusted::clip(&e.to_string(), 200)
        )
    })
}

fn skip(chunk: &[(usize, String, String)], why: &str, report: &mut ResolveReport) {
    for (line, _, key) in chunk {
        report
            .lookup_errors
            .push((*line, key.clone(), why.to_string()));
    }
}

/// As [`match_back`], but an externalId may match several users: such a row is ambiguous
/// and resolves to nobody.
fn match_external(
    chunk: &[(usize, String, String)],
    result: Result<Vec<User>, LookupError>,
    found: &mut Vec<(usize, User)>,
    report: &mut ResolveReport,
) {
    let users = match result {
        Ok(users) => users,
        Err(err) => {
            let err = err.to_string();
            for (line, _, key) in chunk {
                report.lookup_errors.push((*line, key.clone(), err.clone()));
            }
            return;
        }
    };
    let mut by_key: HashMap<String, Vec<&User>> = HashMap::new();
    for u in &users {
        if let Some(x) = &u.external_id {
            let list = by_key.entry(x.to_lowercase()).or_default();
            if !list.iter().any(|o| o.id.eq_ignore_ascii_case(&u.id)) {
                list.push(u);
            }
        }
    }
    for (line, norm, key) in chunk {
        match by_key.get(norm).map(Vec::as_slice) {
            Some([one]) => found.push((*line, (*one).clone())),
            Some(many) if many.len() > 1 => {
                let mut names: Vec<String> = many.iter().map(|u| u.user_name.clone()).collect();
                names.sort();
                report.ambiguous.push((*line, key.clone(), names));
            }
            _ => report.not_found.push((*line, key.clone())),
        }
    }
}

fn match_back(
    chunk: &[(usize, String, String)],
    result: Result<Vec<User>, LookupError>,
    key_of: impl Fn(&User) -> String,
    found: &mut Vec<(usize, User)>,
    report: &mut ResolveReport,
) {
    match result {
        Ok(users) => {
            let by_key: HashMap<String, &User> = users.iter().map(|u| (key_of(u), u)).collect();
            for (line, norm, key) in chunk {
                match by_key.get(norm) {
                    Some(u) => found.push((*line, (*u).clone())),
                    None => report.not_found.push((*line, key.clone())),
                }
            }
        }
        Err(err) => {
            // The report is text: shown, and saved as CSV.
            let err = err.to_string();
            for (line, _, key) in chunk {
                report.lookup_errors.push((*line, key.clone(), err.clone()));
            }
        }
    }
}

impl ResolveReport {
    /// Resolved users, each once, in file order.
    pub fn users(&self) -> Vec<User> {
        self.resolved.iter().map(|(_, u)| u.clone()).collect()
    }

    /// Keys that did not resolve, in file order, for [`crate::plan::Plan::build`].
    pub fn not_found_keys(&self) -> Vec<String> {
        self.not_found.iter().map(|(_, k)| k.clone()).collect()
    }

    /// True when every row resolved to a distinct user.
    pub fn is_clean(&self) -> bool {
        self.duplicates.is_empty()
            && self.not_found.is_empty()
            && self.malformed.is_empty()
            && self.lookup_errors.is_empty()
            && self.ambiguous.is_empty()
    }

    /// `12 rows read: 9 resolved, 1 duplicate, 1 not found, 1 malformed, 0 lookup errors`,
    /// and `, 1 ambiguous` when an externalId matched two users.
    pub fn summary_line(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut line = format!(
            "{}: {} resolved, {}, {} not found, {} malformed, {}",
            plural(self.rows_read, "row read", "rows read"),
            self.resolved.len(),
            plural(self.duplicates.len(), "duplicate", "duplicates"),
            self.not_found.len(),
            self.malformed.len(),
            plural(self.lookup_errors.len(), "lookup error", "lookup errors"),
        );
        if !self.ambiguous.is_empty() {
            line.push_str(&format!(", {} ambiguous", self.ambiguous.len()));
        }
        line
    }

    /// The report as CSV (`line,value,status,user_id,user_name,detail`), one row per input
    /// row in file order, so it can be fixed and fed back in.
    pub fn write_csv<W: std::io::Write>(&self, w: W) -> Result<(), ::csv::Error> {
        let mut rows: Vec<[String; 6]> = Vec::new();
        for (line, u) in &self.resolved {
            rows.push(row(
                *line,
                &u.user_name,
                "resolved",
                &u.id,
                &u.user_name,
                "",
            ));
        }
        for (line, key, first) in &self.duplicates {
            let detail = format!("same user as line {first}");
            rows.push(row(*line, key, "duplicate", "", "", &detail));
        }
        for (line, key) in &self.not_found {
            rows.push(row(
                *line,
                key,
                "not-found",
                "",
                "",
                "no user has this id or user name",
            ));
        }
        for (line, raw, reason) in &self.malformed {
            rows.push(row(*line, raw, "malformed", "", "", reason));
        }
        for (line, key, err) in &self.lookup_errors {
            rows.push(row(*line, key, "lookup-error", "", "", err));
        }
        for (line, key, names) in &self.ambiguous {
            let detail = format!("externalId shared by {}", names.join(", "));
            rows.push(row(*line, key, "ambiguous", "", "", &detail));
        }
        rows.sort_by_key(|r| r[0].parse::<usize>().unwrap_or(usize::MAX));
        let mut out = ::csv::Writer::from_writer(w);
        out.write_record(["line", "value", "status", "user_id", "user_name", "detail"])?;
        for r in rows {
            out.write_record(r.iter().map(|c| crate::untrusted::csv_cell(c).into_owned()))?;
        }
        out.flush()?;
        Ok(())
    }
}

fn row(line: usize, value: &str, status: &str, id: &str, name: &str, detail: &str) -> [String; 6] {
    [
        line.to_string(),
        value.to_string(),
        status.to_string(),
        id.to_string(),
        name.to_string(),
        detail.to_string(),
    ]
}
