//! `scimitar apply`, `resume` and `undo`: bulk changes without a screen.

use std::io::Write;

use crate::batch::{Intent, JournalState, Summary, Target};
use crate::cli::{ActionArg, ApplyArgs, ResumeArgs, UndoArgs};
use crate::commands::Connected;
use crate::commands::run::{
    DEFAULT_MAX_USERS, Refused, batch_from_plan, check_cap, confirm, default_journal_path, execute,
    new_batch_id, print_preview,
};
use crate::config::write_private;
use crate::input;
use crate::plan::{Action, Plan, Protected};
use crate::scim::filter;
use crate::scim::model::{User, Workspace};
use crate::scim::{ListOptions, ScimClient};
use crate::untrusted;

fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

fn protected_of(c: &Connected) -> Protected {
    c.protected()
}

/// How the API user and the tenant were identified (or why not), above the preview.
fn print_identity(c: &Connected) {
    for note in c.identity.iter().flat_map(|i| &i.notes) {
        crate::say!("{}", untrusted::line(note));
    }
}

/// What can be checked without the server: the filter parses.
pub fn check_input(args: &ApplyArgs) -> Result<(), Refused> {
    if let Some(f) = &args.filter {
        filter::parse(f).map_err(|e| Refused(format!("invalid filter: {e}")))?;
    }
    Ok(())
}

/// Returns the summary; `None` for a dry run.
pub async fn apply(
    c: &Connected,
    args: &ApplyArgs,
    out: &mut impl Write,
) -> anyhow::Result<Option<Summary>> {
    let client = &c.client;
    let tenant = client.tenant_label();
    let protected = protected_of(c);
    let plan = if let Some(path) = &args.plan {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Refused(format!("cannot read the plan {}: {e}", path.display())))?;
        let plan = Plan::from_json(&text).map_err(|e| Refused(e.to_string()))?;
        if plan.tenant != tenant {
            return Err(Refused(format!(
                "the plan was made for tenant {}, but this connection is to {tenant}; nothing was sent",
                plan.tenant
            ))
            .into());
        }
        plan
    } else {
        let (users, not_found) = gather_users(client, args).await?;
        let action = action_of(args, &users, client).await?;
        Plan::build(&tenant, &now(), action, &users, &protected, &not_found)
    };
    let mut err = std::io::stderr();
    print_identity(c);
    print_preview(&plan, &mut err)?;
    if let Some(p) = &args.save_plan {
        write_private(p, plan.to_json().as_bytes())?;
        eprintln!("plan saved to {}", p.display());
    }
    let totals = plan.totals();
    if args.dry_run {
        let s = serde_json::json!({
            "dry_run": true, "planned": plan.items.len(), "changed": 0, "to_change": totals.to_change,
            "no_op": totals.no_op, "failed": 0, "protected": totals.protected,
            "not_found": totals.not_found, "requests": totals.requests, "journal": null,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&s)?)?;
        return Ok(None);
    }
    if totals.to_change == 0 {
        eprintln!("nothing to change");
    } else {
        c.require_api_user().map_err(Refused)?;
        if !args.run.yes
            && let Some(cost) = crate::commands::preview::cost_statement(&plan)
        {
            crate::say!("{cost}");
        }
    }
    gate(
        c,
        args.max_users,
        totals.to_change,
        &tenant,
        &plan.action.label(),
        args.run.yes,
    )?;
    let batch_id = new_batch_id();
    let journal = args
        .journal
        .clone()
        .unwrap_or_else(|| default_journal_path(&c.paths, &batch_id));
    // A saved undo plan carries each user's target in its items.
    let intent = if plan.action == Action::Restore {
        Intent::Restore {
            states: plan
                .items
                .iter()
                .filter_map(|i| i.after.clone().map(|a| (i.user_id.clone(), a)))
                .collect(),
        }
    } else {
        Intent::Apply {
            action: plan.action.clone(),
            protected,
        }
    };
    let batch = batch_from_plan(&plan, &batch_id, intent);
    let summary = execute(
        client,
        &batch,
        &journal,
        args.run.concurrency as usize,
        true,
    )
    .await?;
    writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
    Ok(Some(summary))
}

async fn gather_users(
    client: &ScimClient,
    args: &ApplyArgs,
) -> anyhow::Result<(Vec<User>, Vec<String>)> {
    if let Some(path) = &args.csv {
        let bytes = std::fs::read(path)
            .map_err(|e| Refused(format!("cannot read {}: {e}", path.display())))?;
        let parsed =
            input::csv::read(&bytes).map_err(|e| Refused(format!("{}: {e}", path.display())))?;
        let report = input::resolve(&parsed, client).await;
        eprintln!("{}: {}", path.display(), report.summary_line());
        let s = |t: &str| untrusted::clip(t, 200);
        for (line, raw, reason) in &report.malformed {
            crate::say!("  line {line}: `{}` is malformed: {}", s(raw), s(reason));
        }
        for (line, key) in &report.not_found {
            crate::say!("  line {line}: {} not found", s(&key.to_string()));
        }
        for (line, key, err) in &report.lookup_errors {
            crate::say!(
                "  line {line}: {} could not be looked up: {}",
                s(&key.to_string()),
                s(&err.to_string())
            );
        }
        if let Some(p) = &args.csv_report {
            let mut buf = Vec::new();
            report.write_csv(&mut buf)?;
            write_private(p, &buf)?;
            eprintln!("resolution report saved to {}", p.display());
        }
        if !report.lookup_errors.is_empty() {
            return Err(Refused(format!(
                "{} rows could not be looked up; nothing was planned. Fix the connection and run again",
                report.lookup_errors.len()
            ))
            .into());
        }
        return Ok((report.users(), report.not_found_keys()));
    }
    if let Some(f) = &args.filter {
        let parsed = filter::parse(f).map_err(|e| Refused(format!("invalid filter: {e}")))?;
        let r = client
            .list_all(Some(&parsed), ListOptions::default(), |_| {})
            .await?;
        return Ok((r.users, Vec::new()));
    }
    Err(Refused("give --csv, --filter or --plan".into()).into())
}

/// `--keep` values are workspace ids or exact names (case-insensitive), matched against the
/// workspaces of the chosen users and those the integration API lists.
async fn action_of(
    args: &ApplyArgs,
    users: &[User],
    client: &ScimClient,
) -> anyhow::Result<Action> {
    let Some(a) = args.action else {
        return Err(Refused("--action is required without --plan".into()).into());
    };
    if a != ActionArg::KeepWorkspaces && !args.keep.is_empty() {
        return Err(Refused("--keep goes with --action keep-workspaces only".into()).into());
    }
    Ok(match a {
        ActionArg::Disable => Action::Disable,
        ActionArg::Enable => Action::Enable,
        ActionArg::RemoveWorkspaces => Action::RemoveWorkspaces,
        ActionArg::DisableAndRemove => Action::DisableAndRemove,
        ActionArg::KeepWorkspaces => {
            if args.keep.is_empty() {
                return Err(Refused(
                    "--action keep-workspaces needs at least one --keep WORKSPACE (id or name); to remove every workspace use --action remove-workspaces".into(),
                )
                .into());
            }
            let mut known: Vec<Workspace> = users
                .iter()
                .flat_map(|u| u.workspaces.iter().cloned())
                .collect();
            if let Ok(listed) = client.list_workspaces().await {
                known.extend(listed.into_iter().map(|w| Workspace {
                    id: w.id,
                    name: w.name,
                }));
            }
            let keep = resolve_workspaces(&args.keep, &known).map_err(Refused)?;
            Action::KeepWorkspaces { keep }
        }
    })
}

pub fn resolve_workspaces(wanted: &[String], known: &[Workspace]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for w in wanted {
        let by_id = known.iter().find(|k| k.id.eq_ignore_ascii_case(w));
        let by_name: Vec<&Workspace> = known
            .iter()
            .filter(|k| k.name.eq_ignore_ascii_case(w))
            .collect();
        let id = match (by_id, by_name.as_slice()) {
            (Some(k), _) => k.id.clone(),
            (None, [one]) => one.id.clone(),
            (None, []) => {
                let mut names: Vec<&str> = known.iter().map(|k| k.name.as_str()).collect();
                names.sort_unstable();
                names.dedup();
                let near: Vec<&str> = names
                    .iter()
                    .filter(|n| n.to_lowercase().contains(&w.to_lowercase()))
                    .take(5)
                    .copied()
                    .collect();
                return Err(format!(
                    "no workspace has the id or name `{w}`{}",
                    if near.is_empty() {
                        String::new()
                    } else {
                        format!(" (did you mean: {})", near.join(", "))
                    }
                ));
            }
            (None, many) => {
                return Err(format!(
                    "`{w}` names {} workspaces; use the id ({})",
                    many.len(),
                    many.iter()
                        .map(|k| k.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        };
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

pub async fn resume(
    c: &Connected,
    args: &ResumeArgs,
    out: &mut impl Write,
) -> anyhow::Result<Summary> {
    let state = JournalState::read(&args.journal)?;
    state
        .check_tenant(&c.client.tenant_label())
        .map_err(Refused)?;
    let targets: Vec<Target> = if args.failed_only {
        state.failed()
    } else {
        let mut t = state.unknown_targets();
        t.extend(state.remaining());
        t
    };
    eprintln!(
        "journal {}: {} users to {} ({} unknown re-checked, {} not started, {} failed)",
        args.journal.display(),
        targets.len(),
        if args.failed_only { "retry" } else { "finish" },
        state.unknown.len(),
        state.remaining().len(),
        state.failed().len()
    );
    if !targets.is_empty() {
        confirm(
            targets.len(),
            &state.tenant,
            &format!("re-check and {}", state.intent.label()),
            args.run.yes,
        )?;
        crate::batch::Journal::open(&args.journal)?.append(&crate::batch::Record::Resume {
            at: now(),
            user_ids: targets.iter().map(|t| t.user_id.clone()).collect(),
        })?;
    }
    let batch = crate::batch::Batch {
        batch_id: state.batch_id.clone(),
        tenant: state.tenant.clone(),
        intent: state.intent.clone(),
        plan_hash: state.plan_hash.clone(),
        targets,
        settled: Vec::new(),
    };
    let summary = execute(
        &c.client,
        &batch,
        &args.journal,
        args.run.concurrency as usize,
        false,
    )
    .await?;
    writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
    Ok(summary)
}

pub async fn undo(
    c: &Connected,
    args: &UndoArgs,
    out: &mut impl Write,
) -> anyhow::Result<Option<Summary>> {
    let state = JournalState::read(&args.journal)?;
    state
        .check_tenant(&c.client.tenant_label())
        .map_err(Refused)?;
    let crate::batch::undo::UndoInputs { entries, missing } =
        crate::batch::undo::inputs(&state, &c.client)
            .await
            .map_err(anyhow::Error::msg)?;
    let plan = Plan::undo(&state.tenant, &now(), &entries);
    eprintln!(
        "Undo of journal {} (batch {})",
        args.journal.display(),
        state.batch_id
    );
    eprintln!(
        "WARNING: restoring workspace access does not restore model roles or selective access; workspace admins may need to set those again."
    );
    print_preview(&plan, &mut std::io::stderr())?;
    for id in &missing {
        eprintln!("  {id}: no longer in the tenant; cannot be restored");
    }
    let totals = plan.totals();
    if args.dry_run {
        let s = serde_json::json!({"dry_run": true, "planned": plan.items.len(), "to_change": totals.to_change, "no_op": totals.no_op, "not_found": missing.len()});
        writeln!(out, "{}", serde_json::to_string_pretty(&s)?)?;
        return Ok(None);
    }
    gate(
        c,
        args.max_users,
        totals.to_change,
        &state.tenant,
        "restore the recorded state",
        args.run.yes,
    )?;
    let batch_id = new_batch_id();
    let journal = args
        .undo_journal
        .clone()
        .unwrap_or_else(|| default_journal_path(&c.paths, &batch_id));
    let states = entries
        .iter()
        .map(|(b, u)| (u.id.clone(), b.clone()))
        .collect();
    let batch = batch_from_plan(&plan, &batch_id, Intent::Restore { states });
    let summary = execute(
        &c.client,
        &batch,
        &journal,
        args.run.concurrency as usize,
        true,
    )
    .await?;
    writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
    Ok(Some(summary))
}

/// The cap (an explicit `--max-users` above it), then the typed confirmation.
fn gate(
    c: &Connected,
    max_users: Option<usize>,
    to_change: usize,
    tenant: &str,
    what: &str,
    yes: bool,
) -> Result<(), Refused> {
    let cap = max_users
        .or(c.profile.max_users)
        .unwrap_or(DEFAULT_MAX_USERS);
    check_cap(to_change, cap)?;
    if to_change > 0 {
        confirm(to_change, tenant, what, yes)?;
    }
    Ok(())
}
