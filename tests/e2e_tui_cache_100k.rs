//! The cache at a real tenant's size and latency, in a real terminal (tmux): 100,000 users,
//! every request 150 ms, the default rate budget. The second open shows every cached user
//! (the list's count, `G` to the last one) long before the refresh could, and the refresh
//! then completes into the same rows. The time to browsable is printed (a figure, not an
//! assertion); the test fails when the cache is not what made the list browsable.

mod support;

use std::time::{Duration, Instant};

use support::{Fake, Sandbox, Tmux};

const USERS: usize = 100_000;

/// The percentage after `refreshing… ` on the screen.
fn refreshed_pct(screen: &str) -> Option<usize> {
    let rest = screen.split("refreshing… ").nth(1)?;
    rest.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

#[test]
fn reopening_100k_users_at_150_ms_shows_the_cache_at_once_and_refreshes_into_it() {
    if !support::tmux::available("reopening_100k_users_at_150_ms") {
        return;
    }
    let fake = Fake::start_with(&["--users", &USERS.to_string(), "--latency-ms", "150"]);
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("cache");
    let env = sandbox
        .env()
        .connect_to(&fake)
        .set("SCIMITAR_CACHE_DIR", dir.display().to_string());
    let loaded = format!("loaded {USERS} / {USERS}");

    // First open, budget lifted so the test does not wait two minutes: loads and writes
    // the cache.
    let first = env.clone().set("SCIMITAR_RATE_LIMIT", "0");
    let t = Tmux::start(120, 30, &first, &[support::bin()]);
    t.wait_for_within("the first complete load", Duration::from_secs(300), |s| {
        s.contains(&loaded) && !s.contains("loading") && !s.contains("refreshing")
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.screen());
    let cache = std::fs::read_dir(&dir)
        .expect("the cache directory")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "cache"))
        .expect("a cache file after the complete load");
    let text = std::fs::read_to_string(&cache).expect("cache text");
    // The list's last row in server order is the cache's last user.
    let last = text
        .rsplit("\"u\":\"")
        .next()
        .and_then(|s| s.split('"').next())
        .expect("a user name in the cache")
        .to_string();
    drop(text);

    // Second open at the default budget (500 requests a minute: 200 s for 1,000 pages).
    let started = Instant::now();
    let t = Tmux::start(120, 30, &env, &[support::bin()]);
    let s = t.wait_for_within("every cached user", Duration::from_secs(60), |s| {
        s.contains("cached ") && s.contains(&loaded)
    });
    let browsable = started.elapsed();
    let pct = refreshed_pct(&s).unwrap_or(100);
    assert!(
        pct < 50,
        "every user is browsable because of the cache, not the refresh ({pct}% refreshed):\n{s}"
    );
    t.keys(&["G"]);
    let s = t.wait_for("the last user", |s| {
        s.contains(&format!("{USERS} of {USERS}")) && s.contains(&last)
    });
    let at_last = started.elapsed();
    assert!(s.contains("cached "), "still the cache on screen:\n{s}");
    let build = match std::env::var("SCIMITAR_E2E_BIN") {
        Ok(b) => format!("binary {b}"),
        Err(_) => "debug build".into(),
    };
    eprintln!(
        "FIGURE: reopen of {USERS} users at 150 ms ({build}, tmux): every user browsable after {browsable:.2?} ({pct}% refreshed), G on the last user after {at_last:.2?}"
    );

    // The refresh completes into the same rows: the count and the last user are the same.
    t.wait_for_within("the completed refresh", Duration::from_secs(400), |s| {
        !s.contains("cached ") && s.contains(&loaded) && !s.contains("loading")
    });
    eprintln!(
        "FIGURE: the refresh completed after {:.1?}",
        started.elapsed()
    );
    t.keys(&["g", "G"]);
    let s = t.wait_for("the last user after the refresh", |s| {
        s.contains(&format!("{USERS} of {USERS}")) && s.contains(&last)
    });
    assert!(s.contains(&loaded), "{s}");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}
