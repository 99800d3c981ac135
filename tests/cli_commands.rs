//! The lookups a user runs from a shell, and `fake serve` for other processes.

mod support;
use support::inproc as common;

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use common::{Cli, access_of, config, start};

/// The user fields `users list` gives in JSON and CSV alike (the output contract).
const USER_FIELDS: &str = "id userName externalId active givenName familyName";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_show_prints_every_workspace_by_name_and_id() {
    let fake = start(config(300)).await;
    let cli = Cli::new(&fake);
    let u = fake
        .users()
        .into_iter()
        .find(|u| u.workspaces.len() >= 3)
        .unwrap();
    for key in [u.user_name.to_uppercase(), u.id.clone()] {
        let out = cli.run(&["user", "show", &key]).await;
        assert_eq!(out.code, Some(0), "{out:?}");
        assert!(out.stdout.contains(&u.user_name), "{out:?}");
        assert!(
            out.stdout
                .contains(&format!("Workspaces ({})", u.workspaces.len()))
        );
        for w in &u.workspaces {
            let line = out
                .stdout
                .lines()
                .find(|l| l.contains(&w.id))
                .unwrap_or_else(|| panic!("workspace {} missing: {out:?}", w.id));
            assert!(line.contains(&w.name), "{line}");
        }
    }
    let out = cli.run(&["user", "show", &u.id, "--format", "json"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let shown: scimitar::scim::model::User = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(access_of(&shown), access_of(&u));

    let out = cli.run(&["user", "show", "nobody@nowhere.example"]).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("nobody@nowhere.example"), "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_list_json_and_csv_carry_the_contract_fields() {
    let fake = start(config(450)).await;
    let cli = Cli::new(&fake);
    let tenant = fake.users();

    let out = cli
        .run(&[
            "users", "list", "--all", "--format", "json", "--count", "50",
        ])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    let rows = v.as_array().expect("a JSON array");
    assert_eq!(rows.len(), tenant.len());
    for (row, u) in rows.iter().zip(&tenant) {
        for k in USER_FIELDS.split(' ').chain(["workspaces"]) {
            assert!(row.get(k).is_some(), "`{k}` missing: {row}");
        }
        assert_eq!(row["id"], u.id.as_str());
        assert_eq!(row["userName"], u.user_name.as_str());
        assert!(row["active"].is_boolean(), "{row}");
        assert_eq!(row["active"], u.active);
        let ws = row["workspaces"].as_array().unwrap();
        assert_eq!(ws.len(), u.workspaces.len());
        for (w, want) in ws.iter().zip(&u.workspaces) {
            assert_eq!(w["id"], want.id.as_str());
            assert_eq!(w["name"], want.name.as_str());
        }
    }

    // One page without --all, filtered.
    let out = cli
        .run(&[
            "users",
            "list",
            "--format",
            "json",
            "--filter",
            "active eq false",
        ])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let rows = out.json();
    let inactive = tenant.iter().filter(|u| !u.active).count();
    assert_eq!(rows.as_array().unwrap().len(), inactive.min(100));
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["active"] == false)
    );

    let out = cli
        .run(&["users", "list", "--all", "--format", "csv"])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let mut r = csv::Reader::from_reader(out.stdout.as_bytes());
    let headers = r.headers().unwrap().clone();
    for k in USER_FIELDS.split(' ') {
        assert!(headers.iter().any(|h| h == k), "csv lacks {k}: {headers:?}");
    }
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let records: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(records.len(), tenant.len());
    for (rec, u) in records.iter().zip(&tenant) {
        assert_eq!(&rec[col("id")], u.id);
        assert_eq!(&rec[col("userName")], u.user_name);
        assert_eq!(&rec[col("active")], if u.active { "true" } else { "false" });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_serve_announces_itself_serves_and_stops_on_sigterm() {
    let fake = start(config(2)).await; // only for the Cli's isolated environment
    let cli = Cli::new(&fake);
    let mut child = cli
        .command(&["fake", "serve", "--listen", "127.0.0.1:0", "--users", "120"])
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("no announcement in 20 s")
        .unwrap()
        .expect("stdout closed");
    let v: serde_json::Value = serde_json::from_str(&first).expect("one JSON line");
    for k in ["scim_url", "auth_url", "login", "password", "api_key"] {
        assert!(v[k].is_string(), "`{k}` missing: {v}");
    }
    let scim_url = v["scim_url"].as_str().unwrap();
    assert!(scim_url.starts_with("http://127.0.0.1:"), "{scim_url}");

    // Another process can use it with what was announced.
    let mut other = Cli::new(&fake);
    other
        .env("SCIMITAR_SCIM_URL", scim_url)
        .env("SCIMITAR_AUTH_URL", v["auth_url"].as_str().unwrap())
        .env("SCIMITAR_AUTH", "bearer")
        .env("SCIMITAR_BEARER", v["api_key"].as_str().unwrap());
    let out = other
        .run(&["users", "list", "--all", "--format", "json"])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.json().as_array().unwrap().len(), 120);

    let pid = child.id().expect("running").to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("fake serve did not stop on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
}
