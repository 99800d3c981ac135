//! Credentials and tokens: which account an `Authorization` header names, and the token
//! store behind the fake auth service (issue, refresh keeping the same value, logout).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::tenant::{Account, now_ms};

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
        let h = format!("{a:032x}");
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
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
