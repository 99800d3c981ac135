//! Terminal set-up and restore. No terminal queries at start-up (they time out over slow
//! SSH), no mouse capture (users keep text selection). The terminal is restored on every
//! exit path: normal return, error, panic on the UI thread, and signals (handled by the loop).

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute, queue};

use crate::tui::state::State;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Owns the terminal while the TUI runs; dropping it restores the terminal.
pub struct TerminalGuard {
    /// Never dropped (see `Drop`): one per process, freed when it exits.
    pub terminal: std::mem::ManuallyDrop<Term>,
}

impl TerminalGuard {
    pub fn new() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = io::stdout();
        if let Err(e) = execute!(out, EnterAlternateScreen, cursor::Hide) {
            restore();
            return Err(e);
        }
        let terminal = match Terminal::new(CrosstermBackend::new(io::stdout())) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        Ok(TerminalGuard {
            terminal: std::mem::ManuallyDrop::new(terminal),
        })
    }

    /// One frame inside a synchronized update, so slow links never show half a frame.
    pub fn draw(&mut self, state: &State) -> io::Result<()> {
        queue!(io::stdout(), BeginSynchronizedUpdate)?;
        let r = self
            .terminal
            .draw(|f| crate::tui::view::render(state, f))
            .map(|_| ());
        execute!(io::stdout(), EndSynchronizedUpdate)?;
        r
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        // The terminal itself is never dropped: ratatui's drop only shows the cursor, which
        // `restore` does too, and it `eprintln!`s (so panics) when the terminal went away.
        restore();
    }
}

/// Leaves raw mode and the alternate screen; safe to call twice.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let mut out = io::stdout();
        let _ = execute!(
            out,
            EndSynchronizedUpdate,
            LeaveAlternateScreen,
            cursor::Show
        );
        let _ = out.flush();
    }
}

/// A panic on the UI thread restores the terminal before the report is printed. A panic in
/// a background task is only logged: printing it would scribble over the screen, and the
/// task's owner shows an error popup instead.
fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let ui_thread = std::thread::current().name() == Some("main");
        tracing::error!("panic: {info}");
        if ui_thread || !ACTIVE.load(Ordering::SeqCst) {
            restore();
            previous(info);
        }
    }));
}
