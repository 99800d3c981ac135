//! The integration API's corner the client needs: `GET /2/0/workspaces` (only the caller's
//! own workspaces, paged with limit/offset, page size silently capped) and `/2/0/users/me`.

use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::Who;
use super::auth::authenticate;
use super::server::{count, plain, query_param};
use super::{Shared, lock};

/// The integration API caps pages below what clients ask for, without saying so.
const PAGE_CAP: usize = 20;

fn api_json(status: StatusCode, body: Value) -> Response {
    plain(status, "application/json", body.to_string())
}

fn api_error(status: StatusCode, message: &str) -> Response {
    api_json(
        status,
        json!({"status": {"code": status.as_u16(), "message": message}}),
    )
}

pub fn handle(
    s: &Shared,
    method: &Method,
    rest: &str,
    query: &str,
    headers: &HeaderMap,
) -> Response {
    let kind = match rest {
        "workspaces" => "workspaces",
        "users/me" => "me",
        _ => "other",
    };
    count(s, kind);
    if kind == "other" {
        return api_error(StatusCode::NOT_FOUND, "Not Found");
    }
    if *method != Method::GET {
        return api_error(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
    }
    let (who, account) = match authenticate(s, headers) {
        Ok(a) => a,
        Err(_) => return api_error(StatusCode::UNAUTHORIZED, "Unauthorized"),
    };
    let t = lock(&s.tenant);
    if kind == "me" {
        let Some(i) = t.index_of(&account.user_id) else {
            return api_error(StatusCode::NOT_FOUND, "Not Found");
        };
        let u = &t.users[i].user;
        let customer = s
            .config
            .customer_id
            .clone()
            .unwrap_or_else(|| format!("{:016x}{:016x}", s.config.seed, !s.config.seed));
        return api_json(
            StatusCode::OK,
            json!({
                "meta": {"schema": format!("{}/objects/user", s.api_url)},
                "status": {"code": 200, "message": "Success"},
                "user": {"id": u.id, "active": u.active, "email": u.user_name, "emailOptIn": false,
                         "firstName": u.given_name, "lastName": u.family_name, "customerId": customer,
                         "lastLoginDate": u.last_modified}
            }),
        );
    }
    let mine = if who == Who::Admin {
        &t.admin_workspaces
    } else {
        &t.no_admin_workspaces
    };
    let limit = query_param(query, "limit")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(PAGE_CAP)
        .clamp(1, PAGE_CAP);
    let offset = query_param(query, "offset")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let details = query_param(query, "tenantDetails").is_some_and(|v| v == "true");
    let page: Vec<Value> = mine
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&w| {
            let ws = &t.workspaces[w];
            let mut v = json!({"id": ws.id, "name": ws.name, "active": true});
            if details && let Some(o) = v.as_object_mut() {
                o.insert("sizeAllowance".into(), Value::from(1_073_741_824u64));
                o.insert(
                    "currentSize".into(),
                    Value::from(((w as u64) * 37_813_411) % 1_000_000_000),
                );
            }
            v
        })
        .collect();
    let mut paging =
        json!({"currentPageSize": page.len(), "totalSize": mine.len(), "offset": offset});
    if offset + page.len() < mine.len()
        && let Some(o) = paging.as_object_mut()
    {
        o.insert(
            "next".into(),
            Value::from(format!(
                "{}/workspaces?tenantDetails={details}&limit={limit}&offset={}",
                s.api_url,
                offset + page.len()
            )),
        );
    }
    api_json(
        StatusCode::OK,
        json!({
            "meta": {"schema": format!("{}/objects/workspace", s.api_url), "paging": paging},
            "status": {"code": 200, "message": "Success"},
            "workspaces": page
        }),
    )
}
