//! Everything the screen shows, in plain data. `update` changes it, `render` reads it.

use std::collections::{BTreeMap, HashMap, HashSet};

use tui_input::Input;

use crate::plan::Protected;
use crate::scim::filter::{Filter, FilterError};
use crate::scim::model::User;
use crate::tui::bulk::state::PathInput;
use crate::tui::bulk::{RunView, Screen};
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;

/// Smallest usable terminal; below it a "terminal too small" screen.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
/// From this width the user list gets a detail pane on the right.
pub const SPLIT_WIDTH: u16 = 140;
/// Rows taken by the header (2), the table header (1), borders (2) and status bar (1).
pub const LIST_CHROME: u16 = 6;
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
    /// One user; `key` is an id, or the email asked for with `--user`.
    Detail {
        key: String,
    },
}

#[derive(Debug, Clone)]
pub struct View {
    pub kind: ViewKind,
    /// Index into `State::visible`.
    pub cursor: usize,
    /// First visible row; kept so the cursor stays on screen.
    pub offset: usize,
    pub search: Search,
}

impl View {
    pub fn new(kind: ViewKind) -> View {
        View {
            kind,
            cursor: 0,
            offset: 0,
            search: Search::default(),
        }
    }

    pub fn is_user_list(&self) -> bool {
        matches!(self.kind, ViewKind::Users | ViewKind::Members { .. })
    }
}

/// Local quick search over what is loaded.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub input: Input,
    pub editing: bool,
    /// Lowercased query the current `visible` was computed for.
    pub applied: String,
}

impl Search {
    pub fn is_active(&self) -> bool {
        self.editing || !self.input.value().is_empty()
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
    /// Ids the running refresh has listed; the others go when it completes.
    pub refreshed: HashSet<String>,
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

/// The loaded users and the workspaces they reach. `users`, `haystacks` and `index_by_id`
/// move together: change them through [`UserList::upsert`] and [`UserList::clear`].
#[derive(Debug)]
pub struct UserList {
    /// Loaded users, in arrival order.
    pub users: Vec<User>,
    /// Lowercased search text of each user, parallel to `users`.
    pub haystacks: Vec<String>,
    pub index_by_id: HashMap<String, usize>,
    pub total: Option<u64>,
    pub load: LoadState,
    /// The last list that loaded completely (and its total), kept while a reload runs: a
    /// reload that fails puts it back rather than leave the list empty or partial.
    pub last_good: Option<(Vec<User>, Option<u64>)>,
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

/// The server-side filter: the one applied and the one being typed.
pub struct FilterState {
    pub applied: Option<AppliedFilter>,
    pub edit: Option<FilterEdit>,
    pub parser: FilterParser,
}

/// The selection and the bulk-flow screens over the list.
#[derive(Default)]
pub struct Bulk {
    pub selected: HashSet<String>,
    /// Selected users that are not loaded any more (a reload dropped them, or they came
    /// from a CSV): their last known state, so the selection survives filters and reloads.
    pub sel_cache: HashMap<String, User>,
    /// Visual (range) mode: the index in `users` of the row where the range started.
    pub visual: Option<usize>,
    /// The bulk-flow screens over the list; Esc pops one.
    pub flow: Vec<Screen>,
    pub path_input: Option<PathInput>,
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
    pub view: Option<RunView>,
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
    /// Rows of the top view: indices into `users` (user lists) or `workspace_order`.
    pub visible: Vec<usize>,
    /// The order of user lists (`o` cycles).
    pub sort: crate::tui::sort::SortKey,
    pub detail: Option<DetailState>,

    pub bulk: Bulk,
    pub run: RunState,

    pub popups: Vec<Popup>,
    pub flash: Option<Flash>,
    /// What the clipboard copy in flight holds, for its message ("id", "journal path").
    pub copying: &'static str,
    pub should_quit: bool,

    pub width: u16,
    pub height: u16,
    /// Something changed since the last draw.
    pub dirty: bool,
}

impl UserList {
    fn new() -> UserList {
        UserList {
            users: Vec::new(),
            haystacks: Vec::new(),
            index_by_id: HashMap::new(),
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

    pub fn user(&self, id: &str) -> Option<&User> {
        self.index_by_id.get(id).and_then(|&i| self.users.get(i))
    }

    /// Adds users (new ones appended, known ones replaced), keeping the indexes and the
    /// workspace counts in step; returns the rows added.
    pub fn upsert(&mut self, users: Vec<User>) -> Vec<usize> {
        let mut added = Vec::with_capacity(users.len());
        let mut new_workspace = false;
        for u in users {
            let hay = haystack(&u);
            if let Some(&i) = self.index_by_id.get(&u.id) {
                let old = std::mem::replace(&mut self.users[i], u);
                for w in &old.workspaces {
                    if let Some(e) = self.workspaces.get_mut(&w.id) {
                        e.users = e.users.saturating_sub(1);
                    }
                }
                new_workspace |= count_workspaces(&mut self.workspaces, &self.users[i]);
                self.haystacks[i] = hay;
            } else {
                let i = self.users.len();
                new_workspace |= count_workspaces(&mut self.workspaces, &u);
                self.index_by_id.insert(u.id.clone(), i);
                self.users.push(u);
                self.haystacks.push(hay);
                added.push(i);
            }
        }
        if new_workspace {
            self.sort_workspaces();
        }
        added
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
    pub fn clear(&mut self) -> Vec<User> {
        self.haystacks.clear();
        self.index_by_id.clear();
        self.total = None;
        for e in self.workspaces.values_mut() {
            e.users = 0;
        }
        self.workspaces.retain(|_, e| e.listed);
        self.sort_workspaces();
        std::mem::take(&mut self.users)
    }

    /// Does row `i` of `users` belong in a view with this scope and query?
    pub fn matches(&self, i: usize, kind: &ViewKind, query: &str) -> bool {
        let Some(u) = self.users.get(i) else {
            return false;
        };
        if let ViewKind::Members { workspace_id } = kind
            && !u.has_workspace(workspace_id)
        {
            return false;
        }
        query.is_empty() || self.haystacks.get(i).is_some_and(|h| h.contains(query))
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

impl RunState {
    /// A batch is running and has requests not yet answered.
    pub fn in_flight(&self) -> bool {
        self.running && self.view.as_ref().is_some_and(|r| !r.finished())
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
                edit: None,
                parser: crate::scim::filter::parse,
            },
            views: vec![View::new(ViewKind::Users)],
            visible: Vec::new(),
            sort: crate::tui::sort::SortKey::default(),
            detail: None,
            bulk: Bulk {
                max_users: crate::batch::driver::DEFAULT_MAX_USERS,
                ..Bulk::default()
            },
            run: RunState::default(),
            popups: Vec::new(),
            flash: None,
            copying: "id",
            should_quit: false,
            width: 80,
            height: 24,
            dirty: true,
        }
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
        self.height.saturating_sub(LIST_CHROME).max(1) as usize
    }

    pub fn split(&self) -> bool {
        self.width >= SPLIT_WIDTH
    }

    pub fn too_small(&self) -> bool {
        self.width < MIN_WIDTH || self.height < MIN_HEIGHT
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.list.user(id)
    }

    /// A selected user's latest known state: the loaded copy, else the cached one.
    pub fn selected_user(&self, id: &str) -> Option<&User> {
        self.user(id).or_else(|| self.bulk.sel_cache.get(id))
    }

    /// The user under the cursor of a user list.
    pub fn current_user(&self) -> Option<&User> {
        let v = self.view();
        if !v.is_user_list() {
            return None;
        }
        self.visible
            .get(v.cursor)
            .and_then(|&i| self.list.users.get(i))
    }

    pub fn current_workspace(&self) -> Option<&WorkspaceEntry> {
        let v = self.view();
        if v.kind != ViewKind::Workspaces {
            return None;
        }
        self.visible
            .get(v.cursor)
            .and_then(|&i| self.list.workspace_order.get(i))
            .and_then(|id| self.list.workspaces.get(id))
    }

    /// The user the detail view shows: the fresh copy, else the loaded one.
    pub fn detail_user(&self) -> Option<&User> {
        let d = self.detail.as_ref()?;
        d.user.as_ref().or_else(|| self.user(&d.key))
    }

    /// Adds users to the list; a selected user loaded again leaves the selection's cache.
    pub fn upsert_users(&mut self, users: Vec<User>) -> Vec<usize> {
        let added = self.list.upsert(users);
        for &i in &added {
            if let Some(u) = self.list.users.get(i) {
                self.bulk.sel_cache.remove(&u.id);
            }
        }
        added
    }

    pub fn sort_workspaces(&mut self) {
        self.list.sort_workspaces();
    }

    /// Keeps only the users `keep` accepts (their rows and indexes rebuilt).
    pub fn retain_users(&mut self, keep: impl Fn(&User) -> bool) {
        let total = self.list.total;
        let (kept, gone): (Vec<User>, Vec<User>) = std::mem::take(&mut self.list.users)
            .into_iter()
            .partition(|u| keep(u));
        self.list.users = gone;
        self.clear_users();
        self.upsert_users(kept);
        self.list.total = total;
    }

    /// Forgets the loaded users; the selected ones are kept in the selection's cache.
    pub fn clear_users(&mut self) {
        for u in self.list.clear() {
            if self.bulk.selected.contains(&u.id) {
                self.bulk.sel_cache.insert(u.id.clone(), u);
            }
        }
        self.bulk.visual = None;
    }

    /// Does row `i` of `users` belong in a view with this scope and query?
    pub fn user_matches(&self, i: usize, kind: &ViewKind, query: &str) -> bool {
        self.list.matches(i, kind, query)
    }

    /// Recomputes the rows of the top view from scratch.
    pub fn rebuild_visible(&mut self) {
        let v = self.view();
        let query = v.search.input.value().to_lowercase();
        let kind = v.kind.clone();
        let rows: Vec<usize> = match &kind {
            ViewKind::Users | ViewKind::Members { .. } => {
                let mut rows: Vec<usize> = (0..self.list.users.len())
                    .filter(|&i| self.user_matches(i, &kind, &query))
                    .collect();
                crate::tui::sort::sort_rows(self.sort, &self.list.users, &mut rows);
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
            ViewKind::Detail { .. } => Vec::new(),
        };
        self.visible = rows;
        self.view_mut().search.applied = query;
        self.clamp_cursor();
    }

    /// Like `rebuild_visible` for the same view after its search changed.
    pub fn rebuild_keeping_row(&mut self) {
        let keep = self.visible.get(self.view().cursor).copied();
        self.rebuild_visible();
        self.follow(keep);
    }

    /// Keeps the cursor on the same row when it is still shown, else goes to the top.
    fn follow(&mut self, keep: Option<usize>) {
        let pos = keep.and_then(|k| self.visible.iter().position(|&i| i == k));
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
            let kind = v.kind.clone();
            let keep = self.visible.get(v.cursor).copied();
            let rows = std::mem::take(&mut self.visible);
            self.visible = rows
                .into_iter()
                .filter(|&i| self.user_matches(i, &kind, &query))
                .collect();
            self.view_mut().search.applied = query;
            self.follow(keep);
        } else {
            self.rebuild_keeping_row();
        }
    }

    pub fn clamp_cursor(&mut self) {
        let len = self.visible.len();
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

fn count_workspaces(map: &mut BTreeMap<String, WorkspaceEntry>, u: &User) -> bool {
    let mut new = false;
    for w in &u.workspaces {
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

/// What local search looks in: userName, names, externalId, workspace names.
pub fn haystack(u: &User) -> String {
    let mut s = String::with_capacity(64);
    s.push_str(&u.user_name);
    for part in [
        &u.given_name,
        &u.family_name,
        &u.display_name,
        &u.external_id,
    ]
    .into_iter()
    .flatten()
    {
        s.push('\u{1f}');
        s.push_str(part);
    }
    for w in &u.workspaces {
        s.push('\u{1f}');
        s.push_str(&w.name);
    }
    s.to_lowercase()
}
