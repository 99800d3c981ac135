//! Figures for the fake at scale, printed rather than asserted (run with
//! `cargo test --test fake_figures -- --ignored --nocapture`).

mod support;

use std::time::Instant;

use scimitar::fake::{FakeConfig, FakeServer};
use scimitar::scim::Filter;
use support::inproc::text_of;

#[tokio::test]
#[ignore = "prints figures; run explicitly"]
async fn figures_with_100k_users() {
    let t = Instant::now();
    let f = FakeServer::start(
        FakeConfig {
            users: 100_000,
            ..FakeConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    println!("start with 100k users: {:?}", t.elapsed());
    let c = reqwest::Client::new();
    let get = |q: String| {
        text_of(
            c.get(format!("{}/Users?{q}", f.scim_url))
                .bearer_auth(&f.api_key),
        )
    };
    get("count=1".into()).await;
    let n = 50;
    let t = Instant::now();
    for i in 0..n {
        get(format!("startIndex={}&count=100", 1 + i * 1000)).await;
    }
    println!("100-user page: {:?} each", t.elapsed() / n as u32);
    let users = f.users();
    let ids: Vec<&str> = users
        .iter()
        .step_by(997)
        .take(100)
        .map(|u| u.id.as_str())
        .collect();
    let filter = Filter::any_id(&ids).unwrap().to_string();
    let t = Instant::now();
    for _ in 0..n {
        text_of(
            c.get(format!("{}/Users", f.scim_url))
                .query(&[("filter", filter.as_str()), ("count", "100")])
                .bearer_auth(&f.api_key),
        )
        .await;
    }
    println!("100-id OR filter: {:?} each", t.elapsed() / n as u32);
    let t = Instant::now();
    for _ in 0..10 {
        get("filter=userName+gt+%22m%22+and+active+eq+false&count=100".into()).await;
    }
    println!("scan filter over 100k: {:?} each", t.elapsed() / 10);
    f.shutdown().await;
}
