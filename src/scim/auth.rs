//! Authentication: Basic on every call, an Anaplan auth token (authenticated with the basic
//! credentials, refreshed ahead of its expiry, re-authenticated once on a 401, logged out on
//! exit), a CA certificate (`cert.rs`: the same token, obtained by signing), or a Bearer API
//! key / OAuth access token. Secrets stay in `SecretString` and sensitive header values, so
//! they never reach Debug output, logs or errors.

pub mod cert;
pub mod method;
pub mod oauth;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::scim::connection::{AuthMethod, Connection};
use crate::scim::error::ScimError;

pub struct Authenticator {
    method: AuthMethod,
    login: String,
    /// Swapped when the operator signs in again with another password (the TUI's sign-in).
    secret: std::sync::RwLock<SecretString>,
    auth_url: String,
    token: Mutex<Option<Token>>,
    /// With `AuthMethod::Cert`: the certificate and key that sign each sign-in.
    cert: Option<cert::CertSigner>,
    /// With `AuthMethod::Oauth`: the device grant and the refresh token.
    oauth: Option<oauth::OAuth>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("method", &self.method)
            .field("login", &self.login)
            .field("secret", &"[redacted]")
            .finish()
    }
}

struct Token {
    value: SecretString,
    expires: Instant,
    lifetime: Duration,
    /// Bumped each time a new token replaces the old, so that many tasks seeing the same
    /// 401 re-authenticate once, not once each.
    generation: u64,
}

impl Token {
    fn new(value: SecretString, lifetime: Duration, generation: u64) -> Token {
        Token {
            value,
            expires: Instant::now() + lifetime,
            lifetime,
            generation,
        }
    }
}

/// The header to send, and which token generation it came from.
pub struct Credential {
    pub header: HeaderValue,
    pub generation: u64,
}

impl Authenticator {
    pub fn new(
        method: AuthMethod,
        login: Option<String>,
        secret: Option<SecretString>,
        auth_url: &str,
    ) -> Result<Authenticator, ScimError> {
        let secret = secret.ok_or_else(|| {
            ScimError::Config(match method {
                AuthMethod::Bearer => {
                    "no bearer token: set SCIMITAR_BEARER, or use --secret-file or a prompt".into()
                }
                _ => "no password: set SCIMITAR_PASSWORD, or use --secret-file or a prompt".into(),
            })
        })?;
        let login = match method {
            AuthMethod::Bearer => login.unwrap_or_default(),
            _ => login.filter(|l| !l.trim().is_empty()).ok_or_else(|| {
                ScimError::Config("no login: pass --login or set SCIMITAR_LOGIN".into())
            })?,
        };
        Ok(Authenticator {
            method,
            login,
            secret: std::sync::RwLock::new(secret),
            auth_url: auth_url.trim_end_matches('/').to_string(),
            token: Mutex::new(None),
            cert: None,
            oauth: None,
        })
    }

    /// The authenticator a connection asks for (password, key, certificate).
    pub fn for_connection(conn: &Connection) -> Result<Authenticator, ScimError> {
        match conn.auth {
            AuthMethod::Cert => {
                let creds = conn.cert.as_ref().ok_or_else(|| {
                    ScimError::Config(
                        "--auth cert needs --cert-file and --key-file (or SCIMITAR_CERT_FILE and SCIMITAR_KEY_FILE, or cert_file and key_file in the profile)".into(),
                    )
                })?;
                let signer = cert::CertSigner::load(creds)?;
                Ok(Authenticator {
                    method: AuthMethod::Cert,
                    login: String::new(),
                    secret: std::sync::RwLock::new(SecretString::from(String::new())),
                    auth_url: conn.auth_url.trim_end_matches('/').to_string(),
                    token: Mutex::new(None),
                    cert: Some(signer),
                    oauth: None,
                })
            }
            AuthMethod::Oauth => {
                let settings = conn.oauth.clone().ok_or_else(|| {
                    ScimError::Config(
                        "--auth oauth needs --oauth-url and --client-id (or SCIMITAR_OAUTH_URL and SCIMITAR_CLIENT_ID, or oauth_url and client_id in the profile)".into(),
                    )
                })?;
                Ok(Authenticator {
                    method: AuthMethod::Oauth,
                    login: String::new(),
                    secret: std::sync::RwLock::new(SecretString::from(String::new())),
                    auth_url: conn.auth_url.trim_end_matches('/').to_string(),
                    token: Mutex::new(None),
                    cert: None,
                    oauth: Some(oauth::OAuth::new(settings)?),
                })
            }
            _ => Authenticator::new(
                conn.auth,
                conn.login.clone(),
                conn.secret.clone(),
                &conn.auth_url,
            ),
        }
    }

    /// The certificate signing in, with `AuthMethod::Cert`.
    pub fn certificate(&self) -> Option<&cert::CertSigner> {
        self.cert.as_ref()
    }

    /// When the current token ends, if there is one.
    pub async fn session_expires(&self) -> Option<SystemTime> {
        let slot = self.token.lock().await;
        let t = slot.as_ref()?;
        let left = t.expires.saturating_duration_since(Instant::now());
        Some(SystemTime::now() + left)
    }

    pub fn method(&self) -> AuthMethod {
        self.method
    }

    pub fn login(&self) -> &str {
        &self.login
    }

    /// Signs in with another password (or bearer token) from now on: the next request
    /// authenticates anew with it.
    pub fn set_secret(&self, secret: SecretString) {
        match self.secret.write() {
            Ok(mut s) => *s = secret,
            Err(poisoned) => *poisoned.into_inner() = secret,
        }
        // A token got with the old password is dropped; one being fetched is judged by
        // its own answer.
        if let Ok(mut slot) = self.token.try_lock() {
            *slot = None;
        }
    }

    fn secret(&self) -> SecretString {
        match self.secret.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn basic_header(&self) -> Result<HeaderValue, ScimError> {
        let raw = format!("{}:{}", self.login, self.secret().expose_secret());
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        sensitive(&format!("Basic {b64}"))
    }

    /// The Authorization header for the next request, authenticating or refreshing first
    /// when the token is missing or near its end.
    pub async fn credential(&self, http: &reqwest::Client) -> Result<Credential, ScimError> {
        match self.method {
            AuthMethod::Basic => Ok(Credential {
                header: self.basic_header()?,
                generation: 0,
            }),
            AuthMethod::Bearer => Ok(Credential {
                header: sensitive(&format!("Bearer {}", self.secret().expose_secret()))?,
                generation: 0,
            }),
            AuthMethod::Token | AuthMethod::Cert | AuthMethod::Oauth => {
                let mut slot = self.token.lock().await;
                let now = Instant::now();
                let next_generation = slot.as_ref().map_or(1, |t| t.generation + 1);
                let fresh = match slot.take() {
                    None => self.authenticate(http, next_generation).await?,
                    Some(t) if t.expires <= now => self.authenticate(http, next_generation).await?,
                    // Refresh ahead: a fifth of the lifetime before the end, at most 5 min.
                    Some(t) if t.expires - now < (t.lifetime / 5).min(Duration::from_secs(300)) => {
                        match self.refresh(http, &t).await {
                            Ok(r) => r,
                            Err(e) => {
                                tracing::info!("token refresh failed ({e}); authenticating again");
                                self.authenticate(http, next_generation).await?
                            }
                        }
                    }
                    Some(t) => t,
                };
                let scheme = if self.method == AuthMethod::Oauth {
                    "Bearer"
                } else {
                    "AnaplanAuthToken"
                };
                let header = sensitive(&format!("{scheme} {}", fresh.value.expose_secret()))?;
                let generation = fresh.generation;
                *slot = Some(fresh);
                Ok(Credential { header, generation })
            }
        }
    }

    /// A request sent with `generation` got a 401. Returns true when a retry with a new
    /// credential makes sense (only tokens can be renewed; Basic and Bearer cannot).
    pub async fn rejected(&self, generation: u64) -> bool {
        if !matches!(
            self.method,
            AuthMethod::Token | AuthMethod::Cert | AuthMethod::Oauth
        ) {
            return false;
        }
        let mut slot = self.token.lock().await;
        if slot.as_ref().is_some_and(|t| t.generation == generation) {
            // Force `credential` to authenticate anew; keep the generation count rising.
            if let Some(t) = slot.as_mut() {
                t.expires = Instant::now();
            }
        }
        true
    }

    async fn authenticate(
        &self,
        http: &reqwest::Client,
        generation: u64,
    ) -> Result<Token, ScimError> {
        if let Some(o) = &self.oauth {
            let g = o.sign_in(http).await?;
            return Ok(Token::new(g.access, g.lifetime, generation));
        }
        let (url, body) = match &self.cert {
            Some(signer) => {
                tracing::info!(subject = %signer.subject, "authenticating with a certificate");
                let header = sensitive(&signer.authorization())?;
                self.token_call(
                    http,
                    "authenticate",
                    "certificate",
                    header,
                    Some(&signer.body()?),
                )
                .await?
            }
            None => {
                tracing::info!(login = %self.login, "authenticating");
                self.token_call(http, "authenticate", "login", self.basic_header()?, None)
                    .await?
            }
        };
        token_from(&body, generation)
            .ok_or_else(|| ScimError::Auth(format!("the auth service at {url} sent no tokenInfo")))
    }

    async fn refresh(&self, http: &reqwest::Client, old: &Token) -> Result<Token, ScimError> {
        if let Some(o) = &self.oauth {
            let g = o.refresh(http).await?;
            return Ok(Token::new(g.access, g.lifetime, old.generation + 1));
        }
        let header = sensitive(&format!("AnaplanAuthToken {}", old.value.expose_secret()))?;
        let (url, body) = self
            .token_call(http, "refresh", "token refresh", header, None)
            .await?;
        // The refreshed token keeps its generation when the value is the same (Anaplan
        // returns the same tokenValue with a later expiry).
        let mut t = token_from(&body, old.generation).ok_or_else(|| {
            ScimError::Auth(format!("the auth service at {url} sent no tokenInfo"))
        })?;
        if t.value.expose_secret() != old.value.expose_secret() {
            t.generation = old.generation + 1;
        }
        tracing::info!("token refreshed");
        Ok(t)
    }

    /// POSTs to `/token/{path}` on the auth service (`what` names it in errors); a non-2xx answer or a `FAILURE_*`
    /// status is an error naming the service's status and message (401: bad credentials).
    async fn token_call(
        &self,
        http: &reqwest::Client,
        path: &str,
        what: &str,
        header: HeaderValue,
        json: Option<&Value>,
    ) -> Result<(String, Value), ScimError> {
        let url = format!("{}/token/{path}", self.auth_url);
        let mut req = http.post(&url).header(AUTHORIZATION, header);
        if let Some(j) = json {
            req = req.json(j);
        }
        let resp = req.send().await.map_err(|e| ScimError::Transport {
            url: url.clone(),
            reason: describe_reqwest(&e),
        })?;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if (200..300).contains(&status) && !is_failure(&body) {
            return Ok((url, body));
        }
        let field = |k: &str| {
            body.get(k)
                .and_then(Value::as_str)
                .unwrap_or("none")
                .to_string()
        };
        let (code, msg) = (field("status"), field("statusMessage"));
        Err(if what == "certificate" {
            ScimError::Auth(format!(
                "the auth service at {url} refused the certificate (HTTP {status}, {code}: {msg}). Check that --cert-file was issued by a certificate authority uploaded to Anaplan, is in date, and that --key-file is its key"
            ))
        } else if status == 401 {
            ScimError::Unauthorized {
                detail: format!("the auth service refused the {what} ({code}: {msg})"),
                method: Some(self.method),
            }
        } else {
            ScimError::Auth(format!(
                "the auth service at {url} answered HTTP {status} to {what} ({code}: {msg})"
            ))
        })
    }

    /// Ends the token's session on the auth service; errors are only logged.
    pub async fn logout(&self, http: &reqwest::Client) {
        let Some(t) = self.token.lock().await.take() else {
            return;
        };
        if self.method == AuthMethod::Oauth {
            // The refresh token stays for the next start; `auth logout` forgets it.
            return;
        }
        let url = format!("{}/token/logout", self.auth_url);
        let Ok(h) = sensitive(&format!("AnaplanAuthToken {}", t.value.expose_secret())) else {
            return;
        };
        match http.post(&url).header(AUTHORIZATION, h).send().await {
            Ok(r) => tracing::info!(status = r.status().as_u16(), "logged out"),
            Err(e) => tracing::warn!("logout failed: {}", describe_reqwest(&e)),
        }
    }
}

fn is_failure(body: &Value) -> bool {
    body.get("status")
        .and_then(Value::as_str)
        .is_some_and(|s| s.starts_with("FAILURE"))
}

fn token_from(body: &Value, generation: u64) -> Option<Token> {
    let info = body.get("tokenInfo")?;
    let value = info.get("tokenValue")?.as_str()?.to_string();
    if value.is_empty() {
        return None;
    }
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    // Anaplan sends epoch milliseconds; without it, assume the documented 35 minutes.
    let lifetime = info
        .get("expiresAt")
        .and_then(Value::as_u64)
        .map(|ms| Duration::from_millis(ms.saturating_sub(now_ms)))
        .unwrap_or(Duration::from_secs(35 * 60));
    Some(Token {
        value: SecretString::from(value),
        expires: Instant::now() + lifetime,
        lifetime,
        generation,
    })
}

fn sensitive(s: &str) -> Result<HeaderValue, ScimError> {
    let mut h = HeaderValue::from_str(s).map_err(|_| {
        ScimError::Config("the secret contains characters that cannot go in an HTTP header".into())
    })?;
    h.set_sensitive(true);
    Ok(h)
}

/// A reqwest error in plain words, without the URL's query (filters may hold emails).
pub fn describe_reqwest(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the response was cut off"
    } else if e.is_request() {
        "the request failed"
    } else {
        "error"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} ({detail})")
    }
}
