//! The integration API's corner the client needs: `GET /2/0/workspaces` (only the caller's
//! own workspaces, paged with limit/offset, page size silently capped), `/2/0/users/me`, and
//! `/2/0/users/{id}` with the user's `lastLoginDate` (only for the User Admin account: the
//! other account is refused with 403, so clients meet the refusal too), and `/2/0/users`, every
//! user with its last login, paged with limit/offset and capped below what is asked.

use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::Who;
use super::auth::authenticate;
use super::reply::{count, plain, query_param};
use super::tenant::Account;
use super::{Shared, read};

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

/// Routes the integration API's few endpoints; each answers in its own function.
pub fn handle(
    s: &Shared,
    method: &Method,
    rest: &str,
    query: &str,
    headers: &HeaderMap,
) -> Response {
    let kind = match rest {
        "workspaces" => "workspaces",
        "users" => "users_list",
        "users/me" => "me",
        r if r.starts_with("users/") && !r["users/".len()..].contains('/') => "user",
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
    let t = read(&s.tenant);
    match kind {
        "users_list" => {
            // A tenant-level list: the account without User Admin is refused, as Anaplan may.
            if who != Who::Admin || s.config.user_list_forbidden {
                return api_error(StatusCode::FORBIDDEN, "Forbidden");
            }
            users_page(s, &t, query)
        }
        "user" => user_record(s, &t, who, &account, &rest["users/".len()..]),
        "me" => me(s, &t, &account),
        _ => workspaces_page(s, &t, who, query),
    }
}

/// `GET /2/0/users/{id}`: another user's record only for the User Admin account.
fn user_record(
    s: &Shared,
    t: &super::tenant::Tenant,
    who: Who,
    account: &Account,
    raw_id: &str,
) -> Response {
    let id = percent_encoding::percent_decode_str(raw_id)
        .decode_utf8_lossy()
        .into_owned();
    let Some(i) = t.index_of(&id) else {
        return api_error(StatusCode::NOT_FOUND, "Not Found");
    };
    let u = &t.users[i].user;
    if (who != Who::Admin || s.config.user_records_forbidden)
        && !u.id.eq_ignore_ascii_case(&account.user_id)
    {
        return api_error(StatusCode::FORBIDDEN, "Forbidden");
    }
    let mut user = json!({"id": u.id, "active": u.active, "email": u.user_name, "emailOptIn": false,
                          "firstName": u.given_name, "lastName": u.family_name});
    if let (Some(ms), Some(o)) = (last_login_ms(s.config.seed, u), user.as_object_mut()) {
        o.insert("lastLoginDate".into(), Value::from(anaplan_date(ms)));
    }
    api_json(
        StatusCode::OK,
        json!({
            "meta": {"schema": format!("{}/objects/user", s.api_url)},
            "status": {"code": 200, "message": "Success"},
            "user": user
        }),
    )
}

/// `GET /2/0/users/me`: the caller's own record, with the tenant's customer id.
fn me(s: &Shared, t: &super::tenant::Tenant, account: &Account) -> Response {
    let Some(i) = t.index_of(&account.user_id) else {
        return api_error(StatusCode::NOT_FOUND, "Not Found");
    };
    let u = &t.users[i].user;
    let customer = s
        .config
        .customer_id
        .clone()
        .unwrap_or_else(|| format!("{:016x}{:016x}", s.config.seed, !s.config.seed));
    api_json(
        StatusCode::OK,
        json!({
            "meta": {"schema": format!("{}/objects/user", s.api_url)},
            "status": {"code": 200, "message": "Success"},
            "user": {"id": u.id, "active": u.active, "email": u.user_name, "emailOptIn": false,
                     "firstName": u.given_name, "lastName": u.family_name, "customerId": customer,
                     "lastLoginDate": last_login_ms(s.config.seed, u).map(anaplan_date)}
        }),
    )
}

/// `GET /2/0/workspaces`: the caller's own workspaces, paged with limit/offset, capped.
fn workspaces_page(s: &Shared, t: &super::tenant::Tenant, who: Who, query: &str) -> Response {
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

/// Largest page `/2/0/users` answers with, whatever is asked (Anaplan documents 5000).
pub const USERS_LIMIT: usize = 5000;

/// One page of `GET /2/0/users`: at most `users_page_cap` users whatever the `limit`, without
/// saying so; a user who never signed in has no `lastLoginDate` (every other one of them
/// has it `null`, as both are seen).
fn users_page(s: &Shared, t: &super::tenant::Tenant, query: &str) -> Response {
    let cap = s.config.users_page_cap.clamp(1, USERS_LIMIT);
    let limit = query_param(query, "limit")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(USERS_LIMIT)
        .clamp(1, USERS_LIMIT);
    let offset = query_param(query, "offset")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let take = limit.min(cap);
    let customer = s
        .config
        .customer_id
        .clone()
        .unwrap_or_else(|| format!("{:016x}{:016x}", s.config.seed, !s.config.seed));
    let total = t.users.len();
    let page: Vec<Value> = t
        .users
        .iter()
        .skip(offset)
        .take(take)
        .enumerate()
        .map(|(k, r)| {
            let u = &r.user;
            let mut v = json!({"id": u.id, "active": u.active, "email": u.user_name,
                               "emailOptIn": false, "firstName": u.given_name,
                               "lastName": u.family_name, "customerId": customer});
            if let Some(o) = v.as_object_mut() {
                match last_login_ms(s.config.seed, u) {
                    Some(ms) => {
                        o.insert("lastLoginDate".into(), Value::from(anaplan_date(ms)));
                    }
                    None if (offset + k).is_multiple_of(2) => {
                        o.insert("lastLoginDate".into(), Value::Null);
                    }
                    None => {}
                }
            }
            v
        })
        .collect();
    let mut paging = json!({"currentPageSize": page.len(), "totalSize": total, "offset": offset});
    if offset + page.len() < total
        && let Some(o) = paging.as_object_mut()
    {
        o.insert(
            "next".into(),
            Value::from(format!(
                "{}/users?limit={limit}&offset={}",
                s.api_url,
                offset + page.len()
            )),
        );
    }
    api_json(
        StatusCode::OK,
        json!({
            "meta": {"schema": format!("{}/objects/user", s.api_url), "paging": paging},
            "status": {"code": 200, "message": "Success"},
            "users": page
        }),
    )
}

/// Anaplan's date form: `2019-05-21T18:09:13.000+0000`.
fn anaplan_date(epoch_ms: u64) -> String {
    let iso = super::tenant::iso_timestamp(epoch_ms);
    match iso.strip_suffix('Z') {
        Some(head) => format!("{head}+0000"),
        None => iso,
    }
}

/// A user's last login, fixed by the seed and the id (the tenant's generator is left alone, so
/// the seeded users stay as they were): about 8% never signed in (1 in 12); the others signed
/// in at a moment spread evenly over the three years before the start of today (UTC), so the
/// demo tenant always has users dormant for any threshold.
pub fn last_login_ms(seed: u64, u: &crate::scim::model::User) -> Option<u64> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(u.id.to_ascii_lowercase().as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    let r = u64::from_le_bytes(b);
    if r.is_multiple_of(12) {
        return None;
    }
    const DAY_MS: u64 = 86_400_000;
    const SPAN_MS: u64 = 3 * 365 * DAY_MS;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let today = now_ms - now_ms % DAY_MS;
    // Whole seconds, as Anaplan's dates carry `.000`.
    Some(today.saturating_sub(1 + (r >> 8) % SPAN_MS) / 1000 * 1000)
}
