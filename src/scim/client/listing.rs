//! Paged `GET /Users`: the first page gives totalResults, the rest are fetched concurrently
//! (bounded). With a hint of the total, the first round already fetches the pages after the
//! first. Pages are handed over as they arrive, so a caller that keeps users in its own store
//! (the TUI) never holds a second copy of the tenant.

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
    /// Pages in flight at once.
    pub concurrency: usize,
    /// The number of users the caller expects to match (e.g. the tenant's size at its last
    /// complete load). Above one page, the first round asks for page 1 and the pages after it
    /// up to `concurrency` at once, rather than wait a round trip for page 1's totalResults.
    /// The server's count still rules: a hint too high costs the extra requests of that one
    /// round (their pages are dropped), a hint too low costs nothing.
    pub expected_total: Option<u64>,
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            page_size: 100,
            concurrency: 8,
            expected_total: None,
        }
    }
}

/// Pages fetched on the hint that arrived before the walk reached them, by startIndex; those it
/// never reaches (past the server's count) are dropped unread, errors included.
type Ahead = BTreeMap<u64, Result<ListPage, ScimError>>;

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

/// An id as the duplicate guard keeps it: the first 128 bits of its SHA-256, 16 bytes
/// instead of a copy of the id. Two ids sharing them would take finding a SHA-256 collision
/// on 128 bits (about 2^64 tries); a tenant's ids cannot collide in practice.
fn id_key(id: &str) -> u128 {
    use sha2::Digest;
    let d = sha2::Sha256::digest(id.as_bytes());
    let mut k = [0u8; 16];
    k.copy_from_slice(&d[..16]);
    u128::from_le_bytes(k)
}

/// The ids seen so far (as [`id_key`]s) and the caller's page sink: drops users already listed.
struct Sink<F> {
    seen: HashSet<u128>,
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
            .filter(|u| seen.insert(id_key(&u.id)))
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
    ///
    /// Pages fetched early on [`ListOptions::expected_total`] are read only when the walk
    /// reaches them, and then go through the same checks as any page; pages it never reaches
    /// (past page 1's totalResults, or after a probe stopped) are dropped unread.
    pub async fn list_each(
        &self,
        filter: Option<&Filter>,
        opts: ListOptions,
        on_page: impl FnMut(Page),
    ) -> Result<ListSummary, ScimError> {
        let size = opts.page_size.clamp(1, MAX_PAGE_SIZE);
        let step = u64::from(size);
        let concurrency = opts.concurrency.max(1);
        let requests_before = self.stats().requests;
        // Each page is fetched and parsed in a task of its own, so that parsing one page
        // overlaps the requests of the others rather than hold up the task polling them.
        // The task says when its answer is in, before reading it, so the next request goes
        // out while this page is parsed.
        let (answered_tx, answered) = tokio::sync::mpsc::unbounded_channel();
        let fetch = move |start: u64, arrived: Option<Result<ListPage, ScimError>>| {
            let task = arrived.is_none().then(|| {
                let (client, filter) = (self.clone(), filter.cloned());
                let answered = answered_tx.clone();
                Spawned(tokio::spawn(async move {
                    let reply = client.list_page_reply(filter.as_ref(), start, size).await;
                    let _ = answered.send(());
                    reply.and_then(|r| ScimClient::read_list_page(&r))
                }))
            });
            async move {
                let page = match (arrived, task) {
                    (Some(page), _) => page,
                    (None, Some(mut task)) => match (&mut task.0).await {
                        Ok(page) => page,
                        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                        Err(e) => Err(ScimError::BadListing(format!(
                            "the request for the page at startIndex {start} stopped: {e}"
                        ))),
                    },
                    (None, None) => Err(ScimError::BadListing(format!(
                        "no request for the page at startIndex {start}"
                    ))),
                };
                (start, page)
            }
        };
        let mut walk = Walk {
            client: self,
            filter,
            size,
            step,
            concurrency,
            fetch,
            fetches: futures::stream::FuturesUnordered::new(),
            answered,
            sending: 0,
            early: HashSet::new(),
            ahead: BTreeMap::new(),
            skipped: Vec::new(),
        };
        walk.send_early(first_round_width(&opts, step, concurrency));
        let first = walk.first_page().await?;
        let total = first.total_results;
        check_total(total, 1)?;
        let mut sink = Sink {
            seen: HashSet::with_capacity(total.min(100_000) as usize),
            total,
            on_page,
        };
        walk.skipped = first.skipped.clone();
        let first_len = first.users.len() as u64;
        sink.accept(1, first);

        if first_len > 0 && total > step {
            walk.walk_counted(&mut sink, total).await?;
        } else if first_len == step && total <= step {
            walk.probe(&mut sink, total).await?;
        }
        walk.drain().await;
        Ok(ListSummary {
            total_results: total,
            loaded: sink.seen.len(),
            requests: self.stats().requests - requests_before,
            skipped: walk.skipped,
        })
    }
}

/// A fetched page as the walk receives it: its startIndex and what came back.
type Fetched = (u64, Result<ListPage, ScimError>);

/// The state of one `list_each` walk past its setup. `fetch` starts (or, given a page that
/// already arrived, wraps) the fetch of the page at a startIndex.
///
/// The pages fetched on the hint are taken only when the walk reaches them, so it checks
/// exactly the pages it would check without the hint. `early`: in flight, not reached;
/// `ahead`: arrived, not reached.
struct Walk<'a, G, Fut> {
    client: &'a ScimClient,
    filter: Option<&'a Filter>,
    size: u32,
    step: u64,
    concurrency: usize,
    fetch: G,
    fetches: futures::stream::FuturesUnordered<Fut>,
    /// One message per request answered (its page may still be being read).
    answered: tokio::sync::mpsc::UnboundedReceiver<()>,
    /// Requests sent and not answered yet: the concurrency bounds these.
    sending: usize,
    early: HashSet<u64>,
    ahead: Ahead,
    skipped: Vec<String>,
}

impl<G, Fut> Walk<'_, G, Fut>
where
    G: Fn(u64, Option<Result<ListPage, ScimError>>) -> Fut,
    Fut: std::future::Future<Output = Fetched>,
{
    /// Starts the pages after the first of a first round `width` pages wide.
    fn send_early(&mut self, width: u64) {
        for k in 1..width {
            let start = 1 + k * self.step;
            self.early.insert(start);
            self.send(start);
        }
    }

    /// Sends the request for the page at `start`.
    fn send(&mut self, start: u64) {
        self.sending += 1;
        self.fetches.push((self.fetch)(start, None));
    }

    /// The next fetched page; each request answered meanwhile frees its place for the next
    /// of pages `next..end`.
    async fn next_fetched(&mut self, next: &mut u64, end: u64) -> Option<Fetched> {
        loop {
            tokio::select! {
                biased;
                Some(()) = self.answered.recv() => {
                    self.sending = self.sending.saturating_sub(1);
                    self.fill(next, end);
                }
                fetched = self.fetches.next() => return fetched,
            }
        }
    }

    /// Page 1, keeping the pages fetched on the hint that arrive meanwhile.
    async fn first_page(&mut self) -> Result<ListPage, ScimError> {
        let (client, filter, size) = (self.client, self.filter, self.size);
        let mut page_one = std::pin::pin!(client.list_page(filter, 1, size));
        loop {
            tokio::select! {
                page = &mut page_one => return page,
                Some((start, page)) = self.fetches.next() => {
                    self.early.remove(&start);
                    self.ahead.insert(start, page);
                }
            }
        }
    }

    /// The pages after the first when page 1 promised more: concurrently, up to the count
    /// the pages report (never past `PROBE_PAGES` beyond page 1's), stopping at an empty page.
    async fn walk_counted<F: FnMut(Page)>(
        &mut self,
        sink: &mut Sink<F>,
        total: u64,
    ) -> Result<(), ScimError> {
        let step = self.step;
        // Page k starts at 1 + k·step, for k in 1..end. A later page that reports more
        // users moves `end` up, never past `bound`; an empty page `k` cuts it to k.
        let mut end = total.div_ceil(step);
        let bound = end + u64::from(PROBE_PAGES);
        let mut cut = u64::MAX;
        let mut next = 1u64;
        loop {
            self.fill(&mut next, end);
            let Some((start, page)) = self.next_fetched(&mut next, end).await else {
                return Ok(());
            };
            if self.early.remove(&start) {
                self.ahead.insert(start, page);
                continue;
            }
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
            self.skipped.extend(page.skipped.iter().cloned());
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
    }

    /// Puts pages `next..end` in flight, up to the concurrency in requests not answered yet
    /// (and twice that in pages not taken yet): those that arrived on the hint are taken as
    /// they are, those still in flight on it are left to arrive.
    fn fill(&mut self, next: &mut u64, end: u64) {
        while *next < end && self.fetches.len() < 2 * self.concurrency {
            let start = 1 + *next * self.step;
            if let Some(page) = self.ahead.remove(&start) {
                self.fetches.push((self.fetch)(start, Some(page)));
            } else if self.early.remove(&start) {
                // In flight on the hint: taken when it arrives.
            } else if self.sending < self.concurrency {
                self.send(start);
            } else {
                return;
            }
            *next += 1;
        }
    }

    /// A full first page with a count that promises no more: totalResults is missing or
    /// wrong. Probe on while pages are full and bring users not seen before, one page at a
    /// time (so the pages fetched on the hint are all waited for first).
    async fn probe<F: FnMut(Page)>(
        &mut self,
        sink: &mut Sink<F>,
        total: u64,
    ) -> Result<(), ScimError> {
        while let Some((start, page)) = self.fetches.next().await {
            self.ahead.insert(start, page);
        }
        let mut start = 1 + self.step;
        let mut probed = 0;
        loop {
            if probed == PROBE_PAGES {
                return Err(ScimError::BadListing(format!(
                    "the server said there are {total} users (totalResults) but still returns new ones after {} more pages; stopped rather than walk without end",
                    PROBE_PAGES
                )));
            }
            let page = match self.ahead.remove(&start) {
                Some(page) => page?,
                None => self.client.list_page(self.filter, start, self.size).await?,
            };
            check_total(page.total_results, start)?;
            probed += 1;
            let len = page.users.len() as u64;
            if sink.accept(start, page) == 0 || len < self.step {
                return Ok(());
            }
            start += self.step;
        }
    }

    /// Pages fetched on the hint past the end: waited for rather than dropped in flight,
    /// which would close their connections; their content is not read.
    async fn drain(&mut self) {
        while self.fetches.next().await.is_some() {}
    }
}

/// How many pages the first round asks for at once: with a hint above one page, as many as
/// it promises up to the concurrency; otherwise page 1 alone.
fn first_round_width(opts: &ListOptions, step: u64, concurrency: usize) -> u64 {
    opts.expected_total
        .filter(|&n| n > step)
        .map_or(1, |n| n.div_ceil(step).min(concurrency as u64))
}

/// A page's task, stopped when the walk that wanted it is dropped (a load replaced, a reader
/// gone).
struct Spawned<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for Spawned<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
