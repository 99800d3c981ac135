//! What can go wrong on purpose: the fault settings, the tenant's token bucket (429 with
//! Retry-After), the per-request fault draw (latency, 500/503, injected 429, dropped
//! connection, proxy HTML) and the gate that applies them in front of the services.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::reply::{dropped, plain, scim_error};
use super::{Shared, lock};

/// The fault settings: part of `FakeConfig`, changeable while the server runs (see
/// `FakeServer::set_faults`). The default injects nothing.
#[derive(Debug, Clone, PartialEq, Default)]
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
    /// A proxy in front of a sick server: every list request (`GET /Users`) is answered by an
    /// HTML 502 page; GET by id and PATCH still reach the server.
    pub html_502_lists: bool,
    /// A token revoked mid-run: once this many PATCHes were answered, every `/Users*` request
    /// is answered 401, even with a freshly issued token.
    pub unauthorized_after_writes: Option<u64>,
    /// A server that hangs mid-run: once this many PATCHes were answered, no `/Users*`
    /// request is answered at all (nothing is applied; the client's timeout ends each).
    pub hang_after_writes: Option<u64>,
    /// Reads failing while writes work: once this many PATCHes were answered, every GET of
    /// `/Users*` (lists and by id) is answered 503; PATCHes are still applied.
    pub fail_reads_after_writes: Option<u64>,
    /// Every `/Users*` answer is replaced by a 200 of this many bytes (after a PATCH is
    /// applied): a server that sends far more than a user or a page.
    pub oversize_answers: Option<u64>,
    /// Audit events are served only this long after the change they record.
    pub audit_lag: Duration,
    /// Share (0..100) of audit events never recorded.
    pub audit_drop_percent: f64,
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

/// Latency, injected faults and the tenant's rate limit, applied to SCIM `/Users*` and the
/// integration API (metadata and the auth service are left alone so tests can log in).
pub(super) async fn service_gate(s: &Shared, headers: &HeaderMap) -> Option<Response> {
    let f = lock(&s.faults).clone();
    if !f.latency.is_zero() {
        tokio::time::sleep(f.latency).await;
    }
    let injected = draw(&f, &mut lock(&s.rng));
    if let Some(inj) = injected {
        {
            let mut st = lock(&s.stats);
            st.requests += 1;
            st.faults_injected += 1;
        }
        return Some(match inj {
            Injected::ServerError(code) => scim_error(
                s,
                code,
                None,
                if code == 503 {
                    "Service temporarily unavailable"
                } else {
                    "An internal error occurred"
                },
            ),
            Injected::TooMany => {
                too_many(s, "Too many requests", s.config.retry_after.unwrap_or(1))
            }
            Injected::Html502 => plain(StatusCode::BAD_GATEWAY, "text/html", PROXY_502.into()),
            Injected::Drop => dropped(),
        });
    }
    // Only callers that present some credential spend the tenant's budget.
    if headers.contains_key(header::AUTHORIZATION)
        && let Err(wait) = lock(&s.bucket).take(&f)
    {
        {
            let mut st = lock(&s.stats);
            st.requests += 1;
            st.rate_limited += 1;
        }
        return Some(too_many(
            s,
            "Rate limit exceeded for this tenant; retry after the time in Retry-After",
            s.config.retry_after.unwrap_or(wait),
        ));
    }
    None
}

const PROXY_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The scripted faults of `/Users*` that depend on the request: an HTML 502 on lists, a 401
/// after N writes.
pub(super) fn scripted(s: &Shared, method: &axum::http::Method, rest: &str) -> Option<Response> {
    let f = lock(&s.faults).clone();
    if let Some(n) = f.unauthorized_after_writes {
        let writes: u64 = lock(&s.stats).patches.values().map(|&p| u64::from(p)).sum();
        if writes >= n {
            {
                let mut st = lock(&s.stats);
                st.requests += 1;
                st.faults_injected += 1;
                st.unauthorized += 1;
            }
            return Some(scim_error(s, 401, None, "The token was revoked"));
        }
    }
    if let Some(n) = f.fail_reads_after_writes
        && method == axum::http::Method::GET
        && lock(&s.stats)
            .patches
            .values()
            .map(|&p| u64::from(p))
            .sum::<u64>()
            >= n
    {
        {
            let mut st = lock(&s.stats);
            st.requests += 1;
            st.faults_injected += 1;
        }
        return Some(scim_error(s, 503, None, "Service temporarily unavailable"));
    }
    if f.html_502_lists && method == axum::http::Method::GET && rest == "/Users" {
        {
            let mut st = lock(&s.stats);
            st.requests += 1;
            st.faults_injected += 1;
        }
        return Some(plain(
            StatusCode::BAD_GATEWAY,
            "text/html",
            PROXY_502.into(),
        ));
    }
    None
}

/// How long a hung server keeps a request waiting: longer than any client waits.
const HUNG_FOR: Duration = Duration::from_secs(3600);

/// With `hang_after_writes` reached: waits [`HUNG_FOR`] without answering, then a 503.
pub(super) async fn hang_all(s: &Shared, method: &axum::http::Method) -> Option<Response> {
    let n = lock(&s.faults).hang_after_writes?;
    {
        // Writes are admitted as they arrive, under one lock: counting stored writes instead
        // lets concurrent PATCHes all pass while the count is still n - 1.
        let mut st = lock(&s.stats);
        if st.writes_admitted < n {
            if method == axum::http::Method::PATCH {
                st.writes_admitted += 1;
            }
            return None;
        }
        st.requests += 1;
        st.faults_injected += 1;
    }
    tokio::time::sleep(HUNG_FOR).await;
    Some(scim_error(s, 503, None, "Service temporarily unavailable"))
}

/// With `oversize_answers`: `r` replaced by a 200 of that many bytes of JSON-looking
/// padding, streamed in chunks so the fake never holds it whole.
pub(super) fn oversize(s: &Shared, r: Response) -> Response {
    let Some(size) = lock(&s.faults).oversize_answers else {
        return r;
    };
    lock(&s.stats).faults_injected += 1;
    const CHUNK: u64 = 64 * 1024;
    let head = b"{\"pad\":\"".len() as u64;
    let chunks = size.saturating_sub(head).div_ceil(CHUNK);
    let pad = Bytes::from(vec![b'x'; CHUNK as usize]);
    let body = futures::stream::iter(
        std::iter::once(Bytes::from_static(b"{\"pad\":\""))
            .chain((0..chunks).map(move |_| pad.clone()))
            .map(Ok::<Bytes, std::io::Error>),
    );
    let mut out = Response::new(Body::from_stream(body));
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    out
}

fn too_many(s: &Shared, detail: &str, seconds: u64) -> Response {
    let mut r = scim_error(s, 429, None, detail);
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// The first `throttle_first` requests to `/Users*` are answered 429.
pub(super) fn throttled(s: &Shared) -> Option<Response> {
    let n = s.throttled.fetch_add(1, Ordering::Relaxed);
    if n >= s.config.throttle_first {
        return None;
    }
    {
        let mut st = lock(&s.stats);
        st.requests += 1;
        st.faults_injected += 1;
    }
    Some(too_many(
        s,
        "Too many requests",
        s.config.retry_after.unwrap_or(1),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn bucket_allows_the_burst_then_names_the_wait() {
        let f = Faults {
            rate_limit_per_minute: Some(6),
            rate_limit_burst: Some(2),
            ..Faults::default()
        };
        let mut b = Bucket::new();
        assert!(b.take(&f).is_ok());
        assert!(b.take(&f).is_ok());
        let wait = b.take(&f).unwrap_err();
        assert!((9..=10).contains(&wait), "{wait}");
        assert!(Bucket::new().take(&Faults::default()).is_ok());
    }

    #[test]
    fn shares_are_roughly_honoured() {
        let f = Faults {
            error_rate: 0.2,
            drop_rate: 0.1,
            ..Faults::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let n = 10_000;
        let hits = (0..n).filter(|_| draw(&f, &mut rng).is_some()).count();
        assert!((2700..3300).contains(&hits), "{hits}");
        assert_eq!(draw(&Faults::default(), &mut rng), None);
    }
}
