//! Last logins held compactly for 100,000-user tenants: one (lowercased id, when) pair per
//! user, sorted by id so a lookup is a binary search, the ids in one buffer and the date as
//! seconds (a `HashMap<String, LastLogin>` held two strings per user, three times the bytes).

use std::cmp::Ordering;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::LastLogin;

/// `when` of a user who never logged in.
const NEVER: i64 = i64::MIN;
/// `when` = `ODD + k`: the login is `odd[k]`. Far below any date RFC 3339 can write
/// (year 0 is about -6.2e10 seconds), so it cannot be taken for one.
const ODD: i64 = i64::MIN + 1;
/// Below this, `when` is `NEVER` or an `ODD` index, never a date.
const FIRST_DATE: i64 = i64::MIN / 2;

#[derive(Debug, Clone, Default)]
pub(super) struct LoginTable {
    /// Every id, lowercased (ASCII) once when it came in, one after the other.
    ids: String,
    /// Sorted by id, each id once.
    entries: Vec<Entry>,
    /// Logins that are neither "never" nor a whole-second UTC date as scimitar writes
    /// it: unavailable ones (with their reason) and dates kept in the form they came in.
    odd: Vec<LastLogin>,
}

/// One user: where its id is in `ids` (16 bytes a user with the date, no allocation).
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: u32,
    len: u32,
    when: i64,
}

/// Orders a held (lowercased) id against `id` ignoring ASCII case, without a copy of `id`.
fn cmp_lower(held: &str, id: &str) -> Ordering {
    held.bytes().cmp(id.bytes().map(|b| b.to_ascii_lowercase()))
}

/// Seconds since the epoch, when `at` is exactly what [`LastLogin::at`] writes for them (so
/// it comes back byte for byte).
fn whole_seconds(at: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(at, &Rfc3339).ok()?;
    match LastLogin::at(t) {
        LastLogin::At { at: back } if back == at => Some(t.unix_timestamp()),
        _ => None,
    }
}

/// The ids of a tenant add up to more than `u32` offsets reach (4 GiB).
#[derive(Debug)]
pub(super) struct TooBig;

impl LoginTable {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    fn id(&self, e: &Entry) -> &str {
        let start = e.start as usize;
        self.ids.get(start..start + e.len as usize).unwrap_or("")
    }

    fn find(&self, id: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|e| cmp_lower(self.id(e), id))
    }

    /// Appends a lowercased id to `ids`.
    fn push_id(&mut self, lower: &str) -> Result<(u32, u32), TooBig> {
        let start = u32::try_from(self.ids.len()).map_err(|_| TooBig)?;
        let len = u32::try_from(lower.len()).map_err(|_| TooBig)?;
        start.checked_add(len).ok_or(TooBig)?;
        self.ids.push_str(lower);
        Ok((start, len))
    }

    /// Room for `more` users with ids as long as those held, so a walk that knows its total
    /// grows the table once rather than by doubling (a doubling holds both copies a moment).
    pub fn reserve(&mut self, more: usize) {
        let avg = self.ids.len().div_ceil(self.entries.len().max(1));
        self.entries.reserve_exact(more);
        self.ids.reserve_exact(more.saturating_mul(avg.min(64)));
    }

    /// The login of `id` (compared ignoring ASCII case), if held.
    pub fn get(&self, id: &str) -> Option<LastLogin> {
        let i = self.find(id).ok()?;
        self.entries.get(i).map(|e| self.decode(e.when))
    }

    /// Holds `login` for `id`, replacing what was held. Cheap in id order (a cache).
    pub fn insert(&mut self, id: &str, login: LastLogin) -> Result<(), TooBig> {
        let when = self.encode(login);
        match self.find(id) {
            Ok(i) => self.entries[i].when = when,
            Err(i) => {
                let (start, len) = self.push_id(&id.to_ascii_lowercase())?;
                self.entries.insert(i, Entry { start, len, when });
            }
        }
        Ok(())
    }

    /// Adds the users of one page (ids already lowercased) that are not held yet, the first
    /// of a repeated id winning as in a walk; `on_new` sees each added login. Returns how
    /// many were added.
    pub fn add_page(
        &mut self,
        mut page: Vec<(Box<str>, LastLogin)>,
        mut on_new: impl FnMut(&LastLogin),
    ) -> Result<usize, TooBig> {
        // Stable, so of equal ids the first in the page stays first and is the one kept.
        page.sort_by(|a, b| a.0.cmp(&b.0));
        page.dedup_by(|later, earlier| later.0 == earlier.0);
        page.retain(|(id, _)| self.find(id).is_err());
        let mut fresh = Vec::with_capacity(page.len());
        for (id, login) in page {
            on_new(&login);
            let when = self.encode(login);
            let (start, len) = self.push_id(&id)?;
            fresh.push(Entry { start, len, when });
        }
        let added = fresh.len();
        self.merge(fresh);
        Ok(added)
    }

    /// Merges `fresh` (sorted, none held) into `entries` from the back, in place: no second
    /// copy of the table, however big it is.
    fn merge(&mut self, fresh: Vec<Entry>) {
        let old = self.entries.len();
        let Some(&pad) = fresh.first() else {
            return;
        };
        self.entries.resize(old + fresh.len(), pad);
        let (mut i, mut j) = (old, fresh.len());
        while j > 0 {
            let k = i + j - 1;
            let take_old = i > 0 && self.id(&self.entries[i - 1]) > self.id(&fresh[j - 1]);
            if take_old {
                self.entries[k] = self.entries[i - 1];
                i -= 1;
            } else {
                self.entries[k] = fresh[j - 1];
                j -= 1;
            }
        }
    }

    /// Every held (lowercased id, login), in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, LastLogin)> {
        self.entries
            .iter()
            .map(|e| (self.id(e), self.decode(e.when)))
    }

    /// How many held ids are not among `ids` (compared ignoring ASCII case).
    pub fn unknown_to<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> usize {
        let mut known = vec![false; self.entries.len()];
        for id in ids {
            if let Ok(i) = self.find(id) {
                known[i] = true;
            }
        }
        known.iter().filter(|k| !**k).count()
    }

    fn encode(&mut self, login: LastLogin) -> i64 {
        match &login {
            LastLogin::Never => return NEVER,
            LastLogin::At { at } => {
                if let Some(s) = whole_seconds(at) {
                    return s;
                }
            }
            LastLogin::Unavailable { .. } => {}
        }
        self.odd.push(login);
        ODD + (self.odd.len() as i64 - 1)
    }

    fn decode(&self, when: i64) -> LastLogin {
        if when == NEVER {
            return LastLogin::Never;
        }
        if when < FIRST_DATE {
            let k = usize::try_from(when - ODD).unwrap_or(usize::MAX);
            if let Some(l) = self.odd.get(k) {
                return l.clone();
            }
        } else if let Ok(t) = OffsetDateTime::from_unix_timestamp(when) {
            return LastLogin::at(t);
        }
        // Not reached: every `when` was encoded here.
        LastLogin::Unavailable {
            reason: "the last login held could not be read back".into(),
        }
    }
}

/// Equal when they hold the same logins for the same ids, however they were added.
impl PartialEq for LoginTable {
    fn eq(&self, other: &LoginTable) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> LastLogin {
        LastLogin::At { at: s.into() }
    }

    #[test]
    fn logins_come_back_exactly_whatever_the_order_and_case() {
        let odd = LastLogin::Unavailable {
            reason: "odd".into(),
        };
        let mut t = LoginTable::default();
        let page = vec![
            ("b".into(), at("2026-01-02T03:04:05Z")),
            ("a".into(), LastLogin::Never),
            ("b".into(), LastLogin::Never),
        ];
        assert_eq!(
            t.add_page(page, |_| {}).unwrap(),
            2,
            "the repeated b is not added"
        );
        let page = vec![
            ("c".into(), odd.clone()),
            ("a".into(), at("2020-01-01T00:00:00Z")),
            ("0".into(), at("2026-01-02T03:04:05+01:00")),
        ];
        assert_eq!(t.add_page(page, |_| {}).unwrap(), 2, "a is held already");
        assert_eq!(
            t.get("B"),
            Some(at("2026-01-02T03:04:05Z")),
            "the first b won"
        );
        assert_eq!(t.get("A"), Some(LastLogin::Never));
        assert_eq!(t.get("c"), Some(odd));
        assert_eq!(
            t.get("0"),
            Some(at("2026-01-02T03:04:05+01:00")),
            "kept as it came"
        );
        assert_eq!(t.get("d"), None);
        let ids: Vec<&str> = t.entries.iter().map(|e| t.id(e)).collect();
        assert_eq!(
            ids,
            ["0", "a", "b", "c"],
            "sorted, so lookups are binary searches"
        );
        t.insert("A", at("1999-12-31T23:59:59Z")).unwrap();
        t.insert("Z", LastLogin::Never).unwrap();
        t.insert("00", LastLogin::Never).unwrap();
        assert_eq!(t.get("a"), Some(at("1999-12-31T23:59:59Z")));
        assert_eq!(t.len(), 6);
        let ids: Vec<&str> = t.iter().map(|(k, _)| k).collect();
        assert_eq!(ids, ["0", "00", "a", "b", "c", "z"]);
        assert_eq!(t.unknown_to(["A", "b", "zz"]), 4);
    }
}
