//! Request routing: one fallback handler sends each path to its service (`scim.rs`,
//! `auth.rs`, `integration.rs`, `oauth.rs`, `cert.rs`) after the fault gate (`faults.rs`).
//! Routing is done by hand so that path case, query decoding, error bodies, statistics and
//! fault injection behave exactly as intended rather than as a framework's defaults.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::faults::{scripted, service_gate, throttled};
use super::reply::{count, plain, scim_error};
use super::scim::{metadata, users};
use super::{Shared, auth, integration, lock};

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(dispatch).with_state(shared)
}

const SCIM_PREFIX: &str = "/scim/1/0/v2";
const AUTH_PREFIX: &str = "/auth/token/";
const API_PREFIX: &str = "/2/0/";
const AUDIT_PREFIX: &str = "/audit/api/1";

async fn dispatch(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let method = parts.method;
    let headers = parts.headers;
    s.counter.fetch_add(1, Ordering::Relaxed);

    if let Some(rest) = path.strip_prefix(SCIM_PREFIX) {
        let rest = rest.to_string();
        if matches!(
            rest.as_str(),
            "/ServiceProviderConfig" | "/ResourceTypes" | "/Schemas"
        ) {
            count(&s, "metadata");
            return metadata(&s, &rest);
        }
        if rest == "/Users" || rest.starts_with("/Users/") {
            if let Some(r) = throttled(&s) {
                return r;
            }
            if let Some(r) = scripted(&s, &method, &rest) {
                return r;
            }
            if let Some(r) = super::faults::hang_all(&s, &method).await {
                return r;
            }
            if let Some(r) = service_gate(&s, &headers).await {
                return r;
            }
            let r = users(&s, &method, &rest, &query, &headers, &body);
            return super::faults::oversize(&s, r);
        }
        count(&s, "other");
        return scim_error(&s, 404, None, &format!("Resource {path} not found"));
    }
    if let Some(what) = path.strip_prefix(AUTH_PREFIX) {
        let latency = lock(&s.faults).latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if let Some(r) = super::cert::intercept(&s, &method, what, &headers, &body) {
            return r;
        }
        return auth::service(&s, &method, what, &headers);
    }
    if let Some(r) = super::oauth::handle(&s, &method, &path, &body) {
        return r;
    }
    if let Some(rest) = path.strip_prefix(AUDIT_PREFIX) {
        if let Some(r) = service_gate(&s, &headers).await {
            return r;
        }
        return super::audit::handle(&s, rest, &query, &headers);
    }
    if let Some(rest) = path.strip_prefix(API_PREFIX) {
        if let Some(r) = service_gate(&s, &headers).await {
            return r;
        }
        return integration::handle(&s, &method, rest, &query, &headers);
    }
    count(&s, "other");
    plain(StatusCode::NOT_FOUND, "text/plain", "Not Found".into())
}
