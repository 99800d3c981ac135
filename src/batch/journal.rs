//! The journal: one JSON line per event of a batch, each sealed (see `seal`), appended to a
//! mode-0600 file that is created exclusively and locked for the whole run. It holds each
//! user's state before the change, so a run can be resumed after a crash (at most the
//! requests in flight are unknown) and undone later. A line cut off by a kill is set aside in
//! a `.torn` file and the journal made whole before anything is appended again.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fs4::fs_std::FileExt;
use serde::{Deserialize, Serialize};

use crate::batch::seal::{SealKey, seal_of};
use crate::config::create_private;
use crate::plan::{Action, InputCounts, Protected, RunRef, UserState};
use crate::scim::model::PatchRequest;

pub const JOURNAL_VERSION: u32 = 1;

/// What a batch does to each user: an action (re-planned on fresh state), or a restore of
/// recorded states (undo).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Intent {
    Apply {
        action: Action,
        protected: Protected,
    },
    Restore {
        states: HashMap<String, UserState>,
    },
}

impl Intent {
    pub fn label(&self) -> String {
        match self {
            Intent::Apply { action, .. } => action.label(),
            Intent::Restore { .. } => "undo (restore recorded state)".into(),
        }
    }

    /// The cost in access of resuming this intent over `users` users, for every resume
    /// confirmation (headless and TUI); an undo only gives access back.
    pub fn resume_cost(&self, users: usize) -> Option<String> {
        match self {
            Intent::Apply { action, .. } => crate::plan::resume_cost(action, users),
            Intent::Restore { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub user_id: String,
    pub user_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    Done,
    NoOp,
    Failed,
    Protected,
    NotFound,
    /// Sent, and the answer was lost (a timeout, a dropped connection, a 5xx, an unreadable
    /// body) and the server's state could not be read since: resume re-checks it.
    InDoubt,
}

impl ResultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultKind::Done => "done",
            ResultKind::NoOp => "no_op",
            ResultKind::Failed => "failed",
            ResultKind::Protected => "protected",
            ResultKind::NotFound => "not_found",
            ResultKind::InDoubt => "in_doubt",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// First line: what the batch is and whom it covers.
    Run {
        version: u32,
        batch_id: String,
        tenant: String,
        intent: Intent,
        plan_hash: String,
        started: String,
        targets: Vec<Target>,
        /// For an undo run: the run it undoes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        undoes: Option<RunRef>,
        /// For a run made from an input file: its rows that made no item.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        input: Option<InputCounts>,
    },
    /// A later run over the same journal (resume): the users it will look at.
    Resume {
        at: String,
        user_ids: Vec<String>,
    },
    /// Written before the first request for a user is sent.
    Attempt {
        user_id: String,
        user_name: String,
        at: String,
        before: UserState,
        after: UserState,
        requests: Vec<PatchRequest>,
    },
    Result {
        user_id: String,
        user_name: String,
        at: String,
        outcome: ResultKind,
        status: Option<u16>,
        detail: String,
        after: Option<UserState>,
        latency_ms: u64,
    },
    End {
        at: String,
        cancelled: bool,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot write the journal {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the journal {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} is not a scimitar journal: line {line}: {message} (a journal is JSON lines starting with a `run` record)"
    )]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(
        "{path} already exists; a new run never writes into an existing file. Choose another path (apply --journal FILE, undo --undo-journal FILE), or resume that journal with `scimitar resume`; nothing was sent"
    )]
    Exists { path: PathBuf },
    #[error(
        "{path} is a symbolic link; journals are opened only as plain files, never through a link; nothing was sent"
    )]
    Symlink { path: PathBuf },
    #[error("journal in use by {}: {path} is locked by a run that is still going; nothing was sent", holder(*.pid))]
    InUse { path: PathBuf, pid: Option<u32> },
    #[error(
        "the journal is for tenant {journal}, but this connection is to {connection}; nothing was sent"
    )]
    OtherTenant { journal: String, connection: String },
}

fn holder(pid: Option<u32>) -> String {
    match pid {
        Some(p) => format!("PID {p}"),
        None => "another process".into(),
    }
}

/// How often, at most, appended records wait for an fsync.
const SYNC_EVERY: Duration = Duration::from_secs(1);

struct Writer {
    file: File,
    /// The last record's seal: the next one is chained to it.
    prev: String,
    dirty: bool,
    synced: Instant,
    /// Set once the journal was removed, replaced or could not be written: `file` is then
    /// the recovery file.
    diverted: Option<Diverted>,
}

/// Where a journal's records went when the journal itself could no longer be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diverted {
    pub journal: PathBuf,
    /// A complete journal (every record so far, then the rest of the run): resume and undo
    /// take it as they take the journal.
    pub recovery: PathBuf,
    /// "was removed", "was replaced by another file", "could not be written (...)".
    pub why: String,
}

impl std::fmt::Display for Diverted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the journal {} {}; the records so far and the rest of this run are in {} (resume or undo that file)",
            self.journal.display(),
            self.why,
            self.recovery.display()
        )
    }
}

/// The file's device and inode: the same path naming another file is a replacement.
fn identity(m: &std::fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        None
    }
}

/// Why the journal at `path` is no longer the file `w` writes, if it is not.
fn watch(w: &Writer, path: &Path) -> Option<String> {
    if w.diverted.is_some() {
        return None;
    }
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("was removed".into()),
        Err(e) => Some(format!("cannot be checked ({e})")),
        Ok(m) => {
            let ours = w.file.metadata().ok().and_then(|m| identity(&m));
            (identity(&m) != ours).then(|| "was replaced by another file".into())
        }
    }
}

/// A new recovery file for `journal`, created exclusively (0600, never through a link):
/// beside it, or in the data directory's journals when its directory cannot take it.
fn create_recovery(journal: &Path) -> std::io::Result<(File, PathBuf)> {
    let name = journal
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "journal".into());
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let file_name = format!("{name}.recovered-{stamp}.jsonl");
    let beside = journal.with_file_name(&file_name);
    let elsewhere = crate::config::Paths::discover()
        .journal_dir()
        .join(&file_name);
    let mut last = std::io::Error::other("no place for a recovery file");
    for path in [beside, elsewhere] {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Err(e) = crate::config::create_private_dir(dir)
        {
            last = e;
            continue;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).append(true).create_new(true);
        nofollow(&mut opts);
        match opts.open(&path) {
            Ok(f) => return Ok((f, path)),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// An open, locked journal. Share it behind an `Arc`; the lock goes with the last clone.
pub struct Journal {
    path: PathBuf,
    key: SealKey,
    inner: Mutex<Writer>,
}

/// `<journal>.pid`: who holds the lock, so a refused second process can say.
pub fn pid_file(path: &Path) -> PathBuf {
    sibling(path, "pid")
}

/// `<journal>.torn`: the bytes of a record cut off by an interruption.
pub fn torn_file(path: &Path) -> PathBuf {
    sibling(path, "torn")
}

fn sibling(path: &Path, ext: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

fn nofollow(opts: &mut std::fs::OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    let _ = opts;
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false)
}

impl Journal {
    /// A new journal: the file must not exist (nor be a link); it is created 0600 and locked.
    pub fn create(path: &Path, key: &SealKey) -> Result<Journal, JournalError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::config::create_private_dir(dir).map_err(|source| JournalError::Write {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let mut opts = std::fs::OpenOptions::new();
        // Readable too: if the journal is removed mid-run, its records are read back from
        // this handle into the recovery file.
        opts.read(true).append(true).create_new(true);
        nofollow(&mut opts);
        let file = opts.open(path).map_err(|source| {
            if is_symlink(path) {
                JournalError::Symlink {
                    path: path.to_path_buf(),
                }
            } else if source.kind() == std::io::ErrorKind::AlreadyExists {
                JournalError::Exists {
                    path: path.to_path_buf(),
                }
            } else {
                JournalError::Write {
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
        lock(&file, path)?;
        Ok(Journal::with(path, key, file, String::new()))
    }

    /// An existing journal, locked for this process: a torn last line is moved to
    /// `<journal>.torn` and the file made whole. Returns what the journal says, seals checked.
    pub fn resume(path: &Path, key: &SealKey) -> Result<(Journal, JournalState), JournalError> {
        if is_symlink(path) {
            return Err(JournalError::Symlink {
                path: path.to_path_buf(),
            });
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true);
        nofollow(&mut opts);
        let read_err = |source| JournalError::Read {
            path: path.to_path_buf(),
            source,
        };
        let mut file = opts.open(path).map_err(read_err)?;
        lock(&file, path)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(read_err)?;
        let state = JournalState::parse(path, &bytes, Some(key))?;
        let write_err = |source| JournalError::Write {
            path: path.to_path_buf(),
            source,
        };
        if let Some(t) = &state.torn {
            let mut aside = create_private(&torn_file(path), true).map_err(write_err)?;
            aside
                .write_all(&bytes[t.offset as usize..])
                .and_then(|()| aside.write_all(b"\n"))
                .and_then(|()| aside.sync_all())
                .map_err(write_err)?;
            file.set_len(t.offset).map_err(write_err)?;
            file.sync_all().map_err(write_err)?;
        }
        use std::io::Seek;
        file.seek(std::io::SeekFrom::End(0)).map_err(write_err)?;
        let head = state.chain_head.clone();
        Ok((Journal::with(path, key, file, head), state))
    }

    fn with(path: &Path, key: &SealKey, file: File, prev: String) -> Journal {
        // Best effort: the lock is what excludes; the PID only names the holder.
        let _ = crate::config::write_private(
            &pid_file(path),
            std::process::id().to_string().as_bytes(),
        );
        Journal {
            path: path.to_path_buf(),
            key: key.clone(),
            inner: Mutex::new(Writer {
                file,
                prev,
                dirty: false,
                synced: Instant::now(),
                diverted: None,
            }),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Set once the journal was removed, replaced or became unwritable: the run must stop.
    pub fn diverted(&self) -> Option<Diverted> {
        self.writer().diverted.clone()
    }

    /// The file the records go to now: the journal, or its recovery file.
    pub fn current_path(&self) -> PathBuf {
        match &self.writer().diverted {
            Some(d) => d.recovery.clone(),
            None => self.path.clone(),
        }
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Writer> {
        match self.inner.lock() {
            Ok(w) => w,
            Err(p) => p.into_inner(),
        }
    }

    /// Copies every whole record written so far (read back from the open handle, which
    /// still holds them when the path was removed or replaced) into a new recovery file,
    /// and writes there from now on.
    fn divert(&self, w: &mut Writer, why: String) -> Result<(), JournalError> {
        use std::io::Seek;
        let read_err = |source| JournalError::Read {
            path: self.path.clone(),
            source,
        };
        let mut bytes = Vec::new();
        (&w.file)
            .seek(std::io::SeekFrom::Start(0))
            .and_then(|_| (&w.file).read_to_end(&mut bytes))
            .map_err(read_err)?;
        // A record cut off by the failed write is not kept: the chain goes on from `prev`.
        let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        bytes.truncate(whole);
        let (mut file, recovery) =
            create_recovery(&self.path).map_err(|source| JournalError::Write {
                path: self.path.clone(),
                source,
            })?;
        let write_err = |source| JournalError::Write {
            path: recovery.clone(),
            source,
        };
        file.write_all(&bytes)
            .and_then(|()| file.sync_all())
            .map_err(write_err)?;
        lock(&file, &recovery)?;
        tracing::error!(
            "the journal {} {why}; writing to {} from now on",
            self.path.display(),
            recovery.display()
        );
        w.file = file;
        w.dirty = false;
        w.diverted = Some(Diverted {
            journal: self.path.clone(),
            recovery,
            why,
        });
        Ok(())
    }

    /// Appends one sealed record: written to the OS at once (a killed process loses nothing
    /// it wrote), on disk within a second.
    pub fn append(&self, record: &Record) -> Result<(), JournalError> {
        self.write(record, false)
    }

    /// Appends and waits for the disk: the run record and the end.
    pub fn append_synced(&self, record: &Record) -> Result<(), JournalError> {
        self.write(record, true)
    }

    fn write(&self, record: &Record, sync: bool) -> Result<(), JournalError> {
        let err = |source| JournalError::Write {
            path: self.path.clone(),
            source,
        };
        let body = serde_json::to_vec(record).map_err(|e| err(std::io::Error::other(e)))?;
        let mut w = self.writer();
        if let Some(why) = watch(&w, &self.path) {
            self.divert(&mut w, why)?;
        }
        let (mut line, seal) = self.key.seal(&w.prev, &body);
        line.push(b'\n');
        if let Err(e) = w.file.write_all(&line) {
            if w.diverted.is_some() {
                return Err(err(e));
            }
            self.divert(&mut w, format!("could not be written ({e})"))?;
            w.file.write_all(&line).map_err(err)?;
        }
        w.prev = seal;
        w.dirty = true;
        if sync || w.synced.elapsed() >= SYNC_EVERY {
            self.sync_writer(&mut w)?;
        }
        Ok(())
    }

    /// Puts on disk what was written; a journal that cannot take it is diverted.
    fn sync_writer(&self, w: &mut Writer) -> Result<(), JournalError> {
        if let Err(e) = w.file.sync_data() {
            if w.diverted.is_some() {
                return Err(JournalError::Write {
                    path: self.current_path_of(w),
                    source: e,
                });
            }
            self.divert(w, format!("could not be written to disk ({e})"))?;
        }
        w.dirty = false;
        w.synced = Instant::now();
        Ok(())
    }

    fn current_path_of(&self, w: &Writer) -> PathBuf {
        w.diverted
            .as_ref()
            .map_or_else(|| self.path.clone(), |d| d.recovery.clone())
    }

    /// Flushes to disk what was appended since the last sync (the driver calls it each
    /// second, so a quiet run is on disk too).
    /// It also watches the journal: removed or replaced, it is diverted within a second
    /// even when nothing is being written.
    pub fn sync(&self) -> Result<(), JournalError> {
        let mut w = self.writer();
        if let Some(why) = watch(&w, &self.path) {
            self.divert(&mut w, why)?;
        }
        if w.dirty {
            self.sync_writer(&mut w)?;
        }
        Ok(())
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        let _ = self.sync();
        let _ = std::fs::remove_file(pid_file(&self.path));
    }
}

fn lock(file: &File, path: &Path) -> Result<(), JournalError> {
    match FileExt::try_lock_exclusive(file) {
        Ok(true) => Ok(()),
        Ok(false) => Err(JournalError::InUse {
            path: path.to_path_buf(),
            pid: std::fs::read_to_string(pid_file(path))
                .ok()
                .and_then(|s| s.trim().parse().ok()),
        }),
        Err(source) => Err(JournalError::Write {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Whether the seals of a journal were checked, and how that went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealCheck {
    /// Read without the key (tests, reports).
    NotChecked,
    Verified,
    /// The first line whose seal is missing or wrong: edited, or made on another machine.
    Broken {
        line: usize,
    },
}

/// A last line cut off by an interruption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Torn {
    pub line: usize,
    /// Where the whole part of the file ends.
    pub offset: u64,
}

impl Torn {
    pub fn message(&self) -> String {
        format!(
            "line {} was cut off by an interruption; its request is re-checked",
            self.line
        )
    }
}

/// Everything a journal says, folded per user.
#[derive(Debug, Clone)]
pub struct JournalState {
    pub path: PathBuf,
    pub batch_id: String,
    pub tenant: String,
    pub intent: Intent,
    pub plan_hash: String,
    /// When the run record was written (RFC 3339).
    pub started: String,
    /// The time of the last record that carries one: when the run last did something.
    pub last_at: String,
    /// For an undo run: the run it undoes.
    pub undoes: Option<RunRef>,
    /// Input rows that made no item (malformed, duplicates), when the run came from a file.
    pub input: Option<InputCounts>,
    pub targets: Vec<Target>,
    /// The earliest recorded state before any change, per user.
    pub first_before: HashMap<String, UserState>,
    /// The planned state of each user's latest attempt.
    pub attempt_after: HashMap<String, UserState>,
    /// Users with an attempt that carried requests: only those can have been changed.
    pub sent: HashSet<String>,
    /// The last result per user.
    pub last_result: HashMap<String, Record>,
    /// Users with an attempt after their last result (or none): in flight when it stopped.
    pub unknown: Vec<String>,
    /// Users in flight at an interruption whose re-check on resume found the change made:
    /// this batch changed them, the answer was lost.
    pub confirmed: HashSet<String>,
    pub ended: bool,
    /// A torn last line (the process died while writing it), set aside, not read.
    pub torn: Option<Torn>,
    pub torn_lines: usize,
    pub seal: SealCheck,
    /// The last record's seal: where appending goes on.
    pub chain_head: String,
}

impl JournalState {
    /// Reads a journal without checking its seals or taking its lock (reports, tests).
    pub fn read(path: &Path) -> Result<JournalState, JournalError> {
        let bytes = std::fs::read(path).map_err(|source| JournalError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        JournalState::parse(path, &bytes, None)
    }

    /// Reads and checks every seal with `key`.
    pub fn read_sealed(path: &Path, key: &SealKey) -> Result<JournalState, JournalError> {
        let bytes = std::fs::read(path).map_err(|source| JournalError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        JournalState::parse(path, &bytes, Some(key))
    }

    pub fn parse(
        path: &Path,
        bytes: &[u8],
        key: Option<&SealKey>,
    ) -> Result<JournalState, JournalError> {
        let invalid = |line: usize, message: String| JournalError::Invalid {
            path: path.to_path_buf(),
            line,
            message,
        };
        // Everything after the last newline was being written when the process stopped.
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let text = std::str::from_utf8(&bytes[..whole])
            .map_err(|e| invalid(1, format!("not UTF-8 text: {e}")))?;
        let torn = (whole < bytes.len()).then(|| Torn {
            line: text.lines().count() + 1,
            offset: whole as u64,
        });
        let mut state: Option<JournalState> = None;
        let mut open_attempts: HashMap<String, bool> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut prev = String::new();
        let mut seal = match key {
            Some(_) => SealCheck::Verified,
            None => SealCheck::NotChecked,
        };
        for (i, l) in text.lines().enumerate() {
            let n = i + 1;
            if l.trim().is_empty() {
                continue;
            }
            let rec: Record = serde_json::from_str(l).map_err(|e| invalid(n, e.to_string()))?;
            prev = chain_step(key, &prev, l, n, &mut seal);
            match rec {
                run @ Record::Run { .. } => {
                    if state.is_some() {
                        return Err(invalid(n, "a second `run` record".into()));
                    }
                    state = Some(JournalState::from_run(path, run, n)?);
                }
                other => {
                    let Some(s) = state.as_mut() else {
                        return Err(invalid(n, "the first record is not a `run` record".into()));
                    };
                    s.fold(other, &mut open_attempts, &mut order);
                }
            }
        }
        let Some(mut s) = state else {
            return Err(invalid(
                1,
                if torn.is_some() {
                    "the first record was cut off by an interruption: the run stopped before it sent anything; nothing to resume or undo".into()
                } else {
                    "the journal is empty".into()
                },
            ));
        };
        s.unknown = order
            .into_iter()
            .filter(|id| open_attempts.get(id).copied().unwrap_or(false))
            .collect();
        s.torn_lines = usize::from(torn.is_some());
        s.torn = torn;
        s.seal = seal;
        s.chain_head = prev;
        Ok(s)
    }

    /// The state a journal's `run` record (on `line`) starts; `run` is always a `Record::Run`.
    fn from_run(path: &Path, run: Record, line: usize) -> Result<JournalState, JournalError> {
        let invalid = |message: String| JournalError::Invalid {
            path: path.to_path_buf(),
            line,
            message,
        };
        let Record::Run {
            version,
            batch_id,
            tenant,
            intent,
            plan_hash,
            targets,
            started,
            undoes,
            input,
        } = run
        else {
            return Err(invalid("not a `run` record".into()));
        };
        if version != JOURNAL_VERSION {
            return Err(invalid(format!(
                "journal version {version}; this scimitar reads {JOURNAL_VERSION}"
            )));
        }
        Ok(JournalState {
            path: path.to_path_buf(),
            batch_id,
            tenant,
            intent,
            plan_hash,
            last_at: started.clone(),
            started,
            undoes,
            input,
            targets,
            first_before: HashMap::new(),
            attempt_after: HashMap::new(),
            sent: HashSet::new(),
            last_result: HashMap::new(),
            unknown: Vec::new(),
            confirmed: HashSet::new(),
            ended: false,
            torn: None,
            torn_lines: 0,
            seal: SealCheck::NotChecked,
            chain_head: String::new(),
        })
    }

    /// Folds one record after the `run` record into the state. `open_attempts` says which users
    /// have an attempt without a result yet; `order` lists users by first attempt.
    fn fold(
        &mut self,
        other: Record,
        open_attempts: &mut HashMap<String, bool>,
        order: &mut Vec<String>,
    ) {
        match &other {
            Record::Attempt { at, .. }
            | Record::Result { at, .. }
            | Record::End { at, .. }
            | Record::Resume { at, .. } => self.last_at.clone_from(at),
            Record::Run { .. } => {}
        }
        match &other {
            Record::Attempt {
                user_id,
                before,
                after,
                requests,
                ..
            } => {
                if !requests.is_empty() {
                    self.sent.insert(user_id.clone());
                }
                self.first_before
                    .entry(user_id.clone())
                    .or_insert_with(|| before.clone());
                self.attempt_after.insert(user_id.clone(), after.clone());
                if open_attempts.insert(user_id.clone(), true).is_none() {
                    order.push(user_id.clone());
                }
            }
            Record::Result {
                user_id, outcome, ..
            } => {
                let was_open = open_attempts.insert(user_id.clone(), false) == Some(true);
                // Found at the target after an attempt of this batch: this batch changed it,
                // whatever the first answer said.
                let attempted = was_open || self.first_before.contains_key(user_id);
                if *outcome == ResultKind::NoOp && attempted {
                    self.confirmed.insert(user_id.clone());
                } else {
                    self.confirmed.remove(user_id);
                }
                self.last_result.insert(user_id.clone(), other.clone());
            }
            Record::End { .. } => self.ended = true,
            Record::Resume { .. } => self.ended = false,
            Record::Run { .. } => {}
        }
    }

    /// A journal is only ever continued or undone on the tenant it was written for.
    pub fn check_tenant(&self, tenant: &str) -> Result<(), JournalError> {
        if self.tenant != tenant {
            return Err(JournalError::OtherTenant {
                journal: self.tenant.clone(),
                connection: tenant.to_string(),
            });
        }
        Ok(())
    }

    /// The user's final outcome; a change confirmed on resume counts as done.
    pub fn outcome_of(&self, user_id: &str) -> Option<ResultKind> {
        if self.confirmed.contains(user_id) {
            return Some(ResultKind::Done);
        }
        match self.last_result.get(user_id) {
            Some(Record::Result { outcome, .. }) => Some(*outcome),
            _ => None,
        }
    }

    /// Targets never looked at (no attempt and no result).
    pub fn remaining(&self) -> Vec<Target> {
        self.targets
            .iter()
            .filter(|t| {
                !self.last_result.contains_key(&t.user_id) && !self.unknown.contains(&t.user_id)
            })
            .cloned()
            .collect()
    }

    pub fn failed(&self) -> Vec<Target> {
        self.targets
            .iter()
            .filter(|t| self.outcome_of(&t.user_id) == Some(ResultKind::Failed))
            .cloned()
            .collect()
    }

    /// Users whose last answer was lost and whose state could not be read since.
    pub fn in_doubt(&self) -> Vec<Target> {
        self.targets
            .iter()
            .filter(|t| self.outcome_of(&t.user_id) == Some(ResultKind::InDoubt))
            .cloned()
            .collect()
    }

    pub fn unknown_targets(&self) -> Vec<Target> {
        self.targets
            .iter()
            .filter(|t| self.unknown.contains(&t.user_id))
            .cloned()
            .collect()
    }

    /// Whom a resume looks at: users in flight at the interruption or in doubt (re-checked),
    /// users never started, and, with `include_failed`, users that failed. Each once, in plan order.
    pub fn resume_targets(&self, include_failed: bool) -> Vec<Target> {
        let mut seen: HashSet<String> = HashSet::new();
        let failed = if include_failed {
            self.failed()
        } else {
            Vec::new()
        };
        self.unknown_targets()
            .into_iter()
            .chain(self.in_doubt())
            .chain(self.remaining())
            .chain(failed)
            .filter(|t| seen.insert(t.user_id.clone()))
            .collect()
    }
}

pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

/// Checks one line's seal against the chain so far and returns the new chain head. The
/// first line that does not verify marks the seal broken; the chain then continues from
/// each line's own seal.
fn chain_step(
    key: Option<&SealKey>,
    prev: &str,
    line: &str,
    n: usize,
    seal: &mut SealCheck,
) -> String {
    if let Some(s) = key.and_then(|k| k.verify(prev, line)) {
        return s;
    }
    if key.is_some() && *seal == SealCheck::Verified {
        *seal = SealCheck::Broken { line: n };
    }
    seal_of(line).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_record() -> Record {
        Record::Run {
            version: JOURNAL_VERSION,
            batch_id: "b1".into(),
            tenant: "t".into(),
            intent: Intent::Apply {
                action: Action::Disable,
                protected: Protected::default(),
            },
            plan_hash: "h".into(),
            started: now_rfc3339(),
            undoes: None,
            input: None,
            targets: ["a", "b", "c"]
                .iter()
                .map(|id| Target {
                    user_id: id.to_string(),
                    user_name: format!("{id}@x"),
                })
                .collect(),
        }
    }

    fn attempt(id: &str, active: bool) -> Record {
        Record::Attempt {
            user_id: id.into(),
            user_name: format!("{id}@x"),
            at: now_rfc3339(),
            before: UserState {
                active,
                workspaces: vec![],
            },
            after: UserState {
                active: false,
                workspaces: vec![],
            },
            requests: vec![],
        }
    }

    #[test]
    fn folds_results_unknowns_and_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.jsonl");
        let j = Journal::create(&p, &SealKey::fixed(1)).unwrap();
        j.append(&run_record()).unwrap();
        j.append(&attempt("a", true)).unwrap();
        j.append(&Record::Result {
            user_id: "a".into(),
            user_name: "a@x".into(),
            at: now_rfc3339(),
            outcome: ResultKind::Done,
            status: Some(200),
            detail: String::new(),
            after: None,
            latency_ms: 3,
        })
        .unwrap();
        j.append(&attempt("b", true)).unwrap();
        drop(j);
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"record\":\"resu").unwrap();
        let s = JournalState::read(&p).unwrap();
        assert_eq!(s.outcome_of("a"), Some(ResultKind::Done));
        assert_eq!(s.unknown, vec!["b".to_string()]);
        assert_eq!(s.remaining().len(), 1);
        assert_eq!(s.remaining()[0].user_id, "c");
        assert_eq!(s.torn_lines, 1);
        assert!(s.first_before["b"].active);
    }

    #[test]
    fn earliest_before_state_is_kept_for_undo() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.jsonl");
        let j = Journal::create(&p, &SealKey::fixed(1)).unwrap();
        j.append(&run_record()).unwrap();
        j.append(&attempt("a", true)).unwrap();
        j.append(&attempt("a", false)).unwrap();
        let s = JournalState::read(&p).unwrap();
        assert!(s.first_before["a"].active);
    }

    #[test]
    fn a_new_journal_never_opens_an_existing_file_or_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let key = SealKey::fixed(1);
        let p = dir.path().join("j.jsonl");
        std::fs::write(&p, "x\n").unwrap();
        let e = Journal::create(&p, &key).err().unwrap();
        assert!(matches!(e, JournalError::Exists { .. }), "{e}");
        assert!(e.to_string().contains(&p.display().to_string()));
        #[cfg(unix)]
        {
            let link = dir.path().join("l.jsonl");
            std::os::unix::fs::symlink(&p, &link).unwrap();
            let e = Journal::create(&link, &key).err().unwrap();
            assert!(matches!(e, JournalError::Symlink { .. }), "{e}");
            let e = Journal::resume(&link, &key).err().unwrap();
            assert!(matches!(e, JournalError::Symlink { .. }), "{e}");
        }
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "x\n");
    }

    #[test]
    fn a_second_opener_is_refused_with_the_holders_pid() {
        let dir = tempfile::tempdir().unwrap();
        let key = SealKey::fixed(1);
        let p = dir.path().join("j.jsonl");
        let j = Journal::create(&p, &key).unwrap();
        j.append_synced(&run_record()).unwrap();
        let e = Journal::resume(&p, &key).err().unwrap();
        let pid = std::process::id();
        assert!(
            e.to_string()
                .contains(&format!("journal in use by PID {pid}")),
            "{e}"
        );
        drop(j);
        assert!(!pid_file(&p).exists());
        let (_j, s) = Journal::resume(&p, &key).unwrap();
        assert_eq!(s.seal, SealCheck::Verified);
    }

    #[test]
    fn a_removed_journal_is_diverted_to_a_sealed_recovery_file_that_resumes() {
        let dir = tempfile::tempdir().unwrap();
        let key = SealKey::fixed(1);
        let p = dir.path().join("j.jsonl");
        let j = Journal::create(&p, &key).unwrap();
        j.append_synced(&run_record()).unwrap();
        j.append(&attempt("a", true)).unwrap();
        assert!(j.diverted().is_none());
        std::fs::remove_file(&p).unwrap();
        j.sync().unwrap();
        let d = j.diverted().expect("diverted within a sync");
        assert_eq!(d.why, "was removed");
        assert_eq!(j.current_path(), d.recovery);
        assert!(d.to_string().contains(&p.display().to_string()));
        assert!(d.to_string().contains(&d.recovery.display().to_string()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&d.recovery).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        j.append(&attempt("b", true)).unwrap();
        drop(j);
        let (_j, s) = Journal::resume(&d.recovery, &key).unwrap();
        assert_eq!(
            s.seal,
            SealCheck::Verified,
            "the chain goes on in the recovery file"
        );
        assert!(s.first_before.contains_key("a") && s.first_before.contains_key("b"));
        assert!(!p.exists(), "the removed journal is not recreated");
    }

    #[test]
    fn a_torn_tail_is_set_aside_and_the_chain_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let key = SealKey::fixed(1);
        let p = dir.path().join("j.jsonl");
        let j = Journal::create(&p, &key).unwrap();
        j.append(&run_record()).unwrap();
        j.append(&attempt("a", true)).unwrap();
        drop(j);
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"record\":\"resu").unwrap();
        drop(f);
        let (j, s) = Journal::resume(&p, &key).unwrap();
        let torn = s.torn.clone().unwrap();
        assert_eq!(torn.line, 3);
        assert!(
            torn.message()
                .starts_with("line 3 was cut off by an interruption")
        );
        assert_eq!(
            std::fs::read(torn_file(&p)).unwrap(),
            b"{\"record\":\"resu\n"
        );
        j.append(&attempt("b", true)).unwrap();
        drop(j);
        let s = JournalState::read_sealed(&p, &key).unwrap();
        assert_eq!((s.seal, s.torn), (SealCheck::Verified, None));
        assert_eq!(s.unknown, vec!["a".to_string(), "b".to_string()]);
        // Another installation's key does not verify it.
        let s = JournalState::read_sealed(&p, &SealKey::fixed(2)).unwrap();
        assert_eq!(s.seal, SealCheck::Broken { line: 1 });
    }

    #[test]
    fn not_a_journal_is_refused_with_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "id,email\n1,a@b\n").unwrap();
        let e = JournalState::read(&p).unwrap_err().to_string();
        assert!(
            e.contains("line 1") && e.contains("not a scimitar journal"),
            "{e}"
        );
    }
}
