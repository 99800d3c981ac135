//! Request routing: one fallback handler sends each path to its service (`scim.rs`,
//! `auth.rs`, `integration.rs`, `oauth.rs`, `cert.rs`) after the fault gate (`faults.rs`).
//! Routing is done by hand so that path case, query decoding, error bodies, statistics and
//! fault injection behave exactly as intended rather than as a framework's defaults.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::faults::{scripted, service_gate, throttled};
use super::scim::{metadata, scim_error, users};
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

pub(super) fn count(s: &Shared, kind: &str) {
    let mut st = lock(&s.stats);
    st.requests += 1;
    *st.by_kind.entry(kind.to_string()).or_default() += 1;
}

pub(super) fn plain(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// Anaplan's decoding of a query string: `+` and `%20` are spaces.
pub(super) fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |x: &str| {
            percent_encoding::percent_decode_str(&x.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        (decode(k) == name).then(|| decode(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_and_percent_twenty_decode_to_spaces() {
        let q = "count=5&filter=userName+eq+%22a%40b.com%22&x";
        assert_eq!(
            query_param(q, "filter").as_deref(),
            Some("userName eq \"a@b.com\"")
        );
        let q = "filter=active%20eq%20true";
        assert_eq!(query_param(q, "filter").as_deref(), Some("active eq true"));
        assert_eq!(query_param(q, "count"), None);
    }
}
