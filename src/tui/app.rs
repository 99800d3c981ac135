//! The event loop: keys, effect results, signals and a slow tick in; `update`; effects out;
//! a redraw only when something changed, at most ~10 per second for background progress.

use std::time::Duration;

use futures::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::{Instant, sleep_until};

use crate::tui::effect::Effect;
use crate::tui::keymap::key_to_action;
use crate::tui::msg::{Msg, Outcome};
use crate::tui::runner::EffectRunner;
use crate::tui::state::State;
use crate::tui::terminal::TerminalGuard;
use crate::tui::update::{mode, update};

const MIN_FRAME: Duration = Duration::from_millis(100);
const TICK: Duration = Duration::from_millis(250);
/// Background actions applied per wake-up before the screen gets a chance to draw.
const DRAIN: usize = 256;
/// How long quitting waits for the user cache to be written (100,000 users take ~1 s).
const CACHE_WRITE_GRACE: Duration = Duration::from_secs(10);

// Long because the event loop: terminal events, effect results, ticks and redraws in one
// select, so their priority is visible.
pub async fn run_loop(
    term: &mut TerminalGuard,
    mut state: State,
    mut runner: EffectRunner,
    mut rx: UnboundedReceiver<Outcome>,
    initial: Vec<Effect>,
) -> anyhow::Result<Option<String>> {
    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let size = term.terminal.size()?;
    update(
        &mut state,
        Outcome::Resize {
            width: size.width,
            height: size.height,
        },
    );
    for e in initial {
        runner.run(e);
    }
    let mut last_draw: Option<Instant> = None;
    let mut next_tick = Instant::now() + TICK;
    let mut urgent = true;
    // Set when a signal asked to quit during a run: the latest moment to wait for it.
    let mut give_up_at: Option<Instant> = None;
    // The terminal went away (SIGHUP, EIO on write or read): no more drawing or reading; a
    // running batch is let finish its requests in flight, as on a signal.
    let mut terminal_gone = false;
    loop {
        if !terminal_gone && !redraw(term, &mut state, &mut last_draw, urgent) {
            terminal_gone = true;
            if leave(&mut state, &mut runner, &mut give_up_at) {
                break;
            }
        }
        urgent = false;
        if state.should_quit {
            break;
        }
        let draw_at = last_draw.map_or_else(Instant::now, |t| t + MIN_FRAME);
        let mut actions: Vec<Msg> = Vec::new();
        tokio::select! {
            ev = events.next(), if !terminal_gone => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    urgent = true;
                    if let Some(a) = key_to_action(&state.keymap, mode(&state), &k) {
                        actions.push(a);
                    }
                }
                Some(Ok(Event::Resize(width, height))) => {
                    urgent = true;
                    actions.push(Outcome::Resize { width, height }.into());
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::warn!("terminal input failed ({e}): quitting");
                    terminal_gone = true;
                    if leave(&mut state, &mut runner, &mut give_up_at) {
                        break;
                    }
                }
                None => {
                    terminal_gone = true;
                    if leave(&mut state, &mut runner, &mut give_up_at) {
                        break;
                    }
                }
            },
            Some(a) = rx.recv() => drain(a, &mut rx, &mut actions),
            _ = sleep_until(next_tick), if state.flash.is_some() => {
                next_tick = Instant::now() + TICK;
                actions.push(Outcome::Tick.into());
            }
            _ = sleep_until(draw_at), if state.dirty => {}
            _ = sigterm.recv() => { tracing::info!("SIGTERM: quitting"); if leave(&mut state, &mut runner, &mut give_up_at) { break; } }
            _ = sighup.recv() => { tracing::info!("SIGHUP: quitting"); if leave(&mut state, &mut runner, &mut give_up_at) { break; } }
            _ = sigint.recv() => { tracing::info!("SIGINT: quitting"); if leave(&mut state, &mut runner, &mut give_up_at) { break; } }
            _ = sleep_until(give_up_at.unwrap_or_else(Instant::now)), if give_up_at.is_some() => {
                tracing::warn!("requests in flight did not finish in time; quitting (resume re-checks them)");
                break;
            }
        }
        if state.flash.is_none() {
            next_tick = Instant::now() + TICK;
        }
        for a in actions {
            for e in update(&mut state, a) {
                runner.run(e);
            }
        }
    }
    runner.abort_all();
    runner.finish(CACHE_WRITE_GRACE).await;
    Ok(crate::tui::screens::interrupted::exit_note(&state))
}

/// Draws when something changed and a frame is due (or at once after a key); `false` when
/// the terminal went away.
fn redraw(
    term: &mut TerminalGuard,
    state: &mut State,
    last_draw: &mut Option<Instant>,
    urgent: bool,
) -> bool {
    if !state.dirty {
        return true;
    }
    let due = last_draw.is_none_or(|t| t.elapsed() >= MIN_FRAME);
    if !(urgent || due) {
        return true;
    }
    let drawn = term.draw(state);
    state.dirty = false;
    *last_draw = Some(Instant::now());
    match drawn {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!("the terminal went away ({e}): quitting");
            false
        }
    }
}

/// Takes the outcome that woke the loop and those already waiting, up to `DRAIN`.
fn drain(first: Outcome, rx: &mut UnboundedReceiver<Outcome>, actions: &mut Vec<Msg>) {
    actions.push(first.into());
    while actions.len() < DRAIN {
        match rx.try_recv() {
            Ok(a) => actions.push(a.into()),
            Err(_) => break,
        }
    }
}

/// A signal asked to quit (a dropped SSH session, a kill). With no batch running: now. During
/// a run: stop dispatching and wait, at most `SIGNAL_GRACE`, for the requests in flight to be
/// answered and journaled. Returns whether to leave at once.
fn leave(state: &mut State, runner: &mut EffectRunner, give_up_at: &mut Option<Instant>) -> bool {
    if !state.run.running || give_up_at.is_some() {
        return true;
    }
    *give_up_at = Some(Instant::now() + SIGNAL_GRACE);
    for e in crate::tui::screens::run::quit_after_run(state) {
        runner.run(e);
    }
    false
}

const SIGNAL_GRACE: std::time::Duration = std::time::Duration::from_secs(10);
