//! The SCIM HTTP client: paged listing, get, patch, the integration API's workspace list.
//! One `reqwest::Client` per profile; every request goes through the tenant's governor,
//! the retry policy and the authenticator.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::scim::auth::{Authenticator, describe_reqwest};
use crate::scim::error::ScimError;
use crate::scim::filter::Filter;
use crate::scim::governor::Governor;
use crate::scim::model::{ListPage, MAX_PAGE_SIZE, PatchRequest, User};
use crate::scim::retry::{ANNOUNCE_WAIT, MAX_RETRY_AFTER, RetryPolicy, parse_retry_after};
use crate::scim::wire::ReadError;

mod audit;
pub(crate) mod health;
mod last_login;
mod last_logins;
mod listing;
mod login_page;
mod login_table;
mod me;
pub use audit::{AuditError, AuditEvent, RETENTION};
pub use health::{Failing, Health, Kind, counts_as_failure};
pub use last_login::{LastLogin, UNAVAILABLE};
pub use last_logins::{LOGIN_PAGE_LIMIT, LastLogins, LoginProgress, LoginSource, MAX_ONE_BY_ONE};
pub use listing::{
    ListOptions, ListResult, ListSummary, MAX_SANE_TOTAL, PROBE_PAGES, Page, PageProgress,
};
pub use me::SignedIn;
// Kept here too: most callers name them from the client.
pub use crate::scim::connection::{
    AuthMethod, Connection, DEFAULT_API_URL, DEFAULT_AUDIT_URL, DEFAULT_AUTH_URL, DEFAULT_SCIM_URL,
};

/// The largest answer read for one user (a GET by id, a PATCH): a user with thousands of
/// workspaces is well under 1 MiB.
pub const USER_CAP: u64 = 4 * 1024 * 1024;
/// The largest page read (a list of up to 100 users, a page of audit events).
pub const PAGE_CAP: u64 = 32 * 1024 * 1024;

/// What a successful PATCH answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchReply {
    pub status: u16,
    /// The user in the body, when there is one that reads as this user.
    pub user: Option<User>,
}

/// A workspace as the integration API lists it (only those the caller can see).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorkspaceInfo {
    pub id: String,
    pub name: String,
    pub active: bool,
}

/// Counters of what a client has sent, for benchmarks, progress panes and reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    pub requests: u64,
    pub retries: u64,
    pub rate_limited: u64,
    /// Requests replayed after a 401 with a renewed token (several tasks that hit the same
    /// expired token count once each, though the client signs in once).
    pub reauthentications: u64,
}

/// A client for one tenant. Cheap to clone: clones share the HTTP pool, the governor,
/// the token and the counters.
#[derive(Clone)]
pub struct ScimClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    scim_url: String,
    api_url: String,
    audit_url: String,
    auth: Authenticator,
    governor: Governor,
    retry: RetryPolicy,
    stats: Counters,
    /// Host plus the tenant's identifier, once known (see `me.rs`).
    identity: std::sync::OnceLock<String>,
    notices: tokio::sync::broadcast::Sender<Notice>,
    /// An `id eq … or …` filter answered with exactly users asked for: from then on, ids a
    /// lookup's filter leaves out are not found without a GET each.
    id_filter_works: std::sync::atomic::AtomicBool,
    /// The server's health over every request (the one breaker).
    health: Health,
}

/// Something the operator should hear about while it happens (a wait longer than five
/// seconds and its reason). Headless commands print it on stderr; the TUI shows it on its
/// status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub message: String,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    reauthentications: AtomicU64,
}

/// What came back from a request that did not fail. The body is kept as bytes: a page of
/// users is read straight into the model, anything else through [`Reply::json`].
struct Reply {
    status: StatusCode,
    content_type: String,
    bytes: bytes::Bytes,
}

impl Reply {
    /// The body as JSON (an empty body is `null`); not JSON is a bad response.
    fn json(&self) -> Result<Value, ScimError> {
        if self.bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.bytes).map_err(|_| self.not_json())
    }

    /// Empty, or JSON to its end (checked without building a tree): not a proxy's page nor
    /// a truncated body.
    fn well_formed(&self) -> bool {
        self.bytes.iter().all(u8::is_ascii_whitespace)
            || serde_json::from_slice::<serde::de::IgnoredAny>(&self.bytes).is_ok()
    }

    fn not_json(&self) -> ScimError {
        ScimError::BadResponse {
            status: self.status.as_u16(),
            content_type: self.content_type.clone(),
            snippet: snippet(&self.bytes),
        }
    }

    fn read<T>(&self, r: Result<T, ReadError>) -> Result<T, ScimError> {
        match r {
            Ok(t) => Ok(t),
            Err(ReadError::Syntax(_)) => Err(self.not_json()),
            Err(ReadError::Model(e)) => Err(e.into()),
        }
    }
}

impl ScimClient {
    pub fn new(conn: Connection) -> Result<ScimClient, ScimError> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(concat!("scimitar/", env!("CARGO_PKG_VERSION")))
            .timeout(conn.timeout)
            .connect_timeout(Duration::from_secs(10).min(conn.timeout))
            .pool_max_idle_per_host(64);
        if let Some(path) = &conn.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                ScimError::Config(format!(
                    "cannot read the CA certificate {}: {e}",
                    path.display()
                ))
            })?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| {
                ScimError::Config(format!(
                    "{} is not a PEM certificate ({e}); a file starting with -----BEGIN CERTIFICATE----- is accepted",
                    path.display()
                ))
            })?;
            builder = builder.add_root_certificate(cert);
        }
        if conn.insecure_tls {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let http = builder
            .build()
            .map_err(|e| ScimError::Config(format!("cannot set up HTTP: {e}")))?;
        for (name, url) in [
            ("SCIM", &conn.scim_url),
            ("auth", &conn.auth_url),
            ("API", &conn.api_url),
            ("audit", &conn.audit_url),
        ] {
            reqwest::Url::parse(url).map_err(|e| {
                ScimError::Config(format!("the {name} URL `{url}` is not a URL ({e}); e.g. https://api.anaplan.com/scim/1/0/v2"))
            })?;
        }
        let auth = Authenticator::for_connection(&conn)?;
        Ok(ScimClient {
            inner: Arc::new(Inner {
                http,
                scim_url: conn.scim_url.trim_end_matches('/').to_string(),
                api_url: conn.api_url.trim_end_matches('/').to_string(),
                audit_url: conn.audit_url.trim_end_matches('/').to_string(),
                auth,
                governor: Governor::new(conn.rate_per_minute),
                retry: RetryPolicy {
                    max_attempts: conn.max_attempts.max(1),
                    ..RetryPolicy::default()
                },
                stats: Counters::default(),
                identity: std::sync::OnceLock::new(),
                notices: tokio::sync::broadcast::channel(32).0,
                id_filter_works: std::sync::atomic::AtomicBool::new(false),
                health: Health::default(),
            }),
        })
    }

    /// The tenant this client talks to: host plus the tenant's identifier once
    /// [`Self::set_tenant_identity`] was called, else the host alone. Shown in headers and
    /// confirmations, and recorded in plans and journals.
    pub fn tenant_label(&self) -> String {
        self.inner
            .identity
            .get()
            .cloned()
            .unwrap_or_else(|| self.host_label())
    }

    /// How this client signs in (method, certificate, current token's end).
    pub fn authenticator(&self) -> &Authenticator {
        &self.inner.auth
    }

    /// Signs in now (a device grant prompt, if one is needed, shows before anything else).
    pub async fn sign_in(&self) -> Result<(), ScimError> {
        self.inner
            .auth
            .credential(&self.inner.http)
            .await
            .map(|_| ())
    }

    /// The login this client authenticates as (the API user, never to be changed by a plan).
    pub fn login(&self) -> &str {
        self.inner.auth.login()
    }

    /// Notices from now on (a receiver that lags skips the oldest).
    pub fn notices(&self) -> tokio::sync::broadcast::Receiver<Notice> {
        self.inner.notices.subscribe()
    }

    /// Tells whoever listens; nobody listening is fine.
    pub fn announce(&self, message: String) {
        tracing::info!("{message}");
        let _ = self.inner.notices.send(Notice { message });
    }

    /// Whether this server has shown that it answers `id` filters.
    pub fn id_filter_works(&self) -> bool {
        self.inner.id_filter_works.load(Ordering::Relaxed)
    }

    pub fn set_id_filter_works(&self) {
        self.inner.id_filter_works.store(true, Ordering::Relaxed);
    }

    /// `Some` while the server fails every request (see [`Health`]): callers stop sending.
    pub fn server_failing(&self) -> Option<Failing> {
        self.inner.health.failing()
    }

    /// The operator chose to try again: count the server's failures afresh.
    pub fn reset_health(&self) {
        self.inner.health.reset();
    }

    pub fn stats(&self) -> ClientStats {
        let s = &self.inner.stats;
        ClientStats {
            requests: s.requests.load(Ordering::Relaxed),
            retries: s.retries.load(Ordering::Relaxed),
            rate_limited: s.rate_limited.load(Ordering::Relaxed),
            reauthentications: s.reauthentications.load(Ordering::Relaxed),
        }
    }

    pub async fn list_page(
        &self,
        filter: Option<&Filter>,
        start_index: u64,
        count: u32,
    ) -> Result<ListPage, ScimError> {
        let reply = self.list_page_reply(filter, start_index, count).await?;
        Self::read_list_page(&reply)
    }

    /// The answer to a page's `GET /Users` as it came, not read yet: a walk sends its next
    /// request before reading this one.
    async fn list_page_reply(
        &self,
        filter: Option<&Filter>,
        start_index: u64,
        count: u32,
    ) -> Result<Reply, ScimError> {
        let count = count.clamp(1, MAX_PAGE_SIZE);
        let mut query = vec![
            ("startIndex", start_index.max(1).to_string()),
            ("count", count.to_string()),
        ];
        if let Some(f) = filter {
            query.push(("filter", f.to_string()));
        }
        let url = format!("{}/Users", self.inner.scim_url);
        self.send(Method::GET, &url, &query, None).await
    }

    /// Reads a page [`Self::list_page_reply`] brought.
    fn read_list_page(reply: &Reply) -> Result<ListPage, ScimError> {
        reply.read(ListPage::from_slice(&reply.bytes))
    }

    pub async fn get_user(&self, id: &str) -> Result<User, ScimError> {
        let url = format!("{}/Users/{}", self.inner.scim_url, encode_segment(id));
        let reply = self.send(Method::GET, &url, &[], None).await?;
        let user = reply.read(User::from_slice(&reply.bytes))?;
        // Another user's answer is a server fault, not the user asked for (nor a 404).
        if !user.id.eq_ignore_ascii_case(id) {
            return Err(ScimError::OtherUser {
                asked: id.to_string(),
                got: crate::untrusted::clip(&user.id, 80),
            });
        }
        Ok(user)
    }

    /// The user an id, an email, an externalId or a display name names (see `find_user.rs`).
    pub async fn find_user(&self, key: &str) -> Result<User, ScimError> {
        crate::scim::find_user::find(self, key).await
    }

    /// Sends one PATCH. The answer's user is `None` when the body holds none (a `204 No
    /// Content`, an empty or abbreviated body): the caller then reads the user back, since a
    /// write is judged by the server's state, not by the shape of its answer.
    pub async fn patch_user(&self, id: &str, body: &PatchRequest) -> Result<PatchReply, ScimError> {
        let url = format!("{}/Users/{}", self.inner.scim_url, encode_segment(id));
        let json = serde_json::to_value(body)
            .map_err(|e| ScimError::Config(format!("cannot encode the PATCH body: {e}")))?;
        let reply = self.send(Method::PATCH, &url, &[], Some(&json)).await?;
        let body = reply.json()?;
        if reply.status == StatusCode::MULTI_STATUS {
            // Anaplan saves user attributes even when entitlements fail (partial success).
            return Err(ScimError::Status {
                status: 207,
                scim_type: None,
                detail: format!("partial success: {}", detail_of(&body)),
            });
        }
        Ok(PatchReply {
            status: reply.status.as_u16(),
            user: User::from_value(&body)
                .ok()
                .filter(|u| u.id.eq_ignore_ascii_case(id)),
        })
    }

    /// Workspaces the caller can see on the integration API (not necessarily all of the
    /// tenant's). Paged with limit/offset; the server may cap the page size silently.
    pub async fn list_workspaces(&self) -> Result<Vec<WorkspaceInfo>, ScimError> {
        let url = format!("{}/workspaces", self.inner.api_url);
        let mut out: Vec<WorkspaceInfo> = Vec::new();
        let limit = 1000u64;
        let mut offset = 0u64;
        for _ in 0..1000 {
            let query = [
                ("tenantDetails", "true".to_string()),
                ("limit", limit.to_string()),
                ("offset", offset.to_string()),
            ];
            let reply = self.send(Method::GET, &url, &query, None).await?;
            let body = reply.json()?;
            let items = body
                .get("workspaces")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let got = items.len() as u64;
            for w in items {
                let (Some(id), Some(name)) = (
                    w.get("id").and_then(Value::as_str),
                    w.get("name").and_then(Value::as_str),
                ) else {
                    continue;
                };
                if out.iter().any(|x| x.id == id) {
                    continue;
                }
                out.push(WorkspaceInfo {
                    id: id.to_string(),
                    name: name.to_string(),
                    active: w.get("active").and_then(Value::as_bool).unwrap_or(true),
                });
            }
            let total = body
                .pointer("/meta/paging/totalSize")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            offset += got;
            if got == 0 || offset >= total {
                break;
            }
        }
        Ok(out)
    }

    /// Ends the auth token's session, if there is one.
    pub async fn logout(&self) {
        self.inner.auth.logout(&self.inner.http).await;
    }

    /// Sends one request through the governor, the authenticator and the retry policy.
    async fn send(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Reply, ScimError> {
        let max = self.inner.retry.max_attempts;
        self.send_tries(method, url, query, body, max).await
    }

    /// [`Self::send`] with at most `max` attempts: for answers nothing waits on. The one retry
    /// loop (token refresh, 429, 5xx, dropped connections, the governor).
    async fn send_tries(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        max: u32,
    ) -> Result<Reply, ScimError> {
        let inner = &self.inner;
        let max = max.clamp(1, inner.retry.max_attempts.max(1));
        let mut reauthenticated = false;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            inner.governor.acquire().await;
            let cred = inner.auth.credential(&inner.http).await?;
            let sent = std::time::Instant::now();
            let (err, retry_after) =
                match self.send_once(&method, url, query, body, cred.header).await {
                    Ok(reply) => {
                        self.judge(&method, sent, Ok(&reply));
                        return Ok(reply);
                    }
                    Err(Failure { error, retry_after }) => (error, retry_after),
                };
            if let ScimError::Unauthorized { .. } = err
                && !reauthenticated
                && inner.auth.rejected(cred.generation).await
            {
                // A token that died in the middle of a run: renew once and replay.
                reauthenticated = true;
                inner
                    .stats
                    .reauthentications
                    .fetch_add(1, Ordering::Relaxed);
                tracing::info!("401 on {method} {}; re-authenticating", strip_query(url));
                attempt -= 1;
                continue;
            }
            let limited = err.status() == Some(429);
            if limited {
                inner.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
            }
            // While the server fails everything, retries only keep callers waiting.
            let last = !err.is_transient() || attempt >= max || inner.health.is_open();
            self.judge(&method, sent, Err((&err, last)));
            // The attempt that opened the breaker gives up too.
            if last || inner.health.is_open() {
                return Err(self.final_error(err, attempt, url));
            }
            let wait = inner.retry.wait(attempt, retry_after);
            if limited {
                inner.governor.rate_limited(wait);
            }
            if wait > ANNOUNCE_WAIT {
                let what = format!("{method} {}", strip_query(url));
                self.announce_wait(wait, retry_after, &what, attempt, max, &err);
            }
            inner.stats.retries.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                attempt,
                ?wait,
                "retrying {method} {}: {err}",
                strip_query(url)
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// One HTTP exchange, read to the end and interpreted; counts the request.
    async fn send_once(
        &self,
        method: &Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        authorization: reqwest::header::HeaderValue,
    ) -> Result<Reply, Failure> {
        let inner = &self.inner;
        let mut req = inner
            .http
            .request(method.clone(), url)
            .header(AUTHORIZATION, authorization)
            .header(ACCEPT, "application/scim+json, application/json");
        if !query.is_empty() {
            req = req.query(query);
        }
        if let Some(b) = body {
            req = req
                .header(CONTENT_TYPE, "application/scim+json")
                .body(b.to_string());
        }
        inner.stats.requests.fetch_add(1, Ordering::Relaxed);
        let transport = |e: &reqwest::Error| Failure {
            error: ScimError::Transport {
                url: strip_query(url),
                reason: describe_reqwest(e),
            },
            retry_after: None,
        };
        let mut resp = req.send().await.map_err(|e| transport(&e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        if status != StatusCode::TOO_MANY_REQUESTS {
            inner.governor.answered();
        }
        let (what, limit) = if query.is_empty() {
            ("one user", USER_CAP)
        } else {
            ("a page", PAGE_CAP)
        };
        if let Some(n) = resp.content_length().filter(|n| *n > limit) {
            return Err(too_large(url, what, limit, n));
        }
        // Read in chunks, so an endless or huge body costs at most the cap.
        let mut buf: Vec<u8> = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport(&e))? {
            let seen = (buf.len() + chunk.len()) as u64;
            if seen > limit {
                return Err(too_large(url, what, limit, seen));
            }
            buf.extend_from_slice(&chunk);
        }
        interpret(status, &headers, bytes::Bytes::from(buf))
    }

    /// Counts one attempt in the server's health: a failure, or a good answer (a 2xx whose
    /// body is empty or well-formed JSON, or a refusal with a reason). A 429 is neither.
    /// `last`: the request gives up with this error.
    fn judge(
        &self,
        method: &Method,
        sent: std::time::Instant,
        outcome: Result<&Reply, (&ScimError, bool)>,
    ) {
        let health = &self.inner.health;
        let kind = if *method == Method::GET {
            Kind::Read
        } else {
            Kind::Write
        };
        let opened = match outcome {
            Ok(reply) if reply.well_formed() => {
                health.good(kind);
                false
            }
            Ok(reply) => health.failed(kind, sent, &reply.not_json(), true),
            Err((e, last)) if health::counts_as_failure(e) => health.failed(kind, sent, e, last),
            Err((e, _)) if e.status() == Some(429) => false,
            Err(_) => {
                health.good(kind);
                false
            }
        };
        if opened {
            tracing::warn!("the server keeps failing; no more retries until it answers");
        }
    }

    /// The error a caller sees once retrying stops: a 429 says how often it was tried, a 401
    /// names the sign-in method (for its hint).
    fn final_error(&self, err: ScimError, attempts: u32, url: &str) -> ScimError {
        match err {
            ScimError::NotFound { detail, .. } => {
                let i = &self.inner;
                ScimError::NotFound {
                    detail,
                    url: strip_query(url),
                    set_by: super::error::set_by(url, &i.scim_url, &i.api_url, &i.audit_url),
                }
            }
            ScimError::Status {
                status: 429,
                detail,
                ..
            } => ScimError::RateLimited { attempts, detail },
            ScimError::Unauthorized { detail, .. } => ScimError::Unauthorized {
                detail,
                method: Some(self.inner.auth.method()),
            },
            other => other,
        }
    }

    /// Says why the next retry waits long (over [`ANNOUNCE_WAIT`]), with the server's
    /// Retry-After when it sent one.
    fn announce_wait(
        &self,
        wait: Duration,
        retry_after: Option<Duration>,
        what: &str,
        attempt: u32,
        max: u32,
        err: &ScimError,
    ) {
        let asked = match retry_after {
            Some(ra) if ra > MAX_RETRY_AFTER => format!(
                " (Retry-After: {}, capped at {} s)",
                ra.as_secs(),
                MAX_RETRY_AFTER.as_secs()
            ),
            Some(ra) => format!(" (Retry-After {} s)", ra.as_secs()),
            None => String::new(),
        };
        self.announce(format!(
            "waiting {} s before retrying {what} (attempt {} of {max}): {err}{asked}",
            wait.as_secs(),
            attempt + 1
        ));
    }
}

struct Failure {
    error: ScimError,
    retry_after: Option<Duration>,
}

fn too_large(url: &str, what: &'static str, limit: u64, seen: u64) -> Failure {
    Failure {
        error: ScimError::TooLarge {
            url: strip_query(url),
            what,
            limit,
            seen,
        },
        retry_after: None,
    }
}

/// Turns a status and body into a reply or a typed error. A body that is not JSON (an HTML
/// page from a proxy) is an error with a short plain-text snippet, never a panic.
// Long because one arm per class of answer, status first, in the order they are judged.
fn interpret(
    status: StatusCode,
    headers: &HeaderMap,
    bytes: bytes::Bytes,
) -> Result<Reply, Failure> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type")
        .to_string();
    let retry_after = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let fail = |error| Err(Failure { error, retry_after });
    if status.is_success() {
        // Read by the caller, which knows what it expects (a page is read without a tree).
        return Ok(Reply {
            status,
            content_type,
            bytes,
        });
    }
    let bytes = &bytes[..];
    let parsed: Option<Value> = if bytes.iter().all(u8::is_ascii_whitespace) {
        Some(Value::Null)
    } else {
        serde_json::from_slice(bytes).ok()
    };
    let body = parsed.filter(|b| b.is_object());
    // Status first: 401 and 403 mean the credentials or the role whatever the body says; a
    // proxy's HTML page or an empty body is quoted briefly as evidence.
    if matches!(status.as_u16(), 401 | 403) {
        let detail = match &body {
            Some(b) => detail_of(b),
            None => {
                let challenge = headers
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok())
                    .map(|v| format!("; WWW-Authenticate: {}", snippet(v.as_bytes())))
                    .unwrap_or_default();
                format!(
                    "the server sent no SCIM error ({content_type}: {}{challenge})",
                    snippet(bytes)
                )
            }
        };
        return fail(if status.as_u16() == 401 {
            ScimError::Unauthorized {
                detail,
                method: None,
            }
        } else {
            ScimError::Forbidden { detail }
        });
    }
    let Some(body) = body else {
        return fail(ScimError::BadResponse {
            status: status.as_u16(),
            content_type,
            snippet: snippet(bytes),
        });
    };
    let detail = detail_of(&body);
    let scim_type = body
        .get("scimType")
        .and_then(Value::as_str)
        .map(str::to_string);
    // Trust the status line: Anaplan's body `status` may differ from it.
    fail(match status.as_u16() {
        401 => ScimError::Unauthorized {
            detail,
            method: None,
        },
        403 => ScimError::Forbidden { detail },
        404 => ScimError::NotFound {
            detail,
            url: String::new(),
            set_by: "",
        },
        code => ScimError::Status {
            status: code,
            scim_type,
            detail,
        },
    })
}

fn detail_of(body: &Value) -> String {
    [
        "detail",
        "statusMessage",
        "message",
        "error_description",
        "error",
    ]
    .iter()
    .find_map(|k| body.get(*k).and_then(Value::as_str))
    .map(str::to_string)
    .unwrap_or_else(|| "no detail given".into())
}

/// The first readable words of a body: tags removed, whitespace folded, at most 160 chars.
fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(if c.is_control() { ' ' } else { c }),
            _ => {}
        }
    }
    let folded: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = folded.chars().take(160).collect();
    if folded.chars().count() > 160 {
        s.push('…');
    }
    if s.is_empty() {
        "(empty body)".into()
    } else {
        s
    }
}

fn strip_query(url: &str) -> String {
    url.split('?').next().unwrap_or(url).to_string()
}

/// Everything but RFC 3986's unreserved characters, so UUID-style ids stay as they are.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode_segment(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, PATH_SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_error_page_is_a_bad_response_with_readable_text() {
        let body = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, "text/html".parse().unwrap());
        let Err(f) = interpret(StatusCode::BAD_GATEWAY, &h, bytes::Bytes::from_static(body)) else {
            panic!("accepted HTML")
        };
        let msg = f.error.to_string();
        assert!(
            msg.contains("502 Bad Gateway") && msg.contains("text/html"),
            "{msg}"
        );
        assert!(f.error.is_transient());
    }

    #[test]
    fn scim_error_trusts_the_status_line() {
        let body = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"no","status":"404"}"#;
        let Err(f) = interpret(
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            bytes::Bytes::from_static(body),
        ) else {
            panic!()
        };
        assert!(matches!(f.error, ScimError::Forbidden { .. }));
        assert!(f.error.to_string().contains("User Admin"));
    }

    #[test]
    fn status_first_for_401_and_403_whatever_the_body() {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, "text/html".parse().unwrap());
        h.insert("www-authenticate", "Bearer".parse().unwrap());
        let Err(f) = interpret(StatusCode::UNAUTHORIZED, &h, bytes::Bytes::from_static(b"")) else {
            panic!("accepted a 401")
        };
        assert!(
            matches!(f.error, ScimError::Unauthorized { .. }),
            "{:?}",
            f.error
        );
        let msg = f.error.to_string();
        assert!(
            msg.contains("(empty body)") && msg.contains("WWW-Authenticate: Bearer"),
            "{msg}"
        );
        let page = b"<html><body><h1>Access denied</h1></body></html>";
        let Err(f) = interpret(StatusCode::FORBIDDEN, &h, bytes::Bytes::from_static(page)) else {
            panic!("accepted a 403")
        };
        assert!(
            matches!(f.error, ScimError::Forbidden { .. }),
            "{:?}",
            f.error
        );
        assert!(f.error.to_string().contains("Access denied"));
        assert!(!f.error.is_transient());
    }

    #[test]
    fn ids_are_escaped_in_paths() {
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(
            encode_segment("9ff7ffd8-23d9-4c1f.a_b~"),
            "9ff7ffd8-23d9-4c1f.a_b~"
        );
    }
}
