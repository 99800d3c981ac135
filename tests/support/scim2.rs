//! An independent SCIM 2.0 server for the tests: `scim2-server` from PyPI (the python-scim
//! project, pinned in `.ci/run`; 0.8.3 when this was written), in memory, on 127.0.0.1 at a
//! free port, seeded over HTTP with users whose workspace access is written as Anaplan
//! writes it (`entitlements` of `type: "WORKSPACE"`, `value` = workspace id, `display` =
//! its name), and killed on Drop.
//!
//! How 0.8.3 behaves (tried by hand with curl; these are the answers a client must live with):
//! - Auth: none by default (every request accepted); with `--bearer-token T` it wants
//!   `Authorization: Bearer T` and answers 401 with a SCIM error otherwise.
//! - `--port 0` binds a free port but prints ":0", so the harness picks a free port first.
//! - Ids are 32 lowercase hex; `id` filters are caseExact (an upper-cased id finds nobody);
//!   `userName eq` is case-insensitive; `id eq "a" or id eq "b"` works; `active eq false` works.
//! - Paging: `startIndex` 1-based, `count` honoured, `totalResults` is all matches,
//!   `itemsPerPage` is what was sent, a page past the end is empty, `count=0` is allowed.
//! - Every successful PATCH answers 204 with no body (200 with a body only when the request
//!   asks for `attributes`), including a PATCH that changes nothing.
//! - `replace` of the whole `entitlements` attribute replaces the list (display kept as sent;
//!   `[]` empties it); `add` to `entitlements` appends and does not duplicate an equal value;
//!   `replace active` true/false works.
//! - `remove` of `entitlements` or of `entitlements[type eq "WORKSPACE"]` empties it; both
//!   answer 204 even when there was nothing to remove.
//! - `replace` with path `entitlements[type eq "WORKSPACE"]`:
//!   - with nothing matching: 400 `noTarget` (RFC 7644 §3.5.2.3), nothing changed;
//!   - with an array value: 400 `invalidValue` (a pydantic validation error), nothing changed;
//!   - with one object as value: each matched entitlement is replaced by that object, so a
//!     user with two workspaces ends with two copies of the new one.
//!
//!   So a filtered replace is not a usable way to set a user's workspaces on this server;
//!   a replace of the whole `entitlements` attribute (with `display`) is.
//! - `remove` with `entitlements[value eq "<id>"]` removes that one entitlement; with no
//!   match it answers 204.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::state::{post_json, try_get_json};
use super::timeout;

/// The command the harness runs.
const COMMAND: &str = "scim2-server";

/// A throwaway token for a throwaway server; scimitar gets it from SCIMITAR_BEARER.
const TOKEN: &str = "scimitar-test-token";

/// One user to create.
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub user_name: String,
    pub given_name: String,
    pub family_name: String,
    pub active: bool,
    /// (workspace id, workspace name)
    pub workspaces: Vec<(String, String)>,
}

pub struct Scim2Server {
    child: Child,
    /// The SCIM base URL, `http://127.0.0.1:PORT/v2`.
    pub scim_url: String,
}

/// Whether the tests that need the independent server must fail rather than skip.
fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

fn installed() -> bool {
    Command::new(COMMAND)
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Scim2Server {
    /// Starts the server, or says the test is skipped (`None`) when it is not installed;
    /// with CI=true a missing server fails the test instead.
    pub fn start(test: &str) -> Option<Scim2Server> {
        if !installed() {
            assert!(
                !required(),
                "{COMMAND} is not installed and CI=true: install it with `python3 -m pip install scim2-server` (see .ci/run)"
            );
            eprintln!(
                "SKIPPED {test}: {COMMAND} is not installed (python3 -m pip install scim2-server)"
            );
            return None;
        }
        // The port is free when picked; another process may take it before the server
        // binds, so a server that exits at once is started again on another port.
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(COMMAND)
                .args([
                    "--hostname",
                    "127.0.0.1",
                    "--port",
                    &port.to_string(),
                    "--bearer-token",
                    TOKEN,
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("spawn {COMMAND}: {e}"));
            let scim_url = format!("http://127.0.0.1:{port}/v2");
            let deadline = Instant::now() + timeout();
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // exited: the port was taken, try another
                }
                if ready(&scim_url) {
                    return Some(Scim2Server { child, scim_url });
                }
                if Instant::now() >= deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "{COMMAND} did not answer on {scim_url} within {:?}",
                        timeout()
                    );
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("{COMMAND} could not start on a free port after 5 tries");
    }

    pub fn authorization(&self) -> String {
        format!("Bearer {TOKEN}")
    }

    pub fn token(&self) -> &'static str {
        TOKEN
    }

    /// Creates the users in order; their ids.
    pub fn seed(&self, users: &[SeedUser]) -> Vec<String> {
        users
            .iter()
            .map(|u| {
                let entitlements: Vec<Value> = u
                    .workspaces
                    .iter()
                    .map(|(id, name)| json!({"type": "WORKSPACE", "value": id, "display": name}))
                    .collect();
                let mut body = json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": u.user_name,
                    "name": {"givenName": u.given_name, "familyName": u.family_name},
                    "displayName": format!("{} {}", u.given_name, u.family_name),
                    "active": u.active,
                });
                if !entitlements.is_empty() {
                    body["entitlements"] = Value::Array(entitlements);
                }
                let (status, v) = post_json(
                    &format!("{}/Users", self.scim_url),
                    &self.authorization(),
                    &body,
                );
                assert_eq!(status, 201, "creating {}: {v}", u.user_name);
                v.get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("no id in {v}"))
                    .to_string()
            })
            .collect()
    }
}

fn ready(scim_url: &str) -> bool {
    let url = format!("{scim_url}/ServiceProviderConfig");
    try_get_json(&url, "").is_ok_and(|(status, _)| status == 200)
}

impl Drop for Scim2Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
