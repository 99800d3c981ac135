//! The fake's authentication, roles, rate limit, faults and integration API over real HTTP.

mod support;

use std::time::Duration;

use base64::Engine;
use reqwest::{Method, StatusCode};
use scimitar::fake::{FakeConfig, FakeServer, Faults};
use serde_json::Value;
use support::inproc::wait_until;

async fn start(config: FakeConfig) -> FakeServer {
    FakeServer::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn basic(login: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
    )
}

/// One request to the fake with this `Authorization` header, over real HTTP.
async fn request(method: Method, url: String, authorization: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(method, url)
        .header("authorization", authorization)
        .send()
        .await
        .unwrap()
}

/// `method` on the fake's `/token/{endpoint}` with that Authorization header.
async fn token_call(
    f: &FakeServer,
    method: Method,
    endpoint: &str,
    authorization: &str,
) -> reqwest::Response {
    request(
        method,
        format!("{}/token/{endpoint}", f.auth_url),
        authorization,
    )
    .await
}

/// The token the API user's password signs in with.
async fn sign_in(f: &FakeServer) -> String {
    let (_, body) = authenticate(f, &f.login, &f.password).await;
    body["tokenInfo"]["tokenValue"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn authenticate(f: &FakeServer, login: &str, password: &str) -> (StatusCode, Value) {
    let r = token_call(f, Method::POST, "authenticate", &basic(login, password)).await;
    (r.status(), r.json().await.unwrap())
}

async fn users_status(f: &FakeServer, authorization: &str) -> StatusCode {
    request(
        Method::GET,
        format!("{}/Users?count=1", f.scim_url),
        authorization,
    )
    .await
    .status()
}

#[tokio::test]
async fn three_schemes_for_the_admin_and_403_for_the_no_admin_account() {
    let f = start(FakeConfig {
        users: 20,
        ..FakeConfig::default()
    })
    .await;
    let (status, body) = authenticate(&f, &f.login, &f.password).await;
    assert_eq!(status, StatusCode::CREATED);
    let token = body["tokenInfo"]["tokenValue"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(body["status"], "SUCCESS");
    assert_eq!(body["statusMessage"], "Login successful");
    assert!(body["tokenInfo"]["expiresAt"].as_u64().unwrap() > 1_700_000_000_000);
    assert!(body["tokenInfo"]["refreshToken"].is_string());
    assert!(body["meta"]["validationUrl"].is_string());
    for h in [
        basic(&f.login, &f.password),
        format!("AnaplanAuthToken {token}"),
        format!("Bearer {}", f.api_key),
        format!("Bearer {token}"),
    ] {
        assert_eq!(users_status(&f, &h).await, StatusCode::OK, "{h}");
    }
    let (status, body) = authenticate(&f, &f.no_admin_login, &f.no_admin_password).await;
    assert_eq!(status, StatusCode::CREATED);
    let na = body["tokenInfo"]["tokenValue"]
        .as_str()
        .unwrap()
        .to_string();
    for h in [
        basic(&f.no_admin_login, &f.no_admin_password),
        format!("AnaplanAuthToken {na}"),
        format!("Bearer {}", f.no_admin_api_key),
    ] {
        let r = request(Method::GET, format!("{}/Users", f.scim_url), &h).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{h}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            body["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
    }
    for h in [
        "",
        "Bearer",
        "Bearer nope",
        "AnaplanAuthToken garbled",
        "Basic !!!",
        "Digest abc",
        &basic(&f.login, "wrong"),
    ] {
        assert_eq!(users_status(&f, h).await, StatusCode::UNAUTHORIZED, "{h}");
    }
    f.shutdown().await;
}

#[tokio::test]
async fn auth_service_failures_refresh_validate() {
    let f = start(FakeConfig {
        users: 5,
        ..FakeConfig::default()
    })
    .await;
    let (status, body) = authenticate(&f, &f.login, "wrong").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["status"], "FAILURE_BAD_CREDENTIAL");
    let r = token_call(&f, Method::POST, "authenticate", "Basic").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json::<Value>().await.unwrap()["status"],
        "FAILURE_BAD_HEADER"
    );

    let (_, body) = authenticate(&f, &f.login, &f.password).await;
    let token = body["tokenInfo"]["tokenValue"]
        .as_str()
        .unwrap()
        .to_string();
    let first_expiry = body["tokenInfo"]["expiresAt"].as_u64().unwrap();
    let h = format!("AnaplanAuthToken {token}");
    let url = format!("{}/token/refresh", f.auth_url);
    // A refresh keeps the value and moves the expiry on (once the clock has moved a tick).
    let later = wait_until(Duration::from_secs(10), async || {
        let r = request(Method::POST, url.clone(), &h).await;
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["tokenInfo"]["tokenValue"], token.as_str());
        body["tokenInfo"]["expiresAt"].as_u64().unwrap() > first_expiry
    })
    .await;
    assert!(later, "a refresh moves the expiry on");
    let r = token_call(
        &f,
        Method::GET,
        "validate",
        &format!("AnaplanAuthToken {token}"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["userInfo"]["userId"], f.login.as_str());
    assert_eq!(body["statusMessage"], "Token validated");
    // Bearer is refused on the token endpoints.
    let r = token_call(&f, Method::GET, "validate", &format!("Bearer {}", token)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = token_call(&f, Method::POST, "refresh", &format!("Bearer {}", token)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = token_call(&f, Method::POST, "logout", &format!("Bearer {}", token)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    f.shutdown().await;
}

#[tokio::test]
async fn logout_then_401_everywhere() {
    let f = start(FakeConfig {
        users: 5,
        ..FakeConfig::default()
    })
    .await;
    let token = sign_in(&f).await;
    let h = format!("AnaplanAuthToken {token}");
    let r = token_call(&f, Method::POST, "logout", &h).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(users_status(&f, &h).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        users_status(&f, &format!("Bearer {token}")).await,
        StatusCode::UNAUTHORIZED
    );
    let r = token_call(&f, Method::POST, "refresh", &h).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = request(Method::GET, format!("{}/workspaces", f.api_url), &h).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    f.shutdown().await;
}

#[tokio::test]
async fn tokens_expire_after_their_ttl() {
    let f = start(FakeConfig {
        users: 5,
        token_ttl: Duration::from_secs(1),
        ..FakeConfig::default()
    })
    .await;
    let token = sign_in(&f).await;
    let h = format!("AnaplanAuthToken {token}");
    assert_eq!(users_status(&f, &h).await, StatusCode::OK);
    let expired = wait_until(Duration::from_secs(10), async || {
        users_status(&f, &h).await == StatusCode::UNAUTHORIZED
    })
    .await;
    assert!(expired, "a token is refused once its lifetime is over");
    // Basic and API keys do not expire; a fresh token works again.
    assert_eq!(
        users_status(&f, &basic(&f.login, &f.password)).await,
        StatusCode::OK
    );
    let (_, body) = authenticate(&f, &f.login, &f.password).await;
    let fresh = body["tokenInfo"]["tokenValue"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        users_status(&f, &format!("AnaplanAuthToken {fresh}")).await,
        StatusCode::OK
    );
    f.expire_tokens();
    assert_eq!(
        users_status(&f, &format!("AnaplanAuthToken {fresh}")).await,
        StatusCode::UNAUTHORIZED
    );
    f.shutdown().await;
}

#[tokio::test]
async fn tiny_rate_limit_answers_429_with_retry_after() {
    let f = start(FakeConfig {
        faults: Faults {
            rate_limit_per_minute: Some(6),
            rate_limit_burst: Some(2),
            ..Faults::default()
        },
        users: 5,
        ..FakeConfig::default()
    })
    .await;
    let h = format!("Bearer {}", f.api_key);
    assert_eq!(users_status(&f, &h).await, StatusCode::OK);
    assert_eq!(users_status(&f, &h).await, StatusCode::OK);
    let r = request(Method::GET, format!("{}/Users", f.scim_url), &h).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
    assert_eq!(f.stats().rate_limited, 1);
    // Lifted at runtime.
    f.set_faults(scimitar::fake::Faults {
        rate_limit_per_minute: None,
        ..f.faults()
    });
    assert_eq!(users_status(&f, &h).await, StatusCode::OK);
    f.shutdown().await;
}

#[tokio::test]
async fn injected_faults_each_look_like_the_real_thing() {
    let f = start(FakeConfig {
        users: 5,
        ..FakeConfig::default()
    })
    .await;
    let c = reqwest::Client::new();
    let base = f.faults();
    let send = || {
        c.get(format!("{}/Users", f.scim_url))
            .bearer_auth(&f.api_key)
            .send()
    };

    f.set_faults(scimitar::fake::Faults {
        rate_429: 1.0,
        ..base.clone()
    });
    let r = send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "1");

    f.set_faults(scimitar::fake::Faults {
        error_rate: 1.0,
        ..base.clone()
    });
    let r = send().await.unwrap();
    assert!(matches!(r.status().as_u16(), 500 | 503));

    f.set_faults(scimitar::fake::Faults {
        html_error_rate: 1.0,
        ..base.clone()
    });
    let r = send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text().await.unwrap().contains("<html>"));

    f.set_faults(scimitar::fake::Faults {
        drop_rate: 1.0,
        ..base.clone()
    });
    let outcome = match send().await {
        Err(_) => true,
        Ok(r) => r.text().await.is_err(),
    };
    assert!(outcome, "a dropped connection must surface as an error");

    f.set_faults(scimitar::fake::Faults {
        latency: Duration::from_millis(150),
        ..base
    });
    let t = std::time::Instant::now();
    assert_eq!(send().await.unwrap().status(), StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(150));
    assert_eq!(f.stats().faults_injected, 4);
    f.shutdown().await;
}

#[tokio::test]
async fn workspaces_list_only_the_callers_own_paged_and_capped() {
    let f = start(FakeConfig {
        users: 300,
        ..FakeConfig::default()
    })
    .await;
    let c = reqwest::Client::new();
    let mut listed = Vec::new();
    let mut offset = 0;
    loop {
        let r = c
            .get(format!("{}/workspaces", f.api_url))
            .query(&[
                ("tenantDetails", "true"),
                ("limit", "1000"),
                ("offset", &offset.to_string()),
            ])
            .bearer_auth(&f.api_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        let page = body["workspaces"].as_array().unwrap().clone();
        let paging = &body["meta"]["paging"];
        assert_eq!(
            paging["currentPageSize"].as_u64().unwrap() as usize,
            page.len()
        );
        assert!(page.len() < 1000, "the page size is silently capped");
        if page.is_empty() {
            break;
        }
        assert!(page[0]["sizeAllowance"].is_u64());
        offset += page.len();
        listed.extend(
            page.into_iter()
                .map(|w| w["id"].as_str().unwrap().to_string()),
        );
        if offset >= paging["totalSize"].as_u64().unwrap() as usize {
            break;
        }
    }
    let admin = f.user(&f.admin_user_id).unwrap();
    assert_eq!(listed, admin.workspace_ids().collect::<Vec<_>>());
    let in_entitlements: std::collections::HashSet<String> = f
        .users()
        .iter()
        .flat_map(|u| u.workspaces.iter().map(|w| w.id.clone()))
        .collect();
    assert!(
        in_entitlements.iter().any(|w| !listed.contains(w)),
        "some workspace must be unlisted"
    );

    let r = request(
        Method::GET,
        format!("{}/users/me", f.api_url),
        &format!("Bearer {}", f.api_key),
    )
    .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["user"]["id"], f.admin_user_id.as_str());
    assert_eq!(body["user"]["email"], f.login.as_str());
    f.shutdown().await;
}

#[tokio::test]
async fn announce_names_everything_a_client_needs() {
    let f = start(FakeConfig {
        users: 5,
        ..FakeConfig::default()
    })
    .await;
    let a = f.announce();
    for k in [
        "scim_url", "auth_url", "api_url", "login", "password", "api_key",
    ] {
        assert!(a[k].as_str().is_some_and(|v| !v.is_empty()), "{k}");
    }
    assert!(
        a["scim_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert!(a["scim_url"].as_str().unwrap().ends_with("/scim/1/0/v2"));
    f.shutdown().await;
}
