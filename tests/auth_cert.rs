//! CA certificate sign-in against the fake: listing, status, a batch that outlives its token,
//! and every way a certificate setup goes wrong giving a clear message and exit 2 without
//! showing the key or its passphrase. Also the fake's own checks, over raw HTTP.

mod support;
use support::inproc as common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use serde_json::{Value, json};
use time::{Duration as Span, OffsetDateTime};

use common::{Cli, Output, config, start, with_latency};
use scimitar::fake::cert::{Authority, key_pem, rsa_key};
use scimitar::fake::{FakeConfig, FakeServer};

const PASSPHRASE: &str = "Unique-passphrase-4417";
const WRONG_PASSPHRASE: &str = "Wrong-passphrase-8821";

/// The scimitar binary signing in with `cert` and `key`, no password anywhere.
fn cert_cli(fake: &FakeServer, cert: &Path, key: &Path) -> Cli {
    let mut cli = Cli::new(fake);
    cli.env("SCIMITAR_AUTH", "cert")
        .env("SCIMITAR_PASSWORD", "")
        .env("SCIMITAR_LOGIN", "")
        .env("SCIMITAR_CERT_FILE", &cert.display().to_string())
        .env("SCIMITAR_KEY_FILE", &key.display().to_string());
    cli
}

fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p
}

fn fake_key(fake: &FakeServer) -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_pem(&fake.client_cert().key_pem).expect("the fake's key")
}

/// Exit 2, the message names the problem, and no key material or passphrase is shown.
fn assert_refused(what: &str, out: &Output, expect: &str) {
    assert_eq!(out.code, Some(2), "{what}: {out:?}");
    assert!(
        out.stderr.contains(expect),
        "{what}: wanted `{expect}`\n{out:?}"
    );
    for secret in ["PRIVATE KEY", PASSPHRASE, WRONG_PASSPHRASE, "panicked"] {
        assert!(
            !out.stderr.contains(secret) && !out.stdout.contains(secret),
            "{what}: `{secret}` shown\n{out:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_alone_lists_users_and_status_names_subject_and_expiry() {
    let fake = start(config(60)).await;
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = fake.write_cert_files(dir.path()).unwrap();
    let cli = cert_cli(&fake, &cert, &key);
    let out = cli
        .run(&["users", "list", "--all", "--format", "json"])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.json().as_array().map(Vec::len), Some(60), "{out:?}");
    let s = fake.stats();
    assert_eq!(s.kind("cert_authenticate"), 1, "{:?}", s.by_kind);

    let out = cli.run(&["auth", "status"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    for want in [
        format!("CN={}", fake.login),
        format!("signed in as: {}", fake.login),
        "cert (".to_string(),
        "cert expires:".to_string(),
        "until:".to_string(),
    ] {
        assert!(out.stdout.contains(&want), "missing `{want}`:\n{out:?}");
    }
    // A year left: no warning.
    assert!(
        !out.stdout.contains("WARNING") && !out.stderr.contains("WARNING"),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_ending_within_30_days_warns_on_every_run() {
    let fake = start(config(10)).await;
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key(&fake);
    let now = OffsetDateTime::now_utc();
    let pem = fake.authority().issue(
        &fake.login,
        &key,
        now - Span::days(300),
        now + Span::days(10),
    );
    let cert = write(dir.path(), "soon.pem", &pem, 0o644);
    let key = write(dir.path(), "key.pem", &key_pem(&key, None), 0o600);
    let cli = cert_cli(&fake, &cert, &key);
    let out = cli.run(&["auth", "status"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains("WARNING") && out.stdout.contains("days left"),
        "{out:?}"
    );
    let out = cli.run(&["users", "list", "--count", "3"]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stderr.contains("WARNING: the certificate"), "{out:?}");
    assert!(
        !out.stdout.contains("WARNING"),
        "the warning stays out of the data"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_outlasting_its_token_signs_in_again_with_the_certificate() {
    let fake = start(with_latency(
        Duration::from_millis(40),
        FakeConfig {
            token_ttl: Duration::from_secs(1),
            ..config(80)
        },
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = fake.write_cert_files(dir.path()).unwrap();
    let cli = cert_cli(&fake, &cert, &key);
    common::disable_leavers(&fake, &cli, dir.path(), 30, &[]).await;
    // 30 users at 40 ms a request, two requests each, with a 1 s token: renewed on the way,
    // and every new token came from the certificate (no password exists here).
    let s = fake.stats();
    let renewals = s.kind("refresh") + s.kind("cert_authenticate");
    assert!(
        renewals >= 2,
        "the token was never renewed: {:?}",
        s.by_kind
    );
    assert_eq!(
        s.kind("authenticate"),
        s.kind("cert_authenticate"),
        "{:?}",
        s.by_kind
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_certificate_setup_is_refused_clearly_with_exit_2() {
    let fake = start(config(10)).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (good_cert, good_key) = fake.write_cert_files(d).unwrap();
    let key = fake_key(&fake);
    let now = OffsetDateTime::now_utc();

    // A certificate from another CA, for the right user and key: only the server can tell.
    let other = Authority::generate("Someone else's CA");
    let foreign = write(
        d,
        "foreign.pem",
        &other.issue(&fake.login, &key, now - Span::days(1), now + Span::days(30)),
        0o644,
    );
    let out = cert_cli(&fake, &foreign, &good_key)
        .run(&["users", "list"])
        .await;
    assert_refused("another CA", &out, "not issued by a certificate authority");

    let expired = write(
        d,
        "expired.pem",
        &fake.authority().issue(
            &fake.login,
            &key,
            now - Span::days(400),
            now - Span::days(2),
        ),
        0o644,
    );
    let out = cert_cli(&fake, &expired, &good_key)
        .run(&["users", "list"])
        .await;
    assert_refused("expired", &out, "expired on");

    let wrong = write(d, "wrong-key.pem", &key_pem(&rsa_key(), None), 0o600);
    let out = cert_cli(&fake, &good_cert, &wrong)
        .run(&["users", "list"])
        .await;
    assert_refused("wrong key", &out, "does not belong to the certificate");

    let open = write(d, "open-key.pem", &key_pem(&key, None), 0o644);
    let out = cert_cli(&fake, &good_cert, &open)
        .run(&["users", "list"])
        .await;
    assert_refused("0644 key", &out, "chmod 600");

    let locked = write(d, "locked-key.pem", &key_pem(&key, Some(PASSPHRASE)), 0o600);
    let mut cli = cert_cli(&fake, &good_cert, &locked);
    let out = cli.run(&["users", "list"]).await;
    assert_refused("no passphrase", &out, "SCIMITAR_KEY_PASSPHRASE");
    cli.env("SCIMITAR_KEY_PASSPHRASE", WRONG_PASSPHRASE);
    let out = cli.run(&["users", "list"]).await;
    assert_refused("bad passphrase", &out, "cannot decrypt the private key");
    cli.env("SCIMITAR_KEY_PASSPHRASE", PASSPHRASE);
    let out = cli.run(&["users", "list", "--count", "3"]).await;
    assert_eq!(
        out.code,
        Some(0),
        "the right passphrase opens the key: {out:?}"
    );

    // Nothing but the foreign certificate reached the auth service.
    let s = fake.stats();
    assert_eq!(s.kind("cert_authenticate"), 2, "{:?}", s.by_kind);
}

/// What a client would send, signed with `key`, in `format`.
fn signed_body(key: &RsaPrivateKey, format: &str, stamp_ms: u64) -> Value {
    let mut data = stamp_ms.to_be_bytes().to_vec();
    data.extend((0..150u32).map(|i| (i * 7) as u8));
    let sig = rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(key.clone()).sign(&data);
    json!({"encodedData": STANDARD.encode(&data), "encodedSignedData": STANDARD.encode(sig.to_bytes()), "encodedDataFormat": format})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_checks_chain_dates_format_and_signature_itself() {
    let fake = start(config(10)).await;
    let http = reqwest::Client::new();
    let key = fake_key(&fake);
    let good = fake.client_cert().cert_pem;
    let now = OffsetDateTime::now_utc();
    let expired = fake.authority().issue(
        &fake.login,
        &key,
        now - Span::days(400),
        now - Span::days(2),
    );
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let post = |cert: String, body: Value| {
        let http = http.clone();
        let url = format!("{}/token/authenticate", fake.auth_url);
        async move {
            let r = http
                .post(url)
                .header(
                    "Authorization",
                    format!("CACertificate {}", STANDARD.encode(cert)),
                )
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (st, body) = post(good.clone(), signed_body(&key, "v2", now_ms)).await;
    assert_eq!(st, 201, "{body}");
    assert!(body["tokenInfo"]["tokenValue"].is_string(), "{body}");
    let cases = [
        ("expired", expired, signed_body(&key, "v2", now_ms), 401),
        (
            "v1 data",
            good.clone(),
            signed_body(&key, "v1", now_ms),
            400,
        ),
        (
            "stale timestamp",
            good.clone(),
            signed_body(&key, "v2", now_ms - 3_600_000),
            401,
        ),
        (
            "another key's signature",
            good.clone(),
            signed_body(&rsa_key(), "v2", now_ms),
            401,
        ),
    ];
    for (what, cert, body, want) in cases {
        let (st, answer) = post(cert, body).await;
        assert_eq!(st, want, "{what}: {answer}");
        assert!(
            answer["status"]
                .as_str()
                .is_some_and(|s| s.starts_with("FAILURE")),
            "{what}: {answer}"
        );
    }
}
