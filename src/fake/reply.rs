//! How the fake answers: the response builders every service shares (a plain body, a SCIM
//! JSON body and error, a user rendered, a stream that drops), the request counter and query
//! decoding. Below the router and the services, so none of them imports another for these.

use std::sync::atomic::Ordering;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::render::{error_json, user_json};
use super::{Dialect, Shared, lock};

pub(super) fn count(s: &Shared, kind: &str) {
    let mut st = lock(&s.stats);
    st.requests += 1;
    *st.by_kind.entry(kind.to_string()).or_default() += 1;
}

pub(super) fn plain(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// Anaplan's decoding of a query string: `+` and `%20` are spaces.
pub(super) fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |x: &str| {
            percent_encoding::percent_decode_str(&x.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        (decode(k) == name).then(|| decode(v))
    })
}

/// A SCIM JSON response; quirks mode labels every third one `application/json`.
pub(super) fn scim_json(s: &Shared, status: u16, body: String) -> Response {
    let ct = if s.config.quirks && s.counter.load(Ordering::Relaxed).is_multiple_of(3) {
        "application/json"
    } else {
        "application/scim+json"
    };
    plain(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        ct,
        body,
    )
}

pub(super) fn scim_error(
    s: &Shared,
    status: u16,
    scim_type: Option<&str>,
    detail: &str,
) -> Response {
    if status == 401 {
        lock(&s.stats).unauthorized += 1;
    }
    // Anaplan's own example of a 403 carries `"status":"404"` in its body.
    let body_status = if s.config.quirks && status == 403 {
        404
    } else {
        status
    };
    scim_json(s, status, error_json(body_status, scim_type, detail))
}

pub(super) fn render_user(s: &Shared, fu: &super::tenant::FakeUser) -> String {
    user_json(
        fu,
        &s.scim_url,
        s.config.quirks,
        s.config.dialect == Dialect::Anaplan,
    )
}

/// A 200 whose body stream fails after a few bytes: hyper aborts the connection, the client
/// sees a truncated response.
pub(super) fn dropped() -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(b"{\"totalResults\":")),
        Err(std::io::Error::other(
            "connection dropped by fault injection",
        )),
    ];
    scim_stream(Body::from_stream(futures::stream::iter(chunks)))
}

/// A 200 labelled SCIM JSON whose body is a stream: how the faults hang or drop an answer.
pub(super) fn scim_stream(body: Body) -> Response {
    let mut r = Response::new(body);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_and_percent_twenty_decode_to_spaces() {
        let q = "count=5&filter=userName+eq+%22a%40b.com%22&x";
        assert_eq!(
            query_param(q, "filter").as_deref(),
            Some("userName eq \"a@b.com\"")
        );
        let q = "filter=active%20eq%20true";
        assert_eq!(query_param(q, "filter").as_deref(), Some("active eq true"));
        assert_eq!(query_param(q, "count"), None);
    }
}
