//! The terminal UI: browse, filter and investigate users. The Elm Architecture:
//! `State` (state.rs), `Msg` = `Command` | `Outcome` (msg.rs), a pure `update` (update.rs), `Effect`s run by
//! the effect runner (runner/), `render` (view/). Keys are data (keymap.rs).

pub(crate) mod app;
pub mod bulk;
pub(crate) mod effect;
pub(crate) mod export;
pub(crate) mod failure;
pub mod find;
pub(crate) mod find_screens;
pub mod keymap;
pub(crate) mod layers;
pub(crate) mod layout;
pub(crate) mod list;
pub(crate) mod logins;
pub(crate) mod msg;
pub(crate) mod runner;
pub mod screens;
pub(crate) mod scroll;
pub(crate) mod select;
pub(crate) mod sort;
pub mod stack;
pub mod state;
pub(crate) mod terminal;
#[doc(hidden)]
pub mod testing;
pub(crate) mod text;
pub(crate) mod theme;
pub mod update;
pub(crate) mod view;
pub(crate) mod widgets;

use std::path::PathBuf;

pub use effect::Effect;
pub use failure::{Failure, FailureKind};
pub use keymap::{Keymap, Mode};
pub use msg::{Command, Copied, Msg, Outcome};
pub use state::State;
pub use theme::{ColorMode, Theme};
pub use update::update;
pub use view::render;

use crate::plan::Protected;
use crate::scim::ScimClient;
use crate::tui::state::Popup;

/// `--csv FILE` with the column it is read from (`--column`, `--key`; detected when unset).
#[derive(Debug, Clone, Default)]
pub struct CsvAtStart {
    pub path: PathBuf,
    pub options: crate::input::csv::ReadOptions,
}

#[derive(Debug, Clone)]
pub struct TuiOptions {
    pub profile: String,
    pub tenant: String,
    /// The login the client signs in as (the sign-in screen names it); empty if none.
    pub login: String,
    /// Open straight on this user's details (an id, or an email).
    pub open_user: Option<String>,
    pub color: ColorMode,
    /// Where `keymap.toml` lives.
    pub config_dir: Option<PathBuf>,
    pub read_only: bool,
    /// Load this CSV at start and show its report (`--csv`, read as `--column`/`--key` say).
    pub csv: Option<CsvAtStart>,
    /// Where journals and reports go; the platform's data directory when `None`.
    pub data_dir: Option<PathBuf>,
    /// Accounts no plan may change: the API user (`client.login()`) and the profile's list.
    pub protected: Protected,
    /// Runs above this many users need a typed override.
    pub max_users: usize,
    /// Shown in a popup at start (e.g. the API user could not be identified).
    pub warnings: Vec<String>,
    /// The tenant's user cache: opened from at start, rewritten after a complete load.
    pub cache: Option<crate::cache::CacheFile>,
}

impl Default for TuiOptions {
    fn default() -> Self {
        TuiOptions {
            profile: String::new(),
            tenant: String::new(),
            login: String::new(),
            open_user: None,
            color: ColorMode::default(),
            config_dir: None,
            read_only: false,
            csv: None,
            data_dir: None,
            protected: Protected::default(),
            max_users: crate::batch::driver::DEFAULT_MAX_USERS,
            warnings: Vec::new(),
            cache: None,
        }
    }
}

/// Builds the starting state and its first effects (no terminal, no network).
pub fn initial_state(opts: TuiOptions, no_color: Option<&str>) -> (State, Vec<Effect>) {
    let (keymap, problems) = Keymap::load(opts.config_dir.as_deref());
    let mut state = State::new(opts.profile, opts.tenant);
    state.keymap = keymap;
    state.set_login(opts.login);
    state.read_only = opts.read_only;
    state.theme = Theme::for_mode(opts.color, no_color);
    state.bulk.protected = opts.protected;
    state.bulk.max_users = opts.max_users;
    state.list.use_cache = opts.cache.is_some();
    let warnings = opts.warnings;
    let csv = opts.csv.map(|c| (c.path.display().to_string(), c.options));
    let mut effects = update::init_with(&mut state, opts.open_user, csv);
    // Runs left unfinished are offered at once (read off the event loop).
    effects.push(Effect::FindInterrupted);
    if !problems.is_empty() {
        for p in &problems {
            tracing::warn!("keymap: {p}");
        }
        state.push_popup(Popup::Error {
            title: "keymap.toml: some entries were ignored".into(),
            message: problems.join("\n"),
        });
    }
    if !warnings.is_empty() {
        state.push_popup(Popup::Error {
            title: "Safety".into(),
            message: warnings.join("\n"),
        });
    }
    (state, effects)
}

/// Runs the TUI until the user quits or a signal arrives; the terminal is restored on
/// every path out. Returns the line for stderr when a run was left unfinished by quitting
/// during it (the exit code is then 1).
pub async fn run(client: ScimClient, opts: TuiOptions) -> anyhow::Result<Option<String>> {
    let no_color = std::env::var("NO_COLOR").ok();
    let mut paths = crate::config::Paths::discover();
    if let Some(d) = &opts.data_dir {
        paths.data_dir = d.clone();
    }
    let cache = opts.cache.clone();
    let (state, effects) = initial_state(opts, no_color.as_deref());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    // The client's notices (long waits and their reasons) go to the status line.
    let notices = {
        let mut notices = client.notices();
        let tx = tx.clone();
        tokio::spawn(async move {
            loop {
                match notices.recv().await {
                    Ok(n) => {
                        if tx.send(msg::Outcome::Notice(n.message)).is_err() {
                            break;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => break,
                }
            }
        })
    };
    let in_tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
    let runner = runner::EffectRunner::new(client, tx, Box::new(std::io::stdout()), in_tmux)
        .with_paths(paths)
        .with_cache(cache);
    let mut term = terminal::TerminalGuard::new()?;
    let result = app::run_loop(&mut term, state, runner, rx, effects).await;
    notices.abort();
    drop(term);
    result
}
