//! The server's health as every request of one client sees it: PATCHes, re-reads and lookups
//! alike. Failures are 5xx, bodies that are not the JSON a 2xx promised (a proxy's HTML,
//! a truncated page), answers over the size cap, timeouts and dropped connections. Ten
//! requests in a row that failed after their retries, or nothing but failed attempts for a
//! minute (a hung server times out an attempt every 30 s), open it. While it is open no request is retried, so work in flight
//! ends quickly and callers stop; any good answer closes it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::scim::error::ScimError;

/// Requests failed in a row (each after its retries) that open it.
pub const IN_A_ROW: u32 = 10;
/// Nothing but failures for this long (from the first failed attempt's sending) opens it.
pub const STALL: Duration = Duration::from_secs(60);

/// Reads and writes are counted apart: PATCHes that succeed between failing re-reads must
/// not hide that nothing can be verified.
#[derive(Debug, Default)]
pub struct Health(Mutex<[State; 2]>);

/// What a request is, for [`Health`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Read = 0,
    Write = 1,
}

#[derive(Debug, Default, Clone)]
struct State {
    /// Requests that failed after their retries since the last good answer.
    in_a_row: u32,
    /// Failed attempts since the last good answer.
    attempts: u32,
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
    fn state(&self) -> std::sync::MutexGuard<'_, [State; 2]> {
        match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// A good answer (any 2xx with a readable body, or a refusal with a reason): closes it.
    pub fn good(&self, kind: Kind) {
        self.state()[kind as usize] = State::default();
    }

    /// Counts afresh (the operator chose to retry).
    pub fn reset(&self) {
        *self.state() = Default::default();
    }

    /// A failed attempt sent at `sent`; `last`: the request gives up with it. True when
    /// this one opened it.
    pub fn failed(&self, kind: Kind, sent: Instant, error: &ScimError, last: bool) -> bool {
        let mut all = self.state();
        let s = &mut all[kind as usize];
        s.attempts += 1;
        s.in_a_row += u32::from(last);
        let since = *s.since.get_or_insert(sent);
        s.last_error = crate::untrusted::clip(&error.to_string(), 300);
        let trip = s.in_a_row >= IN_A_ROW || (s.attempts >= 2 && since.elapsed() >= STALL);
        let opened = trip && !s.open;
        s.open |= trip;
        opened
    }

    pub fn is_open(&self) -> bool {
        self.state().iter().any(|s| s.open)
    }

    /// `Some` while open: how many attempts failed in a row and the last error.
    pub fn failing(&self) -> Option<Failing> {
        let all = self.state();
        let s = all.iter().find(|s| s.open)?;
        Some(Failing {
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
            assert!(!h.failed(Kind::Read, Instant::now(), &e503(), true));
        }
        h.good(Kind::Read);
        for _ in 0..50 {
            assert!(
                !h.failed(Kind::Read, Instant::now(), &e503(), false),
                "retries are one request"
            );
        }
        for _ in 0..9 {
            assert!(!h.failed(Kind::Read, Instant::now(), &e503(), true));
        }
        h.good(Kind::Write);
        assert!(
            h.failed(Kind::Read, Instant::now(), &e503(), true),
            "good writes do not hide failing reads"
        );
        assert!(
            !h.failed(Kind::Read, Instant::now(), &e503(), true),
            "opens once"
        );
        let f = h.failing().unwrap();
        assert_eq!(f.in_a_row, 11);
        assert!(f.last_error.contains("503"), "{f:?}");
        h.good(Kind::Read);
        assert!(!h.is_open());
    }

    #[test]
    fn two_failures_spanning_a_minute_open_it() {
        let h = Health::default();
        let long_ago = Instant::now() - STALL - Duration::from_secs(1);
        assert!(
            !h.failed(Kind::Read, long_ago, &e503(), false),
            "one failure is not a stall"
        );
        assert!(h.failed(Kind::Read, Instant::now(), &e503(), false));
    }

    #[test]
    fn client_errors_are_not_server_failures() {
        assert!(!counts_as_failure(&ScimError::NotFound {
            detail: "x".into(),
            url: String::new(),
            set_by: "",
        }));
        assert!(counts_as_failure(&e503()));
        assert!(counts_as_failure(&ScimError::Transport {
            url: "u".into(),
            reason: "timed out".into()
        }));
    }
}
