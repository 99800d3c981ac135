//! Proving a run afterwards: its journal reconciled with Anaplan's audit log. From what the
//! journal says each user went through (the state before, the state after, and every request
//! sent, one at a time), the events that must exist (USR-4 disabled, USR-3 enabled, one USR-22
//! or USR-21 per workspace removed or added) are looked for by the user's id (`objectId`);
//! events on the same users after the start that are not the run's own are "changed since".
//! `reconcile` is pure; `check` asks the Audit API (with `--wait`, until nothing is missing or
//! the time is up) and keeps the verdict beside the journal, where the history reads it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::batch::journal::{JournalError, JournalState, Record, ResultKind};
use crate::plan::UserState;
use crate::scim::ScimClient;
use crate::scim::client::{AuditError, AuditEvent, RETENTION};
use crate::scim::model::PatchRequest;

/// Clocks differ: events this long before the run's start still count as the run's.
const SKEW_MS: i64 = 2 * 60 * 1000;

pub const DISABLED: &str = "USR-4";
pub const ENABLED: &str = "USR-3";
pub const REMOVED: &str = "USR-22";
pub const ADDED: &str = "USR-21";

/// An event looked for: (type, workspace).
type Want = (&'static str, Option<String>);

fn describe(event_type: &str) -> &'static str {
    match event_type {
        DISABLED => "user disabled",
        ENABLED => "user enabled",
        REMOVED => "user removed from workspace",
        ADDED => "user added to workspace",
        _ => "other",
    }
}

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every expected event found, nothing changed since.
    Verified,
    /// Some expected events were not found.
    Incomplete,
    /// Everything found, but someone (or a later run) changed these users since.
    ChangedSince,
}

/// How events were matched to the journal's workspaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Matching {
    /// The events name the workspace: each removal or addition is matched to its own.
    PerWorkspace,
    /// The events do not name workspaces: they are counted per user.
    PerUser,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    pub event: String,
    pub what: String,
    pub workspace: Option<String>,
    pub found: bool,
    /// When the event says it happened (RFC 3339), if found.
    pub at: Option<String>,
    pub event_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Later {
    pub event: String,
    pub what: String,
    pub workspace: Option<String>,
    /// Who acted (the Audit API's `userId`).
    pub by: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCheck {
    pub user_id: String,
    pub user_name: String,
    /// What the journal says: `done`, or `in_doubt` (sent, no answer recorded).
    pub journal: String,
    pub expected: Vec<Expected>,
    pub changed_since: Vec<Later>,
}

impl UserCheck {
    pub fn missing(&self) -> usize {
        self.expected.iter().filter(|e| !e.found).count()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub users: usize,
    pub expected: usize,
    pub found: usize,
    pub missing: usize,
    /// Users with an event after the run that was not the run's own.
    pub changed_since: usize,
}

/// A run's verification, as printed and as kept beside its journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub batch_id: String,
    pub journal: String,
    pub state: Verdict,
    pub matching: Matching,
    pub checked_at: String,
    /// The journal's last record when it was checked: a later resume makes the check stale.
    pub journal_last: String,
    pub from: String,
    pub to: String,
    pub totals: Totals,
    /// Users with an expected event not found, by userName.
    pub missing_users: Vec<String>,
    pub users: Vec<UserCheck>,
}

fn rfc3339_ms(ms: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn ms_of(rfc3339: &str) -> Option<i64> {
    let t = humantime::parse_rfc3339_weak(rfc3339)
        .ok()
        .or_else(|| humantime::parse_rfc3339_weak(rfc3339.trim_end_matches('Z')).ok())?;
    Some(t.duration_since(UNIX_EPOCH).ok()?.as_millis() as i64)
}

/// When the run started, in Unix ms.
pub fn started_ms(j: &JournalState) -> Option<i64> {
    ms_of(&j.started)
}

/// One attempt of the run on a user: the state it started from and the requests it sent.
#[derive(Debug, Clone)]
pub struct SentAttempt {
    pub before: UserState,
    pub requests: Vec<PatchRequest>,
}

/// Every attempt the journal records, per lowercase user id, in journal order.
pub type Sent = HashMap<String, Vec<SentAttempt>>;

/// The attempts in a journal's bytes (a torn last line and unreadable lines are left out:
/// `JournalState::parse` has already said what is wrong with them).
pub fn sent_of(bytes: &[u8]) -> Sent {
    let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut out = Sent::new();
    for line in String::from_utf8_lossy(&bytes[..whole]).lines() {
        if let Ok(Record::Attempt {
            user_id,
            before,
            requests,
            ..
        }) = serde_json::from_str::<Record>(line)
        {
            out.entry(user_id.to_ascii_lowercase())
                .or_default()
                .push(SentAttempt { before, requests });
        }
    }
    out
}

/// The events the requests leave, one request at a time: a `replace` with the first 50
/// then an `add` of the rest removes and re-adds the kept workspaces past the 50th.
fn own_events(a: &SentAttempt) -> Vec<Want> {
    let mut state = a.before.clone();
    let mut out = Vec::new();
    for r in &a.requests {
        let next = crate::plan::simulate::apply_requests(&state, std::slice::from_ref(r));
        out.extend(expected_of(&state, &next));
        state = next;
    }
    out
}

fn same(a: &Want, b: &Want) -> bool {
    a.0 == b.0
        && match (&a.1, &b.1) {
            (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
            (None, None) => true,
            _ => false,
        }
}

/// `from` less one of each of `take` (a multiset difference).
fn without(from: Vec<Want>, take: &[Want]) -> Vec<Want> {
    let mut used = vec![false; take.len()];
    from.into_iter()
        .filter(|e| {
            let hit = take
                .iter()
                .enumerate()
                .position(|(i, t)| !used[i] && same(e, t));
            if let Some(i) = hit {
                used[i] = true;
            }
            hit.is_none()
        })
        .collect()
}

/// What a user's events must hold, and what they may also hold as the run's own.
///
/// Required: the net change, and, when the last attempt was answered (done), every event its
/// requests leave one by one. Allowed: the events of earlier or unanswered attempts (cut
/// between two requests, they may have left only some of them).
fn wanted(c: &Covered<'_>, sent: &Sent) -> (Vec<Want>, Vec<Want>) {
    let net = expected_of(c.before, c.after);
    let attempts = sent
        .get(&c.user_id.to_ascii_lowercase())
        .map_or(&[][..], Vec::as_slice);
    let mut required = match attempts.last() {
        Some(last) if c.journal == "done" && !last.requests.is_empty() => own_events(last),
        _ => Vec::new(),
    };
    let rest = without(net, &required);
    required.extend(rest);
    let allowed = without(attempts.iter().flat_map(own_events).collect(), &required);
    (required, allowed)
}

/// A user the run changed, or may have (in doubt), with the states to compare.
struct Covered<'a> {
    user_id: &'a str,
    user_name: String,
    journal: &'static str,
    before: &'a UserState,
    after: &'a UserState,
}

/// Users with an attempt whose outcome is done (or confirmed), or not known: in flight at an
/// interruption, or any outcome that is neither a refusal nor a failure (in doubt).
fn covered(j: &JournalState) -> Vec<Covered<'_>> {
    let names: std::collections::HashMap<&str, &str> = j
        .targets
        .iter()
        .map(|t| (t.user_id.as_str(), t.user_name.as_str()))
        .collect();
    let mut ids: Vec<&String> = j.attempt_after.keys().collect();
    ids.sort_by_key(|id| {
        j.targets
            .iter()
            .position(|t| &t.user_id == *id)
            .unwrap_or(usize::MAX)
    });
    ids.into_iter()
        .filter_map(|id| {
            let journal = match j.outcome_of(id) {
                Some(ResultKind::Done) => "done",
                Some(ResultKind::NoOp | ResultKind::Failed | ResultKind::Protected) => {
                    return None;
                }
                Some(ResultKind::NotFound) => return None,
                Some(ResultKind::InDoubt) | None => "in_doubt",
            };
            Some(Covered {
                user_id: id,
                user_name: names.get(id.as_str()).copied().unwrap_or(id).to_string(),
                journal,
                before: j.first_before.get(id)?,
                after: j.attempt_after.get(id)?,
            })
        })
        .collect()
}

/// The events a change from `before` to `after` leaves: (type, workspace).
fn expected_of(before: &UserState, after: &UserState) -> Vec<Want> {
    let mut out = Vec::new();
    if before.active && !after.active {
        out.push((DISABLED, None));
    }
    if !before.active && after.active {
        out.push((ENABLED, None));
    }
    let has = |s: &UserState, id: &str| s.workspaces.iter().any(|w| w.id.eq_ignore_ascii_case(id));
    for w in &before.workspaces {
        if !has(after, &w.id) {
            out.push((REMOVED, Some(w.id.clone())));
        }
    }
    for w in &after.workspaces {
        if !has(before, &w.id) {
            out.push((ADDED, Some(w.id.clone())));
        }
    }
    out
}

fn relevant(t: &str) -> bool {
    matches!(t, DISABLED | ENABLED | REMOVED | ADDED)
}

/// Finds the first unused event of `want` in `mine`: the exact workspace first; an event
/// naming no workspace counts for any.
fn pick(mine: &[&AuditEvent], used: &HashSet<usize>, want: &Want, until_ms: i64) -> Option<usize> {
    let find = |exact: bool| {
        mine.iter().enumerate().position(|(i, e)| {
            !used.contains(&i)
                && e.at_ms <= until_ms
                && e.event_type == want.0
                && match (&want.1, &e.workspace) {
                    (Some(w), Some(ew)) => exact && w.eq_ignore_ascii_case(ew),
                    (Some(_), None) => !exact,
                    (None, _) => true,
                }
        })
    };
    find(true).or_else(|| find(false))
}

fn expected_entry(t: &'static str, ws: Option<String>, e: Option<&AuditEvent>) -> Expected {
    Expected {
        event: t.to_string(),
        what: describe(t).to_string(),
        workspace: ws,
        found: e.is_some(),
        at: e.map(|e| rfc3339_ms(e.at_ms)),
        event_id: e.map(|e| e.id.clone()),
    }
}

/// One user's events (sorted by time) against what the run sent for it. The run's own
/// allowed events count only up to the journal's last record (and the clock skew).
///
/// Events in the clock-skew allowance before the start are tried last (they may be an earlier
/// run's, on the same workspaces) and, when not the run's own, are before it: never "changed
/// since".
fn check_user(c: Covered<'_>, sent: &Sent, sorted: &[&AuditEvent], span: (i64, i64)) -> UserCheck {
    let (start_ms, last_ms) = span;
    let mut mine: Vec<&AuditEvent> = sorted
        .iter()
        .copied()
        .filter(|e| e.object.eq_ignore_ascii_case(c.user_id))
        .collect();
    mine.sort_by_key(|e| e.at_ms < start_ms);
    let (required, allowed) = wanted(&c, sent);
    let mut used: HashSet<usize> = HashSet::new();
    let mut expected = Vec::new();
    for want in required {
        let hit = pick(&mine, &used, &want, i64::MAX);
        used.extend(hit);
        expected.push(expected_entry(want.0, want.1, hit.map(|i| mine[i])));
    }
    for want in allowed {
        // The run's own, when found; not missing when not (the attempt may have been cut).
        if let Some(i) = pick(&mine, &used, &want, last_ms + SKEW_MS) {
            used.insert(i);
            expected.push(expected_entry(want.0, want.1, Some(mine[i])));
        }
    }
    let changed_since: Vec<Later> = mine
        .iter()
        .enumerate()
        .filter(|(i, e)| !used.contains(i) && e.at_ms >= start_ms)
        .map(|(_, e)| Later {
            event: e.event_type.clone(),
            what: describe(&e.event_type).to_string(),
            workspace: e.workspace.clone(),
            by: e.actor.clone(),
            at: rfc3339_ms(e.at_ms),
        })
        .collect();
    UserCheck {
        user_id: c.user_id.to_string(),
        user_name: c.user_name,
        journal: c.journal.to_string(),
        expected,
        changed_since,
    }
}

/// The journal (and the requests it records, `sent`) against the events (any order, any
/// users): pure. A user's expected events come from every request the run sent for it, so
/// what the run's own later request re-added is expected, never "changed since".
pub fn reconcile(
    j: &JournalState,
    sent: &Sent,
    events: &[AuditEvent],
    checked_ms: i64,
) -> Verification {
    let start_ms = started_ms(j).unwrap_or(0);
    let from = start_ms - SKEW_MS;
    let last_ms = ms_of(&j.last_at).unwrap_or(checked_ms);
    let mut sorted: Vec<&AuditEvent> = events
        .iter()
        .filter(|e| e.success && relevant(&e.event_type) && e.at_ms >= from)
        .collect();
    sorted.sort_by_key(|e| e.at_ms);
    let named = sorted
        .iter()
        .any(|e| matches!(e.event_type.as_str(), REMOVED | ADDED) && e.workspace.is_some());
    let matching = if named {
        Matching::PerWorkspace
    } else {
        Matching::PerUser
    };
    let mut users = Vec::new();
    let mut totals = Totals::default();
    for c in covered(j) {
        let check = check_user(c, sent, &sorted, (start_ms, last_ms));
        totals.users += 1;
        totals.expected += check.expected.len();
        totals.missing += check.missing();
        totals.changed_since += usize::from(!check.changed_since.is_empty());
        users.push(check);
    }
    totals.found = totals.expected - totals.missing;
    let state = if totals.missing > 0 {
        Verdict::Incomplete
    } else if totals.changed_since > 0 {
        Verdict::ChangedSince
    } else {
        Verdict::Verified
    };
    Verification {
        batch_id: j.batch_id.clone(),
        journal: j.path.display().to_string(),
        state,
        matching,
        checked_at: rfc3339_ms(checked_ms),
        journal_last: j.last_at.clone(),
        from: rfc3339_ms(from),
        to: rfc3339_ms(checked_ms),
        totals,
        missing_users: users
            .iter()
            .filter(|u| u.missing() > 0)
            .map(|u| u.user_name.clone())
            .collect(),
        users,
    }
}

impl Verification {
    /// 0 verified, 1 incomplete or changed since.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.state != Verdict::Verified)
    }

    /// One line: `verified`, `incomplete (3 missing)`, `changed since (2 users)`.
    pub fn label(&self) -> String {
        match self.state {
            Verdict::Verified => "verified".into(),
            Verdict::Incomplete => format!("incomplete ({} missing)", self.totals.missing),
            Verdict::ChangedSince => {
                format!("changed since ({} users)", self.totals.changed_since)
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("cannot keep the verification beside the journal ({path}): {source}")]
    Store {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the journal's start time `{0}` is not a time; cannot say which events to read")]
    BadStart(String),
}

/// `<journal>.verify.json`: the last verification of the run.
pub fn verdict_file(journal: &Path) -> PathBuf {
    let mut s = journal.as_os_str().to_os_string();
    s.push(".verify.json");
    PathBuf::from(s)
}

/// What the history shows of a run's verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyStatus {
    /// `verified`, `incomplete`, `changed_since` or `not_checked`.
    pub state: String,
    pub missing: usize,
    pub changed_since: usize,
    pub checked_at: Option<String>,
}

impl VerifyStatus {
    pub fn not_checked() -> VerifyStatus {
        VerifyStatus {
            state: "not_checked".into(),
            missing: 0,
            changed_since: 0,
            checked_at: None,
        }
    }

    /// The kept verdict of a journal; a verdict older than the journal's last record (the run
    /// went on) or unreadable is "not checked".
    pub fn of(j: &JournalState) -> VerifyStatus {
        let Ok(text) = std::fs::read_to_string(verdict_file(&j.path)) else {
            return VerifyStatus::not_checked();
        };
        match serde_json::from_str::<Verification>(&text) {
            Ok(v) if v.journal_last == j.last_at && v.batch_id == j.batch_id => VerifyStatus {
                state: serde_json::to_value(v.state)
                    .ok()
                    .and_then(|s| s.as_str().map(str::to_string))
                    .unwrap_or_default(),
                missing: v.totals.missing,
                changed_since: v.totals.changed_since,
                checked_at: Some(v.checked_at),
            },
            _ => VerifyStatus::not_checked(),
        }
    }

    pub fn label(&self) -> String {
        match self.state.as_str() {
            "verified" => "verified".into(),
            "incomplete" => format!("incomplete ({} missing)", self.missing),
            "changed_since" => "changed since".into(),
            _ => "not checked".into(),
        }
    }
}

/// Reads the journal, asks the Audit API for the run's events (again every few seconds until
/// nothing is missing or `wait` is over; `progress` hears each try) and keeps the verdict.
pub async fn check(
    client: &ScimClient,
    journal: &Path,
    wait: Duration,
    mut progress: impl FnMut(&str),
) -> Result<Verification, VerifyError> {
    let bytes = std::fs::read(journal).map_err(|source| JournalError::Read {
        path: journal.to_path_buf(),
        source,
    })?;
    let j = JournalState::parse(journal, &bytes, None)?;
    let sent = sent_of(&bytes);
    let started = started_ms(&j).ok_or_else(|| VerifyError::BadStart(j.started.clone()))?;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let now = now_ms();
        let retention = RETENTION.as_millis() as i64;
        if now - started > retention {
            return Err(AuditError::TooOld {
                what: format!("this run started {}", j.started),
            }
            .into());
        }
        // Clamped so that the clock skew allowance never makes the range too long.
        let from = (started - SKEW_MS).max(now - retention + 60_000);
        let events = client.audit_events(from, now).await?;
        let v = reconcile(&j, &sent, &events, now);
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if v.totals.missing == 0 || left.is_zero() {
            store(&v)?;
            return Ok(v);
        }
        progress(&format!(
            "{} of {} expected audit events found; asking again ({} s left)",
            v.totals.found,
            v.totals.expected,
            left.as_secs()
        ));
        tokio::time::sleep(left.min(Duration::from_secs(2))).await;
    }
}

fn store(v: &Verification) -> Result<(), VerifyError> {
    let path = verdict_file(Path::new(&v.journal));
    let bytes = serde_json::to_vec_pretty(v).map_err(|e| VerifyError::Store {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    crate::config::write_private(&path, &bytes)
        .map_err(|source| VerifyError::Store { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::journal::{Intent, Journal, Record, Target, now_rfc3339};
    use crate::batch::seal::SealKey;
    use crate::plan::{Action, Protected};
    use crate::scim::model::Workspace;

    fn ws(id: &str) -> Workspace {
        Workspace {
            id: id.into(),
            name: format!("ws {id}"),
        }
    }

    /// A disable-and-remove run over `ids`, each losing workspaces W1 and W2; all done but the
    /// last, which is in doubt.
    fn journal(dir: &Path, ids: &[&str]) -> JournalState {
        let p = dir.join("j.jsonl");
        let j = Journal::create(&p, &SealKey::fixed(1)).unwrap();
        j.append(&Record::Run {
            version: crate::batch::journal::JOURNAL_VERSION,
            batch_id: "b1".into(),
            tenant: "t".into(),
            intent: Intent::Apply {
                action: Action::DisableAndRemove,
                protected: Protected::default(),
            },
            plan_hash: "h".into(),
            started: now_rfc3339(),
            targets: ids
                .iter()
                .map(|id| Target {
                    user_id: id.to_string(),
                    user_name: format!("{id}@x"),
                })
                .collect(),
            undoes: None,
            input: None,
        })
        .unwrap();
        for (n, id) in ids.iter().enumerate() {
            j.append(&Record::Attempt {
                user_id: id.to_string(),
                user_name: format!("{id}@x"),
                at: now_rfc3339(),
                before: UserState {
                    active: true,
                    workspaces: vec![ws("W1"), ws("W2")],
                },
                after: UserState {
                    active: false,
                    workspaces: vec![],
                },
                requests: vec![],
            })
            .unwrap();
            if n + 1 < ids.len() {
                j.append(&Record::Result {
                    user_id: id.to_string(),
                    user_name: format!("{id}@x"),
                    at: now_rfc3339(),
                    outcome: ResultKind::Done,
                    status: Some(200),
                    detail: String::new(),
                    after: None,
                    latency_ms: 1,
                })
                .unwrap();
            }
        }
        drop(j);
        JournalState::read(&p).unwrap()
    }

    fn sent(j: &JournalState) -> Sent {
        sent_of(&std::fs::read(&j.path).unwrap())
    }

    fn ws_n(n: std::ops::Range<usize>) -> Vec<Workspace> {
        n.map(|i| ws(&format!("W{i}"))).collect()
    }

    /// A keep-only run on one user "k" holding W0..W59 that keeps W0..W{keep-1}, with the
    /// requests scimitar sends; `done` says whether its answer was recorded.
    fn keep_only(dir: &Path, keep: usize, done: bool) -> JournalState {
        let p = dir.join("k.jsonl");
        let j = Journal::create(&p, &SealKey::fixed(1)).unwrap();
        j.append(&Record::Run {
            version: crate::batch::journal::JOURNAL_VERSION,
            batch_id: "b2".into(),
            tenant: "t".into(),
            intent: Intent::Apply {
                action: Action::KeepWorkspaces {
                    keep: (0..keep).map(|i| format!("W{i}")).collect(),
                },
                protected: Protected::default(),
            },
            plan_hash: "h".into(),
            started: now_rfc3339(),
            targets: vec![Target {
                user_id: "k".into(),
                user_name: "k@x".into(),
            }],
            undoes: None,
            input: None,
        })
        .unwrap();
        let before = ws_n(0..60);
        let after = ws_n(0..keep);
        j.append(&Record::Attempt {
            user_id: "k".into(),
            user_name: "k@x".into(),
            at: now_rfc3339(),
            requests: crate::plan::set_state_requests(None, &before, Some(&after)),
            before: UserState {
                active: true,
                workspaces: before,
            },
            after: UserState {
                active: true,
                workspaces: after,
            },
        })
        .unwrap();
        if done {
            j.append(&Record::Result {
                user_id: "k".into(),
                user_name: "k@x".into(),
                at: now_rfc3339(),
                outcome: ResultKind::Done,
                status: Some(200),
                detail: String::new(),
                after: None,
                latency_ms: 1,
            })
            .unwrap();
        }
        drop(j);
        JournalState::read(&p).unwrap()
    }

    fn ev(t: &str, object: &str, ws: Option<&str>, by: &str) -> AuditEvent {
        AuditEvent {
            id: format!("{t}-{object}-{}", ws.unwrap_or("")),
            event_type: t.into(),
            actor: by.into(),
            object: object.into(),
            at_ms: now_ms(),
            success: true,
            message: String::new(),
            workspace: ws.map(str::to_string),
        }
    }

    fn all_for(id: &str, named: bool) -> Vec<AuditEvent> {
        let w = |x| named.then_some(x);
        vec![
            ev(DISABLED, id, None, "admin"),
            ev(REMOVED, id, w("W1"), "admin"),
            ev(REMOVED, id, w("W2"), "admin"),
        ]
    }

    #[test]
    fn every_event_found_is_verified_per_workspace_or_per_user() {
        let d = tempfile::tempdir().unwrap();
        let j = journal(d.path(), &["a", "b"]);
        for named in [true, false] {
            let mut events = all_for("a", named);
            events.extend(all_for("B", named));
            events.push(ev("USR-8", "a", None, "a"));
            events.push(ev(DISABLED, "someone-else", None, "admin"));
            let v = reconcile(&j, &sent(&j), &events, now_ms());
            assert_eq!(v.state, Verdict::Verified, "{v:?}");
            assert_eq!(
                (v.totals.users, v.totals.expected, v.totals.found),
                (2, 6, 6)
            );
            let want = if named {
                Matching::PerWorkspace
            } else {
                Matching::PerUser
            };
            assert_eq!(v.matching, want);
            assert_eq!(v.users[1].journal, "in_doubt");
        }
    }

    #[test]
    fn a_missing_event_names_the_user_and_a_later_change_is_changed_since() {
        let d = tempfile::tempdir().unwrap();
        let j = journal(d.path(), &["a", "b", "c"]);
        let mut events = all_for("a", true);
        events.extend(
            all_for("b", true)
                .into_iter()
                .filter(|e| e.workspace.as_deref() != Some("W2")),
        );
        events.extend(all_for("c", true));
        let v = reconcile(&j, &sent(&j), &events, now_ms());
        assert_eq!(v.state, Verdict::Incomplete);
        assert_eq!(v.missing_users, vec!["b@x".to_string()]);
        assert_eq!(v.label(), "incomplete (1 missing)");
        let mut later = ev(ENABLED, "c", None, "other-admin");
        later.at_ms += 1000;
        events.push(later);
        events.extend(
            all_for("b", true)
                .into_iter()
                .filter(|e| e.workspace.as_deref() == Some("W2")),
        );
        let v = reconcile(&j, &sent(&j), &events, now_ms());
        assert_eq!(v.state, Verdict::ChangedSince, "{v:?}");
        let c = &v.users[2];
        assert_eq!(c.changed_since.len(), 1);
        assert_eq!(
            (
                c.changed_since[0].event.as_str(),
                c.changed_since[0].by.as_str()
            ),
            (ENABLED, "other-admin")
        );
    }

    #[test]
    fn events_before_the_run_do_not_count() {
        let d = tempfile::tempdir().unwrap();
        let j = journal(d.path(), &["a", "b"]);
        let mut events = all_for("a", true);
        for e in &mut events {
            e.at_ms -= 3600 * 1000;
        }
        let v = reconcile(&j, &sent(&j), &events, now_ms());
        assert_eq!(v.users[0].missing(), 3);
    }

    /// What Anaplan records for 60 keep 55: the `replace` with W0..W49 removes W50..W59, the
    /// `add` of W50..W54 puts five back.
    fn split_keep_events(named: bool) -> Vec<AuditEvent> {
        let w = |i: usize| named.then(|| format!("W{i}"));
        let mut events: Vec<AuditEvent> = (50..60)
            .map(|i| ev(REMOVED, "k", w(i).as_deref(), "admin"))
            .collect();
        events.extend((50..55).map(|i| ev(ADDED, "k", w(i).as_deref(), "admin")));
        events
    }

    #[test]
    fn a_keep_only_over_50_workspaces_expects_what_its_own_second_request_re_added() {
        let d = tempfile::tempdir().unwrap();
        let j = keep_only(d.path(), 55, true);
        assert_eq!(
            sent(&j)["k"][0].requests.len(),
            2,
            "replace 50, then add the rest"
        );
        for named in [true, false] {
            let v = reconcile(&j, &sent(&j), &split_keep_events(named), now_ms());
            assert_eq!(v.state, Verdict::Verified, "named {named}: {v:?}");
            assert!(v.users[0].changed_since.is_empty(), "{v:?}");
            assert_eq!((v.totals.expected, v.totals.found), (15, 15));
        }
        // The re-adds are expected: one not recorded is missing, not ignored.
        let mut short = split_keep_events(true);
        short.pop();
        let v = reconcile(&j, &sent(&j), &short, now_ms());
        assert_eq!(v.state, Verdict::Incomplete, "{v:?}");
        assert_eq!(v.missing_users, vec!["k@x".to_string()]);
        // Another administrator's change on the same user is still changed since.
        let mut events = split_keep_events(true);
        let mut later = ev(REMOVED, "k", Some("W3"), "other-admin");
        later.at_ms += 1000;
        events.push(later);
        let mut readd = ev(ADDED, "k", Some("W57"), "other-admin");
        readd.at_ms += 2000;
        events.push(readd);
        let v = reconcile(&j, &sent(&j), &events, now_ms());
        assert_eq!(v.state, Verdict::ChangedSince, "{v:?}");
        let got: Vec<(&str, Option<&str>, &str)> = v.users[0]
            .changed_since
            .iter()
            .map(|l| (l.event.as_str(), l.workspace.as_deref(), l.by.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (REMOVED, Some("W3"), "other-admin"),
                (ADDED, Some("W57"), "other-admin")
            ]
        );
    }

    #[test]
    fn a_keep_only_of_five_out_of_60_is_one_request_and_verified() {
        let d = tempfile::tempdir().unwrap();
        let j = keep_only(d.path(), 5, true);
        assert_eq!(sent(&j)["k"][0].requests.len(), 1);
        let events: Vec<AuditEvent> = (5..60)
            .map(|i| ev(REMOVED, "k", Some(&format!("W{i}")), "admin"))
            .collect();
        let v = reconcile(&j, &sent(&j), &events, now_ms());
        assert_eq!(v.state, Verdict::Verified, "{v:?}");
        assert_eq!((v.totals.expected, v.totals.found), (55, 55));
    }

    /// Cut between its two requests (in doubt): the first request's removals of kept
    /// workspaces are the run's own, and the re-adds that never came are not missing.
    #[test]
    fn a_keep_only_cut_between_its_requests_is_not_changed_since() {
        let d = tempfile::tempdir().unwrap();
        let j = keep_only(d.path(), 55, false);
        let first_only: Vec<AuditEvent> = split_keep_events(true)
            .into_iter()
            .filter(|e| e.event_type == REMOVED)
            .collect();
        let v = reconcile(&j, &sent(&j), &first_only, now_ms());
        assert_eq!(v.users[0].journal, "in_doubt");
        assert_eq!(v.state, Verdict::Verified, "{v:?}");
        assert_eq!((v.totals.expected, v.totals.found), (10, 10));
        // Both requests landed: all fifteen are the run's own.
        let v = reconcile(&j, &sent(&j), &split_keep_events(true), now_ms());
        assert_eq!(v.state, Verdict::Verified, "{v:?}");
    }

    /// An earlier run on the same user a minute before (inside the clock-skew allowance): its
    /// removal and re-add of W55 are before this run, neither its events nor changed since.
    #[test]
    fn an_earlier_runs_events_just_before_the_start_are_not_changed_since() {
        let d = tempfile::tempdir().unwrap();
        let j = keep_only(d.path(), 5, true);
        let mut events: Vec<AuditEvent> = [REMOVED, ADDED]
            .into_iter()
            .map(|t| {
                let mut e = ev(t, "k", Some("W55"), "admin");
                e.at_ms = started_ms(&j).unwrap() - 60_000;
                e
            })
            .collect();
        events.extend((5..60).map(|i| ev(REMOVED, "k", Some(&format!("W{i}")), "admin")));
        let v = reconcile(&j, &sent(&j), &events, now_ms());
        assert_eq!(v.state, Verdict::Verified, "{v:?}");
        let w55 = v.users[0]
            .expected
            .iter()
            .find(|e| e.workspace.as_deref() == Some("W55"))
            .unwrap();
        assert!(ms_of(w55.at.as_deref().unwrap()).unwrap() >= started_ms(&j).unwrap() - 1000);
    }
}
