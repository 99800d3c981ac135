//! Every user's last login from the integration API's user list, `GET /2/0/users`: a few large
//! pages (5000 asked, fewer may come without a word) instead of one request per user. The
//! answer is held compactly (a sorted table, see `login_table`), and a SCIM user is joined to it by id (case-insensitive), one user at
//! a time, so a listing can stream its users and look each one up. When the list is refused, a
//! bounded set of users is read one by one instead, and the refusal is said once.

use futures::StreamExt;
use reqwest::Method;
use serde_json::Value;

use super::listing::MAX_SANE_TOTAL;
use super::login_page::LoginPage;
use super::login_table::LoginTable;
use super::{LastLogin, ScimClient, UNAVAILABLE};
use crate::scim::error::ScimError;

/// What one page of `/2/0/users` asks for (Anaplan's documented maximum).
pub const LOGIN_PAGE_LIMIT: u64 = 5000;

/// At most this many users are read one by one when the list is refused: at 500 requests a
/// minute, four minutes. Beyond it every user stays `unavailable`, and the operator is told to
/// narrow the set.
pub const MAX_ONE_BY_ONE: usize = 2000;

/// Users read one by one at once (the governor still paces them).
const ONE_BY_ONE_CONCURRENCY: usize = 8;

/// Pages walked at most without a `totalSize` (while the server says there is a `next`).
const MAX_PAGES_WITHOUT_TOTAL: u32 = 1000;

/// Why a list is not held: its ids are past what the compact table addresses.
const TOO_BIG: &str = "the integration API's user ids add up to more than 4 GiB";

/// Users the table makes room for at once from the first page's `totalSize`.
const RESERVE_AT_MOST: u64 = 1_000_000;

/// Where the last logins came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LoginSource {
    /// Nothing was read yet.
    #[default]
    None,
    /// The integration API's user list.
    List,
    /// One `GET /2/0/users/{id}` per user, after the list was refused (why).
    OneByOne { refused: String },
    /// Neither: why (the list failed, or too many users for one-by-one reads).
    Unavailable { why: String },
}

/// Last logins by user id (lowercased), with where they came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LastLogins {
    by_id: LoginTable,
    pub source: LoginSource,
    /// Requests it took.
    pub requests: u64,
    /// Users whose date was in a form scimitar does not read (they are `unavailable`).
    pub unreadable: usize,
}

/// How far a walk or the one-by-one reads have come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginProgress {
    pub known: usize,
    pub total: u64,
    /// True when users are read one at a time (the list was refused).
    pub one_by_one: bool,
}

impl LastLogins {
    /// A user's last login; a user the answer does not hold is `unavailable`, never "never".
    pub fn get(&self, id: &str) -> LastLogin {
        if let Some(l) = self.by_id.get(id) {
            return l;
        }
        LastLogin::Unavailable {
            reason: match &self.source {
                LoginSource::List => {
                    "the integration API's user list does not hold this user".into()
                }
                LoginSource::None => "not read yet".into(),
                LoginSource::OneByOne { .. } => UNAVAILABLE.into(),
                LoginSource::Unavailable { why } => why.clone(),
            },
        }
    }

    /// Users whose last login is held.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.len() == 0
    }

    pub fn insert(&mut self, id: &str, login: LastLogin) {
        if self.by_id.insert(id, login).is_err() {
            tracing::warn!("{TOO_BIG}; a last login was not kept");
        }
    }

    /// Every held (lowercased id, last login), in id order, for a cache.
    pub fn iter(&self) -> impl Iterator<Item = (std::borrow::Cow<'_, str>, LastLogin)> {
        self.by_id.iter()
    }

    /// Ids the integration API listed that SCIM does not know (they are never joined to
    /// anyone, so never selected); counted in the debug log.
    pub fn unknown_to<'a>(&self, scim_ids: impl IntoIterator<Item = &'a str>) -> usize {
        let n = self.by_id.unknown_to(scim_ids);
        if n > 0 {
            tracing::debug!(
                "{n} users of the integration API's user list are unknown to SCIM; ignored"
            );
        }
        n
    }

    /// One line for the operator about where the logins came from, when it is not the list.
    pub fn note(&self) -> Option<String> {
        match &self.source {
            LoginSource::None | LoginSource::List => None,
            LoginSource::OneByOne { refused } => Some(format!(
                "the integration API's user list was refused ({refused}); last logins were read one user at a time ({} requests)",
                self.requests
            )),
            LoginSource::Unavailable { why } => Some(format!("last logins are unavailable: {why}")),
        }
    }
}

impl LastLogins {
    /// Without a request: every login unavailable (and why) once the list failed with `err`
    /// and `count` users are in question, or `None` when they are to be read one by one (the
    /// list was refused and they are at most [`MAX_ONE_BY_ONE`]).
    pub fn unavailable_after(err: &ScimError, count: usize) -> Option<LastLogins> {
        let why = if !refused(err) {
            format!("the integration API's user list could not be read: {err}")
        } else if count > MAX_ONE_BY_ONE {
            format!(
                "the integration API's user list was refused ({}), and there are more than the {MAX_ONE_BY_ONE} users read one by one; narrow them (--filter, --workspace) or use an account with a tenant-level role",
                refusal_of(err)
            )
        } else {
            return None;
        };
        Some(LastLogins {
            source: LoginSource::Unavailable { why },
            ..LastLogins::default()
        })
    }
}

fn refusal_of(err: &ScimError) -> String {
    match err.status() {
        Some(code) => format!("{code}: the account may not list the tenant's users"),
        None => err.to_string(),
    }
}

/// True for answers that mean "this account may not list users here" (or there is no list).
fn refused(e: &ScimError) -> bool {
    matches!(
        e,
        ScimError::Forbidden { .. } | ScimError::NotFound { .. } | ScimError::Unauthorized { .. }
    ) || matches!(e.status(), Some(401 | 403 | 404))
}

/// A page's `totalSize` against the sane bound and the first page's: a total that grows
/// while the list is walked would walk without end.
fn check_total(t: u64, first_total: &mut Option<u64>, offset: u64) -> Result<(), ScimError> {
    if t > MAX_SANE_TOTAL {
        return Err(ScimError::BadListing(format!(
            "the integration API reports {t} users (totalSize at offset {offset}), more than the {MAX_SANE_TOTAL} scimitar believes; the list was not walked"
        )));
    }
    match *first_total {
        None => *first_total = Some(t),
        Some(f) if t > f => {
            return Err(ScimError::BadListing(format!(
                "the integration API's totalSize grew from {f} to {t} while its user list was walked (offset {offset}); stopped rather than walk without end"
            )));
        }
        Some(_) => {}
    }
    Ok(())
}

impl ScimClient {
    /// Every user's last login from `GET /2/0/users`, walked with offset and limit until
    /// `totalSize` is reached, whatever page size the server really answers with.
    ///
    /// Bounded like the SCIM listing: a `totalSize` above [`MAX_SANE_TOTAL`], one that grows
    /// past the first page's, or a page that holds only users already listed (a server that
    /// ignores `offset`) ends the walk with an error; an empty page ends it early.
    pub async fn list_last_logins(
        &self,
        mut on_page: impl FnMut(LoginProgress) + Send,
    ) -> Result<LastLogins, ScimError> {
        let url = format!("{}/users", self.inner.api_url);
        let before = self.stats().requests;
        let mut out = LastLogins {
            source: LoginSource::List,
            ..LastLogins::default()
        };
        let mut first_total: Option<u64> = None;
        let mut offset = 0u64;
        let mut pages = 0u32;
        let mut odd_form_logged = false;
        loop {
            let query = [
                ("limit", LOGIN_PAGE_LIMIT.to_string()),
                ("offset", offset.to_string()),
            ];
            let reply = self.send(Method::GET, &url, &query, None).await?;
            let page = LoginPage::from_slice(&reply.bytes).map_err(|_| reply.not_json())?;
            pages += 1;
            let total = page
                .meta
                .pointer("/paging/totalSize")
                .and_then(Value::as_u64);
            if let Some(t) = total {
                check_total(t, &mut first_total, offset)?;
            }
            let got = page.listed() as u64;
            let next = page
                .meta
                .pointer("/paging/next")
                .is_some_and(|n| !n.is_null());
            let mut unreadable = 0;
            let new = out.by_id.add_page(page.into_users(), |login| {
                if let LastLogin::Unavailable { reason } = login {
                    unreadable += 1;
                    if !odd_form_logged {
                        // Once per walk: the form, so it can be taught to the parser.
                        tracing::warn!("a last login in an unknown form: {reason}");
                        odd_form_logged = true;
                    }
                }
            });
            let Ok(new) = new else {
                return Err(ScimError::BadListing(format!(
                    "{TOO_BIG} (at offset {offset}); the list was not walked"
                )));
            };
            out.unreadable += unreadable;
            if pages == 1
                && let Some(t) = first_total
            {
                // Bounded: a total past this grows the table as pages come.
                let want = t
                    .min(RESERVE_AT_MOST)
                    .saturating_sub(out.by_id.len() as u64);
                out.by_id.reserve(usize::try_from(want).unwrap_or(0));
            }
            let target = first_total.unwrap_or(0);
            on_page(LoginProgress {
                known: out.by_id.len(),
                total: target.max(out.by_id.len() as u64),
                one_by_one: false,
            });
            if got == 0 {
                break;
            }
            if new == 0 {
                return Err(ScimError::BadListing(format!(
                    "the integration API's user page at offset {offset} holds only users already listed; the server seems to ignore offset, so the list cannot be walked"
                )));
            }
            offset += got;
            let more = match first_total {
                Some(t) => offset < t,
                None => next && pages < MAX_PAGES_WITHOUT_TOTAL,
            };
            if !more {
                break;
            }
        }
        out.requests = self.stats().requests - before;
        if out.unreadable > 0 {
            tracing::warn!(
                "{} last logins were in a form scimitar does not read; those users are unavailable",
                out.unreadable
            );
        }
        Ok(out)
    }

    /// The last logins of the users `ids`: from the list when the account may read it; when
    /// it is refused (403, 404), one by one for these users only, if they are at most
    /// [`MAX_ONE_BY_ONE`]. Never fails: what cannot be read is `unavailable`, and
    /// [`LastLogins::note`] says why, once.
    pub async fn last_logins_for(
        &self,
        ids: &[String],
        mut on_progress: impl FnMut(LoginProgress) + Send,
    ) -> LastLogins {
        match self.list_last_logins(&mut on_progress).await {
            Ok(all) => all,
            Err(e) => self.last_logins_after(e, ids, on_progress).await,
        }
    }

    /// What [`Self::last_logins_for`] answers for `ids` once the list failed with `err`: one
    /// by one when it was refused and they are at most [`MAX_ONE_BY_ONE`], otherwise every
    /// login unavailable (why is in [`LastLogins::note`]).
    pub async fn last_logins_after(
        &self,
        err: ScimError,
        ids: &[String],
        mut on_progress: impl FnMut(LoginProgress) + Send,
    ) -> LastLogins {
        if let Some(none) = LastLogins::unavailable_after(&err, ids.len()) {
            return none;
        }
        let refusal = refusal_of(&err);
        // Said once, by the caller, from `note`.
        tracing::info!(
            "{}",
            format!(
                "the integration API's user list was refused ({refusal}); reading the last logins of {} users one at a time",
                ids.len()
            )
        );
        let before = self.stats().requests;
        let mut out = LastLogins {
            source: LoginSource::OneByOne { refused: refusal },
            ..LastLogins::default()
        };
        let total = ids.len() as u64;
        let reads: Vec<_> = ids
            .iter()
            .cloned()
            .map(|id| {
                let client = self.clone();
                Box::pin(async move {
                    let login = client.last_login(&id).await;
                    (id, login)
                })
            })
            .collect();
        let mut reads = futures::stream::iter(reads).buffer_unordered(ONE_BY_ONE_CONCURRENCY);
        while let Some((id, login)) = reads.next().await {
            out.insert(&id, login);
            on_progress(LoginProgress {
                known: out.len(),
                total,
                one_by_one: true,
            });
        }
        out.requests = self.stats().requests - before;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_the_answer_does_not_hold_is_unavailable_never_never() {
        let mut l = LastLogins {
            source: LoginSource::List,
            ..LastLogins::default()
        };
        l.insert("ABC", LastLogin::Never);
        assert_eq!(l.get("abc"), LastLogin::Never);
        assert!(matches!(l.get("other"), LastLogin::Unavailable { .. }));
        assert_eq!(l.unknown_to(["xyz"]), 1);
        assert_eq!(l.unknown_to(["aBc"]), 0);
    }
}
