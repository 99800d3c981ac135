//! Secrets never show (DESIGN.md, safety model 5): the fake's password and API key, the
//! base64 of `login:password`, and a wrong password must not appear in any log, journal,
//! report or other file scimitar writes, in any command's stdout or stderr, on the TUI's
//! screen, or on a scimitar process's command line. Journals and reports are private,
//! secret files must be private, and turning TLS verification off always warns.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use base64::Engine;
use secrecy::SecretString;
use serde_json::Value;
use support::fake::FakeInfo;
use support::{Env, Fake, Run, Sandbox, Tmux, scimitar, wait_until};

const WRONG_PASSWORD: &str = "Wr0ng-UNIQUE-pass-123";
const WRONG_BEARER: &str = "Wr0ng-UNIQUE-bearer-456";

/// The strings that must never appear, each with a name to report instead of the value.
struct Secrets(Vec<(&'static str, String)>);

impl Secrets {
    fn of(fake: &Fake) -> Secrets {
        let i = &fake.info;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        Secrets(vec![
            ("the password", i.password.clone()),
            ("the API key (bearer token)", i.api_key.clone()),
            (
                "base64(login:password)",
                b64(&format!("{}:{}", i.login, i.password)),
            ),
            ("the wrong password", WRONG_PASSWORD.to_string()),
            (
                "base64(login:wrong password)",
                b64(&format!("{}:{WRONG_PASSWORD}", i.login)),
            ),
            ("the wrong bearer token", WRONG_BEARER.to_string()),
        ])
    }

    /// Fails naming `where_` and the kind of secret, never printing the secret itself.
    fn assert_absent(&self, where_: &str, text: &str) {
        for (name, value) in &self.0 {
            assert!(
                !text.contains(value.as_str()),
                "{name} appears in {where_}:\n{}",
                text.replace(value.as_str(), "<SECRET>")
            );
        }
        // An Authorization header value written out would carry a token even if we cannot
        // know its value.
        if let Some(i) = text.find("AnaplanAuthToken ") {
            let next = text[i + 17..].chars().next().unwrap_or(' ');
            assert!(
                !next.is_ascii_alphanumeric(),
                "an AnaplanAuthToken header value appears in {where_}"
            );
        }
    }

    fn assert_run_clean(&self, what: &str, r: &Run) {
        self.assert_absent(&format!("the stdout of `{what}`"), &r.stdout);
        self.assert_absent(&format!("the stderr of `{what}`"), &r.stderr);
    }

    fn assert_files_clean(&self, sandbox: &Sandbox) -> usize {
        let files = sandbox.files();
        for f in &files {
            let bytes = std::fs::read(f).unwrap_or_default();
            self.assert_absent(&f.display().to_string(), &String::from_utf8_lossy(&bytes));
        }
        files.len()
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

fn run_ok(secrets: &Secrets, env: &Env, args: &[&str]) -> Run {
    let r = scimitar(env, args);
    secrets.assert_run_clean(&args.join(" "), &r);
    r.assert_ok(&args.join(" "));
    r
}

/// Two active users other than the API account, for a small run.
fn two_active_users(env: &Env, login: &str) -> Vec<String> {
    let r = scimitar(env, &["users", "list", "--count", "20", "--format", "json"]);
    r.assert_ok("users list");
    let users: Value = serde_json::from_str(&r.stdout).expect("JSON users");
    let picked: Vec<String> = users
        .as_array()
        .expect("array")
        .iter()
        .filter(|u| u["active"] == Value::Bool(true))
        .filter_map(|u| u["userName"].as_str())
        .filter(|n| !n.eq_ignore_ascii_case(login))
        .take(2)
        .map(str::to_string)
        .collect();
    assert_eq!(picked.len(), 2, "two active users in the first page");
    picked
}

#[test]
fn no_command_log_file_screen_or_command_line_shows_a_secret() {
    let fake = Fake::start(60);
    let secrets = Secrets::of(&fake);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("SCIMITAR_LOG", "debug");
    let login = fake.info.login.clone();

    // Reading, with each authentication method.
    run_ok(
        &secrets,
        &env,
        &["users", "list", "--all", "--format", "json"],
    );
    let basic = env.clone().set("SCIMITAR_AUTH", "basic");
    run_ok(&secrets, &basic, &["users", "list", "--format", "csv"]);
    let bearer = env
        .clone()
        .set("SCIMITAR_AUTH", "bearer")
        .set("SCIMITAR_BEARER", fake.info.api_key.clone())
        .unset("SCIMITAR_PASSWORD");
    run_ok(&secrets, &bearer, &["users", "list"]);
    let picked = two_active_users(&env, &login);
    run_ok(&secrets, &env, &["user", "show", &picked[0]]);
    run_ok(
        &secrets,
        &bearer,
        &["user", "show", &picked[1], "--format", "json"],
    );

    // Changing: dry run, a real run, resume, undo; a saved plan and a CSV report.
    let filter = format!(
        r#"userName eq "{}" or userName eq "{}""#,
        picked[0], picked[1]
    );
    let plan = sandbox.data_dir().join("saved").join("plan.json");
    let plan_s = plan.display().to_string();
    run_ok(
        &secrets,
        &env,
        &[
            "apply",
            "--filter",
            &filter,
            "--action",
            "disable",
            "--dry-run",
            "--save-plan",
            &plan_s,
        ],
    );
    let csv = sandbox.home().join("leavers.csv");
    std::fs::write(&csv, format!("email\n{}\nnobody@example.com\n", picked[0])).unwrap();
    let csv_report = sandbox.data_dir().join("saved").join("resolution.csv");
    run_ok(
        &secrets,
        &basic,
        &[
            "apply",
            "--csv",
            &csv.display().to_string(),
            "--action",
            "remove-workspaces",
            "--dry-run",
            // The file has a row that does not resolve, on purpose.
            "--allow-missing",
            "--csv-report",
            &csv_report.display().to_string(),
        ],
    );
    let applied = run_ok(
        &secrets,
        &env,
        &["apply", "--filter", &filter, "--action", "disable", "--yes"],
    );
    let summary: Value = serde_json::from_str(&applied.stdout).expect("summary JSON");
    assert_eq!(summary["changed"], 2, "{}", applied.stdout);
    let journal = summary["journal"]
        .as_str()
        .expect("journal path")
        .to_string();
    run_ok(&secrets, &env, &["resume", &journal, "--yes"]);
    run_ok(&secrets, &bearer, &["undo", &journal, "--yes"]);

    // The most verbose level too (HTTP libraries log at trace).
    for e in [&env, &basic, &bearer] {
        run_ok(
            &secrets,
            &e.clone().set("SCIMITAR_LOG", "trace"),
            &["users", "list", "--count", "5"],
        );
    }

    // Failing logins, with wrong secrets of their own.
    for (what, bad) in [
        (
            "wrong password",
            env.clone().set("SCIMITAR_PASSWORD", WRONG_PASSWORD),
        ),
        (
            "wrong basic password",
            basic.clone().set("SCIMITAR_PASSWORD", WRONG_PASSWORD),
        ),
        (
            "wrong bearer token",
            bearer.clone().set("SCIMITAR_BEARER", WRONG_BEARER),
        ),
    ] {
        let r = scimitar(&bad, &["users", "list"]);
        secrets.assert_run_clean(what, &r);
        assert_eq!(r.code(), Some(2), "{what}:\n{}", r.describe());
        assert!(!r.stderr.contains("panicked"), "{what}:\n{}", r.describe());
    }

    // The TUI: browse, open a user, quit. Screen, scrollback and command line.
    if support::tmux::available("the TUI part of the secrets test") {
        let t = Tmux::start(100, 30, &env, &[support::bin()]);
        t.wait_text("loaded 60 / 60");
        let pid = wait_until("the scimitar process", || t.command_pid());
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("cmdline");
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        assert!(cmdline.contains("scimitar"), "{cmdline}");
        secrets.assert_absent("the TUI's command line", &cmdline);
        t.keys(&["Enter"]);
        let s = t.wait_text("✓ fresh from the server");
        secrets.assert_absent("the TUI screen", &s);
        secrets.assert_absent("the TUI screen with escapes", &t.screen_with_escapes());
        t.keys(&["q"]);
        assert_eq!(t.wait_exit(), 0);
        secrets.assert_absent("the pane after quitting", &t.history_and_screen());

        // A refused login in the TUI: the sign-in screen names the problem, not the secret.
        let bad = env.clone().set("SCIMITAR_PASSWORD", WRONG_PASSWORD);
        let t = Tmux::start(100, 30, &bad, &[support::bin()]);
        let s = t.wait_for("the sign-in screen", |s| {
            s.contains("Sign in") && s.contains("HTTP 401")
        });
        secrets.assert_absent("the TUI's login error", &s);
        t.keys(&["Escape"]);
        t.wait_for("the sign-in screen to close", |s| !s.contains("HTTP 401"));
        t.keys(&["q"]);
        assert_eq!(t.wait_exit(), 0);
    }
    let fake_cmdline = std::fs::read(format!("/proc/{}/cmdline", fake.pid())).expect("cmdline");
    secrets.assert_absent(
        "the fake's command line",
        &String::from_utf8_lossy(&fake_cmdline),
    );

    // Every file written: logs, journals, reports, saved plans.
    let n = secrets.assert_files_clean(&sandbox);
    assert!(
        n >= 7,
        "expected a log, journals, reports and a plan; found {n} files"
    );
    let log = std::fs::read_to_string(sandbox.data_dir().join("logs").join("scimitar.log"))
        .expect("the log");
    assert!(
        log.contains("DEBUG"),
        "SCIMITAR_LOG=debug should raise the level (else this test proves little)"
    );

    // Journals, reports and saved files are private, in private directories.
    let journals = sandbox.data_dir().join("journals");
    assert_eq!(mode(&sandbox.data_dir()), 0o700, "the data directory");
    assert_eq!(mode(&journals), 0o700, "the journals directory");
    let log = sandbox.data_dir().join("logs").join("scimitar.log");
    assert_eq!(
        mode(&log),
        0o600,
        "the log file holds emails: {}",
        log.display()
    );
    assert_eq!(
        mode(&sandbox.data_dir().join("logs")),
        0o700,
        "the logs directory"
    );
    let mut seen = 0;
    for f in std::fs::read_dir(&journals).expect("journals").flatten() {
        let p = f.path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
        seen += 1;
    }
    assert!(
        seen >= 6,
        "two runs with a journal and two reports each; saw {seen}"
    );
    for p in [&plan, &csv_report] {
        assert_eq!(mode(p), 0o600, "{}", p.display());
        assert_eq!(mode(p.parent().unwrap()), 0o700, "{}", p.display());
    }
}

#[test]
fn the_password_prompt_does_not_echo() {
    if !support::tmux::available("the_password_prompt_does_not_echo") {
        return;
    }
    let fake = Fake::start(10);
    let secrets = Secrets::of(&fake);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).unset("SCIMITAR_PASSWORD");
    let t = Tmux::start(
        100,
        30,
        &env,
        &[support::bin(), "users", "list", "--count", "3"],
    );
    // The prompt names the login it is for.
    t.wait_text(&format!("Password for {} (not echoed):", fake.info.login));
    t.type_text(&fake.info.password);
    t.keys(&["Enter"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.history_and_screen());
    let s = t.history_and_screen();
    assert!(
        s.contains("USERNAME"),
        "the command ran with the typed password:\n{s}"
    );
    secrets.assert_absent("the terminal after the prompt", &s);
    assert!(
        t.terminal_restored(),
        "echo is back on after the prompt:\n{s}"
    );
}

#[test]
fn a_secret_file_others_can_read_is_refused_and_a_private_one_works() {
    let fake = Fake::start(10);
    let secrets = Secrets::of(&fake);
    let sandbox = Sandbox::new();
    let file = sandbox.home().join("secret");
    std::fs::write(&file, format!("{}\n", fake.info.password)).unwrap();
    let env = sandbox
        .env()
        .connect_to(&fake)
        .unset("SCIMITAR_PASSWORD")
        .set("SCIMITAR_SECRET_FILE", file.display().to_string());

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = scimitar(&env, &["users", "list"]);
    secrets.assert_run_clean("users list with a 0644 secret file", &r);
    assert_eq!(r.code(), Some(2), "{}", r.describe());
    assert!(
        r.stderr.contains("chmod 600") && r.stderr.contains(&file.display().to_string()),
        "the refusal names the file and chmod 600:\n{}",
        r.describe()
    );

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let r = scimitar(&env, &["users", "list"]);
    secrets.assert_run_clean("users list with a 0600 secret file", &r);
    r.assert_ok("users list with a 0600 secret file");
    assert!(r.stdout.contains("USERNAME"), "{}", r.describe());

    // The option works the same way as the variable.
    let flag = [
        "--secret-file",
        &file.display().to_string(),
        "users",
        "list",
    ]
    .map(String::from);
    let flag: Vec<&str> = flag.iter().map(String::as_str).collect();
    let r = scimitar(&env.clone().unset("SCIMITAR_SECRET_FILE"), &flag);
    r.assert_ok("users list --secret-file");
    secrets.assert_files_clean(&sandbox);
}

#[test]
fn insecure_skip_tls_verify_warns_on_every_run() {
    let fake = Fake::start(10);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake);
    for run in 1..=2 {
        let r = scimitar(&env, &["users", "list", "--insecure-skip-tls-verify"]);
        r.assert_ok("users list --insecure-skip-tls-verify");
        assert!(
            r.stderr.contains("WARNING") && r.stderr.contains("TLS"),
            "run {run} warns on stderr:\n{}",
            r.describe()
        );
        assert!(
            !r.stdout.contains("WARNING"),
            "the warning is not mixed into data"
        );
    }
    let r = scimitar(&env, &["users", "list"]);
    assert!(
        !r.stderr.contains("WARNING"),
        "no warning when verifying:\n{}",
        r.describe()
    );
}

#[test]
fn debug_output_of_a_connection_and_an_authenticator_redacts_the_secret() {
    use scimitar::scim::auth::Authenticator;
    use scimitar::scim::client::{AuthMethod, Connection};

    let secret = "S3cret-DEBUG-unique-789";
    let conn = Connection {
        login: Some("api@example.com".into()),
        secret: Some(SecretString::from(secret)),
        ..Connection::default()
    };
    let shown = format!("{conn:?} {conn:#?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(
        shown.contains("api@example.com"),
        "the rest is still shown: {shown}"
    );
    for method in [AuthMethod::Basic, AuthMethod::Token, AuthMethod::Bearer] {
        let a = Authenticator::new(
            method,
            Some("api@example.com".into()),
            Some(SecretString::from(secret)),
            "https://auth.example.com",
        )
        .expect("an authenticator");
        let shown = format!("{a:?} {a:#?}");
        assert!(!shown.contains(secret), "{method:?}: {shown}");
        let b64 =
            base64::engine::general_purpose::STANDARD.encode(format!("api@example.com:{secret}"));
        assert!(!shown.contains(&b64), "{method:?}: {shown}");
    }
}

const KEY_PASSPHRASE: &str = "Key-UNIQUE-passphrase-991";

/// Lines of a PEM private key that carry key material (not the BEGIN/END lines).
fn key_lines(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 40)
        .map(str::to_string)
        .collect()
}

/// The fake's key encrypted with `KEY_PASSPHRASE`, written 0600 in the sandbox's home.
fn locked_key(sandbox: &Sandbox, i: &FakeInfo) -> PathBuf {
    let key_pem = std::fs::read_to_string(&i.key_file).expect("the fake's key");
    let key = <rsa::RsaPrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_pem(&key_pem)
        .expect("a PKCS#8 key");
    let locked = sandbox.home().join("locked-key.pem");
    std::fs::write(
        &locked,
        scimitar::fake::cert::key_pem(&key, Some(KEY_PASSPHRASE)),
    )
    .unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o600)).unwrap();
    locked
}

#[test]
fn certificate_and_oauth_sign_ins_show_no_key_passphrase_or_token() {
    let fake = Fake::start(30);
    let sandbox = Sandbox::new();
    let i = &fake.info;
    assert_eq!(
        mode(Path::new(&i.key_file)),
        0o600,
        "the fake writes its key private"
    );
    let locked = locked_key(&sandbox, i);

    let base = sandbox
        .env()
        .connect_to(&fake)
        .unset("SCIMITAR_PASSWORD")
        .unset("SCIMITAR_LOGIN")
        .set("SCIMITAR_LOG", "trace");
    let cert = base
        .clone()
        .set("SCIMITAR_AUTH", "cert")
        .set("SCIMITAR_CERT_FILE", i.cert_file.clone())
        .set("SCIMITAR_KEY_FILE", i.key_file.clone());
    let locked_env = cert
        .clone()
        .set("SCIMITAR_KEY_FILE", locked.display().to_string())
        .set("SCIMITAR_KEY_PASSPHRASE", KEY_PASSPHRASE);
    let oauth = base
        .clone()
        .set("SCIMITAR_AUTH", "oauth")
        .set("SCIMITAR_OAUTH_URL", i.oauth_url.clone())
        .set("SCIMITAR_CLIENT_ID", i.client_id.clone());

    let mut runs = Vec::new();
    for (what, env, args) in [
        (
            "cert users list",
            &cert,
            vec!["users", "list", "--format", "json"],
        ),
        ("cert auth status", &cert, vec!["auth", "status"]),
        (
            "encrypted key users list",
            &locked_env,
            vec!["users", "list"],
        ),
        (
            "oauth sign-in",
            &oauth,
            vec!["users", "list", "--count", "5"],
        ),
        ("oauth again", &oauth, vec!["users", "list", "--count", "5"]),
        ("oauth status", &oauth, vec!["auth", "status"]),
    ] {
        let r = scimitar(env, &args);
        r.assert_ok(what);
        runs.push((what, r));
    }
    let store = sandbox.data_dir().join("oauth").join("default.json");
    assert_eq!(mode(&store), 0o600, "the kept sign-in is private");
    assert_eq!(mode(store.parent().unwrap()), 0o700);
    let kept: Value =
        serde_json::from_str(&std::fs::read_to_string(&store).unwrap()).expect("JSON");
    let refresh = kept["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_string();

    let mut secrets = vec![
        ("the key passphrase", KEY_PASSPHRASE.to_string()),
        ("the refresh token", refresh),
    ];
    let key_pem = std::fs::read_to_string(&i.key_file).expect("the fake's key");
    for l in key_lines(&key_pem) {
        secrets.push(("a line of the private key", l));
    }
    for l in key_lines(&std::fs::read_to_string(&locked).unwrap()) {
        secrets.push(("a line of the encrypted key", l));
    }
    let secrets = Secrets(secrets);
    let no_bearer = |where_: &str, text: &str| {
        secrets.assert_absent(where_, text);
        for scheme in ["Bearer ", "CACertificate "] {
            if let Some(at) = text.find(scheme) {
                let next = text[at + scheme.len()..].chars().next().unwrap_or(' ');
                assert!(
                    !next.is_ascii_alphanumeric(),
                    "a `{scheme}` header value appears in {where_}"
                );
            }
        }
    };
    for (what, r) in &runs {
        no_bearer(&format!("the stdout of `{what}`"), &r.stdout);
        no_bearer(&format!("the stderr of `{what}`"), &r.stderr);
    }
    for f in sandbox.files() {
        if f == store {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap_or_default()).into_owned();
        no_bearer(&f.display().to_string(), &text);
    }
    let fake_cmdline = std::fs::read(format!("/proc/{}/cmdline", fake.pid())).expect("cmdline");
    no_bearer(
        "the fake's command line",
        &String::from_utf8_lossy(&fake_cmdline),
    );

    let out = scimitar(&oauth, &["auth", "logout"]);
    out.assert_ok("auth logout");
    assert!(!store.exists(), "logout forgets the refresh token");
}

#[test]
fn an_encrypted_keys_passphrase_prompt_does_not_echo() {
    if !support::tmux::available("an_encrypted_keys_passphrase_prompt_does_not_echo") {
        return;
    }
    let fake = Fake::start(10);
    let sandbox = Sandbox::new();
    let i = &fake.info;
    let locked = locked_key(&sandbox, i);
    let env = sandbox
        .env()
        .connect_to(&fake)
        .unset("SCIMITAR_PASSWORD")
        .unset("SCIMITAR_LOGIN")
        .set("SCIMITAR_AUTH", "cert")
        .set("SCIMITAR_CERT_FILE", i.cert_file.clone())
        .set("SCIMITAR_KEY_FILE", locked.display().to_string());
    let t = Tmux::start(
        100,
        30,
        &env,
        &[support::bin(), "users", "list", "--count", "3"],
    );
    t.wait_text("(not echoed):");
    t.type_text(KEY_PASSPHRASE);
    t.keys(&["Enter"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.history_and_screen());
    let s = t.history_and_screen();
    assert!(
        s.contains("USERNAME"),
        "the key opened with the typed passphrase:\n{s}"
    );
    assert!(
        !s.contains(KEY_PASSPHRASE),
        "the passphrase was echoed:\n{}",
        s.replace(KEY_PASSPHRASE, "<SECRET>")
    );
    assert!(
        t.terminal_restored(),
        "echo is back on after the prompt:\n{s}"
    );
}
