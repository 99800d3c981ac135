//! `scimitar auth status`, and what connecting needs for certificate sign-in: the files
//! from flags, environment or profile, and an encrypted key's passphrase (environment or a
//! prompt that does not echo).

use std::io::{IsTerminal, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};

use crate::cli::ConnArgs;
use crate::config::Profile;
use crate::scim::ScimClient;
use crate::scim::auth::cert::{self, CertCredentials};
use crate::scim::auth::oauth::{DevicePrompt, OAuthSettings, ShowPrompt};
use crate::scim::client::AuthMethod;

/// The certificate and key for `--auth cert` (`None` for other methods).
pub fn cert_credentials(
    args: &ConnArgs,
    profile: &Profile,
    auth: AuthMethod,
) -> anyhow::Result<Option<CertCredentials>> {
    if auth != AuthMethod::Cert {
        return Ok(None);
    }
    let cert_file = args
        .cert_file
        .clone()
        .or(profile.cert_file.clone())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--auth cert needs the certificate: pass --cert-file PEM, set SCIMITAR_CERT_FILE, or cert_file in the profile"
            )
        })?;
    let key_file = args
        .key_file
        .clone()
        .or(profile.key_file.clone())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--auth cert needs the private key: pass --key-file PEM, set SCIMITAR_KEY_FILE, or key_file in the profile"
            )
        })?;
    let key = cert::read_key_file(&key_file)?;
    let passphrase = if cert::key_is_encrypted(key.expose_secret()) {
        passphrase(&key_file)?
    } else {
        None
    };
    Ok(Some(CertCredentials {
        cert_file,
        key_file,
        passphrase,
    }))
}

fn passphrase(key_file: &std::path::Path) -> anyhow::Result<Option<SecretString>> {
    if let Ok(v) = std::env::var("SCIMITAR_KEY_PASSPHRASE")
        && !v.is_empty()
    {
        return Ok(Some(SecretString::from(v)));
    }
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        let v = rpassword::prompt_password(format!(
            "Passphrase of {} (not echoed): ",
            key_file.display()
        ))?;
        if !v.is_empty() {
            return Ok(Some(SecretString::from(v)));
        }
    }
    Ok(None)
}

/// On stderr, once per run: the certificate ends within 30 days.
pub fn warn_expiry(client: &ScimClient) {
    if let Some(w) = client
        .authenticator()
        .certificate()
        .and_then(|c| c.expiry_warning())
    {
        tracing::warn!("{w}");
        eprintln!("{w}");
    }
}

fn method_name(m: AuthMethod) -> &'static str {
    match m {
        AuthMethod::Basic => "basic (login and password on every request)",
        AuthMethod::Token => "token (Anaplan auth token from a login and password)",
        AuthMethod::Bearer => "bearer (API key or OAuth access token)",
        AuthMethod::Cert => "cert (Anaplan auth token from a CA certificate)",
        AuthMethod::Oauth => {
            "oauth (OAuth device grant; access token refreshed with the kept refresh token)"
        }
    }
}

/// Signs in, asks the integration API who that is, and says until when the session lasts.
pub async fn status(
    client: &ScimClient,
    profile: &str,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let auth = client.authenticator();
    writeln!(out, "profile:      {profile}")?;
    writeln!(out, "method:       {}", method_name(auth.method()))?;
    if let Some(c) = auth.certificate() {
        writeln!(out, "certificate:  {}", c.subject)?;
        let days = (c.not_after - now_secs()).max(0) / 86_400;
        writeln!(
            out,
            "cert expires: {} ({days} days left)",
            cert::date(c.not_after)
        )?;
    }
    let me = client.signed_in_user().await?;
    writeln!(out, "signed in as: {} (user id {})", me.email, me.user_id)?;
    match auth.session_expires().await {
        Some(t) => {
            let secs = t
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            writeln!(
                out,
                "until:        {} (renewed ahead of its end while scimitar runs)",
                cert::date(secs)
            )?;
        }
        None => writeln!(
            out,
            "until:        the credentials are sent with every request; they last as long as the password or key"
        )?,
    }
    if let Some(w) = auth.certificate().and_then(|c| c.expiry_warning()) {
        writeln!(out, "{w}")?;
    }
    Ok(())
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Writes the fake's client certificate and key (0600) in a private temporary directory and
/// names them in `fake serve`'s first line; returns the directory, to remove at the end.
pub fn fake_cert_files(
    server: &crate::fake::FakeServer,
    announce: &mut serde_json::Value,
) -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "scimitar-fake-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    crate::config::create_private_dir(&dir)?;
    let (cert, key) = server.write_cert_files(&dir)?;
    if let Some(o) = announce.as_object_mut() {
        o.insert("oauth_url".into(), server.oauth_url.clone().into());
        o.insert("client_id".into(), server.client_id.clone().into());
        o.insert("cert_file".into(), cert.display().to_string().into());
        o.insert("key_file".into(), key.display().to_string().into());
    }
    Ok(dir)
}

/// The OAuth settings for `--auth oauth` (`None` for other methods); a missing URL or client
/// id is reported when the client is built.
pub fn oauth_settings(
    args: &ConnArgs,
    profile: &Profile,
    store: &std::path::Path,
    auth: AuthMethod,
) -> Option<OAuthSettings> {
    if auth != AuthMethod::Oauth {
        return None;
    }
    let no_qr = args.no_qr;
    let show: ShowPrompt = std::sync::Arc::new(move |p: &DevicePrompt| {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(prompt_text(p, !no_qr).as_bytes());
        let _ = err.flush();
    });
    Some(OAuthSettings {
        oauth_url: args
            .oauth_url
            .clone()
            .or(profile.oauth_url.clone())
            .unwrap_or_default(),
        client_id: args
            .client_id
            .clone()
            .or(profile.client_id.clone())
            .unwrap_or_default(),
        store: Some(store.to_path_buf()),
        show: Some(show),
    })
}

/// What the operator reads to approve a device sign-in: the URL, the code, and the URL with
/// the code as a QR code in text characters (scannable from a phone over SSH).
pub fn prompt_text(p: &DevicePrompt, qr: bool) -> String {
    let mut s = String::new();
    s.push_str("\nTo sign in, open this address on any device:\n\n");
    s.push_str(&format!("    {}\n\n", p.verification_uri));
    s.push_str(&format!("and enter the code:  {}\n", p.user_code));
    if let Some(full) = &p.verification_uri_complete {
        s.push_str(&format!("\nor open directly:  {full}\n"));
        if qr && let Ok(code) = qrcode::QrCode::new(full.as_bytes()) {
            s.push('\n');
            s.push_str(
                &code
                    .render::<qrcode::render::unicode::Dense1x2>()
                    .dark_color(qrcode::render::unicode::Dense1x2::Light)
                    .light_color(qrcode::render::unicode::Dense1x2::Dark)
                    .quiet_zone(true)
                    .build(),
            );
            s.push('\n');
        }
    }
    s.push_str(&format!(
        "\nWaiting for approval (the code expires in {} minutes)...\n",
        p.expires_in.as_secs().div_ceil(60)
    ));
    s
}

/// `scimitar auth logout`: forgets the profile's OAuth sign-in.
pub fn logout(args: &ConnArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let paths = crate::config::Paths::discover();
    let file = paths.config_file();
    let config = crate::config::ConfigFile::load(&file)?;
    let (name, _) = config.profile(args.profile.as_deref(), &file)?;
    let path = paths.oauth_file(&name);
    if crate::scim::auth::oauth::forget(&path)? {
        writeln!(out, "Forgot the OAuth sign-in of profile {name}.")?;
    } else {
        writeln!(out, "No OAuth sign-in was kept for profile {name}.")?;
    }
    Ok(())
}

/// The device grant prints its prompt on the terminal, so it runs before the TUI takes the
/// screen; other methods sign in on the first request as usual.
pub async fn sign_in_before_tui(client: &ScimClient) -> anyhow::Result<()> {
    if client.authenticator().method() == AuthMethod::Oauth {
        client.sign_in().await?;
    }
    Ok(())
}

/// A connection to the demo's fake with any auth method; for `cert`, the certificate and key
/// go in a private temporary directory that lives as long as the returned guard.
pub fn demo_connection(
    fake: &crate::fake::FakeServer,
    auth: Option<AuthMethod>,
    no_qr: bool,
) -> anyhow::Result<(crate::scim::Connection, Option<TempDirGuard>)> {
    let mut conn = fake.connection();
    let auth = auth.unwrap_or_default();
    conn.auth = auth;
    let mut guard = None;
    match auth {
        AuthMethod::Token | AuthMethod::Basic => {}
        AuthMethod::Bearer => {
            conn.login = None;
            conn.secret = Some(SecretString::from(fake.api_key.clone()));
        }
        AuthMethod::Cert => {
            let dir = std::env::temp_dir().join(format!(
                "scimitar-demo-{}-{}",
                std::process::id(),
                rand::random::<u32>()
            ));
            crate::config::create_private_dir(&dir)?;
            let (cert_file, key_file) = fake.write_cert_files(&dir)?;
            guard = Some(TempDirGuard(dir));
            conn.login = None;
            conn.secret = None;
            conn.cert = Some(CertCredentials {
                cert_file,
                key_file,
                passphrase: None,
            });
        }
        AuthMethod::Oauth => {
            let args = ConnArgs {
                oauth_url: Some(fake.oauth_url.clone()),
                client_id: Some(fake.client_id.clone()),
                no_qr,
                ..ConnArgs::default()
            };
            let mut s = oauth_settings(&args, &Profile::default(), std::path::Path::new(""), auth)
                .ok_or_else(|| anyhow::anyhow!("no OAuth settings"))?;
            // The demo keeps its sign-in in memory only.
            s.store = None;
            conn.login = None;
            conn.secret = None;
            conn.oauth = Some(s);
        }
    }
    Ok((conn, guard))
}

/// Removes a temporary directory when dropped.
pub struct TempDirGuard(pub std::path::PathBuf);

impl Drop for TempDirGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_prompt_shows_address_code_and_a_qr_code_unless_asked_not_to() {
        let p = DevicePrompt {
            verification_uri: "https://example.com/activate".into(),
            verification_uri_complete: Some(
                "https://example.com/activate?user_code=ABCD-EFGH".into(),
            ),
            user_code: "ABCD-EFGH".into(),
            expires_in: Duration::from_secs(600),
        };
        let with = prompt_text(&p, true);
        assert!(with.contains("https://example.com/activate\n"), "{with}");
        assert!(
            with.contains("ABCD-EFGH") && with.contains("10 minutes"),
            "{with}"
        );
        assert!(with.contains('█'), "a QR code: {with}");
        let without = prompt_text(&p, false);
        assert!(
            without.contains("ABCD-EFGH") && !without.contains('█'),
            "{without}"
        );
    }

    #[test]
    fn a_profile_name_cannot_lead_the_oauth_file_out_of_its_directory() {
        let paths = crate::config::Paths {
            config_dir: "/c".into(),
            data_dir: "/d".into(),
        };
        assert_eq!(
            paths.oauth_file("../../etc/x"),
            std::path::PathBuf::from("/d/oauth/______etc_x.json")
        );
        assert_eq!(
            paths.oauth_file("prod-eu_3"),
            std::path::PathBuf::from("/d/oauth/prod-eu_3.json")
        );
    }
}
