//! The local cache of a tenant's users, in a real terminal (tmux) against `scimitar fake
//! serve` with latency: the first open writes it (mode 0600) after a complete load; the
//! second shows every user while the refresh has not yet received a page; a corrupt cache is
//! ignored with a message and rewritten; `cache clear` removes it; `--no-cache` writes none.

mod support;

use std::path::{Path, PathBuf};

use support::{Env, Fake, Sandbox, Tmux, scimitar, wait_until};

const USERS: usize = 300;

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "cache"))
                // The last logins kept beside the users are not a second cache of users.
                .filter(|p| !p.to_string_lossy().ends_with("-logins.cache"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Opens the TUI, waits for the whole tenant to be loaded and fresh, and quits.
fn open_and_load(env: &Env, extra: &[&str]) {
    let mut argv = vec![support::bin()];
    argv.extend_from_slice(extra);
    let t = Tmux::start(120, 30, env, &argv);
    t.wait_for("the fresh list", |s| {
        s.contains(&format!("loaded {USERS} / {USERS}"))
            && !s.contains("refreshing")
            && !s.contains("loading")
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.screen());
}

#[test]
fn reopen_from_cache_corrupt_cache_clear_and_no_cache() {
    if !support::tmux::available("reopen_from_cache_corrupt_cache_clear_and_no_cache") {
        return;
    }
    // Every request takes 1.5 s, so a page of the refresh cannot arrive before the first
    // frames of a second open.
    let fake = Fake::start_with(&["--users", &USERS.to_string(), "--latency-ms", "1500"]);
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("cache");
    let env = sandbox
        .env()
        .connect_to(&fake)
        .set("SCIMITAR_CACHE_DIR", dir.display().to_string());

    // First open: no cache yet; after the complete load one is written, private.
    open_and_load(&env, &[]);
    let files = wait_until("the cache file", || {
        let f = cache_files(&dir);
        (!f.is_empty()).then_some(f)
    });
    assert_eq!(files.len(), 1, "one cache per tenant: {files:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0])
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the cache holds emails");
    }
    let text = std::fs::read_to_string(&files[0]).expect("cache text");
    let some_email = text
        .split("\"u\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a user name in the cache")
        .to_string();

    // Second open: every cached user is browsable while the refresh has no page yet.
    let t = Tmux::start(120, 30, &env, &[support::bin()]);
    let s = t.wait_for("the cached list", |s| s.contains("cached "));
    assert!(
        s.contains("refreshing… 0%") && s.contains(&format!("loaded {USERS} / {USERS}")),
        "the cached users show before the first page of the refresh:\n{s}"
    );
    let rows = s.lines().filter(|l| l.contains('@')).count();
    assert!(rows >= 10, "the cached rows are on screen:\n{s}");
    t.wait_for("the refreshed list", |s| {
        !s.contains("cached ") && s.contains(&format!("loaded {USERS} / {USERS}"))
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);

    // A corrupt cache is ignored with a message, and rewritten after the load.
    std::fs::write(&files[0], "{\"format\":\"scimitar-user-cache\",\"vers").expect("corrupt");
    let t = Tmux::start(120, 30, &env, &[support::bin()]);
    let s = t.wait_text("cached users ignored");
    assert!(
        !s.contains("refreshing"),
        "a corrupt cache is not shown:\n{s}"
    );
    t.wait_for("the fresh list", |s| {
        s.contains(&format!("loaded {USERS} / {USERS}")) && !s.contains("loading")
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    wait_until("the rewritten cache", || {
        std::fs::read_to_string(&files[0])
            .ok()
            .filter(|t| t.contains("\"version\":1") && t.contains(&some_email))
    });

    // `cache clear` removes it.
    let r = scimitar(&env, &["cache", "clear"]);
    r.assert_ok("cache clear");
    assert!(r.stdout.contains("removed 1"), "{}", r.stdout);
    assert!(cache_files(&dir).is_empty(), "{:?}", cache_files(&dir));

    // `--no-cache` neither reads nor writes one.
    open_and_load(&env, &["--no-cache"]);
    assert!(
        cache_files(&dir).is_empty(),
        "--no-cache wrote {:?}",
        cache_files(&dir)
    );
}
