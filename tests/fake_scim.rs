//! The fake's SCIM `/Users` over real HTTP: paging, filters, single reads, PATCH/PUT/DELETE
//! and the quirks payload, as a client sees them.

use std::collections::HashSet;

use reqwest::StatusCode;
use scimitar::fake::{AddMode, FakeConfig, FakeServer};
use scimitar::scim::model::{ListPage, PATCH_SCHEMA, User};
use serde_json::{Value, json};

async fn start(config: FakeConfig) -> FakeServer {
    FakeServer::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn get(f: &FakeServer, path_and_query: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .get(format!("{}{path_and_query}", f.scim_url))
        .bearer_auth(&f.api_key)
}

async fn list(f: &FakeServer, query: &str) -> (StatusCode, Value) {
    let r = get(f, &format!("/Users?{query}")).send().await.unwrap();
    (r.status(), r.json().await.unwrap())
}

#[tokio::test]
async fn paging_to_the_end_returns_every_user_once_in_server_order() {
    let f = start(FakeConfig {
        users: 437,
        ..FakeConfig::default()
    })
    .await;
    let mut seen = Vec::new();
    let mut start_index = 1;
    loop {
        let (status, body) = list(&f, &format!("startIndex={start_index}&count=100")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["totalResults"], 437);
        let page = ListPage::from_value(&body).unwrap();
        if page.users.is_empty() {
            break;
        }
        start_index += page.users.len();
        seen.extend(page.users.into_iter().map(|u| u.id));
    }
    assert_eq!(start_index, 438);
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 437);
    let server: Vec<String> = f.users().into_iter().map(|u| u.id).collect();
    assert_eq!(seen, server);
    // Server order is stable but not alphabetical.
    let names: Vec<String> = f.users().into_iter().map(|u| u.user_name).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_ne!(names, sorted);
    f.shutdown().await;
}

#[tokio::test]
async fn default_count_past_the_end_and_count_over_100() {
    let f = start(FakeConfig {
        users: 120,
        ..FakeConfig::default()
    })
    .await;
    let (_, body) = list(&f, "").await;
    assert_eq!(body["Resources"].as_array().unwrap().len(), 50);
    assert_eq!(body["startIndex"], 1);
    let (_, body) = list(&f, "startIndex=500").await;
    assert_eq!(body["Resources"], json!([]));
    let (status, body) = list(&f, "count=101").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["scimType"], "invalidValue");
    assert_eq!(body["status"], "400");
    f.shutdown().await;

    let f = start(FakeConfig {
        users: 120,
        count_over_max: scimitar::fake::CountMode::Clamp,
        ..FakeConfig::default()
    })
    .await;
    let (status, body) = list(&f, "count=500").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["Resources"].as_array().unwrap().len(), 100);
    f.shutdown().await;
}

#[tokio::test]
async fn repeating_pages_past_the_end_when_asked() {
    let f = start(FakeConfig {
        users: 30,
        repeat_pages_past_end: true,
        ..FakeConfig::default()
    })
    .await;
    let (_, body) = list(&f, "startIndex=31&count=10").await;
    assert_eq!(body["totalResults"], 30);
    assert_eq!(body["Resources"].as_array().unwrap().len(), 10);
    f.shutdown().await;
}

#[tokio::test]
async fn filters_match_case_insensitively_and_decode_plus_and_percent_20() {
    let f = start(FakeConfig {
        users: 300,
        ..FakeConfig::default()
    })
    .await;
    let target = f.users()[17].clone();
    let upper = target.user_name.to_uppercase();
    // `+` for spaces, as urlencode writes it.
    let q = format!("filter=userName+eq+%22{}%22", upper.replace('@', "%40"));
    let (status, body) = list(&f, &q).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["totalResults"], 1);
    assert_eq!(body["Resources"][0]["id"], target.id.as_str());
    // `%20` for spaces, with and/or and parentheses.
    let (_, body) = list(
        &f,
        "filter=(active%20Eq%20false%20or%20active%20eq%20true)%20and%20userName%20pr&count=1",
    )
    .await;
    assert_eq!(body["totalResults"], 300);
    let inactive = f.users().iter().filter(|u| !u.active).count();
    let (_, body) = list(&f, "filter=active%20eq%20false").await;
    assert_eq!(body["totalResults"], inactive);
    f.shutdown().await;
}

#[tokio::test]
async fn or_of_ids_returns_exactly_those_users() {
    let f = start(FakeConfig {
        users: 2000,
        ..FakeConfig::default()
    })
    .await;
    let users = f.users();
    let ids: Vec<&str> = users
        .iter()
        .step_by(20)
        .take(100)
        .map(|u| u.id.as_str())
        .collect();
    let filter = scimitar::scim::Filter::any_id(&ids).unwrap().to_string();
    let r = get(&f, "/Users")
        .query(&[("filter", filter.as_str()), ("count", "100")])
        .send()
        .await
        .unwrap();
    let page = ListPage::from_value(&r.json().await.unwrap()).unwrap();
    let got: Vec<&str> = page.users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(got, ids);
    f.shutdown().await;
}

#[tokio::test]
async fn refused_filters_get_anaplans_400() {
    let f = start(FakeConfig {
        users: 10,
        ..FakeConfig::default()
    })
    .await;
    for bad in [
        r#"userName co "a""#,
        r#"not (active eq true)"#,
        r#"emails[type eq "work"]"#,
        r#"displayName eq "x""#,
        r#"(active eq true"#,
        r#"active eq "true""#,
    ] {
        let r = get(&f, "/Users")
            .query(&[("filter", bad)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["scimType"], "invalidValue");
        assert_eq!(body["status"], "400");
        assert_eq!(
            body["detail"],
            "The specified filter syntax was invalid, or the specified attribute and filter comparison combination is not supported"
        );
        assert_eq!(
            body["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
    }
    f.shutdown().await;
}

#[tokio::test]
async fn paths_are_case_sensitive_and_metadata_needs_no_auth() {
    let f = start(FakeConfig {
        users: 10,
        ..FakeConfig::default()
    })
    .await;
    let c = reqwest::Client::new();
    let r = c
        .get(format!("{}/users", f.scim_url))
        .bearer_auth(&f.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    for p in ["ServiceProviderConfig", "ResourceTypes", "Schemas"] {
        let r = c.get(format!("{}/{p}", f.scim_url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{p}");
    }
    let r = c.get(format!("{}/Users", f.scim_url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    f.shutdown().await;
}

#[tokio::test]
async fn get_one_user_with_location_and_404_for_unknown() {
    let f = start(FakeConfig {
        users: 10,
        ..FakeConfig::default()
    })
    .await;
    let u = f.users()[3].clone();
    let r = get(&f, &format!("/Users/{}", u.id.to_uppercase()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("{}/Users/{}", f.scim_url, u.id)
    );
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/scim+json")
    );
    let back = User::from_value(&r.json().await.unwrap()).unwrap();
    assert_eq!(back.id, u.id);
    assert_eq!(back.workspaces, u.workspaces);
    let r = get(&f, "/Users/0123456789abcdef0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["detail"],
        "Resource 0123456789abcdef0123456789abcdef not found"
    );
    assert_eq!(body["status"], "404");
    f.shutdown().await;
}

async fn patch(f: &FakeServer, id: &str, body: Value) -> (StatusCode, Option<String>, Value) {
    let r = reqwest::Client::new()
        .patch(format!("{}/Users/{id}", f.scim_url))
        .bearer_auth(&f.api_key)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|h| h.to_str().unwrap().to_string());
    (r.status(), loc, r.json().await.unwrap())
}

fn with_workspaces(f: &FakeServer, min: usize) -> User {
    f.users()
        .into_iter()
        .find(|u| u.workspaces.len() >= min && u.id != f.admin_user_id)
        .unwrap()
}

#[tokio::test]
async fn patch_disables_and_strips_in_order_and_returns_the_full_user() {
    let f = start(FakeConfig {
        users: 200,
        ..FakeConfig::default()
    })
    .await;
    let u = with_workspaces(&f, 2);
    let keep = u.workspaces[1].id.clone();
    let (status, loc, body) = patch(&f, &u.id, json!({"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "replace", "path": "active", "value": false},
        {"op": "replace", "path": "entitlements[type eq \"WORKSPACE\"]", "value": [{"value": keep, "type": "WORKSPACE"}]}
    ]})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(loc.unwrap(), format!("{}/Users/{}", f.scim_url, u.id));
    let back = User::from_value(&body).unwrap();
    assert!(!back.active);
    assert_eq!(back.user_name, u.user_name);
    assert_eq!(back.workspace_ids().collect::<Vec<_>>(), [keep.as_str()]);
    assert_eq!(f.user(&u.id).unwrap().workspaces.len(), 1);
    // "False" as a string is accepted too; remove on the plain path clears everything.
    let (status, _, body) = patch(
        &f,
        &u.id,
        json!({"schemas": [PATCH_SCHEMA], "Operations": [
            {"op": "replace", "path": "active", "value": "True"},
            {"op": "remove", "path": "entitlements"}
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let back = User::from_value(&body).unwrap();
    assert!(back.active && back.workspaces.is_empty());
    assert_eq!(f.stats().patches.get(&u.id), Some(&2));
    f.shutdown().await;
}

#[tokio::test]
async fn patch_refusals_change_nothing() {
    let f = start(FakeConfig {
        users: 3000,
        ..FakeConfig::default()
    })
    .await;
    let u = with_workspaces(&f, 2);
    let cases = [
        json!({"Operations": [{"op": "replace", "path": "active", "value": false}]}),
        json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "value": {"active": false}}]}),
        json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "add", "path": "entitlements", "value": [{"value": "ffffffffffffffffffffffffffffffff", "type": "WORKSPACE"}]}]}),
        json!({"schemas": [PATCH_SCHEMA], "Operations": [
            {"op": "replace", "path": "active", "value": false},
            {"op": "replace", "path": "entitlements[type eq \"WORKSPACE\"]",
             "value": f.workspaces().iter().take(51).map(|w| json!({"value": w.id, "type": "WORKSPACE"})).collect::<Vec<_>>()}]}),
    ];
    for body in cases {
        let (status, _, err) = patch(&f, &u.id, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(err["status"], "400");
    }
    let (_, _, err) = patch(&f, &u.id, json!({"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "add", "path": "entitlements",
         "value": f.workspaces().iter().take(51).map(|w| json!({"value": w.id, "type": "WORKSPACE"})).collect::<Vec<_>>()}]})).await;
    assert!(err["detail"].as_str().unwrap().contains("maximum of 50"));
    assert_eq!(f.user(&u.id).unwrap(), u);
    f.shutdown().await;
}

#[tokio::test]
async fn add_on_entitlements_appends_or_replaces_per_mode() {
    for mode in [AddMode::Append, AddMode::Replace] {
        let f = start(FakeConfig {
            users: 200,
            entitlements_add: mode,
            ..FakeConfig::default()
        })
        .await;
        let u = with_workspaces(&f, 2);
        let extra = f
            .workspaces()
            .into_iter()
            .find(|w| !u.has_workspace(&w.id))
            .unwrap();
        let (status, _, body) = patch(&f, &u.id, json!({"schemas": [PATCH_SCHEMA], "Operations": [
            {"op": "add", "path": "entitlements", "value": [{"value": extra.id, "type": "WORKSPACE"}]}]})).await;
        assert_eq!(status, StatusCode::OK);
        let back = User::from_value(&body).unwrap();
        match mode {
            AddMode::Append => assert_eq!(back.workspaces.len(), u.workspaces.len() + 1),
            AddMode::Replace => assert_eq!(back.workspaces, vec![extra.clone()]),
        }
        f.shutdown().await;
    }
}

#[tokio::test]
async fn put_without_entitlements_removes_all_and_delete_is_501() {
    let f = start(FakeConfig {
        users: 200,
        ..FakeConfig::default()
    })
    .await;
    let u = with_workspaces(&f, 1);
    let c = reqwest::Client::new();
    let r = c
        .put(format!("{}/Users/{}", f.scim_url, u.id))
        .bearer_auth(&f.api_key)
        .json(
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": u.id,
                      "userName": u.user_name, "name": {"givenName": "New", "familyName": "Name"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let now = f.user(&u.id).unwrap();
    assert!(now.workspaces.is_empty());
    assert_eq!(now.given_name.as_deref(), Some("New"));
    let r = c
        .delete(format!("{}/Users/{}", f.scim_url, u.id))
        .bearer_auth(&f.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_IMPLEMENTED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "501");
    assert!(f.user(&u.id).is_some());
    f.shutdown().await;
}

#[tokio::test]
async fn quirks_payload_has_the_documented_oddities() {
    let f = start(FakeConfig {
        users: 400,
        quirks: true,
        ..FakeConfig::default()
    })
    .await;
    let mut raw = String::new();
    let mut parsed = Vec::new();
    for start_index in (1..=400).step_by(100) {
        let r = get(&f, &format!("/Users?startIndex={start_index}&count=100"))
            .send()
            .await
            .unwrap();
        let text = r.text().await.unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert!(v.get("schemas").is_none());
        assert_eq!(v["itemsPerPage"], 100);
        parsed.extend(ListPage::from_value(&v).unwrap().users);
        raw.push_str(&text);
    }
    assert!(raw.contains(r#""active":"True""#));
    let duplicate = raw
        .split(r#""schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]"#)
        .any(|user| user.contains(r#""active":"True""#) && user.contains(r#""active":true"#));
    assert!(duplicate, "no user with a duplicate active key");
    for needle in [
        r#""externalId":"""#,
        r#""externalId":null"#,
        "localhost:8090",
        "+00:00",
        r#""version":"W/"#,
        r#""primary":true"#,
        r#""type":"WORKSPACE_IDS""#,
        ", ",
        r#""type":"WORKSPACE_NAMES""#,
        r#""emails":["#,
    ] {
        assert!(raw.contains(needle), "missing {needle}");
    }
    assert!(
        parsed.iter().any(|u| u.id.contains('-')),
        "no UUID-style id"
    );
    // The same users come back, whatever the form.
    let server = f.users();
    assert_eq!(parsed.len(), server.len());
    for (a, b) in parsed.iter().zip(&server) {
        assert_eq!(
            (a.active, &a.external_id, &a.workspaces),
            (b.active, &b.external_id, &b.workspaces)
        );
    }
    let (_, body) = list(&f, "startIndex=401").await;
    assert!(body.get("Resources").is_none());
    f.shutdown().await;
}
