//! Last logins in the TUI: loaded in the background after the users (and kept beside the user
//! cache), the `last login` column, the sort by it and the local inactivity filter. Pure: the
//! time the logins were read is kept and used as "now", so rendering reads no clock.

use std::cmp::Ordering;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::plan::inactivity::{Inactivity, Verdict};
use crate::scim::client::{LastLogin, LastLogins};
use crate::store::UserStore;

/// The inactivity filter's steps (`i` cycles; after the last, off).
pub const FILTER_CYCLE: [Inactivity; 5] = [
    Inactivity::Days(30),
    Inactivity::Days(90),
    Inactivity::Days(180),
    Inactivity::Days(365),
    Inactivity::Never,
];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LoginLoad {
    #[default]
    Idle,
    Loading {
        known: usize,
        total: u64,
        one_by_one: bool,
    },
    Done,
}

#[derive(Debug, Clone)]
pub struct Logins {
    /// The last logins held (fresh, or from the cache until the fresh ones come).
    pub held: Option<Arc<LastLogins>>,
    /// When they were read: "now" for relative ages and the filter.
    pub read_at: OffsetDateTime,
    pub load: LoginLoad,
    /// The local inactivity filter.
    pub filter: Option<Inactivity>,
    /// Bumped per load; answers of an older one are dropped.
    pub generation: u64,
}

impl Default for Logins {
    fn default() -> Self {
        Logins {
            held: None,
            read_at: OffsetDateTime::UNIX_EPOCH,
            load: LoginLoad::Idle,
            filter: None,
            generation: 0,
        }
    }
}

impl Logins {
    /// The last login of a user, if last logins are held.
    pub fn get(&self, id: &str) -> Option<LastLogin> {
        self.held.as_ref().map(|l| l.get(id))
    }

    /// Does the inactivity filter keep this user? (No filter keeps everyone; an unknown
    /// last login is never kept.)
    pub fn keeps(&self, id: &str) -> bool {
        let Some(rule) = self.filter else {
            return true;
        };
        match self.get(id) {
            Some(l) => rule.judge(&l, self.read_at) == Verdict::Inactive,
            None => false,
        }
    }

    /// The filter's next step.
    pub fn next_filter(&mut self) {
        self.filter = match self.filter {
            None => Some(FILTER_CYCLE[0]),
            Some(f) => FILTER_CYCLE
                .iter()
                .position(|x| *x == f)
                .and_then(|i| FILTER_CYCLE.get(i + 1).copied()),
        };
    }

    /// The header's note while loading.
    pub fn progress(&self) -> Option<String> {
        match self.load {
            LoginLoad::Loading {
                known,
                total,
                one_by_one,
            } => Some(if one_by_one {
                format!("last logins one by one {known}/{total}…")
            } else if total > 0 {
                format!("last logins {known}/{total}…")
            } else {
                "last logins…".into()
            }),
            _ => None,
        }
    }

    /// The column's cell: "3 d", "8 mo", "2 y", "never", "?".
    pub fn cell(&self, id: &str) -> String {
        self.get(id)
            .map_or_else(|| "…".into(), |l| l.relative(self.read_at))
    }

    /// Never signed in first, then oldest first, unknown last.
    fn rank(&self, id: &str) -> (u8, String) {
        match self.get(id) {
            Some(LastLogin::Never) => (0, String::new()),
            Some(LastLogin::At { at }) => (1, at),
            _ => (2, String::new()),
        }
    }
}

/// Sorts rows by last login (never first, then oldest); ties by userName, then row.
pub fn sort_rows(logins: &Logins, users: &UserStore, rows: &mut Vec<usize>) {
    let mut keyed: Vec<((u8, String), String, usize)> = rows
        .iter()
        .filter_map(|&i| {
            users
                .get(i)
                .map(|u| (logins.rank(u.id()), u.user_name().to_lowercase(), i))
        })
        .collect();
    keyed.sort_by(|a, b| a.cmp(b).then(Ordering::Equal));
    *rows = keyed.into_iter().map(|k| k.2).collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_cycles_back_to_off() {
        let mut l = Logins::default();
        let mut seen = Vec::new();
        for _ in 0..6 {
            l.next_filter();
            seen.push(l.filter);
        }
        assert_eq!(seen[0], Some(Inactivity::Days(30)));
        assert_eq!(seen[4], Some(Inactivity::Never));
        assert_eq!(seen[5], None);
    }

    #[test]
    fn unknown_is_never_kept_by_the_filter() {
        let mut held = LastLogins::default();
        held.insert("a", LastLogin::Never);
        let l = Logins {
            held: Some(Arc::new(held)),
            filter: Some(Inactivity::Days(30)),
            ..Logins::default()
        };
        assert!(l.keeps("A"));
        assert!(!l.keeps("b"));
    }
}
