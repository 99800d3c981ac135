//! The Audit API (`/audit/api/1/events`): an event for every change the fake applies (USR-4
//! or USR-3, one USR-22 or USR-21 per workspace), served with Anaplan's shapes and refusals:
//! AnaplanAuthToken only (a bearer key is 401), the Tenant Auditor role (401
//! `FAILURE_UNAUTHORIZED_USER_ACTION` for the account without it), a 30-day cap on the range
//! and on what is kept, offset paging. Faults: events that appear late, events never recorded.
//! Its own reading of requests: nothing here comes from the client's code.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rand::Rng;
use serde_json::{Value, json};

use super::auth::{Scheme, Who, scheme};
use super::reply::{count, plain, query_param};
use super::tenant::now_ms;
use super::{Shared, lock};

const DAYS_30_MS: u64 = 30 * 24 * 3600 * 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub event_type: &'static str,
    pub actor: String,
    pub object: String,
    pub at_ms: u64,
    /// Not served before this (the lag fault).
    pub visible_ms: u64,
    pub workspace: Option<(String, String)>,
}

#[derive(Debug, Default)]
pub struct Log {
    pub events: Vec<Event>,
    /// Events the drop fault kept out: (type, user id, workspace id).
    pub dropped: Vec<(String, String, Option<String>)>,
}

fn message(t: &str) -> &'static str {
    match t {
        "USR-4" => "User disabled",
        "USR-3" => "User enabled",
        "USR-22" => "User removed from workspace",
        "USR-21" => "User added to workspace",
        _ => "User activity",
    }
}

/// Records the events of a change from `before` to `after` made by `actor`.
pub fn record(
    s: &Shared,
    actor: &str,
    before: &crate::scim::model::User,
    after: &crate::scim::model::User,
) {
    let mut changes: Vec<(&'static str, Option<(String, String)>)> = Vec::new();
    if before.active != after.active {
        changes.push((if after.active { "USR-3" } else { "USR-4" }, None));
    }
    let has = |u: &crate::scim::model::User, id: &str| {
        u.workspaces.iter().any(|w| w.id.eq_ignore_ascii_case(id))
    };
    for w in &before.workspaces {
        if !has(after, &w.id) {
            changes.push(("USR-22", Some((w.id.clone(), w.name.clone()))));
        }
    }
    for w in &after.workspaces {
        if !has(before, &w.id) {
            changes.push(("USR-21", Some((w.id.clone(), w.name.clone()))));
        }
    }
    if changes.is_empty() {
        return;
    }
    let faults = lock(&s.faults).clone();
    let now = now_ms();
    let mut rng = lock(&s.rng);
    let mut log = lock(&s.audit);
    for (t, ws) in changes {
        if faults.audit_drop_percent > 0.0
            && rng.random::<f64>() * 100.0 < faults.audit_drop_percent
        {
            log.dropped
                .push((t.to_string(), after.id.clone(), ws.map(|w| w.0)));
            continue;
        }
        let n = log.events.len() + log.dropped.len();
        log.events.push(Event {
            id: format!("{:08x}-aud1-4e00-8000-{n:012x}", now as u32),
            event_type: t,
            actor: actor.to_string(),
            object: after.id.clone(),
            at_ms: now,
            visible_ms: now + faults.audit_lag.as_millis() as u64,
            workspace: ws,
        });
    }
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"status": code, "statusMessage": message});
    plain(status, "application/json", body.to_string())
}

/// `GET /events?type=&dateFrom=&dateTo=&limit=&offset=`.
pub fn handle(s: &Shared, rest: &str, query: &str, headers: &HeaderMap) -> Response {
    count(s, "audit");
    if rest != "/events" {
        return plain(StatusCode::NOT_FOUND, "text/plain", "Not Found".into());
    }
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    let who = match scheme(header) {
        Ok(Scheme::AnaplanAuthToken(v)) => lock(&s.tokens).check(v).map(|r| r.who).ok(),
        _ => None,
    };
    let Some(who) = who else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "FAILURE_INVALID_AUTH",
            "Authorization must be an AnaplanAuthToken",
        );
    };
    if s.config.audit_unlicensed {
        return refuse(
            StatusCode::FORBIDDEN,
            "FAILURE_NOT_LICENSED",
            "Audit is not licensed for this tenant",
        );
    }
    if who != Who::Admin {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "FAILURE_UNAUTHORIZED_USER_ACTION",
            "FAILURE_UNAUTHORIZED_USER_ACTION: the user does not have the Tenant Auditor role",
        );
    }
    let now = now_ms();
    let num = |k: &str| query_param(query, k).and_then(|v| v.trim().parse::<u64>().ok());
    let to = num("dateTo").unwrap_or(now);
    let from = num("dateFrom").unwrap_or(now.saturating_sub(DAYS_30_MS));
    if to.saturating_sub(from) > DAYS_30_MS {
        return refuse(
            StatusCode::BAD_REQUEST,
            "FAILURE_BAD_REQUEST",
            "Date range cannot exceed 30 days",
        );
    }
    let limit = num("limit").unwrap_or(10_000).max(1) as usize;
    let offset = num("offset").unwrap_or(0) as usize;
    let kept_from = now.saturating_sub(DAYS_30_MS);
    let log = lock(&s.audit);
    let all: Vec<&Event> = log
        .events
        .iter()
        .filter(|e| e.visible_ms <= now && e.at_ms >= from.max(kept_from) && e.at_ms <= to)
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|e| {
            json!({
                "id": e.id, "eventTypeId": e.event_type, "userId": e.actor,
                "tenantId": "fake-tenant", "objectId": e.object, "objectTenantId": "fake-tenant",
                "message": message(e.event_type), "success": true, "ipAddress": "127.0.0.1",
                "userAgent": "scimitar-fake", "hostName": "fake", "eventDate": e.at_ms,
                "createdDate": e.at_ms, "eventTimeZone": "UTC", "checksum": "0",
                "additionalAttributes": e.workspace.as_ref().map(|(id, name)| json!({"workspaceId": id, "workspaceName": name})),
            })
        })
        .collect();
    let total = all.len();
    let next = offset + page.len();
    let more = next < total;
    let body = json!({
        "meta": {"paging": {
            "currentPageSize": page.len(), "totalSize": total, "offSet": offset,
            "nextOffset": if more { Value::from(next) } else { Value::Null },
            "nextUrl": if more { Value::from(format!("/audit/api/1/events?offset={next}&limit={limit}")) } else { Value::Null },
            "previousUrl": Value::Null,
        }},
        "status": {"code": 200, "message": "Success"},
        "response": page,
    });
    plain(StatusCode::OK, "application/json", body.to_string())
}
