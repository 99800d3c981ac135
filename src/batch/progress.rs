//! Live figures of a running batch, folded from runner events: shared by the TUI's
//! progress pane and the headless progress bar. The clock is passed in, so it is testable.

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use crate::batch::journal::ResultKind;
use crate::batch::runner::{Event, UserResult};
use crate::scim::client::ClientStats;

const RECENT: usize = 200;

#[derive(Debug, Clone)]
pub struct Progress {
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    pub no_op: usize,
    pub protected: usize,
    pub not_found: usize,
    /// The users dispatched and not yet finished: their count is the requests in flight.
    flying: HashSet<String>,
    /// In doubt after the breaker opened: resume re-checks them.
    pub in_doubt: usize,
    /// The breaker is open: (failures in a row, last error).
    pub paused: Option<(usize, String)>,
    pub concurrency: usize,
    pub started: Instant,
    pub ended: Option<(Instant, bool)>,
    /// Milliseconds per changed user (all its requests), for percentiles.
    latencies: Vec<u32>,
    /// Newest last.
    pub recent: VecDeque<UserResult>,
    pub failures: Vec<UserResult>,
    /// Warnings the runner gave, in order (each said once).
    pub warnings: Vec<String>,
    /// The client's counters when the batch started: the figures cover this batch only.
    pub baseline: ClientStats,
    pub requests: u64,
    pub retries: u64,
    pub rate_limited: u64,
}

impl Progress {
    pub fn new(now: Instant) -> Progress {
        Progress {
            total: 0,
            done: 0,
            failed: 0,
            no_op: 0,
            protected: 0,
            not_found: 0,
            flying: HashSet::new(),
            in_doubt: 0,
            paused: None,
            concurrency: 0,
            started: now,
            ended: None,
            latencies: Vec::new(),
            recent: VecDeque::with_capacity(RECENT),
            failures: Vec::new(),
            warnings: Vec::new(),
            baseline: ClientStats::default(),
            requests: 0,
            retries: 0,
            rate_limited: 0,
        }
    }

    /// Requests sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.flying.len()
    }

    pub fn apply(&mut self, event: &Event, now: Instant) {
        match event {
            Event::Started { total } => self.total = *total,
            Event::Dispatched { user_id } => {
                self.flying.insert(user_id.clone());
            }
            Event::InDoubt { user_id } => {
                self.flying.remove(user_id);
                self.in_doubt += 1;
            }
            Event::Paused { failures, error } => self.paused = Some((*failures, error.clone())),
            Event::Unpaused => self.paused = None,
            Event::Concurrency(c) => self.concurrency = *c,
            Event::Warning(w) => self.warnings.push(w.clone()),
            Event::Ended { cancelled } => self.ended = Some((now, *cancelled)),
            Event::Finished(r) => {
                match r.outcome {
                    ResultKind::Done => self.done += 1,
                    ResultKind::Failed => self.failed += 1,
                    ResultKind::NoOp => self.no_op += 1,
                    ResultKind::Protected => self.protected += 1,
                    ResultKind::NotFound => self.not_found += 1,
                    ResultKind::InDoubt => self.in_doubt += 1,
                }
                if self.flying.remove(&r.user_id) {
                    self.latencies
                        .push(r.latency.as_millis().min(u128::from(u32::MAX)) as u32);
                }
                // In doubt is listed with the failures, as the journal's report lists it.
                if matches!(r.outcome, ResultKind::Failed | ResultKind::InDoubt) {
                    self.failures.push(r.clone());
                }
                if self.recent.len() == RECENT {
                    self.recent.pop_front();
                }
                self.recent.push_back(r.clone());
            }
        }
    }

    /// The client's counters now; requests, retries and 429s are kept relative to `baseline`.
    pub fn set_client_counters(&mut self, now: ClientStats) {
        self.requests = now.requests.saturating_sub(self.baseline.requests);
        self.retries = now.retries.saturating_sub(self.baseline.retries);
        self.rate_limited = now.rate_limited.saturating_sub(self.baseline.rate_limited);
    }

    pub fn finished(&self) -> usize {
        self.done + self.failed + self.no_op + self.protected + self.not_found + self.in_doubt
    }

    pub fn remaining(&self) -> usize {
        self.total.saturating_sub(self.finished())
    }

    pub fn skipped(&self) -> usize {
        self.no_op + self.protected + self.not_found
    }

    pub fn elapsed(&self, now: Instant) -> Duration {
        self.ended
            .map_or(now, |(t, _)| t)
            .saturating_duration_since(self.started)
    }

    /// Requests per second since the start.
    pub fn request_rate(&self, now: Instant) -> f64 {
        let secs = self.elapsed(now).as_secs_f64();
        if secs <= 0.0 {
            0.0
        } else {
            self.requests as f64 / secs
        }
    }

    /// Users finished per second, and the time left at that pace.
    pub fn eta(&self, now: Instant) -> Option<Duration> {
        let secs = self.elapsed(now).as_secs_f64();
        let done = self.finished();
        if done == 0 || secs <= 0.0 || self.ended.is_some() || self.paused.is_some() {
            return None;
        }
        let per_sec = done as f64 / secs;
        Some(Duration::from_secs_f64(self.remaining() as f64 / per_sec))
    }

    /// One line for a log (stderr that is not a terminal): how far, how fast, how long left.
    pub fn log_line(&self, now: Instant) -> String {
        let secs = self.elapsed(now).as_secs_f64();
        let users_per_sec = if secs > 0.0 {
            self.finished() as f64 / secs
        } else {
            0.0
        };
        let eta = match (self.paused.as_ref(), self.eta(now)) {
            (Some(_), _) => "paused".to_string(),
            (None, Some(d)) => {
                humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
            }
            (None, None) => "-".to_string(),
        };
        format!(
            "progress: {}/{} | done {} failed {} skipped {} remaining {} | {:.1} users/s ({:.1} req/s) | ETA {eta}",
            self.finished(),
            self.total,
            self.done,
            self.failed,
            self.skipped(),
            self.remaining(),
            users_per_sec,
            self.request_rate(now),
        )
    }

    /// The latency (ms) at quantile q in 0..=1 over changed users.
    pub fn latency_quantile(&self, q: f64) -> Option<u32> {
        if self.latencies.is_empty() {
            return None;
        }
        let mut v = self.latencies.clone();
        let k = ((v.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
        let (_, x, _) = v.select_nth_unstable(k);
        Some(*x)
    }

    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.finished() as f64 / self.total as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(outcome: ResultKind, ms: u64) -> Event {
        Event::Finished(UserResult {
            user_id: "u".into(),
            user_name: "u@x".into(),
            outcome,
            status: if outcome == ResultKind::NoOp {
                None
            } else {
                Some(200)
            },
            detail: String::new(),
            latency: Duration::from_millis(ms),
        })
    }

    #[test]
    fn counts_percentiles_and_eta() {
        let t0 = Instant::now();
        let mut p = Progress::new(t0);
        p.apply(&Event::Started { total: 10 }, t0);
        for ms in [10, 20, 30, 40, 100] {
            p.apply(
                &Event::Dispatched {
                    user_id: "u".into(),
                },
                t0,
            );
            p.apply(&res(ResultKind::Done, ms), t0);
        }
        p.apply(&res(ResultKind::NoOp, 0), t0);
        assert_eq!(
            (p.done, p.no_op, p.remaining(), p.in_flight()),
            (5, 1, 4, 0)
        );
        assert_eq!(p.latency_quantile(0.5), Some(30));
        assert_eq!(p.latency_quantile(0.95), Some(100));
        let eta = p.eta(t0 + Duration::from_secs(6)).unwrap();
        assert_eq!(eta.as_secs(), 4);
    }
}
