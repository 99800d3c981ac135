//! The Audit API (`GET /events` on `https://audit.anaplan.com/audit/api/1`): the tenant's
//! user-activity events, paged by offset, through the same governor, retry policy and
//! authenticator as every SCIM request. It takes an Anaplan auth token only (password,
//! certificate or OAuth sign-in), the caller needs the Tenant Auditor role, and Anaplan keeps
//! 30 days; each refusal is its own error saying what to do.

use std::time::Duration;

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use super::{AuthMethod, ScimClient};
use crate::scim::error::ScimError;

/// How long Anaplan keeps audit events, and the longest range one request may ask for.
pub const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// Events asked for per page (the documented 10000 cap is not enforced; pages stay small
/// enough to retry cheaply).
const PAGE: u64 = 1000;

/// A listing of more pages than this is not believed (a server repeating itself).
const MAX_PAGES: usize = 10_000;

/// One event, as far as a run's verification needs it. Text is the server's: untrusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub id: String,
    /// `USR-4` disabled, `USR-3` enabled, `USR-22` removed from a workspace, `USR-21` added.
    pub event_type: String,
    /// Who acted (`userId`).
    pub actor: String,
    /// The user acted on (`objectId`).
    pub object: String,
    /// `eventDate`, Unix milliseconds.
    pub at_ms: i64,
    pub success: bool,
    pub message: String,
    /// The workspace, when `additionalAttributes` names one.
    pub workspace: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(
        "the Audit API does not take an API key or bearer token: it needs a password, certificate or OAuth sign-in (--auth token, cert or oauth); nothing was asked"
    )]
    Bearer,
    #[error(
        "the Audit API takes an Anaplan auth token, not basic credentials: use --auth token (the same login and password), cert or oauth; nothing was asked"
    )]
    Basic,
    #[error(
        "the Audit API refused this account (HTTP 401 {detail}): it needs the Tenant Auditor role in Anaplan (Administration > Users > Tenant Auditor)"
    )]
    NoAuditorRole { detail: String },
    #[error(
        "audit is not licensed for this tenant, so Anaplan has no audit log to check ({detail})"
    )]
    NotLicensed { detail: String },
    #[error(
        "Anaplan keeps 30 days of audit events; {what}, so the audit log can no longer prove it"
    )]
    TooOld { what: String },
    #[error("the Audit API: {0}")]
    Scim(#[from] ScimError),
}

impl AuditError {
    /// Which refusal an error from the Audit API is (`Scim` when it is none of them).
    fn classify(e: ScimError) -> AuditError {
        let detail = match &e {
            ScimError::Unauthorized { detail, .. }
            | ScimError::Forbidden { detail }
            | ScimError::Status { detail, .. } => detail.clone(),
            _ => return AuditError::Scim(e),
        };
        let lower = detail.to_ascii_lowercase();
        if lower.contains("licen") {
            return AuditError::NotLicensed { detail };
        }
        match e.status() {
            Some(401) => AuditError::NoAuditorRole { detail },
            Some(400) if lower.contains("30 days") || lower.contains("date range") => {
                AuditError::TooOld {
                    what: format!("the server refused the range ({detail})"),
                }
            }
            _ => AuditError::Scim(e),
        }
    }
}

impl ScimClient {
    /// The Audit API's base URL.
    pub fn audit_url(&self) -> &str {
        &self.inner.audit_url
    }

    /// Every `user_activity` event from `from_ms` to `to_ms` (Unix ms), all pages. A range
    /// over 30 days is refused here, before anything is sent.
    pub async fn audit_events(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<AuditEvent>, AuditError> {
        match self.inner.auth.method() {
            AuthMethod::Bearer => return Err(AuditError::Bearer),
            AuthMethod::Basic => return Err(AuditError::Basic),
            AuthMethod::Token | AuthMethod::Cert | AuthMethod::Oauth => {}
        }
        if to_ms.saturating_sub(from_ms) > RETENTION.as_millis() as i64 {
            return Err(AuditError::TooOld {
                what: "the range asked for is longer".into(),
            });
        }
        let url = format!("{}/events", self.inner.audit_url);
        let mut out = Vec::new();
        let mut offset = 0u64;
        for _ in 0..MAX_PAGES {
            let query = [
                ("type", "user_activity".to_string()),
                ("dateFrom", from_ms.to_string()),
                ("dateTo", to_ms.to_string()),
                ("limit", PAGE.to_string()),
                ("offset", offset.to_string()),
            ];
            let reply = self
                .send(Method::GET, &url, &query, None)
                .await
                .map_err(AuditError::classify)?;
            let body = reply.json()?;
            let page = Page::read(&body).ok_or_else(|| {
                AuditError::Scim(ScimError::BadResponse {
                    status: reply.status.as_u16(),
                    content_type: reply.content_type.clone(),
                    snippet: "an audit page without a `response` list".into(),
                })
            })?;
            let got = page.events.len() as u64;
            out.extend(page.events);
            let next = page.next_offset.unwrap_or(offset + got);
            if got == 0 || next <= offset || page.total.is_some_and(|t| next >= t) {
                return Ok(out);
            }
            offset = next;
        }
        Err(AuditError::Scim(ScimError::BadListing(format!(
            "the Audit API kept sending pages past {MAX_PAGES}"
        ))))
    }
}

struct Page {
    events: Vec<AuditEvent>,
    total: Option<u64>,
    next_offset: Option<u64>,
}

impl Page {
    fn read(body: &Value) -> Option<Page> {
        let list = match body.get("response")? {
            Value::Null => &[][..],
            v => v.as_array()?.as_slice(),
        };
        let paging = body.pointer("/meta/paging");
        let num = |k: &str| paging.and_then(|p| p.get(k)).and_then(as_u64);
        Some(Page {
            events: list.iter().filter_map(event_of).collect(),
            total: num("totalSize"),
            next_offset: num("nextOffset"),
        })
    }
}

fn as_u64(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())
}

fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str()?.trim().parse().ok())
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An event the reconciliation can use: a type, a target and a date. Others are skipped.
fn event_of(v: &Value) -> Option<AuditEvent> {
    let success = match v.get("success") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => true,
    };
    Some(AuditEvent {
        id: text(v, "id").unwrap_or_default(),
        event_type: text(v, "eventTypeId")?.to_ascii_uppercase(),
        actor: text(v, "userId").unwrap_or_default(),
        object: text(v, "objectId").filter(|s| !s.is_empty())?,
        at_ms: v
            .get("eventDate")
            .and_then(as_i64)
            .or_else(|| v.get("createdDate").and_then(as_i64))?,
        success,
        message: text(v, "message").unwrap_or_default(),
        workspace: v.get("additionalAttributes").and_then(workspace_of),
    })
}

/// Whether (and how) Anaplan names the workspace is unconfirmed: the likely keys are read.
fn workspace_of(attrs: &Value) -> Option<String> {
    let attrs = match attrs {
        // Some services send the attributes as a JSON string.
        Value::String(s) => &serde_json::from_str::<Value>(s).ok()?,
        v => v,
    };
    for key in [
        "workspaceId",
        "workspaceGuid",
        "workspace_id",
        "workspaceID",
    ] {
        if let Some(s) = text(attrs, key).filter(|s| !s.is_empty()) {
            return Some(s);
        }
    }
    match attrs.get("workspace")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        o @ Value::Object(_) => text(o, "id").filter(|s| !s.is_empty()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_events_and_the_workspace_wherever_it_is_named() {
        let body = json!({
            "meta": {"paging": {"currentPageSize": 3, "totalSize": 9, "offSet": 0, "nextOffset": 3}},
            "response": [
                {"id": "e1", "eventTypeId": "USR-22", "userId": "admin", "objectId": "u1",
                 "eventDate": 1_700_000_000_000i64, "success": true, "message": "m",
                 "additionalAttributes": {"workspaceId": "W1"}},
                {"id": "e2", "eventTypeId": "usr-4", "userId": "admin", "objectId": "u1",
                 "eventDate": "1700000000001", "success": "true", "additionalAttributes": null},
                {"id": "e3", "eventTypeId": "USR-21", "objectId": "u2", "eventDate": 5,
                 "additionalAttributes": "{\"workspace\": {\"id\": \"W2\"}}"},
                {"id": "no-target", "eventTypeId": "USR-8", "eventDate": 5}
            ]
        });
        let p = Page::read(&body).unwrap();
        assert_eq!((p.total, p.next_offset), (Some(9), Some(3)));
        assert_eq!(p.events.len(), 3);
        assert_eq!(p.events[0].workspace.as_deref(), Some("W1"));
        assert_eq!(p.events[1].event_type, "USR-4");
        assert_eq!(p.events[1].at_ms, 1_700_000_000_001);
        assert_eq!(p.events[1].workspace, None);
        assert_eq!(p.events[2].workspace.as_deref(), Some("W2"));
    }

    #[test]
    fn refusals_say_what_to_do() {
        let e = AuditError::classify(ScimError::Unauthorized {
            detail: "FAILURE_UNAUTHORIZED_USER_ACTION".into(),
            method: None,
        });
        assert!(e.to_string().contains("Tenant Auditor"), "{e}");
        let e = AuditError::classify(ScimError::Forbidden {
            detail: "Audit is not licensed for this tenant".into(),
        });
        assert!(
            e.to_string()
                .starts_with("audit is not licensed for this tenant"),
            "{e}"
        );
        let e = AuditError::classify(ScimError::Status {
            status: 400,
            scim_type: None,
            detail: "Date range cannot exceed 30 days".into(),
        });
        assert!(e.to_string().contains("Anaplan keeps 30 days"), "{e}");
        assert!(
            AuditError::Bearer
                .to_string()
                .contains("password, certificate or OAuth")
        );
    }
}
