//! The journal's seal: an HMAC-SHA256 over each record, chained through the previous
//! record's seal, keyed by a per-installation secret kept 0600 in the data directory. A
//! journal edited by hand (a before-state widened, a target injected, a record dropped or
//! moved) no longer verifies, and undo (the one path that grants access) refuses it.

use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::create_private_dir;

type HmacSha256 = Hmac<Sha256>;

/// Appended as the last field of every record line.
const FIELD: &str = ",\"seal\":\"";

#[derive(Clone)]
pub struct SealKey([u8; 32]);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(..)")
    }
}

impl SealKey {
    pub fn file(data_dir: &Path) -> PathBuf {
        data_dir.join("journal.key")
    }

    /// Reads the installation's key, creating it (0600, never overwriting) on first use.
    /// Two runs starting together on a fresh install agree on one key: it is written whole
    /// to a file of its own, then linked into place, so no reader sees it half written.
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<SealKey> {
        let path = SealKey::file(data_dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => return SealKey::parse(&text, &path),
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            Err(_) => {}
        }
        create_private_dir(data_dir)?;
        let mut key = [0u8; 32];
        rand::fill(&mut key);
        let mut nonce = [0u8; 8];
        rand::fill(&mut nonce);
        let staged = data_dir.join(format!("journal.key.{}.new", hex::encode(nonce)));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let written = opts.open(&staged).and_then(|mut f| {
            f.write_all(hex::encode(key).as_bytes())?;
            f.sync_all()
        });
        // A link never replaces: the first run's key stays, the others read it.
        let linked = written.and_then(|()| std::fs::hard_link(&staged, &path));
        let _ = std::fs::remove_file(&staged);
        match linked {
            Ok(()) => Ok(SealKey(key)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                SealKey::parse(&std::fs::read_to_string(&path)?, &path)
            }
            // A file system without hard links: created in place, as exclusively.
            Err(_) => {
                let mut f = opts.open(&path)?;
                f.write_all(hex::encode(key).as_bytes())?;
                f.sync_all()?;
                Ok(SealKey(key))
            }
        }
    }

    fn parse(text: &str, path: &Path) -> std::io::Result<SealKey> {
        let bytes = hex::decode(text.trim()).ok().filter(|b| b.len() == 32);
        match bytes {
            Some(b) => {
                let mut k = [0u8; 32];
                k.copy_from_slice(&b);
                Ok(SealKey(k))
            }
            None => Err(std::io::Error::other(format!(
                "{} is not a journal key (64 hex digits expected); move it away to make a new one (journals sealed with it then need --trust-journal)",
                path.display()
            ))),
        }
    }

    /// A key of this process only: journals it seals verify nowhere else (tests, demos).
    pub fn ephemeral() -> SealKey {
        let mut key = [0u8; 32];
        rand::fill(&mut key);
        SealKey(key)
    }

    #[cfg(test)]
    pub fn fixed(b: u8) -> SealKey {
        SealKey([b; 32])
    }

    fn mac(&self, prev: &str, body: &[u8]) -> String {
        // A 32-byte key is always a valid HMAC key.
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        m.update(prev.as_bytes());
        m.update(b"\n");
        m.update(body);
        hex::encode(m.finalize().into_bytes())
    }

    /// `body` is one serialized record (a JSON object). Returns the sealed line (without its
    /// newline) and its seal, the next record's `prev`.
    pub fn seal(&self, prev: &str, body: &[u8]) -> (Vec<u8>, String) {
        let seal = self.mac(prev, body);
        let mut line = body[..body.len().saturating_sub(1)].to_vec();
        line.extend_from_slice(FIELD.as_bytes());
        line.extend_from_slice(seal.as_bytes());
        line.extend_from_slice(b"\"}");
        (line, seal)
    }

    /// Whether `line`'s seal is right after `prev`; returns its seal when it is.
    pub fn verify(&self, prev: &str, line: &str) -> Option<String> {
        let (body, seal) = split(line)?;
        // Compared through the MAC's constant-time check.
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.0).ok()?;
        m.update(prev.as_bytes());
        m.update(b"\n");
        m.update(body.as_bytes());
        let raw = hex::decode(&seal).ok()?;
        m.verify_slice(&raw).ok()?;
        Some(seal)
    }
}

/// The record as it was sealed, and the seal.
pub fn split(line: &str) -> Option<(String, String)> {
    let at = line.rfind(FIELD)?;
    let rest = line.get(at + FIELD.len()..)?;
    let seal = rest.strip_suffix("\"}")?;
    if seal.len() != 64 || !seal.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((format!("{}}}", &line[..at]), seal.to_string()))
}

/// The seal of a line without checking it: where a trusted journal's chain goes on.
pub fn seal_of(line: &str) -> Option<String> {
    split(line).map(|(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_starting_together_on_a_fresh_install_agree_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let keys: Vec<[u8; 32]> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| SealKey::load_or_create(dir.path()).map(|k| k.0)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap().expect("every run gets the key"))
                .collect()
        });
        assert!(keys.windows(2).all(|w| w[0] == w[1]), "one key for all");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["journal.key"], "no staged file is left behind");
    }

    #[test]
    fn a_changed_byte_or_order_breaks_the_seal() {
        let k = SealKey::fixed(7);
        let (l1, s1) = k.seal("", br#"{"record":"end","at":"x","cancelled":false}"#);
        let l1 = String::from_utf8(l1).unwrap();
        assert_eq!(k.verify("", &l1), Some(s1.clone()));
        assert_eq!(k.verify("other", &l1), None);
        assert_eq!(k.verify("", &l1.replace("false", "true ")), None);
        assert_eq!(SealKey::fixed(8).verify("", &l1), None);
        let v: serde_json::Value = serde_json::from_str(&l1).unwrap();
        assert_eq!(v["seal"], s1);
    }

    #[test]
    fn the_key_is_created_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let a = SealKey::load_or_create(dir.path()).unwrap();
        let b = SealKey::load_or_create(dir.path()).unwrap();
        assert_eq!(a.0, b.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(SealKey::file(dir.path())).unwrap();
            assert_eq!(m.permissions().mode() & 0o777, 0o600);
        }
    }
}
