//! `scimitar runs verify ID|PATH` and the `--verify` of apply, resume and undo: a run's
//! journal reconciled with Anaplan's audit log (`batch::verify`), printed as a table, JSON or
//! CSV. Exit 0 verified, 1 incomplete or changed since, 2 could not ask.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::batch::history;
use crate::batch::verify::{self, Verification};
use crate::cli::{ListFormat, RunsVerifyArgs};
use crate::commands::Connected;
use crate::untrusted;

pub async fn run(c: &Connected, args: &RunsVerifyArgs, out: &mut impl Write) -> anyhow::Result<u8> {
    let detail = history::load(&c.paths.journal_dir(), &args.run)?;
    let journal = detail.entry.journal().to_path_buf();
    let v = check(c, &journal, args.wait).await?;
    match args.format {
        ListFormat::Json => {
            untrusted::write_json_pretty(&mut *out, &v)?;
            writeln!(out)?;
        }
        ListFormat::Csv => write_csv(&v, out)?,
        ListFormat::Table => write_table(&v, out)?,
    }
    out.flush()?;
    Ok(v.exit_code())
}

/// The check itself, for `runs verify` and `--verify`: the journal must be for this tenant.
pub async fn check(c: &Connected, journal: &Path, wait: u64) -> anyhow::Result<Verification> {
    let state = crate::batch::JournalState::read(journal)?;
    if c.identity.is_none() {
        crate::scim::identity::identify(&c.client, c.api_user.as_deref()).await;
    }
    state.check_tenant(&c.client.tenant_label())?;
    let v = verify::check(&c.client, journal, Duration::from_secs(wait), |note| {
        crate::say!("{}", untrusted::line(note));
    })
    .await?;
    Ok(v)
}

/// The short account `apply --verify` prints on stderr.
pub fn say_summary(v: &Verification) {
    crate::say!(
        "audit log: {} ({} of {} expected events found; {} users changed since; matched {})",
        v.label(),
        v.totals.found,
        v.totals.expected,
        v.totals.changed_since,
        matching(v)
    );
    for u in &v.missing_users {
        crate::say!("  missing: {}", untrusted::line(u));
    }
}

fn matching(v: &Verification) -> &'static str {
    match v.matching {
        verify::Matching::PerWorkspace => "per workspace (the events name workspaces)",
        verify::Matching::PerUser => "per user (the events do not name workspaces)",
    }
}

fn write_table(v: &Verification, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "run {}: {} (audit events {} to {}; matched {})",
        untrusted::line(&v.batch_id),
        v.label(),
        v.from,
        v.to,
        matching(v)
    )?;
    let header = [
        "USER",
        "ID",
        "JOURNAL",
        "EVENT",
        "WORKSPACE",
        "FOUND",
        "AT",
        "BY",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for u in &v.users {
        for e in &u.expected {
            rows.push(vec![
                untrusted::clip(&u.user_name, 40),
                untrusted::clip(&u.user_id, 40),
                u.journal.clone(),
                format!("{} {}", e.event, e.what),
                untrusted::clip(e.workspace.as_deref().unwrap_or(""), 40),
                if e.found { "found" } else { "MISSING" }.into(),
                e.at.clone().unwrap_or_default(),
                String::new(),
            ]);
        }
        for l in &u.changed_since {
            rows.push(vec![
                untrusted::clip(&u.user_name, 40),
                untrusted::clip(&u.user_id, 40),
                u.journal.clone(),
                format!("{} {}", l.event, l.what),
                untrusted::clip(l.workspace.as_deref().unwrap_or(""), 40),
                "CHANGED SINCE".into(),
                untrusted::clip(&l.at, 30),
                untrusted::clip(&l.by, 40),
            ]);
        }
    }
    super::table::write(out, &header, &rows, |_| false)?;
    let t = &v.totals;
    writeln!(
        out,
        "{} users: {} expected events, {} found, {} missing; {} users changed since",
        t.users, t.expected, t.found, t.missing, t.changed_since
    )?;
    if !v.missing_users.is_empty() {
        writeln!(
            out,
            "missing for: {}",
            untrusted::line(&v.missing_users.join(", "))
        )?;
    }
    Ok(())
}

fn write_csv(v: &Verification, out: &mut impl Write) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "user_id",
        "user_name",
        "journal",
        "kind",
        "event",
        "what",
        "workspace",
        "found",
        "at",
        "by",
    ])?;
    let cell = |s: &str| untrusted::csv_cell(s).into_owned();
    for u in &v.users {
        for e in &u.expected {
            w.write_record([
                cell(&u.user_id),
                cell(&u.user_name),
                u.journal.clone(),
                "expected".into(),
                e.event.clone(),
                e.what.clone(),
                cell(e.workspace.as_deref().unwrap_or("")),
                e.found.to_string(),
                e.at.clone().unwrap_or_default(),
                String::new(),
            ])?;
        }
        for l in &u.changed_since {
            w.write_record([
                cell(&u.user_id),
                cell(&u.user_name),
                u.journal.clone(),
                "changed_since".into(),
                cell(&l.event),
                l.what.clone(),
                cell(l.workspace.as_deref().unwrap_or("")),
                String::new(),
                cell(&l.at),
                cell(&l.by),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}
