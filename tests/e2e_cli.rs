//! The command line without a screen: help names the exit codes, a missing secret and an
//! unreachable service fail with exit 2 and a plain message (no panic, no backtrace).

mod support;

use support::{Env, Run, Sandbox, scimitar};

fn assert_plain_failure(what: &str, r: &Run) {
    assert_eq!(r.code(), Some(2), "{what}:\n{}", r.describe());
    for bad in [
        "panicked",
        "RUST_BACKTRACE",
        "stack backtrace",
        "Error {",
        "Location:",
    ] {
        assert!(
            !r.stderr.contains(bad),
            "{what}: `{bad}` in stderr:\n{}",
            r.describe()
        );
    }
    assert!(
        r.stderr.lines().count() <= 4,
        "{what}: a short message:\n{}",
        r.describe()
    );
    assert!(
        r.stdout.trim().is_empty(),
        "{what}: nothing on stdout:\n{}",
        r.describe()
    );
}

/// A loopback URL on a port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

fn no_secret_env(sandbox: &Sandbox) -> Env {
    sandbox
        .env()
        .set("SCIMITAR_LOGIN", "api@example.com")
        .set(
            "SCIMITAR_SCIM_URL",
            format!("http://127.0.0.1:{}/scim/1/0/v2", closed_port()),
        )
        .set(
            "SCIMITAR_AUTH_URL",
            format!("http://127.0.0.1:{}/auth", closed_port()),
        )
}

#[test]
fn help_mentions_the_exit_codes() {
    let sandbox = Sandbox::new();
    let env = sandbox.env();
    for args in [&["--help"][..], &["apply", "--help"][..]] {
        let r = scimitar(&env, args);
        r.assert_ok(&format!("scimitar {}", args.join(" ")));
        // Help text wraps; compare with whitespace collapsed.
        let text = r
            .stdout
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let at = text
            .find("exit codes: 0 ")
            .unwrap_or_else(|| panic!("{args:?} names the exit codes:\n{}", r.stdout));
        let codes = &text[at..];
        assert!(
            codes.contains("; 1 ") && codes.contains("; 2 "),
            "{args:?} explains exit codes 0, 1 and 2:\n{}",
            r.stdout
        );
    }
    // The top-level help also says where secrets come from (never argv).
    let r = scimitar(&env, &["--help"]);
    assert!(r.stdout.contains("SCIMITAR_PASSWORD"), "{}", r.stdout);
}

#[test]
fn no_secret_and_no_terminal_fails_with_2_naming_the_variable() {
    let sandbox = Sandbox::new();
    let env = no_secret_env(&sandbox);
    let r = scimitar(&env, &["users", "list"]);
    assert_plain_failure("users list without a secret", &r);
    assert!(r.stderr.contains("SCIMITAR_PASSWORD"), "{}", r.describe());

    // With bearer authentication the message names the bearer variable.
    let r = scimitar(
        &env.clone().set("SCIMITAR_AUTH", "bearer"),
        &["users", "list"],
    );
    assert_plain_failure("users list --auth bearer without a secret", &r);
    assert!(r.stderr.contains("SCIMITAR_BEARER"), "{}", r.describe());
}

#[test]
fn an_unreachable_auth_service_fails_with_2_and_a_plain_message() {
    let sandbox = Sandbox::new();
    let env = no_secret_env(&sandbox).set("SCIMITAR_PASSWORD", "not-used-123");
    let r = scimitar(&env, &["users", "list"]);
    assert_plain_failure("users list against a closed port", &r);
    assert!(r.stderr.contains("cannot reach"), "{}", r.describe());
    assert!(
        r.stderr.contains("127.0.0.1"),
        "the message names where:\n{}",
        r.describe()
    );
}

#[test]
fn an_unreachable_scim_url_fails_with_2_and_a_plain_message() {
    // Basic authentication goes straight to the SCIM URL (after its retries).
    let sandbox = Sandbox::new();
    let port = closed_port();
    let env = no_secret_env(&sandbox)
        .set("SCIMITAR_AUTH", "basic")
        .set("SCIMITAR_PASSWORD", "not-used-123")
        .set(
            "SCIMITAR_SCIM_URL",
            format!("http://127.0.0.1:{port}/scim/1/0/v2"),
        );
    let r = scimitar(&env, &["users", "list"]);
    assert_plain_failure("users list against a closed SCIM port", &r);
    assert!(
        r.stderr
            .contains(&format!("cannot reach http://127.0.0.1:{port}/scim")),
        "{}",
        r.describe()
    );
}
