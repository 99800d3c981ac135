//! The sign-in screen in a real terminal (tmux), against `scimitar fake serve`: started with
//! a wrong password (through SCIMITAR_PASSWORD, as every e2e test gives it), the TUI asks for
//! the password again for the login it is for, masked; a wrong one is refused and counted,
//! the right one loads the list. Neither password reaches the screen or the log.

mod support;

use support::{Fake, Sandbox, Tmux};

const USERS: usize = 40;

#[test]
fn a_wrong_password_gives_the_sign_in_screen_and_the_right_one_loads_the_list() {
    if !support::tmux::available("a_wrong_password_gives_the_sign_in_screen") {
        return;
    }
    let fake = Fake::start(USERS);
    let sandbox = Sandbox::new();
    let wrong = "not-the-password-1";
    let env = sandbox
        .env()
        .connect_to(&fake)
        .set("SCIMITAR_PASSWORD", wrong)
        .set("SCIMITAR_LOG", "debug");
    let t = Tmux::start(100, 30, &env, &[support::bin()]);
    let s = t.wait_for("the sign-in screen", |s| {
        s.contains("Password") && s.contains("Sign in")
    });
    assert!(
        s.contains(&fake.info.login),
        "the screen names the login:\n{s}"
    );
    assert!(
        s.contains("HTTP 401"),
        "the screen says what happened:\n{s}"
    );
    assert!(s.contains("3 of 3 tries left"), "{s}");
    assert!(!s.contains("Could not load users"), "no error popup:\n{s}");

    // Another wrong one: refused, and counted.
    let again = "still-wrong-2";
    t.type_text(again);
    let s = t.wait_for("the mask", |s| s.contains(&"•".repeat(again.len())));
    assert!(!s.contains(again), "the password is never drawn:\n{s}");
    t.keys(&["Enter"]);
    t.wait_for("the second try refused", |s| {
        s.contains("2 of 3 tries left")
    });

    // The right one: the list loads and the screen goes.
    t.type_text(&fake.info.password);
    t.wait_for("the mask", |s| {
        s.contains(&"•".repeat(fake.info.password.chars().count()))
    });
    t.keys(&["Enter"]);
    let s = t.wait_for("the list loaded", |s| {
        s.contains(&format!("loaded {USERS} / {USERS}")) && !s.contains("Password")
    });
    assert!(!s.contains("load failed"), "{s}");
    assert!(!s.contains(&fake.info.password), "{s}");

    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    let log = std::fs::read_to_string(sandbox.data_dir().join("logs").join("scimitar.log"))
        .unwrap_or_default();
    assert!(!log.is_empty(), "SCIMITAR_LOG=debug writes a log");
    for secret in [wrong, again, fake.info.password.as_str()] {
        assert!(!log.contains(secret), "a password reached the log");
    }
}
