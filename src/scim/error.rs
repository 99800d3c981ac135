//! Typed errors of the protocol layer. Each message says what went wrong and what to do.

use crate::scim::auth::method::AuthMethod;
use crate::scim::filter::FilterError;
use crate::scim::model::ModelError;

/// What to check after a 401, for the sign-in method in use.
fn unauthorized_hint(method: Option<AuthMethod>) -> &'static str {
    match method {
        Some(AuthMethod::Basic | AuthMethod::Token) => {
            "Check the login and password (SCIMITAR_LOGIN, SCIMITAR_PASSWORD, --secret-file or the prompt) and the auth method"
        }
        Some(AuthMethod::Bearer) => {
            "Check the token or API key (SCIMITAR_BEARER, --secret-file or the prompt) and the auth method"
        }
        Some(AuthMethod::Cert) => {
            "Check the certificate sign-in: --cert-file issued by a certificate authority uploaded to Anaplan, in date, --key-file its key, for a user with the User Admin role"
        }
        Some(AuthMethod::Oauth) => {
            "Check the OAuth sign-in: run `scimitar auth logout` and sign in again to approve, and check --client-id and --oauth-url"
        }
        None => "Check the credentials and the auth method (--auth)",
    }
}

/// One of several users a name matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub user_name: String,
    pub active: bool,
}

fn listed(candidates: &[Candidate]) -> String {
    candidates
        .iter()
        .map(|c| {
            format!(
                "\n  {}  {}  active: {}",
                c.id,
                c.user_name,
                if c.active { "yes" } else { "no" }
            )
        })
        .collect()
}

/// The last word of a name, the likeliest family name, quotes left out.
fn family_guess(key: &str) -> String {
    key.split_whitespace()
        .last()
        .unwrap_or(key)
        .replace('"', "")
}

/// `. Tried URL; ...`: the address decoded (a person typed spaces, not `%20`), and the option
/// that sets it when the 404 says the address itself is wrong.
fn tried(url: &str, set_by: &str) -> String {
    if url.is_empty() {
        return String::new();
    }
    let shown = percent_encoding::percent_decode_str(url).decode_utf8_lossy();
    match set_by {
        "" => format!(" (at {shown})"),
        by => format!(". Tried {shown}: is the address right? It is set by {by}"),
    }
}

/// The option that sets the base of `url`, among the client's bases (SCIM, integration API,
/// audit); empty for a single user's resource, whose 404 says only that the user is not there.
pub fn set_by(url: &str, scim: &str, api: &str, audit: &str) -> &'static str {
    let single_user = url
        .strip_prefix(scim)
        .and_then(|rest| rest.strip_prefix("/Users/"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'));
    if single_user {
        ""
    } else if url.starts_with(scim) {
        "--scim-url (SCIMITAR_SCIM_URL)"
    } else if url.starts_with(api) {
        "--api-url (SCIMITAR_API_URL)"
    } else if url.starts_with(audit) {
        "--audit-url (SCIMITAR_AUDIT_URL)"
    } else {
        "--scim-url, --api-url or --audit-url"
    }
}

/// Bytes as a person reads them: "4.0 MiB", "512 B".
pub fn human_size(n: u64) -> String {
    if n < 1024 {
        return format!("{n} B");
    }
    let (mut v, mut unit) = (n as f64 / 1024.0, "KiB");
    for u in ["MiB", "GiB"] {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    #[error("invalid filter: {0}")]
    Filter(#[from] FilterError),

    /// `method` is the sign-in in use, filled in by the client, so the hint names what to check.
    #[error("not authenticated (HTTP 401): {detail}. {}", unauthorized_hint(*method))]
    Unauthorized {
        detail: String,
        method: Option<AuthMethod>,
    },

    #[error(
        "forbidden (HTTP 403): {detail}. The account needs the User Admin role in Anaplan to use the SCIM API"
    )]
    Forbidden { detail: String },

    /// `url` (when known) is the address tried and `set_by` the option that sets its base, both
    /// filled in by the client; `set_by` is empty for a 404 that only says a user is not there.
    #[error("not found (HTTP 404): {detail}{}", tried(url, set_by))]
    NotFound {
        detail: String,
        url: String,
        set_by: &'static str,
    },

    /// Nobody matches what a person typed to name a user.
    #[error(
        "no user has the id, email, externalId or name `{key}`. To search by family name: scimitar users list --filter 'name.familyName eq \"{}\"'",
        family_guess(key)
    )]
    NoSuchUser { key: String },

    /// Several users match a name: listed, never guessed.
    #[error("`{key}` matches {} users; give one's id or email:{}", candidates.len(), listed(candidates))]
    Ambiguous {
        key: String,
        candidates: Vec<Candidate>,
    },

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

    /// `GET /Users/{id}` answered 200 with someone else: never acted on, never "gone".
    #[error("server answered for a different user (id {got}); asked for {asked}")]
    OtherUser { asked: String, got: String },

    #[error("the response could not be read as SCIM data: {0}")]
    Model(#[from] ModelError),

    #[error("cannot reach {}: {reason}. Check the network, the URL and any proxy settings", percent_encoding::percent_decode_str(url).decode_utf8_lossy())]
    Transport { url: String, reason: String },

    /// An answer over the size cap: never read whole. `seen` is what was read (or what
    /// Content-Length announced) when reading stopped.
    #[error(
        "the answer from {url} is over the {} cap for {what} (at least {}); it was not read. A server sending this much is misbehaving",
        human_size(*limit), human_size(*seen)
    )]
    TooLarge {
        url: String,
        what: &'static str,
        limit: u64,
        seen: u64,
    },

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
            ScimError::NotFound { .. } | ScimError::NoSuchUser { .. } => Some(404),
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

#[cfg(test)]
mod hint_tests {
    use super::*;

    fn message(method: AuthMethod) -> String {
        ScimError::Unauthorized {
            detail: "no".into(),
            method: Some(method),
        }
        .to_string()
    }

    #[test]
    fn a_401_names_what_applies_to_the_sign_in_in_use() {
        for (method, wanted) in [
            (AuthMethod::Cert, "--cert-file"),
            (AuthMethod::Oauth, "auth logout"),
            (AuthMethod::Bearer, "SCIMITAR_BEARER"),
            (AuthMethod::Token, "SCIMITAR_PASSWORD"),
            (AuthMethod::Basic, "SCIMITAR_PASSWORD"),
        ] {
            let m = message(method);
            assert!(m.contains(wanted), "{method:?}: {m}");
        }
        for method in [AuthMethod::Cert, AuthMethod::Oauth] {
            let m = message(method);
            assert!(
                !m.contains("SCIMITAR_PASSWORD") && !m.contains("SCIMITAR_BEARER"),
                "{method:?}: {m}"
            );
        }
    }
}

#[cfg(test)]
mod not_found_tests {
    use super::*;

    const SCIM: &str = "https://h/scim/1/0/v2";

    #[test]
    fn a_404_names_the_url_tried_and_the_option_that_sets_it() {
        let by = set_by(
            "https://h/scim/1/0/v2/Users",
            SCIM,
            "https://h/2/0",
            "https://a",
        );
        let e = ScimError::NotFound {
            detail: "Not Found".into(),
            url: "https://h/scim/1/0/v2/Users".into(),
            set_by: by,
        };
        let m = e.to_string();
        assert!(m.contains("Tried https://h/scim/1/0/v2/Users"), "{m}");
        assert!(m.contains("--scim-url (SCIMITAR_SCIM_URL)"), "{m}");
        let api = set_by("https://h/2/0/users/me", SCIM, "https://h/2/0", "https://a");
        assert_eq!(api, "--api-url (SCIMITAR_API_URL)");
        // A user that is not there is not a wrong address.
        assert_eq!(
            set_by("https://h/scim/1/0/v2/Users/abc", SCIM, "x", "y"),
            ""
        );
    }

    #[test]
    fn names_are_shown_as_typed_never_url_encoded() {
        let e = ScimError::NotFound {
            detail: "no".into(),
            url: "https://h/scim/1/0/v2/Users/Karen%20Rivera".into(),
            set_by: "",
        };
        let m = e.to_string();
        assert!(m.contains("Karen Rivera") && !m.contains("%20"), "{m}");
        let m = ScimError::NoSuchUser {
            key: "Karen Rivera".into(),
        }
        .to_string();
        assert!(
            m.contains(r#"users list --filter 'name.familyName eq "Rivera"'"#),
            "{m}"
        );
    }
}
