//! Where scimitar keeps things, and profiles: one TOML file in the config directory that
//! names tenants and how to reach them. Secrets are never stored in it; a profile may name
//! a secret file, which must be private (mode 0600).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

// The private-file helpers live below every layer (private_file.rs); named here too for the
// callers that know them from the config.
pub use crate::private_file::{
    SecretFileError, create_private, create_private_dir, read_secret_file, write_private,
};
use crate::scim::connection::AuthMethod;

#[derive(Debug, Clone)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    /// The platform's directories (XDG on Linux), overridable with SCIMITAR_CONFIG_DIR and
    /// SCIMITAR_DATA_DIR so tests and jump hosts can isolate them.
    pub fn discover() -> Paths {
        let dirs = directories::ProjectDirs::from("", "", "scimitar");
        let pick = |var: &str, default: Option<PathBuf>| {
            std::env::var_os(var)
                .map(PathBuf::from)
                .or(default)
                .unwrap_or_else(|| PathBuf::from(".scimitar"))
        };
        Paths {
            config_dir: pick(
                "SCIMITAR_CONFIG_DIR",
                dirs.as_ref().map(|d| d.config_dir().to_path_buf()),
            ),
            data_dir: pick(
                "SCIMITAR_DATA_DIR",
                dirs.as_ref().map(|d| d.data_local_dir().to_path_buf()),
            ),
        }
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    pub fn journal_dir(&self) -> PathBuf {
        self.data_dir.join("journals")
    }

    /// The OAuth sign-in (refresh token) kept for a profile, mode 0600.
    pub fn oauth_file(&self, profile: &str) -> PathBuf {
        let safe: String = profile
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.data_dir.join("oauth").join(format!("{safe}.json"))
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// Where cached user lists go: the platform's cache directory (XDG on Linux), or
    /// SCIMITAR_CACHE_DIR.
    pub fn cache_dir(&self) -> PathBuf {
        if let Some(d) = std::env::var_os("SCIMITAR_CACHE_DIR") {
            return PathBuf::from(d);
        }
        directories::ProjectDirs::from("", "", "scimitar")
            .map(|d| d.cache_dir().to_path_buf())
            .unwrap_or_else(|| self.data_dir.join("cache"))
    }
}

/// `config.toml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The profile used when none is named.
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub scim_url: Option<String>,
    pub auth_url: Option<String>,
    pub api_url: Option<String>,
    /// The Audit API (run verification).
    pub audit_url: Option<String>,
    pub auth: Option<AuthMethod>,
    pub login: Option<String>,
    /// A file holding the password or bearer token; must be mode 0600.
    pub secret_file: Option<PathBuf>,
    pub ca_cert: Option<PathBuf>,
    /// With `auth = "cert"`: the certificate and its private key (mode 0600).
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// With `auth = "oauth"`: the OAuth server and the device grant client's id.
    pub oauth_url: Option<String>,
    pub client_id: Option<String>,
    /// Client-side budget, requests per minute (default 500, under Anaplan's 600).
    pub rate_limit: Option<u32>,
    /// Break-glass admins (userName or id) that no plan may change.
    #[serde(default)]
    pub protected: Vec<String>,
    /// The API user's email, for when the integration API cannot say who signs in (bearer
    /// tokens without integration API access): protected like every API user.
    pub api_user: Option<String>,
    /// Runs larger than this need an explicit override (default 500).
    pub max_users: Option<usize>,
    /// Look, never change (as `--read-only`).
    #[serde(default)]
    pub read_only: bool,
    /// Keep a local copy of the tenant's users to open at once (default true; as
    /// `--no-cache` when false).
    pub cache: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid scimitar config: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("no profile named `{name}` in {path} (profiles there: {known})")]
    NoProfile {
        name: String,
        path: PathBuf,
        known: String,
    },
    #[error(transparent)]
    Secret(#[from] SecretFileError),
}

impl ConfigFile {
    /// Reads the config file; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// The named profile, else the default one, else an empty profile. Naming a profile
    /// that does not exist is an error.
    pub fn profile(
        &self,
        name: Option<&str>,
        path: &Path,
    ) -> Result<(String, Profile), ConfigError> {
        let wanted = name
            .map(str::to_string)
            .or_else(|| self.default_profile.clone());
        match wanted {
            None => Ok((
                "default".into(),
                self.profiles.get("default").cloned().unwrap_or_default(),
            )),
            Some(n) => match self.profiles.get(&n) {
                Some(p) => Ok((n, p.clone())),
                None if name.is_none() && n == "default" => Ok((n, Profile::default())),
                None => Err(ConfigError::NoProfile {
                    name: n,
                    path: path.to_path_buf(),
                    known: if self.profiles.is_empty() {
                        "none".into()
                    } else {
                        self.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                    },
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_and_unknown_keys_are_refused() {
        let c: ConfigFile = toml::from_str(
            "default_profile = \"prod\"\n[profiles.prod]\nscim_url = \"https://x/scim/1/0/v2\"\nauth = \"bearer\"\nprotected = [\"breakglass@x.com\"]\n",
        )
        .unwrap();
        let (name, p) = c.profile(None, Path::new("c.toml")).unwrap();
        assert_eq!(name, "prod");
        assert_eq!(p.auth, Some(AuthMethod::Bearer));
        assert!(toml::from_str::<ConfigFile>("[profiles.x]\npassword = \"no\"\n").is_err());
        let err = c.profile(Some("nope"), Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("prod"));
    }

    #[cfg(unix)]
    #[test]
    fn secret_files_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        fs::write(&p, "hunter2\n").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            read_secret_file(&p),
            Err(SecretFileError::Open { .. })
        ));
        fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_secret_file(&p).unwrap(), "hunter2");
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/j.jsonl");
        create_private(&p, true).unwrap();
        let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
