//! When to try a request again and how long to wait: jittered exponential backoff on 429,
//! 5xx and connection errors; the server's Retry-After wins when it asks for longer.

use std::time::Duration;

use rand::Rng;

/// The longest Retry-After obeyed: a server asking for more (999999 s has been seen) would
/// stall a run for hours in silence; after this long the retry itself asks again.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// Waits longer than this are announced to the operator with their reason.
pub const ANNOUNCE_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// "Full jitter": a random wait up to base × 2^(attempt-1), capped. `attempt` is 1-based
    /// (the attempt that just failed).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let ceiling = exp.min(self.cap);
        let ms = ceiling.as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(ms / 2..=ms.max(1)))
    }

    /// The wait before the next attempt: Retry-After (at most [`MAX_RETRY_AFTER`]) plus a
    /// little jitter so that the tasks paused together do not return together; else the
    /// backoff.
    pub fn wait(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(ra) => {
                ra.min(MAX_RETRY_AFTER) + Duration::from_millis(rand::rng().random_range(0..=250))
            }
            None => self.backoff(attempt),
        }
    }
}

/// Parses a Retry-After header: delay-seconds, or an HTTP date. Not capped here, so the
/// announcement can say what the server asked for; [`RetryPolicy::wait`] caps it.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(u64::from(u32::MAX))));
    }
    let when = humantime::parse_rfc3339_weak(v)
        .ok()
        .or_else(|| httpdate_parse(v))?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the form HTTP dates take.
fn httpdate_parse(v: &str) -> Option<std::time::SystemTime> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| *m == parts[2])? + 1;
    let s = format!("{}-{:02}-{:02} {}", parts[3], month, parts[1], parts[4]);
    humantime::parse_rfc3339_weak(&s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        for _ in 0..100 {
            let b1 = p.backoff(1);
            assert!(b1 >= Duration::from_millis(100) && b1 <= Duration::from_millis(200));
            assert!(p.backoff(30) <= p.cap);
        }
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn retry_after_wins_over_backoff() {
        let p = RetryPolicy::default();
        let w = p.wait(1, Some(Duration::from_secs(2)));
        assert!(w >= Duration::from_secs(2) && w <= Duration::from_millis(2250));
    }

    #[test]
    fn a_huge_retry_after_is_capped() {
        let ra = parse_retry_after("999999").unwrap();
        assert_eq!(ra, Duration::from_secs(999_999), "parsed as sent");
        let w = RetryPolicy::default().wait(1, Some(ra));
        assert!(w >= MAX_RETRY_AFTER && w <= MAX_RETRY_AFTER + Duration::from_millis(250));
    }
}
