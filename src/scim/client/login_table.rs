//! Last logins held compactly for 100,000-user tenants: one (lowercased id, when) pair per
//! user, sorted by id so a lookup is a binary search, the date as seconds (a
//! `HashMap<String, LastLogin>` held two strings per user, three times the bytes). Ids of 32
//! hex digits, Anaplan's form, are held as the 128-bit number they spell (24 bytes a user
//! with the date); other ids go in one buffer (16 bytes a user and the id's bytes).

use std::borrow::Cow;
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
    /// Users whose id is 32 hex digits, sorted by id, each id once.
    hex: Vec<HexEntry>,
    /// Every other id, lowercased (ASCII) once when it came in, one after the other.
    ids: String,
    /// The users of the other ids, sorted by id, each id once.
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

/// A user whose id is 32 hex digits: the number they spell, high half first, so that the
/// order of keys is the order of the lowercased ids.
#[derive(Debug, Clone, Copy)]
struct HexEntry {
    key: [u64; 2],
    when: i64,
}

/// The key of an id of exactly 32 hex digits (either case), which is how Anaplan writes them.
fn hex_key(id: &str) -> Option<[u64; 2]> {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let half = |s: &str| u64::from_str_radix(s, 16).ok();
    Some([half(id.get(..16)?)?, half(id.get(16..)?)?])
}

/// The lowercased id a key stands for.
fn hex_text(key: [u64; 2]) -> String {
    format!("{:016x}{:016x}", key[0], key[1])
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
        self.hex.len() + self.entries.len()
    }

    fn find_hex(&self, key: [u64; 2]) -> Result<usize, usize> {
        self.hex.binary_search_by(|e| e.key.cmp(&key))
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

    /// Room for `more` users with ids like those held, so a walk that knows its total grows
    /// the table once rather than by doubling (a doubling holds both copies a moment).
    pub fn reserve(&mut self, more: usize) {
        if self.hex.len() >= self.entries.len() {
            self.hex.reserve_exact(more);
            return;
        }
        let avg = self.ids.len().div_ceil(self.entries.len().max(1));
        self.entries.reserve_exact(more);
        self.ids.reserve_exact(more.saturating_mul(avg.min(64)));
    }

    /// The login of `id` (compared ignoring ASCII case), if held.
    pub fn get(&self, id: &str) -> Option<LastLogin> {
        let when = match hex_key(id) {
            Some(key) => self.hex.get(self.find_hex(key).ok()?)?.when,
            None => self.entries.get(self.find(id).ok()?)?.when,
        };
        Some(self.decode(when))
    }

    /// Holds `login` for `id`, replacing what was held. Cheap in id order (a cache).
    pub fn insert(&mut self, id: &str, login: LastLogin) -> Result<(), TooBig> {
        let when = self.encode(login);
        if let Some(key) = hex_key(id) {
            match self.find_hex(key) {
                Ok(i) => self.hex[i].when = when,
                Err(i) => self.hex.insert(i, HexEntry { key, when }),
            }
            return Ok(());
        }
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
        page: Vec<(Box<str>, LastLogin)>,
        mut on_new: impl FnMut(&LastLogin),
    ) -> Result<usize, TooBig> {
        let mut hex = Vec::new();
        let mut other = Vec::new();
        for (id, login) in page {
            match hex_key(&id) {
                Some(key) => hex.push((key, login)),
                None => other.push((id, login)),
            }
        }
        let added = self.add_hex(hex, &mut on_new);
        Ok(added + self.add_other(other, &mut on_new)?)
    }

    /// [`Self::add_page`] for the ids of 32 hex digits.
    fn add_hex(
        &mut self,
        mut page: Vec<([u64; 2], LastLogin)>,
        on_new: &mut impl FnMut(&LastLogin),
    ) -> usize {
        // Stable, so of equal ids the first in the page stays first and is the one kept.
        page.sort_by_key(|e| e.0);
        page.dedup_by(|later, earlier| later.0 == earlier.0);
        page.retain(|(key, _)| self.find_hex(*key).is_err());
        let fresh: Vec<HexEntry> = page
            .into_iter()
            .map(|(key, login)| {
                on_new(&login);
                HexEntry {
                    key,
                    when: self.encode(login),
                }
            })
            .collect();
        let added = fresh.len();
        merge_back(&mut self.hex, fresh, |a, b| a.key > b.key);
        added
    }

    /// [`Self::add_page`] for the other ids.
    fn add_other(
        &mut self,
        mut page: Vec<(Box<str>, LastLogin)>,
        on_new: &mut impl FnMut(&LastLogin),
    ) -> Result<usize, TooBig> {
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
        let mut entries = std::mem::take(&mut self.entries);
        merge_back(&mut entries, fresh, |a, b| self.id(a) > self.id(b));
        self.entries = entries;
        Ok(added)
    }

    /// Every held (lowercased id, login), in id order.
    pub fn iter(&self) -> impl Iterator<Item = (Cow<'_, str>, LastLogin)> {
        let mut hex = self.hex.iter().peekable();
        let mut other = self.entries.iter().peekable();
        std::iter::from_fn(move || {
            let hex_first = match (hex.peek(), other.peek()) {
                (Some(h), Some(o)) => hex_text(h.key).as_str() < self.id(o),
                (h, _) => h.is_some(),
            };
            if hex_first {
                let h = hex.next()?;
                Some((Cow::Owned(hex_text(h.key)), self.decode(h.when)))
            } else {
                let o = other.next()?;
                Some((Cow::Borrowed(self.id(o)), self.decode(o.when)))
            }
        })
    }

    /// How many held ids are not among `ids` (compared ignoring ASCII case).
    pub fn unknown_to<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> usize {
        let mut known_hex = vec![false; self.hex.len()];
        let mut known = vec![false; self.entries.len()];
        for id in ids {
            match hex_key(id) {
                Some(key) => {
                    if let Ok(i) = self.find_hex(key) {
                        known_hex[i] = true;
                    }
                }
                None => {
                    if let Ok(i) = self.find(id) {
                        known[i] = true;
                    }
                }
            }
        }
        known_hex.iter().chain(&known).filter(|k| !**k).count()
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

/// Merges `fresh` (sorted, none held) into the sorted `held` from the back, in place: no
/// second copy of the table, however big it is. `after(a, b)`: `a` sorts after `b`.
fn merge_back<T: Copy>(held: &mut Vec<T>, fresh: Vec<T>, after: impl Fn(&T, &T) -> bool) {
    let old = held.len();
    let Some(&pad) = fresh.first() else {
        return;
    };
    held.resize(old + fresh.len(), pad);
    let (mut i, mut j) = (old, fresh.len());
    while j > 0 {
        let k = i + j - 1;
        if i > 0 && after(&held[i - 1], &fresh[j - 1]) {
            held[k] = held[i - 1];
            i -= 1;
        } else {
            held[k] = fresh[j - 1];
            j -= 1;
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
        let ids: Vec<String> = t.iter().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(ids, ["0", "00", "a", "b", "c", "z"]);
        assert_eq!(t.unknown_to(["A", "b", "zz"]), 4);
    }

    #[test]
    fn hex_ids_are_held_as_numbers_and_read_back_in_order_with_the_others() {
        let a = "0123456789abcdef0123456789ABCDEF";
        let b = "8a8196b25a3fb3a9015a45d9e4a90d32";
        let mut t = LoginTable::default();
        let page = vec![
            (b.into(), LastLogin::Never),
            ("8a".into(), at("2026-01-02T03:04:05Z")),
            (a.to_ascii_lowercase().into(), at("2020-01-01T00:00:00Z")),
            (b.into(), at("2021-01-01T00:00:00Z")),
            ("zz".into(), LastLogin::Never),
        ];
        assert_eq!(
            t.add_page(page, |_| {}).unwrap(),
            4,
            "the second b is not added"
        );
        assert_eq!(t.hex.len(), 2, "both 32-hex ids are numbers");
        assert_eq!(t.get(a), Some(at("2020-01-01T00:00:00Z")), "any case");
        assert_eq!(t.get(&b.to_ascii_uppercase()), Some(LastLogin::Never));
        assert_eq!(t.get("8a"), Some(at("2026-01-02T03:04:05Z")));
        assert_eq!(t.get("+123456789abcdef0123456789abcdef"), None);
        let ids: Vec<String> = t.iter().map(|(k, _)| k.into_owned()).collect();
        let lower_a = a.to_ascii_lowercase();
        assert_eq!(ids, [lower_a.as_str(), "8a", b, "zz"], "one id order");
        t.insert(a, LastLogin::Never).unwrap();
        t.insert("ffffffffffffffffffffffffffffffff", LastLogin::Never)
            .unwrap();
        assert_eq!(t.get(&lower_a), Some(LastLogin::Never));
        assert_eq!(t.len(), 5);
        assert_eq!(t.unknown_to([b, "8A", "nobody"]), 3);
        let mut back = LoginTable::default();
        for (id, l) in t.iter() {
            back.insert(&id, l).unwrap();
        }
        assert_eq!(back, t, "what iter gives is what was held");
    }
}
