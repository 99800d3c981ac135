//! TUI figures with 100,000 users loaded from the fake: the load itself, one frame at
//! 120x40, one keystroke of local search, and peak memory. Prints numbers; asserts nothing
//! about time. The fake runs as a separate `scimitar fake serve` process, so the peak
//! memory is this process's: the TUI state and the users it holds.
//! Run: `cargo bench --bench tui_render` (SCIMITAR_BENCH_USERS and _RUNS to change sizes).

use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use scimitar::scim::client::{AuthMethod, Connection};
use scimitar::scim::{ListOptions, ScimClient};
use scimitar::tui::testing::loaded_state;
use scimitar::tui::{Command as TuiCommand, Msg, Outcome, render, update};
use secrecy::SecretString;
use tui_input::InputRequest;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown (no /proc/self/status)".into())
}

/// Where the bytes of the loaded users go, estimated from their lengths and the
/// allocator's chunk sizes (printed, not measured by the allocator).
fn where_the_bytes_go(state: &scimitar::tui::State) {
    let f = state.list.store().footprint();
    let visible = state.visible_capacity() * std::mem::size_of::<usize>();
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    println!(
        "  where the bytes go (estimate): rows {:.1} MiB, their text (one allocation per user) {:.1} MiB, workspace indices {:.1} MiB, interned workspaces ({}) {:.2} MiB, id index {:.1} MiB; store {:.1} MiB for {} users ({:.0} B each); the visible-rows list {:.1} MiB",
        mib(f.rows),
        mib(f.text),
        mib(f.memberships),
        state.list.store().workspaces().len(),
        mib(f.workspaces),
        mib(f.id_index),
        mib(f.total()),
        state.list.len(),
        f.total() as f64 / state.list.len().max(1) as f64,
        mib(visible)
    );
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Starts `scimitar fake serve` with `n` users and loads them all as the TUI does: pages
/// handed over as they arrive and applied to the state, nothing else holding users.
fn load_from_fake(n: usize) -> (scimitar::tui::State, Duration) {
    let mut child = match Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args([
            "fake",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--users",
            &n.to_string(),
        ])
        .env(
            "SCIMITAR_DATA_DIR",
            std::env::temp_dir().join("scimitar-bench"),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot start the fake: {e}"),
    };
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let v: serde_json::Value = match serde_json::from_str(&line) {
        Ok(v) => v,
        Err(e) => panic!("the fake's first line is not JSON ({e}): {line}"),
    };
    let field = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let client = match ScimClient::new(Connection {
        scim_url: field("scim_url"),
        auth_url: field("auth_url"),
        api_url: field("api_url"),
        auth: AuthMethod::Token,
        login: Some(field("login")),
        secret: Some(SecretString::from(field("password"))),
        rate_per_minute: 0,
        ..Connection::default()
    }) {
        Ok(c) => c,
        Err(e) => panic!("client: {e}"),
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => panic!("runtime: {e}"),
    };
    // As the TUI starts: a load begins, its pages arrive as actions.
    let mut state = loaded_state(Vec::new(), 120, 40);
    update(&mut state, TuiCommand::Refresh);
    let generation = state.list.generation;
    let t = Instant::now();
    let total = rt.block_on(async {
        let pages = client.list_each(None, ListOptions::default(), |p| {
            update(
                &mut state,
                Outcome::PageLoaded {
                    generation,
                    users: p.users,
                    total: p.total,
                },
            );
        });
        match pages.await {
            Ok(r) => r.total_results,
            Err(e) => panic!("listing failed: {e}"),
        }
    });
    update(
        &mut state,
        Outcome::LoadFinished {
            generation,
            result: Ok(total),
        },
    );
    println!(
        "  load {} users from the fake into the TUI state (pages of 100, 8 at once, no added latency): {:?}, {} requests",
        state.list.len(),
        t.elapsed(),
        client.stats().requests
    );
    let took = t.elapsed();
    println!(
        "  peak memory after the users, before last logins (VmHWM): {}",
        vm_hwm()
    );
    // Every user's last login, as the TUI reads them after a load.
    let t = Instant::now();
    let logins = match rt.block_on(client.list_last_logins(|_| {})) {
        Ok(l) => l,
        Err(e) => panic!("last logins: {e}"),
    };
    let known = logins.len();
    update(
        &mut state,
        Outcome::LastLoginsLoaded {
            generation,
            logins: std::sync::Arc::new(logins),
            read_at: time::OffsetDateTime::now_utc(),
            from_cache: false,
        },
    );
    println!(
        "  last logins of {known} users read and applied: {:?}",
        t.elapsed()
    );
    let _ = child.kill();
    let _ = child.wait();
    (state, took)
}

fn main() {
    let n = env("SCIMITAR_BENCH_USERS", 100_000);
    let runs = env("SCIMITAR_BENCH_RUNS", 101);
    println!("tui_render: {n} users, median of {runs}");
    let (mut state, cold) = load_from_fake(n);
    println!("  peak memory after load (VmHWM): {}", vm_hwm());
    where_the_bytes_go(&state);

    let mut term = match Terminal::new(TestBackend::new(120, 40)) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    // Frames in the middle of the list, moving the cursor between frames like scrolling.
    update(&mut state, TuiCommand::Bottom);
    for _ in 0..(n / 2).min(50_000) {
        update(&mut state, TuiCommand::Up);
    }
    let mut frames = Vec::with_capacity(runs);
    for i in 0..runs {
        update(
            &mut state,
            if i % 2 == 0 {
                TuiCommand::PageDown
            } else {
                TuiCommand::PageUp
            },
        );
        let t = Instant::now();
        let _ = term.draw(|f| render(black_box(&state), f));
        frames.push(t.elapsed());
    }
    println!(
        "  render one frame at 120x40 (median): {:?}",
        median(frames)
    );

    // Local search: each run types one more character (narrowing) and deletes it again
    // (widening, a full rescan); both are single keystrokes.
    update(&mut state, TuiCommand::Search);
    // "ma" matches thousands of the tenant's names and emails; each keystroke adds a letter.
    for c in "ma".chars() {
        update(&mut state, Msg::Edit(InputRequest::InsertChar(c)));
    }
    let mut narrow = Vec::with_capacity(runs);
    let mut widen = Vec::with_capacity(runs);
    for i in 0..runs {
        let c = ['r', 'n', 't', 'y', 'i'][i % 5];
        let t = Instant::now();
        update(&mut state, Msg::Edit(InputRequest::InsertChar(c)));
        narrow.push(t.elapsed());
        black_box(state.visible().len());
        let t = Instant::now();
        update(&mut state, Msg::Edit(InputRequest::DeletePrevChar));
        widen.push(t.elapsed());
    }
    println!(
        "  local search keystroke, narrowing (median): {:?}",
        median(narrow)
    );
    println!(
        "  local search keystroke, widening/full scan (median): {:?}",
        median(widen)
    );
    let t = Instant::now();
    let _ = term.draw(|f| render(&state, f));
    println!("  render after search: {:?}", t.elapsed());
    keystrokes(&mut state, &mut term, runs);
    println!("  peak memory (VmHWM): {}", vm_hwm());
    cold_and_cached_open(state, cold);
}

/// A keystroke as the person at the terminal meets it, `update` then one frame: `j` in the
/// middle of the list, `G` and `g` (to the last user and back), and a search character on
/// the whole list (typed, then deleted), each the median of `runs`.
fn keystrokes(state: &mut scimitar::tui::State, term: &mut Terminal<TestBackend>, runs: usize) {
    // Empty the query ("ma" is left) and leave the search, so the whole list is shown.
    for _ in 0..2 {
        update(state, Msg::Edit(InputRequest::DeletePrevChar));
    }
    update(state, TuiCommand::Back);
    println!(
        "  after the search: {} of {} users shown",
        state.visible().len(),
        state.list.len()
    );
    let mut key = |state: &mut scimitar::tui::State, a: Msg| {
        let t = Instant::now();
        update(state, a);
        let _ = term.draw(|f| render(black_box(state), f));
        t.elapsed()
    };
    let (mut j, mut g, mut search) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs {
        j.push(key(state, TuiCommand::Down.into()));
        g.push(key(
            state,
            if i % 2 == 0 {
                TuiCommand::Bottom.into()
            } else {
                TuiCommand::Top.into()
            },
        ));
    }
    update(state, TuiCommand::Search);
    for i in 0..runs {
        let c = ['m', 'a', 'e', 'o', 'j'][i % 5];
        search.push(key(state, Msg::Edit(InputRequest::InsertChar(c))));
        search.push(key(state, Msg::Edit(InputRequest::DeletePrevChar)));
    }
    println!(
        "  keystroke, update + render at 120x40 on {} users (median): j {:?}, G/g {:?}, a search character typed or deleted on the whole list {:?}",
        state.list.len(),
        median(j),
        median(g),
        median(search)
    );
}

/// Writes the users to a cache as a complete load does, then opens from it: the time
/// until every user is browsable, against the cold open (list every user, build).
fn cold_and_cached_open(state: scimitar::tui::State, cold: Duration) {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let path = scimitar::cache::file_for(dir.path(), "bench");
    let n = state.list.len();
    let t = Instant::now();
    if let Err(e) = scimitar::cache::write(&path, "bench", state.list.store(), n as u64) {
        panic!("cache: {e}");
    }
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "  write the cache after a complete load: {:?}, {:.1} MiB on disk",
        t.elapsed(),
        size as f64 / (1024.0 * 1024.0)
    );
    drop(state);
    let t = Instant::now();
    let cached = match scimitar::cache::read(&path, "bench") {
        Ok(Some(c)) => c,
        other => panic!("the cache did not read back: {other:?}"),
    };
    // As the TUI opens: a load starts, the cache is shown while it runs.
    let mut state = loaded_state(Vec::new(), 120, 40);
    update(&mut state, TuiCommand::Refresh);
    let generation = state.list.generation;
    update(
        &mut state,
        Outcome::CacheLoaded {
            generation,
            result: Ok(Some(cached)),
        },
    );
    let warm = t.elapsed();
    assert_eq!(state.list.len(), n, "every user from the cache");
    println!(
        "  open until every user is browsable: cold (list them all, no rate limit, + build) {cold:?}; from the cache (read + build) {warm:?}; at the 500/min budget a cold open needs {} requests, {:.0} s",
        n.div_ceil(100),
        n.div_ceil(100) as f64 * 60.0 / 500.0
    );
}
