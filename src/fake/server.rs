//! Request routing and the SCIM and auth-service handlers. Routing is done by hand in one
//! fallback handler so that path case, query decoding, error bodies, statistics and fault
//! injection behave exactly as intended rather than as a framework's defaults.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::{self, AuthFailure, Scheme, Who};
use super::faults::{self, Injected};
use super::render::{error_json, list_json, user_json};
use super::tenant::{Account, Tenant, now_ms};
use super::{AuthFailureBody, CountMode, Dialect, Shared, integration, lock, patch};
use crate::scim::model::MAX_PAGE_SIZE;

/// Anaplan's detail text for every refused filter.
pub const FILTER_DETAIL: &str = "The specified filter syntax was invalid, or the specified attribute and filter comparison combination is not supported";

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(dispatch).with_state(shared)
}

const SCIM_PREFIX: &str = "/scim/1/0/v2";
const AUTH_PREFIX: &str = "/auth/token/";
const API_PREFIX: &str = "/2/0/";

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
            if let Some(r) = service_gate(&s, &headers).await {
                return r;
            }
            return users(&s, &method, &rest, &query, &headers, &body);
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
        return auth_service(&s, &method, what, &headers);
    }
    if let Some(r) = super::oauth::handle(&s, &method, &path, &body) {
        return r;
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

/// Latency, injected faults and the tenant's rate limit, applied to SCIM `/Users*` and the
/// integration API (metadata and the auth service are left alone so tests can log in).
async fn service_gate(s: &Shared, headers: &HeaderMap) -> Option<Response> {
    let f = lock(&s.faults).clone();
    if !f.latency.is_zero() {
        tokio::time::sleep(f.latency).await;
    }
    let injected = faults::draw(&f, &mut lock(&s.rng));
    if let Some(inj) = injected {
        {
            let mut st = lock(&s.stats);
            st.requests += 1;
            st.faults_injected += 1;
        }
        return Some(match inj {
            Injected::ServerError(code) => scim_error(
                s,
                code,
                None,
                if code == 503 {
                    "Service temporarily unavailable"
                } else {
                    "An internal error occurred"
                },
            ),
            Injected::TooMany => {
                too_many(s, "Too many requests", s.config.retry_after.unwrap_or(1))
            }
            Injected::Html502 => plain(
                StatusCode::BAD_GATEWAY,
                "text/html",
                "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n".into(),
            ),
            Injected::Drop => dropped(),
        });
    }
    // Only callers that present some credential spend the tenant's budget.
    if headers.contains_key(header::AUTHORIZATION)
        && let Err(wait) = lock(&s.bucket).take(&f)
    {
        {
            let mut st = lock(&s.stats);
            st.requests += 1;
            st.rate_limited += 1;
        }
        return Some(too_many(
            s,
            "Rate limit exceeded for this tenant; retry after the time in Retry-After",
            s.config.retry_after.unwrap_or(wait),
        ));
    }
    None
}

fn too_many(s: &Shared, detail: &str, seconds: u64) -> Response {
    let mut r = scim_error(s, 429, None, detail);
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// The first `throttle_first` requests to `/Users*` are answered 429.
fn throttled(s: &Shared) -> Option<Response> {
    let n = s.throttled.fetch_add(1, Ordering::Relaxed);
    if n >= s.config.throttle_first {
        return None;
    }
    {
        let mut st = lock(&s.stats);
        st.requests += 1;
        st.faults_injected += 1;
    }
    Some(too_many(
        s,
        "Too many requests",
        s.config.retry_after.unwrap_or(1),
    ))
}

/// A 200 whose body stream fails after a few bytes: hyper aborts the connection, the client
/// sees a truncated response.
fn dropped() -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(b"{\"totalResults\":")),
        Err(std::io::Error::other(
            "connection dropped by fault injection",
        )),
    ];
    let mut r = Response::new(Body::from_stream(futures::stream::iter(chunks)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    r
}

pub(super) fn plain(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A SCIM JSON response; quirks mode labels every third one `application/json`.
pub(super) fn scim_json(s: &Shared, status: u16, body: String) -> Response {
    let ct = if s.config.quirks && s.counter.load(Ordering::Relaxed).is_multiple_of(3) {
        "application/json"
    } else {
        "application/scim+json"
    };
    plain(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        ct,
        body,
    )
}

pub(super) fn scim_error(
    s: &Shared,
    status: u16,
    scim_type: Option<&str>,
    detail: &str,
) -> Response {
    if status == 401 {
        lock(&s.stats).unauthorized += 1;
    }
    // Anaplan's own example of a 403 carries `"status":"404"` in its body.
    let body_status = if s.config.quirks && status == 403 {
        404
    } else {
        status
    };
    scim_json(s, status, error_json(body_status, scim_type, detail))
}

/// Which account the request speaks for, or why none (the detail of a 401).
pub(super) fn authenticate(
    s: &Shared,
    headers: &HeaderMap,
) -> Result<(Who, Account), &'static str> {
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    let t = lock(&s.tenant);
    let who_of = |a: &Account| {
        if a.user_admin {
            Who::Admin
        } else {
            Who::NoAdmin
        }
    };
    let found: Result<Who, AuthFailure> = match auth::scheme(header) {
        Err(e) => Err(e),
        Ok(Scheme::Basic(b64)) => auth::basic(b64, [&t.admin, &t.no_admin]).map(who_of),
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

fn users(
    s: &Shared,
    method: &Method,
    rest: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let id = rest.strip_prefix("/Users/").map(str::to_string);
    let kind = match (method.as_str(), &id) {
        ("GET", None) => "list",
        ("GET", Some(_)) => "get",
        ("PATCH", Some(_)) => "patch",
        ("PUT", Some(_)) => "put",
        ("DELETE", Some(_)) => "delete",
        ("POST", None) => "create",
        _ => "other",
    };
    count(s, kind);
    if headers
        .get(header::ACCEPT)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|a| a.contains("application/xml"))
    {
        return scim_error(s, 406, None, "Only JSON responses are supported");
    }
    let (who, _) = match authenticate(s, headers) {
        Ok(w) => w,
        Err(detail) => return unauthorized(s, detail),
    };
    if who != Who::Admin {
        return scim_error(
            s,
            403,
            None,
            "The authenticated user does not have the User Admin role required for SCIM",
        );
    }
    match (kind, id) {
        ("list", _) => list(s, query),
        ("get", Some(id)) => get(s, &id),
        ("patch", Some(id)) => change(s, &id, body, false),
        ("put", Some(id)) => change(s, &id, body, true),
        ("delete", _) => scim_error(
            s,
            501,
            None,
            "Deleting users is not supported; disable the user or remove its workspaces instead",
        ),
        ("create", _) => scim_error(s, 501, None, "Creating users is not supported by this fake"),
        _ => scim_error(s, 405, None, "Method not allowed"),
    }
}

fn unauthorized(s: &Shared, detail: &str) -> Response {
    match s.config.auth_failure_body {
        AuthFailureBody::Scim => scim_json(s, 401, error_json(401, None, detail)),
        AuthFailureBody::HtmlEmpty => {
            let mut r = plain(StatusCode::UNAUTHORIZED, "text/html", String::new());
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            r
        }
    }
}

fn number(query: &str, name: &str) -> Result<Option<i64>, String> {
    match query_param(query, name) {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| format!("{name} must be an integer, got {v}")),
    }
}

fn list(s: &Shared, query: &str) -> Response {
    let (start, count) = match (number(query, "startIndex"), number(query, "count")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return scim_error(s, 400, Some("invalidValue"), &e),
    };
    let start = start.unwrap_or(1).max(1) as usize;
    let mut count = count.unwrap_or(50).max(0) as usize;
    if count > MAX_PAGE_SIZE as usize {
        match s.config.count_over_max {
            CountMode::Reject => {
                return scim_error(
                    s,
                    400,
                    Some("invalidValue"),
                    &format!("count must not be greater than {MAX_PAGE_SIZE}"),
                );
            }
            CountMode::Clamp => count = MAX_PAGE_SIZE as usize,
        }
    }
    let filter = match query_param(query, "filter") {
        None => None,
        Some(text) => match super::filter::read(&text) {
            Ok(f) => Some(f),
            Err(_) => return scim_error(s, 400, Some("invalidValue"), FILTER_DETAIL),
        },
    };
    if let (Some(max), Some(f)) = (s.config.max_filter_terms, &filter)
        && f.or_terms() > max
    {
        return scim_error(s, 500, None, "An internal error occurred");
    }
    if s.config.endless_pages {
        return endless_page(s, start, count);
    }
    let t = lock(&s.tenant);
    let matched: Vec<usize> = match &filter {
        None => (0..t.users.len()).collect(),
        // An RFC server whose `id` is not filterable: no error, no results.
        Some(f) if s.config.dialect == Dialect::Rfc && f.mentions_id() => Vec::new(),
        Some(f) => match f.only_ids() {
            // The client re-reads batches as `id eq .. or id eq ..`: answer by lookup.
            Some(ids) => {
                let mut idx: Vec<usize> = ids.iter().filter_map(|id| t.index_of(id)).collect();
                idx.sort_unstable();
                idx.dedup();
                idx
            }
            None => (0..t.users.len())
                .filter(|&i| f.matches(&t.users[i].user))
                .collect(),
        },
    };
    let total = matched.len();
    let mut from = start - 1;
    if from >= total && s.config.repeat_pages_past_end && total > 0 {
        from = total.saturating_sub(count.max(1));
    }
    let page: Vec<String> = matched
        .iter()
        .skip(from)
        .take(count)
        .map(|&i| render_user(s, &t.users[i]))
        .collect();
    drop(t);
    let total = s
        .config
        .lie_total_results
        .map_or(total, |n| usize::try_from(n).unwrap_or(usize::MAX));
    scim_json(
        s,
        200,
        list_json(total, start, count, &page, s.config.quirks),
    )
}

/// A full page of users nobody has seen before, at any startIndex, under the tenant's own
/// `totalResults`: a server whose pages never run out.
fn endless_page(s: &Shared, start: usize, count: usize) -> Response {
    let page: Vec<String> = (start..start + count)
        .map(|n| {
            let user = crate::scim::model::User {
                id: format!("{:032x}", 0xe0d1_e550_0000_0000_u64 + n as u64),
                user_name: format!("endless.{n}@example.com"),
                external_id: None,
                active: true,
                given_name: Some("Endless".into()),
                family_name: Some(format!("User{n}")),
                display_name: Some(format!("Endless User{n}")),
                workspaces: Vec::new(),
                created: None,
                last_modified: None,
            };
            render_user(
                s,
                &super::tenant::FakeUser {
                    user,
                    quirk: 0,
                    version: 1,
                },
            )
        })
        .collect();
    // What the tenant says it holds; the pages never run out regardless.
    let total = lock(&s.tenant).users.len();
    scim_json(
        s,
        200,
        list_json(total, start, count, &page, s.config.quirks),
    )
}

fn render_user(s: &Shared, fu: &super::tenant::FakeUser) -> String {
    user_json(
        fu,
        &s.scim_url,
        s.config.quirks,
        s.config.dialect == Dialect::Anaplan,
    )
}

fn with_location(s: &Shared, mut r: Response, id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("{}/Users/{id}", s.scim_url)) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn not_found(s: &Shared, id: &str) -> Response {
    scim_error(s, 404, None, &format!("Resource {id} not found"))
}

fn get(s: &Shared, id: &str) -> Response {
    let t = lock(&s.tenant);
    let Some(i) = t.index_of(id) else {
        drop(t);
        return not_found(s, id);
    };
    let body = render_user(s, &t.users[i]);
    let id = t.users[i].user.id.clone();
    drop(t);
    with_location(s, scim_json(s, 200, body), &id)
}

fn change(s: &Shared, id: &str, body: &[u8], put: bool) -> Response {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return scim_error(
            s,
            400,
            Some("invalidSyntax"),
            "The request body is not valid JSON",
        );
    };
    let mut t = lock(&s.tenant);
    let Some(i) = t.index_of(id) else {
        drop(t);
        return not_found(s, id);
    };
    let tenant: &Tenant = &t;
    let result = if put {
        patch::apply_put(&tenant.users[i].user, &value, tenant, &s.config)
    } else {
        patch::apply_patch(&tenant.users[i].user, &value, tenant, &s.config)
    };
    // Partial success: the entitlement part failed; save the rest and say so with a 207.
    let (result, partial) = match result {
        Err(r) if !put && s.config.partial_success => {
            match without_entitlements(&value)
                .map(|rest| patch::apply_patch(&tenant.users[i].user, &rest, tenant, &s.config))
            {
                Some(Ok(user)) => (Ok(user), Some(r)),
                _ => (Err(r), None),
            }
        }
        other => (other, None),
    };
    match result {
        Err(r) => {
            drop(t);
            scim_error(s, r.status, Some(r.scim_type), &r.detail)
        }
        Ok(mut user) if partial.is_some() => {
            user.last_modified = Some(super::tenant::iso_timestamp(now_ms()));
            let fu = &mut t.users[i];
            fu.user = user;
            fu.version += 1;
            drop(t);
            let detail = partial.map(|r| r.detail).unwrap_or_default();
            scim_json(
                s,
                207,
                error_json(
                    207,
                    None,
                    &format!(
                        "The user's attributes were saved, but its workspace entitlements were not: {detail}"
                    ),
                ),
            )
        }
        Ok(mut user) => {
            user.last_modified = Some(super::tenant::iso_timestamp(now_ms()));
            let fu = &mut t.users[i];
            fu.user = user;
            fu.version += 1;
            let body = render_user(s, fu);
            let id = fu.user.id.clone();
            drop(t);
            if !put {
                *lock(&s.stats).patches.entry(id.clone()).or_default() += 1;
            }
            if !put && s.config.dialect == Dialect::Rfc {
                // RFC 7644 §3.5.2: 204 without a body is a successful PATCH too.
                let mut r = Response::new(Body::empty());
                *r.status_mut() = StatusCode::NO_CONTENT;
                return r;
            }
            with_location(s, scim_json(s, 200, body), &id)
        }
    }
}

/// The PATCH body without its entitlement operations, if it has any other.
fn without_entitlements(body: &Value) -> Option<Value> {
    let ops = body.get("Operations")?.as_array()?;
    let rest: Vec<Value> = ops
        .iter()
        .filter(|op| {
            !op.get("path").and_then(Value::as_str).is_some_and(|p| {
                p.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("entitlements")
            })
        })
        .cloned()
        .collect();
    if rest.is_empty() || rest.len() == ops.len() {
        return None;
    }
    let mut b = body.clone();
    b["Operations"] = Value::Array(rest);
    Some(b)
}

fn metadata(s: &Shared, what: &str) -> Response {
    let list = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
    let body = match what {
        "/ServiceProviderConfig" => json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": "https://help.anaplan.com",
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": MAX_PAGE_SIZE},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": false},
            "authenticationSchemes": [
                {"type": "httpbasic", "name": "HTTP Basic", "description": "Basic authentication",
                 "specUri": "https://www.rfc-editor.org/rfc/rfc2617", "documentationUri": "https://help.anaplan.com"},
                {"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "API key or OAuth access token",
                 "specUri": "https://www.rfc-editor.org/rfc/rfc6750", "documentationUri": "https://help.anaplan.com"}
            ],
            "meta": {"resourceType": "ServiceProviderConfig", "created": "2020-01-01T00:00:00.000Z",
                     "lastModified": "2020-01-01T00:00:00.000Z",
                     "location": format!("{}/ServiceProviderConfig", s.scim_url)}
        }),
        "/ResourceTypes" => json!({
            "schemas": [list], "totalResults": 1, "startIndex": 1, "itemsPerPage": 10,
            "Resources": [{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                           "id": "User", "name": "User", "endpoint": "/Users",
                           "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
                           "meta": {"resourceType": "ResourceType",
                                    "location": format!("{}/ResourceTypes/User", s.scim_url)}}]
        }),
        _ => {
            let attributes: Vec<Value> = [
                "id",
                "externalId",
                "userName",
                "name",
                "displayName",
                "active",
                "emails",
                "entitlements",
            ]
            .iter()
            .map(|a| json!({"name": a}))
            .collect();
            json!({
                "schemas": [list], "totalResults": 1, "startIndex": 1, "itemsPerPage": 10,
                "Resources": [{"id": "urn:ietf:params:scim:schemas:core:2.0:User",
                               "name": "User", "attributes": attributes}]
            })
        }
    };
    scim_json(s, 200, body.to_string())
}

fn auth_json(status: StatusCode, body: Value) -> Response {
    plain(status, "application/json", body.to_string())
}

fn auth_failure(status: StatusCode, code: &str, message: &str) -> Response {
    auth_json(status, json!({"status": code, "statusMessage": message}))
}

/// The auth service: authenticate, refresh, validate, logout.
fn auth_service(s: &Shared, method: &Method, what: &str, headers: &HeaderMap) -> Response {
    let kind = match what {
        "authenticate" => "authenticate",
        "refresh" => "refresh",
        "validate" => "validate",
        "logout" => "logout",
        _ => "other",
    };
    count(s, kind);
    let expected = if kind == "validate" {
        Method::GET
    } else {
        Method::POST
    };
    if kind == "other" {
        return plain(StatusCode::NOT_FOUND, "text/plain", "Not Found".into());
    }
    if *method != expected {
        return plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "Method Not Allowed".into(),
        );
    }
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    let bad_header = || {
        auth_failure(
            StatusCode::BAD_REQUEST,
            "FAILURE_BAD_HEADER",
            "The Authorization header is missing or malformed",
        )
    };
    let bad_token = || {
        lock(&s.stats).unauthorized += 1;
        auth_failure(
            StatusCode::UNAUTHORIZED,
            "FAILURE_BAD_TOKEN",
            "The token is invalid or has expired",
        )
    };
    let token_info = |value: &str, r: &auth::TokenRecord| {
        json!({
            "tokenId": r.token_id,
            "tokenValue": value,
            "expiresAt": r.expires_at_ms,
            "refreshTokenId": r.refresh_token_id,
        })
    };
    let meta = json!({"validationUrl": format!("{}/token/validate", s.auth_url)});
    if kind == "authenticate" {
        let Ok(Scheme::Basic(b64)) = auth::scheme(header) else {
            return bad_header();
        };
        let who = {
            let t = lock(&s.tenant);
            auth::basic(b64, [&t.admin, &t.no_admin]).map(|a| {
                if a.user_admin {
                    Who::Admin
                } else {
                    Who::NoAdmin
                }
            })
        };
        return match who {
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
                auth_json(
                    StatusCode::CREATED,
                    json!({"meta": meta, "status": "SUCCESS", "statusMessage": "Login successful", "tokenInfo": info}),
                )
            }
        };
    }
    // refresh, validate, logout take `AnaplanAuthToken`; Bearer is refused as live.
    let value = match auth::scheme(header) {
        Ok(Scheme::AnaplanAuthToken(v)) => v,
        Ok(Scheme::Bearer(_)) if kind == "logout" => return bad_token(),
        _ => return bad_header(),
    };
    let mut tokens = lock(&s.tokens);
    match kind {
        "refresh" => match tokens.refresh(value) {
            Ok(r) => auth_json(
                StatusCode::OK,
                json!({"meta": meta, "status": "SUCCESS", "statusMessage": "Token refreshed",
                       "tokenInfo": token_info(value, &r)}),
            ),
            Err(_) => {
                drop(tokens);
                bad_token()
            }
        },
        "validate" => match tokens.check(value) {
            Ok(r) => {
                drop(tokens);
                let t = lock(&s.tenant);
                let a = if r.who == Who::Admin {
                    &t.admin
                } else {
                    &t.no_admin
                };
                auth_json(
                    StatusCode::OK,
                    json!({"meta": meta, "status": "SUCCESS", "statusMessage": "Token validated",
                           "tokenInfo": token_info(value, &r),
                           "userInfo": {"userGuid": a.user_id, "userId": a.login,
                                        "customerGuid": format!("{:032x}", s.config.seed)}}),
                )
            }
            Err(_) => {
                drop(tokens);
                bad_token()
            }
        },
        _ => match tokens.logout(value) {
            Ok(()) => {
                let mut r = Response::new(Body::empty());
                *r.status_mut() = StatusCode::NO_CONTENT;
                r
            }
            Err(_) => {
                drop(tokens);
                bad_token()
            }
        },
    }
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
