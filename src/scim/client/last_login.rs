//! A user's last login, from `GET /2/0/users/{id}` on the integration API (`lastLoginDate`).
//! SCIM does not carry it, and not every account may read other users there: a refusal is an
//! answer ("not available with these credentials"), never an error that stops anything.

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::ScimClient;
use crate::scim::error::ScimError;

/// What the operator is told when the integration API will not say.
pub const UNAVAILABLE: &str = "not available with these credentials";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LastLogin {
    /// When, in UTC, as RFC 3339 to the second (sorts as text).
    #[serde(rename = "known")]
    At { at: String },
    /// The user exists and has never logged in (no date).
    Never,
    /// The integration API did not answer for this user: why, for the operator.
    Unavailable { reason: String },
}

impl LastLogin {
    /// One short phrase for a detail view or `user show`.
    pub fn describe(&self) -> String {
        match self {
            LastLogin::At { at } => {
                // `2026-03-01T09:14:05Z` as `2026-03-01 09:14 UTC`.
                let minute: String = at.chars().take(16).collect();
                format!("{} UTC", minute.replacen('T', " ", 1))
            }
            LastLogin::Never => "never".into(),
            LastLogin::Unavailable { reason } => reason.clone(),
        }
    }

    /// What the integration API's user record says (the record itself, or its envelope).
    pub fn from_body(body: &Value) -> LastLogin {
        let user = body.get("user").unwrap_or(body);
        LastLogin::from_date(user.get("lastLoginDate"))
    }

    /// What a record's `lastLoginDate` says (`None`: the record has none).
    pub fn from_date(date: Option<&Value>) -> LastLogin {
        match date {
            None | Some(Value::Null) => LastLogin::Never,
            Some(Value::String(s)) if s.trim().is_empty() => LastLogin::Never,
            Some(Value::String(s)) => match parse_date(s.trim()) {
                Some(t) => LastLogin::at(t),
                None => LastLogin::Unavailable {
                    reason: format!(
                        "the integration API sent a last login that is not a date: `{}`",
                        crate::untrusted::clip(s, 40)
                    ),
                },
            },
            // Epoch milliseconds, as the auth service writes its times.
            Some(Value::Number(n)) => n
                .as_i64()
                .and_then(|ms| {
                    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
                })
                .map_or_else(
                    || LastLogin::Unavailable {
                        reason: format!("the integration API sent a last login out of range: {n}"),
                    },
                    LastLogin::at,
                ),
            Some(other) => LastLogin::Unavailable {
                reason: format!(
                    "the integration API sent a last login that is not a date: {}",
                    crate::untrusted::clip(&other.to_string(), 40)
                ),
            },
        }
    }

    /// When, for a known login whose date reads back.
    pub fn time(&self) -> Option<OffsetDateTime> {
        match self {
            LastLogin::At { at } => OffsetDateTime::parse(at, &Rfc3339).ok(),
            _ => None,
        }
    }

    /// The state word of the JSON form: `known`, `never` or `unavailable`.
    pub fn state(&self) -> &'static str {
        match self {
            LastLogin::At { .. } => "known",
            LastLogin::Never => "never",
            LastLogin::Unavailable { .. } => "unavailable",
        }
    }

    /// A cell of a table or CSV: the date to the minute, `never` or `unavailable` (the reason
    /// is in the JSON form and the detail).
    pub fn cell(&self) -> String {
        match self {
            LastLogin::Unavailable { .. } => "unavailable".into(),
            other => other.describe(),
        }
    }

    /// How long ago, in a few columns: `3 d`, `8 mo`, `2 y`, `today`, `never`, or `?` when
    /// it is not known.
    pub fn relative(&self, now: OffsetDateTime) -> String {
        match self {
            LastLogin::Never => "never".into(),
            LastLogin::Unavailable { .. } => "?".into(),
            LastLogin::At { .. } => match self.time() {
                None => "?".into(),
                Some(t) => {
                    let days = (now - t).whole_days().max(0);
                    match days {
                        0 => "today".into(),
                        1..=59 => format!("{days} d"),
                        60..=729 => format!("{} mo", days / 30),
                        _ => format!("{} y", days / 365),
                    }
                }
            },
        }
    }

    pub(super) fn at(t: OffsetDateTime) -> LastLogin {
        let utc = t.to_offset(time::UtcOffset::UTC);
        let whole = utc.replace_nanosecond(0).unwrap_or(utc);
        match whole.format(&Rfc3339) {
            Ok(at) => LastLogin::At { at },
            Err(e) => LastLogin::Unavailable {
                reason: format!("cannot write the last login as a date: {e}"),
            },
        }
    }

    /// How an error from the integration API is told: refusals and unknown users are
    /// "not available with these credentials"; anything else names the error.
    pub fn from_error(e: &ScimError) -> LastLogin {
        let refused = matches!(
            e,
            ScimError::Unauthorized { .. }
                | ScimError::Forbidden { .. }
                | ScimError::NotFound { .. }
        ) || matches!(e.status(), Some(401 | 403 | 404));
        LastLogin::Unavailable {
            reason: if refused {
                UNAVAILABLE.to_string()
            } else {
                format!("not available: {e}")
            },
        }
    }
}

/// RFC 3339, or Anaplan's `2019-05-21T18:09:13.000+0000` (offset without a colon).
fn parse_date(s: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    for f in [
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]",
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]",
    ] {
        let Ok(desc) = time::format_description::parse_borrowed::<2>(f) else {
            continue;
        };
        if let Ok(t) = OffsetDateTime::parse(s, &desc) {
            return Some(t);
        }
    }
    None
}

impl ScimClient {
    /// The user's last login from the integration API. Never fails: what cannot be read is
    /// [`LastLogin::Unavailable`] with the reason.
    pub async fn last_login(&self, user_id: &str) -> LastLogin {
        let id: String =
            percent_encoding::utf8_percent_encode(user_id, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let url = format!("{}/users/{id}", self.inner.api_url);
        // One retry at most: a detail must not hold up the view it is part of.
        match self.send_tries(Method::GET, &url, &[], None, 2).await {
            Ok(reply) => match reply.json() {
                Ok(body) => LastLogin::from_body(&body),
                Err(e) => LastLogin::from_error(&e),
            },
            Err(e) => LastLogin::from_error(&e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_anaplans_format_rfc3339_and_epoch_ms_and_tells_never_apart() {
        let at = |v: Value| LastLogin::from_body(&json!({"user": {"id": "a", "lastLoginDate": v}}));
        let want = LastLogin::At {
            at: "2019-05-21T18:09:13Z".into(),
        };
        assert_eq!(at(json!("2019-05-21T18:09:13.000+0000")), want);
        assert_eq!(at(json!("2019-05-21T20:09:13.250+02:00")), want);
        assert_eq!(at(json!("2019-05-21T18:09:13Z")), want);
        assert_eq!(at(json!(1_558_462_153_000i64)), want);
        assert_eq!(at(json!(null)), LastLogin::Never);
        assert_eq!(at(json!("")), LastLogin::Never);
        assert_eq!(
            LastLogin::from_body(&json!({"user": {"id": "a"}})),
            LastLogin::Never
        );
        assert!(matches!(
            at(json!("yesterday")),
            LastLogin::Unavailable { .. }
        ));
        assert_eq!(want.describe(), "2019-05-21 18:09 UTC");
    }

    #[test]
    fn relative_ages_are_short() {
        let now = OffsetDateTime::parse("2026-12-03T12:00:00Z", &Rfc3339).unwrap();
        let at = |s: &str| LastLogin::At { at: s.into() }.relative(now);
        assert_eq!(at("2026-12-03T01:00:00Z"), "today");
        assert_eq!(at("2026-11-30T12:00:00Z"), "3 d");
        assert_eq!(at("2026-04-03T12:00:00Z"), "8 mo");
        assert_eq!(at("2024-11-03T12:00:00Z"), "2 y");
        assert_eq!(LastLogin::Never.relative(now), "never");
        let gone = LastLogin::Unavailable { reason: "x".into() };
        assert_eq!(gone.relative(now), "?");
        assert_eq!(gone.cell(), "unavailable");
    }

    #[test]
    fn refusals_are_not_available_with_these_credentials() {
        for e in [
            ScimError::Forbidden { detail: "x".into() },
            ScimError::NotFound {
                detail: "x".into(),
                url: String::new(),
                set_by: "",
            },
            ScimError::Unauthorized {
                detail: "x".into(),
                method: None,
            },
        ] {
            assert_eq!(LastLogin::from_error(&e).describe(), UNAVAILABLE);
        }
        let e = ScimError::Transport {
            url: "u".into(),
            reason: "refused".into(),
        };
        assert!(
            LastLogin::from_error(&e)
                .describe()
                .starts_with("not available: cannot reach")
        );
    }
}
