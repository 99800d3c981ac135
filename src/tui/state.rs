//! Everything the screen shows, in plain data. `update` changes it, `render` reads it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use tui_input::Input;

use crate::plan::Protected;
use crate::scim::filter::{Filter, FilterError};
use crate::scim::model::{User, Workspace};
use crate::store::{Matcher, UserRef, UserStore};
use crate::tui::bulk::RunView;
use crate::tui::bulk::state::PathInput;
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;

pub use crate::tui::layout::{LIST_CHROME, MIN_HEIGHT, MIN_WIDTH, SPLIT_WIDTH};
/// How many ticks a flash message stays (the app ticks 4 times a second).
pub const FLASH_TICKS: u8 = 12;

pub type FilterParser = fn(&str) -> Result<Filter, FilterError>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadState {
    Idle,
    Loading,
    Done,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewKind {
    /// Every loaded user (the root view; never popped).
    Users,
    /// Users who have this workspace.
    Members {
        workspace_id: String,
    },
    Workspaces,
    /// One user, with what was fetched for it; its `key` is an id, or the email asked for
    /// with `--user`.
    Detail(Box<DetailState>),
}

#[derive(Debug, Clone)]
pub struct View {
    pub kind: ViewKind,
    /// Index into its rows.
    pub cursor: usize,
    /// First visible row; kept so the cursor stays on screen.
    pub offset: usize,
    pub search: Search,
    /// The rows it shows, while it is on top: indices into the users (user lists) or
    /// `workspace_order`. Only this file writes them: rebuilt, narrowed by a search, or
    /// merged with a new page; a view under another gives its rows up and gets them back
    /// rebuilt when it is on top again.
    rows: Vec<usize>,
}

impl View {
    pub fn new(kind: ViewKind) -> View {
        View {
            kind,
            cursor: 0,
            offset: 0,
            search: Search::default(),
            rows: Vec::new(),
        }
    }

    /// The row under the cursor.
    fn current(&self) -> Option<usize> {
        self.rows.get(self.cursor).copied()
    }

    pub fn is_user_list(&self) -> bool {
        matches!(self.kind, ViewKind::Users | ViewKind::Members { .. })
    }
}

/// Local quick search over what is loaded.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub input: Input,
    /// Lowercased query the current `visible` was computed for.
    pub applied: String,
}

impl Search {
    pub fn is_active(&self) -> bool {
        !self.input.value().is_empty()
    }
}

/// The server-side filter being typed.
#[derive(Debug, Clone, Default)]
pub struct FilterEdit {
    pub input: Input,
    pub error: Option<FilterError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedFilter {
    pub text: String,
    pub filter: Filter,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Popup {
    Error {
        title: String,
        message: String,
    },
    Help,
    ConfirmQuit,
    /// Esc during a run: stop dispatching? (Esc means back everywhere else.)
    ConfirmStop,
    /// A path in full (it never fits a row at 80 columns), after `y` sent it to the clipboard.
    Path {
        title: String,
        path: String,
    },
    /// A save would replace this file (absolute path): ask first.
    ConfirmOverwrite {
        purpose: crate::tui::bulk::state::PathPurpose,
        path: String,
    },
    /// A run of this tenant was left unfinished: resume now, show, or later. `more` other
    /// interrupted runs are in the history.
    Interrupted {
        run: Box<crate::batch::interrupted::Interrupted>,
        more: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub ticks_left: u8,
}

/// A workspace with the number of loaded users who have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceEntry {
    pub id: String,
    pub name: String,
    pub users: usize,
    /// Also returned by the integration API's workspace list.
    pub listed: bool,
}

/// The cached list is shown: how old it is, and which users the refresh has confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheShown {
    /// "3 h ago", fixed when the cache was read.
    pub age: String,
    /// Per row of the list: the running refresh has listed it; the others go when it
    /// completes.
    refreshed: Vec<bool>,
    confirmed: usize,
}

impl CacheShown {
    pub fn new(age: String) -> CacheShown {
        CacheShown {
            age,
            refreshed: Vec::new(),
            confirmed: 0,
        }
    }

    pub fn confirm(&mut self, row: usize) {
        if self.refreshed.len() <= row {
            self.refreshed.resize(row + 1, false);
        }
        if !std::mem::replace(&mut self.refreshed[row], true) {
            self.confirmed += 1;
        }
    }

    pub fn is_confirmed(&self, row: usize) -> bool {
        self.refreshed.get(row) == Some(&true)
    }

    /// Users the refresh has listed so far.
    pub fn confirmed(&self) -> usize {
        self.confirmed
    }
}

/// A fetched user for the detail view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailState {
    pub key: String,
    pub loading: bool,
    pub user: Option<User>,
    pub error: Option<String>,
    /// The user id whose last login was asked for, and the answer once it came.
    pub last_login_for: Option<String>,
    pub last_login: Option<crate::scim::client::LastLogin>,
}

impl DetailState {
    pub fn new(key: String) -> DetailState {
        DetailState {
            key,
            loading: true,
            user: None,
            error: None,
            last_login_for: None,
            last_login: None,
        }
    }
}

/// The loaded users and the workspaces they reach. The store and the workspace counts move
/// together: change them through [`UserList::upsert`], [`UserList::clear`],
/// [`UserList::adopt`] and [`UserList::retain`].
#[derive(Debug)]
pub struct UserList {
    /// Loaded users, in arrival order. Shared with a cache write in progress: a change
    /// while it runs copies it first.
    store: Arc<UserStore>,
    pub total: Option<u64>,
    pub load: LoadState,
    /// The last list that loaded completely (and its total), kept while a reload runs: a
    /// reload that fails puts it back rather than leave the list empty or partial.
    pub last_good: Option<(Arc<UserStore>, Option<u64>)>,
    /// Why the list on screen is the last good one rather than fresh (a failed reload).
    pub stale: Option<String>,
    /// Bumped on every reload so pages of an older load are dropped.
    pub generation: u64,
    /// Read the local cache at start (a cache file is configured for this tenant).
    pub use_cache: bool,
    /// The cached list on screen while the fresh load runs; `None` once the list is fresh.
    pub cached: Option<CacheShown>,

    pub workspaces: BTreeMap<String, WorkspaceEntry>,
    /// Workspace ids sorted by name.
    pub workspace_order: Vec<String>,
    pub workspace_list_ok: Option<bool>,
}

/// The server-side filter applied (the one being typed is a layer, `screens/filter.rs`).
pub struct FilterState {
    pub applied: Option<AppliedFilter>,
    pub parser: FilterParser,
}

/// Visual (range) mode, a layer of the stack (`screens/visual.rs`): the row (an index into
/// the users) where the range started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisualRange {
    pub anchor: usize,
}

/// The selection, and what every plan of the bulk flow reads (its screens are on the stack).
#[derive(Default)]
pub struct Bulk {
    pub selected: HashSet<String>,
    /// Selected users that are not loaded any more (a reload dropped them, or they came
    /// from a CSV): their last known state, so the selection survives filters and reloads.
    pub sel_cache: HashMap<String, User>,
    /// Accounts no plan may change (the API user, the profile's list).
    pub protected: Protected,
    /// Runs above this many users need an explicit override.
    pub max_users: usize,
    /// The rows of the last accepted CSV that were not used (until the selection is cleared).
    pub csv_input: Option<crate::tui::bulk::state::InputCounts>,
}

/// The batch run: its progress pane, and whether one is running.
#[derive(Default)]
pub struct RunState {
    pub running: bool,
    /// Quit once the running batch has stopped and recorded its requests in flight.
    pub quit_when_idle: bool,
}

pub struct State {
    pub profile: String,
    pub tenant: String,
    pub read_only: bool,
    pub theme: Theme,
    pub keymap: Keymap,

    pub list: UserList,
    pub filter: FilterState,

    /// The view stack; `views[0]` is the user list.
    pub views: Vec<View>,
    /// The order of user lists (`o` cycles).
    pub sort: crate::tui::sort::SortKey,
    /// Last logins: the column, the sort by them, the inactivity filter.
    pub logins: crate::tui::logins::Logins,

    pub bulk: Bulk,
    pub run: RunState,
    /// Interrupted runs put off for this session.
    pub offers: Offers,

    /// The help overlay's first row shown.
    pub help_scroll: usize,
    /// A search in the preview, the history, the help or the detail view (find.rs).
    pub find: Option<crate::tui::find::Find>,
    /// The one stack of layers: the popups and the screens that each hold their state, keys
    /// and drawing (`screens/`); over the views and the bulk flow.
    layers: crate::tui::stack::Stack<State>,
    /// The login the client signs in as (named by the sign-in screen); empty if none.
    login: String,
    pub flash: Option<Flash>,
    pub should_quit: bool,

    pub width: u16,
    pub height: u16,
    /// Something changed since the last draw.
    pub dirty: bool,
}

impl UserList {
    fn new() -> UserList {
        UserList {
            store: Arc::default(),
            total: None,
            load: LoadState::Idle,
            last_good: None,
            stale: None,
            generation: 0,
            use_cache: false,
            cached: None,
            workspaces: BTreeMap::new(),
            workspace_order: Vec::new(),
            workspace_list_ok: None,
        }
    }

    /// How many users are loaded.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    pub fn store(&self) -> &Arc<UserStore> {
        &self.store
    }

    /// Row `i`, read in place.
    pub fn row(&self, i: usize) -> Option<UserRef<'_>> {
        self.store.get(i)
    }

    /// Row `i` as a user of its own.
    pub fn get(&self, i: usize) -> Option<User> {
        self.row(i).map(|u| u.to_user())
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.store.index_of(id)
    }

    pub fn user(&self, id: &str) -> Option<User> {
        self.store.by_id(id).map(|u| u.to_user())
    }

    /// Adds users (new ones appended, known ones replaced), keeping the workspace counts in
    /// step; returns each user's row and whether it is new.
    pub fn upsert(&mut self, users: Vec<User>) -> Vec<(usize, bool)> {
        let mut rows = Vec::with_capacity(users.len());
        let mut new_workspace = false;
        let store = Arc::make_mut(&mut self.store);
        for u in users {
            if let Some(old) = store.by_id(&u.id) {
                for w in old.workspaces() {
                    if let Some(e) = self.workspaces.get_mut(&w.id) {
                        e.users = e.users.saturating_sub(1);
                    }
                }
            }
            new_workspace |= count_workspaces(&mut self.workspaces, u.workspaces.iter());
            rows.push(store.upsert(&u));
        }
        if new_workspace {
            self.sort_workspaces();
        }
        rows
    }

    /// Replaces the users with a whole store (a cache read, the last good list put back).
    pub fn adopt(&mut self, store: Arc<UserStore>) {
        self.clear();
        let mut new_workspace = false;
        for u in store.iter() {
            new_workspace |= count_workspaces(&mut self.workspaces, u.workspaces());
        }
        self.store = store;
        if new_workspace {
            self.sort_workspaces();
        }
    }

    pub fn sort_workspaces(&mut self) {
        let mut order: Vec<(String, String)> = self
            .workspaces
            .values()
            .map(|e| (e.name.to_lowercase(), e.id.clone()))
            .collect();
        order.sort();
        self.workspace_order = order.into_iter().map(|(_, id)| id).collect();
    }

    /// Forgets every user (workspaces the integration API listed stay); returns them.
    pub fn clear(&mut self) -> Arc<UserStore> {
        self.total = None;
        for e in self.workspaces.values_mut() {
            e.users = 0;
        }
        self.workspaces.retain(|_, e| e.listed);
        self.sort_workspaces();
        std::mem::take(&mut self.store)
    }

    /// Keeps the rows `keep` accepts (by row number); row numbers change.
    pub fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        let total = self.total;
        let mut store = self.clear();
        Arc::make_mut(&mut store).retain(|i, _| keep(i));
        self.adopt(store);
        self.total = total;
    }

    /// What a view with this scope and query (lowercased) shows.
    pub fn matcher(&self, kind: &ViewKind, query: &str) -> Matcher {
        let workspace = match kind {
            ViewKind::Members { workspace_id } => Some(workspace_id.as_str()),
            _ => None,
        };
        self.store.matcher(query, workspace)
    }

    /// Does row `i` belong in a view with this matcher?
    pub fn matches(&self, i: usize, m: &Matcher) -> bool {
        self.row(i).is_some_and(|u| m.matches(u))
    }
}

impl Bulk {
    /// Ticks a user, or unticks a ticked one.
    pub fn toggle(&mut self, id: String) {
        if !self.selected.remove(&id) {
            self.selected.insert(id);
        }
    }
}

impl State {
    pub fn new(profile: impl Into<String>, tenant: impl Into<String>) -> State {
        State {
            profile: profile.into(),
            tenant: tenant.into(),
            read_only: false,
            theme: Theme::color(),
            keymap: Keymap::default(),
            list: UserList::new(),
            filter: FilterState {
                applied: None,
                parser: crate::scim::filter::parse,
            },
            views: vec![View::new(ViewKind::Users)],
            sort: crate::tui::sort::SortKey::default(),
            logins: crate::tui::logins::Logins::default(),
            bulk: Bulk {
                max_users: crate::batch::driver::DEFAULT_MAX_USERS,
                ..Bulk::default()
            },
            run: RunState::default(),
            offers: Default::default(),
            help_scroll: 0,
            find: None,
            layers: Default::default(),
            login: String::new(),
            flash: None,
            should_quit: false,
            width: 80,
            height: 24,
            dirty: true,
        }
    }

    /// The stack of screen layers.
    pub fn layers(&self) -> &crate::tui::stack::Stack<State> {
        &self.layers
    }

    pub fn layers_mut(&mut self) -> &mut crate::tui::stack::Stack<State> {
        &mut self.layers
    }

    /// Opens a screen of the stack over what is on screen now.
    pub fn push_layer(&mut self, layer: Box<dyn crate::tui::stack::Layer<State>>) {
        self.layers.push(layer);
    }

    /// A screen of the bulk flow is up.
    pub fn in_flow(&self) -> bool {
        self.layers.has_flow()
    }

    /// The layer on top of the stack.
    pub fn top_layer(&self) -> Option<&dyn crate::tui::stack::Layer<State>> {
        self.layers.top()
    }

    /// The popup on top, if the top layer is one.
    pub fn popup(&self) -> Option<&Popup> {
        self.top_layer()?.as_any().downcast_ref::<Popup>()
    }

    /// Every popup on the stack, bottom first.
    pub fn popups(&self) -> Vec<&Popup> {
        self.layers.all::<Popup>()
    }

    pub fn push_popup(&mut self, popup: Popup) {
        self.layers.push(Box::new(popup));
    }

    /// Closes the popup on top; `None` if the top layer is not a popup.
    pub fn pop_popup(&mut self) -> Option<Popup> {
        self.layers.pop_if::<Popup>()
    }

    /// Asks for a file path (load a CSV, save a report, a plan, a review, an export).
    pub fn ask_path(&mut self, input: PathInput) {
        self.push_layer(Box::new(input));
    }

    /// The file path being typed, if its input is open.
    pub fn path_input(&self) -> Option<&PathInput> {
        self.layers.find::<PathInput>()
    }

    /// The row where the range being marked started, in visual mode.
    pub fn visual_anchor(&self) -> Option<usize> {
        self.layers.find::<VisualRange>().map(|v| v.anchor)
    }

    /// Starts visual mode at row `anchor`, or (`None`) leaves it.
    pub fn set_visual(&mut self, anchor: Option<usize>) {
        self.layers.remove::<VisualRange>();
        if let Some(anchor) = anchor {
            self.push_layer(Box::new(VisualRange { anchor }));
        }
    }

    /// The server filter being typed, if its input is open.
    pub fn filter_edit(&self) -> Option<&FilterEdit> {
        self.layers.find::<FilterEdit>()
    }

    /// The query to highlight on screen `on`, with the line of the current match.
    pub fn found(&self, on: crate::tui::find::FindOn) -> Option<(String, Option<usize>)> {
        let f = self.find.as_ref().filter(|f| f.on == on)?;
        let q = f.query();
        (!q.is_empty()).then_some((q, f.current))
    }

    pub fn login(&self) -> &str {
        &self.login
    }

    pub fn set_login(&mut self, login: impl Into<String>) {
        self.login = login.into();
    }

    pub fn view(&self) -> &View {
        // `views` is never empty: the root is never popped.
        &self.views[self.views.len() - 1]
    }

    pub fn view_mut(&mut self) -> &mut View {
        let last = self.views.len() - 1;
        &mut self.views[last]
    }

    /// Rows the list shows at the current size.
    pub fn list_height(&self) -> usize {
        crate::tui::layout::list_rows(self.height)
    }

    pub fn split(&self) -> bool {
        crate::tui::layout::split(self.width)
    }

    pub fn too_small(&self) -> bool {
        crate::tui::layout::too_small(self.width, self.height)
    }

    pub fn user(&self, id: &str) -> Option<User> {
        self.list.user(id)
    }

    /// A selected user's latest known state: the loaded copy, else the cached one.
    pub fn selected_user(&self, id: &str) -> Option<User> {
        self.user(id)
            .or_else(|| self.bulk.sel_cache.get(id).cloned())
    }

    /// The user under the cursor of a user list.
    pub fn current_user(&self) -> Option<User> {
        let v = self.view();
        if !v.is_user_list() {
            return None;
        }
        v.current().and_then(|i| self.list.get(i))
    }

    pub fn current_workspace(&self) -> Option<&WorkspaceEntry> {
        let v = self.view();
        if v.kind != ViewKind::Workspaces {
            return None;
        }
        v.current()
            .and_then(|i| self.list.workspace_order.get(i))
            .and_then(|id| self.list.workspaces.get(id))
    }

    /// A batch is running and has requests not yet answered.
    pub fn run_in_flight(&self) -> bool {
        self.run.running && self.run_view().is_some_and(|r| !r.finished())
    }

    /// The run on the bulk flow (in progress or finished), if one is there (not while it
    /// handles its own key: it is off the stack then).
    pub fn run_view(&self) -> Option<&RunView> {
        self.layers.find::<RunView>()
    }

    pub fn run_view_mut(&mut self) -> Option<&mut RunView> {
        self.layers.find_mut::<RunView>()
    }

    /// The state of the detail view nearest the top, if one is open.
    pub fn detail(&self) -> Option<&DetailState> {
        self.views.iter().rev().find_map(|v| match &v.kind {
            ViewKind::Detail(d) => Some(&**d),
            _ => None,
        })
    }

    pub fn detail_mut(&mut self) -> Option<&mut DetailState> {
        self.views.iter_mut().rev().find_map(|v| match &mut v.kind {
            ViewKind::Detail(d) => Some(&mut **d),
            _ => None,
        })
    }

    /// The user the detail view shows: the fresh copy, else the loaded one.
    pub fn detail_user(&self) -> Option<User> {
        let d = self.detail()?;
        d.user.clone().or_else(|| self.user(&d.key))
    }

    /// Adds users to the list; a selected user loaded again leaves the selection's cache.
    /// Returns each user's row and whether it is new.
    pub fn upsert_users(&mut self, users: Vec<User>) -> Vec<(usize, bool)> {
        let rows = self.list.upsert(users);
        self.forget_loaded_selection(rows.iter().filter(|r| r.1).map(|r| r.0));
        rows
    }

    /// The selection's cache keeps only users that are not loaded.
    fn forget_loaded_selection(&mut self, rows: impl Iterator<Item = usize>) {
        if self.bulk.sel_cache.is_empty() {
            return;
        }
        for i in rows {
            if let Some(u) = self.list.row(i) {
                self.bulk.sel_cache.remove(u.id());
            }
        }
    }

    /// Shows a whole store of users (a cache read, the last good list put back).
    pub fn adopt_users(&mut self, store: Arc<UserStore>, total: Option<u64>) {
        self.clear_users();
        self.list.adopt(store);
        self.list.total = total;
        self.forget_loaded_selection(0..self.list.len());
    }

    pub fn sort_workspaces(&mut self) {
        self.list.sort_workspaces();
    }

    /// Keeps only the rows `keep` accepts (by row number; the selected ones that go are
    /// kept in the selection's cache).
    pub fn retain_users(&mut self, keep: impl Fn(usize) -> bool) {
        self.keep_selected(|i| !keep(i));
        self.list.retain(keep);
        self.set_visual(None);
    }

    /// Forgets the loaded users (the selected ones are kept in the selection's cache);
    /// returns them.
    pub fn clear_users(&mut self) -> Arc<UserStore> {
        self.keep_selected(|_| true);
        self.set_visual(None);
        self.list.clear()
    }

    /// Copies the selected users among the rows `going` accepts into the selection's cache.
    fn keep_selected(&mut self, going: impl Fn(usize) -> bool) {
        if self.bulk.selected.is_empty() {
            return;
        }
        for (i, u) in self.list.store().iter().enumerate() {
            if going(i) && self.bulk.selected.contains(u.id()) {
                self.bulk.sel_cache.insert(u.id().to_string(), u.to_user());
            }
        }
    }

    /// Rows of the top view: indices into the users (user lists) or `workspace_order`.
    pub fn visible(&self) -> &[usize] {
        &self.view().rows
    }

    /// The top view's rows, to change (the other fields of the state stay at hand).
    fn rows_mut(views: &mut [View]) -> &mut Vec<usize> {
        let last = views.len() - 1;
        &mut views[last].rows
    }

    /// The memory held for the rows (the benchmarks' memory figure).
    #[doc(hidden)]
    pub fn visible_capacity(&self) -> usize {
        self.view().rows.capacity()
    }

    /// Opens a view over the others, with its rows.
    pub fn push_view(&mut self, view: View) {
        // Only the top view's rows are kept (100,000 users are 800 kB of rows).
        self.view_mut().rows = Vec::new();
        self.views.push(view);
        self.rebuild_visible();
    }

    /// Closes the top view (never the root list); the one under it gets its rows back.
    pub fn pop_view(&mut self) {
        if self.views.len() > 1 {
            self.views.pop();
        }
        self.rebuild_visible();
    }

    /// A page of users arrived (`rows`: each user's row and whether it is new): the new ones
    /// the view shows join its rows, in its order, and the cursor stays on its user.
    pub(crate) fn show_new_rows(&mut self, rows: Vec<(usize, bool)>) {
        let v = self.view();
        match &v.kind {
            ViewKind::Users | ViewKind::Members { .. } => {
                let query = v.search.input.value().to_lowercase();
                let m = self.list.matcher(&v.kind, &query);
                let rows: Vec<usize> = rows
                    .into_iter()
                    .filter(|&(i, new)| new && self.list.matches(i, &m) && self.login_keeps(i))
                    .map(|(i, _)| i)
                    .collect();
                let keep = self.view().current();
                let visible = State::rows_mut(&mut self.views);
                if self.sort == crate::tui::sort::SortKey::LastLogin {
                    visible.extend(rows);
                    crate::tui::logins::sort_rows(&self.logins, self.list.store(), visible);
                } else {
                    crate::tui::sort::merge_rows(self.sort, self.list.store(), visible, rows);
                }
                // A sorted page lands anywhere: the cursor stays on its user.
                if self.sort != crate::tui::sort::SortKey::Server
                    && let Some(pos) =
                        keep.and_then(|k| self.visible().iter().position(|&i| i == k))
                {
                    self.view_mut().cursor = pos;
                    self.clamp_cursor();
                }
            }
            ViewKind::Workspaces => self.rebuild_visible(),
            ViewKind::Detail(_) => {}
        }
    }

    /// Recomputes the rows of the top view from scratch.
    pub fn rebuild_visible(&mut self) {
        let v = self.view();
        let query = v.search.input.value().to_lowercase();
        let kind = v.kind.clone();
        let rows: Vec<usize> = match &kind {
            ViewKind::Users | ViewKind::Members { .. } => {
                let m = self.list.matcher(&kind, &query);
                let mut rows: Vec<usize> = (0..self.list.len())
                    .filter(|&i| self.list.matches(i, &m) && self.login_keeps(i))
                    .collect();
                if self.sort == crate::tui::sort::SortKey::LastLogin {
                    crate::tui::logins::sort_rows(&self.logins, self.list.store(), &mut rows);
                } else {
                    crate::tui::sort::sort_rows(self.sort, self.list.store(), &mut rows);
                }
                rows
            }
            ViewKind::Workspaces => (0..self.list.workspace_order.len())
                .filter(|&i| {
                    query.is_empty()
                        || self
                            .list
                            .workspace_order
                            .get(i)
                            .and_then(|id| self.list.workspaces.get(id))
                            .is_some_and(|e| {
                                e.name.to_lowercase().contains(&query)
                                    || e.id.to_lowercase().contains(&query)
                            })
                })
                .collect(),
            ViewKind::Detail(_) => Vec::new(),
        };
        let v = self.view_mut();
        v.rows = rows;
        v.search.applied = query;
        self.clamp_cursor();
    }

    /// Does the inactivity filter keep row `i`?
    pub fn login_keeps(&self, i: usize) -> bool {
        self.logins.filter.is_none() || self.list.row(i).is_some_and(|u| self.logins.keeps(u.id()))
    }

    /// Like `rebuild_visible` for the same view after its search changed.
    pub fn rebuild_keeping_row(&mut self) {
        let keep = self.view().current();
        self.rebuild_visible();
        self.follow(keep);
    }

    /// Keeps the cursor on the same row when it is still shown, else goes to the top.
    fn follow(&mut self, keep: Option<usize>) {
        let pos = keep.and_then(|k| self.visible().iter().position(|&i| i == k));
        self.view_mut().cursor = pos.unwrap_or(0);
        self.clamp_cursor();
    }

    /// Narrows or widens the visible rows after the search text changed. A query that
    /// extends the previous one only needs to look at the rows already visible.
    pub fn refresh_search(&mut self) {
        let v = self.view();
        let query = v.search.input.value().to_lowercase();
        if v.is_user_list() && !v.search.applied.is_empty() && query.starts_with(&v.search.applied)
        {
            let m = self.list.matcher(&v.kind, &query);
            let keep = v.current();
            let visible = State::rows_mut(&mut self.views);
            let rows = std::mem::take(visible);
            let rows = rows
                .into_iter()
                .filter(|&i| self.list.matches(i, &m))
                .collect();
            let v = self.view_mut();
            v.rows = rows;
            v.search.applied = query;
            self.follow(keep);
        } else {
            self.rebuild_keeping_row();
        }
    }

    /// Moves the cursor of a list view by `delta` rows (a page, a half page, one).
    pub fn move_cursor(&mut self, delta: isize) {
        let max = self.visible().len().saturating_sub(1) as isize;
        let v = self.view_mut();
        v.cursor = (v.cursor as isize).saturating_add(delta).clamp(0, max) as usize;
        self.clamp_cursor();
    }

    pub fn clamp_cursor(&mut self) {
        let len = self.visible().len();
        let height = self.list_height();
        let v = self.view_mut();
        v.cursor = v.cursor.min(len.saturating_sub(1));
        if v.cursor < v.offset {
            v.offset = v.cursor;
        } else if v.cursor >= v.offset + height {
            v.offset = v.cursor + 1 - height;
        }
        v.offset = v.offset.min(len.saturating_sub(height));
        if v.cursor < v.offset {
            v.offset = v.cursor;
        }
    }

    pub fn flash(&mut self, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            ticks_left: FLASH_TICKS,
        });
    }
}

/// Counts a user's workspaces; returns whether one was new (or got its name).
fn count_workspaces<'a>(
    map: &mut BTreeMap<String, WorkspaceEntry>,
    workspaces: impl Iterator<Item = &'a Workspace>,
) -> bool {
    let mut new = false;
    for w in workspaces {
        let e = map.entry(w.id.clone()).or_insert_with(|| {
            new = true;
            WorkspaceEntry {
                id: w.id.clone(),
                name: w.name.clone(),
                users: 0,
                listed: false,
            }
        });
        e.users += 1;
        if e.name == e.id && w.name != w.id {
            e.name = w.name.clone();
            new = true;
        }
    }
    new
}

/// The runs the operator put off ("later") in this session: not offered again.
#[derive(Debug, Clone, Default)]
pub struct Offers {
    pub later: std::collections::BTreeSet<String>,
}
