//! TUI figures with 100,000 users loaded: one frame at 120x40, one keystroke of local
//! search, and peak memory. Prints numbers; asserts nothing about time.
//! Run: `cargo bench --bench tui_render` (SCIMITAR_BENCH_USERS and _RUNS to change sizes).

use std::hint::black_box;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use scimitar::tui::testing::{loaded_state, synthetic_users};
use scimitar::tui::{Action, render, update};
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

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n = env("SCIMITAR_BENCH_USERS", 100_000);
    let runs = env("SCIMITAR_BENCH_RUNS", 101);
    println!("tui_render: {n} users, median of {runs}");
    let t0 = Instant::now();
    let mut state = loaded_state(synthetic_users(n), 120, 40);
    println!(
        "  build state (synthetic users + indexes): {:?}",
        t0.elapsed()
    );
    println!("  peak memory after load (VmHWM): {}", vm_hwm());

    let mut term = match Terminal::new(TestBackend::new(120, 40)) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    // Frames in the middle of the list, moving the cursor between frames like scrolling.
    update(&mut state, Action::Bottom);
    for _ in 0..(n / 2).min(50_000) {
        update(&mut state, Action::Up);
    }
    let mut frames = Vec::with_capacity(runs);
    for i in 0..runs {
        update(
            &mut state,
            if i % 2 == 0 {
                Action::PageDown
            } else {
                Action::PageUp
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
    update(&mut state, Action::Search);
    for c in "user0".chars() {
        update(&mut state, Action::Input(InputRequest::InsertChar(c)));
    }
    let mut narrow = Vec::with_capacity(runs);
    let mut widen = Vec::with_capacity(runs);
    for i in 0..runs {
        let c = char::from(b'0' + (i % 10) as u8);
        let t = Instant::now();
        update(&mut state, Action::Input(InputRequest::InsertChar(c)));
        narrow.push(t.elapsed());
        black_box(state.visible.len());
        let t = Instant::now();
        update(&mut state, Action::Input(InputRequest::DeletePrevChar));
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
    println!("  peak memory (VmHWM): {}", vm_hwm());
}
