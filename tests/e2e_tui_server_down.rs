//! A server that dies during a TUI run, in a real terminal (tmux, 80x24): the run pauses
//! (the breaker) instead of failing user after user, the in-flight figure stays within the
//! concurrency, at most ten users are failed and the rest are left for resume; Esc stops
//! it; the server comes back on the same address; `R` resumes the run to the end. Skipped
//! (with a notice) when tmux is missing.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use scimitar::batch::JournalState;
use support::tmux::figure;
use support::{Fake, Sandbox, Tmux};

const USERS: usize = 150;

/// The same seeded tenant again on `addr` (its first state: what was changed is lost, as a
/// restored server might be; resume re-reads everyone anyway).
struct Restarted {
    child: Child,
    _home: Sandbox,
}

impl Drop for Restarted {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn restart_on(addr: &str) -> Restarted {
    let sandbox = Sandbox::new();
    let mut cmd = Command::new(support::bin());
    cmd.args([
        "fake",
        "serve",
        "--listen",
        addr,
        "--users",
        &USERS.to_string(),
    ])
    .args(["--latency-ms", "100"])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    sandbox.env().apply(&mut cmd);
    let mut child = cmd.spawn().expect("spawn the fake again");
    let out = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(out)
        .read_line(&mut line)
        .expect("the fake's first line");
    assert!(line.contains(addr), "the fake is back on {addr}: {line}");
    Restarted {
        child,
        _home: sandbox,
    }
}

#[test]
fn a_dead_server_pauses_the_tui_run_and_resume_completes_it_when_it_is_back() {
    if !support::tmux::available("a_dead_server_pauses_the_tui_run") {
        return;
    }
    let fake = Fake::start_with(&["--users", &USERS.to_string(), "--latency-ms", "300"]);
    let addr = fake
        .info
        .scim_url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host:port")
        .to_string();
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let t = Tmux::start(80, 24, &env, &[support::bin()]);
    t.wait_text(&format!("loaded {USERS} / {USERS}"));
    t.server_filter("active eq true");
    t.wait_for("the active users", |s| {
        s.contains("loaded ") && !s.contains("SCIM filter (server side)") && !s.contains("loading")
    });
    t.preview_disable_of_shown(None, "Enter");
    t.keys(&["Enter"]);
    t.confirm_count(None);
    // Results come only once a re-read settles them, by which time most users may be sent:
    // the server dies a second after the first requests are in flight.
    t.wait_for("requests in flight", |s| {
        s.contains("Running: disable")
            && (figure(s, "in flight").is_some_and(|f| f >= 1)
                || figure(s, "done").is_some_and(|d| d >= 1))
    });
    std::thread::sleep(std::time::Duration::from_secs(1));

    // The server dies.
    drop(fake);
    let s = t.wait_text("PAUSED");
    assert!(figure(&s, "failed").is_some_and(|f| f <= 10), "{s}");
    // In flight: at most 8 requests, plus answered users still waiting for the re-read
    // that settles them (at most one slice of 100).
    assert!(figure(&s, "in flight").is_some_and(|f| f <= 108), "{s}");
    t.keys(&["Escape"]);
    // Requests in flight to the dead server get their grace and the re-read its retries.
    let s = t.wait_for_within(
        "`Stopped: disable`",
        std::time::Duration::from_secs(60),
        |s| s.contains("Stopped: disable"),
    );
    let journal = sandbox
        .journals_named_in(&s)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("the journal named on screen:\n{s}"));
    let state = JournalState::read(&journal).unwrap();
    assert!(
        state.failed().len() <= 10,
        "{} failed",
        state.failed().len()
    );
    assert!(
        state.remaining().len() > state.targets.len() / 3,
        "most users are left not started: {} of {}",
        state.remaining().len(),
        state.targets.len()
    );

    // The server is back: R resumes (in doubt, not started and failed users), to the end.
    let _back = restart_on(&addr);
    t.keys(&["R"]);
    t.confirm_count(None);
    t.wait_text("Finished: re-check and disable");
    let state = JournalState::read(&journal).unwrap();
    assert!(state.remaining().is_empty() && state.unknown.is_empty());
    assert!(state.failed().is_empty(), "{:?}", state.failed());
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.history_and_screen());
}
