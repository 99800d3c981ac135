//! How a client signs in, a leaf that imports nothing of `scim/`: the connection, the
//! authenticators and the errors' hints all name it. The command line maps its own flag onto
//! it (cli.rs), so no clap derive lives here.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// Basic credentials on every SCIM call.
    Basic,
    /// Anaplan auth token from the auth service, refreshed ahead of its 35-minute expiry.
    #[default]
    Token,
    /// An API key or OAuth access token sent as `Authorization: Bearer`.
    Bearer,
    /// A CA certificate and its RSA key (--cert-file, --key-file) sign in for an Anaplan
    /// auth token.
    Cert,
    /// The OAuth device grant: approve once on any device; the refresh token is kept per
    /// profile.
    Oauth,
}
