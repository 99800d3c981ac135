//! One rate governor per tenant, shared by every task of a client: a token bucket that
//! keeps the client under Anaplan's per-tenant budget, and a shared pause when the server
//! answers 429 with Retry-After (every task waits, not only the one that was refused).

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Governor {
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    /// Tokens per second; `None` means no client-side limit.
    rate: Option<f64>,
    burst: f64,
    tokens: f64,
    last: Instant,
    paused_until: Option<Instant>,
    /// 429s answered since the last response that was not a 429.
    streak_429: u32,
}

impl Governor {
    /// `per_minute == 0` turns the client-side limit off (the server's 429s still pause).
    /// The burst is one second's budget: small enough that a fresh client does not trip a
    /// server bucket that refills per second, large enough that a few requests start at once.
    pub fn new(per_minute: u32) -> Governor {
        let (rate, burst) = if per_minute == 0 {
            (None, 1.0)
        } else {
            let burst = (f64::from(per_minute) / 60.0).max(1.0);
            (Some(f64::from(per_minute) / 60.0), burst)
        };
        Governor {
            state: Mutex::new(Bucket {
                rate,
                burst,
                tokens: burst,
                last: Instant::now(),
                paused_until: None,
                streak_429: 0,
            }),
        }
    }

    /// Waits until a request may be sent.
    pub async fn acquire(&self) {
        loop {
            let wait = self.try_take(Instant::now());
            match wait {
                None => return,
                Some(d) => tokio::time::sleep(d).await,
            }
        }
    }

    /// Takes a token if one is free; otherwise says how long to wait.
    fn try_take(&self, now: Instant) -> Option<Duration> {
        let mut b = match self.state.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(until) = b.paused_until {
            if until > now {
                return Some(until - now);
            }
            b.paused_until = None;
        }
        // No client-side limit: only the server's pause above applies.
        let rate = b.rate?;
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(b.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - b.tokens) / rate))
        }
    }

    /// The server said "retry after": nobody sends until then, and the bucket restarts
    /// empty so the tasks do not all fire at once when the pause ends.
    pub fn pause_for(&self, d: Duration) {
        let mut b = match self.state.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        let until = Instant::now() + d;
        if b.paused_until.is_none_or(|u| u < until) {
            b.paused_until = Some(until);
        }
        b.tokens = 0.0;
        b.last = until;
    }

    /// A request was answered 429 asking to wait `d`. A lone 429 delays only its own request
    /// (the caller sleeps); two in a row with no other answer between them mean the tenant's
    /// bucket is dry, and everyone pauses. Returns whether everyone pauses.
    pub fn rate_limited(&self, d: Duration) -> bool {
        let dry = {
            let mut b = match self.state.lock() {
                Ok(b) => b,
                Err(poisoned) => poisoned.into_inner(),
            };
            b.streak_429 += 1;
            b.streak_429 >= 2
        };
        if dry {
            self.pause_for(d);
        }
        dry
    }

    /// Any answer that is not a 429: the bucket still had room.
    pub fn answered(&self) {
        let mut b = match self.state.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        b.streak_429 = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_paced() {
        let g = Governor::new(600); // 10/s, burst 10
        let t0 = Instant::now();
        for _ in 0..10 {
            assert_eq!(g.try_take(t0), None);
        }
        let wait = g.try_take(t0).unwrap();
        assert!(wait > Duration::from_millis(90) && wait <= Duration::from_millis(100));
        assert_eq!(g.try_take(t0 + Duration::from_millis(100)), None);
    }

    #[test]
    fn pause_blocks_everyone_until_it_ends() {
        let g = Governor::new(0);
        g.pause_for(Duration::from_secs(2));
        let w = g.try_take(Instant::now()).unwrap();
        assert!(w > Duration::from_millis(1900));
    }

    #[test]
    fn a_lone_429_pauses_nobody_but_two_in_a_row_pause_everyone() {
        let g = Governor::new(0);
        assert!(!g.rate_limited(Duration::from_secs(1)));
        assert_eq!(g.try_take(Instant::now()), None);
        g.answered();
        assert!(!g.rate_limited(Duration::from_secs(1)));
        assert!(g.rate_limited(Duration::from_secs(1)));
        assert!(g.try_take(Instant::now()).is_some());
    }

    #[test]
    fn unlimited_never_waits() {
        let g = Governor::new(0);
        let t0 = Instant::now();
        for _ in 0..10_000 {
            assert_eq!(g.try_take(t0), None);
        }
    }
}
