//! Run history: the runs whose journals are in the journals directory, each read back with the
//! one journal reader (`JournalState`) and summarised as `report` does, with its state derived
//! from the journals themselves: still running (its lock is held), interrupted (something left
//! to resume), complete, or undone (an undo run of it completed). Front-end neutral: the
//! `runs` command and the TUI's history both use it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::batch::journal::{JournalError, JournalState};
use crate::batch::report::{ReportRow, Summary, failures, report_paths};

/// Where a run stands, as far as its journals tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Another process (or this one) holds the journal's lock: the run is going on.
    Running,
    /// Stopped before its end, or with users in doubt or never started: resume finishes it.
    Interrupted,
    /// Every user was looked at (some may have failed: see the counts).
    Complete,
    /// An undo run of it completed with no failure.
    Undone,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Interrupted => "interrupted",
            RunState::Complete => "complete",
            RunState::Undone => "undone",
        }
    }
}

/// One past run, as the history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunEntry {
    /// The batch id (what `runs show ID` takes).
    pub id: String,
    /// When the run started (RFC 3339, UTC).
    pub started: String,
    /// When its journal last recorded something (the end, or where it stopped).
    pub last_activity: String,
    pub tenant: String,
    pub state: RunState,
    /// For an undo run: the id of the run it undoes.
    pub undoes: Option<String>,
    /// The undo runs of this run, oldest first (whether they completed or not).
    pub undone_by: Vec<String>,
    /// Counts, action, journal and report paths, as `apply` prints them.
    #[serde(flatten)]
    pub summary: Summary,
    /// The last check against Anaplan's audit log (`runs verify`, `--verify`, `v`).
    pub verification: crate::batch::verify::VerifyStatus,
}

impl RunEntry {
    pub fn journal(&self) -> &Path {
        Path::new(&self.summary.journal)
    }

    /// Users a resume would look at: in doubt, never started, or failed.
    pub fn left(&self) -> usize {
        self.summary.in_doubt
            + self.summary.unknown
            + self.summary.not_started
            + self.summary.failed
    }
}

/// A journal in the directory that could not be read as one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    pub journal: String,
    pub error: String,
}

/// Every run in a journals directory, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunList {
    pub dir: String,
    pub runs: Vec<RunEntry>,
    pub unreadable: Vec<Unreadable>,
}

/// One run with every user that failed and why, in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunDetail {
    #[serde(flatten)]
    pub entry: RunEntry,
    /// Users that failed, or were gone when the run came to them, with the server's reason.
    pub failures: Vec<ReportRow>,
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot read the journals directory {dir}: {source}")]
    Dir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no run has the id `{id}` in {dir}, and no such journal file exists. `scimitar runs` lists the runs; give a batch id (or its first characters) or a journal's path"
    )]
    NotFound { id: String, dir: PathBuf },
    #[error("`{id}` matches {} runs ({}); give more of the id, or the journal's path", matches.len(), matches.join(", "))]
    Ambiguous { id: String, matches: Vec<String> },
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// Journal files: `*.jsonl` (reports, `.torn` and `.pid` files sit beside them).
pub fn is_journal(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "jsonl") && path.is_file()
}

/// Reads every journal in `dir`. A missing directory is an empty history (no run yet).
pub fn list(dir: &Path) -> Result<RunList, HistoryError> {
    let mut out = RunList {
        dir: dir.display().to_string(),
        ..RunList::default()
    };
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(source) => {
            return Err(HistoryError::Dir {
                dir: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut paths: Vec<PathBuf> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_journal(p))
        .collect();
    paths.sort();
    let mut states = Vec::new();
    for p in paths {
        match JournalState::read(&p) {
            Ok(s) => states.push(s),
            Err(e) => out.unreadable.push(Unreadable {
                journal: p.display().to_string(),
                error: e.to_string(),
            }),
        }
    }
    out.runs = entries(&states);
    Ok(out)
}

/// Summarises journals, linking each undo run to the run it undoes.
fn entries(states: &[JournalState]) -> Vec<RunEntry> {
    let mut runs: Vec<RunEntry> = states.iter().map(entry_of).collect();
    // Undo runs by (batch id, journal file name) of the run they undo.
    let mut undos: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, s) in states.iter().enumerate() {
        if let Some(r) = &s.undoes {
            undos
                .entry((r.batch_id.clone(), file_name(Path::new(&r.journal))))
                .or_default()
                .push(i);
        }
    }
    for (i, s) in states.iter().enumerate() {
        let Some(by) = undos.get(&(s.batch_id.clone(), file_name(&s.path))) else {
            continue;
        };
        let mut by = by.clone();
        by.sort_by(|a, b| runs[*a].started.cmp(&runs[*b].started));
        let undone = by
            .iter()
            .any(|&u| runs[u].state == RunState::Complete && runs[u].summary.failed == 0);
        runs[i].undone_by = by.iter().map(|&u| runs[u].id.clone()).collect();
        if undone && runs[i].state == RunState::Complete {
            runs[i].state = RunState::Undone;
        }
    }
    runs.sort_by(|a, b| b.started.cmp(&a.started).then_with(|| a.id.cmp(&b.id)));
    runs
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// One journal's entry, read alone (no undo linking: that needs the others).
pub fn entry(path: &Path) -> Result<RunEntry, JournalError> {
    JournalState::read(path).map(|s| entry_of(&s))
}

fn entry_of(s: &JournalState) -> RunEntry {
    let mut summary = Summary::from_journal(s);
    let (csv, json) = report_paths(&s.path);
    summary.report_csv = csv.is_file().then(|| csv.display().to_string());
    summary.report_json = json.is_file().then(|| json.display().to_string());
    let state = if is_locked(&s.path) {
        RunState::Running
    } else if s.ended && summary.to_recheck() == 0 {
        RunState::Complete
    } else {
        RunState::Interrupted
    };
    RunEntry {
        id: s.batch_id.clone(),
        started: s.started.clone(),
        last_activity: s.last_at.clone(),
        tenant: s.tenant.clone(),
        state,
        undoes: s.undoes.as_ref().map(|r| r.batch_id.clone()),
        undone_by: Vec::new(),
        summary,
        verification: crate::batch::verify::VerifyStatus::of(s),
    }
}

/// Whether a run holds the journal's lock. The shared lock is let go at once; a run starting
/// in that instant is refused with "journal in use", never harmed.
pub fn is_locked(path: &Path) -> bool {
    use fs4::fs_std::FileExt;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    match FileExt::try_lock_shared(&f) {
        Ok(true) => {
            let _ = FileExt::unlock(&f);
            false
        }
        Ok(false) => true,
        Err(_) => false,
    }
}

/// The journal that a batch id (case-insensitive; a unique prefix will do), a journal's file
/// name or a path names: the one resolver of every command that takes a journal (`resume`,
/// `undo`, `runs show`, `runs verify`).
pub fn resolve(dir: &Path, id_or_path: &str) -> Result<PathBuf, HistoryError> {
    let wanted = id_or_path.trim();
    let as_path = Path::new(wanted);
    if as_path.is_file() {
        return Ok(as_path.to_path_buf());
    }
    let all = list(dir)?;
    by_id(&all, dir, wanted).map(|r| r.journal().to_path_buf())
}

fn by_id(all: &RunList, dir: &Path, wanted: &str) -> Result<RunEntry, HistoryError> {
    find(all, wanted).map_err(|e| match e {
        Find::None => HistoryError::NotFound {
            id: wanted.to_string(),
            dir: dir.to_path_buf(),
        },
        Find::Many(matches) => HistoryError::Ambiguous {
            id: wanted.to_string(),
            matches,
        },
    })
}

/// One run by batch id (case-insensitive; a unique prefix will do), journal file name, or the
/// path of a journal anywhere. Its undo state comes from the journals in `dir`.
pub fn load(dir: &Path, id_or_path: &str) -> Result<RunDetail, HistoryError> {
    let all = list(dir)?;
    let wanted = id_or_path.trim();
    let as_path = Path::new(wanted);
    let entry = if as_path.is_file() {
        let canon = |p: &Path| std::fs::canonicalize(p).ok();
        let target = canon(as_path);
        match all
            .runs
            .iter()
            .find(|r| target.is_some() && canon(r.journal()) == target)
        {
            Some(r) => r.clone(),
            None => {
                // A journal outside the directory: linked to the undo runs found there.
                let s = JournalState::read(as_path)?;
                let mut states: Vec<JournalState> = all
                    .runs
                    .iter()
                    .filter_map(|r| JournalState::read(r.journal()).ok())
                    .collect();
                states.push(s);
                let id = states
                    .last()
                    .map(|s| s.batch_id.clone())
                    .unwrap_or_default();
                entries(&states)
                    .into_iter()
                    .find(|r| r.id == id && file_name(r.journal()) == file_name(as_path))
                    .ok_or_else(|| HistoryError::NotFound {
                        id: wanted.to_string(),
                        dir: dir.to_path_buf(),
                    })?
            }
        }
    } else {
        by_id(&all, dir, wanted)?
    };
    let state = JournalState::read(entry.journal())?;
    let failures = failures(&state);
    Ok(RunDetail { entry, failures })
}

/// The undo run that completed (with no failure) for the run whose journal is `journal`:
/// its id and when it ended, the latest when there were several.
/// Undo runs are looked for in `dir` and beside the journal (a run given `--journal`
/// elsewhere).
pub fn undone_by(dir: &Path, journal: &Path) -> Option<(String, String)> {
    let mut dirs = vec![dir.to_path_buf()];
    if let Some(parent) = journal.parent().filter(|p| !p.as_os_str().is_empty())
        && std::fs::canonicalize(parent).ok() != std::fs::canonicalize(dir).ok()
    {
        dirs.push(parent.to_path_buf());
    }
    dirs.iter()
        .filter_map(|d| {
            let run = load(d, &journal.display().to_string()).ok()?;
            list(d)
                .ok()?
                .runs
                .into_iter()
                .filter(|u| run.entry.undone_by.contains(&u.id))
                .filter(|u| {
                    matches!(u.state, RunState::Complete | RunState::Undone)
                        && u.summary.failed == 0
                })
                .max_by(|a, b| a.last_activity.cmp(&b.last_activity))
        })
        .max_by(|a, b| a.last_activity.cmp(&b.last_activity))
        .map(|u| (u.id, u.last_activity))
}

/// [`undone_by`] for the run an undo plan names: by its journal, or by its batch id when
/// the journal has moved.
pub fn undone_run(dir: &Path, run: &crate::plan::RunRef) -> Option<(String, String)> {
    let journal = Path::new(&run.journal);
    let journal = if journal.is_file() {
        journal.to_path_buf()
    } else {
        resolve(dir, &run.batch_id).ok()?
    };
    undone_by(dir, &journal)
}

/// What to say when `--plan` names a run rather than a plan file, or `None`.
pub fn run_not_plan(dir: &Path, value: &str) -> Option<String> {
    let r = load(dir, value).ok()?;
    Some(format!(
        "`{value}` is run {id}, not a plan file. To put back what it changed: scimitar undo {id} (or save its undo plan with scimitar undo {id} --save-plan FILE and run that file with scimitar apply --plan FILE)",
        id = r.entry.id
    ))
}

enum Find {
    None,
    Many(Vec<String>),
}

fn find(all: &RunList, wanted: &str) -> Result<RunEntry, Find> {
    if wanted.is_empty() {
        return Err(Find::None);
    }
    let w = wanted.to_ascii_lowercase();
    let exact: Vec<&RunEntry> = all
        .runs
        .iter()
        .filter(|r| {
            r.id.eq_ignore_ascii_case(&w)
                || file_name(r.journal()).eq_ignore_ascii_case(&w)
                || r.journal()
                    .file_stem()
                    .is_some_and(|s| s.to_string_lossy().eq_ignore_ascii_case(&w))
        })
        .collect();
    let pick = |v: Vec<&RunEntry>| match v.as_slice() {
        [] => Err(Find::None),
        [one] => Ok((*one).clone()),
        many => Err(Find::Many(
            many.iter()
                .map(|r| format!("{} ({})", r.id, file_name(r.journal())))
                .collect(),
        )),
    };
    match pick(exact) {
        Err(Find::None) => pick(
            all.runs
                .iter()
                .filter(|r| r.id.to_ascii_lowercase().starts_with(&w))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::journal::{Intent, Journal, Record, ResultKind, Target, now_rfc3339};
    use crate::batch::seal::SealKey;
    use crate::plan::{Action, Protected, RunRef, UserState};

    fn run(id: &str, undoes: Option<RunRef>) -> Record {
        Record::Run {
            version: crate::batch::journal::JOURNAL_VERSION,
            batch_id: id.into(),
            tenant: "t".into(),
            intent: Intent::Apply {
                action: Action::Disable,
                protected: Protected::default(),
            },
            plan_hash: "h".into(),
            started: now_rfc3339(),
            targets: vec![Target {
                user_id: "a".into(),
                user_name: "a@x".into(),
            }],
            undoes,
            input: None,
        }
    }

    fn result(outcome: ResultKind) -> Record {
        Record::Result {
            user_id: "a".into(),
            user_name: "a@x".into(),
            at: now_rfc3339(),
            outcome,
            status: Some(500),
            detail: "Service temporarily unavailable: the whole reason".into(),
            after: None::<UserState>,
            latency_ms: 1,
        }
    }

    fn end() -> Record {
        Record::End {
            at: now_rfc3339(),
            cancelled: false,
        }
    }

    fn write(dir: &Path, name: &str, records: &[Record]) -> PathBuf {
        let p = dir.join(name);
        let j = Journal::create(&p, &SealKey::fixed(1)).unwrap();
        for r in records {
            j.append(r).unwrap();
        }
        p
    }

    #[test]
    fn states_come_from_the_journals() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        write(dir, "1-aaaa0001.jsonl", &[run("aaaa0001", None)]);
        let done = write(
            dir,
            "2-bbbb0002.jsonl",
            &[run("bbbb0002", None), result(ResultKind::Done), end()],
        );
        write(
            dir,
            "3-cccc0003.jsonl",
            &[
                run(
                    "cccc0003",
                    Some(RunRef {
                        batch_id: "bbbb0002".into(),
                        journal: done.display().to_string(),
                    }),
                ),
                result(ResultKind::Done),
                end(),
            ],
        );
        std::fs::write(dir.join("4-broken.jsonl"), "not json\n").unwrap();
        let l = list(dir).unwrap();
        let state = |id: &str| l.runs.iter().find(|r| r.id == id).unwrap().state;
        assert_eq!(state("aaaa0001"), RunState::Interrupted);
        assert_eq!(state("bbbb0002"), RunState::Undone);
        assert_eq!(state("cccc0003"), RunState::Complete);
        assert_eq!(l.unreadable.len(), 1);
        assert!(l.unreadable[0].error.contains("not a scimitar journal"));
    }

    #[test]
    fn an_undo_that_failed_leaves_the_run_complete_and_names_the_undo() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        let done = write(
            dir,
            "1-bbbb0002.jsonl",
            &[run("bbbb0002", None), result(ResultKind::Done), end()],
        );
        write(
            dir,
            "2-dddd0004.jsonl",
            &[
                run(
                    "dddd0004",
                    Some(RunRef {
                        batch_id: "bbbb0002".into(),
                        journal: done.display().to_string(),
                    }),
                ),
                result(ResultKind::Failed),
                end(),
            ],
        );
        let d = load(dir, "bbbb").unwrap();
        assert_eq!(d.entry.state, RunState::Complete);
        assert_eq!(d.entry.undone_by, vec!["dddd0004".to_string()]);
        let u = load(dir, "dddd0004").unwrap();
        assert_eq!(u.failures.len(), 1);
        assert_eq!(
            u.failures[0].detail,
            "Service temporarily unavailable: the whole reason"
        );
    }

    #[test]
    fn ids_prefixes_and_paths_find_a_run_and_bad_ones_say_what_is_accepted() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        let p = write(dir, "1-abcd0001.jsonl", &[run("abcd0001", None)]);
        write(dir, "2-abcd0002.jsonl", &[run("abcd0002", None)]);
        assert_eq!(load(dir, "ABCD0001").unwrap().entry.id, "abcd0001");
        assert_eq!(load(dir, "1-abcd0001").unwrap().entry.id, "abcd0001");
        assert_eq!(load(dir, p.to_str().unwrap()).unwrap().entry.id, "abcd0001");
        let e = load(dir, "abcd").unwrap_err().to_string();
        assert!(e.contains("matches 2 runs"), "{e}");
        let e = load(dir, "ffff").unwrap_err().to_string();
        assert!(
            e.contains("no run has the id `ffff`") && e.contains("scimitar runs"),
            "{e}"
        );
    }

    #[test]
    fn resolve_gives_the_journal_and_an_ambiguous_prefix_names_every_candidate() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        let p1 = write(dir, "1-abcd0001.jsonl", &[run("abcd0001", None)]);
        let p2 = write(dir, "2-abcd0002.jsonl", &[run("abcd0002", None)]);
        assert_eq!(resolve(dir, "abcd0002").unwrap(), p2);
        assert_eq!(resolve(dir, " ABCD0001 ").unwrap(), p1);
        assert_eq!(resolve(dir, p1.to_str().unwrap()).unwrap(), p1);
        let e = resolve(dir, "abc").unwrap_err().to_string();
        assert!(
            e.contains("`abc` matches 2 runs")
                && e.contains("abcd0001 (1-abcd0001.jsonl)")
                && e.contains("abcd0002 (2-abcd0002.jsonl)"),
            "{e}"
        );
        assert!(resolve(dir, "").is_err());
    }

    #[test]
    fn no_directory_is_no_run_yet() {
        let d = tempfile::tempdir().unwrap();
        let l = list(&d.path().join("journals")).unwrap();
        assert!(l.runs.is_empty() && l.unreadable.is_empty());
    }
}
