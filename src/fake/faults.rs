//! What can go wrong on purpose: the tenant's token bucket (429 with Retry-After) and the
//! per-request fault draw (latency, 500/503, injected 429, dropped connection, proxy HTML).

use std::time::{Duration, Instant};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The fault settings, changeable while the server runs (see `FakeServer::set_faults`).
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    pub latency: Duration,
    /// Share of requests answered 500 or 503.
    pub error_rate: f64,
    /// Share of requests answered 429 with `Retry-After: 1`, independent of the bucket.
    pub rate_429: f64,
    /// Share of responses whose connection drops mid-body.
    pub drop_rate: f64,
    /// Share of requests answered by a proxy's HTML 502 page.
    pub html_error_rate: f64,
    pub rate_limit_per_minute: Option<u32>,
    /// Bucket size; defaults to one second's worth of requests, at least 1.
    pub rate_limit_burst: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    ServerError(u16),
    TooMany,
    Drop,
    Html502,
}

/// Draws at most one fault for a request, in a fixed order so the shares add up.
pub fn draw(f: &Faults, rng: &mut ChaCha8Rng) -> Option<Injected> {
    let x: f64 = rng.random();
    let mut edge = f.drop_rate.max(0.0);
    if x < edge {
        return Some(Injected::Drop);
    }
    edge += f.html_error_rate.max(0.0);
    if x < edge {
        return Some(Injected::Html502);
    }
    edge += f.rate_429.max(0.0);
    if x < edge {
        return Some(Injected::TooMany);
    }
    edge += f.error_rate.max(0.0);
    if x < edge {
        let code = if rng.random_bool(0.5) { 500 } else { 503 };
        return Some(Injected::ServerError(code));
    }
    None
}

/// The tenant's token bucket. Refills continuously at `per_minute / 60` tokens a second.
#[derive(Debug)]
pub struct Bucket {
    tokens: f64,
    last: Instant,
    settings: Option<(u32, u32)>,
}

impl Bucket {
    pub fn new() -> Bucket {
        Bucket {
            tokens: 0.0,
            last: Instant::now(),
            settings: None,
        }
    }

    fn capacity(per_minute: u32, burst: Option<u32>) -> u32 {
        burst.unwrap_or(per_minute / 60).max(1)
    }

    /// Takes a token, or says in whole seconds (at least 1) when one will be free.
    pub fn take(&mut self, f: &Faults) -> Result<(), u64> {
        let Some(per_minute) = f.rate_limit_per_minute.filter(|&r| r > 0) else {
            return Ok(());
        };
        let cap = Self::capacity(per_minute, f.rate_limit_burst);
        let now = Instant::now();
        if self.settings != Some((per_minute, cap)) {
            // New settings start with a full bucket.
            self.settings = Some((per_minute, cap));
            self.tokens = f64::from(cap);
            self.last = now;
        }
        let per_sec = f64::from(per_minute) / 60.0;
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_sec).min(f64::from(cap));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - self.tokens) / per_sec;
            Err((wait.ceil() as u64).max(1))
        }
    }
}

impl Default for Bucket {
    fn default() -> Self {
        Bucket::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn faults() -> Faults {
        Faults {
            latency: Duration::ZERO,
            error_rate: 0.0,
            rate_429: 0.0,
            drop_rate: 0.0,
            html_error_rate: 0.0,
            rate_limit_per_minute: None,
            rate_limit_burst: None,
        }
    }

    #[test]
    fn bucket_allows_the_burst_then_names_the_wait() {
        let f = Faults {
            rate_limit_per_minute: Some(6),
            rate_limit_burst: Some(2),
            ..faults()
        };
        let mut b = Bucket::new();
        assert!(b.take(&f).is_ok());
        assert!(b.take(&f).is_ok());
        let wait = b.take(&f).unwrap_err();
        assert!((9..=10).contains(&wait), "{wait}");
        assert!(Bucket::new().take(&faults()).is_ok());
    }

    #[test]
    fn shares_are_roughly_honoured() {
        let f = Faults {
            error_rate: 0.2,
            drop_rate: 0.1,
            ..faults()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let n = 10_000;
        let hits = (0..n).filter(|_| draw(&f, &mut rng).is_some()).count();
        assert!((2700..3300).contains(&hits), "{hits}");
        assert_eq!(draw(&faults(), &mut rng), None);
    }
}
