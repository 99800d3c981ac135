//! What apply, resume and undo share: the preview, the confirmation, running a batch with a
//! progress bar on stderr, and the summary on stdout.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::batch::report::write_reports;
use crate::batch::runner::{self, Batch, RunOptions};
use crate::batch::{Journal, JournalState, Progress, Summary, Target};
use crate::config::Paths;
use crate::plan::{Outcome, Plan};
use crate::scim::ScimClient;

/// Refusals and bad input end with exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

pub const DEFAULT_MAX_USERS: usize = 500;

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

pub fn new_batch_id() -> String {
    format!("{:08x}", rand::rng().random::<u32>())
}

/// `journals/2026-11-23T10-49-42Z-1a2b3c4d.jsonl` in the data directory.
pub fn default_journal_path(paths: &Paths, batch_id: &str) -> PathBuf {
    let ts = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .replace(':', "-");
    paths.journal_dir().join(format!("{ts}-{batch_id}.jsonl"))
}

/// Splits a plan into the users to re-read and change, and the results already settled.
pub fn batch_from_plan(plan: &Plan, batch_id: &str, intent: crate::batch::Intent) -> Batch {
    let (changes, settled): (Vec<_>, Vec<_>) = plan
        .items
        .iter()
        .cloned()
        .partition(|i| i.outcome == Outcome::Change);
    Batch {
        batch_id: batch_id.to_string(),
        tenant: plan.tenant.clone(),
        intent,
        plan_hash: plan.hash.clone(),
        targets: changes
            .iter()
            .map(|i| Target {
                user_id: i.user_id.clone(),
                user_name: i.user_name.clone(),
            })
            .chain(settled.iter().map(|i| Target {
                user_id: i.user_id.clone(),
                user_name: if i.user_name.is_empty() {
                    i.display_name.clone()
                } else {
                    i.user_name.clone()
                },
            }))
            .collect(),
        settled,
    }
}

/// Runs (or continues) a batch with a progress bar on stderr when it is a terminal; the
/// first Ctrl-C stops dispatching and lets requests in flight finish.
pub async fn execute(
    client: &ScimClient,
    batch: &Batch,
    journal_path: &Path,
    concurrency: usize,
    fresh: bool,
) -> anyhow::Result<Summary> {
    let journal = Arc::new(Journal::open(journal_path)?);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let opts = RunOptions {
        concurrency,
        ..RunOptions::default()
    };
    crate::say!("journal: {}", journal_path.display());
    let ctrl_c = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if crate::commands::hangup::stop_signal().await {
                crate::say!("\nstopping: no new requests; waiting for those in flight...");
                cancel.cancel();
            }
        })
    };
    let show_bar = std::io::stderr().is_terminal();
    let stats0 = client.stats();
    let bar_client = client.clone();
    let bar = tokio::spawn(async move {
        let mut progress = Progress::new(Instant::now());
        progress.baseline = stats0;
        let pb = show_bar.then(|| {
            let pb = indicatif::ProgressBar::new(0);
            pb.set_style(
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            pb
        });
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Some(ev) => progress.apply(&ev, Instant::now()),
                    None => break,
                },
                _ = tick.tick() => {
                    progress.set_client_counters(bar_client.stats());
                    if let Some(pb) = &pb {
                        let now = Instant::now();
                        pb.set_length(progress.total as u64);
                        pb.set_position(progress.finished() as u64);
                        pb.set_message(format!(
                            "done {} failed {} skipped {} | {:.1} req/s | p95 {} ms | in flight {} | 429s {} | ETA {}",
                            progress.done, progress.failed, progress.skipped(),
                            progress.request_rate(now),
                            progress.latency_quantile(0.95).unwrap_or(0),
                            progress.in_flight, progress.rate_limited,
                            progress.eta(now).map(|d| humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()).unwrap_or_else(|| "-".into()),
                        ));
                    }
                }
            }
        }
        if let Some(pb) = pb {
            pb.finish_and_clear();
        }
    });
    let result = if fresh {
        runner::run(client, batch, journal, &opts, tx, cancel).await
    } else {
        runner::execute(client, batch, journal, &opts, tx, cancel).await
    };
    ctrl_c.abort();
    let _ = bar.await;
    if let Err(e) = &result {
        crate::say!(
            "the run stopped early: {}",
            crate::untrusted::text(&e.to_string())
        );
    }
    let state = JournalState::read(journal_path)?;
    let mut summary = Summary::from_journal(&state);
    match write_reports(&state) {
        Ok((csv, json)) => {
            summary.report_csv = Some(csv.display().to_string());
            summary.report_json = Some(json.display().to_string());
        }
        Err(e) => crate::say!("could not write the reports: {e}"),
    }
    crate::say!(
        "changed {}  no-op {}  failed {}  protected {}  not found {}  unknown {}  not started {}",
        summary.changed,
        summary.no_op,
        summary.failed,
        summary.protected,
        summary.not_found,
        summary.unknown,
        summary.not_started
    );
    if summary.failed + summary.unknown + summary.not_started > 0 {
        crate::say!(
            "finish or retry with: scimitar resume {}{}",
            journal_path.display(),
            if summary.failed > 0 {
                " [--failed-only]"
            } else {
                ""
            }
        );
    }
    if let Some(csv) = &summary.report_csv {
        crate::say!("report: {csv}");
    }
    Ok(summary)
}
