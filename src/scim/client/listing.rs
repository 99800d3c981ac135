//! Paged `GET /Users`: the first page gives totalResults, the rest are fetched concurrently
//! (bounded). Pages are handed over as they arrive, so a caller that keeps users in its own
//! store (the TUI) never holds a second copy of the tenant.

use std::collections::{BTreeMap, HashSet};

use futures::StreamExt;

use super::ScimClient;
use crate::scim::error::ScimError;
use crate::scim::filter::Filter;
use crate::scim::model::{ListPage, MAX_PAGE_SIZE, User};

/// More users than any Anaplan tenant holds: a totalResults above it is not believed.
pub const MAX_SANE_TOTAL: u64 = 10_000_000;

/// Pages probed past a full first page whose totalResults promised no more.
pub const PROBE_PAGES: u32 = 10;

fn check_total(total: u64, start: u64) -> Result<(), ScimError> {
    if total > MAX_SANE_TOTAL {
        return Err(ScimError::BadListing(format!(
            "the server reports {total} users (totalResults on the page at startIndex {start}), more than the {MAX_SANE_TOTAL} scimitar believes; the list was not walked"
        )));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
pub struct ListOptions {
    /// At most 100 (Anaplan's cap).
    pub page_size: u32,
    /// Pages fetched at once after the first.
    pub concurrency: usize,
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            page_size: 100,
            concurrency: 8,
        }
    }
}

/// Progress of `list_all`, reported as each page arrives (in completion order).
#[derive(Debug, Clone)]
pub struct PageProgress<'a> {
    /// Users of this page not seen before; borrowed, so callers that only count pay nothing.
    pub new_users: &'a [User],
    pub loaded: usize,
    pub total: u64,
}

/// A page as `list_each` hands it over, in completion order.
#[derive(Debug)]
pub struct Page {
    /// Where the page starts in server order (1-based).
    pub start_index: u64,
    /// Users of this page not seen before.
    pub users: Vec<User>,
    /// Distinct users so far, this page included.
    pub loaded: usize,
    pub total: u64,
}

#[derive(Debug, Clone)]
pub struct ListResult {
    /// Deduplicated by id, in server order (page order, then position in page).
    pub users: Vec<User>,
    pub total_results: u64,
    pub requests: u64,
    pub skipped: Vec<String>,
}

/// What a walk found, without the users (they went to the caller page by page).
#[derive(Debug, Clone)]
pub struct ListSummary {
    pub total_results: u64,
    /// Distinct users handed over.
    pub loaded: usize,
    pub requests: u64,
    pub skipped: Vec<String>,
}

/// The ids seen so far and the caller's page sink: drops users already listed.
struct Sink<F> {
    seen: HashSet<String>,
    total: u64,
    on_page: F,
}

impl<F: FnMut(Page)> Sink<F> {
    /// Hands over the users of `page` not seen before; returns how many there were.
    fn accept(&mut self, start_index: u64, page: ListPage) -> usize {
        let seen = &mut self.seen;
        let users: Vec<User> = page
            .users
            .into_iter()
            .filter(|u| seen.insert(u.id.clone()))
            .collect();
        let n = users.len();
        (self.on_page)(Page {
            start_index,
            users,
            loaded: self.seen.len(),
            total: self.total,
        });
        n
    }
}

impl ScimClient {
    /// Every user matching `filter`, deduplicated by id and kept in server order.
    pub async fn list_all(
        &self,
        filter: Option<&Filter>,
        opts: ListOptions,
        mut on_page: impl FnMut(PageProgress<'_>) + Send,
    ) -> Result<ListResult, ScimError> {
        let mut pages: BTreeMap<u64, Vec<User>> = BTreeMap::new();
        let summary = self
            .list_each(filter, opts, |p| {
                on_page(PageProgress {
                    new_users: &p.users,
                    loaded: p.loaded,
                    total: p.total,
                });
                pages.insert(p.start_index, p.users);
            })
            .await?;
        Ok(ListResult {
            users: pages.into_values().flatten().collect(),
            total_results: summary.total_results,
            requests: summary.requests,
            skipped: summary.skipped,
        })
    }

    /// Walks every user matching `filter`, handing each page's new users to `on_page` as it
    /// arrives (completion order; `start_index` gives server order) and keeping none.
    ///
    /// The walk is bounded whatever the server says: a totalResults above [`MAX_SANE_TOTAL`]
    /// (on any page) or a page that holds only users already listed (a server that ignores
    /// startIndex) ends it with an error; an empty page ends it early (the server has fewer
    /// users than it said). Only when a full first page comes with a count that promises no
    /// more (a missing or wrong totalResults) does it probe on, one page at a time, while pages
    /// are full and bring new users, for at most [`PROBE_PAGES`] pages.
    // Long because the paging loop and its guards against lying or endless servers read best together.
    pub async fn list_each(
        &self,
        filter: Option<&Filter>,
        opts: ListOptions,
        on_page: impl FnMut(Page) + Send,
    ) -> Result<ListSummary, ScimError> {
        let size = opts.page_size.clamp(1, MAX_PAGE_SIZE);
        let step = u64::from(size);
        let requests_before = self.stats().requests;
        let first = self.list_page(filter, 1, size).await?;
        let total = first.total_results;
        check_total(total, 1)?;
        let mut sink = Sink {
            seen: HashSet::with_capacity(total.min(100_000) as usize),
            total,
            on_page,
        };
        let mut skipped = first.skipped.clone();
        let first_len = first.users.len() as u64;
        sink.accept(1, first);

        if first_len > 0 && total > step {
            // Page k starts at 1 + k·step, for k in 1..end. A later page that reports more
            // users moves `end` up, never past `bound`; an empty page `k` cuts it to k.
            let mut end = total.div_ceil(step);
            let bound = end + u64::from(PROBE_PAGES);
            let mut cut = u64::MAX;
            let mut next = 1u64;
            let mut fetches = futures::stream::FuturesUnordered::new();
            loop {
                while fetches.len() < opts.concurrency.max(1) && next < end {
                    let start = 1 + next * step;
                    next += 1;
                    fetches.push(async move { (start, self.list_page(filter, start, size).await) });
                }
                let Some((start, page)) = fetches.next().await else {
                    break;
                };
                let page = page?;
                check_total(page.total_results, start)?;
                let k = (start - 1) / step;
                let wants = page.total_results.div_ceil(step).min(cut);
                if wants > bound {
                    return Err(ScimError::BadListing(format!(
                        "the server's totalResults keeps growing ({total} on the first page, {} on the page at startIndex {start}); stopped after {bound} pages rather than walk without end",
                        page.total_results
                    )));
                }
                end = end.max(wants);
                skipped.extend(page.skipped.iter().cloned());
                if page.users.is_empty() {
                    cut = cut.min(k);
                    end = end.min(k);
                    continue;
                }
                if sink.accept(start, page) == 0 {
                    return Err(ScimError::BadListing(format!(
                        "the page at startIndex {start} holds only users already listed; the server seems to ignore startIndex, so the list cannot be walked"
                    )));
                }
            }
        } else if first_len == step && total <= step {
            // A full first page with a count that promises no more: totalResults is missing
            // or wrong. Probe on while pages are full and bring users not seen before.
            let mut start = 1 + step;
            let mut probed = 0;
            loop {
                if probed == PROBE_PAGES {
                    return Err(ScimError::BadListing(format!(
                        "the server said there are {total} users (totalResults) but still returns new ones after {} more pages; stopped rather than walk without end",
                        PROBE_PAGES
                    )));
                }
                let page = self.list_page(filter, start, size).await?;
                check_total(page.total_results, start)?;
                probed += 1;
                let len = page.users.len() as u64;
                if sink.accept(start, page) == 0 || len < step {
                    break;
                }
                start += step;
            }
        }
        Ok(ListSummary {
            total_results: total,
            loaded: sink.seen.len(),
            requests: self.stats().requests - requests_before,
            skipped,
        })
    }
}
