//! The reducer: `update(&mut State, Msg) -> Vec<Effect>`. Pure: no I/O, no clock; what
//! must happen outside is returned as effects.

use crate::input::csv::ReadOptions;

use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::layers::{self, Top};
use crate::tui::msg::{Command, Copied, Msg, Outcome};
use crate::tui::stack::{Layer, Step};
use crate::tui::state::{DetailState, LoadState, Popup, State, View, ViewKind};

// Which layer is on top is said once, in layers.rs; named here too for the callers that
// know it from the reducer.
pub(crate) use crate::tui::list::reload;
pub use crate::tui::screens::{base_mode, mode};

/// First effects: load the users and the workspace list; with `open_user`, open straight
/// on that user's details.
pub fn init(state: &mut State, open_user: Option<String>) -> Vec<Effect> {
    init_with(state, open_user, None)
}

/// Like [`init`]; with `csv`, the file is read (with those options) and resolved at once and
/// its report shown.
pub fn init_with(
    state: &mut State,
    open_user: Option<String>,
    csv: Option<(String, ReadOptions)>,
) -> Vec<Effect> {
    let mut effects = reload(state);
    if state.list.use_cache && state.filter.applied.is_none() {
        // Read first: the cached list shows while the fresh one loads.
        effects.insert(
            0,
            Effect::LoadCache {
                generation: state.list.generation,
            },
        );
    }
    effects.push(Effect::ListWorkspaces);
    if state.list.use_cache {
        effects.push(Effect::LoadLoginCache {
            generation: state.logins.generation,
        });
    }
    if let Some((path, options)) = csv.filter(|(p, _)| !p.trim().is_empty()) {
        effects.extend(crate::tui::screens::csv::start_csv_with(
            state, path, options,
        ));
    }
    if let Some(key) = open_user.filter(|k| !k.trim().is_empty()) {
        let key = key.trim().to_string();
        let detail = Box::new(DetailState::new(key.clone()));
        state.views.push(View::new(ViewKind::Detail(detail)));
        effects.push(Effect::FindUser { query: key });
    }
    effects
}

pub fn update(state: &mut State, msg: impl Into<Msg>) -> Vec<Effect> {
    let msg = msg.into();
    if msg != Msg::Outcome(Outcome::Tick) {
        state.dirty = true;
    }
    let had_flow = state.in_flow();
    let news = matches!(&msg, Msg::Outcome(o) if *o != Outcome::Tick);
    let mut effects = match msg {
        Msg::Command(c) => on_key(state, c),
        Msg::Edit(req) => edit(state, req),
        Msg::Outcome(o) => on_outcome(state, o),
    };
    crate::tui::find_screens::forget_gone(state);
    if news {
        crate::tui::find_screens::refresh(state);
    }
    // Back on the list after a run or the history: runs left unfinished are offered again
    // (those put off "later" are not).
    if had_flow && !state.in_flow() && !state.run.running {
        effects.push(Effect::FindInterrupted);
    }
    effects
}

/// An editing key goes to the input that has the keys; none while a popup is up.
fn edit(state: &mut State, req: tui_input::InputRequest) -> Vec<Effect> {
    if crate::tui::layers::editing(state) {
        crate::tui::find_screens::edit(state, req);
        return Vec::new();
    }
    match layers::top(state) {
        Top::Popup => Vec::new(),
        Top::Screen(_) => layer_key(state, |l, s| l.on_edit(req, s)).0,
        // No input is open.
        Top::View(_) => Vec::new(),
    }
}

fn tick(state: &mut State) {
    if let Some(f) = &mut state.flash {
        f.ticks_left = f.ticks_left.saturating_sub(1);
        if f.ticks_left == 0 {
            state.flash = None;
            state.dirty = true;
        }
    }
}

/// A key: the keys that work everywhere, then whoever has the keys now (the layer on top of
/// the stack: a popup, a screen of the bulk flow, an input; else the view).
fn on_key(state: &mut State, action: Command) -> Vec<Effect> {
    // A search in the screen on top (find.rs), then the help overlay's scrolling.
    if let Some(effects) = crate::tui::find_screens::on_key(state, action) {
        return effects;
    }
    if state.popup() == Some(&Popup::Help)
        && let Some(effects) = crate::tui::screens::help::on_key(state, action)
    {
        return effects;
    }
    match action {
        Command::Quit => quit(state),
        Command::Help => {
            if state.popup() == Some(&Popup::Help) {
                state.pop_popup();
            } else {
                state.help_scroll = 0;
                state.push_popup(Popup::Help);
            }
            Vec::new()
        }
        a => match layers::top(state) {
            // A popup or a screen of the stack answers its own keys.
            Top::Popup | Top::Screen(_) => {
                let (mut effects, passed) = layer_key(state, |l, s| l.on_command(a, s));
                if passed {
                    effects.extend(browse_key(state, a));
                }
                effects
            }
            _ if a == Command::Confirm => Vec::new(),
            _ if a == Command::Back => back(state),
            _ => browse_key(state, a),
        },
    }
}

/// A key for the screen on top of the stack: it is taken off while it handles the key (so it
/// can change the whole state), then put back or replaced as its step says. Also says
/// whether it passed the key on.
fn layer_key(
    state: &mut State,
    handle: impl FnOnce(&mut dyn Layer<State>, &mut State) -> Step<State>,
) -> (Vec<Effect>, bool) {
    let mark = state.layers().mark();
    let Some(mut layer) = state.layers_mut().pop() else {
        return (Vec::new(), false);
    };
    let step = handle(&mut *layer, state);
    let passed = matches!(step.next, crate::tui::stack::Next::Pass);
    // What it opened while off the stack (a popup, the screen it goes on to) is over it.
    let opened = state.layers_mut().opened_since(mark);
    state.layers_mut().apply(layer, step.next);
    state.layers_mut().reopen(opened);
    (step.effects, passed)
}

fn quit(state: &mut State) -> Vec<Effect> {
    if state.run.running {
        if state.popup() != Some(&Popup::ConfirmQuit) {
            state.push_popup(Popup::ConfirmQuit);
        }
    } else {
        state.should_quit = true;
    }
    Vec::new()
}

/// A key on the view on top: its own (the view's module, `screens::view_key`), then the keys
/// every view has.
fn browse_key(state: &mut State, action: Command) -> Vec<Effect> {
    if let Some(effects) = crate::tui::screens::view_key(state, action) {
        return effects;
    }
    match action {
        a @ (Command::VisualSelect
        | Command::SelectAll
        | Command::InvertSelection
        | Command::ClearSelection
        | Command::LoadCsv) => {
            crate::tui::screens::users::bulk_key(state, a);
            Vec::new()
        }
        Command::Refresh => {
            let mut e = reload(state);
            e.push(Effect::ListWorkspaces);
            e
        }
        Command::Workspaces => {
            crate::tui::screens::workspaces::open(state);
            Vec::new()
        }
        Command::Export => crate::tui::export::start(state),
        // A screen that opens over the view (screens/mod.rs), else keys of the bulk screens:
        // nothing on the view.
        a => crate::tui::screens::open_on(state, a).unwrap_or_default(),
    }
}

/// What came back. Every outcome is named here, so a new one cannot be dropped unseen;
/// results apply whatever is on screen.
fn on_outcome(state: &mut State, outcome: Outcome) -> Vec<Effect> {
    use crate::tui::screens;
    match outcome {
        Outcome::Tick => tick(state),
        Outcome::Notice(text) => {
            let text: String = text.chars().filter(|c| !c.is_control()).collect();
            state.flash(text);
        }
        Outcome::ShowError { title, message } => state.push_popup(Popup::Error { title, message }),
        Outcome::Resize { width, height } => {
            state.width = width;
            state.height = height;
            state.clamp_cursor();
        }
        Outcome::PageLoaded {
            generation,
            users,
            total,
        } => page_loaded(state, generation, users, total),
        Outcome::CacheLoaded { generation, result } => cache_loaded(state, generation, result),
        Outcome::LoadFinished { generation, result } => {
            return load_finished(state, generation, result);
        }
        Outcome::WorkspacesListed(result) => screens::workspaces::listed(state, result),
        Outcome::LastLoginsProgress {
            generation,
            progress,
        } => {
            if generation == state.logins.generation {
                state.logins.load = crate::tui::logins::LoginLoad::Loading {
                    known: progress.known,
                    total: progress.total,
                    one_by_one: progress.one_by_one,
                };
            }
        }
        Outcome::LastLoginsLoaded {
            generation,
            logins,
            read_at,
            from_cache,
        } => logins_loaded(state, generation, logins, read_at, from_cache),
        Outcome::UserFetched { key, result } => {
            return screens::detail::user_fetched(state, key, result);
        }
        Outcome::LastLoginFetched { id, login } => {
            screens::detail::last_login_fetched(state, id, login)
        }
        Outcome::ClipboardSent { what, result } => clipboard_sent(state, what, result),
        Outcome::CsvProgress { rows, looked_up } => screens::csv::progress(state, rows, looked_up),
        Outcome::CsvLoaded(result) => screens::csv::loaded(state, result),
        Outcome::CsvColumns { path, columns, why } => {
            screens::columns::offer(state, path, columns, why)
        }
        Outcome::RunsListed(result) => screens::history::runs_listed(state, result),
        Outcome::RunLoaded(result) => screens::history::run_loaded(state, result),
        Outcome::RunVerified(result) => return screens::history::verified(state, result),
        Outcome::WouldOverwrite { purpose, path } => {
            screens::path::would_overwrite(state, purpose, path)
        }
        Outcome::PathCompleted { typed, completion } => {
            screens::path::completed(state, typed, completion)
        }
        Outcome::Saved { what, result } => screens::path::saved(state, what, result),
        Outcome::RunStarted {
            batch_id,
            journal,
            at,
            baseline,
        } => screens::run::run_started(state, batch_id, journal, at, baseline),
        Outcome::RunEvent(ev) => return screens::run::run_event(state, ev),
        Outcome::RunTick(stats) => screens::run::run_tick(state, stats),
        Outcome::RunFinished { summary, stopped } => {
            return screens::run::run_finished(state, summary, stopped);
        }
        Outcome::PlanReady(preview) => screens::preview::plan_ready(state, preview),
        Outcome::UndoPlanned(result) => screens::preview::undo_planned(state, result),
        Outcome::ResumeReady(result) => return screens::confirm::resume_ready(state, result),
        Outcome::OverlapChecked { tenant, warning } => {
            screens::confirm::overlap_checked(state, &tenant, warning)
        }
        Outcome::InterruptedFound(runs) => crate::tui::screens::interrupted::found(state, runs),
    }
    Vec::new()
}

fn clipboard_sent(state: &mut State, what: Copied, result: Result<(), Failure>) {
    match result {
        Ok(()) => state.flash(format!("{} sent to clipboard (OSC 52)", what.label())),
        Err(e) => state.flash(format!("could not send to the clipboard: {e}")),
    }
}

/// A load ended. A complete one of every user (no filter) is saved to the local cache.
fn load_finished(state: &mut State, generation: u64, result: Result<u64, Failure>) -> Vec<Effect> {
    if generation != state.list.generation {
        return Vec::new();
    }
    let said = crate::tui::screens::load_ended(state, &result);
    match result {
        Ok(total) => {
            if let Some(c) = state.list.cached.take() {
                // The fresh list is complete: users it did not list are gone.
                state.retain_users(|i| c.is_confirmed(i));
                state.rebuild_keeping_row();
            }
            state.list.load = LoadState::Done;
            state.list.total = Some(total);
            state.list.last_good = None;
            state.list.stale = None;
            // Then the last logins, in the background; refreshed with every load.
            let mut effects = vec![load_logins(state)];
            if state.filter.applied.is_none() && state.list.use_cache {
                effects.push(Effect::SaveCache {
                    users: state.list.store().clone(),
                    total,
                });
            }
            return effects;
        }
        Err(failure) => {
            // The state keeps what the screen says.
            let message = failure.to_string();
            state.list.load = LoadState::Failed(message.clone());
            if let Some((users, total)) = state.list.last_good.take() {
                state.adopt_users(users, total);
                state.rebuild_visible();
                state.list.stale = Some(message.clone());
            }
            if !said {
                state.push_popup(Popup::Error {
                    title: "Could not load users".into(),
                    message,
                });
            }
        }
    }
    Vec::new()
}

/// Asks for the last logins of the loaded users (a newer ask wins).
fn load_logins(state: &mut State) -> Effect {
    // The header's note starts with the first answer (progress), so a screen is not
    // changed by an ask alone.
    state.logins.generation += 1;
    Effect::LoadLastLogins {
        generation: state.logins.generation,
        ids: state
            .list
            .store()
            .iter()
            .map(|u| u.id().to_string())
            .collect(),
    }
}

/// Holds the last logins; the cached ones only until fresh ones come.
fn logins_loaded(
    state: &mut State,
    generation: u64,
    logins: std::sync::Arc<crate::scim::client::LastLogins>,
    read_at: time::OffsetDateTime,
    from_cache: bool,
) {
    if from_cache {
        if state.logins.held.is_some() {
            return;
        }
    } else if generation != state.logins.generation {
        return;
    } else {
        state.logins.load = crate::tui::logins::LoginLoad::Done;
    }
    state.logins.held = Some(logins);
    state.logins.read_at = read_at;
    if state.view().is_user_list()
        && (state.logins.filter.is_some() || state.sort == crate::tui::sort::SortKey::LastLogin)
    {
        state.rebuild_keeping_row();
    }
}

/// Esc peels the layer on top (layers.rs). Never quits.
fn back(state: &mut State) -> Vec<Effect> {
    match layers::top(state) {
        Top::Popup | Top::Screen(_) => layer_key(state, |l, s| l.on_command(Command::Back, s)).0,
        Top::View(_) => back_view(state),
    }
}

/// Esc on a view: a range being marked, then the search, then the filter or the view.
fn back_view(state: &mut State) -> Vec<Effect> {
    if state.visual_anchor().is_some() {
        crate::tui::select::cancel_visual(state);
        return Vec::new();
    }
    let v = state.view_mut();
    if v.search.is_active() {
        v.search.input.reset();
        state.rebuild_keeping_row();
        return Vec::new();
    }
    if state.views.len() == 1 {
        if state.filter.applied.take().is_some() {
            return reload(state);
        }
        state.flash("nothing to close; q quits");
        return Vec::new();
    }
    // A detail view's state goes with it.
    state.pop_view();
    Vec::new()
}

fn page_loaded(state: &mut State, generation: u64, users: Vec<crate::scim::User>, total: u64) {
    if generation != state.list.generation {
        return;
    }
    state.list.total = Some(total);
    let rows = state.upsert_users(users);
    if let Some(c) = &mut state.list.cached {
        for &(i, _) in &rows {
            c.confirm(i);
        }
    }
    state.show_new_rows(rows);
}

/// Shows the cached list while the fresh load runs. Pages of the refresh that arrived
/// first are merged into it (the fresh copy wins), so every cached user is browsable
/// whichever came first; a load already complete has no use for it.
fn cache_loaded(
    state: &mut State,
    generation: u64,
    result: Result<Option<crate::cache::Cached>, crate::tui::failure::Failure>,
) {
    match result {
        Err(why) => state.flash(format!("cached users ignored: {why}")),
        Ok(Some(c))
            if generation == state.list.generation && state.list.load == LoadState::Loading =>
        {
            let age = crate::cache::age_text(c.age());
            let keep = state.current_user().map(|u| u.id);
            // The server's count, once a page gave it, rules over the cache's.
            let total = state.list.total.unwrap_or(c.total);
            let fresh = state.clear_users();
            let mut merged = c.users;
            let mut shown = crate::tui::state::CacheShown::new(age);
            for u in fresh.iter() {
                shown.confirm(merged.upsert_from(u).0);
            }
            drop(fresh);
            state.adopt_users(std::sync::Arc::new(merged), Some(total));
            state.list.cached = Some(shown);
            state.rebuild_visible();
            let row = keep.and_then(|id| state.list.index_of(&id));
            if let Some(pos) = row.and_then(|r| state.visible().iter().position(|&i| i == r)) {
                state.view_mut().cursor = pos;
                state.clamp_cursor();
            }
        }
        Ok(_) => {}
    }
}
