//! `scimitar fake serve` as a child process: started with explicit arguments, its first
//! stdout line (the connection JSON) read with a time limit, killed and reaped on Drop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use serde::Deserialize;

use super::{Sandbox, bin, timeout};

/// The connection JSON the fake prints first.
#[derive(Debug, Clone, Deserialize)]
pub struct FakeInfo {
    pub scim_url: String,
    pub auth_url: String,
    pub api_url: String,
    pub login: String,
    pub password: String,
    pub api_key: String,
    /// The client certificate and key (0600) for `--auth cert`, and the OAuth server.
    #[serde(default)]
    pub cert_file: String,
    #[serde(default)]
    pub key_file: String,
    #[serde(default)]
    pub oauth_url: String,
    #[serde(default)]
    pub client_id: String,
    /// The Audit API.
    #[serde(default)]
    pub audit_url: String,
}

pub struct Fake {
    child: Child,
    pub info: FakeInfo,
    /// The fake's own data dir (its log), apart from the client's.
    _sandbox: Sandbox,
}

impl Fake {
    /// A fake tenant of `users` users on a free loopback port.
    pub fn start(users: usize) -> Fake {
        Fake::start_with(&["--users", &users.to_string()])
    }

    pub fn start_with(extra: &[&str]) -> Fake {
        let sandbox = Sandbox::new();
        let mut cmd = Command::new(bin());
        cmd.args(["fake", "serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        sandbox.env().apply(&mut cmd);
        let mut child = cmd.spawn().expect("spawn scimitar fake serve");
        let stdout = child.stdout.take().expect("fake stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let r = BufReader::new(stdout).read_line(&mut line).map(|_| line);
            let _ = tx.send(r);
        });
        let line = match rx.recv_timeout(timeout()) {
            Ok(Ok(line)) if !line.trim().is_empty() => line,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the fake printed no connection line: {other:?}");
            }
        };
        let info: FakeInfo = match serde_json::from_str(line.trim()) {
            Ok(i) => i,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the fake's first line is not the connection JSON: {e}");
            }
        };
        Fake {
            child,
            info,
            _sandbox: sandbox,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
