//! Files only their owner may read: secrets, journals, reports, caches. A leaf below every
//! layer, so that `scim/` (keys, OAuth sign-ins), `batch/`, the cache and the profiles share
//! one implementation without an arrow back up.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A secret file that cannot be used, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum SecretFileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} can be read by other users (mode {mode:o}); run `chmod 600 {path}` so that only you can read the secret"
    )]
    Open { path: PathBuf, mode: u32 },
    #[error("the secret file {path} is empty")]
    Empty { path: PathBuf },
}

/// Reads a secret from a file that only its owner can read. Trailing newlines are dropped.
pub fn read_secret_file(path: &Path) -> Result<String, SecretFileError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::metadata(path).map_err(|source| SecretFileError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(SecretFileError::Open {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    let text = fs::read_to_string(path).map_err(|source| SecretFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let secret = text.trim_end_matches(['\r', '\n']).to_string();
    if secret.is_empty() {
        return Err(SecretFileError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(secret)
}

/// Creates (or opens for appending) a file only its owner can read and write, in a
/// directory only its owner can enter. For journals, reports and anything with secrets.
pub fn create_private(path: &Path, append: bool) -> std::io::Result<fs::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    let mut opts = fs::OpenOptions::new();
    opts.write(true);
    if append {
        opts.append(true).create(true);
    } else {
        opts.truncate(true).create(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let f = opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    Ok(f)
}

pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(dir)
    }
}

/// Writes a whole private file at once (write to a temp file, then rename).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = create_private(&tmp, false)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)
}
