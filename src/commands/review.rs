//! `scimitar review export` and `review apply`: an access review as a CSV for workspace
//! owners, and their decisions run as one ordinary plan through the same preview, cap,
//! confirmation, journal and undo as `apply`.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;

use sha2::{Digest, Sha256};

use crate::batch::Intent;
use crate::cli::{ReviewApplyArgs, ReviewExportArgs};
use crate::commands::Connected;
use crate::commands::apply::{
    known_workspaces, print_identity, print_json, resolve_workspaces, run_new_plan,
    with_verification,
};
use crate::commands::run::Refused;
use crate::input::review::{ReviewHeader, ReviewWriter, check_against, read_review};
use crate::plan::review::{ChangedSince, changed_since, plan_review};
use crate::plan::{Plan, ReviewSource};
use crate::scim::ListOptions;
use crate::scim::model::{User, Workspace};
use crate::untrusted;

/// Users named at most in the list of those changed since the export (the rest counted).
const NAMED: usize = 20;

fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// The tenant identity, as plans and journals carry it (the export names it in the file).
async fn tenant_of(c: &Connected) -> String {
    if c.identity.is_none() {
        crate::scim::identity::identify(&c.client, c.api_user.as_deref()).await;
    }
    c.client.tenant_label()
}

/// Every user of the tenant, as it is now, with the listing's progress bar on a terminal.
async fn all_users(c: &Connected) -> anyhow::Result<Vec<User>> {
    let bar = crate::commands::users::listing_bar();
    let r = c
        .client
        .list_all(None, ListOptions::default(), |p| {
            if let Some(pb) = &bar {
                pb.set_length(p.total.max(p.loaded as u64));
                pb.set_position(p.loaded as u64);
            }
        })
        .await;
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    Ok(r?.users)
}

/// The workspaces to export: those named (by id or name), else every one a user holds;
/// sorted by name.
fn chosen_workspaces(wanted: &[String], known: &[Workspace]) -> Result<Vec<Workspace>, Refused> {
    let ids: Vec<String> = if wanted.is_empty() {
        known.iter().map(|w| w.id.clone()).collect()
    } else {
        resolve_workspaces(wanted, known).map_err(|e| Refused(format!("--workspace: {e}")))?
    };
    let mut out: Vec<Workspace> = Vec::new();
    for id in ids {
        if out.iter().any(|w| w.id.eq_ignore_ascii_case(&id)) {
            continue;
        }
        let name = known
            .iter()
            .find(|k| k.id.eq_ignore_ascii_case(&id) && !k.name.is_empty())
            .map_or_else(|| id.clone(), |k| k.name.clone());
        out.push(Workspace { id, name });
    }
    out.sort_by_key(|w| w.name.to_lowercase());
    Ok(out)
}

/// Opens `--out`: a new file, or an existing one truncated only with `--force`.
fn open_out(args: &ReviewExportArgs) -> Result<std::fs::File, Refused> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true);
    if args.force {
        o.create(true).truncate(true);
    } else {
        o.create_new(true);
    }
    o.open(&args.out).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Refused(format!(
                "{} exists; nothing was written. Pass --force to overwrite it, or choose another --out",
                args.out.display()
            ))
        } else {
            Refused(format!("cannot write {}: {e}", args.out.display()))
        }
    })
}

/// `review export`: one row per member of each chosen workspace.
pub async fn export(c: &Connected, args: &ReviewExportArgs) -> anyhow::Result<()> {
    if args.out.exists() && !args.force {
        return Err(Refused(format!(
            "{} exists; nothing was written. Pass --force to overwrite it, or choose another --out",
            args.out.display()
        ))
        .into());
    }
    let tenant = tenant_of(c).await;
    let users = all_users(c).await?;
    let known = known_workspaces(&c.client, &users).await;
    let chosen = chosen_workspaces(&args.workspace, &known)?;
    let mut candidates: Vec<User> = users
        .into_iter()
        .filter(|u| chosen.iter().any(|w| u.has_workspace(&w.id)))
        .collect();
    let logins = crate::commands::inactive::logins_for(&c.client, &candidates).await;
    if let Some(rule) = crate::commands::inactive::rule_of(args.inactive_days, false) {
        let now = crate::commands::inactive::now();
        let of = candidates.len();
        let s = crate::commands::inactive::select(rule, candidates, &logins, now);
        crate::say!("{} of {of} users: {}", s.kept.len(), rule.describe(now));
        crate::commands::inactive::report_unknown(&s.unknown);
        candidates = s.kept;
    }
    candidates.sort_by_key(|u| u.user_name.to_lowercase());
    let header = ReviewHeader {
        tenant,
        exported: now(),
        scope: (!args.workspace.is_empty()).then(|| chosen.iter().map(|w| w.id.clone()).collect()),
    };
    let mut w = ReviewWriter::start(Vec::new(), &header)?;
    let mut reviewed = 0;
    for ws in &chosen {
        let members: Vec<User> = candidates
            .iter()
            .filter(|u| u.has_workspace(&ws.id))
            .cloned()
            .collect();
        reviewed += usize::from(!members.is_empty());
        w.write_workspace_members(ws, &members, Some(&logins), |_| None)?;
    }
    let rows = w.rows();
    let bytes = w.finish()?;
    let mut file = open_out(args)?;
    file.write_all(&bytes)
        .and_then(|()| file.flush())
        .map_err(|e| Refused(format!("cannot write {}: {e}", args.out.display())))?;
    crate::say!(
        "wrote {rows} rows ({} users, {reviewed} workspaces) to {}; reviewers fill the decision column with keep, revoke or disable, then: scimitar review apply {}",
        candidates.len(),
        args.out.display(),
        args.out.display()
    );
    Ok(())
}

/// Notes for the preview: users whose workspaces changed since the export, by lowercase id.
fn changes_since(
    plan: &Plan,
    file: &crate::input::review::ReviewFile,
    now: &HashMap<String, &User>,
) -> HashMap<String, ChangedSince> {
    let exported = file.exported();
    let scope = file.scope();
    let empty = BTreeSet::new();
    plan.items
        .iter()
        .filter_map(|i| {
            let id = i.user_id.to_ascii_lowercase();
            let u = now.get(&id)?;
            let seen = exported.get(&id).unwrap_or(&empty);
            changed_since(u, seen, scope.as_ref()).map(|c| (id, c))
        })
        .collect()
}

fn say_changed(changed: &HashMap<String, ChangedSince>, plan: &Plan) {
    if changed.is_empty() {
        return;
    }
    crate::say!(
        "{} users' workspaces changed since the export (re-read now; a workspace granted since is kept):",
        changed.len()
    );
    let named = plan
        .items
        .iter()
        .filter_map(|i| changed.get(&i.user_id.to_ascii_lowercase()).map(|c| (i, c)));
    for (i, c) in named.clone().take(NAMED) {
        crate::say!(
            "  {}: {}",
            untrusted::clip(&i.user_name, 100),
            untrusted::clip(&c.describe(), 300)
        );
    }
    if changed.len() > NAMED {
        crate::say!("  ... and {} more", changed.len() - NAMED);
    }
}

/// Reads and checks the review file against the tenant; the plan, with the notes of users
/// changed since the export. Refused, naming every bad line, before anything is sent.
async fn plan_of(
    c: &Connected,
    args: &ReviewApplyArgs,
    tenant: &str,
) -> anyhow::Result<(Plan, HashMap<String, ChangedSince>)> {
    let path = &args.file;
    let bytes =
        std::fs::read(path).map_err(|e| Refused(format!("cannot read {}: {e}", path.display())))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let file = read_review(&bytes)
        .map_err(|e| Refused(format!("{}: {e}; nothing was sent", path.display())))?;
    let users = all_users(c).await?;
    let by_id: HashMap<String, &User> = users
        .iter()
        .map(|u| (u.id.to_ascii_lowercase(), u))
        .collect();
    let workspaces: HashMap<String, String> = known_workspaces(&c.client, &users)
        .await
        .into_iter()
        .map(|w| (w.id.to_ascii_lowercase(), w.name))
        .collect();
    let problems = check_against(&file, tenant, &by_id, &workspaces);
    if !problems.is_empty() {
        let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        return Err(Refused(format!(
            "{}: {} row(s) refused; nothing was sent:\n{}",
            path.display(),
            problems.len(),
            lines.join("\n")
        ))
        .into());
    }
    crate::say!(
        "{}: {} rows, exported {} (sha256 {sha256})",
        path.display(),
        file.rows.len(),
        untrusted::line(&file.header.exported)
    );
    let plan = plan_review(tenant, &now(), &file.decisions(), &users, &c.protected()).with_review(
        ReviewSource {
            file: path.display().to_string(),
            sha256,
        },
    );
    let changed = changes_since(&plan, &file, &by_id);
    Ok((plan, changed))
}

/// `review apply`: returns the exit code (0 every user done, 1 some failed or were left).
pub async fn apply(
    c: &Connected,
    args: &ReviewApplyArgs,
    out: &mut impl Write,
) -> anyhow::Result<u8> {
    let tenant = tenant_of(c).await;
    let (plan, changed) = plan_of(c, args, &tenant).await?;
    print_identity(c);
    crate::commands::preview::print_preview_noting(&plan, &mut std::io::stderr(), |item| {
        changed
            .get(&item.user_id.to_ascii_lowercase())
            .map(ChangedSince::describe)
    })?;
    say_changed(&changed, &plan);
    if let Some(p) = &args.save_plan {
        crate::config::write_private(p, plan.to_json().as_bytes())?;
        crate::say!("plan saved to {}", p.display());
    }
    let totals = plan.totals();
    let review = serde_json::json!(plan.review);
    if args.dry_run {
        let s = serde_json::json!({
            "dry_run": true, "planned": plan.items.len(), "changed": 0,
            "to_change": totals.to_change, "no_op": totals.no_op, "protected": totals.protected,
            "changed_since_export": changed.len(), "requests": totals.requests,
            "journal": null, "review": review,
        });
        print_json(out, s, &tenant)?;
        return Ok(0);
    }
    let intent = Intent::Apply {
        action: plan.action.clone(),
        protected: c.protected(),
    };
    let (summary, verified) =
        run_new_plan(c, &plan, intent, &tenant, &args.run, &args.new_run).await?;
    let mut v = with_verification(&summary, &verified);
    if let Some(o) = v.as_object_mut() {
        o.insert("review".into(), review);
        o.insert("changed_since_export".into(), changed.len().into());
    }
    print_json(out, v, &tenant)?;
    Ok(summary.exit_code().max(verified.code))
}
