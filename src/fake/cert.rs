//! The fake's certificate authority and `CACertificate` sign-in. A CA is generated at start
//! (ECDSA, cheap); the client certificate and its RSA key are made on first use (RSA key
//! generation takes a moment) with the admin account's login as subject. Sign-in checks what
//! Anaplan checks: the scheme, the chain to the CA, the validity dates, the `v2` data format
//! with a recent timestamp, and the SHA512withRSA signature made with the certificate's key.

use std::sync::OnceLock;

use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rsa::pkcs8::{DecodePublicKey, EncodePrivateKey, LineEnding};
use rsa::signature::Verifier;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use time::{Duration as TimeSpan, OffsetDateTime};

use super::auth::Who;
use super::reply::{count, plain};
use super::tenant::now_ms;
use super::{Shared, lock, read};

/// How far the `v2` timestamp may be from the fake's clock.
const CLOCK_SKEW_MS: u64 = 5 * 60 * 1000;

/// A certificate authority that can issue client certificates.
pub struct Authority {
    cert: rcgen::Certificate,
    key: KeyPair,
}

/// A client certificate and its unencrypted PKCS#8 key, both PEM.
#[derive(Clone)]
pub struct ClientMaterial {
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for ClientMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientMaterial")
            .field("key_pem", &"[redacted]")
            .finish()
    }
}

/// An RSA-2048 key (what Anaplan's SHA512withRSA needs).
pub fn rsa_key() -> RsaPrivateKey {
    let mut rng = rsa::rand_core::OsRng;
    RsaPrivateKey::new(&mut rng, 2048).unwrap_or_else(|e| panic!("RSA key generation: {e}"))
}

/// PKCS#8 PEM of a key; encrypted (scrypt + AES-256-CBC) when a passphrase is given.
pub fn key_pem(key: &RsaPrivateKey, passphrase: Option<&str>) -> String {
    let pem = match passphrase {
        None => key.to_pkcs8_pem(LineEnding::LF).map(|z| z.to_string()),
        Some(p) => key
            .to_pkcs8_encrypted_pem(rsa::rand_core::OsRng, p.as_bytes(), LineEnding::LF)
            .map(|z| z.to_string()),
    };
    pem.unwrap_or_else(|e| panic!("PEM encoding of a fresh key: {e}"))
}

impl Authority {
    pub fn generate(name: &str) -> Authority {
        let key = KeyPair::generate().unwrap_or_else(|e| panic!("CA key generation: {e}"));
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, name);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "scimitar fake Anaplan");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let now = OffsetDateTime::now_utc();
        params.not_before = now - TimeSpan::days(1);
        params.not_after = now + TimeSpan::days(3650);
        let cert = params
            .self_signed(&key)
            .unwrap_or_else(|e| panic!("CA certificate: {e}"));
        Authority { cert, key }
    }

    pub fn cert_pem(&self) -> String {
        self.cert.pem()
    }

    /// A client certificate for `login` (its common name) valid from `from` to `until`.
    pub fn issue(
        &self,
        login: &str,
        key: &RsaPrivateKey,
        from: OffsetDateTime,
        until: OffsetDateTime,
    ) -> String {
        let pem = key_pem(key, None);
        let public = KeyPair::from_pem(&pem).unwrap_or_else(|e| panic!("RSA key for rcgen: {e}"));
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, login);
        params.not_before = from;
        params.not_after = until;
        params
            .signed_by(&public, &self.cert, &self.key)
            .unwrap_or_else(|e| panic!("client certificate: {e}"))
            .pem()
    }

    /// A fresh key and a certificate for `login`, valid for a year from yesterday.
    pub fn issue_client(&self, login: &str) -> ClientMaterial {
        let key = rsa_key();
        let now = OffsetDateTime::now_utc();
        ClientMaterial {
            cert_pem: self.issue(
                login,
                &key,
                now - TimeSpan::days(1),
                now + TimeSpan::days(365),
            ),
            key_pem: key_pem(&key, None),
        }
    }
}

/// The fake's CA and its admin client certificate (made on first use).
pub struct Pki {
    pub authority: Authority,
    client: OnceLock<ClientMaterial>,
}

impl Default for Pki {
    fn default() -> Pki {
        Pki {
            authority: Authority::generate("scimitar fake Anaplan CA"),
            client: OnceLock::new(),
        }
    }
}

impl Pki {
    pub fn client(&self, login: &str) -> &ClientMaterial {
        self.client
            .get_or_init(|| self.authority.issue_client(login))
    }
}

fn failure(s: &Shared, status: StatusCode, code: &str, message: &str) -> Response {
    if status == StatusCode::UNAUTHORIZED {
        lock(&s.stats).unauthorized += 1;
    }
    plain(
        status,
        "application/json",
        json!({"status": code, "statusMessage": message}).to_string(),
    )
}

/// Answers `POST /auth/token/authenticate` with a `CACertificate` header; `None` for every
/// other request, which the auth service handles.
pub(crate) fn intercept(
    s: &Shared,
    method: &Method,
    what: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Response> {
    let h = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (word, rest) = h.split_once(' ')?;
    if what != "authenticate" || !word.eq_ignore_ascii_case("cacertificate") {
        return None;
    }
    count(s, "authenticate");
    count(s, "cert_authenticate");
    if *method != Method::POST {
        return Some(plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "Method Not Allowed".into(),
        ));
    }
    Some(match verify(s, rest.trim(), body) {
        Err((status, code, message)) => failure(s, status, code, &message),
        Ok(who) => {
            let (value, r) = lock(&s.tokens).issue(who);
            plain(
                StatusCode::CREATED,
                "application/json",
                json!({
                    "meta": {"validationUrl": format!("{}/token/validate", s.auth_url)},
                    "status": "SUCCESS",
                    "statusMessage": "Login successful",
                    "tokenInfo": {"tokenId": r.token_id, "tokenValue": value,
                                  "expiresAt": r.expires_at_ms, "refreshTokenId": r.refresh_token_id}
                })
                .to_string(),
            )
        }
    })
}

type Refusal = (StatusCode, &'static str, String);

fn bad_header(m: &str) -> Refusal {
    (StatusCode::BAD_REQUEST, "FAILURE_BAD_HEADER", m.to_string())
}

fn bad_credential(m: &str) -> Refusal {
    (
        StatusCode::UNAUTHORIZED,
        "FAILURE_BAD_CREDENTIAL",
        m.to_string(),
    )
}

fn verify(s: &Shared, cert_b64: &str, body: &[u8]) -> Result<Who, Refusal> {
    let pem = STANDARD
        .decode(cert_b64)
        .map_err(|_| bad_header("The CACertificate value is not base64"))?;
    let (_, pem) = x509_parser::pem::parse_x509_pem(&pem)
        .map_err(|_| bad_header("The CACertificate value is not a PEM certificate"))?;
    let cert = pem
        .parse_x509()
        .map_err(|_| bad_header("The CACertificate value is not a readable certificate"))?;
    let ca_der = s.pki.authority.cert.der().to_vec();
    let (_, ca) = x509_parser::parse_x509_certificate(&ca_der)
        .map_err(|_| bad_header("internal: the fake's CA does not parse"))?;
    if cert.issuer() != ca.subject() || cert.verify_signature(Some(ca.public_key())).is_err() {
        return Err(bad_credential(
            "The certificate was not issued by a certificate authority trusted by this tenant",
        ));
    }
    if !cert.validity().is_valid() {
        return Err(bad_credential(
            "The certificate has expired or is not yet valid",
        ));
    }
    let body: Value = serde_json::from_slice(body)
        .map_err(|_| bad_header("The body must be JSON with encodedData and encodedSignedData"))?;
    if body.get("encodedDataFormat").and_then(Value::as_str) != Some("v2") {
        return Err(bad_header(
            "encodedDataFormat \"v2\" is required (an 8-byte timestamp before the random data)",
        ));
    }
    let field = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .and_then(|v| STANDARD.decode(v).ok())
            .ok_or_else(|| bad_header(&format!("{k} is missing or not base64")))
    };
    let (data, signature) = (field("encodedData")?, field("encodedSignedData")?);
    if data.len() < 8 + 100 {
        return Err(bad_header(
            "encodedData must hold a timestamp and at least 100 random bytes",
        ));
    }
    let mut stamp = [0u8; 8];
    stamp.copy_from_slice(&data[..8]);
    if u64::from_be_bytes(stamp).abs_diff(now_ms()) > CLOCK_SKEW_MS {
        return Err(bad_credential(
            "The encodedData timestamp is too far from the server's clock",
        ));
    }
    let public = RsaPublicKey::from_public_key_der(cert.public_key().raw)
        .map_err(|_| bad_credential("The certificate's key is not an RSA key"))?;
    let sig = rsa::pkcs1v15::Signature::try_from(signature.as_slice())
        .map_err(|_| bad_credential("encodedSignedData is not a signature"))?;
    rsa::pkcs1v15::VerifyingKey::<sha2::Sha512>::new(public)
        .verify(&data, &sig)
        .map_err(|_| {
            bad_credential(
                "encodedSignedData is not the certificate key's signature of encodedData",
            )
        })?;
    let cn = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|c| c.as_str().ok())
        .unwrap_or("")
        .to_string();
    let t = read(&s.tenant);
    if t.admin.login.eq_ignore_ascii_case(&cn) {
        Ok(Who::Admin)
    } else if t.no_admin.login.eq_ignore_ascii_case(&cn) {
        Ok(Who::NoAdmin)
    } else {
        Err(bad_credential(
            "No user of this tenant has this certificate",
        ))
    }
}
