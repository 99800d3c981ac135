//! How to reach one tenant: the URLs, the authentication method and its credentials. Low in
//! `scim/`, so that the client, the authenticators and the profiles (config.rs) all read it
//! without an arrow back up. The method itself is `auth/method.rs`, below the errors that name
//! it.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

pub const DEFAULT_SCIM_URL: &str = "https://api.anaplan.com/scim/1/0/v2";
pub const DEFAULT_AUTH_URL: &str = "https://auth.anaplan.com";
pub const DEFAULT_API_URL: &str = "https://api.anaplan.com/2/0";
pub const DEFAULT_AUDIT_URL: &str = "https://audit.anaplan.com/audit/api/1";

pub use crate::scim::auth::method::AuthMethod;

/// Everything needed to reach one tenant. Secrets never come from argv.
#[derive(Debug, Clone)]
pub struct Connection {
    pub scim_url: String,
    pub auth_url: String,
    pub api_url: String,
    /// The Audit API, for verifying runs.
    pub audit_url: String,
    pub auth: AuthMethod,
    pub login: Option<String>,
    /// Password (basic, token) or bearer token; redacted in Debug.
    pub secret: Option<SecretString>,
    pub ca_cert: Option<PathBuf>,
    pub insecure_tls: bool,
    pub timeout: Duration,
    /// The tenant's request budget shared by every task of this client.
    pub rate_per_minute: u32,
    pub max_attempts: u32,
    /// With `AuthMethod::Cert`: the certificate, key and passphrase.
    pub cert: Option<crate::scim::auth::cert::CertCredentials>,
    /// With `AuthMethod::Oauth`: the OAuth server, client id and where the sign-in is kept.
    pub oauth: Option<crate::scim::auth::oauth::OAuthSettings>,
}

impl Default for Connection {
    fn default() -> Self {
        Connection {
            scim_url: DEFAULT_SCIM_URL.into(),
            auth_url: DEFAULT_AUTH_URL.into(),
            api_url: DEFAULT_API_URL.into(),
            audit_url: DEFAULT_AUDIT_URL.into(),
            auth: AuthMethod::Token,
            login: None,
            secret: None,
            ca_cert: None,
            insecure_tls: false,
            timeout: Duration::from_secs(30),
            rate_per_minute: 500,
            max_attempts: 6,
            cert: None,
            oauth: None,
        }
    }
}
