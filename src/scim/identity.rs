//! Who the API user is and which tenant this is, whatever the auth method: from the
//! integration API's `users/me` (email, id, customer id), the login where there is one, and
//! an `api_user` the operator named. Plans, journals and reports carry the tenant identity, so
//! two tenants on the same host (every Anaplan tenant of a region shares `api.anaplan.com`) are
//! told apart.

use crate::scim::ScimClient;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Host plus the tenant's identifier, e.g. `api.anaplan.com (customer 8a81…)`, or
    /// `api.anaplan.com (tenant not verified)`.
    pub tenant: String,
    /// Whether `tenant` holds an identifier the tenant's own API gave.
    pub verified: bool,
    /// The API user's email, if it is known by any means.
    pub api_user: Option<String>,
    /// Other names of the API user (its id, another login): protected as well.
    pub aliases: Vec<String>,
    /// Lines for previews: how the API user and the tenant were identified, or why not.
    pub notes: Vec<String>,
}

/// What `--api-user` and `--help` say to do when the API user is unknown.
pub const API_USER_HINT: &str = "pass --api-user EMAIL (or set api_user in the profile)";

/// Asks the integration API who the client signs in as, and records the tenant identity in
/// the client (so `tenant_label` carries it from now on). `configured` is `--api-user` or the
/// profile's `api_user`.
pub async fn identify(client: &ScimClient, configured: Option<&str>) -> Identity {
    let host = client.host_label();
    let me = client.signed_in_user().await;
    let login = Some(client.login().trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string);
    let configured = configured
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    let mut id = Identity::default();
    match &me {
        Ok(me) => {
            (id.tenant, id.verified) = match &me.customer_id {
                Some(c) => (format!("{host} (customer {c})"), true),
                None => (format!("{host} (signed-in user {})", me.user_id), true),
            };
            id.api_user = Some(me.email.clone());
            id.aliases.push(me.user_id.clone());
            id.notes.push(format!(
                "API user: {} (from the integration API's users/me)",
                me.email
            ));
        }
        Err(e) => {
            id.tenant = format!("{host} (tenant not verified)");
            id.notes.push(format!(
                "tenant not verified: the integration API's users/me could not be read ({e}); plans and journals are matched by host only"
            ));
        }
    }
    for other in [login, configured].into_iter().flatten() {
        match &id.api_user {
            None => {
                id.notes
                    .push(format!("API user: {other} (from the login or --api-user)"));
                id.api_user = Some(other);
            }
            Some(known) if !known.eq_ignore_ascii_case(&other) => {
                id.notes
                    .push(format!("also protected as the API user: {other}"));
                id.aliases.push(other);
            }
            Some(_) => {}
        }
    }
    if id.api_user.is_none() {
        id.notes.push(format!(
            "API user UNKNOWN: the integration API did not say who signs in and there is no login; {API_USER_HINT} before changing users"
        ));
    }
    client.set_tenant_identity(id.tenant.clone());
    id
}
