//! Lost answers on purpose: a PATCH that is applied (or not) while its answer says
//! otherwise, and a GET by id that answers for another user. Each switch picks the same users
//! every time (by id and seed), so a test knows whom it hit; "first try" spares the users'
//! later PATCHes, so a retry or a resume goes through.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::reply::{plain, render_user, scim_error, scim_stream};
use super::tenant::FakeUser;
use super::{Shared, lock, patch, read};

/// What goes wrong with the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostKind {
    /// The PATCH is applied, then answered 500.
    AppliedThen500,
    /// The PATCH is applied, then the connection drops mid-answer.
    AppliedThenDropped,
    /// The PATCH is applied, then the answer's body never comes (for `hang`).
    AppliedThenHang,
    /// The PATCH is applied, then answered 200 with half of the user's JSON.
    Truncated200,
    /// The PATCH is applied, then answered 200 with a proxy's HTML page.
    Html200,
    /// The PATCH is answered 200 with the user as it would be, but nothing is stored.
    ClaimNotStored,
    /// `GET /Users/{id}` answers with another user's JSON.
    OtherUserOnGet,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LostAnswers {
    pub kind: Option<LostKind>,
    /// Share of users affected (0..=1), chosen by id and the tenant's seed.
    pub share: f64,
    /// Every PATCH of an affected user, not only its first one.
    pub every_try: bool,
    /// How long a hung answer waits before its body.
    pub hang: Duration,
    /// After the first lost answer the server goes down: every `/Users` request is answered
    /// 503 until the switch is set again (so nothing can be re-read).
    pub down_after: bool,
}

impl Default for LostAnswers {
    fn default() -> Self {
        LostAnswers {
            kind: None,
            share: 1.0,
            every_try: false,
            hang: Duration::from_secs(600),
            down_after: false,
        }
    }
}

/// The switch and how often each affected user was hit since it was set.
#[derive(Debug, Default)]
pub(super) struct State {
    pub settings: LostAnswers,
    hits: HashMap<String, u32>,
    down: bool,
}

impl State {
    pub fn new(settings: LostAnswers) -> State {
        State {
            settings,
            hits: HashMap::new(),
            down: false,
        }
    }
}

/// A 503 for every `/Users` request once `down_after` took the server down.
pub(super) fn down(s: &Shared) -> Option<Response> {
    if !lock(&s.lost).down {
        return None;
    }
    lock(&s.stats).faults_injected += 1;
    Some(scim_error(s, 503, None, "Service temporarily unavailable"))
}

/// Whether `id` is among the affected users: a fixed draw per id (FNV-1a of seed and id).
pub(super) fn affected(seed: u64, id: &str, share: f64) -> bool {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in id.to_ascii_lowercase().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // FNV alone leaves the high bits nearly equal for ids that differ only at the end.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    ((h >> 11) as f64 / (1u64 << 53) as f64) < share
}

/// The fault for this request, if the switch hits it.
fn hit(s: &Shared, id: &str, get: bool) -> Option<(LostKind, Duration)> {
    let mut st = lock(&s.lost);
    let kind = st.settings.kind?;
    if get != (kind == LostKind::OtherUserOnGet) || !affected(s.config.seed, id, st.settings.share)
    {
        return None;
    }
    st.down |= st.settings.down_after;
    let every = st.settings.every_try;
    let hang = st.settings.hang;
    let n = st.hits.entry(id.to_ascii_lowercase()).or_default();
    *n += 1;
    if *n > 1 && !every && !get {
        return None;
    }
    drop(st);
    lock(&s.stats).faults_injected += 1;
    Some((kind, hang))
}

/// A PATCH, through the switch: `change` applies and stores it as usual.
pub(super) fn patch(
    s: &Shared,
    id: &str,
    body: &[u8],
    change: impl FnOnce() -> Response,
) -> Response {
    let Some((kind, hang)) = hit(s, id, false) else {
        return change();
    };
    if kind == LostKind::ClaimNotStored {
        return claim(s, id, body).unwrap_or_else(change);
    }
    let r = change();
    if !r.status().is_success() {
        // Refused: nothing was applied, the answer stands.
        return r;
    }
    let stored = current(s, id).unwrap_or_default();
    match kind {
        LostKind::AppliedThen500 => scim_error(s, 500, None, "An internal error occurred"),
        LostKind::AppliedThenDropped => super::reply::dropped(),
        LostKind::AppliedThenHang => hung(stored, hang),
        LostKind::Truncated200 => {
            let half = stored.len() / 2;
            plain(
                StatusCode::OK,
                "application/scim+json",
                stored.chars().take(half).collect(),
            )
        }
        LostKind::Html200 => plain(
            StatusCode::OK,
            "text/html",
            "<html><head><title>Request accepted</title></head><body><h1>Your request is being processed</h1></body></html>".into(),
        ),
        LostKind::ClaimNotStored | LostKind::OtherUserOnGet => r,
    }
}

/// A GET by id, through the switch: another user's JSON for an affected id.
pub(super) fn get(s: &Shared, id: &str) -> Option<Response> {
    hit(s, id, true)?;
    let t = read(&s.tenant);
    let i = t.index_of(id)?;
    let other = &t.users[(i + 1) % t.users.len()];
    let body = render_user(s, other);
    drop(t);
    Some(plain(StatusCode::OK, "application/scim+json", body))
}

/// The user as it is stored now, rendered.
fn current(s: &Shared, id: &str) -> Option<String> {
    let t = read(&s.tenant);
    let i = t.index_of(id)?;
    Some(render_user(s, &t.users[i]))
}

/// The user as the PATCH would make it, answered 200 and never stored; `None` when the
/// PATCH would be refused (the caller answers it for real).
fn claim(s: &Shared, id: &str, body: &[u8]) -> Option<Response> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let t = read(&s.tenant);
    let i = t.index_of(id)?;
    let user = patch::apply_patch(&t.users[i].user, &value, &t, &s.config).ok()?;
    let fu = FakeUser {
        user,
        quirk: t.users[i].quirk,
        version: t.users[i].version + 1,
    };
    let body = render_user(s, &fu);
    drop(t);
    Some(plain(StatusCode::OK, "application/scim+json", body))
}

/// A 200 whose body comes only after `wait`: the client's timeout ends it first.
fn hung(body: String, wait: Duration) -> Response {
    let stream = futures::stream::once(async move {
        tokio::time::sleep(wait).await;
        Ok::<Bytes, std::io::Error>(Bytes::from(body))
    });
    scim_stream(Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_picks_about_that_many_users_and_always_the_same() {
        let ids: Vec<String> = (0..2000).map(|i| format!("{i:032x}")).collect();
        let n = ids.iter().filter(|id| affected(42, id, 0.1)).count();
        assert!((140..260).contains(&n), "{n}");
        assert!(ids.iter().all(|id| affected(42, id, 1.0)));
        assert!(!ids.iter().any(|id| affected(42, id, 0.0)));
        let again = ids.iter().filter(|id| affected(42, id, 0.1)).count();
        assert_eq!(n, again);
    }
}
