//! The fake's switches that make it answer like other servers, over real HTTP:
//! `--dialect rfc` (204 PATCH, `noTarget`, no `id` filter, entitlements stored as sent),
//! the `or`-term limit, the empty-HTML 401, and the listing and 429 faults.

use reqwest::StatusCode;
use scimitar::fake::{AuthFailureBody, Dialect, FakeConfig, FakeServer};
use scimitar::scim::model::PATCH_SCHEMA;
use serde_json::{Value, json};

async fn start(config: FakeConfig) -> FakeServer {
    FakeServer::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn list(f: &FakeServer, query: &str) -> (StatusCode, Value) {
    let r = http()
        .get(format!("{}/Users?{query}", f.scim_url))
        .bearer_auth(&f.api_key)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn patch(f: &FakeServer, id: &str, ops: Value) -> (StatusCode, String) {
    let r = http()
        .patch(format!("{}/Users/{id}", f.scim_url))
        .bearer_auth(&f.api_key)
        .header("Content-Type", "application/scim+json")
        .body(json!({"schemas": [PATCH_SCHEMA], "Operations": ops}).to_string())
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

fn rfc(users: usize) -> FakeConfig {
    FakeConfig {
        users,
        dialect: Dialect::Rfc,
        ..FakeConfig::default()
    }
}

#[tokio::test]
async fn rfc_patch_answers_204_without_a_body_and_changes_the_user() {
    let f = start(rfc(40)).await;
    let u = f.users().into_iter().find(|u| u.active).unwrap();
    let (status, body) = patch(
        &f,
        &u.id,
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(body.is_empty(), "{body}");
    assert!(!f.user(&u.id).unwrap().active);
    // Anaplan's dialect answers with the user.
    let a = start(FakeConfig {
        users: 40,
        ..FakeConfig::default()
    })
    .await;
    let (status, body) = patch(
        &a,
        &u.id,
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&u.id), "{body}");
}

#[tokio::test]
async fn rfc_filtered_replace_or_remove_with_nothing_to_match_is_no_target() {
    let f = start(rfc(60)).await;
    let bare = f
        .users()
        .into_iter()
        .find(|u| u.workspaces.is_empty())
        .unwrap();
    let ws = f.workspaces()[0].clone();
    for ops in [
        json!([{"op": "remove", "path": "entitlements[type eq \"WORKSPACE\"]"}]),
        json!([{"op": "replace", "path": "entitlements[type eq \"WORKSPACE\"]",
                "value": [{"type": "WORKSPACE", "value": ws.id, "display": ws.name}]}]),
    ] {
        let (status, body) = patch(&f, &bare.id, ops).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["scimType"], "noTarget", "{body}");
        assert!(f.user(&bare.id).unwrap().workspaces.is_empty());
    }
    // The whole attribute can be replaced, and `add` appends; display is kept as sent.
    let (status, _) = patch(
        &f,
        &bare.id,
        json!([{"op": "replace", "path": "entitlements",
                "value": [{"type": "WORKSPACE", "value": ws.id, "display": "Named By Client"}]}]),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let other = f.workspaces()[1].clone();
    let (status, _) = patch(
        &f,
        &bare.id,
        json!([{"op": "add", "path": "entitlements",
                "value": [{"type": "WORKSPACE", "value": other.id}]}]),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let now = f.user(&bare.id).unwrap();
    let got: Vec<(String, String)> = now
        .workspaces
        .iter()
        .map(|w| (w.id.clone(), w.name.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (ws.id.clone(), "Named By Client".to_string()),
            (other.id.clone(), String::new())
        ]
    );
    // Read back: only WORKSPACE records, `display` only where one was sent.
    let (_, page) = list(&f, &format!("filter=userName+eq+%22{}%22", now.user_name)).await;
    let ents = page["Resources"][0]["entitlements"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(ents.len(), 2, "{ents:?}");
    assert_eq!(ents[0]["display"], "Named By Client");
    assert!(ents[1].get("display").is_none(), "{ents:?}");
}

#[tokio::test]
async fn rfc_cannot_filter_on_id() {
    let f = start(rfc(30)).await;
    let u = f.users()[5].clone();
    let (status, page) = list(&f, &format!("filter=id+eq+%22{}%22", u.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["totalResults"], 0);
    let (status, page) = list(&f, &format!("filter=userName+eq+%22{}%22", u.user_name)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["Resources"][0]["id"], u.id.as_str());
}

#[tokio::test]
async fn more_or_terms_than_allowed_is_a_500() {
    let f = start(FakeConfig {
        users: 30,
        max_filter_terms: Some(3),
        ..FakeConfig::default()
    })
    .await;
    let ids: Vec<String> = f.users().iter().take(4).map(|u| u.id.clone()).collect();
    let q = |ids: &[String]| {
        let f: Vec<String> = ids.iter().map(|i| format!("id eq \"{i}\"")).collect();
        format!(
            "filter={}",
            f.join(" or ").replace(' ', "+").replace('"', "%22")
        )
    };
    let (status, page) = list(&f, &q(&ids[..3])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["totalResults"], 3);
    let (status, _) = list(&f, &q(&ids)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn an_html_empty_401_has_no_body_and_names_bearer() {
    let f = start(FakeConfig {
        users: 10,
        auth_failure_body: AuthFailureBody::HtmlEmpty,
        ..FakeConfig::default()
    })
    .await;
    let r = http()
        .get(format!("{}/Users", f.scim_url))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text().await.unwrap().is_empty());
}

#[tokio::test]
async fn listing_faults_lie_or_never_end() {
    let f = start(FakeConfig {
        users: 30,
        lie_total_results: Some(1_000_000_000_000),
        ..FakeConfig::default()
    })
    .await;
    let (_, page) = list(&f, "startIndex=1&count=100").await;
    assert_eq!(page["totalResults"], 1_000_000_000_000u64);
    assert_eq!(page["Resources"].as_array().unwrap().len(), 30);

    let f = start(FakeConfig {
        users: 30,
        endless_pages: true,
        ..FakeConfig::default()
    })
    .await;
    let (_, a) = list(&f, "startIndex=1&count=10").await;
    let (_, b) = list(&f, "startIndex=11&count=10").await;
    let (_, far) = list(&f, "startIndex=100001&count=10").await;
    for p in [&a, &b, &far] {
        assert_eq!(p["Resources"].as_array().unwrap().len(), 10);
        assert_eq!(p["totalResults"], 30, "{p}");
    }
    assert_ne!(a["Resources"][0]["id"], b["Resources"][0]["id"]);
    assert_ne!(b["Resources"][0]["id"], far["Resources"][0]["id"]);

    // A count that keeps growing: each page promises one more after itself.
    let f = start(FakeConfig {
        users: 30,
        growing_total: true,
        ..FakeConfig::default()
    })
    .await;
    let (_, a) = list(&f, "startIndex=1&count=10").await;
    let (_, b) = list(&f, "startIndex=21&count=10").await;
    assert_eq!(a["totalResults"], 20, "{a}");
    assert_eq!(b["totalResults"], 40, "{b}");
    assert_eq!(b["Resources"].as_array().unwrap().len(), 10);
    assert_ne!(a["Resources"][0]["id"], b["Resources"][0]["id"]);

    // startIndex ignored: every page is the first.
    let f = start(FakeConfig {
        users: 30,
        ignore_start_index: true,
        ..FakeConfig::default()
    })
    .await;
    let (_, a) = list(&f, "startIndex=1&count=10").await;
    let (_, b) = list(&f, "startIndex=11&count=10").await;
    assert_eq!(a["totalResults"], 30);
    assert_eq!(a["Resources"], b["Resources"]);
}

#[tokio::test]
async fn throttle_first_sends_the_configured_retry_after_then_serves() {
    let f = start(FakeConfig {
        users: 10,
        throttle_first: 2,
        retry_after: Some(999_999),
        ..FakeConfig::default()
    })
    .await;
    for _ in 0..2 {
        let r = http()
            .get(format!("{}/Users", f.scim_url))
            .bearer_auth(&f.api_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()["retry-after"], "999999");
    }
    let (status, _) = list(&f, "").await;
    assert_eq!(status, StatusCode::OK);
}
