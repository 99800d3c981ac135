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
use crate::batch::runner::UserResult;

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
}

impl Breaker {
    /// Counts one answer; true when this one opens the breaker.
    pub fn record(&mut self, r: &UserResult) -> bool {
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

    pub fn is_open(&self) -> bool {
        self.open
    }

    pub fn failures_in_a_row(&self) -> usize {
        self.in_a_row
    }

    pub fn last_error(&self) -> &str {
        &self.last_error
    }

    /// Retry: start counting afresh.
    pub fn close(&mut self) {
        *self = Breaker::default();
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
