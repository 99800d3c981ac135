//! Throughput figures against the local fake Anaplan, printed, never asserted.
//!
//!   cargo bench --bench throughput             # full sizes (a few minutes)
//!   cargo bench --bench throughput -- --quick  # a tenth of the sizes (CI)
//!   cargo bench --bench throughput -- list     # only the listing figures (or: batch, limit)
//!   cargo bench --bench throughput -- oop      # only the listing with the fake in its own process
//!   cargo test --bench throughput -- list --quick  # a debug build: checks that it prints
//!   cargo bench --bench throughput -- logins   # last logins for 100k users: list vs one by one
//!
//! Everything runs on one machine, so the figures compare with each other; the fake runs in
//! this process except for `oop`, where it runs as `scimitar fake serve`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use scimitar::batch::runner::{self, RunOptions};
use scimitar::batch::{Intent, Journal, JournalState, Summary};
use scimitar::fake::{FakeConfig, FakeServer, Faults};
use scimitar::plan::{Action, Outcome, Plan, Protected};
use scimitar::scim::client::Connection;
use scimitar::scim::{ListOptions, ListPage, ScimClient};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const LATENCY: Duration = Duration::from_millis(50);
/// The listing is measured at 20 ms, closer to a near region's round trip.
const LIST_LATENCY: Duration = Duration::from_millis(20);

fn addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

async fn fake(users: usize, rate_limit: Option<u32>) -> FakeServer {
    fake_with(users, rate_limit, LATENCY).await
}

async fn fake_with(users: usize, rate_limit: Option<u32>, latency: Duration) -> FakeServer {
    let config = FakeConfig {
        faults: Faults {
            latency,
            rate_limit_per_minute: rate_limit,
            ..Faults::default()
        },
        users,
        ..FakeConfig::default()
    };
    match FakeServer::start(config, addr()).await {
        Ok(f) => f,
        Err(e) => panic!("cannot start the fake: {e}"),
    }
}

fn client(f: &FakeServer, rate_per_minute: u32) -> ScimClient {
    let conn = Connection {
        rate_per_minute,
        ..f.connection()
    };
    match ScimClient::new(conn) {
        Ok(c) => c,
        Err(e) => panic!("cannot build the client: {e}"),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// CPU time of this process (every thread: the client and, here, the fake too).
fn cpu_time() -> Duration {
    #[cfg(unix)]
    {
        // SAFETY: getrusage only writes the struct it is given.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } == 0 {
            let tv = |t: libc::timeval| {
                Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
            };
            return tv(ru.ru_utime) + tv(ru.ru_stime);
        }
    }
    Duration::ZERO
}

/// What a community script does to list users: one page after another until a short page.
async fn sequential_walker(c: &ScimClient) -> usize {
    let mut start = 1u64;
    let mut n = 0;
    loop {
        let page = match c.list_page(None, start, 100).await {
            Ok(p) => p,
            Err(e) => panic!("listing failed: {e}"),
        };
        n += page.users.len();
        if page.users.len() < 100 {
            return n;
        }
        start += 100;
    }
}

/// A 100-user page in the fake's plain dialect, built from its tenant.
fn page_body(f: &FakeServer) -> String {
    let users: Vec<serde_json::Value> = f
        .users()
        .into_iter()
        .take(100)
        .map(|u| {
            serde_json::json!({
                "schemas": [scimitar::scim::model::USER_SCHEMA],
                "id": u.id, "userName": u.user_name, "externalId": u.external_id,
                "name": {"givenName": u.given_name, "familyName": u.family_name},
                "active": u.active,
                "entitlements": scimitar::scim::model::workspace_entitlements(&u.workspaces),
                "meta": {"resourceType": "User", "created": u.created, "lastModified": u.last_modified,
                         "location": format!("https://localhost/Users/{}", u.id)},
            })
        })
        .collect();
    serde_json::json!({"schemas": [scimitar::scim::model::LIST_SCHEMA], "totalResults": 20000,
        "startIndex": 1, "itemsPerPage": users.len(), "Resources": users})
    .to_string()
}

/// Client CPU to read one page: straight into the model, and through a JSON tree first.
fn bench_parse(f: &FakeServer, runs: usize) {
    let body = page_body(f);
    let mut typed = Vec::with_capacity(runs);
    let mut tree = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let p = ListPage::from_slice(body.as_bytes());
        typed.push(t.elapsed());
        assert!(p.is_ok_and(|p| p.users.len() == 100));
        let t = Instant::now();
        let p = serde_json::from_slice::<serde_json::Value>(body.as_bytes())
            .map(|v| ListPage::from_value(&v));
        tree.push(t.elapsed());
        assert!(p.is_ok_and(|p| p.is_ok()));
    }
    typed.sort();
    tree.sort();
    println!(
        "\nClient CPU to read one 100-user page ({} bytes), median of {runs}: typed {:.3} ms, through a serde_json::Value {:.3} ms",
        body.len(),
        typed[runs / 2].as_secs_f64() * 1e3,
        tree[runs / 2].as_secs_f64() * 1e3
    );
}

async fn bench_list(quick: bool) {
    let users = if quick { 2_000 } else { 20_000 };
    let latency = LIST_LATENCY;
    let f = fake_with(users, None, latency).await;
    let pages = users.div_ceil(100);
    println!(
        "\n## Listing {users} users, {} ms latency per request, page size 100",
        latency.as_millis()
    );
    println!(
        "| walker | wall time | requests | bound ceil(pages/c) x latency | ratio | CPU per page (client + fake) |"
    );
    println!("|---|---|---|---|---|---|");
    let mut concurrent = Duration::ZERO;
    let mut hinted = Duration::ZERO;
    let mut sequential = Duration::ZERO;
    // (concurrency, client budget, expected total). The hinted row is what the TUI does with
    // a cached tenant: the first round does not wait for page 1's totalResults. The last row
    // keeps the client's default budget (500/minute, under Anaplan's 600): against a real
    // tenant that budget, not the client, sets the pace.
    let hint = Some(users as u64);
    // One walk first, so every row meets the fake with its users already rendered.
    let _ = client(&f, 0)
        .list_all(None, ListOptions::default(), |_| {})
        .await;
    for (concurrency, budget, expected_total) in [
        (8usize, 0u32, None),
        (8, 0, hint),
        (0, 0, None),
        (1, 0, None),
        (8, 500, None),
    ] {
        let c = client(&f, budget);
        // Authenticate outside the timed part: the figure is about listing.
        let _ = c.list_page(None, 1, 1).await;
        let before = c.stats().requests;
        let cpu = cpu_time();
        let t = Instant::now();
        let listed = if concurrency == 0 {
            sequential_walker(&c).await
        } else {
            match c
                .list_all(
                    None,
                    ListOptions {
                        page_size: 100,
                        concurrency,
                        expected_total,
                    },
                    |_| {},
                )
                .await
            {
                Ok(r) => r.users.len(),
                Err(e) => panic!("listing failed: {e}"),
            }
        };
        let wall = t.elapsed();
        let cpu = cpu_time().saturating_sub(cpu);
        assert_eq!(listed, users, "every user once");
        let bound = latency * pages.div_ceil(concurrency.max(1)) as u32;
        let label = match (concurrency, budget, expected_total) {
            (0, _, _) => "a sequential page walker (a script)".to_string(),
            (c, 0, None) => format!("scimitar, concurrency {c}"),
            (c, 0, Some(n)) => format!("scimitar, concurrency {c}, expecting {n} users"),
            (c, b, _) => format!("scimitar, concurrency {c}, client budget {b}/min"),
        };
        match (concurrency, budget, expected_total) {
            (8, 0, None) => concurrent = wall,
            (8, 0, Some(_)) => hinted = wall,
            (0, _, _) => sequential = wall,
            _ => {}
        }
        println!(
            "| {label} | {} | {} | {} | {:.2} | {:.2} ms |",
            secs(wall),
            c.stats().requests - before,
            secs(bound),
            wall.as_secs_f64() / bound.as_secs_f64(),
            cpu.as_secs_f64() * 1e3 / pages as f64
        );
    }
    let speed_up = |d: Duration| sequential.as_secs_f64() / d.as_secs_f64().max(1e-9);
    println!(
        "\nscimitar at concurrency 8 lists {:.1}x faster than the sequential walker, {:.1}x when it expects the tenant's size (same run).",
        speed_up(concurrent),
        speed_up(hinted)
    );
    bench_parse(&f, if quick { 21 } else { 201 });
    f.shutdown().await;
}

/// Users that a disable would change, as a plan (the API user is protected).
fn disable_plan(f: &FakeServer, limit: usize) -> Plan {
    let protected = Protected {
        api_user: Some(f.login.clone()),
        accounts: vec![],
    };
    let users: Vec<_> = f.users().into_iter().take(limit).collect();
    Plan::build("bench", "now", Action::Disable, &users, &protected, &[])
}

async fn run_batch(c: &ScimClient, plan: &Plan, concurrency: usize) -> (Duration, Summary, u64) {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let path = dir.path().join("bench.jsonl");
    let journal = match Journal::create(&path, &scimitar::batch::seal::SealKey::ephemeral()) {
        Ok(j) => Arc::new(j),
        Err(e) => panic!("journal: {e}"),
    };
    let batch = scimitar::batch::driver::batch_from_plan(
        plan,
        "bench",
        Intent::Apply {
            action: plan.action.clone(),
            protected: Protected::default(),
        },
    );
    let (tx, mut rx) = mpsc::unbounded_channel();
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let _ = c.list_page(None, 1, 1).await;
    let before = c.stats().requests;
    let t = Instant::now();
    let opts = RunOptions {
        concurrency,
        ..RunOptions::default()
    };
    if let Err(e) = runner::run(c, &batch, journal, &opts, tx, CancellationToken::new()).await {
        panic!("batch failed: {e}");
    }
    let wall = t.elapsed();
    let _ = drain.await;
    let state = match JournalState::read(&path) {
        Ok(s) => s,
        Err(e) => panic!("journal: {e}"),
    };
    (
        wall,
        Summary::from_journal(&state),
        c.stats().requests - before,
    )
}

/// What the seed scripts do: one PATCH after another, no re-read, no journal.
async fn naive_sequential(c: &ScimClient, plan: &Plan) -> (Duration, u64) {
    let _ = c.list_page(None, 1, 1).await;
    let before = c.stats().requests;
    let t = Instant::now();
    for item in plan.items.iter().filter(|i| i.outcome == Outcome::Change) {
        for req in &item.requests {
            let _ = c.patch_user(&item.user_id, req).await;
        }
    }
    (t.elapsed(), c.stats().requests - before)
}

async fn bench_batch(quick: bool) {
    let users = if quick { 1_000 } else { 10_000 };
    let small = if quick { 100 } else { 1_000 };
    println!(
        "\n## Disable batch, {} ms latency, no rate limit",
        LATENCY.as_millis()
    );
    println!(
        "| run | users changed | wall time | requests | requests per user changed | bound users x latency / c | ratio |"
    );
    println!("|---|---|---|---|---|---|---|");
    // Wall time per user changed at concurrency 8, to set against the script's.
    let mut per_user = Duration::ZERO;
    let mut ratios: Vec<String> = Vec::new();
    for (n, concurrency) in [(users, 8usize), (small, 1)] {
        let f = fake(n, None).await;
        let plan = disable_plan(&f, n);
        let c = client(&f, 0);
        let (wall, s, req) = run_batch(&c, &plan, concurrency).await;
        let label = format!("scimitar, concurrency {concurrency}, {n} users");
        batch_row(&label, s.changed, wall, req, concurrency);
        assert_eq!(
            s.failed + s.in_doubt + s.unknown + s.not_started,
            0,
            "a clean run"
        );
        if concurrency == 8 {
            per_user = wall / s.changed.max(1) as u32;
        }
        ratios.push(format!(
            "{:.3} at concurrency {concurrency}",
            req as f64 / s.changed.max(1) as f64
        ));
        f.shutdown().await;
    }
    let f = fake(small, None).await;
    let plan = disable_plan(&f, small);
    let changed = plan.totals().to_change;
    let c = client(&f, 0);
    let (wall, req) = naive_sequential(&c, &plan).await;
    let label =
        format!("sequential script (PATCH one by one, no re-read, no journal), {small} users");
    batch_row(&label, changed, wall, req, 1);
    f.shutdown().await;
    let script = wall / changed.max(1) as u32;
    // Every request counted: the re-read before each slice, the PATCHes, and the batched
    // re-read after each slice that settles every answer.
    println!(
        "\nRequests per user changed, re-reads before and after the changes on: {} (target <= 1.05).",
        ratios.join(", ")
    );
    println!(
        "\nPer user changed: scimitar at concurrency 8 {:.2} ms, the sequential script {:.2} ms: {:.1}x faster (same run).",
        per_user.as_secs_f64() * 1e3,
        script.as_secs_f64() * 1e3,
        script.as_secs_f64() / per_user.as_secs_f64().max(1e-9)
    );
}

/// One row of the batch table; the bound is every change at full concurrency.
fn batch_row(label: &str, changed: usize, wall: Duration, requests: u64, concurrency: usize) {
    let bound = LATENCY * changed as u32 / concurrency.max(1) as u32;
    println!(
        "| {label} | {changed} | {} | {requests} | {:.3} | {} | {:.2} |",
        secs(wall),
        requests as f64 / changed.max(1) as f64,
        secs(bound),
        wall.as_secs_f64() / bound.as_secs_f64().max(1e-9)
    );
}

async fn bench_limit(quick: bool) {
    let users = if quick { 400 } else { 2_000 };
    let limit = 3_000u32;
    let f = fake(users, Some(limit)).await;
    let plan = disable_plan(&f, users);
    // The profile's budget set to the tenant's limit: the governor paces, 429s stay rare.
    let c = client(&f, limit);
    let (wall, s, req) = run_batch(&c, &plan, 8).await;
    let fs = f.stats();
    let per_min = req as f64 / wall.as_secs_f64() * 60.0;
    println!(
        "\n## Disable batch against a {limit}/minute tenant limit, {users} users, {} ms latency",
        LATENCY.as_millis()
    );
    println!(
        "| users changed | wall time | requests | achieved rate | ratio to limit | 429s from the server | requests per user changed |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {req} | {:.0}/min | {:.2} | {} | {:.3} |",
        s.changed,
        secs(wall),
        per_min,
        per_min / f64::from(limit),
        fs.rate_limited,
        req as f64 / s.changed.max(1) as f64
    );
    f.shutdown().await;
}

/// Every user's last login at the default budget (500 requests a minute): the integration
/// API's list, then one read per user for a sample, from which the whole tenant's one-by-one
/// time follows (a full run would take hours at that budget).
async fn bench_logins(quick: bool) {
    let users = if quick { 10_000 } else { 100_000 };
    let sample = if quick { 50 } else { 200 };
    let f = fake_with(users, None, LIST_LATENCY).await;
    let c = client(&f, 500);
    let t = Instant::now();
    let logins = match c.list_last_logins(|_| {}).await {
        Ok(l) => l,
        Err(e) => panic!("list: {e}"),
    };
    let secs = t.elapsed().as_secs_f64();
    println!(
        "logins list     {users} users: {} known, {} requests, {secs:.2} s",
        logins.len(),
        logins.requests
    );
    let ids: Vec<String> = f.users().into_iter().take(sample).map(|u| u.id).collect();
    let c = client(&f, 500);
    let before = c.stats().requests;
    let t = Instant::now();
    for id in &ids {
        let _ = c.last_login(id).await;
    }
    let secs = t.elapsed().as_secs_f64();
    let requests = c.stats().requests - before;
    let per = secs / sample as f64;
    println!(
        "logins one by one {sample} users: {requests} requests, {secs:.2} s ({per:.3} s a user); {users} users: {users} requests, {:.0} s = {:.1} h (computed from the sample)",
        per * users as f64,
        per * users as f64 / 3600.0
    );
    f.shutdown().await;
}

/// `scimitar fake serve` in its own process, as a user meets it; killed on drop.
struct FakeProcess {
    child: std::process::Child,
    conn: Connection,
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fake_process(users: usize, latency: Duration) -> FakeProcess {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join("scimitar-bench-throughput");
    let mut child = match std::process::Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(["fake", "serve", "--listen", "127.0.0.1:0", "--users"])
        .arg(users.to_string())
        .arg("--latency-ms")
        .arg(latency.as_millis().to_string())
        .env("SCIMITAR_DATA_DIR", dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot start the fake: {e}"),
    };
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = std::io::BufReader::new(out).read_line(&mut line);
    }
    let v: serde_json::Value = match serde_json::from_str(&line) {
        Ok(v) => v,
        Err(e) => panic!("the fake's first line is not JSON ({e}): {line}"),
    };
    let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    let conn = Connection {
        scim_url: field("scim_url"),
        auth_url: field("auth_url"),
        api_url: field("api_url"),
        auth: scimitar::scim::client::AuthMethod::Token,
        login: Some(field("login")),
        secret: Some(secrecy::SecretString::from(field("password"))),
        rate_per_minute: 0,
        ..Connection::default()
    };
    FakeProcess { child, conn }
}

/// One listing (or the walker, at concurrency 0) against `conn`: wall time and requests.
async fn timed_listing(
    conn: &Connection,
    concurrency: usize,
    expected_total: Option<u64>,
    users: usize,
) -> (Duration, u64) {
    let c = match ScimClient::new(conn.clone()) {
        Ok(c) => c,
        Err(e) => panic!("cannot build the client: {e}"),
    };
    // Authenticate outside the timed part: the figure is about listing.
    let _ = c.list_page(None, 1, 1).await;
    let before = c.stats().requests;
    let t = Instant::now();
    let listed = if concurrency == 0 {
        sequential_walker(&c).await
    } else {
        let opts = ListOptions {
            page_size: 100,
            concurrency,
            expected_total,
        };
        match c.list_all(None, opts, |_| {}).await {
            Ok(r) => r.users.len(),
            Err(e) => panic!("listing failed: {e}"),
        }
    };
    let wall = t.elapsed();
    assert_eq!(listed, users, "every user once");
    (wall, c.stats().requests - before)
}

/// The fake's own floor: bare GETs of every page read to the last byte, nothing parsed or
/// checked, on `lanes` connections at once (1: one after another, with the walker's final
/// empty page). No client does less against this fake.
async fn bare_listing(conn: &Connection, token: &str, lanes: u64, users: usize) -> Duration {
    use std::sync::atomic::{AtomicU64, Ordering};
    let http = reqwest::Client::new();
    let pages = users.div_ceil(100) as u64 + u64::from(lanes == 1);
    let next = Arc::new(AtomicU64::new(0));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..lanes {
        let (http, next) = (http.clone(), next.clone());
        let (url, auth) = (
            format!("{}/Users", conn.scim_url),
            format!("AnaplanAuthToken {token}"),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= pages {
                    return;
                }
                let start = (1 + k * 100).to_string();
                let sent = http
                    .get(&url)
                    .query(&[("startIndex", start.as_str()), ("count", "100")])
                    .header("Authorization", &auth)
                    .send()
                    .await;
                match sent {
                    Ok(r) => drop(std::hint::black_box(r.bytes().await)),
                    Err(e) => panic!("bare GET: {e}"),
                }
            }
        }));
    }
    for t in tasks {
        if let Err(e) = t.await {
            panic!("bare lane: {e}");
        }
    }
    t.elapsed()
}

/// A token for the bare GETs, from the fake's auth service.
async fn bare_token(conn: &Connection) -> String {
    use secrecy::ExposeSecret;
    let password = conn.secret.as_ref().map(|s| s.expose_secret().to_string());
    let answer = reqwest::Client::new()
        .post(format!("{}/token/authenticate", conn.auth_url))
        .basic_auth(conn.login.clone().unwrap_or_default(), password)
        .send()
        .await;
    let body: serde_json::Value = match answer {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(e) => panic!("bare token: {e}"),
    };
    body.pointer("/tokenInfo/tokenValue")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

/// The listing against the sequential walker with the fake in another process (its pages
/// rendered once by a warm-up walk, as its page cache keeps them), three runs.
async fn bench_list_out_of_process(quick: bool) {
    let users = if quick { 2_000 } else { 20_000 };
    let latency = LIST_LATENCY;
    let f = fake_process(users, latency);
    let pages = users.div_ceil(100);
    let bound = latency * pages.div_ceil(8) as u32;
    println!(
        "\n## Listing {users} users, the fake in its own process, {} ms latency, no rate limit, page size 100; bound ceil({pages}/8) x latency = {}",
        latency.as_millis(),
        secs(bound)
    );
    let _ = timed_listing(&f.conn, 8, None, users).await;
    let token = bare_token(&f.conn).await;
    println!(
        "| run | walker | scimitar c=8 | ratio to bound | speed-up | scimitar c=8 expecting the size | ratio to bound | speed-up | bare GETs one by one / 8 at once | bare speed-up | expecting vs bare 8 | requests (walker / c=8) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for run in 1..=3 {
        let (walker, wr) = timed_listing(&f.conn, 0, None, users).await;
        let (plain, pr) = timed_listing(&f.conn, 8, None, users).await;
        let (hinted, _) = timed_listing(&f.conn, 8, Some(users as u64), users).await;
        let bare_walk = bare_listing(&f.conn, &token, 1, users).await;
        let bare8 = bare_listing(&f.conn, &token, 8, users).await;
        let ratio = |d: Duration| d.as_secs_f64() / bound.as_secs_f64();
        let speed = |d: Duration| walker.as_secs_f64() / d.as_secs_f64().max(1e-9);
        println!(
            "| {run} | {} | {} | {:.2}x | {:.1}x | {} | {:.2}x | {:.1}x | {} / {} | {:.1}x | {:.2}x | {wr} / {pr} |",
            secs(walker),
            secs(plain),
            ratio(plain),
            speed(plain),
            secs(hinted),
            ratio(hinted),
            speed(hinted),
            secs(bare_walk),
            secs(bare8),
            bare_walk.as_secs_f64() / bare8.as_secs_f64().max(1e-9),
            hinted.as_secs_f64() / bare8.as_secs_f64().max(1e-9)
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let only: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| ["list", "oop", "batch", "limit", "logins"].contains(a))
        .collect();
    let want = |name: &str| only.is_empty() || only.contains(&name);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("runtime: {e}"),
    };
    println!(
        "# scimitar throughput ({} build, {} cores{})",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if quick { ", --quick sizes" } else { "" }
    );
    rt.block_on(async {
        if want("list") {
            bench_list(quick).await;
        }
        if want("list") || want("oop") {
            bench_list_out_of_process(quick).await;
        }
        if want("batch") {
            bench_batch(quick).await;
        }
        if want("limit") {
            bench_limit(quick).await;
        }
        if want("logins") {
            bench_logins(quick).await;
        }
    });
}
