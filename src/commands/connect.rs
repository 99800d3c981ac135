//! From arguments, environment and profile to a connected client. The only place that
//! reads secrets: SCIMITAR_PASSWORD / SCIMITAR_BEARER, a private file, or a prompt.

use std::io::IsTerminal;
use std::time::Duration;

use secrecy::SecretString;

use crate::cli::ConnArgs;
use crate::commands::run::Refused;
use crate::config::{ConfigFile, Paths, Profile, read_secret_file};
use crate::plan::Protected;
use crate::scim::ScimClient;
use crate::scim::client::{
    AuthMethod, Connection, DEFAULT_API_URL, DEFAULT_AUTH_URL, DEFAULT_SCIM_URL,
};
use crate::scim::identity::{API_USER_HINT, Identity, identify};

/// A client and what the screens and plans need to know about where it points.
pub struct Connected {
    pub client: ScimClient,
    pub profile_name: String,
    pub profile: Profile,
    pub paths: Paths,
    /// Who signs in and which tenant this is; `None` until [`Connected::identify`].
    pub identity: Option<Identity>,
    /// `--api-user`, else the profile's `api_user`.
    pub api_user: Option<String>,
}

impl Connected {
    /// Identifies the API user and the tenant (one request to the integration API) and makes
    /// the client report the tenant identity. Every command that changes users calls it first.
    pub async fn identify(mut self) -> Connected {
        self.identity = Some(identify(&self.client, self.api_user.as_deref()).await);
        self
    }

    /// The tenant's user cache. Keyed by the tenant identity and the login: every Anaplan
    /// tenant shares one host, so the host alone (when the identity is unknown) is not enough.
    pub fn cache_file(&self) -> crate::cache::CacheFile {
        let identity = format!("{} as {}", self.client.tenant_label(), self.client.login());
        crate::cache::CacheFile {
            path: crate::cache::file_for(&self.paths.cache_dir(), &identity),
            identity,
        }
    }

    /// Accounts no plan may change: the API user under every name it is known by, and the
    /// profile's break-glass list.
    pub fn protected(&self) -> Protected {
        let id = self.identity.as_ref();
        let mut accounts = self.profile.protected.clone();
        accounts.extend(id.map(|i| i.aliases.clone()).unwrap_or_default());
        let api_user = id
            .and_then(|i| i.api_user.clone())
            .or_else(|| Some(self.client.login().to_string()).filter(|l| !l.is_empty()));
        Protected { api_user, accounts }
    }

    /// Refuses a change when nobody knows who the API user is: it could be among the users.
    pub fn require_api_user(&self) -> Result<(), Refused> {
        if self.protected().api_user.is_some() {
            return Ok(());
        }
        Err(Refused(format!(
            "refusing to change users: the API user could not be identified (the integration API's users/me did not answer and there is no login), so it could be among them; {API_USER_HINT}. Nothing was sent"
        )))
    }
}

pub fn connect(args: &ConnArgs) -> anyhow::Result<Connected> {
    let paths = Paths::discover();
    let file = paths.config_file();
    let config = ConfigFile::load(&file)?;
    let (profile_name, profile) = config.profile(args.profile.as_deref(), &file)?;
    let auth = args.auth.or(profile.auth).unwrap_or_default();
    let login = args
        .login
        .clone()
        .or(profile.login.clone())
        .filter(|l| !l.trim().is_empty());
    if matches!(auth, AuthMethod::Basic | AuthMethod::Token) && login.is_none() {
        // Asked before any prompt: a password for no login cannot work.
        anyhow::bail!(how_to_connect(auth, &file));
    }
    let secret = match auth {
        AuthMethod::Cert | AuthMethod::Oauth => None,
        _ => read_secret(args, &profile, auth, login.as_deref())?,
    };
    let cert = crate::commands::auth::cert_credentials(args, &profile, auth)?;
    if args.insecure_skip_tls_verify {
        eprintln!(
            "WARNING: TLS certificate verification is OFF (--insecure-skip-tls-verify). Anyone on the path can read the credentials and change users."
        );
    }
    let conn = Connection {
        scim_url: args
            .scim_url
            .clone()
            .or(profile.scim_url.clone())
            .unwrap_or_else(|| DEFAULT_SCIM_URL.into()),
        auth_url: args
            .auth_url
            .clone()
            .or(profile.auth_url.clone())
            .unwrap_or_else(|| DEFAULT_AUTH_URL.into()),
        api_url: args
            .api_url
            .clone()
            .or(profile.api_url.clone())
            .unwrap_or_else(|| DEFAULT_API_URL.into()),
        audit_url: args
            .audit_url
            .clone()
            .or(profile.audit_url.clone())
            .unwrap_or_else(|| crate::scim::client::DEFAULT_AUDIT_URL.into()),
        auth,
        login,
        secret,
        ca_cert: args.ca_cert.clone().or(profile.ca_cert.clone()),
        insecure_tls: args.insecure_skip_tls_verify,
        timeout: Duration::from_secs(args.timeout.max(1)),
        rate_per_minute: args.rate_limit.or(profile.rate_limit).unwrap_or(500),
        cert,
        oauth: crate::commands::auth::oauth_settings(
            args,
            &profile,
            &paths.oauth_file(&profile_name),
            auth,
        ),
        ..Connection::default()
    };
    let client = ScimClient::new(conn)?;
    crate::commands::auth::warn_expiry(&client);
    let api_user = args.api_user.clone().or(profile.api_user.clone());
    Ok(Connected {
        client,
        profile_name,
        profile,
        paths,
        identity: None,
        api_user,
    })
}

/// What a first run without a login is told instead of a password prompt.
fn how_to_connect(auth: AuthMethod, config: &std::path::Path) -> String {
    format!(
        "no login to sign in with (--auth {} needs one). To connect to an Anaplan tenant:\n  \
         - set SCIMITAR_LOGIN (or --login) to the User Admin account's email, and SCIMITAR_PASSWORD (or --secret-file FILE, mode 0600; a terminal is asked otherwise);\n  \
         - or sign in with an API key: --auth bearer and SCIMITAR_BEARER; or a certificate: --auth cert --cert-file PEM --key-file PEM; or OAuth: --auth oauth --client-id ID;\n  \
         - or name these in a profile in {} (see README, \"Profiles\").\n\
         To try scimitar without an Anaplan account: scimitar demo",
        match auth {
            AuthMethod::Basic => "basic",
            _ => "token",
        },
        config.display()
    )
}

fn read_secret(
    args: &ConnArgs,
    profile: &Profile,
    auth: AuthMethod,
    login: Option<&str>,
) -> anyhow::Result<Option<SecretString>> {
    let var = match auth {
        AuthMethod::Bearer => "SCIMITAR_BEARER",
        _ => "SCIMITAR_PASSWORD",
    };
    if let Ok(v) = std::env::var(var)
        && !v.is_empty()
    {
        return Ok(Some(SecretString::from(v)));
    }
    if let Some(path) = args.secret_file.as_ref().or(profile.secret_file.as_ref()) {
        return Ok(Some(SecretString::from(read_secret_file(path)?)));
    }
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        let v = rpassword::prompt_password(secret_prompt(auth, login))?;
        if !v.is_empty() {
            return Ok(Some(SecretString::from(v)));
        }
    }
    Ok(None)
}

/// What the terminal is asked for: a password names the login it signs in (as typed in
/// the config or the environment, hidden characters shown).
fn secret_prompt(auth: AuthMethod, login: Option<&str>) -> String {
    match (auth, login) {
        (AuthMethod::Bearer, _) => "API key or OAuth access token (not echoed): ".into(),
        (_, Some(login)) => format!(
            "Password for {} (not echoed): ",
            crate::untrusted::line(login)
        ),
        (_, None) => "Password (not echoed): ".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_prompt_names_its_login() {
        assert_eq!(
            secret_prompt(AuthMethod::Basic, Some("admin@example.com")),
            "Password for admin@example.com (not echoed): "
        );
        assert_eq!(
            secret_prompt(AuthMethod::Token, Some("a\u{1b}[2Jb@example.com")),
            "Password for a<U+001B>[2Jb@example.com (not echoed): "
        );
        assert!(secret_prompt(AuthMethod::Bearer, Some("x@example.com")).starts_with("API key"));
    }
}
