//! CA certificate authentication (Anaplan's recommendation for unattended jobs): the
//! certificate and its RSA key are read once, checked locally (key private, key matches
//! certificate, certificate in date) so a bad setup fails with a message naming the file,
//! and each sign-in signs fresh random data in Anaplan's `v2` format.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::signature::{SignatureEncoding, Signer};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::scim::error::ScimError;

/// Random bytes signed per sign-in (Anaplan asks for at least 100), after the timestamp.
const RANDOM_BYTES: usize = 150;

/// Days before expiry from which every use warns.
pub const WARN_DAYS: i64 = 30;

/// Where the certificate and key are; the passphrase of an encrypted key, if any.
#[derive(Debug, Clone)]
pub struct CertCredentials {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    /// Redacted in Debug by `SecretString`.
    pub passphrase: Option<SecretString>,
}

/// A loaded certificate and key, ready to sign.
pub struct CertSigner {
    /// The PEM text of the certificate, base64-encoded, as the `CACertificate` scheme wants.
    header_value: String,
    key: RsaPrivateKey,
    pub subject: String,
    /// Seconds since the epoch.
    pub not_after: i64,
}

impl std::fmt::Debug for CertSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertSigner")
            .field("subject", &self.subject)
            .field("not_after", &self.not_after)
            .field("key", &"[redacted]")
            .finish()
    }
}

fn config(msg: String) -> ScimError {
    ScimError::Config(msg)
}

/// What the key file holds, by its PEM label.
pub fn key_is_encrypted(pem: &str) -> bool {
    pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || pem.contains("Proc-Type: 4,ENCRYPTED")
}

/// Reads a key file that only its owner may read (refused otherwise, with the chmod hint).
pub fn read_key_file(path: &Path) -> Result<SecretString, ScimError> {
    crate::private_file::read_secret_file(path)
        .map(SecretString::from)
        .map_err(|e| config(format!("the private key: {e}")))
}

impl CertSigner {
    pub fn load(creds: &CertCredentials) -> Result<CertSigner, ScimError> {
        let cert_path = &creds.cert_file;
        let cert_pem = std::fs::read(cert_path).map_err(|e| {
            config(format!(
                "cannot read the certificate {}: {e}",
                cert_path.display()
            ))
        })?;
        let info = CertInfo::parse(&cert_pem, cert_path)?;
        let key_pem = read_key_file(&creds.key_file)?;
        let key = parse_key(
            key_pem.expose_secret(),
            &creds.key_file,
            creds.passphrase.as_ref(),
        )?;
        let key_spki = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| config(format!("cannot encode the key's public half: {e}")))?;
        if key_spki.as_bytes() != info.spki.as_slice() {
            return Err(config(format!(
                "the private key {} does not belong to the certificate {} (their public keys differ); give the key the certificate was issued for",
                creds.key_file.display(),
                cert_path.display()
            )));
        }
        let now = now_secs();
        if info.not_after < now {
            return Err(config(format!(
                "the certificate {} ({}) expired on {}; ask your certificate authority for a new one and upload it to Anaplan",
                cert_path.display(),
                info.subject,
                date(info.not_after)
            )));
        }
        if info.not_before > now {
            return Err(config(format!(
                "the certificate {} ({}) is not valid before {}",
                cert_path.display(),
                info.subject,
                date(info.not_before)
            )));
        }
        Ok(CertSigner {
            header_value: STANDARD.encode(&cert_pem),
            key,
            subject: info.subject,
            not_after: info.not_after,
        })
    }

    /// `CACertificate <base64 of the PEM certificate>`.
    pub fn authorization(&self) -> String {
        format!("CACertificate {}", self.header_value)
    }

    /// `encodedData` (an 8-byte big-endian millisecond timestamp, then random bytes),
    /// its SHA512withRSA signature, and the `v2` format marker.
    pub fn body(&self) -> Result<Value, ScimError> {
        let mut data = Vec::with_capacity(8 + RANDOM_BYTES);
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        data.extend_from_slice(&ms.to_be_bytes());
        let mut random = [0u8; RANDOM_BYTES];
        rand::rng().fill_bytes(&mut random);
        data.extend_from_slice(&random);
        let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(self.key.clone());
        let signature = signer
            .try_sign(&data)
            .map_err(|e| config(format!("cannot sign with the private key: {e}")))?;
        Ok(json!({
            "encodedData": STANDARD.encode(&data),
            "encodedSignedData": STANDARD.encode(signature.to_bytes()),
            "encodedDataFormat": "v2",
        }))
    }

    /// A warning when the certificate ends within [`WARN_DAYS`].
    pub fn expiry_warning(&self) -> Option<String> {
        expiry_warning(&self.subject, self.not_after)
    }
}

pub fn expiry_warning(subject: &str, not_after: i64) -> Option<String> {
    let left = not_after - now_secs();
    (left < WARN_DAYS * 86_400).then(|| {
        format!(
            "WARNING: the certificate {subject} expires on {} ({} days left); renew it before then",
            date(not_after),
            left.max(0) / 86_400
        )
    })
}

/// Subject, validity and public key of a PEM certificate.
pub struct CertInfo {
    pub subject: String,
    pub not_before: i64,
    pub not_after: i64,
    pub spki: Vec<u8>,
}

impl CertInfo {
    pub fn parse(pem: &[u8], path: &Path) -> Result<CertInfo, ScimError> {
        let not_pem = || {
            config(format!(
                "{} is not a PEM certificate; a file starting with -----BEGIN CERTIFICATE----- is accepted",
                path.display()
            ))
        };
        let (_, pem) = x509_parser::pem::parse_x509_pem(pem).map_err(|_| not_pem())?;
        if pem.label != "CERTIFICATE" {
            return Err(not_pem());
        }
        let cert = pem.parse_x509().map_err(|e| {
            config(format!(
                "{} holds a certificate that cannot be read ({e})",
                path.display()
            ))
        })?;
        let v = cert.validity();
        Ok(CertInfo {
            subject: cert.subject().to_string(),
            not_before: v.not_before.timestamp(),
            not_after: v.not_after.timestamp(),
            spki: cert.public_key().raw.to_vec(),
        })
    }
}

fn parse_key(
    pem: &str,
    path: &Path,
    passphrase: Option<&SecretString>,
) -> Result<RsaPrivateKey, ScimError> {
    let shown = path.display();
    if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        let pass = passphrase.ok_or_else(|| {
            config(format!(
                "the private key {shown} is encrypted: set SCIMITAR_KEY_PASSPHRASE, or run in a terminal to be asked for its passphrase"
            ))
        })?;
        return RsaPrivateKey::from_pkcs8_encrypted_pem(pem, pass.expose_secret().as_bytes())
            .map_err(|_| {
                config(format!(
                    "cannot decrypt the private key {shown} with the passphrase given; check SCIMITAR_KEY_PASSPHRASE or what was typed"
                ))
            });
    }
    if pem.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(config(format!(
            "the private key {shown} uses OpenSSL's legacy encryption; convert it to encrypted PKCS#8 with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in {shown} -out new-key.pem`"
        )));
    }
    let bad = |e: String| {
        config(format!(
            "{shown} is not a readable RSA private key ({e}); PEM `BEGIN PRIVATE KEY`, `BEGIN ENCRYPTED PRIVATE KEY` or `BEGIN RSA PRIVATE KEY` is accepted"
        ))
    };
    if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
        return RsaPrivateKey::from_pkcs1_pem(pem).map_err(|e| bad(e.to_string()));
    }
    if pem.contains("-----BEGIN PRIVATE KEY-----") {
        return RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| bad(e.to_string()));
    }
    Err(bad("no PEM private key found".into()))
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `2026-12-31 23:59 UTC`.
pub fn date(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_else(|_| format!("{secs} (seconds since 1970)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_certificates_that_are_not_pem_are_refused_naming_the_file() {
        let e = parse_key("hello", Path::new("/k.pem"), None).unwrap_err();
        assert!(e.to_string().contains("/k.pem") && e.to_string().contains("BEGIN PRIVATE KEY"));
        let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n";
        let e = parse_key(legacy, Path::new("/k.pem"), None).unwrap_err();
        assert!(e.to_string().contains("openssl pkcs8 -topk8"), "{e}");
        let locked =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let e = parse_key(locked, Path::new("/k.pem"), None).unwrap_err();
        assert!(e.to_string().contains("SCIMITAR_KEY_PASSPHRASE"), "{e}");
        let e = CertInfo::parse(b"not a cert", Path::new("/c.pem"))
            .err()
            .unwrap();
        assert!(e.to_string().contains("/c.pem") && e.to_string().contains("BEGIN CERTIFICATE"));
    }

    #[test]
    fn dates_read_as_utc() {
        assert_eq!(date(0), "1970-01-01 00:00 UTC");
        assert!(expiry_warning("CN=x", now_secs() + 86_400 * 10).is_some());
        assert!(expiry_warning("CN=x", now_secs() + 86_400 * 60).is_none());
    }
}
