//! `users list --all` writes each page as its users are known: a reader has the first rows
//! while the walk is still under way (judged by the pages the fake has served by then, not by
//! a clock), and a reader that goes away ends the command quietly with exit 0.

mod support;

use std::time::Duration;

use scimitar::fake::FakeConfig;
use support::inproc::{Cli, config, start, with_latency};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

/// 3,000 users at 100 a page: 30 pages, at least five rounds of 8 at 150 ms each.
fn slow_tenant() -> FakeConfig {
    with_latency(Duration::from_millis(150), config(3000))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_rows_are_out_while_the_walk_is_under_way() {
    let fake = start(slow_tenant()).await;
    let cli = Cli::new(&fake);
    let mut child = cli
        .command(&["users", "list", "--all", "--format", "csv"])
        .spawn()
        .expect("spawn");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut header = String::new();
    let mut first = String::new();
    out.read_line(&mut header).await.expect("header");
    out.read_line(&mut first).await.expect("first row");
    let served = fake.stats().kind("list");
    assert!(header.starts_with("id,userName"), "{header}");
    assert_eq!(first.split(',').next(), Some(fake.users()[0].id.as_str()));
    assert!(
        served < 30,
        "the first row came out only after all {served} pages were served"
    );
    let mut rest = String::new();
    out.read_to_string(&mut rest).await.expect("the rest");
    let status = child.wait().await.expect("wait");
    assert_eq!(status.code(), Some(0));
    assert_eq!(rest.lines().count() + 1, 3000, "every user once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_goes_away_ends_it_quietly_with_exit_0() {
    let fake = start(slow_tenant()).await;
    let cli = Cli::new(&fake);
    for format in ["json", "table", "csv"] {
        let mut child = cli
            .command(&["users", "list", "--all", "--last-login", "--format", format])
            .spawn()
            .expect("spawn");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).await.expect("a first line");
        assert!(!line.is_empty(), "{format}");
        // Like `| head -1`: the reader closes the pipe.
        drop(out);
        let done = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .expect("it ends")
            .expect("wait");
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(0), "{format}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.to_lowercase().contains("broken pipe"),
            "{format}: {stderr}"
        );
    }
}
