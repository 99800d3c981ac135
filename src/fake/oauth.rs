//! The fake's OAuth server: the device grant (`/oauth/device/code`, then `/oauth/token`
//! polled through `authorization_pending` and `slow_down` until approved, denied or expired)
//! and rotating refresh tokens (each usable once; a reused one is refused and counted). A
//! device sign-in is approved on its own after `oauth_approve_after`, or denied with
//! `oauth_deny`. Access tokens are the auth service's tokens, so they expire the same way.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde_json::{Value, json};

use super::auth::Who;
use super::reply::{count, plain, query_param};
use super::{Shared, lock};

struct Device {
    user_code: String,
    started: Instant,
    expires: Instant,
    interval: Duration,
    last_poll: Option<Instant>,
    slow_downs_left: u32,
}

#[derive(Default)]
pub struct State {
    devices: HashMap<String, Device>,
    refresh: HashMap<String, Who>,
    used: HashSet<String>,
}

fn random(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

fn answer(status: StatusCode, body: Value) -> Response {
    plain(status, "application/json", body.to_string())
}

fn error(code: &str, description: &str) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        json!({"error": code, "error_description": description}),
    )
}

/// Routes `/oauth/...`; `None` for any other path.
pub fn handle(s: &Shared, method: &Method, path: &str, body: &[u8]) -> Option<Response> {
    let what = path.strip_prefix("/oauth/")?;
    let form = String::from_utf8_lossy(body).into_owned();
    let field = |k: &str| query_param(&form, k).unwrap_or_default();
    if *method != Method::POST {
        count(s, "other");
        return Some(plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "Method Not Allowed".into(),
        ));
    }
    if field("client_id") != s.client_id {
        count(s, "oauth_other");
        return Some(answer(
            StatusCode::UNAUTHORIZED,
            json!({"error": "invalid_client", "error_description": "Unknown client_id"}),
        ));
    }
    Some(match what {
        "device/code" => {
            count(s, "device_code");
            device_code(s)
        }
        "token" => match field("grant_type").as_str() {
            "urn:ietf:params:oauth:grant-type:device_code" => {
                count(s, "device_poll");
                poll(s, &field("device_code"))
            }
            "refresh_token" => {
                count(s, "oauth_refresh");
                refresh(s, &field("refresh_token"))
            }
            _ => {
                count(s, "oauth_other");
                error(
                    "unsupported_grant_type",
                    "Use the device code or refresh token grant",
                )
            }
        },
        _ => {
            count(s, "other");
            plain(StatusCode::NOT_FOUND, "text/plain", "Not Found".into())
        }
    })
}

fn device_code(s: &Shared) -> Response {
    let c = &s.config;
    let device_code = random(24);
    let user_code = {
        let r = random(6).to_ascii_uppercase().replace(['-', '_'], "X");
        format!("{}-{}", &r[..4], &r[4..8])
    };
    let now = Instant::now();
    lock(&s.oauth).devices.insert(
        device_code.clone(),
        Device {
            user_code: user_code.clone(),
            started: now,
            expires: now + c.oauth_device_ttl,
            interval: c.oauth_interval,
            last_poll: None,
            slow_downs_left: c.oauth_slow_down,
        },
    );
    let verify = format!("{}/activate", s.oauth_url);
    answer(
        StatusCode::OK,
        json!({
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": verify,
            "verification_uri_complete": format!("{verify}?user_code={user_code}"),
            "expires_in": c.oauth_device_ttl.as_secs().max(1),
            "interval": c.oauth_interval.as_secs().max(1),
        }),
    )
}

fn poll(s: &Shared, device_code: &str) -> Response {
    let now = Instant::now();
    let mut st = lock(&s.oauth);
    let Some(d) = st.devices.get_mut(device_code) else {
        return error("invalid_grant", "Unknown or already used device_code");
    };
    if now >= d.expires {
        st.devices.remove(device_code);
        return error("expired_token", "The device code has expired");
    }
    // A little slack for scheduling; a client that does not wait is slowed down.
    let too_soon = d
        .last_poll
        .is_some_and(|t| now.duration_since(t) + Duration::from_millis(100) < d.interval);
    d.last_poll = Some(now);
    if too_soon || d.slow_downs_left > 0 {
        if too_soon {
            count(s, "poll_too_fast");
        }
        d.slow_downs_left = d.slow_downs_left.saturating_sub(1);
        d.interval += Duration::from_secs(5);
        return error(
            "slow_down",
            "Polling too fast; wait 5 seconds more between polls",
        );
    }
    if now.duration_since(d.started) < s.config.oauth_approve_after {
        return error(
            "authorization_pending",
            "The user has not approved the sign-in yet",
        );
    }
    if s.config.oauth_deny {
        st.devices.remove(device_code);
        return error("access_denied", "The user denied the sign-in");
    }
    tracing::debug!(user_code = %d.user_code, "device sign-in approved");
    st.devices.remove(device_code);
    issue(s, &mut st, Who::Admin)
}

fn refresh(s: &Shared, token: &str) -> Response {
    let mut st = lock(&s.oauth);
    if st.used.contains(token) {
        count(s, "refresh_reuse");
        return error("invalid_grant", "The refresh token was already used");
    }
    let Some(who) = st.refresh.remove(token) else {
        return error("invalid_grant", "Unknown refresh token");
    };
    st.used.insert(token.to_string());
    issue(s, &mut st, who)
}

fn issue(s: &Shared, st: &mut State, who: Who) -> Response {
    let (access, r) = lock(&s.tokens).issue(who);
    let refresh = format!("rt-{}", random(32));
    st.refresh.insert(refresh.clone(), who);
    let ttl = r.expires.saturating_duration_since(Instant::now());
    answer(
        StatusCode::OK,
        json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ttl.as_secs().max(1),
            "refresh_token": refresh,
            "scope": "openid profile email offline_access",
        }),
    )
}
