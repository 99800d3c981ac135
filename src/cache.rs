//! The local cache of a tenant's users: written after a complete load, read at the next
//! start so the TUI is browsable at once while a fresh load runs. It is only ever shown,
//! never acted on (plans re-read every user before writing). One file per tenant identity,
//! mode 0600 (it holds emails), replaced atomically. The first line is a versioned header,
//! so a cache from another version, another tenant or a torn write is ignored, not trusted.

use std::fs;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::create_private;
use crate::scim::model::Workspace;
use crate::store::UserStore;

mod logins;
pub use logins::{file_beside as logins_file, read_logins, write_logins};

/// Where the tenant's users are cached, and for which tenant identity.
#[derive(Debug, Clone)]
pub struct CacheFile {
    pub path: PathBuf,
    pub identity: String,
}

const FORMAT: &str = "scimitar-user-cache";
/// Bumped whenever the rows change shape; other versions are ignored.
pub const VERSION: u32 = 1;
const PREFIX: &str = "users-";
const SUFFIX: &str = ".cache";

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot read or write the user cache {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the user cache {path} is not readable ({why}); it was ignored")]
    Corrupt { path: PathBuf, why: String },
    #[error(
        "the user cache {path} was written by another version of scimitar (format {found}, this one reads {VERSION}); it was ignored"
    )]
    Version { path: PathBuf, found: u32 },
    #[error("the user cache {path} belongs to another tenant; it was ignored")]
    Tenant { path: PathBuf },
}

/// The first line of the file.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    tenant: String,
    /// Seconds since the Unix epoch.
    saved_at: u64,
    total: u64,
}

/// A row of the second line: read back with owned strings (`Row<String, Vec<u32>>`),
/// written borrowed from the store (`Row<&str, &[u32]>`), so writing copies nothing.
#[derive(Debug, Serialize, Deserialize)]
#[serde(bound(serialize = "S: Serialize, W: Serialize + AsRef<[u32]>"))]
struct Row<S, W> {
    id: S,
    #[serde(rename = "u")]
    user_name: S,
    #[serde(rename = "a")]
    active: bool,
    #[serde(rename = "x", default, skip_serializing_if = "Option::is_none")]
    external_id: Option<S>,
    #[serde(rename = "g", default, skip_serializing_if = "Option::is_none")]
    given_name: Option<S>,
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    family_name: Option<S>,
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    display_name: Option<S>,
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    created: Option<S>,
    #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<S>,
    #[serde(rename = "w", default, skip_serializing_if = "no_workspaces")]
    workspaces: W,
}

fn no_workspaces<W: AsRef<[u32]>>(w: &W) -> bool {
    w.as_ref().is_empty()
}

/// The second line: workspaces once, users pointing at them by index.
#[derive(Serialize)]
struct BodyOut<'a> {
    workspaces: &'a [Workspace],
    users: Rows<'a>,
}

struct Rows<'a>(&'a UserStore);

impl Serialize for Rows<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|u| Row {
            id: u.id(),
            user_name: u.user_name(),
            active: u.active(),
            external_id: u.external_id(),
            given_name: u.given_name(),
            family_name: u.family_name(),
            display_name: u.display_name(),
            created: u.created(),
            last_modified: u.last_modified(),
            workspaces: u.workspace_indices(),
        }))
    }
}

/// A cache that was read: the users as they were at `saved_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cached {
    pub users: UserStore,
    pub total: u64,
    pub saved_at: SystemTime,
}

impl Cached {
    pub fn age(&self) -> Duration {
        SystemTime::now()
            .duration_since(self.saved_at)
            .unwrap_or_default()
    }
}

/// The cache file of a tenant identity (as `ScimClient::tenant_label` gives it) in `dir`.
/// The name is a digest, so that no tenant name lands in a file name.
pub fn file_for(dir: &Path, tenant: &str) -> PathBuf {
    let digest = hex::encode(Sha256::digest(tenant.as_bytes()));
    dir.join(format!("{PREFIX}{}{SUFFIX}", &digest[..24]))
}

/// How many users the tenant had at the last complete load (the header alone is read):
/// a hint that lets the next listing fetch its first pages at once. `None` without a
/// usable cache.
pub fn expected_total(path: &Path, tenant: &str) -> Option<u64> {
    open(path, tenant).ok().flatten().map(|(h, _)| h.total)
}

/// Opens the cache and checks its header; `Ok(None)` when there is none.
fn open(path: &Path, tenant: &str) -> Result<Option<(Header, BufReader<fs::File>)>, CacheError> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(CacheError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let corrupt = |why: String| CacheError::Corrupt {
        path: path.to_path_buf(),
        why,
    };
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(|e| corrupt(e.to_string()))?;
    let header: Header =
        serde_json::from_str(&line).map_err(|e| corrupt(format!("header: {e}")))?;
    if header.format != FORMAT {
        return Err(corrupt(format!("not a {FORMAT} file")));
    }
    if header.version != VERSION {
        return Err(CacheError::Version {
            path: path.to_path_buf(),
            found: header.version,
        });
    }
    if header.tenant != tenant {
        return Err(CacheError::Tenant {
            path: path.to_path_buf(),
        });
    }
    Ok(Some((header, reader)))
}

/// Reads the cache; `Ok(None)` when there is none.
pub fn read(path: &Path, tenant: &str) -> Result<Option<Cached>, CacheError> {
    let Some((header, reader)) = open(path, tenant)? else {
        return Ok(None);
    };
    let corrupt = |why: String| CacheError::Corrupt {
        path: path.to_path_buf(),
        why,
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let users = serde::de::DeserializeSeed::deserialize(body::Body, &mut de)
        .and_then(|users| de.end().map(|()| users))
        .map_err(|e| corrupt(e.to_string()))?;
    Ok(Some(Cached {
        users,
        total: header.total,
        saved_at: UNIX_EPOCH + Duration::from_secs(header.saved_at),
    }))
}

/// Replaces the cache with a complete list (a temp file beside it, then a rename, so a
/// reader never sees half of one).
pub fn write(path: &Path, tenant: &str, users: &UserStore, total: u64) -> Result<(), CacheError> {
    let io = |source| CacheError::Io {
        path: path.to_path_buf(),
        source,
    };
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        tenant: tenant.into(),
        saved_at: now_secs(),
        total,
    };
    let body = BodyOut {
        workspaces: users.workspaces(),
        users: Rows(users),
    };
    replace_private(path, |out| {
        let json = |e: serde_json::Error| io(std::io::Error::other(e));
        serde_json::to_writer(&mut *out, &header).map_err(json)?;
        out.write_all(b"\n").map_err(io)?;
        serde_json::to_writer(&mut *out, &body).map_err(json)?;
        out.write_all(b"\n").map_err(io)
    })
}

/// Seconds since the epoch, as a cache file records when it was saved.
fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Replaces `path` with what `write` writes: a private (0600) temp file beside it, synced,
/// then renamed over it, so a reader never sees half of one; the temp file goes on failure.
fn replace_private(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<fs::File>) -> Result<(), CacheError>,
) -> Result<(), CacheError> {
    let io = |source| CacheError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    let result = (|| -> Result<(), CacheError> {
        let file = create_private(&tmp, false).map_err(io)?;
        let mut out = BufWriter::new(file);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        fs::rename(&tmp, path).map_err(io)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Reading the second line row by row into a store, so a big cache is never held twice.
mod body {
    use std::fmt;

    use serde::de::{DeserializeSeed, Error, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use super::Row;
    use crate::scim::model::Workspace;
    use crate::store::{Parts, UserStore};

    pub struct Body;

    impl<'de> DeserializeSeed<'de> for Body {
        type Value = UserStore;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<UserStore, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for Body {
        type Value = UserStore;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object with `workspaces`, then `users`")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UserStore, A::Error> {
            let mut store = UserStore::new();
            let mut index: Option<Vec<u32>> = None;
            let mut users = false;
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "workspaces" => {
                        let list: Vec<Workspace> = map.next_value()?;
                        index = Some(list.iter().map(|w| store.intern(w)).collect());
                    }
                    "users" => {
                        let index = index
                            .as_deref()
                            .ok_or_else(|| A::Error::custom("`users` before `workspaces`"))?;
                        map.next_value_seed(Users {
                            store: &mut store,
                            index,
                        })?;
                        users = true;
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            if !users {
                return Err(A::Error::missing_field("users"));
            }
            Ok(store)
        }
    }

    /// The `users` array, each row stored as it is read.
    struct Users<'s> {
        store: &'s mut UserStore,
        /// The file's workspace index to the store's.
        index: &'s [u32],
    }

    impl<'de> DeserializeSeed<'de> for Users<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for Users<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of users")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(r) = seq.next_element::<Row<String, Vec<u32>>>()? {
                let mut ws = Vec::with_capacity(r.workspaces.len());
                for i in &r.workspaces {
                    let at = self.index.get(*i as usize).ok_or_else(|| {
                        A::Error::custom(format!("workspace index {i} out of range"))
                    })?;
                    ws.push(*at);
                }
                let parts = Parts {
                    id: &r.id,
                    user_name: &r.user_name,
                    given_name: r.given_name.as_deref(),
                    family_name: r.family_name.as_deref(),
                    display_name: r.display_name.as_deref(),
                    external_id: r.external_id.as_deref(),
                    created: r.created.as_deref(),
                    last_modified: r.last_modified.as_deref(),
                    active: r.active,
                };
                self.store.upsert_parts(&parts, &ws);
            }
            Ok(())
        }
    }
}

/// Removes every cached user list in `dir`; returns the files removed.
pub fn clear(dir: &Path) -> Result<Vec<PathBuf>, CacheError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(CacheError::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // Leftover temp files of a write that was cut short go too.
        if name.starts_with(PREFIX) && (name.ends_with(SUFFIX) || name.ends_with(".tmp")) {
            fs::remove_file(&path).map_err(|source| CacheError::Io {
                path: path.clone(),
                source,
            })?;
            removed.push(path);
        }
    }
    removed.sort();
    Ok(removed)
}

/// "3 h ago", "5 min ago", "2 d ago", "just now".
pub fn age_text(age: Duration) -> String {
    let s = age.as_secs();
    match s {
        0..60 => "just now".into(),
        60..3600 => format!("{} min ago", s / 60),
        3600..86_400 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::testing::fixture_users;

    fn store() -> UserStore {
        fixture_users().into_iter().collect()
    }

    #[test]
    fn a_written_cache_reads_back_the_same_users_and_is_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = file_for(dir.path(), "host/tenant-1");
        let users: UserStore = fixture_users().into_iter().collect();
        write(&path, "host/tenant-1", &users, 6).expect("written");
        let back = read(&path, "host/tenant-1")
            .expect("read")
            .expect("present");
        assert_eq!(back.users, users);
        assert_eq!(back.total, 6);
        assert_eq!(expected_total(&path, "host/tenant-1"), Some(6));
        assert_eq!(expected_total(&path, "another"), None);
        assert!(back.age() < Duration::from_secs(60));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn another_tenant_version_or_a_torn_file_is_ignored_with_a_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = file_for(dir.path(), "a");
        assert!(read(&path, "a").expect("no file is fine").is_none());
        write(&path, "a", &store(), 6).expect("written");
        assert!(matches!(read(&path, "b"), Err(CacheError::Tenant { .. })));
        let text = fs::read_to_string(&path).expect("text");
        let newer = text.replacen("\"version\":1", "\"version\":99", 1);
        fs::write(&path, newer).expect("write");
        assert!(matches!(
            read(&path, "a"),
            Err(CacheError::Version { found: 99, .. })
        ));
        fs::write(&path, &text[..text.len() / 2]).expect("write");
        let e = read(&path, "a").expect_err("a torn cache is not trusted");
        assert!(e.to_string().contains("ignored"), "{e}");
    }

    #[test]
    fn clear_removes_only_user_caches() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(&file_for(dir.path(), "a"), "a", &store(), 6).expect("written");
        fs::write(dir.path().join("other.txt"), "keep").expect("write");
        assert_eq!(clear(dir.path()).expect("cleared").len(), 1);
        assert!(dir.path().join("other.txt").exists());
        assert!(
            clear(&dir.path().join("absent"))
                .expect("nothing")
                .is_empty()
        );
    }

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(age_text(Duration::from_secs(3 * 3600 + 5)), "3 h ago");
        assert_eq!(age_text(Duration::from_secs(125)), "2 min ago");
        assert_eq!(age_text(Duration::from_secs(5)), "just now");
    }
}
