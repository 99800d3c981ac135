//! A faithful local Anaplan: SCIM `/Users`, the auth service and the integration API's
//! workspace list, on one 127.0.0.1 port, with a seeded tenant and fault injection.
//! It serves `scimitar demo`, every integration test and every benchmark, so it reproduces
//! what a client must survive (see §7 of `reference/anaplan-scim-api.md`), and everything
//! Anaplan leaves unclear is a switch in [`FakeConfig`].

mod audit;
mod auth;
pub mod cert;
mod faults;
mod filter;
mod hostile;
mod integration;
mod lost;
mod oauth;
mod patch;
mod render;
mod reply;
mod scim;
mod server;
mod tenant;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use faults::Faults;
pub use lost::{LostAnswers, LostKind};

use crate::scim::model::{User, Workspace};

/// What to do with `count` above Anaplan's 100 (the real answer is unconfirmed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CountMode {
    /// SCIM 400 `invalidValue`.
    #[default]
    Reject,
    /// Serve 100.
    Clamp,
}

/// What `add` on `entitlements` means (Anaplan's wording allows both readings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddMode {
    /// Keep the user's workspaces and add the new ones.
    #[default]
    Append,
    /// Remove the user's workspaces first, then add ("remove selected data, then add").
    Replace,
}

/// Which reading of SCIM the fake answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// Anaplan as documented: PATCH answers 200 with the user, a filtered path that matches
    /// nothing is no error, `id` can be filtered on.
    #[default]
    Anaplan,
    /// RFC 7644 to the letter, as other SCIM servers answer: PATCH answers 204 with no body,
    /// a filtered replace or remove that matches nothing is `400 noTarget` (§3.5.2), the
    /// server cannot filter on `id` (200, no results), entitlements are stored as sent
    /// (`display` included, no WORKSPACE_IDS/WORKSPACE_NAMES aggregates).
    Rfc,
}

/// The body of a 401 from `/Users*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthFailureBody {
    /// A SCIM error in JSON.
    #[default]
    Scim,
    /// An empty `text/html` body with `WWW-Authenticate: Bearer`, as some gateways send.
    HtmlEmpty,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FakeConfig {
    /// Users listed, the two API accounts included (at least 2).
    pub users: usize,
    pub seed: u64,
    /// Latency, injected faults and the rate limit; changeable later with `set_faults`.
    pub faults: Faults,
    pub token_ttl: Duration,
    /// Anaplan's documented oddities in payloads (duplicate keys, string booleans, ...).
    pub quirks: bool,
    pub count_over_max: CountMode,
    pub entitlements_add: AddMode,
    /// `None` lifts the 50-workspace limit per request.
    pub max_workspaces_per_request: Option<usize>,
    /// A misbehaving server: pages past the end repeat the last page, so a client that
    /// trusts "a non-empty page means more" loops; the client must stop on `totalResults`.
    pub repeat_pages_past_end: bool,
    /// Anaplan's documented non-atomic PATCH: when the entitlement part of a PATCH fails,
    /// the other changes are still saved and the answer is 207 with the error.
    pub partial_success: bool,
    /// OAuth device sign-ins are approved this long after they start (`fake/oauth.rs`).
    pub oauth_approve_after: Duration,
    /// The polling interval the device grant asks for.
    pub oauth_interval: Duration,
    /// How long a device code lasts.
    pub oauth_device_ttl: Duration,
    /// Deny device sign-ins instead of approving them.
    pub oauth_deny: bool,
    /// Answer the first polls of each device sign-in with `slow_down`.
    pub oauth_slow_down: u32,
    /// The tenant's customer id, reported by the integration API's `users/me`; two fakes
    /// with different ids are two tenants on the same host. `None`: one derived from the seed.
    pub customer_id: Option<String>,
    /// Seed hostile users and workspaces too (`hostile.rs`).
    pub hostile: bool,
    pub dialect: Dialect,
    /// A filter with more `or` terms than this is answered 500 (some servers break there).
    pub max_filter_terms: Option<usize>,
    pub auth_failure_body: AuthFailureBody,
    /// A lying server: every list page claims this `totalResults`.
    pub lie_total_results: Option<u64>,
    /// A broken server: every list page, at any startIndex, is full of users never seen
    /// before (`totalResults` stays the tenant's size).
    pub endless_pages: bool,
    /// A broken server whose count keeps growing: every list page holds users never seen
    /// before and claims one more page after itself (`totalResults` = startIndex - 1 + 2·count).
    pub growing_total: bool,
    /// A broken server that ignores `startIndex`: every list page is the first one.
    pub ignore_start_index: bool,
    /// `Retry-After` seconds on every 429 (injected, bucket or `throttle_first`), instead of
    /// the honest wait.
    pub retry_after: Option<u64>,
    /// The first N requests to `/Users*` are answered 429.
    pub throttle_first: u64,
    /// `GET /2/0/users` answers at most this many users a page, whatever `limit` asks, and
    /// says nothing about it (Anaplan documents 5000; clients must follow `totalSize`).
    pub users_page_cap: usize,
    /// `GET /2/0/users` answers 403 to every account (the role lacks the tenant-level list).
    pub user_list_forbidden: bool,
    /// `GET /2/0/users/{id}` answers 403 for every user but the caller.
    pub user_records_forbidden: bool,
    /// Answers lost on purpose (`lost.rs`); changeable later with `set_lost`.
    pub lost: LostAnswers,
    /// The Audit API answers that audit is not licensed for the tenant.
    pub audit_unlicensed: bool,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            users: 3000,
            seed: 42,
            faults: Faults::default(),
            token_ttl: Duration::from_secs(35 * 60),
            quirks: false,
            count_over_max: CountMode::Reject,
            entitlements_add: AddMode::Append,
            max_workspaces_per_request: Some(50),
            repeat_pages_past_end: false,
            partial_success: false,
            oauth_approve_after: Duration::from_secs(2),
            oauth_interval: Duration::from_secs(1),
            oauth_device_ttl: Duration::from_secs(600),
            oauth_deny: false,
            oauth_slow_down: 0,
            customer_id: None,
            hostile: false,
            dialect: Dialect::Anaplan,
            max_filter_terms: None,
            auth_failure_body: AuthFailureBody::Scim,
            lie_total_results: None,
            endless_pages: false,
            growing_total: false,
            ignore_start_index: false,
            retry_after: None,
            throttle_first: 0,
            users_page_cap: 4500,
            user_list_forbidden: false,
            user_records_forbidden: false,
            lost: LostAnswers::default(),
            audit_unlicensed: false,
        }
    }
}

/// What the server has seen, for tests and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FakeStats {
    pub requests: u64,
    /// By kind: list, get, patch, put, delete, metadata, authenticate, refresh, validate,
    /// logout, workspaces, me, other.
    pub by_kind: HashMap<String, u64>,
    /// 429s sent by the token bucket.
    pub rate_limited: u64,
    /// Faults injected (5xx, injected 429, dropped connections, HTML pages).
    pub faults_injected: u64,
    /// 401 answers.
    pub unauthorized: u64,
    /// Successful PATCHes per user id.
    pub patches: HashMap<String, u32>,
    /// PATCHes let through by `hang_after_writes`, counted as they arrive.
    pub writes_admitted: u64,
}

impl FakeStats {
    pub fn kind(&self, kind: &str) -> u64 {
        self.by_kind.get(kind).copied().unwrap_or(0)
    }
}

/// Locks a mutex, carrying on with the data if a handler panicked while holding it: the
/// fake's state stays usable for the rest of a test run.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads the tenant; readers (every listing page) render at the same time, as a real
/// server's would. A panicked writer leaves the data usable, as with `lock`.
fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

/// The tenant, to change it: rendered users are dropped while the write lock is held.
fn write_tenant(s: &Shared) -> RwLockWriteGuard<'_, tenant::Tenant> {
    let t = write(&s.tenant);
    s.rendered.clear();
    t
}

/// State shared by every request.
pub(crate) struct Shared {
    config: FakeConfig,
    scim_url: String,
    auth_url: String,
    api_url: String,
    tenant: RwLock<tenant::Tenant>,
    /// The tenant's users as listing pages send them (`render::Rendered`).
    rendered: render::Rendered,
    tokens: Mutex<auth::Tokens>,
    faults: Mutex<Faults>,
    bucket: Mutex<faults::Bucket>,
    rng: Mutex<ChaCha8Rng>,
    stats: Mutex<FakeStats>,
    counter: AtomicU64,
    /// 429s sent so far for `throttle_first`.
    throttled: AtomicU64,
    /// The CA and client certificate of `CACertificate` sign-in (`cert.rs`).
    pki: cert::Pki,
    oauth_url: String,
    client_id: String,
    oauth: Mutex<oauth::State>,
    lost: Mutex<lost::State>,
    audit: Mutex<audit::Log>,
}

pub struct FakeServer {
    pub addr: SocketAddr,
    pub scim_url: String,
    pub auth_url: String,
    pub api_url: String,
    /// The Audit API (`/audit/api/1`).
    pub audit_url: String,
    /// The User Admin API account.
    pub login: String,
    pub password: String,
    /// Its API key, sent as `Authorization: Bearer`.
    pub api_key: String,
    /// The OAuth server (`/oauth/device/code`, `/oauth/token`) and its device grant client.
    pub oauth_url: String,
    pub client_id: String,
    /// The id of the User Admin account in the tenant (a protected account).
    pub admin_user_id: String,
    /// An account without User Admin: valid credentials, 403 on `/Users`.
    pub no_admin_login: String,
    pub no_admin_password: String,
    pub no_admin_api_key: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl FakeServer {
    /// Generates the tenant, binds `addr` (port 0 picks a free port) and serves in a task.
    pub async fn start(config: FakeConfig, addr: SocketAddr) -> std::io::Result<FakeServer> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (users, seed, quirks) = (config.users, config.seed, config.quirks);
        let hostile = config.hostile;
        let tenant = tokio::task::spawn_blocking(move || {
            let mut t = tenant::Tenant::generate(users, seed, quirks);
            if hostile {
                hostile::seed(&mut t);
            }
            t
        })
        .await
        .map_err(std::io::Error::other)?;
        let base = format!("http://{addr}");
        let shared = Arc::new(Shared {
            scim_url: format!("{base}/scim/1/0/v2"),
            auth_url: format!("{base}/auth"),
            api_url: format!("{base}/2/0"),
            tokens: Mutex::new(auth::Tokens::new(config.seed, config.token_ttl)),
            faults: Mutex::new(config.faults.clone()),
            bucket: Mutex::new(faults::Bucket::new()),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(config.seed ^ 0xfa_17)),
            stats: Mutex::new(FakeStats::default()),
            counter: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            pki: cert::Pki::default(),
            oauth_url: base.clone(),
            client_id: format!("scimitar-fake-{:08x}", config.seed as u32),
            oauth: Mutex::new(oauth::State::default()),
            lost: Mutex::new(lost::State::new(config.lost.clone())),
            audit: Mutex::new(audit::Log::default()),
            config,
            tenant: RwLock::new(tenant),
            rendered: render::Rendered::default(),
        });
        let (admin, no_admin) = {
            let t = read(&shared.tenant);
            (t.admin.clone(), t.no_admin.clone())
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = server::router(shared.clone());
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!("fake Anaplan stopped: {e}");
            }
        });
        Ok(FakeServer {
            addr,
            scim_url: shared.scim_url.clone(),
            auth_url: shared.auth_url.clone(),
            api_url: shared.api_url.clone(),
            audit_url: format!("http://{addr}/audit/api/1"),
            login: admin.login,
            password: admin.password,
            api_key: admin.api_key,
            admin_user_id: admin.user_id,
            oauth_url: shared.oauth_url.clone(),
            client_id: shared.client_id.clone(),
            no_admin_login: no_admin.login,
            no_admin_password: no_admin.password,
            no_admin_api_key: no_admin.api_key,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// What `scimitar fake serve` prints so another process can connect.
    /// A connection to this fake as its User Admin account (token auth, no client-side
    /// rate limit: the fake sets its own).
    pub fn connection(&self) -> crate::scim::client::Connection {
        crate::scim::client::Connection {
            scim_url: self.scim_url.clone(),
            auth_url: self.auth_url.clone(),
            api_url: self.api_url.clone(),
            audit_url: self.audit_url.clone(),
            auth: crate::scim::client::AuthMethod::Token,
            login: Some(self.login.clone()),
            secret: Some(secrecy::SecretString::from(self.password.clone())),
            rate_per_minute: 0,
            ..crate::scim::client::Connection::default()
        }
    }

    pub fn announce(&self) -> serde_json::Value {
        serde_json::json!({
            "scim_url": self.scim_url,
            "auth_url": self.auth_url,
            "api_url": self.api_url,
            "audit_url": self.audit_url,
            "login": self.login,
            "password": self.password,
            "api_key": self.api_key,
        })
    }

    /// The ids of the users a filter selects now, in server order, by the fake's own reading
    /// of filters; `None` when the fake would refuse the filter (a 400).
    pub fn select(&self, filter: &str) -> Option<Vec<String>> {
        let f = filter::read(filter).ok()?;
        let t = read(&self.shared.tenant);
        Some(
            t.users
                .iter()
                .filter(|u| f.matches(&u.user))
                .map(|u| u.user.id.clone())
                .collect(),
        )
    }

    /// The admin account's client certificate and key, signed by the fake's CA (made on
    /// first use).
    pub fn client_cert(&self) -> cert::ClientMaterial {
        self.shared.pki.client(&self.login).clone()
    }

    /// The fake's certificate authority, to issue other certificates (expired ones, say).
    pub fn authority(&self) -> &cert::Authority {
        &self.shared.pki.authority
    }

    /// Writes the client certificate and key (mode 0600) into `dir`; returns their paths.
    pub fn write_cert_files(
        &self,
        dir: &std::path::Path,
    ) -> std::io::Result<(std::path::PathBuf, std::path::PathBuf)> {
        let m = self.client_cert();
        let (cert, key) = (dir.join("client-cert.pem"), dir.join("client-key.pem"));
        crate::config::write_private(&cert, m.cert_pem.as_bytes())?;
        crate::config::write_private(&key, m.key_pem.as_bytes())?;
        Ok((cert, key))
    }

    /// The tenant as it is now, in server order.
    pub fn users(&self) -> Vec<User> {
        read(&self.shared.tenant)
            .users
            .iter()
            .map(|u| u.user.clone())
            .collect()
    }

    /// One user by id (case-insensitive), as it is now.
    pub fn user(&self, id: &str) -> Option<User> {
        let t = read(&self.shared.tenant);
        t.index_of(id).map(|i| t.users[i].user.clone())
    }

    /// Sets a user's externalId, as an HR feed would; `false` when there is no such user.
    pub fn set_external_id(&self, id: &str, external_id: Option<&str>) -> bool {
        let mut t = write_tenant(&self.shared);
        let Some(i) = t.index_of(id) else {
            return false;
        };
        t.users[i].user.external_id = external_id.map(str::to_string);
        t.users[i].version += 1;
        true
    }

    /// The user's last login as the integration API serves it (`None`: never logged in).
    pub fn last_login_ms(&self, id: &str) -> Option<u64> {
        let t = read(&self.shared.tenant);
        let i = t.index_of(id)?;
        integration::last_login_ms(self.shared.config.seed, &t.users[i].user)
    }

    /// Every workspace of the tenant, including those the API account cannot list.
    pub fn workspaces(&self) -> Vec<Workspace> {
        read(&self.shared.tenant).workspaces.clone()
    }

    /// Audit events the drop fault kept out: (event type, user id, workspace id).
    pub fn audit_dropped(&self) -> Vec<(String, String, Option<String>)> {
        lock(&self.shared.audit).dropped.clone()
    }

    /// Another administrator, in Anaplan's own console, enables or disables a user: the
    /// change and its audit event, by an actor that is not the API account. Returns the
    /// actor's id; `None` when no such user.
    pub fn console_set_active(&self, id: &str, active: bool) -> Option<String> {
        let actor = "console-admin-0000-0000-000000000001".to_string();
        let (before, after) = {
            let mut t = write_tenant(&self.shared);
            let i = t.index_of(id)?;
            let before = t.users[i].user.clone();
            let fu = &mut t.users[i];
            fu.user.active = active;
            fu.version += 1;
            (before, fu.user.clone())
        };
        audit::record(&self.shared, &actor, &before, &after);
        Some(actor)
    }

    pub fn stats(&self) -> FakeStats {
        lock(&self.shared.stats).clone()
    }

    pub fn faults(&self) -> Faults {
        lock(&self.shared.faults).clone()
    }

    /// Changes latency, fault shares and the rate limit for the following requests.
    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.shared.faults) = faults;
    }

    /// Changes the lost-answer switch; users hit before count afresh ("first try" again).
    pub fn set_lost(&self, lost: LostAnswers) {
        *lock(&self.shared.lost) = lost::State::new(lost);
    }

    /// Whether the lost-answer switch picks this user (at `share`), as the fake decides it.
    pub fn lost_affects(&self, id: &str, share: f64) -> bool {
        lost::affected(self.shared.config.seed, id, share)
    }

    /// Lifetime of tokens issued or refreshed from now on.
    pub fn set_token_ttl(&self, ttl: Duration) {
        lock(&self.shared.tokens).ttl = ttl;
    }

    /// Invalidates every token now, to force a 401 in the middle of a run.
    pub fn expire_tokens(&self) {
        lock(&self.shared.tokens).expire_all();
    }

    /// Stops accepting, lets open requests finish (at most two seconds) and returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
