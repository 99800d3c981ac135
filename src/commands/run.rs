//! What apply, resume and undo share: the preview, the confirmation, running a batch with a
//! progress bar on stderr, and the summary on stdout.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::batch::driver::{self, Started};
use crate::batch::runner::RunOptions;
use crate::batch::{Progress, Summary};
use crate::scim::ScimClient;

/// Refusals and bad input end with exit code 2.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

pub use crate::batch::driver::DEFAULT_MAX_USERS;

pub use crate::commands::preview::print_preview;

/// Above the cap a run needs an explicit `--max-users`.
pub fn check_cap(to_change: usize, cap: usize) -> Result<(), Refused> {
    if to_change > cap {
        return Err(Refused(format!(
            "refusing to change {to_change} users: the cap is {cap}. Pass --max-users {to_change} (or set max_users in the profile) if this is intended"
        )));
    }
    Ok(())
}

/// Another run of the same tenant is going (it holds the tenant's run lock): with `--yes`
/// refused unless `allow`; at a terminal the operator is warned and asked.
pub fn confirm_concurrent(tenant: &str, yes: bool, allow: bool) -> Result<(), Refused> {
    let Some(warning) = crate::batch::tenant_lock::overlap_warning(tenant) else {
        return Ok(());
    };
    if allow {
        crate::say!("warning: {warning}; going on (--allow-concurrent)");
        return Ok(());
    }
    let refused = || {
        Refused(format!(
            "{warning}. Wait for it to end, or pass --allow-concurrent to run anyway; nothing was sent"
        ))
    };
    if yes || !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(refused());
    }
    eprint!("warning: {warning}.\nType `concurrent` to run anyway, anything else to stop: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Refused(format!("cannot read the answer: {e}")))?;
    if line.trim() != "concurrent" {
        return Err(refused());
    }
    Ok(())
}

/// The operator types the number of users. Without a terminal, only `--yes` goes on.
pub fn confirm(count: usize, tenant: &str, what: &str, yes: bool) -> Result<(), Refused> {
    if yes {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Refused(
            "refusing to change users without confirmation: no terminal is attached; pass --yes to run unattended".into(),
        ));
    }
    eprint!(
        "This will {what} for {count} users in tenant {}.\nType {count} to go on, anything else to stop: ",
        crate::untrusted::line(tenant)
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Refused(format!("cannot read the confirmation: {e}")))?;
    if line.trim() != count.to_string() {
        return Err(Refused("not confirmed; nothing was sent".into()));
    }
    Ok(())
}

/// Asks again before trusting a journal whose seal does not verify: the grants were listed
/// user by user; the operator types `trust N` (N = how many users), or gives that count with
/// `--trust-journal-count N` when no terminal is attached. `--yes` alone never trusts.
pub fn confirm_trust(users: usize, count: Option<usize>) -> Result<(), Refused> {
    if let Some(n) = count {
        if n == users {
            return Ok(());
        }
        return Err(Refused(format!(
            "--trust-journal-count {n} does not match the {users} users listed above; nothing was sent"
        )));
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Refused(format!(
            "refusing to trust a journal whose seal does not verify without a terminal: read the list above and pass --trust-journal-count {users} to go on"
        )));
    }
    eprint!("The journal is not sealed by this installation. Type `trust {users}` to go on: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Refused(format!("cannot read the confirmation: {e}")))?;
    if line.trim() != format!("trust {users}") {
        return Err(Refused("not confirmed; nothing was sent".into()));
    }
    Ok(())
}

/// Set when a run's reports could not be written: the exit code says so.
static REPORTS_UNWRITTEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// 1 when a run of this process could not write its reports, else 0.
pub fn unwritten_reports_code() -> u8 {
    u8::from(REPORTS_UNWRITTEN.load(std::sync::atomic::Ordering::Relaxed))
}

/// How often a run without a terminal logs its progress.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// Every user that failed, is in doubt or was gone, with the whole reason, from the journal:
/// one list per outcome, each headed by its count, the same rows that make the summary.
fn print_failures(journal: &std::path::Path) {
    let state = match crate::batch::JournalState::read(journal) {
        Ok(s) => s,
        Err(e) => {
            crate::say!("cannot list the failures: {e}");
            return;
        }
    };
    let rows = crate::batch::report::failures(&state);
    for group in ["failed", "in doubt", "gone"] {
        let listed: Vec<_> = rows
            .iter()
            .filter(|r| crate::batch::report::failure_group(r) == group)
            .collect();
        if listed.is_empty() {
            continue;
        }
        crate::say!("{group} ({}):", listed.len());
        for r in listed {
            let status = r.status.map(|s| format!("{s} ")).unwrap_or_default();
            crate::say!(
                "  {} ({}): {status}{}",
                crate::untrusted::line(&r.user_name),
                crate::untrusted::line(&r.user_id),
                crate::untrusted::line(&r.detail)
            );
        }
    }
}

/// Runs (or continues) a batch with a progress bar on stderr when it is a terminal; the
/// first Ctrl-C stops dispatching and lets requests in flight finish. A failing server stops
/// the run (the breaker), and the resume command is printed.
pub async fn execute(
    client: &ScimClient,
    started: Started,
    concurrency: usize,
) -> anyhow::Result<Summary> {
    let journal_path = started.path.clone();
    let (tx, rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let opts = RunOptions {
        concurrency,
        ..RunOptions::default()
    };
    crate::say!("journal: {}", journal_path.display());
    let ctrl_c = spawn_stop_on_signal(&cancel);
    let bar = spawn_progress(client, rx);
    let finished = driver::run(started, client, &opts, tx, cancel).await;
    ctrl_c.abort();
    let _ = bar.await;
    report_finished(finished)
}

/// The first stop signal (Ctrl-C, a hang-up) cancels the run: no new requests.
fn spawn_stop_on_signal(cancel: &CancellationToken) -> tokio::task::JoinHandle<()> {
    let cancel = cancel.clone();
    tokio::spawn(async move {
        if crate::commands::hangup::stop_signal().await {
            crate::say!("\nstopping: no new requests; waiting for those in flight...");
            cancel.cancel();
        }
    })
}

/// Follows the run's events until the channel closes: a progress bar on a terminal, and
/// without one (cron, CI, `2>log`) a line every LOG_EVERY instead.
fn spawn_progress(
    client: &ScimClient,
    mut rx: mpsc::UnboundedReceiver<crate::batch::runner::Event>,
) -> tokio::task::JoinHandle<()> {
    let show_bar = std::io::stderr().is_terminal();
    let stats0 = client.stats();
    let bar_client = client.clone();
    tokio::spawn(async move {
        let mut progress = Progress::new(Instant::now());
        progress.baseline = stats0;
        let pb = show_bar.then(progress_bar);
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        let mut log = tokio::time::interval_at(tokio::time::Instant::now() + LOG_EVERY, LOG_EVERY);
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Some(ev) => {
                        if let crate::batch::runner::Event::Warning(w) = &ev {
                            let line = format!("warning: {w}");
                            match &pb {
                                Some(pb) => pb.println(line),
                                None => eprintln!("{line}"),
                            }
                        }
                        progress.apply(&ev, Instant::now());
                    }
                    None => break,
                },
                _ = log.tick(), if !show_bar => {
                    progress.set_client_counters(bar_client.stats());
                    eprintln!("{}", progress.log_line(Instant::now()));
                }
                _ = tick.tick() => {
                    progress.set_client_counters(bar_client.stats());
                    if let Some(pb) = &pb {
                        update_bar(pb, &progress, Instant::now());
                    }
                }
            }
        }
        if let Some(pb) = pb {
            pb.finish_and_clear();
        }
    })
}

fn progress_bar() -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new(0);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    pb
}

fn update_bar(pb: &indicatif::ProgressBar, progress: &Progress, now: Instant) {
    pb.set_length(progress.total as u64);
    pb.set_position(progress.finished() as u64);
    pb.set_message(format!(
        "done {} failed {} skipped {} | {:.1} req/s | p95 {} ms | in flight {} | 429s {} | ETA {}",
        progress.done,
        progress.failed,
        progress.skipped(),
        progress.request_rate(now),
        progress.latency_quantile(0.95).unwrap_or(0),
        progress.in_flight(),
        progress.rate_limited,
        progress
            .eta(now)
            .map(|d| humantime::format_duration(Duration::from_secs(d.as_secs())).to_string())
            .unwrap_or_else(|| "-".into()),
    ));
}

/// Prints how the run ended, its counts, what to run next and where the report is.
fn report_finished(finished: driver::Finished) -> anyhow::Result<Summary> {
    if let Some(e) = &finished.stopped {
        crate::say!(
            "the run stopped early: {}",
            crate::untrusted::text(&e.to_string())
        );
    }
    // Resume and undo from where the records are (a recovery file if the journal went).
    let journal_path = finished.journal.clone();
    let summary = finished.summary.map_err(anyhow::Error::msg)?;
    if let Some(e) = &finished.report_error {
        crate::say!("error: {}", crate::untrusted::text(e));
        REPORTS_UNWRITTEN.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    crate::say!("{}", summary.counts_line());
    if finished.server_down {
        crate::say!(
            "the server kept failing, so the run stopped sending: {} users not started, {} in doubt (re-checked on resume). When the server is back, finish with: scimitar resume {}",
            summary.not_started,
            summary.in_doubt + summary.unknown,
            journal_path.display()
        );
    } else if summary.failed + summary.to_recheck() > 0 {
        if summary.in_doubt > 0 {
            crate::say!(
                "{} users are in doubt: their answers were lost and their state could not be read back; resume re-reads them and finishes what is not done",
                summary.in_doubt
            );
        }
        crate::say!(
            "finish and retry failures with: scimitar resume {}{}",
            journal_path.display(),
            if summary.failed > 0 && summary.to_recheck() > 0 {
                " (or --failed-only)"
            } else {
                ""
            }
        );
    }
    if summary.failed + summary.in_doubt + summary.gone > 0 {
        print_failures(&journal_path);
    }
    if let Some(csv) = &summary.report_csv {
        crate::say!("report: {csv}");
    }
    Ok(summary)
}
