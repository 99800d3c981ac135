//! The breaker: when the server fails at the connection level or with 5xx over and over
//! (10 answers in a row, or more than half of the last 20), the run stops dispatching
//! rather than burn through the users, and pauses. What then is the front end's choice
//! (a [`Gate`]): the TUI asks (wait / retry now / stop), headless stops at once. Requests
//! that fail while it is open are left in doubt (resume re-checks them), not failed: the
//! user did nothing wrong, the server was down.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::batch::journal::ResultKind;
use crate::batch::result::UserResult;

const IN_A_ROW: usize = 10;
const WINDOW: usize = 20;

/// A failure that says the server is unwell rather than the request wrong.
pub fn server_failure(r: &UserResult) -> bool {
    matches!(r.outcome, ResultKind::Failed | ResultKind::InDoubt)
        && r.status.is_none_or(|s| s >= 500)
}

#[derive(Debug, Default)]
pub struct Breaker {
    in_a_row: usize,
    /// Newest last; true for a server failure.
    window: VecDeque<bool>,
    open: bool,
    last_error: String,
    /// A refusal no retry can cure (a 401 after re-authenticating, a 403 on a write): the
    /// run stops dispatching at once, and this says what to fix.
    fatal: Option<String>,
}

/// A refusal that will answer every following request the same way: a 401 that survived the
/// client's one re-authentication, or a 403 on a write.
pub fn fatal_refusal(r: &UserResult) -> Option<String> {
    if r.outcome != ResultKind::Failed {
        return None;
    }
    let fix = match r.status {
        Some(401) => {
            "the credentials were refused even after signing in again (revoked or expired): fix the sign-in"
        }
        Some(403) => "the API user may not change users (forbidden): give it the User Admin role",
        _ => return None,
    };
    Some(format!(
        "{fix}, then finish with `scimitar resume`. The server answered for {}: {}",
        crate::untrusted::line(&r.user_name),
        crate::untrusted::clip(&r.detail, 300)
    ))
}

impl Breaker {
    /// Counts one answer; true when this one opens the breaker.
    pub fn record(&mut self, r: &UserResult) -> bool {
        if self.fatal.is_none() {
            self.fatal = fatal_refusal(r);
        }
        let bad = server_failure(r);
        if bad {
            self.in_a_row += 1;
            self.last_error = r.detail.clone();
        } else {
            self.in_a_row = 0;
        }
        if self.window.len() == WINDOW {
            self.window.pop_front();
        }
        self.window.push_back(bad);
        let share = self.window.iter().filter(|b| **b).count();
        let trip = self.in_a_row >= IN_A_ROW || share * 2 > WINDOW;
        let opened = trip && !self.open;
        self.open |= trip;
        opened
    }

    /// Opens it for a failure seen elsewhere (the client's health over every request: the
    /// re-reads and lookups too); true when this opened it.
    pub fn trip(&mut self, failures: usize, error: &str) -> bool {
        if self.open {
            return false;
        }
        self.open = true;
        self.in_a_row = self.in_a_row.max(failures);
        self.last_error = error.to_string();
        true
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    pub fn failures_in_a_row(&self) -> usize {
        self.in_a_row
    }

    pub fn last_error(&self) -> &str {
        &self.last_error
    }

    /// Why the run must stop at once, if a fatal refusal came.
    pub fn fatal(&self) -> Option<&str> {
        self.fatal.as_deref()
    }

    /// Retry: start counting afresh (a fatal refusal stays: retrying cannot cure it).
    pub fn close(&mut self) {
        let fatal = self.fatal.take();
        *self = Breaker {
            fatal,
            ..Breaker::default()
        };
    }
}

/// What to do about an open breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Dispatch again now.
    Retry,
    /// End the run; the users left are `not_started` and a resume finishes them.
    Stop,
}

/// Where a paused run waits for the front end's decision. Without one (headless) the run
/// stops as soon as the breaker opens.
#[derive(Debug, Clone, Default)]
pub struct Gate(Arc<GateInner>);

#[derive(Debug, Default)]
struct GateInner {
    decision: Mutex<Option<Decision>>,
    notify: Notify,
}

impl Gate {
    pub fn decide(&self, d: Decision) {
        match self.0.decision.lock() {
            Ok(mut g) => *g = Some(d),
            Err(p) => *p.into_inner() = Some(d),
        }
        self.0.notify.notify_one();
    }

    /// Waits for a decision; cancelling the run is a stop.
    pub async fn wait(&self, cancel: &CancellationToken) -> Decision {
        loop {
            let taken = match self.0.decision.lock() {
                Ok(mut g) => g.take(),
                Err(p) => p.into_inner().take(),
            };
            if let Some(d) = taken {
                return d;
            }
            tokio::select! {
                _ = self.0.notify.notified() => {}
                _ = cancel.cancelled() => return Decision::Stop,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn res(status: Option<u16>, failed: bool) -> UserResult {
        UserResult {
            user_id: "u".into(),
            user_name: "u".into(),
            outcome: if failed {
                ResultKind::Failed
            } else {
                ResultKind::Done
            },
            status,
            detail: "connection refused".into(),
            latency: Duration::ZERO,
        }
    }

    #[test]
    fn ten_in_a_row_open_it_and_client_errors_do_not() {
        let mut b = Breaker::default();
        for _ in 0..30 {
            assert!(!b.record(&res(Some(400), true)));
        }
        for i in 0..9 {
            assert!(!b.record(&res(None, true)), "opened after {i}");
        }
        assert!(b.record(&res(Some(503), true)));
        assert!(b.is_open());
        assert!(!b.record(&res(None, true)), "opens once");
        b.close();
        assert!(!b.is_open());
    }

    #[test]
    fn more_than_half_of_the_last_twenty_opens_it() {
        let mut b = Breaker::default();
        let mut opened = false;
        for i in 0..40 {
            // Alternating, then two bad to one good: never 10 in a row.
            let bad = if i < 20 { i % 2 == 0 } else { i % 3 != 0 };
            opened |= b.record(&res(if bad { Some(502) } else { Some(200) }, bad));
        }
        assert!(opened && b.failures_in_a_row() < IN_A_ROW);
    }

    #[test]
    fn a_401_or_403_is_fatal_and_other_refusals_are_not() {
        let mut b = Breaker::default();
        b.record(&res(Some(400), true));
        b.record(&res(Some(404), true));
        b.record(&res(Some(401), false));
        assert!(b.fatal().is_none());
        b.record(&res(Some(401), true));
        let why = b.fatal().unwrap().to_string();
        assert!(
            why.contains("fix the sign-in") && why.contains("resume"),
            "{why}"
        );
        b.close();
        assert!(b.fatal().is_some(), "a retry does not cure a 401");
        let mut b = Breaker::default();
        b.record(&res(Some(403), true));
        assert!(b.fatal().unwrap().contains("User Admin"));
    }

    #[tokio::test]
    async fn the_gate_hands_over_a_decision_or_stops_on_cancel() {
        let g = Gate::default();
        let c = CancellationToken::new();
        g.decide(Decision::Retry);
        assert_eq!(g.wait(&c).await, Decision::Retry);
        c.cancel();
        assert_eq!(g.wait(&c).await, Decision::Stop);
    }
}
