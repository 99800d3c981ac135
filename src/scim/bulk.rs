//! Reading many users by key (ids or userNames) with `or` filters, adaptively: a batch the
//! server refuses (any 4xx/5xx: too many terms, a filter it cannot parse) is split in halves
//! down to single requests before anything is called an error, and an id a filtered read did
//! not return is asked for directly (`GET /Users/{id}`), since only a 404 says it is gone.

use std::collections::HashSet;

use futures::StreamExt;

use crate::scim::client::ScimClient;
use crate::scim::error::ScimError;
use crate::scim::filter::{Attr, Filter};
use crate::scim::model::{MAX_PAGE_SIZE, User};

/// Single GETs in flight at once while confirming ids.
const GET_CONCURRENCY: usize = 8;

/// What a keyed read found.
#[derive(Debug, Default)]
pub struct KeyedRead {
    /// Each user once, in no particular order.
    pub users: Vec<User>,
    /// How many of `users` the `or` filters returned (the rest came from single GETs).
    pub from_filter: usize,
    /// Keys whose own request failed with something other than 404, with the server's answer.
    pub failed: Vec<(String, ScimError)>,
}

impl KeyedRead {
    /// The server answered the filters without error but returned none of the ids that
    /// single GETs then found: it does not filter on `id`.
    pub fn filter_ignored(&self) -> bool {
        self.from_filter == 0 && !self.users.is_empty()
    }
}

/// Errors that say nothing about the batch's filter: splitting would only repeat them.
fn is_fatal(e: &ScimError) -> bool {
    matches!(
        e,
        ScimError::Unauthorized { .. }
            | ScimError::Forbidden { .. }
            | ScimError::RateLimited { .. }
            | ScimError::Transport { .. }
            | ScimError::Auth(_)
            | ScimError::Config(_)
            | ScimError::Cancelled
    )
}

/// A 5xx page that is not SCIM (a proxy's HTML 502): it says the way to the server is
/// broken, not that the filter is too long, so splitting would only repeat it.
fn proxy_page(e: &ScimError) -> bool {
    matches!(e, ScimError::BadResponse { status, .. } if *status >= 500)
}

/// The users among `ids`. With `use_filter` false (a server known to ignore `id` filters),
/// every id is read with its own GET.
pub async fn read_by_ids(
    client: &ScimClient,
    ids: &[String],
    use_filter: bool,
) -> Result<KeyedRead, ScimError> {
    let mut read = KeyedRead::default();
    if use_filter {
        filtered(client, ids, Key::Id, &mut read).await?;
        read.from_filter = read.users.len();
    }
    let seen: HashSet<String> = read.users.iter().map(|u| u.id.to_lowercase()).collect();
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !seen.contains(&id.to_lowercase()))
        .cloned()
        .collect();
    // Owned ids and a boxed stream: borrowed ones make the future not `Send` for all lifetimes.
    let gets = futures::stream::iter(missing.into_iter().map(|id| {
        let client = client.clone();
        async move {
            let got = client.get_user(&id).await;
            (id, got)
        }
    }))
    .buffer_unordered(GET_CONCURRENCY)
    .collect::<Vec<_>>()
    .await;
    for (id, got) in gets {
        match got {
            Ok(u) => read.users.push(u),
            Err(ScimError::NotFound { .. }) => {}
            Err(e) if is_fatal(&e) => return Err(e),
            Err(e) => read.failed.push((id, e)),
        }
    }
    Ok(read)
}

/// The users among `ids`, for a lookup: once the server has shown that it answers `id`
/// filters (a filter returned users asked for), ids a filter leaves out are not found
/// without a GET each; until then they are confirmed as [`read_by_ids`] does.
pub async fn look_up_ids(client: &ScimClient, ids: &[String]) -> Result<KeyedRead, ScimError> {
    if !client.id_filter_works() {
        let read = read_by_ids(client, ids, true).await?;
        if read.from_filter > 0 {
            client.set_id_filter_works();
        }
        return Ok(read);
    }
    let mut read = KeyedRead::default();
    filtered(client, ids, Key::Id, &mut read).await?;
    read.from_filter = read.users.len();
    Ok(read)
}

/// The users whose userName is among `names`.
pub async fn read_by_user_names(
    client: &ScimClient,
    names: &[String],
) -> Result<KeyedRead, ScimError> {
    let mut read = KeyedRead::default();
    filtered(client, names, Key::UserName, &mut read).await?;
    read.from_filter = read.users.len();
    Ok(read)
}

/// Every user whose externalId is among `ids`, case-insensitively (Anaplan declares it
/// not caseExact), several per id when they share one.
pub async fn read_by_external_ids(
    client: &ScimClient,
    ids: &[String],
) -> Result<KeyedRead, ScimError> {
    let mut read = KeyedRead::default();
    filtered(client, ids, Key::ExternalId, &mut read).await?;
    read.from_filter = read.users.len();
    Ok(read)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Id,
    UserName,
    ExternalId,
}

impl Key {
    fn of(self, u: &User) -> String {
        match self {
            Key::Id => u.id.to_lowercase(),
            Key::UserName => u.user_name.to_lowercase(),
            Key::ExternalId => u.external_id.as_deref().unwrap_or("").to_lowercase(),
        }
    }
}

fn any_of(key: Key, keys: &[String]) -> Option<Filter> {
    match key {
        Key::Id => Filter::any_id(keys),
        Key::UserName => keys
            .iter()
            .map(|n| Filter::user_name_eq(n))
            .reduce(Filter::or),
        Key::ExternalId => keys
            .iter()
            .map(|n| Filter::eq(Attr::ExternalId, n.as_str()))
            .reduce(Filter::or),
    }
}

/// Most pages read for one filter of externalIds: a filter of at most a page of terms
/// matching more than this many users is a server ignoring the filter, not a tenant.
const MAX_EXTERNAL_PAGES: u64 = 20;

/// Every user a filter selects, page after page.
async fn every_page(client: &ScimClient, filter: &Filter) -> Result<Vec<User>, ScimError> {
    let mut users = Vec::new();
    let mut start = 1u64;
    for _ in 0..MAX_EXTERNAL_PAGES {
        let page = client.list_page(Some(filter), start, MAX_PAGE_SIZE).await?;
        let n = page.users.len() as u64 + page.skipped.len() as u64;
        users.extend(page.users);
        start += n;
        if n == 0 || start > page.total_results {
            break;
        }
    }
    Ok(users)
}

/// Reads `keys` with `or` filters, halving a batch the server refuses. A single userName
/// still refused is recorded in `failed`; a single id is left to the caller's GET.
async fn filtered(
    client: &ScimClient,
    keys: &[String],
    key: Key,
    read: &mut KeyedRead,
) -> Result<(), ScimError> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut parts: Vec<&[String]> = vec![keys];
    while let Some(part) = parts.pop() {
        if part.len() > MAX_PAGE_SIZE as usize {
            let (a, b) = part.split_at(part.len() / 2);
            parts.push(b);
            parts.push(a);
            continue;
        }
        let Some(filter) = any_of(key, part) else {
            continue;
        };
        // Ids and userNames are unique, so one page of as many results holds every match;
        // externalIds may be shared, so their pages are read to the end. Users the server
        // sends beyond those asked for (a filter it ignored) are dropped.
        let wanted: HashSet<String> = part.iter().map(|k| k.trim().to_lowercase()).collect();
        let got = match key {
            Key::ExternalId => every_page(client, &filter).await,
            _ => client
                .list_page(Some(&filter), 1, part.len() as u32)
                .await
                .map(|p| p.users),
        };
        match got {
            Ok(users) => {
                for u in users {
                    if wanted.contains(&key.of(&u)) && seen.insert(u.id.to_lowercase()) {
                        read.users.push(u);
                    }
                }
            }
            // A server failing everything (the client's breaker) is not refusing the filter.
            Err(e) if is_fatal(&e) || proxy_page(&e) || client.server_failing().is_some() => {
                return Err(e);
            }
            Err(e) if part.len() > 1 => {
                tracing::info!(
                    "an `or` filter of {} terms was refused ({e}); splitting it",
                    part.len()
                );
                let (a, b) = part.split_at(part.len() / 2);
                parts.push(b);
                parts.push(a);
            }
            Err(_) if key == Key::Id => {}
            Err(e) => read.failed.push((part[0].clone(), e)),
        }
    }
    Ok(())
}
