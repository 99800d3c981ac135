//! The TUI in a real terminal (tmux), against `scimitar fake serve --users 500`: the list
//! loads, a server filter narrows it and a refused filter sends nothing, search narrows,
//! a user opens with its workspaces by name and id, `w` and `?` work, `q` quits and gives
//! the terminal back; `--user` opens straight on a user; at 80x24 with NO_COLOR the list
//! is usable without a single colour.

mod support;

use serde_json::Value;
use support::{Env, Fake, Sandbox, Tmux, json, users_where, wait_until};

const USERS: usize = 500;

fn inactive_users(env: &Env) -> Vec<Value> {
    let v = users_where(env, "active eq false");
    v.as_array().expect("a JSON array of users").clone()
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("no string `{k}` in {v}"))
}

/// (name, id) of each workspace of a user, as `user show --format json` reports them.
fn workspaces_of(env: &Env, id: &str) -> (Value, Vec<(String, String)>) {
    let u = json(env, &["user", "show", id, "--format", "json"]);
    let ws = u["workspaces"]
        .as_array()
        .expect("workspaces array")
        .iter()
        .map(|w| (str_of(w, "name").to_string(), str_of(w, "id").to_string()))
        .collect();
    (u, ws)
}

/// Every workspace is on one line of the screen with both its name and its id.
fn assert_workspaces_shown(screen: &str, ws: &[(String, String)]) {
    for (name, id) in ws {
        assert!(
            screen
                .lines()
                .any(|l| l.contains(name.as_str()) && l.contains(id.as_str())),
            "workspace {name} ({id}) is not shown by name and id:\n{screen}"
        );
    }
}

/// The first table row holding the cursor marker.
fn cursor_row(screen: &str) -> &str {
    screen
        .lines()
        .find(|l| l.contains('▶'))
        .unwrap_or_else(|| panic!("no cursor marker on screen:\n{screen}"))
}

fn count_in_log(sandbox: &Sandbox, needle: &str) -> usize {
    let log = sandbox.data_dir().join("logs").join("scimitar.log");
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .matches(needle)
        .count()
}

#[test]
fn browse_filter_search_open_workspaces_help_and_quit() {
    if !support::tmux::available("browse_filter_search_open_workspaces_help_and_quit") {
        return;
    }
    let fake = Fake::start(USERS);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("SCIMITAR_LOG", "debug");
    let inactive = inactive_users(&env);
    assert!(
        !inactive.is_empty() && inactive.len() < USERS,
        "the seeded tenant should have some inactive users, has {}",
        inactive.len()
    );
    // A user further down the filtered list, so that search has to narrow to reach it.
    let target = &inactive[inactive.len() / 2];
    let target_name = str_of(target, "userName").to_string();
    let target_id = str_of(target, "id").to_string();
    let (_, target_ws) = workspaces_of(&env, &target_id);

    let t = Tmux::start(100, 30, &env, &[support::bin()]);

    // The whole tenant loads.
    let s = t.wait_text(&format!("loaded {USERS} / {USERS}"));
    assert!(
        s.lines()
            .next()
            .is_some_and(|l| l.contains("scimitar │ Users │ profile default │ tenant 127.0.0.1:")),
        "header:\n{s}"
    );
    assert!(s.contains(&format!("1 of {USERS}")), "{s}");
    assert!(
        t.screen_with_escapes().contains("\x1b[38;5;"),
        "colours are on by default (positive control for the NO_COLOR test)"
    );

    // A server-side filter: the count is the fake's number of inactive users.
    t.server_filter("active eq false");
    let n = inactive.len();
    let s = t.wait_for("the filtered list", |s| {
        s.contains(&format!("loaded {n} / {n} │ filter active eq false"))
            && s.contains(&format!("1 of {n} "))
    });
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("@")).collect();
    assert!(!rows.is_empty(), "{s}");
    assert!(
        rows.iter().all(|l| l.contains("✗ no")),
        "only inactive users are listed:\n{s}"
    );

    // A filter Anaplan refuses: the error is inline, Enter sends nothing.
    let loads_before = wait_until("the debug log to record the filtered load", || {
        let c = count_in_log(&sandbox, "LoadUsers");
        (c >= 2).then_some(c)
    });
    t.keys(&["f"]);
    t.wait_text("> active eq false");
    t.keys(&["C-u"]);
    t.type_text(r#"userName co "a""#);
    t.wait_text("✗ operator `co` is not supported by Anaplan");
    t.keys(&["Enter"]);
    let s = t.wait_stable();
    assert!(
        s.contains("✗ operator `co` is not supported by Anaplan"),
        "the error stays after Enter:\n{s}"
    );
    assert!(
        s.contains(&format!("loaded {n} / {n} │ filter active eq false")),
        "the list is unchanged:\n{s}"
    );
    assert!(!s.contains("loading…"), "{s}");
    assert_eq!(
        count_in_log(&sandbox, "LoadUsers"),
        loads_before,
        "a refused filter must not start a load"
    );
    t.keys(&["Escape"]);
    t.wait_for("the filter box to close", |s| {
        !s.contains("SCIM filter (server side)")
    });

    // Local search narrows to the one user.
    t.keys(&["/"]);
    t.type_text(&target_name);
    let s = t.wait_for("search to narrow to one row", |s| {
        s.contains(&format!("search {target_name}")) && s.contains(" 1 of 1 ")
    });
    assert!(cursor_row(&s).contains(&target_name), "{s}");
    t.keys(&["Enter"]);

    // Enter opens the user: every workspace by name and id, as `user show` says.
    t.keys(&["Enter"]);
    let s = t.wait_for("the user's details, fresh from the server", |s| {
        s.contains("✓ fresh from the server") && s.contains(&target_id)
    });
    assert!(s.contains(&format!("│ User {target_name} │")), "{s}");
    assert!(s.contains("✗ no (disabled)"), "{s}");
    assert!(
        s.contains(&format!("workspaces ({})", target_ws.len())),
        "{s}"
    );
    assert_workspaces_shown(&s, &target_ws);

    // Back to the list, then the workspaces view; search it for one of the user's.
    t.keys(&["Escape"]);
    t.wait_for("the list again", |s| {
        s.contains("│ Users │") && s.contains(" 1 of 1 ")
    });
    t.keys(&["w"]);
    let s = t.wait_text("│ Workspaces │");
    assert!(s.contains("Workspace") && s.contains("Users"), "{s}");
    if let Some((name, id)) = target_ws.first() {
        t.keys(&["/"]);
        t.type_text(name);
        let s = t.wait_for("the workspace search", |s| {
            s.contains(&format!("│ search {name}"))
                && s.lines()
                    .any(|l| l.contains('▶') && l.contains(name.as_str()))
        });
        assert!(
            cursor_row(&s).contains(&id[..24]),
            "the workspace row shows its id:\n{s}"
        );
        // One key at a time: two ESC bytes in one write read as Alt-Esc.
        t.keys(&["Escape"]);
        t.wait_for("the workspace search to clear", |s| {
            !s.contains("│ search ")
        });
    }
    t.keys(&["Escape"]);
    t.wait_for("the user list again", |s| s.contains("│ Users │"));

    // Help overlay.
    t.keys(&["?"]);
    // Waited for whole: a capture can land while the overlay is being drawn.
    t.wait_for("the help overlay, with quit and how to close it", |s| {
        s.contains("Keys: list") && s.contains("quit") && s.contains("esc closes")
    });
    t.keys(&["Escape"]);
    t.wait_for("help to close", |s| !s.contains("Keys: list"));

    // q quits with status 0 and leaves a sane terminal behind.
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.screen());
    let s = t.history_and_screen();
    assert!(s.contains("[exited 0]"), "{s}");
    assert!(
        t.terminal_restored(),
        "the terminal is back in cooked mode with echo:\n{s}"
    );
    assert_eq!(
        t.format("#{alternate_on}"),
        "0",
        "the alternate screen was left"
    );
    assert!(
        !s.contains("loaded "),
        "the TUI is gone from the screen:\n{s}"
    );
}

#[test]
fn user_flag_opens_straight_on_the_users_details() {
    if !support::tmux::available("user_flag_opens_straight_on_the_users_details") {
        return;
    }
    let fake = Fake::start(USERS);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake);
    let inactive = inactive_users(&env);
    let target = inactive.last().expect("an inactive user");
    let email = str_of(target, "userName").to_string();
    let (user, ws) = workspaces_of(&env, &email);
    let id = str_of(&user, "id").to_string();

    let t = Tmux::start(100, 30, &env, &[support::bin(), "--user", &email]);
    let s = t.wait_for("the user's details", |s| {
        s.contains("✓ fresh from the server") && s.contains(&id)
    });
    assert!(s.contains(&format!("│ User {email} │")), "{s}");
    assert!(
        s.lines()
            .any(|l| l.contains("userName") && l.contains(&email)),
        "{s}"
    );
    assert_workspaces_shown(&s, &ws);
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn sigterm_quits_and_restores_the_terminal() {
    if !support::tmux::available("sigterm_quits_and_restores_the_terminal") {
        return;
    }
    let fake = Fake::start(50);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake);
    let t = Tmux::start(100, 30, &env, &[support::bin()]);
    t.wait_text("loaded 50 / 50");
    let pid = wait_until("the scimitar process", || t.command_pid());
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let code = t.wait_exit();
    let s = t.history_and_screen();
    assert_eq!(code, 0, "SIGTERM is a clean quit:\n{s}");
    assert!(
        t.terminal_restored(),
        "cooked mode with echo after SIGTERM:\n{s}"
    );
    assert_eq!(t.format("#{alternate_on}"), "0");
}

/// The parameter lists of every SGR sequence (`ESC [ ... m`) in `s`.
fn sgr_sequences(s: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("\x1b[") {
        rest = &rest[i + 2..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(rest.len());
        let (params, tail) = rest.split_at(end);
        if tail.starts_with('m') {
            found.push(params.to_string());
        }
        rest = tail;
    }
    found
}

/// Every SGR sequence in `s` that sets a foreground or background colour.
fn colour_sequences(s: &str) -> Vec<String> {
    sgr_sequences(s)
        .into_iter()
        .filter(|params| {
            params.split(';').any(|p| {
                p.parse::<u32>()
                    .is_ok_and(|n| matches!(n, 30..=38 | 40..=48 | 90..=97 | 100..=107))
            })
        })
        .map(|params| format!("ESC[{params}m"))
        .collect()
}

fn has_reverse(s: &str) -> bool {
    sgr_sequences(s)
        .iter()
        .any(|params| params.split(';').any(|p| p == "7"))
}

#[test]
fn at_80x24_with_no_color_the_list_is_usable_without_colour() {
    if !support::tmux::available("at_80x24_with_no_color_the_list_is_usable_without_colour") {
        return;
    }
    let fake = Fake::start(USERS);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let t = Tmux::start(80, 24, &env, &[support::bin()]);
    let s = t.wait_text(&format!("loaded {USERS} / {USERS}"));
    assert!(s.contains(&format!("1 of {USERS}")), "{s}");
    assert!(
        cursor_row(&s).contains("@"),
        "the cursor row is a user:\n{s}"
    );
    assert!(s.contains("q quit"), "the status bar fits:\n{s}");

    t.keys(&["j"]);
    let s = t.wait_text(&format!("2 of {USERS}"));
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("@")).collect();
    assert!(
        rows.len() > 1 && rows[1].contains('▶') && !rows[0].contains('▶'),
        "the marker follows the cursor:\n{s}"
    );

    let e = t.screen_with_escapes();
    assert!(
        !e.contains("38;5") && !e.contains("48;5"),
        "256-colour codes under NO_COLOR:\n{e}"
    );
    assert_eq!(
        colour_sequences(&e),
        Vec::<String>::new(),
        "colour codes under NO_COLOR"
    );
    assert!(has_reverse(&e), "the cursor row is reversed:\n{e}");

    // Opening a user works at this size too.
    t.keys(&["Enter"]);
    let s = t.wait_text("✓ fresh from the server");
    assert!(s.contains("workspaces ("), "{s}");
    assert_eq!(
        colour_sequences(&t.screen_with_escapes()),
        Vec::<String>::new()
    );
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn colour_sequence_scanner_finds_colours_and_ignores_attributes() {
    let plain = "\x1b[1m\x1b[0;7mx\x1b[0m\x1b[39m\x1b[49m\x1b[4m";
    assert_eq!(colour_sequences(plain), Vec::<String>::new());
    assert!(has_reverse(plain));
    assert!(!has_reverse("\x1b[1m\x1b[27m\x1b[17m"));
    assert_eq!(
        colour_sequences("a\x1b[1;31mb\x1b[38;5;6mc\x1b[92m"),
        vec!["ESC[1;31m", "ESC[38;5;6m", "ESC[92m"]
    );
}
