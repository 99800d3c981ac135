//! A server's users as plain HTTP says they are: `GET /Users` page by page, read as JSON
//! values by the test itself (never with scimitar's client or models), so the state a test
//! compares is the server's, not scimitar's reading of it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::Value;

/// What a bulk change can touch on one user: `active` and the WORKSPACE entitlements as
/// (lowercased id, display name); aggregates (WORKSPACE_IDS/NAMES) are left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserState {
    pub user_name: String,
    pub active: bool,
    pub workspaces: BTreeSet<(String, String)>,
}

/// Every user by id.
pub type Tenant = BTreeMap<String, UserState>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for plain HTTP")
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("an HTTP client")
}

/// `active` as a boolean, or as Anaplan's `"True"`/`"False"`.
fn flag(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

pub fn user_state(u: &Value) -> UserState {
    let workspaces = u
        .get("entitlements")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|e| e.get("type").and_then(Value::as_str) == Some("WORKSPACE"))
                .map(|e| {
                    let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    (s("value").to_ascii_lowercase(), s("display"))
                })
                .collect()
        })
        .unwrap_or_default();
    UserState {
        user_name: u
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        active: flag(u.get("active")),
        workspaces,
    }
}

/// GET with an `Authorization` header; the status and the body as JSON (Null if none).
pub fn get_json(url: &str, authorization: &str) -> (u16, Value) {
    try_get_json(url, authorization).unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// The same, with a connection failure as an error.
pub fn try_get_json(url: &str, authorization: &str) -> Result<(u16, Value), reqwest::Error> {
    runtime().block_on(async {
        let mut req = http().get(url);
        if !authorization.is_empty() {
            req = req.header("Authorization", authorization);
        }
        let r = req.send().await?;
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    })
}

/// POST a JSON body; the status and the body as JSON.
pub fn post_json(url: &str, authorization: &str, body: &Value) -> (u16, Value) {
    runtime().block_on(async {
        let r = http()
            .post(url)
            .header("Authorization", authorization)
            .header("Content-Type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    })
}

/// Every user of the server at `scim_url`, walking pages of 100 until a short or empty
/// page (at most 200 pages, so a broken server fails the test rather than hanging it).
pub fn read_tenant(scim_url: &str, authorization: &str) -> Tenant {
    let mut out = Tenant::new();
    let mut start = 1;
    for _ in 0..200 {
        let url = format!("{scim_url}/Users?startIndex={start}&count=100");
        let (status, v) = get_json(&url, authorization);
        assert_eq!(status, 200, "GET {url}: {v}");
        let page = v
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for u in &page {
            let id = u
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            out.insert(id, user_state(u));
        }
        let total = v.get("totalResults").and_then(Value::as_u64).unwrap_or(0) as usize;
        start += page.len();
        if page.is_empty() || start > total {
            return out;
        }
    }
    panic!("{scim_url} listed more than 200 pages");
}
