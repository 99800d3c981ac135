//! The server's health as every request of one client sees it: PATCHes, re-reads and lookups
//! alike. Failures are 5xx, bodies that are not the JSON a 2xx promised (a proxy's HTML,
//! a truncated page), answers over the size cap, timeouts and dropped connections. Ten
//! failed attempts in a row, or failures only for a minute (a hung server times out a
//! request every 30 s), open it. While it is open no request is retried, so work in flight
//! ends quickly and callers stop; any good answer closes it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::scim::error::ScimError;

/// Failed attempts in a row that open it.
pub const IN_A_ROW: u32 = 10;
/// Nothing but failures for this long (from the first failed attempt's sending) opens it.
pub const STALL: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub struct Health(Mutex<State>);

#[derive(Debug, Default, Clone)]
struct State {
    in_a_row: u32,
    /// When the first failed attempt of the current streak was sent.
    since: Option<Instant>,
    open: bool,
    last_error: String,
}

/// What the health says now, for a breaker's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failing {
    pub in_a_row: u32,
    pub last_error: String,
}

/// A failure that says the server (or the way to it) is unwell, not the request wrong.
pub fn counts_as_failure(e: &ScimError) -> bool {
    match e {
        ScimError::Transport { .. }
        | ScimError::BadResponse { .. }
        | ScimError::TooLarge { .. } => true,
        ScimError::Status { status, .. } => *status >= 500,
        _ => false,
    }
}

impl Health {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// A good answer (any 2xx with a readable body, or a refusal with a reason): closes it.
    pub fn good(&self) {
        *self.state() = State::default();
    }

    /// A failed attempt sent at `sent`; true when this one opened it.
    pub fn failed(&self, sent: Instant, error: &ScimError) -> bool {
        let mut s = self.state();
        s.in_a_row += 1;
        let since = *s.since.get_or_insert(sent);
        s.last_error = crate::untrusted::clip(&error.to_string(), 300);
        let trip = s.in_a_row >= IN_A_ROW || (s.in_a_row >= 2 && since.elapsed() >= STALL);
        let opened = trip && !s.open;
        s.open |= trip;
        opened
    }

    pub fn is_open(&self) -> bool {
        self.state().open
    }

    /// `Some` while open: how many attempts failed in a row and the last error.
    pub fn failing(&self) -> Option<Failing> {
        let s = self.state();
        s.open.then(|| Failing {
            in_a_row: s.in_a_row,
            last_error: s.last_error.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e503() -> ScimError {
        ScimError::Status {
            status: 503,
            scim_type: None,
            detail: "down".into(),
        }
    }

    #[test]
    fn ten_failures_in_a_row_open_it_and_a_good_answer_closes_it() {
        let h = Health::default();
        for _ in 0..9 {
            assert!(!h.failed(Instant::now(), &e503()));
        }
        h.good();
        for _ in 0..9 {
            assert!(!h.failed(Instant::now(), &e503()));
        }
        assert!(h.failed(Instant::now(), &e503()));
        assert!(!h.failed(Instant::now(), &e503()), "opens once");
        let f = h.failing().unwrap();
        assert_eq!(f.in_a_row, 11);
        assert!(f.last_error.contains("503"), "{f:?}");
        h.good();
        assert!(!h.is_open());
    }

    #[test]
    fn two_failures_spanning_a_minute_open_it() {
        let h = Health::default();
        let long_ago = Instant::now() - STALL - Duration::from_secs(1);
        assert!(!h.failed(long_ago, &e503()), "one failure is not a stall");
        assert!(h.failed(Instant::now(), &e503()));
    }

    #[test]
    fn client_errors_are_not_server_failures() {
        assert!(!counts_as_failure(&ScimError::NotFound {
            detail: "x".into()
        }));
        assert!(counts_as_failure(&e503()));
        assert!(counts_as_failure(&ScimError::Transport {
            url: "u".into(),
            reason: "timed out".into()
        }));
    }
}
