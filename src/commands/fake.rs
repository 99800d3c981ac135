//! `scimitar fake serve` and the fake behind `scimitar demo`.

use std::io::Write;
use std::time::Duration;

use crate::cli::{AuthFailureBodyArg, DialectArg, FakeServeArgs, LostAnswerArg};
use crate::fake::{
    AuthFailureBody, Dialect, FakeConfig, FakeServer, Faults, LostAnswers, LostKind,
};

/// Values shared by every fault share option: a probability.
fn share(name: &str, v: f64) -> anyhow::Result<f64> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        anyhow::bail!("--{name} is a share of requests between 0 and 1 (e.g. 0.05), not {v}")
    }
}

pub fn config_of(args: &FakeServeArgs) -> anyhow::Result<FakeConfig> {
    if args.users < 2 {
        anyhow::bail!("--users must be at least 2 (the tenant holds the two API accounts)");
    }
    if args.max_filter_terms == Some(0) {
        anyhow::bail!(
            "--max-filter-terms must be at least 1 (it is the most `or` terms a filter may have)"
        );
    }
    Ok(FakeConfig {
        users: args.users,
        seed: args.seed,
        faults: Faults {
            latency: Duration::from_millis(args.latency_ms),
            error_rate: share("error-rate", args.error_rate)?,
            rate_429: share("rate-429", args.rate_429)?,
            drop_rate: share("drop-rate", args.drop_rate)?,
            rate_limit_per_minute: args.rate_limit.filter(|r| *r > 0),
            html_502_lists: args.html_502_lists,
            unauthorized_after_writes: args.unauthorized_after_writes,
            hang_after_writes: args.hang_after_writes,
            fail_reads_after_writes: args.fail_reads_after_writes,
            oversize_answers: args.oversize_answers,
            audit_lag: Duration::from_millis(args.audit_lag_ms),
            audit_drop_percent: if (0.0..=100.0).contains(&args.audit_drop_percent) {
                args.audit_drop_percent
            } else {
                anyhow::bail!(
                    "--audit-drop-percent is a percentage between 0 and 100, not {}",
                    args.audit_drop_percent
                )
            },
            ..Faults::default()
        },
        token_ttl: Duration::from_secs(args.token_ttl.max(1)),
        quirks: args.quirks,
        oauth_approve_after: Duration::from_secs(args.oauth_approve_after),
        customer_id: args.customer_id.clone().filter(|c| !c.trim().is_empty()),
        hostile: args.hostile,
        dialect: match args.dialect {
            DialectArg::Anaplan => Dialect::Anaplan,
            DialectArg::Rfc => Dialect::Rfc,
        },
        max_filter_terms: args.max_filter_terms,
        auth_failure_body: match args.auth_failure_body {
            AuthFailureBodyArg::Scim => AuthFailureBody::Scim,
            AuthFailureBodyArg::HtmlEmpty => AuthFailureBody::HtmlEmpty,
        },
        lie_total_results: args.lie_total_results,
        endless_pages: args.endless_pages,
        retry_after: args.retry_after,
        throttle_first: args.throttle_first,
        users_page_cap: args.users_page_cap.max(1),
        lost: LostAnswers {
            kind: args.lost_answer.map(|k| match k {
                LostAnswerArg::AppliedThen500 => LostKind::AppliedThen500,
                LostAnswerArg::AppliedThenDropped => LostKind::AppliedThenDropped,
                LostAnswerArg::AppliedThenHang => LostKind::AppliedThenHang,
                LostAnswerArg::Truncated200 => LostKind::Truncated200,
                LostAnswerArg::Html200 => LostKind::Html200,
                LostAnswerArg::ClaimNotStored => LostKind::ClaimNotStored,
                LostAnswerArg::OtherUserGet => LostKind::OtherUserOnGet,
            }),
            share: share("lost-share", args.lost_share)?,
            every_try: args.lost_every_try,
            hang: Duration::from_secs(args.lost_hang),
            down_after: args.lost_then_down,
        },
        ..FakeConfig::default()
    })
}

/// Prints the connection JSON as the first stdout line, then serves until SIGINT/SIGTERM.
pub async fn serve(args: &FakeServeArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let config = config_of(args)?;
    if !args.listen.ip().is_loopback() {
        eprintln!(
            "warning: the fake listens on {}, not a loopback address; its credentials are printed below",
            args.listen
        );
    }
    let server = FakeServer::start(config, args.listen).await?;
    let mut announce = server.announce();
    let cert_dir = crate::commands::auth::fake_cert_files(&server, &mut announce)?;
    writeln!(out, "{announce}")?;
    out.flush()?;
    wait_for_stop().await;
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(cert_dir);
    Ok(())
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
