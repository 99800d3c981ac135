//! The last logins beside the user cache: one file per tenant identity, next to its user list
//! (`users-<digest>-logins.cache`, so `cache clear` removes it too), mode 0600, replaced
//! atomically, refreshed whenever the TUI reads the last logins again. Only known dates and
//! "never" are kept: what was unavailable is asked for again.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::CacheError;
use crate::scim::client::{LastLogin, LastLogins, LoginSource};

const FORMAT: &str = "scimitar-login-cache";
const VERSION: u32 = 1;

#[derive(Deserialize)]
struct File {
    format: String,
    version: u32,
    tenant: String,
    /// Required, as written; not needed to read the logins back.
    #[serde(rename = "saved_at")]
    _saved_at: u64,
    /// Lowercased id → RFC 3339 date, or null for "never signed in".
    logins: BTreeMap<String, Option<String>>,
}

/// [`File`] as written: the logins are serialised straight from the table (already in id
/// order, as the map reads them back), so a big tenant's are never copied to be written.
#[derive(Serialize)]
struct FileOut<'a> {
    format: &'a str,
    version: u32,
    tenant: &'a str,
    saved_at: u64,
    logins: Kept<'a>,
}

/// The known dates and "never"s of a table.
struct Kept<'a>(&'a LastLogins);

impl Serialize for Kept<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().filter_map(|(id, l)| match l {
            LastLogin::At { at } => Some((id, Some(at))),
            LastLogin::Never => Some((id, None)),
            LastLogin::Unavailable { .. } => None,
        }))
    }
}

/// The last-login file beside the user cache `users_cache`.
pub fn file_beside(users_cache: &Path) -> PathBuf {
    let name = users_cache
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".cache").unwrap_or(&name);
    users_cache.with_file_name(format!("{stem}-logins.cache"))
}

pub fn write_logins(path: &Path, tenant: &str, logins: &LastLogins) -> Result<(), CacheError> {
    let io = |source| CacheError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = FileOut {
        format: FORMAT,
        version: VERSION,
        tenant,
        saved_at: super::now_secs(),
        logins: Kept(logins),
    };
    super::replace_private(path, |out| {
        serde_json::to_writer(out, &file).map_err(|e| io(std::io::Error::other(e)))
    })
}

/// The cached last logins of `tenant`; `Ok(None)` when there are none.
pub fn read_logins(path: &Path, tenant: &str) -> Result<Option<LastLogins>, CacheError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(CacheError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let file: File = serde_json::from_slice(&bytes).map_err(|e| CacheError::Corrupt {
        path: path.to_path_buf(),
        why: e.to_string(),
    })?;
    if file.format != FORMAT || file.version != VERSION {
        return Err(CacheError::Version {
            path: path.to_path_buf(),
            found: file.version,
        });
    }
    if file.tenant != tenant {
        return Err(CacheError::Tenant {
            path: path.to_path_buf(),
        });
    }
    let mut out = LastLogins::default();
    out.source = LoginSource::List;
    for (id, at) in file.logins {
        out.insert(
            &id,
            match at {
                Some(at) => LastLogin::At { at },
                None => LastLogin::Never,
            },
        );
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_round_trip_beside_the_user_cache() {
        let dir = tempfile::tempdir().unwrap();
        let users = dir.path().join("users-abc.cache");
        let path = file_beside(&users);
        assert!(path.ends_with("users-abc-logins.cache"));
        let mut l = LastLogins::default();
        l.insert("A", LastLogin::Never);
        l.insert(
            "b",
            LastLogin::At {
                at: "2026-01-01T00:00:00Z".into(),
            },
        );
        l.insert("c", LastLogin::Unavailable { reason: "x".into() });
        write_logins(&path, "t", &l).unwrap();
        let back = read_logins(&path, "t").unwrap().unwrap();
        assert_eq!(back.get("a"), LastLogin::Never);
        assert_eq!(back.get("B"), l.get("b"));
        assert!(matches!(back.get("c"), LastLogin::Unavailable { .. }));
        assert!(read_logins(&path, "other").is_err());
    }
}
