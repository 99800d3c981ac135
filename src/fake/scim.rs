//! The SCIM service: `/Users` (list, get, PATCH, PUT) and the metadata endpoints, with
//! Anaplan's error bodies and its quirks as switches in `FakeConfig`.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::{Who, authenticate};
use super::render::{error_json, list_json};
use super::reply::{count, plain, query_param, render_user, scim_error, scim_json};
use super::tenant::{Tenant, now_ms};
use super::{AuthFailureBody, CountMode, Dialect, Shared, lock, patch, read};
use crate::scim::model::MAX_PAGE_SIZE;

/// Anaplan's detail text for every refused filter.
pub const FILTER_DETAIL: &str = "The specified filter syntax was invalid, or the specified attribute and filter comparison combination is not supported";

pub(super) fn users(
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
    if let Some(r) = super::lost::down(s) {
        return r;
    }
    match (kind, id) {
        ("list", _) => list(s, query),
        ("get", Some(id)) => super::lost::get(s, &id).unwrap_or_else(|| get(s, &id)),
        ("patch", Some(id)) => super::lost::patch(s, &id, body, || change(s, &id, body, false)),
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

/// A query parameter that should be an integer and is not.
#[derive(Debug, thiserror::Error)]
#[error("{name} must be an integer, got {got}")]
struct NotAnInteger {
    name: &'static str,
    got: String,
}

fn number(query: &str, name: &'static str) -> Result<Option<i64>, NotAnInteger> {
    match query_param(query, name) {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| NotAnInteger { name, got: v }),
    }
}

fn list(s: &Shared, query: &str) -> Response {
    let (start, count) = match (number(query, "startIndex"), number(query, "count")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            return scim_error(s, 400, Some("invalidValue"), &e.to_string());
        }
    };
    let start = if s.config.ignore_start_index {
        1
    } else {
        start.unwrap_or(1).max(1) as usize
    };
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
    if s.config.endless_pages || s.config.growing_total {
        return endless_page(s, start, count);
    }
    let t = read(&s.tenant);
    let matched = matching(s, &t, filter.as_ref());
    let total = matched.len();
    let mut from = start - 1;
    if from >= total && s.config.repeat_pages_past_end && total > 0 {
        from = total.saturating_sub(count.max(1));
    }
    let idx: Vec<usize> = matched.iter().skip(from).take(count).copied().collect();
    let total = s
        .config
        .lie_total_results
        .map_or(total, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let body = s.rendered.with_page(
        t.users.len(),
        &idx,
        |i| render_user(s, &t.users[i]),
        |page| list_json(total, start, count, page, s.config.quirks),
    );
    drop(t);
    scim_json(s, 200, body)
}

/// The tenant's users (by index) that `filter` selects, in the tenant's order.
fn matching(s: &Shared, t: &Tenant, filter: Option<&super::filter::Expr>) -> Vec<usize> {
    match filter {
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
    }
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
    // What the tenant says it holds (or one page more than this one); the pages never run
    // out regardless.
    let total = if s.config.growing_total {
        start - 1 + 2 * count
    } else {
        read(&s.tenant).users.len()
    };
    scim_json(
        s,
        200,
        list_json(total, start, count, &page, s.config.quirks),
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
    let t = read(&s.tenant);
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
    let mut t = super::write_tenant(s);
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
            let actor = t.admin.user_id.clone();
            let fu = &mut t.users[i];
            let before = std::mem::replace(&mut fu.user, user);
            fu.version += 1;
            let after = fu.user.clone();
            drop(t);
            super::audit::record(s, &actor, &before, &after);
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
            let actor = t.admin.user_id.clone();
            let fu = &mut t.users[i];
            let before = std::mem::replace(&mut fu.user, user);
            fu.version += 1;
            let body = render_user(s, fu);
            let id = fu.user.id.clone();
            let after = fu.user.clone();
            drop(t);
            super::audit::record(s, &actor, &before, &after);
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

pub(super) fn metadata(s: &Shared, what: &str) -> Response {
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
