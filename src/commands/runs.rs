//! `scimitar runs` and `scimitar runs show`: the run history without a screen, read from the
//! local journals (see `batch::history`); nothing is sent.

use std::io::Write;

use crate::batch::JournalState;
use crate::batch::history::{self, RunDetail, RunEntry, RunList, RunState};
use crate::batch::touched::{self, Touched};
use crate::cli::{RunsArgs, RunsCommand, RunsFormat};
use crate::config::Paths;
use crate::untrusted;

pub fn run(args: &RunsArgs, paths: &Paths, out: &mut impl Write) -> anyhow::Result<()> {
    let dir = paths.journal_dir();
    match &args.command {
        None => {
            let list = match &args.user {
                Some(user) => touched::runs_touching(&dir, user)?,
                None => history::list(&dir)?,
            };
            for u in &list.unreadable {
                crate::say!(
                    "skipped {}: {}",
                    untrusted::line(&u.journal),
                    untrusted::line(&u.error)
                );
            }
            match args.format {
                RunsFormat::Json => {
                    untrusted::write_json_pretty(&mut *out, &list)?;
                    writeln!(out)?;
                }
                RunsFormat::Csv => write_list_csv(&list, out)?,
                RunsFormat::Table => match &args.user {
                    Some(user) if list.runs.is_empty() => writeln!(
                        out,
                        "no run in {} looked at {}",
                        untrusted::line(&list.dir),
                        untrusted::line(user)
                    )?,
                    Some(user) => {
                        write_list(&list, out)?;
                        write_user_in_runs(&list, user, out)?;
                    }
                    None => write_list(&list, out)?,
                },
            }
        }
        // Asks the Audit API: run by `main` with a connection.
        Some(RunsCommand::Verify(_)) => anyhow::bail!("`runs verify` needs a connection"),
        Some(RunsCommand::Show(show)) => {
            let detail = history::load(&dir, &show.run)?;
            let users = if show.all {
                Some(touched::touched(&JournalState::read(
                    detail.entry.journal(),
                )?))
            } else {
                None
            };
            match show.format {
                RunsFormat::Json => {
                    let mut v = serde_json::to_value(&detail)?;
                    if let (Some(users), Some(obj)) = (&users, v.as_object_mut()) {
                        obj.insert("users".into(), serde_json::to_value(users)?);
                    }
                    untrusted::write_json_pretty(&mut *out, &v)?;
                    writeln!(out)?;
                }
                RunsFormat::Csv => write_users_csv(&detail, users.as_deref(), out)?,
                RunsFormat::Table => {
                    write_detail(&detail, &dir, out)?;
                    if let Some(users) = &users {
                        write_touched(users, out)?;
                    }
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// One line on stderr when runs of the connected tenant were left unfinished: which, and the
/// command that finishes it.
pub fn remind_interrupted(c: &crate::commands::Connected) {
    let runs = crate::batch::interrupted::of_tenant(
        &c.paths.journal_dir(),
        &c.client.tenant_label(),
        std::time::SystemTime::now(),
    );
    if let Some(line) = crate::batch::interrupted::reminder(&runs) {
        crate::say!("scimitar: {}", untrusted::line(&line));
    }
}

/// `2026-11-29T21:43:18.123Z` as `2026-11-29 21:43`: minutes are enough to tell runs apart
/// in a list; `runs show` prints the full time.
fn minute(rfc3339: &str) -> String {
    let s: String = rfc3339.chars().take(16).collect();
    s.replacen('T', " ", 1)
}

fn state_label(r: &RunEntry) -> String {
    match (r.state, r.undone_by.last()) {
        (RunState::Undone, _) | (_, None) => r.state.as_str().to_string(),
        (s, Some(_)) => format!("{} (undo tried)", s.as_str()),
    }
}

fn write_list(list: &RunList, out: &mut impl Write) -> std::io::Result<()> {
    if list.runs.is_empty() {
        writeln!(out, "no runs yet in {}", untrusted::line(&list.dir))?;
        return Ok(());
    }
    let header = [
        "STARTED (UTC)",
        "ID",
        "STATE",
        "PLANNED",
        "CHANGED",
        "FAILED",
        "LEFT",
        "ACTION",
        "AUDIT",
        "TENANT",
    ];
    let rows: Vec<Vec<String>> = list
        .runs
        .iter()
        .map(|r| {
            let s = &r.summary;
            let action = match &r.undoes {
                Some(id) => format!("undo of {id}"),
                None => s.action.clone(),
            };
            vec![
                minute(&r.started),
                r.id.clone(),
                state_label(r),
                s.planned.to_string(),
                s.changed.to_string(),
                s.failed.to_string(),
                s.to_recheck().to_string(),
                untrusted::clip(&action, 40),
                r.verification.label(),
                untrusted::clip(&r.tenant, 60),
            ]
        })
        .collect();
    // Counts are right-aligned, text left-aligned.
    super::table::write(out, &header, &rows, |i| (3..=6).contains(&i))?;
    writeln!(
        out,
        "{} runs in {}. LEFT: in doubt or never started. `scimitar runs show ID` prints a run with every failure's reason.",
        list.runs.len(),
        untrusted::line(&list.dir)
    )?;
    Ok(())
}

/// How resume and undo can be told of a run: its id when that names its journal in the
/// journals directory, else the journal's path.
fn named(r: &RunEntry, dir: &std::path::Path) -> String {
    match history::resolve(dir, &r.id) {
        Ok(p) if p == r.journal() => r.id.clone(),
        _ => untrusted::line(&r.summary.journal).into_owned(),
    }
}

fn write_detail(d: &RunDetail, dir: &std::path::Path, out: &mut impl Write) -> std::io::Result<()> {
    let r = &d.entry;
    let s = &r.summary;
    let journal = untrusted::line(&s.journal);
    writeln!(out, "run {}: {}", r.id, untrusted::line(&s.action))?;
    if let Some(of) = &r.undoes {
        writeln!(out, "  undoes:    run {of}")?;
    }
    writeln!(out, "  tenant:    {}", untrusted::line(&r.tenant))?;
    writeln!(out, "  started:   {}", untrusted::line(&r.started))?;
    writeln!(out, "  last:      {}", untrusted::line(&r.last_activity))?;
    let undo_note = if r.undone_by.is_empty() {
        String::new()
    } else {
        format!(" (undo runs: {})", r.undone_by.join(", "))
    };
    writeln!(out, "  state:     {}{undo_note}", r.state.as_str())?;
    writeln!(out, "  journal:   {journal}")?;
    let checked = r
        .verification
        .checked_at
        .as_deref()
        .map(|at| format!(" (checked {at})"))
        .unwrap_or_else(|| format!("; check it with: scimitar runs verify {}", r.id));
    writeln!(out, "  audit:     {}{checked}", r.verification.label())?;
    if let Some(csv) = &s.report_csv {
        writeln!(out, "  report:    {}", untrusted::line(csv))?;
    }
    writeln!(
        out,
        "  planned {}: changed {}, no-op {}, failed {}, in doubt {}, protected {}, not found {} ({} gone at run time), unknown {}, not started {}",
        s.planned,
        s.changed,
        s.no_op,
        s.failed,
        s.in_doubt,
        s.protected,
        s.not_found,
        s.gone,
        s.unknown,
        s.not_started
    )?;
    if d.failures.is_empty() {
        writeln!(out, "no failures")?;
    } else {
        writeln!(out, "failures ({}):", d.failures.len())?;
        for f in &d.failures {
            let status = f.status.map(|c| format!("{c} ")).unwrap_or_default();
            let outcome = if f.outcome == "failed" {
                String::new()
            } else {
                format!("[{}] ", f.outcome)
            };
            writeln!(
                out,
                "  {} ({}): {outcome}{status}{}",
                untrusted::line(&f.user_name),
                untrusted::line(&f.user_id),
                untrusted::line(&f.detail)
            )?;
        }
    }
    match r.state {
        RunState::Running => writeln!(out, "the run is still going (its journal is locked)")?,
        RunState::Interrupted => writeln!(
            out,
            "finish it (and retry failures) with: scimitar resume {}",
            named(r, dir)
        )?,
        RunState::Complete if s.failed > 0 => writeln!(
            out,
            "retry the failures with: scimitar resume {} --failed-only",
            named(r, dir)
        )?,
        _ => {}
    }
    if r.undoes.is_none()
        && !matches!(r.state, RunState::Running | RunState::Undone)
        && s.changed > 0
    {
        writeln!(out, "undo it with: scimitar undo {}", named(r, dir))?;
    }
    Ok(())
}

/// `runs show --all`: every user the run looked at, with before -> after.
fn write_touched(users: &[Touched], out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "users ({}):", users.len())?;
    for t in users {
        let status = t.status.map(|c| format!(" {c}")).unwrap_or_default();
        writeln!(
            out,
            "  {} ({}): [{}{status}] {}",
            untrusted::line(&t.user_name),
            untrusted::line(&t.user_id),
            t.outcome,
            untrusted::line(&t.change())
        )?;
    }
    Ok(())
}

/// The run list as CSV: one row per run, cells neutralised.
fn write_list_csv(list: &RunList, out: &mut impl Write) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "started", "id", "state", "planned", "changed", "failed", "left", "action", "audit",
        "tenant", "journal",
    ])?;
    for r in &list.runs {
        let s = &r.summary;
        let action = match &r.undoes {
            Some(id) => format!("undo of {id}"),
            None => s.action.clone(),
        };
        let cells = [
            r.started.clone(),
            r.id.clone(),
            r.state.as_str().to_string(),
            s.planned.to_string(),
            s.changed.to_string(),
            s.failed.to_string(),
            s.to_recheck().to_string(),
            action,
            r.verification.label(),
            r.tenant.clone(),
            s.journal.clone(),
        ];
        w.write_record(cells.iter().map(|c| untrusted::csv_cell(c).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

/// One run as CSV: a row per user (every user with `--all`, else the failures).
fn write_users_csv(
    d: &RunDetail,
    users: Option<&[Touched]>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "run",
        "user_id",
        "user_name",
        "outcome",
        "status",
        "detail",
        "change",
    ])?;
    let rows: Vec<[String; 7]> = match users {
        Some(users) => users
            .iter()
            .map(|t| {
                [
                    d.entry.id.clone(),
                    t.user_id.clone(),
                    t.user_name.clone(),
                    t.outcome.clone(),
                    t.status.map(|c| c.to_string()).unwrap_or_default(),
                    t.detail.clone(),
                    t.change(),
                ]
            })
            .collect(),
        None => d
            .failures
            .iter()
            .map(|f| {
                [
                    d.entry.id.clone(),
                    f.user_id.clone(),
                    f.user_name.clone(),
                    f.outcome.clone(),
                    f.status.map(|c| c.to_string()).unwrap_or_default(),
                    f.detail.clone(),
                    String::new(),
                ]
            })
            .collect(),
    };
    for r in rows {
        w.write_record(r.iter().map(|c| untrusted::csv_cell(c).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

/// Under `runs --user`: what each run did to that user, newest first.
fn write_user_in_runs(list: &RunList, user: &str, out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(out, "what each run did to {}:", untrusted::line(user))?;
    for r in &list.runs {
        let state = JournalState::read(r.journal())?;
        if let Some(t) = touched::for_user(&state, user) {
            writeln!(
                out,
                "  {} {}: [{}] {}",
                minute(&r.started),
                r.id,
                t.outcome,
                untrusted::line(&t.change())
            )?;
        }
    }
    Ok(())
}
