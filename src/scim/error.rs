//! Typed errors of the protocol layer. Each message says what went wrong and what to do.

use crate::scim::filter::FilterError;
use crate::scim::model::ModelError;

#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    #[error("invalid filter: {0}")]
    Filter(#[from] FilterError),

    #[error(
        "not authenticated (HTTP 401): {detail}. Check the login and secret (SCIMITAR_PASSWORD / SCIMITAR_BEARER) and the auth method"
    )]
    Unauthorized { detail: String },

    #[error(
        "forbidden (HTTP 403): {detail}. The account needs the User Admin role in Anaplan to use the SCIM API"
    )]
    Forbidden { detail: String },

    #[error("not found: {detail}")]
    NotFound { detail: String },

    #[error("rate limited (HTTP 429) and still limited after {attempts} attempts: {detail}")]
    RateLimited { attempts: u32, detail: String },

    /// Any other HTTP error status with a SCIM error body (or a plain-text one).
    #[error("server answered HTTP {status}{}: {detail}", scim_type.as_deref().map(|t| format!(" ({t})")).unwrap_or_default())]
    Status {
        status: u16,
        scim_type: Option<String>,
        detail: String,
    },

    /// A body that is not the JSON expected: a proxy's HTML page, a truncated response.
    #[error(
        "unexpected response (HTTP {status}, {content_type}): {snippet}. Is the SCIM URL right, or is a proxy in the way?"
    )]
    BadResponse {
        status: u16,
        content_type: String,
        snippet: String,
    },

    /// A paged listing that cannot be trusted (a count past belief, pages that repeat).
    #[error("listing stopped: {0}")]
    BadListing(String),

    #[error("the response could not be read as SCIM data: {0}")]
    Model(#[from] ModelError),

    #[error("cannot reach {url}: {reason}. Check the network, the URL and any proxy settings")]
    Transport { url: String, reason: String },

    #[error("authentication failed: {0}")]
    Auth(String),

    #[error("configuration: {0}")]
    Config(String),

    #[error("cancelled")]
    Cancelled,
}

impl ScimError {
    /// The HTTP status behind this error, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ScimError::Unauthorized { .. } => Some(401),
            ScimError::Forbidden { .. } => Some(403),
            ScimError::NotFound { .. } => Some(404),
            ScimError::RateLimited { .. } => Some(429),
            ScimError::Status { status, .. } | ScimError::BadResponse { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// Worth another try: 429, 5xx, and failures to connect or read.
    pub fn is_transient(&self) -> bool {
        match self {
            ScimError::RateLimited { .. } | ScimError::Transport { .. } => true,
            ScimError::Status { status, .. } | ScimError::BadResponse { status, .. } => {
                *status == 429 || *status >= 500
            }
            _ => false,
        }
    }
}
