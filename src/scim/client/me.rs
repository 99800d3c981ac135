//! `GET /2/0/users/me` on the integration API: who the credentials belong to, and the tenant
//! (customer) they sign in to. Works for any user, whatever the auth method.

use reqwest::Method;
use serde_json::Value;

use super::ScimClient;
use crate::scim::error::ScimError;

/// The signed-in user as the integration API reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The user's id (the same id SCIM uses).
    pub user_id: String,
    /// The login email (the SCIM userName).
    pub email: String,
    /// The tenant's customer id, where the API reports one.
    pub customer_id: Option<String>,
}

impl ScimClient {
    /// Asks the integration API who these credentials belong to.
    pub async fn signed_in_user(&self) -> Result<SignedIn, ScimError> {
        let url = format!("{}/users/me", self.inner.api_url);
        let reply = self.send(Method::GET, &url, &[], None).await?;
        parse(&reply.json()?).ok_or_else(|| ScimError::BadResponse {
            status: reply.status.as_u16(),
            content_type: "application/json".into(),
            snippet: "users/me gave no user id and email".into(),
        })
    }

    /// Records the tenant identity this client reports from now on (see [`Self::tenant_label`]).
    /// The first value set stays: a client never changes tenant.
    pub fn set_tenant_identity(&self, identity: String) {
        let _ = self.inner.identity.set(identity);
    }

    /// Host (and port) of the SCIM URL alone, without the tenant's identifier.
    pub fn host_label(&self) -> String {
        reqwest::Url::parse(&self.inner.scim_url)
            .ok()
            .and_then(|u| {
                u.host_str()
                    .map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
            })
            .unwrap_or_else(|| self.inner.scim_url.clone())
    }
}

fn parse(body: &Value) -> Option<SignedIn> {
    let user = body.get("user").unwrap_or(body);
    let text = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| user.get(*k).and_then(Value::as_str))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Some(SignedIn {
        user_id: text(&["id", "userGuid"])?,
        email: text(&["email", "userId", "userName"])?,
        customer_id: text(&["customerId", "customerGuid"]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_shape_and_tolerates_a_missing_customer() {
        let body = serde_json::json!({"status": {"code": 200}, "user": {"id": "abc", "email": "a@x.com", "customerId": "C1", "extra": 1}});
        assert_eq!(
            parse(&body),
            Some(SignedIn {
                user_id: "abc".into(),
                email: "a@x.com".into(),
                customer_id: Some("C1".into())
            })
        );
        let body = serde_json::json!({"user": {"id": "abc", "email": "a@x.com"}});
        assert_eq!(parse(&body).and_then(|s| s.customer_id), None);
        assert_eq!(parse(&serde_json::json!({"user": {"id": ""}})), None);
    }
}
