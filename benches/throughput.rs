//! Throughput figures against the local fake Anaplan, printed, never asserted.
//!
//!   cargo bench --bench throughput             # full sizes (a few minutes)
//!   cargo bench --bench throughput -- --quick  # a tenth of the sizes (CI)
//!   cargo bench --bench throughput -- list     # only the listing figures (or: batch, limit)
//!
//! Everything runs in one process on one machine, so the figures compare with each other.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use scimitar::batch::runner::{self, RunOptions};
use scimitar::batch::{Intent, Journal, JournalState, Summary};
use scimitar::fake::{FakeConfig, FakeServer, Faults};
use scimitar::plan::{Action, Outcome, Plan, Protected};
use scimitar::scim::client::Connection;
use scimitar::scim::{ListOptions, ScimClient};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const LATENCY: Duration = Duration::from_millis(50);

fn addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

async fn fake(users: usize, rate_limit: Option<u32>) -> FakeServer {
    let config = FakeConfig {
        faults: Faults {
            latency: LATENCY,
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

async fn bench_list(quick: bool) {
    let users = if quick { 2_000 } else { 20_000 };
    let f = fake(users, None).await;
    println!(
        "\n## Listing {users} users, {} ms latency per request, page size 100",
        LATENCY.as_millis()
    );
    println!("| concurrency | wall time | requests | bound ceil(pages/c) x latency | ratio |");
    println!("|---|---|---|---|---|");
    // The last row keeps the client's default budget (500/minute, under Anaplan's 600):
    // against a real tenant that budget, not the client, sets the pace.
    for (concurrency, budget) in [(8usize, 0u32), (1, 0), (8, 500)] {
        let c = client(&f, budget);
        // Authenticate outside the timed part: the figure is about listing.
        let _ = c.list_page(None, 1, 1).await;
        let before = c.stats().requests;
        let t = Instant::now();
        let r = match c
            .list_all(
                None,
                ListOptions {
                    page_size: 100,
                    concurrency,
                },
                |_| {},
            )
            .await
        {
            Ok(r) => r,
            Err(e) => panic!("listing failed: {e}"),
        };
        let wall = t.elapsed();
        assert_eq!(r.users.len(), users, "every user once");
        let pages = users.div_ceil(100);
        let bound = LATENCY * pages.div_ceil(concurrency) as u32;
        let label = if budget == 0 {
            concurrency.to_string()
        } else {
            format!("{concurrency}, client budget {budget}/min")
        };
        println!(
            "| {label} | {} | {} | {} | {:.2} |",
            secs(wall),
            c.stats().requests - before,
            secs(bound),
            wall.as_secs_f64() / bound.as_secs_f64()
        );
    }
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
    {
        let f = fake(users, None).await;
        let plan = disable_plan(&f, users);
        let c = client(&f, 0);
        let (wall, s, req) = run_batch(&c, &plan, 8).await;
        let bound = LATENCY * s.changed as u32 / 8;
        println!(
            "| scimitar, concurrency 8, {users} users | {} | {} | {req} | {:.3} | {} | {:.2} |",
            s.changed,
            secs(wall),
            req as f64 / s.changed.max(1) as f64,
            secs(bound),
            wall.as_secs_f64() / bound.as_secs_f64()
        );
        assert_eq!(s.failed + s.unknown + s.not_started, 0, "a clean run");
        f.shutdown().await;
    }
    {
        let f = fake(small, None).await;
        let plan = disable_plan(&f, small);
        let c = client(&f, 0);
        let (wall, s, req) = run_batch(&c, &plan, 1).await;
        let bound = LATENCY * s.changed as u32;
        println!(
            "| scimitar, concurrency 1, {small} users | {} | {} | {req} | {:.3} | {} | {:.2} |",
            s.changed,
            secs(wall),
            req as f64 / s.changed.max(1) as f64,
            secs(bound),
            wall.as_secs_f64() / bound.as_secs_f64()
        );
        f.shutdown().await;
    }
    {
        let f = fake(small, None).await;
        let plan = disable_plan(&f, small);
        let changed = plan.totals().to_change;
        let c = client(&f, 0);
        let (wall, req) = naive_sequential(&c, &plan).await;
        let bound = LATENCY * changed as u32;
        println!(
            "| sequential script (PATCH one by one, no re-read, no journal), {small} users | {changed} | {} | {req} | {:.3} | {} | {:.2} |",
            secs(wall),
            req as f64 / changed.max(1) as f64,
            secs(bound),
            wall.as_secs_f64() / bound.as_secs_f64()
        );
        f.shutdown().await;
    }
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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let only: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| ["list", "batch", "limit"].contains(a))
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
        if want("batch") {
            bench_batch(quick).await;
        }
        if want("limit") {
            bench_limit(quick).await;
        }
    });
}
