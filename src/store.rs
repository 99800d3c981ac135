//! The loaded users of a tenant, held compactly for 100,000-user tenants: each user is one
//! row with one allocation for all its strings, workspaces are interned once per store (a
//! row holds their indices), the id index holds row numbers rather than copies of ids, and
//! local search reads the rows themselves, so there is no lowercased copy per user.
//! Pure data: no I/O. Users go in and come out as [`User`]; [`UserRef`] reads a row in place.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use crate::scim::model::{User, Workspace};

/// The string fields of a row, in the order they sit in its text. userName to externalId
/// are the ones local search reads; they are contiguous so one scan covers them.
#[derive(Clone, Copy)]
enum Field {
    Id = 0,
    UserName,
    GivenName,
    FamilyName,
    DisplayName,
    ExternalId,
    Created,
    LastModified,
}
const FIELDS: usize = 8;
/// Between fields, so a search (which never holds this control character) does not match
/// across two of them.
const SEP: char = '\u{1f}';

#[derive(Clone, Debug)]
struct Row {
    /// Every field, each followed by `SEP`.
    text: Box<str>,
    /// Where each field ends in `text` (its `SEP` starts there).
    ends: [u32; FIELDS],
    /// Bit `f` set: optional field `f` was `Some` (even when empty: users come back exactly).
    present: u8,
    active: bool,
    /// `text` is ASCII: a query that is not cannot match.
    ascii: bool,
    /// No character of `text` lowercases to ASCII except ASCII letters (the Kelvin sign
    /// and `İ` do): an ASCII query can compare bytes, ignoring ASCII case, without
    /// lowercasing the row.
    bytes_fold: bool,
    workspaces: Box<[u32]>,
}

impl Row {
    fn field(&self, f: Field) -> &str {
        let i = f as usize;
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize + SEP.len_utf8()
        };
        self.text.get(start..self.ends[i] as usize).unwrap_or("")
    }

    fn optional(&self, f: Field) -> Option<&str> {
        (self.present & (1 << f as u8) != 0).then(|| self.field(f))
    }

    /// The searchable span: userName through externalId, separators included.
    fn searchable(&self) -> &str {
        let start = self.ends[Field::Id as usize] as usize + SEP.len_utf8();
        let end = self.ends[Field::ExternalId as usize] as usize;
        self.text.get(start..end).unwrap_or("")
    }
}

/// The loaded users, in arrival order (row numbers are stable until [`UserStore::retain`]).
#[derive(Clone, Default)]
pub struct UserStore {
    rows: Vec<Row>,
    workspaces: Vec<Workspace>,
    interned: HashMap<Workspace, u32>,
    /// Row numbers, hashed by the row's id.
    by_id: HashTable<u32>,
    hasher: RandomState,
}

impl std::fmt::Debug for UserStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserStore")
            .field("users", &self.rows.len())
            .field("workspaces", &self.workspaces.len())
            .finish()
    }
}

/// One stored user, read in place.
#[derive(Clone, Copy)]
pub struct UserRef<'a> {
    row: &'a Row,
    workspaces: &'a [Workspace],
}

impl<'a> UserRef<'a> {
    pub fn id(&self) -> &'a str {
        self.row.field(Field::Id)
    }
    pub fn user_name(&self) -> &'a str {
        self.row.field(Field::UserName)
    }
    pub fn given_name(&self) -> Option<&'a str> {
        self.row.optional(Field::GivenName)
    }
    pub fn family_name(&self) -> Option<&'a str> {
        self.row.optional(Field::FamilyName)
    }
    pub fn display_name(&self) -> Option<&'a str> {
        self.row.optional(Field::DisplayName)
    }
    pub fn external_id(&self) -> Option<&'a str> {
        self.row.optional(Field::ExternalId)
    }
    pub fn created(&self) -> Option<&'a str> {
        self.row.optional(Field::Created)
    }
    pub fn last_modified(&self) -> Option<&'a str> {
        self.row.optional(Field::LastModified)
    }
    pub fn active(&self) -> bool {
        self.row.active
    }
    /// "Given Family", or the display name, or the user name.
    pub fn full_name(&self) -> String {
        crate::scim::model::full_name(
            self.given_name(),
            self.family_name(),
            self.display_name(),
            self.user_name(),
        )
    }
    pub fn workspace_count(&self) -> usize {
        self.row.workspaces.len()
    }
    pub fn workspace_indices(&self) -> &'a [u32] {
        &self.row.workspaces
    }
    pub fn workspaces(&self) -> impl Iterator<Item = &'a Workspace> + 'a {
        let all = self.workspaces;
        self.row
            .workspaces
            .iter()
            .filter_map(move |&i| all.get(i as usize))
    }

    /// The user as the model holds it.
    pub fn to_user(&self) -> User {
        let own = |s: Option<&str>| s.map(str::to_string);
        User {
            id: self.id().to_string(),
            user_name: self.user_name().to_string(),
            external_id: own(self.external_id()),
            active: self.active(),
            given_name: own(self.given_name()),
            family_name: own(self.family_name()),
            display_name: own(self.display_name()),
            workspaces: self.workspaces().cloned().collect(),
            created: own(self.created()),
            last_modified: own(self.last_modified()),
        }
    }
}

/// What a view's rows must satisfy: a lowercased search query and, in a workspace's member
/// list, membership. Built once per rebuild; the per-workspace answers are worked out once
/// for the interned workspaces, not once per user.
pub struct Matcher {
    query: String,
    query_ascii: bool,
    /// Per interned workspace: its name contains the query.
    name_hit: Vec<bool>,
    /// Per interned workspace: it is the one whose members are shown.
    member: Option<Vec<bool>>,
}

impl Matcher {
    pub fn matches(&self, u: UserRef<'_>) -> bool {
        let idx = u.workspace_indices();
        if let Some(member) = &self.member
            && !idx.iter().any(|&i| member.get(i as usize) == Some(&true))
        {
            return false;
        }
        self.query.is_empty()
            || idx
                .iter()
                .any(|&i| self.name_hit.get(i as usize) == Some(&true))
            || self.text_hit(u.row)
    }

    fn text_hit(&self, row: &Row) -> bool {
        let hay = row.searchable();
        if self.query_ascii && row.bytes_fold {
            contains_ascii_ci(hay.as_bytes(), self.query.as_bytes())
        } else if row.ascii {
            false
        } else {
            hay.to_lowercase().contains(&self.query)
        }
    }
}

/// `hay` contains `needle` (lowercase ASCII) ignoring ASCII case. Candidates are found
/// with `memchr` on both cases of the first byte, which is what keeps a keystroke of
/// search over 100,000 rows within a frame.
fn contains_ascii_ci(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    let last_start = hay.len() - needle.len();
    let tail_matches = |i: usize| {
        hay[i + 1..i + needle.len()]
            .iter()
            .zip(rest)
            .all(|(h, n)| h.to_ascii_lowercase() == *n)
    };
    let window = &hay[..=last_start];
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), window).any(tail_matches)
}

impl UserStore {
    pub fn new() -> UserStore {
        UserStore::default()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every workspace any stored user reached (or once reached), each once.
    pub fn workspaces(&self) -> &[Workspace] {
        &self.workspaces
    }

    pub fn get(&self, i: usize) -> Option<UserRef<'_>> {
        self.rows.get(i).map(|row| UserRef {
            row,
            workspaces: &self.workspaces,
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = UserRef<'_>> {
        self.rows.iter().map(|row| UserRef {
            row,
            workspaces: &self.workspaces,
        })
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.by_id
            .find(hash, |&i| {
                self.rows
                    .get(i as usize)
                    .is_some_and(|r| r.field(Field::Id) == id)
            })
            .map(|&i| i as usize)
    }

    pub fn by_id(&self, id: &str) -> Option<UserRef<'_>> {
        self.index_of(id).and_then(|i| self.get(i))
    }

    /// Adds a user, or replaces the stored one with the same id; returns its row and
    /// whether it is new.
    pub fn upsert(&mut self, u: &User) -> (usize, bool) {
        let workspaces = u.workspaces.iter().map(|w| self.intern(w)).collect();
        self.put(Row::new(&Parts::of(u), workspaces))
    }

    /// Replaces the row with the same id, or appends it; returns its row and whether it
    /// is new.
    fn put(&mut self, row: Row) -> (usize, bool) {
        match self.index_of(row.field(Field::Id)) {
            Some(i) => {
                self.rows[i] = row;
                (i, false)
            }
            None => {
                let i = self.rows.len();
                self.push_row(row);
                (i, true)
            }
        }
    }

    /// Adds a row whose id is not stored yet (the caller has checked), with workspace
    /// indices into [`UserStore::workspaces`] as given by [`UserStore::intern`].
    fn push_row(&mut self, row: Row) {
        let i = self.rows.len() as u32;
        let hash = self.hasher.hash_one(row.field(Field::Id));
        let (rows, hasher) = (&self.rows, &self.hasher);
        self.by_id.insert_unique(hash, i, |&j| {
            hasher.hash_one(rows.get(j as usize).map_or("", |r| r.field(Field::Id)))
        });
        self.rows.push(row);
    }

    /// Adds a user read from another store (its workspaces interned here), or replaces the
    /// stored one with the same id; returns its row and whether it is new.
    pub fn upsert_from(&mut self, u: UserRef<'_>) -> (usize, bool) {
        let workspaces = u.workspaces().map(|w| self.intern(w)).collect();
        let row = Row {
            workspaces,
            ..u.row.clone()
        };
        self.put(row)
    }

    /// The index of a workspace, interning it the first time.
    pub fn intern(&mut self, w: &Workspace) -> u32 {
        if let Some(&i) = self.interned.get(w) {
            return i;
        }
        let i = self.workspaces.len() as u32;
        self.workspaces.push(w.clone());
        self.interned.insert(w.clone(), i);
        i
    }

    /// Adds a user given by its parts, with workspaces as indices into
    /// [`UserStore::workspaces`] (from [`UserStore::intern`]); a known id is replaced.
    /// Indices out of range are dropped.
    pub fn upsert_parts(&mut self, parts: &Parts<'_>, workspaces: &[u32]) -> (usize, bool) {
        let n = self.workspaces.len();
        let ws = workspaces
            .iter()
            .copied()
            .filter(|&i| (i as usize) < n)
            .collect();
        self.put(Row::new(parts, ws))
    }
}

/// A user's fields, borrowed: what a row is built from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Parts<'a> {
    pub id: &'a str,
    pub user_name: &'a str,
    pub given_name: Option<&'a str>,
    pub family_name: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub created: Option<&'a str>,
    pub last_modified: Option<&'a str>,
    pub active: bool,
}

impl<'a> Parts<'a> {
    pub fn of(u: &'a User) -> Parts<'a> {
        Parts {
            id: &u.id,
            user_name: &u.user_name,
            given_name: u.given_name.as_deref(),
            family_name: u.family_name.as_deref(),
            display_name: u.display_name.as_deref(),
            external_id: u.external_id.as_deref(),
            created: u.created.as_deref(),
            last_modified: u.last_modified.as_deref(),
            active: u.active,
        }
    }
}

impl Row {
    fn new(p: &Parts<'_>, workspaces: Box<[u32]>) -> Row {
        let fields: [Option<&str>; FIELDS] = [
            Some(p.id),
            Some(p.user_name),
            p.given_name,
            p.family_name,
            p.display_name,
            p.external_id,
            p.created,
            p.last_modified,
        ];
        let len: usize = fields.iter().map(|f| f.map_or(0, str::len) + 1).sum();
        let mut text = String::with_capacity(len);
        let mut ends = [0u32; FIELDS];
        let mut present = 0u8;
        for (k, f) in fields.iter().enumerate() {
            if let Some(s) = f {
                present |= 1 << k;
                text.push_str(s);
            }
            // Rows past 4 GiB of text are not a tenant; saturate rather than wrap.
            ends[k] = u32::try_from(text.len()).unwrap_or(u32::MAX);
            text.push(SEP);
        }
        Row {
            ascii: text.is_ascii(),
            bytes_fold: !text.contains(['\u{212A}', '\u{130}']),
            text: text.into_boxed_str(),
            ends,
            present,
            active: p.active,
            workspaces,
        }
    }
}

impl UserStore {
    /// Keeps the rows `keep` accepts (given each row's number and the row), in order; row
    /// numbers change.
    pub fn retain(&mut self, mut keep: impl FnMut(usize, UserRef<'_>) -> bool) {
        let old = std::mem::take(&mut self.rows);
        self.by_id.clear();
        for (i, row) in old.into_iter().enumerate() {
            let wanted = keep(
                i,
                UserRef {
                    row: &row,
                    workspaces: &self.workspaces,
                },
            );
            if wanted {
                self.push_row(row);
            }
        }
    }

    /// A matcher for `query` (already lowercased), limited to the members of `workspace`
    /// (compared as ids, ignoring ASCII case) when given.
    pub fn matcher(&self, query: &str, workspace: Option<&str>) -> Matcher {
        Matcher {
            query: query.to_string(),
            query_ascii: query.is_ascii(),
            name_hit: self
                .workspaces
                .iter()
                .map(|w| !query.is_empty() && w.name.to_lowercase().contains(query))
                .collect(),
            member: workspace.map(|id| {
                self.workspaces
                    .iter()
                    .map(|w| w.id.eq_ignore_ascii_case(id))
                    .collect()
            }),
        }
    }

    /// Where the bytes go, estimated from lengths and the allocator's chunk sizes.
    pub fn footprint(&self) -> Footprint {
        let chunk = |n: usize| if n == 0 { 0 } else { (n + 8).div_ceil(16) * 16 };
        Footprint {
            rows: self.rows.capacity() * std::mem::size_of::<Row>(),
            text: self.rows.iter().map(|r| chunk(r.text.len())).sum(),
            memberships: self
                .rows
                .iter()
                .map(|r| chunk(r.workspaces.len() * 4))
                .sum(),
            workspaces: self
                .workspaces
                .iter()
                .map(|w| 2 * (48 + chunk(w.id.len()) + chunk(w.name.len())))
                .sum(),
            id_index: self.by_id.capacity() * (std::mem::size_of::<u32>() + 1),
        }
    }
}

/// Estimated bytes of a store, by part.
#[derive(Debug, Clone, Copy)]
pub struct Footprint {
    /// The fixed part of each row.
    pub rows: usize,
    /// Each row's strings, one allocation per user.
    pub text: usize,
    /// Each row's workspace indices.
    pub memberships: usize,
    /// The interned workspaces (and their lookup table).
    pub workspaces: usize,
    pub id_index: usize,
}

impl Footprint {
    pub fn total(&self) -> usize {
        self.rows + self.text + self.memberships + self.workspaces + self.id_index
    }
}

/// Two stores are equal when they hold the same users in the same order.
impl PartialEq for UserStore {
    fn eq(&self, other: &UserStore) -> bool {
        self.len() == other.len()
            && self.iter().zip(other.iter()).all(|(a, b)| {
                a.row.text == b.row.text
                    && a.row.present == b.row.present
                    && a.active() == b.active()
                    && a.workspaces().eq(b.workspaces())
            })
    }
}

impl FromIterator<User> for UserStore {
    fn from_iter<I: IntoIterator<Item = User>>(iter: I) -> UserStore {
        let mut s = UserStore::new();
        for u in iter {
            s.upsert(&u);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, name: &str, ws: &[(&str, &str)]) -> User {
        User {
            id: id.into(),
            user_name: name.into(),
            external_id: None,
            active: true,
            given_name: Some("Ann".into()),
            family_name: None,
            display_name: Some(String::new()),
            workspaces: ws
                .iter()
                .map(|(i, n)| Workspace {
                    id: (*i).into(),
                    name: (*n).into(),
                })
                .collect(),
            created: None,
            last_modified: Some("2026-01-01T00:00:00Z".into()),
        }
    }

    #[test]
    fn users_come_back_exactly_as_they_went_in() {
        let a = user("a", "ann@x.com", &[("w1", "Sales"), ("w2", "Ops")]);
        let b = user("b\u{1f}", "bé@x.com", &[("w1", "Sales")]);
        let s: UserStore = [a.clone(), b.clone()].into_iter().collect();
        assert_eq!(s.by_id("a").map(|u| u.to_user()), Some(a));
        assert_eq!(s.by_id("b\u{1f}").map(|u| u.to_user()), Some(b));
        assert_eq!(s.workspaces().len(), 2, "each workspace held once");
        assert!(s.by_id("c").is_none());
    }

    #[test]
    fn upsert_replaces_by_id_and_retain_keeps_the_index_right() {
        let mut s: UserStore = (0..50)
            .map(|i| user(&format!("u{i}"), &format!("n{i}"), &[]))
            .collect();
        assert_eq!(s.upsert(&user("u7", "renamed", &[])), (7, false));
        assert_eq!(s.len(), 50);
        s.retain(|_, u| u.id().ends_with('7'));
        assert_eq!(s.len(), 5);
        assert_eq!(s.by_id("u7").map(|u| u.user_name()), Some("renamed"));
        assert_eq!(s.index_of("u47"), Some(4));
        assert!(s.by_id("u8").is_none());
    }

    #[test]
    fn search_ignores_case_covers_workspace_names_and_not_across_fields() {
        let s: UserStore = [
            user("a", "ANN@x.com", &[("w1", "Sales EMEA")]),
            user("b", "Bé@x.com", &[]),
        ]
        .into_iter()
        .collect();
        let hits = |q: &str, ws: Option<&str>| -> Vec<&str> {
            let m = s.matcher(q, ws);
            s.iter().filter(|u| m.matches(*u)).map(|u| u.id()).collect()
        };
        assert_eq!(hits("ann@", None), ["a"]);
        assert_eq!(hits("emea", None), ["a"]);
        assert_eq!(hits("bé", None), ["b"]);
        assert_eq!(hits("comann", None), Vec::<&str>::new());
        assert_eq!(hits("", Some("W1")), ["a"]);
        // Characters that lowercase to ASCII are found as their lowercase is.
        let s: UserStore = [
            user("k", "\u{212A}elvin@x.com", &[]),
            user("i", "İz@x.com", &[]),
        ]
        .into_iter()
        .collect();
        let m = s.matcher("kelvin", None);
        assert!(s.by_id("k").is_some_and(|u| m.matches(u)));
        let m = s.matcher("i\u{307}z", None);
        assert!(s.by_id("i").is_some_and(|u| m.matches(u)));
        assert_eq!(hits("bé", Some("w1")), Vec::<&str>::new());
    }
}
