//! The auth service (`/auth/token/authenticate|refresh|validate|logout`), the token store
//! behind it (issue, refresh keeping the same value, logout) and which account an
//! `Authorization` header names for the other services.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::reply::{count, plain};
use super::tenant::{Account, now_ms};
use super::{Shared, lock, read};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Admin,
    NoAdmin,
}

#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub who: Who,
    pub token_id: String,
    pub refresh_token_id: String,
    pub expires: Instant,
    pub expires_at_ms: u64,
}

/// Why a header was not accepted; the SCIM layer answers 401 for all of them, the auth
/// service distinguishes a malformed header (400) from bad credentials (401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    Missing,
    Malformed,
    BadCredential,
    BadToken,
}

pub struct Tokens {
    live: HashMap<String, TokenRecord>,
    rng: ChaCha8Rng,
    pub ttl: Duration,
}

/// The parsed scheme and credential of an `Authorization` header.
pub enum Scheme<'a> {
    Basic(&'a str),
    AnaplanAuthToken(&'a str),
    Bearer(&'a str),
}

pub fn scheme(header: Option<&str>) -> Result<Scheme<'_>, AuthFailure> {
    let h = header.ok_or(AuthFailure::Missing)?.trim();
    let (word, rest) = h.split_once(' ').ok_or(AuthFailure::Malformed)?;
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(AuthFailure::Malformed);
    }
    if word.eq_ignore_ascii_case("basic") {
        Ok(Scheme::Basic(rest))
    } else if word.eq_ignore_ascii_case("anaplanauthtoken") {
        Ok(Scheme::AnaplanAuthToken(rest))
    } else if word.eq_ignore_ascii_case("bearer") {
        Ok(Scheme::Bearer(rest))
    } else {
        Err(AuthFailure::Malformed)
    }
}

/// `base64(login:password)` → the account, comparing logins case-insensitively.
pub fn basic<'a>(b64: &str, accounts: [&'a Account; 2]) -> Result<&'a Account, AuthFailure> {
    let raw = STANDARD.decode(b64).map_err(|_| AuthFailure::Malformed)?;
    let text = String::from_utf8(raw).map_err(|_| AuthFailure::Malformed)?;
    let (login, password) = text.split_once(':').ok_or(AuthFailure::Malformed)?;
    accounts
        .into_iter()
        .find(|a| a.login.eq_ignore_ascii_case(login) && a.password == password)
        .ok_or(AuthFailure::BadCredential)
}

impl Tokens {
    pub fn new(seed: u64, ttl: Duration) -> Tokens {
        Tokens {
            live: HashMap::new(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x70_6b_65_6e),
            ttl,
        }
    }

    fn uuid(&mut self) -> String {
        let a: u128 = self.rng.random();
        super::tenant::dashed(&format!("{a:032x}"))
    }

    /// A JWT-looking value: clients must not assume a length or format.
    pub fn issue(&mut self, who: Who) -> (String, TokenRecord) {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let mut payload = [0u8; 48];
        self.rng.fill(&mut payload[..]);
        let mut sig = [0u8; 32];
        self.rng.fill(&mut sig[..]);
        let value = format!(
            "{header}.{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(sig)
        );
        let record = TokenRecord {
            who,
            token_id: self.uuid(),
            refresh_token_id: self.uuid(),
            expires: Instant::now() + self.ttl,
            expires_at_ms: now_ms() + self.ttl.as_millis() as u64,
        };
        self.live.insert(value.clone(), record.clone());
        (value, record)
    }

    /// A live token's record; expired ones are forgotten.
    pub fn check(&mut self, value: &str) -> Result<TokenRecord, AuthFailure> {
        match self.live.get(value) {
            Some(r) if r.expires > Instant::now() => Ok(r.clone()),
            Some(_) => {
                self.live.remove(value);
                Err(AuthFailure::BadToken)
            }
            None => Err(AuthFailure::BadToken),
        }
    }

    /// Same value, later expiry, as the live service does.
    pub fn refresh(&mut self, value: &str) -> Result<TokenRecord, AuthFailure> {
        self.check(value)?;
        let ttl = self.ttl;
        let r = self.live.get_mut(value).ok_or(AuthFailure::BadToken)?;
        r.expires = Instant::now() + ttl;
        r.expires_at_ms = now_ms() + ttl.as_millis() as u64;
        Ok(r.clone())
    }

    pub fn logout(&mut self, value: &str) -> Result<(), AuthFailure> {
        self.check(value)?;
        self.live.remove(value);
        Ok(())
    }

    /// Expires every issued token now, for tests that want a 401 mid-run.
    pub fn expire_all(&mut self) {
        self.live.clear();
    }
}

/// Which account the request speaks for, or why none (the detail of a 401).
pub(super) fn authenticate(
    s: &Shared,
    headers: &HeaderMap,
) -> Result<(Who, Account), &'static str> {
    let header = authorization(headers);
    let t = read(&s.tenant);
    let found: Result<Who, AuthFailure> = match scheme(header) {
        Err(e) => Err(e),
        Ok(Scheme::Basic(b64)) => basic(b64, [&t.admin, &t.no_admin]).map(who_of),
        Ok(Scheme::AnaplanAuthToken(v)) => lock(&s.tokens).check(v).map(|r| r.who),
        Ok(Scheme::Bearer(v)) => {
            if v == t.admin.api_key {
                Ok(Who::Admin)
            } else if v == t.no_admin.api_key {
                Ok(Who::NoAdmin)
            } else {
                lock(&s.tokens).check(v).map(|r| r.who)
            }
        }
    };
    match found {
        Ok(Who::Admin) => Ok((Who::Admin, t.admin.clone())),
        Ok(Who::NoAdmin) => Ok((Who::NoAdmin, t.no_admin.clone())),
        Err(e) => {
            drop(t);
            let detail = match e {
                AuthFailure::Missing => "Authentication is required: send an Authorization header",
                AuthFailure::Malformed => "The Authorization header is not valid",
                AuthFailure::BadCredential => "Invalid credentials",
                AuthFailure::BadToken => "The token is invalid or has expired",
            };
            lock(&s.stats).unauthorized += 1;
            Err(detail)
        }
    }
}

fn who_of(a: &Account) -> Who {
    if a.user_admin {
        Who::Admin
    } else {
        Who::NoAdmin
    }
}

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
}

fn auth_json(status: StatusCode, body: Value) -> Response {
    plain(status, "application/json", body.to_string())
}

fn auth_failure(status: StatusCode, code: &str, message: &str) -> Response {
    auth_json(status, json!({"status": code, "statusMessage": message}))
}

fn bad_header() -> Response {
    auth_failure(
        StatusCode::BAD_REQUEST,
        "FAILURE_BAD_HEADER",
        "The Authorization header is missing or malformed",
    )
}

fn bad_token(s: &Shared) -> Response {
    lock(&s.stats).unauthorized += 1;
    auth_failure(
        StatusCode::UNAUTHORIZED,
        "FAILURE_BAD_TOKEN",
        "The token is invalid or has expired",
    )
}

fn token_info(value: &str, r: &TokenRecord) -> Value {
    json!({
        "tokenId": r.token_id,
        "tokenValue": value,
        "expiresAt": r.expires_at_ms,
        "refreshTokenId": r.refresh_token_id,
    })
}

/// A successful answer of the auth service, with the token's details and `extra` fields.
fn success(s: &Shared, status: StatusCode, message: &str, info: Value, extra: Value) -> Response {
    let mut body = json!({
        "meta": {"validationUrl": format!("{}/token/validate", s.auth_url)},
        "status": "SUCCESS",
        "statusMessage": message,
        "tokenInfo": info,
    });
    if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), extra) {
        b.extend(extra);
    }
    auth_json(status, body)
}

/// The auth service: authenticate, refresh, validate, logout.
pub(super) fn service(s: &Shared, method: &Method, what: &str, headers: &HeaderMap) -> Response {
    let kind = match what {
        "authenticate" | "refresh" | "validate" | "logout" => what,
        _ => "other",
    };
    count(s, kind);
    if kind == "other" {
        return plain(StatusCode::NOT_FOUND, "text/plain", "Not Found".into());
    }
    let expected = if kind == "validate" {
        Method::GET
    } else {
        Method::POST
    };
    if *method != expected {
        return plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "Method Not Allowed".into(),
        );
    }
    let header = authorization(headers);
    if kind == "authenticate" {
        return sign_in(s, header);
    }
    // refresh, validate, logout take `AnaplanAuthToken`; Bearer is refused as live.
    let value = match scheme(header) {
        Ok(Scheme::AnaplanAuthToken(v)) => v,
        Ok(Scheme::Bearer(_)) if kind == "logout" => return bad_token(s),
        _ => return bad_header(),
    };
    match kind {
        "refresh" => refresh(s, value),
        "validate" => validate(s, value),
        _ => logout(s, value),
    }
}

fn sign_in(s: &Shared, header: Option<&str>) -> Response {
    let Ok(Scheme::Basic(b64)) = scheme(header) else {
        return bad_header();
    };
    let who = {
        let t = read(&s.tenant);
        basic(b64, [&t.admin, &t.no_admin]).map(who_of)
    };
    match who {
        Err(AuthFailure::BadCredential) => {
            lock(&s.stats).unauthorized += 1;
            auth_failure(
                StatusCode::UNAUTHORIZED,
                "FAILURE_BAD_CREDENTIAL",
                "Invalid username or password",
            )
        }
        Err(_) => bad_header(),
        Ok(who) => {
            let (value, r) = lock(&s.tokens).issue(who);
            let mut info = token_info(&value, &r);
            if let Some(o) = info.as_object_mut() {
                // Anaplan is adding this; clients must ignore what they do not know.
                o.insert(
                    "refreshToken".into(),
                    Value::from(format!("rt.{}", r.refresh_token_id)),
                );
            }
            success(
                s,
                StatusCode::CREATED,
                "Login successful",
                info,
                Value::Null,
            )
        }
    }
}

// Each reads the token store in a statement of its own, so its lock is released before
// `bad_token` takes the stats' lock.

fn refresh(s: &Shared, value: &str) -> Response {
    let found = lock(&s.tokens).refresh(value);
    match found {
        Ok(r) => success(
            s,
            StatusCode::OK,
            "Token refreshed",
            token_info(value, &r),
            Value::Null,
        ),
        Err(_) => bad_token(s),
    }
}

fn validate(s: &Shared, value: &str) -> Response {
    let found = lock(&s.tokens).check(value);
    let Ok(r) = found else {
        return bad_token(s);
    };
    let t = read(&s.tenant);
    let a = if r.who == Who::Admin {
        &t.admin
    } else {
        &t.no_admin
    };
    let user = json!({"userInfo": {"userGuid": a.user_id, "userId": a.login,
                                   "customerGuid": format!("{:032x}", s.config.seed)}});
    success(
        s,
        StatusCode::OK,
        "Token validated",
        token_info(value, &r),
        user,
    )
}

fn logout(s: &Shared, value: &str) -> Response {
    let found = lock(&s.tokens).logout(value);
    match found {
        Ok(()) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        Err(_) => bad_token(s),
    }
}
