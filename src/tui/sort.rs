//! Sorting the user list (`o` cycles): by userName, name, active, workspace count or last
//! modified, or in the order the server sent. Comparisons allocate nothing, so sorting
//! 100,000 rows and merging each arriving page stay cheap.

use std::cmp::Ordering;

use crate::store::{UserRef, UserStore};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// As the server sent them.
    #[default]
    Server,
    UserName,
    Name,
    /// Disabled users first: they are the ones to look at.
    Active,
    /// Most workspaces first.
    Workspaces,
    /// Most recently modified first.
    LastModified,
    /// Never signed in first, then the oldest last login (sorted in `tui/logins.rs`, which
    /// holds the logins).
    LastLogin,
}

impl SortKey {
    pub const CYCLE: [SortKey; 7] = [
        SortKey::Server,
        SortKey::UserName,
        SortKey::Name,
        SortKey::Active,
        SortKey::Workspaces,
        SortKey::LastModified,
        SortKey::LastLogin,
    ];

    pub fn next(self) -> SortKey {
        let i = Self::CYCLE.iter().position(|k| *k == self).unwrap_or(0);
        Self::CYCLE[(i + 1) % Self::CYCLE.len()]
    }

    /// What the header says.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Server => "server order",
            SortKey::UserName => "userName ↑",
            SortKey::Name => "name ↑",
            SortKey::Active => "active (disabled first)",
            SortKey::Workspaces => "workspaces (most first)",
            SortKey::LastModified => "last modified (newest first)",
            SortKey::LastLogin => "last login (never, then oldest first)",
        }
    }
}

/// Case-insensitive, without allocating.
fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// Missing values sort last whatever the direction.
fn cmp_opt(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => cmp_ci(a, b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn sort_name<'a>(u: &UserRef<'a>) -> Option<&'a str> {
    u.family_name().or(u.given_name()).or(u.display_name())
}

/// The order of two users under `key`; ties go by userName, so the order is total.
pub fn compare(key: SortKey, a: UserRef<'_>, b: UserRef<'_>) -> Ordering {
    let primary = match key {
        SortKey::Server | SortKey::UserName | SortKey::LastLogin => Ordering::Equal,
        SortKey::Name => cmp_opt(sort_name(&a), sort_name(&b))
            .then_with(|| cmp_opt(a.given_name(), b.given_name())),
        SortKey::Active => a.active().cmp(&b.active()),
        SortKey::Workspaces => b.workspace_count().cmp(&a.workspace_count()),
        SortKey::LastModified => match (a.last_modified(), b.last_modified()) {
            (Some(x), Some(y)) => y.cmp(x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    };
    primary.then_with(|| cmp_ci(a.user_name(), b.user_name()))
}

/// Sorts rows (indices into `users`); server order leaves them as they are.
pub fn sort_rows(key: SortKey, users: &UserStore, rows: &mut [usize]) {
    if key == SortKey::Server {
        return;
    }
    rows.sort_by(|&x, &y| match (users.get(x), users.get(y)) {
        (Some(a), Some(b)) => compare(key, a, b).then(x.cmp(&y)),
        _ => x.cmp(&y),
    });
}

/// Adds `added` to the sorted `rows`, keeping them sorted: one merge per arriving page.
pub fn merge_rows(key: SortKey, users: &UserStore, rows: &mut Vec<usize>, mut added: Vec<usize>) {
    if key == SortKey::Server {
        rows.extend(added);
        return;
    }
    sort_rows(key, users, &mut added);
    let old = std::mem::take(rows);
    let mut out = Vec::with_capacity(old.len() + added.len());
    let (mut i, mut j) = (0, 0);
    while i < old.len() && j < added.len() {
        let ord = match (users.get(old[i]), users.get(added[j])) {
            (Some(a), Some(b)) => compare(key, a, b).then(old[i].cmp(&added[j])),
            _ => old[i].cmp(&added[j]),
        };
        if ord == Ordering::Greater {
            out.push(added[j]);
            j += 1;
        } else {
            out.push(old[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&old[i..]);
    out.extend_from_slice(&added[j..]);
    *rows = out;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::testing::{fixture_users, synthetic_users};

    fn names(users: &UserStore, rows: &[usize]) -> Vec<String> {
        rows.iter()
            .filter_map(|&i| users.get(i))
            .map(|u| u.user_name().to_string())
            .collect()
    }

    #[test]
    fn each_key_orders_as_labelled() {
        let users: UserStore = fixture_users().into_iter().collect();
        let mut rows: Vec<usize> = (0..users.len()).collect();
        sort_rows(SortKey::UserName, &users, &mut rows);
        assert_eq!(
            names(&users, &rows)[..2],
            ["alice.archer@example.com", "bob.baker@example.com"]
        );
        assert_eq!(names(&users, &rows)[5], "svc-integration@example.com");
        sort_rows(SortKey::Active, &users, &mut rows);
        assert_eq!(names(&users, &rows)[0], "carol.chen@example.com");
        sort_rows(SortKey::Workspaces, &users, &mut rows);
        assert_eq!(names(&users, &rows)[0], "svc-integration@example.com");
        assert_eq!(names(&users, &rows)[5], "dan.dawson@example.com");
        sort_rows(SortKey::Name, &users, &mut rows);
        // Archer, Baker, Chen, Dawson, Evans; the unnamed account last.
        assert_eq!(names(&users, &rows)[4], "erin.evans@example.com");
        assert_eq!(names(&users, &rows)[5], "svc-integration@example.com");
    }

    #[test]
    fn merging_pages_equals_sorting_everything() {
        let users: UserStore = synthetic_users(2_000).into_iter().collect();
        for key in SortKey::CYCLE {
            let mut merged = Vec::new();
            for page in (0..users.len()).collect::<Vec<_>>().chunks(300) {
                merge_rows(key, &users, &mut merged, page.to_vec());
            }
            let mut all: Vec<usize> = (0..users.len()).collect();
            sort_rows(key, &users, &mut all);
            assert_eq!(merged, all, "{key:?}");
        }
    }

    #[test]
    fn o_cycles_through_every_key_and_back() {
        let mut k = SortKey::Server;
        let mut seen = vec![k];
        for _ in 0..SortKey::CYCLE.len() - 1 {
            k = k.next();
            seen.push(k);
        }
        assert_eq!(seen, SortKey::CYCLE);
        assert_eq!(k.next(), SortKey::Server);
    }
}
