//! The OAuth device grant (RFC 8628) for an admin on a host with no browser: ask for a
//! device code, show the operator where to approve it (through a callback: this layer has no
//! screen), poll honouring `interval` and `slow_down`, and keep the refresh token in a
//! private file per profile so the next start needs no browser. Refresh tokens may rotate
//! (single use): each new one replaces the stored one before the access token is used.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::scim::auth::describe_reqwest;
use crate::scim::error::ScimError;

/// What the operator needs to approve a sign-in on another device.
#[derive(Debug, Clone)]
pub struct DevicePrompt {
    pub verification_uri: String,
    /// The URL with the code in it (what the QR code carries), when the server gives one.
    pub verification_uri_complete: Option<String>,
    pub user_code: String,
    pub expires_in: Duration,
}

pub type ShowPrompt = Arc<dyn Fn(&DevicePrompt) + Send + Sync>;

#[derive(Clone)]
pub struct OAuthSettings {
    /// Base of the OAuth server (`/oauth/device/code` and `/oauth/token` below it).
    pub oauth_url: String,
    pub client_id: String,
    /// The refresh token's file (mode 0600); `None` keeps it in memory only.
    pub store: Option<PathBuf>,
    /// Shows a device prompt; without one, a sign-in that needs approval is an error.
    pub show: Option<ShowPrompt>,
}

impl std::fmt::Debug for OAuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthSettings")
            .field("oauth_url", &self.oauth_url)
            .field("client_id", &self.client_id)
            .field("store", &self.store)
            .finish()
    }
}

/// An access token and how long it lasts.
pub struct Grant {
    pub access: SecretString,
    pub lifetime: Duration,
}

pub struct OAuth {
    settings: OAuthSettings,
    refresh: std::sync::Mutex<Option<SecretString>>,
}

impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth")
            .field("settings", &self.settings)
            .field("refresh", &"[redacted]")
            .finish()
    }
}

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The server's `error` and `error_description`, or its status.
fn oauth_error(status: u16, body: &Value) -> (String, String) {
    let s = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let code = s("error");
    let code = if code.is_empty() {
        format!("HTTP {status}")
    } else {
        code
    };
    (code, s("error_description"))
}

impl OAuth {
    pub fn new(settings: OAuthSettings) -> Result<OAuth, ScimError> {
        if settings.client_id.trim().is_empty() {
            return Err(ScimError::Config(
                "--auth oauth needs the OAuth client id: pass --client-id, set SCIMITAR_CLIENT_ID, or client_id in the profile".into(),
            ));
        }
        reqwest::Url::parse(&settings.oauth_url).map_err(|e| {
            ScimError::Config(format!(
                "the OAuth URL `{}` is not a URL ({e}); e.g. https://us1a.app.anaplan.com",
                settings.oauth_url
            ))
        })?;
        Ok(OAuth {
            settings: OAuthSettings {
                oauth_url: settings.oauth_url.trim_end_matches('/').to_string(),
                ..settings
            },
            refresh: std::sync::Mutex::new(None),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/oauth/{path}", self.settings.oauth_url)
    }

    fn stored(&self) -> Option<SecretString> {
        if let Some(t) = self.refresh.lock().ok().and_then(|g| g.clone()) {
            return Some(t);
        }
        let path = self.settings.store.as_ref()?;
        let text = crate::private_file::read_secret_file(path).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        let same = |k: &str, want: &str| v.get(k).and_then(Value::as_str) == Some(want);
        if !same("oauth_url", &self.settings.oauth_url)
            || !same("client_id", &self.settings.client_id)
        {
            return None;
        }
        v.get("refresh_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(|t| SecretString::from(t.to_string()))
    }

    /// Keeps (or, with `None`, forgets) the refresh token, in memory and in the file.
    fn keep(&self, token: Option<SecretString>) -> Result<(), ScimError> {
        if let Ok(mut g) = self.refresh.lock() {
            *g = token.clone();
        }
        let Some(path) = &self.settings.store else {
            return Ok(());
        };
        let result = match token {
            Some(t) => {
                let doc = serde_json::json!({
                    "oauth_url": self.settings.oauth_url,
                    "client_id": self.settings.client_id,
                    "refresh_token": t.expose_secret(),
                });
                crate::private_file::write_private(path, doc.to_string().as_bytes())
            }
            None => match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
        };
        result.map_err(|e| {
            ScimError::Config(format!(
                "cannot keep the OAuth sign-in in {}: {e}",
                path.display()
            ))
        })
    }

    async fn post(
        &self,
        http: &reqwest::Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<(u16, Value), ScimError> {
        let url = self.url(path);
        let resp = http
            .post(&url)
            .form(form)
            .send()
            .await
            .map_err(|e| ScimError::Transport {
                url: url.clone(),
                reason: describe_reqwest(&e),
            })?;
        let status = resp.status().as_u16();
        Ok((status, resp.json().await.unwrap_or(Value::Null)))
    }

    /// An access token: from the stored refresh token if there is one that still works,
    /// else through the device grant.
    pub async fn sign_in(&self, http: &reqwest::Client) -> Result<Grant, ScimError> {
        if self.stored().is_some() {
            match self.refresh(http).await {
                Ok(g) => return Ok(g),
                // An unreachable server says nothing about the kept sign-in: no new prompt.
                Err(e @ ScimError::Transport { .. }) => return Err(e),
                Err(e) => tracing::info!("the stored OAuth sign-in was not accepted ({e})"),
            }
        }
        self.device_flow(http).await
    }

    /// Trades the refresh token for a new access token (and a new refresh token, which
    /// replaces the old one at once: rotated tokens are single use).
    pub async fn refresh(&self, http: &reqwest::Client) -> Result<Grant, ScimError> {
        let token = self
            .stored()
            .ok_or_else(|| ScimError::Auth("no OAuth sign-in is stored for this profile".into()))?;
        let (status, body) = self
            .post(
                http,
                "token",
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", token.expose_secret()),
                    ("client_id", &self.settings.client_id),
                ],
            )
            .await?;
        if status != 200 {
            let (code, desc) = oauth_error(status, &body);
            if code == "invalid_grant" {
                self.keep(None)?;
            }
            return Err(ScimError::Auth(format!(
                "the OAuth server refused the stored sign-in ({code}{}); sign in again",
                colon(&desc)
            )));
        }
        let grant = self.grant(&body, Some(token))?;
        tracing::info!("OAuth access token refreshed");
        Ok(grant)
    }

    /// Reads a token answer and keeps its refresh token (or the one used, if none came).
    fn grant(&self, body: &Value, used: Option<SecretString>) -> Result<Grant, ScimError> {
        let access = body
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ScimError::Auth("the OAuth server sent no access_token".into()))?;
        let fresh = body
            .get("refresh_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(|t| SecretString::from(t.to_string()))
            .or(used);
        self.keep(fresh)?;
        let lifetime = Duration::from_secs(
            body.get("expires_in")
                .and_then(Value::as_u64)
                .unwrap_or(35 * 60),
        );
        Ok(Grant {
            access: SecretString::from(access.to_string()),
            lifetime,
        })
    }

    // Long because the device grant's polling states (pending, slow_down, denied, expired) as RFC 8628 lists them.
    async fn device_flow(&self, http: &reqwest::Client) -> Result<Grant, ScimError> {
        let show = self.settings.show.clone().ok_or_else(|| {
            ScimError::Auth(
                "signing in with the OAuth device grant needs someone to approve it; run scimitar where its messages are seen".into(),
            )
        })?;
        let (status, body) = self
            .post(
                http,
                "device/code",
                &[
                    ("client_id", &self.settings.client_id),
                    ("scope", "openid profile email offline_access"),
                ],
            )
            .await?;
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        let (Some(device_code), Some(user_code), Some(verification_uri)) = (
            text("device_code"),
            text("user_code"),
            text("verification_uri"),
        ) else {
            let (code, desc) = oauth_error(status, &body);
            return Err(ScimError::Auth(format!(
                "the OAuth server at {} did not start a device sign-in ({code}{}); check --oauth-url and --client-id, and that the client allows the device grant",
                self.url("device/code"),
                colon(&desc)
            )));
        };
        let expires_in = Duration::from_secs(
            body.get("expires_in")
                .and_then(Value::as_u64)
                .unwrap_or(600),
        );
        let mut interval = Duration::from_secs(
            body.get("interval")
                .and_then(Value::as_u64)
                .unwrap_or(5)
                .max(1),
        );
        show(&DevicePrompt {
            verification_uri,
            verification_uri_complete: text("verification_uri_complete"),
            user_code,
            expires_in,
        });
        let deadline = Instant::now() + expires_in;
        loop {
            tokio::time::sleep(interval).await;
            let (status, body) = self
                .post(
                    http,
                    "token",
                    &[
                        ("grant_type", DEVICE_GRANT),
                        ("device_code", &device_code),
                        ("client_id", &self.settings.client_id),
                    ],
                )
                .await?;
            if status == 200 {
                tracing::info!("OAuth device sign-in approved");
                return self.grant(&body, None);
            }
            let (code, desc) = oauth_error(status, &body);
            match code.as_str() {
                "authorization_pending" => {}
                // RFC 8628 §3.5: five seconds more from now on.
                "slow_down" => interval += Duration::from_secs(5),
                "expired_token" => {
                    return Err(ScimError::Auth(
                        "the sign-in code expired before it was approved; run the command again for a new code".into(),
                    ));
                }
                "access_denied" => {
                    return Err(ScimError::Auth(
                        "the sign-in was denied on the approval page; nothing was changed".into(),
                    ));
                }
                _ => {
                    return Err(ScimError::Auth(format!(
                        "the OAuth server ended the device sign-in ({code}{})",
                        colon(&desc)
                    )));
                }
            }
            if Instant::now() >= deadline {
                return Err(ScimError::Auth(
                    "the sign-in code expired before it was approved; run the command again for a new code".into(),
                ));
            }
        }
    }
}

/// Forgets the sign-in stored in `path`; true when there was one.
pub fn forget(path: &std::path::Path) -> std::io::Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// ": description", or nothing when the server gave none.
fn colon(desc: &str) -> String {
    if desc.is_empty() {
        String::new()
    } else {
        format!(": {desc}")
    }
}
