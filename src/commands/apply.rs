//! `scimitar apply`, `resume` and `undo`: bulk changes without a screen.

use std::io::Write;

use crate::batch::driver::{self, DriverError};
use crate::batch::history;
use crate::batch::journal::SealCheck;
use crate::batch::{Intent, Summary};
use crate::cli::{ActionArg, ApplyArgs, NewRunFlags, ResumeArgs, RunFlags, UndoArgs};
use crate::commands::Connected;
use crate::commands::run::{
    DEFAULT_MAX_USERS, Refused, check_cap, confirm, confirm_trust, execute, print_preview,
};
use crate::config::write_private;
use crate::input;
use crate::plan::{Action, InputCounts, Plan, Protected};
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
pub(crate) fn print_identity(c: &Connected) {
    for note in c.identity.iter().flat_map(|i| &i.notes) {
        crate::say!("{}", untrusted::line(note));
    }
}

/// Prints a JSON object on stdout with the tenant it concerns added. A reader that has gone
/// (`| head`) loses only this summary, the journal holds the run: the write is dropped quietly
/// and the exit code stays the run's outcome (0 done, 1 some failed), never 2.
pub(crate) fn print_json(
    out: &mut impl Write,
    value: impl serde::Serialize,
    tenant: &str,
) -> anyhow::Result<()> {
    let mut v = serde_json::to_value(value)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("tenant".into(), tenant.into());
    }
    let text = serde_json::to_string_pretty(&v)?;
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

/// What can be checked without the server: the filter parses.
pub fn check_input(args: &ApplyArgs) -> Result<(), Refused> {
    if let Some(f) = &args.filter {
        filter::parse(f).map_err(|e| Refused(format!("invalid filter: {e}")))?;
    }
    Ok(())
}

/// Says why input rows make the exit code 1, and returns it.
fn input_verdict(not_found: usize, malformed: usize, allow_missing: bool) -> u8 {
    let unusable = not_found + malformed;
    if unusable == 0 || allow_missing {
        return 0;
    }
    crate::say!(
        "{unusable} input rows could not be used ({not_found} not found, {malformed} malformed): exit code 1. Pass --allow-missing if that is expected"
    );
    1
}

/// Returns the exit code: 0 every user done, 1 some failed or were left, or input rows could
/// not be used (unless `--allow-missing`).
pub async fn apply(c: &Connected, args: &ApplyArgs, out: &mut impl Write) -> anyhow::Result<u8> {
    let client = &c.client;
    let tenant = client.tenant_label();
    let protected = protected_of(c);
    let mut sweep = Sweep::default();
    let Some(plan) = plan_of(c, args, &tenant, &protected, &mut sweep).await? else {
        return Ok(0);
    };
    let input = plan.input.unwrap_or_default();
    print_sweep_preview(c, &plan, &sweep)?;
    if let Some(p) = &args.save_plan {
        write_private(p, plan.to_json().as_bytes())?;
        crate::say!("plan saved to {}", p.display());
    }
    let totals = plan.totals();
    if args.dry_run {
        let s = serde_json::json!({
            "dry_run": true, "planned": plan.items.len(), "changed": 0, "to_change": totals.to_change,
            "no_op": totals.no_op, "failed": 0, "protected": totals.protected,
            "not_found": totals.not_found, "malformed": input.malformed,
            "duplicates": input.duplicates, "requests": totals.requests, "journal": null,
        });
        print_json(out, sweep.counted(s), &tenant)?;
        return Ok(input_verdict(
            totals.not_found,
            input.malformed,
            args.allow_missing,
        ));
    }
    let intent = intent_of(&plan, protected);
    let (summary, verified) =
        run_new_plan(c, &plan, intent, &tenant, &args.run, &args.new_run).await?;
    print_json(
        out,
        sweep.counted(with_verification(&summary, &verified)),
        &tenant,
    )?;
    let input = input_verdict(
        summary.not_found.saturating_sub(summary.gone),
        summary.malformed,
        args.allow_missing,
    );
    Ok(summary.exit_code().max(input).max(verified.code))
}

/// The plan to run: the saved one named by `--plan` (`None` when there is nothing to run), or
/// one built from the input, narrowed by the sweep.
async fn plan_of(
    c: &Connected,
    args: &ApplyArgs,
    tenant: &str,
    protected: &Protected,
    sweep: &mut Sweep,
) -> anyhow::Result<Option<Plan>> {
    let client = &c.client;
    if let Some(path) = &args.plan {
        let Some(plan) = saved_plan(c, path)? else {
            return Ok(None);
        };
        if plan.tenant != *tenant {
            return Err(Refused(format!(
                "the plan was made for tenant {}, but this connection is to {tenant}; nothing was sent",
                plan.tenant
            ))
            .into());
        }
        Ok(Some(plan))
    } else {
        let (users, not_found, input) = gather_users(client, args).await?;
        let users = narrow(client, args, users, sweep).await?;
        let action = action_of(args, &users, client).await?;
        let mut plan = Plan::build(tenant, &now(), action, &users, protected, &not_found);
        plan.input = input;
        Ok(Some(plan))
    }
}

/// The identity notes, the sweep's rule and the preview (with last logins when swept), on stderr.
fn print_sweep_preview(c: &Connected, plan: &Plan, sweep: &Sweep) -> anyhow::Result<()> {
    let mut err = std::io::stderr();
    print_identity(c);
    if let Some(rule) = &sweep.rule {
        crate::say!("{rule}");
    }
    match &sweep.logins {
        Some(logins) => {
            let now = crate::commands::inactive::now();
            crate::commands::preview::print_preview_noting(plan, &mut err, |item| {
                let l = logins.get(&item.user_id);
                Some(format!(
                    "last login: {} ({})",
                    l.describe(),
                    l.relative(now)
                ))
            })?;
        }
        None => print_preview(plan, &mut err)?,
    }
    crate::commands::inactive::report_unknown(&sweep.unknown);
    if sweep.excluded > 0 {
        crate::say!("excluded {} users (--exclude-csv)", sweep.excluded);
    }
    Ok(())
}

/// What the batch does to each user: a saved undo plan carries each user's target in its items.
fn intent_of(plan: &Plan, protected: Protected) -> Intent {
    if plan.action == Action::Restore {
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
    }
}

/// A plan file saved earlier; `None` for a saved undo plan of a run already undone (said
/// here): an undo is not run twice (`undo ID --again` insists).
fn saved_plan(c: &Connected, path: &std::path::Path) -> anyhow::Result<Option<Plan>> {
    let dir = c.paths.journal_dir();
    let text = std::fs::read_to_string(path).map_err(|e| {
        let run = history::run_not_plan(&dir, &path.display().to_string());
        Refused(run.unwrap_or_else(|| format!("cannot read the plan {}: {e}", path.display())))
    })?;
    let plan = Plan::from_json(&text).map_err(|e| Refused(e.to_string()))?;
    if let Some(r) = &plan.undoes
        && let Some((by, at)) = history::undone_run(&dir, r)
    {
        crate::say!(
            "already undone by {by} at {at}; nothing to do (to undo it again: scimitar undo {} --again)",
            r.batch_id
        );
        return Ok(None);
    }
    Ok(Some(plan))
}

/// What `--verify` found after a run: the verification (or why it could not be made) for
/// the summary's JSON, and 1 when it did not verify. A check that could not ask leaves the
/// run's exit code alone: it says so on stderr and in the JSON.
pub struct AfterRun {
    pub json: Option<serde_json::Value>,
    pub code: u8,
}

pub async fn verify_after(c: &Connected, summary: &Summary, flags: &RunFlags) -> AfterRun {
    let Some(wait) = flags.verify else {
        return AfterRun {
            json: None,
            code: 0,
        };
    };
    match crate::commands::verify::check(c, std::path::Path::new(&summary.journal), wait).await {
        Ok(v) => {
            crate::commands::verify::say_summary(&v);
            AfterRun {
                code: v.exit_code(),
                json: serde_json::to_value(&v).ok(),
            }
        }
        Err(e) => {
            let message = format!("{e:#}");
            crate::say!("audit log: not checked: {}", untrusted::line(&message));
            AfterRun {
                json: Some(serde_json::json!({"state": "not_checked", "error": message})),
                code: 0,
            }
        }
    }
}

/// The summary, with `verification` when `--verify` was given.
pub fn with_verification(summary: &Summary, after: &AfterRun) -> serde_json::Value {
    let mut v = serde_json::to_value(summary).unwrap_or_default();
    if let (Some(o), Some(j)) = (v.as_object_mut(), &after.json) {
        o.insert("verification".into(), j.clone());
    }
    v
}

/// The users, the keys that did not resolve, and (from a file) the rows that made no item.
async fn gather_users(
    client: &ScimClient,
    args: &ApplyArgs,
) -> anyhow::Result<(Vec<User>, Vec<String>, Option<InputCounts>)> {
    if let Some(path) = &args.csv {
        let bytes = std::fs::read(path)
            .map_err(|e| Refused(format!("cannot read {}: {e}", path.display())))?;
        let parsed = input::csv::read_with(&bytes, &args.csv_column.options())
            .map_err(|e| Refused(format!("{}: {e}", path.display())))?;
        let s = |t: &str| untrusted::clip(t, 200);
        crate::say!("{}: {}", path.display(), s(&parsed.why));
        let report = resolve_with_progress(&parsed, client).await;
        crate::say!("{}: {}", path.display(), report.summary_line());
        for (line, key, names) in report.ambiguous.iter().take(SHOWN_ROWS) {
            crate::say!(
                "  line {line}: externalId {} is ambiguous (shared by {}); not acted on",
                s(key),
                s(&names.join(", "))
            );
        }
        more_rows(report.ambiguous.len(), "ambiguous", args);
        for (line, raw, reason) in report.malformed.iter().take(SHOWN_ROWS) {
            crate::say!("  line {line}: `{}` is malformed: {}", s(raw), s(reason));
        }
        more_rows(report.malformed.len(), "malformed", args);
        for (line, key) in report.not_found.iter().take(SHOWN_ROWS) {
            crate::say!("  line {line}: {} not found", s(&key.to_string()));
        }
        more_rows(report.not_found.len(), "not found", args);
        for (line, key, err) in report.lookup_errors.iter().take(SHOWN_ROWS) {
            crate::say!(
                "  line {line}: {} could not be looked up: {}",
                s(&key.to_string()),
                s(&err.to_string())
            );
        }
        more_rows(report.lookup_errors.len(), "could not be looked up", args);
        if let Some(p) = &args.csv_report {
            let mut buf = Vec::new();
            report.write_csv(&mut buf)?;
            write_private(p, &buf)?;
            crate::say!("resolution report saved to {}", p.display());
        }
        if !report.lookup_errors.is_empty() {
            return Err(Refused(format!(
                "{} rows could not be looked up (the server's answers are above); nothing was planned",
                report.lookup_errors.len()
            ))
            .into());
        }
        let counts = InputCounts {
            // An ambiguous externalId is as unusable as a malformed cell: it names nobody.
            malformed: report.malformed.len() + report.ambiguous.len(),
            duplicates: report.duplicates.len(),
        };
        return Ok((report.users(), report.not_found_keys(), Some(counts)));
    }
    if let Some(f) = &args.filter {
        let parsed = filter::parse(f).map_err(|e| Refused(format!("invalid filter: {e}")))?;
        let r = client
            .list_all(Some(&parsed), ListOptions::default(), |_| {})
            .await?;
        return Ok((r.users, Vec::new(), None));
    }
    if args.inactive_days.is_some() || args.never_logged_in {
        // The whole licence sweep: every user of the tenant is a candidate.
        let r = client
            .list_all(None, ListOptions::default(), |_| {})
            .await?;
        return Ok((r.users, Vec::new(), None));
    }
    Err(Refused("give --csv, --filter, --plan, --inactive-days or --never-logged-in".into()).into())
}

/// What a sweep (`--inactive-days`, `--never-logged-in`, `--exclude-csv`) did to the users.
#[derive(Default)]
struct Sweep {
    /// The rule in words, with its threshold date.
    rule: Option<String>,
    logins: Option<crate::scim::client::LastLogins>,
    /// Users left out because their last login is unavailable.
    unknown: Vec<(User, crate::scim::client::LastLogin)>,
    /// Users left alone because the exclusion file lists them.
    excluded: usize,
}

impl Sweep {
    /// The summary with the sweep's counts added (nothing when there was no sweep).
    fn counted(&self, mut v: serde_json::Value) -> serde_json::Value {
        if let Some(o) = v.as_object_mut() {
            if self.logins.is_some() {
                o.insert("last_login_unavailable".into(), self.unknown.len().into());
            }
            if self.excluded > 0 || self.rule.is_some() {
                o.insert("excluded".into(), self.excluded.into());
            }
        }
        v
    }
}

/// Keeps the inactive users (with `--inactive-days` or `--never-logged-in`), then leaves out
/// those the `--exclude-csv` file lists.
async fn narrow(
    client: &ScimClient,
    args: &ApplyArgs,
    users: Vec<User>,
    sweep: &mut Sweep,
) -> anyhow::Result<Vec<User>> {
    let mut users = users;
    if let Some(rule) = crate::commands::inactive::rule_of(args.inactive_days, args.never_logged_in)
    {
        let now = crate::commands::inactive::now();
        let logins = crate::commands::inactive::logins_for(client, &users).await;
        let of = users.len();
        let s = crate::commands::inactive::select(rule, users, &logins, now);
        sweep.rule = Some(format!(
            "selected {} of {of} users: {}",
            s.kept.len(),
            rule.describe(now)
        ));
        users = s.kept;
        sweep.unknown = s.unknown;
        sweep.logins = Some(logins);
    }
    if let Some(path) = &args.exclude_csv {
        let bytes = std::fs::read(path).map_err(|e| {
            Refused(format!(
                "--exclude-csv: cannot read {}: {e}",
                path.display()
            ))
        })?;
        let parsed = input::csv::read(&bytes)
            .map_err(|e| Refused(format!("--exclude-csv {}: {e}", path.display())))?;
        let report = input::resolve(&parsed, client).await;
        crate::say!("{} (excluded): {}", path.display(), report.summary_line());
        if !report.lookup_errors.is_empty() {
            // A user meant to be left alone could be changed: nothing is planned.
            return Err(Refused(format!(
                "--exclude-csv: {} rows could not be looked up; nothing was planned",
                report.lookup_errors.len()
            ))
            .into());
        }
        let keep_out: std::collections::HashSet<String> = report
            .users()
            .iter()
            .map(|u| u.id.to_ascii_lowercase())
            .collect();
        let before = users.len();
        users.retain(|u| !keep_out.contains(&u.id.to_ascii_lowercase()));
        sweep.excluded = before - users.len();
    }
    Ok(users)
}

/// Rows of one kind listed on stderr; the rest are counted (the resolution report has all).
const SHOWN_ROWS: usize = 20;

/// How often a long lookup says how far it is.
const LOOKUP_PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

fn more_rows(n: usize, what: &str, args: &ApplyArgs) {
    if n <= SHOWN_ROWS {
        return;
    }
    let report = match &args.csv_report {
        Some(p) => format!("all of them are in {}", p.display()),
        None => "pass --csv-report FILE for the full list".into(),
    };
    crate::say!("  ... and {} more {what} ({report})", n - SHOWN_ROWS);
}

/// Resolves the file's rows, saying every 5 s how many were looked up when it takes long.
async fn resolve_with_progress(
    parsed: &input::CsvInput,
    client: &ScimClient,
) -> input::ResolveReport {
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = parsed.entries.len();
    let started = std::time::Instant::now();
    let work = input::resolve_counted(parsed, client, &done);
    tokio::pin!(work);
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + LOOKUP_PROGRESS_EVERY,
        LOOKUP_PROGRESS_EVERY,
    );
    loop {
        tokio::select! {
            report = &mut work => return report,
            _ = tick.tick() => crate::say!(
                "looking up users: {} of {total} rows after {} s",
                done.load(std::sync::atomic::Ordering::Relaxed),
                started.elapsed().as_secs()
            ),
        }
    }
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
            let known = known_workspaces(client, users).await;
            let keep = resolve_workspaces(&args.keep, &known)?;
            Action::KeepWorkspaces { keep }
        }
    })
}

/// The workspaces a name can be resolved against: those the users hold, and those only the
/// integration API lists (workspaces nobody in `users` belongs to). The API's list is a bonus:
/// without it, names resolve against the users' workspaces alone.
pub async fn known_workspaces(client: &ScimClient, users: &[User]) -> Vec<Workspace> {
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
    known
}

pub fn resolve_workspaces(wanted: &[String], known: &[Workspace]) -> Result<Vec<String>, Refused> {
    let mut out = Vec::new();
    for w in wanted {
        let by_id = known.iter().find(|k| k.id.eq_ignore_ascii_case(w));
        // `known` holds each workspace once per user who has it: count distinct ids.
        let mut by_name: Vec<&Workspace> = Vec::new();
        for k in known.iter().filter(|k| k.name.eq_ignore_ascii_case(w)) {
            if !by_name.iter().any(|b| b.id.eq_ignore_ascii_case(&k.id)) {
                by_name.push(k);
            }
        }
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
                return Err(Refused(format!(
                    "no workspace has the id or name `{w}`{}",
                    if near.is_empty() {
                        String::new()
                    } else {
                        format!(" (did you mean: {})", near.join(", "))
                    }
                )));
            }
            (None, many) => {
                return Err(Refused(format!(
                    "`{w}` names {} workspaces; use the id ({})",
                    many.len(),
                    many.iter()
                        .map(|k| k.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        };
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Driver errors all come before anything is sent: refusals (exit 2).
fn refused(e: DriverError) -> anyhow::Error {
    Refused(e.to_string()).into()
}

fn refuse_existing(path: &std::path::Path) -> Result<(), Refused> {
    if std::fs::symlink_metadata(path).is_ok() {
        let e = if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            crate::batch::journal::JournalError::Symlink {
                path: path.to_path_buf(),
            }
        } else {
            crate::batch::journal::JournalError::Exists {
                path: path.to_path_buf(),
            }
        };
        return Err(Refused(e.to_string()));
    }
    Ok(())
}

/// Opens a journal for resume or undo: locked, healed, seal checked (a broken seal only
/// with --trust-journal).
fn open_journal(
    c: &Connected,
    path: &std::path::Path,
    trust: bool,
) -> anyhow::Result<driver::Opened> {
    let key = driver::seal_key(&c.paths).map_err(refused)?;
    let opened = driver::open(&key, path, &c.client.tenant_label(), trust).map_err(refused)?;
    for note in &opened.notes {
        crate::say!("journal {}: {note}", path.display());
    }
    Ok(opened)
}

/// The journal a batch id, a unique prefix, a file name or a path names (refused, exit 2,
/// when none or several do).
fn journal_of(c: &Connected, run: &str) -> Result<std::path::PathBuf, Refused> {
    crate::batch::history::resolve(&c.paths.journal_dir(), run).map_err(|e| Refused(e.to_string()))
}

fn untrusted(opened: &driver::Opened) -> bool {
    matches!(opened.state.seal, SealCheck::Broken { .. })
}

pub async fn resume(
    c: &Connected,
    args: &ResumeArgs,
    out: &mut impl Write,
) -> anyhow::Result<Summary> {
    let path = journal_of(c, &args.journal)?;
    let opened = open_journal(c, &path, args.trust.trust_journal)?;
    let state = &opened.state;
    let targets = if args.failed_only {
        state.failed()
    } else {
        state.resume_targets(true)
    };
    crate::say!(
        "journal {}: {} users to {} ({} in flight or in doubt re-checked, {} not started, {} failed)",
        path.display(),
        targets.len(),
        if args.failed_only { "retry" } else { "finish" },
        state.unknown.len() + state.in_doubt().len(),
        state.remaining().len(),
        state.failed().len()
    );
    if untrusted(&opened) {
        // Resuming an undo grants: list what; resuming a change only takes away.
        match &state.intent {
            Intent::Restore { states } => {
                crate::say!("The journal's seal does not verify. Resuming it would grant:");
                let grants: Vec<_> = targets
                    .iter()
                    .filter_map(|t| {
                        states.get(&t.user_id).map(|s| crate::batch::undo::Grant {
                            user_id: t.user_id.clone(),
                            user_name: t.user_name.clone(),
                            give: s.clone(),
                        })
                    })
                    .collect();
                for line in driver::describe_grants(&grants) {
                    crate::say!("  {}", crate::untrusted::line(&line));
                }
                confirm_trust(grants.len(), args.trust.trust_journal_count)?;
            }
            Intent::Apply { .. } => {
                crate::say!(
                    "The journal's seal does not verify. Resuming it would {} for these {} users, each re-read first:",
                    state.intent.label(),
                    targets.len()
                );
                for t in &targets {
                    crate::say!(
                        "  {} ({})",
                        crate::untrusted::line(&t.user_name),
                        crate::untrusted::line(&t.user_id)
                    );
                }
                confirm_trust(targets.len(), args.trust.trust_journal_count)?;
            }
        }
    }
    if !targets.is_empty() {
        // As apply: a change whose API user is unknown could take the tool's own access away.
        if let Intent::Apply { .. } = state.intent {
            c.require_api_user()?;
        }
        // Said even with --yes: there is no preview on resume, and undo cannot give it back.
        if let Some(cost) = state.intent.resume_cost(targets.len()) {
            crate::say!("{cost}");
        }
        crate::commands::run::confirm_concurrent(
            &state.tenant,
            args.run.yes,
            args.run.allow_concurrent,
        )?;
        confirm(
            targets.len(),
            &state.tenant,
            &format!("re-check and {}", state.intent.label()),
            args.run.yes,
        )?;
    }
    let tenant = state.tenant.clone();
    let started = opened.resume(targets).map_err(refused)?;
    let summary = execute(&c.client, started, args.run.concurrency as usize).await?;
    let verified = verify_after(c, &summary, &args.run).await;
    print_json(out, with_verification(&summary, &verified), &tenant)?;
    Ok(summary)
}

pub async fn undo(
    c: &Connected,
    args: &UndoArgs,
    out: &mut impl Write,
) -> anyhow::Result<Option<Summary>> {
    // No API-user gate here, unlike apply and resume: an undo only gives back access and
    // activation the run recorded taking away, so it cannot lock the tool's own account out.
    let path = journal_of(c, &args.journal)?;
    if !args.again
        && let Some((by, at)) = crate::batch::history::undone_by(&c.paths.journal_dir(), &path)
    {
        crate::say!(
            "already undone by {by} at {at}; nothing to do (pass --again to undo it again)"
        );
        return Ok(None);
    }
    // Held to the end: nothing else runs or undoes this journal meanwhile.
    let opened = open_journal(c, &path, args.trust.trust_journal)?;
    let state = &opened.state;
    let undo = driver::plan_undo(state, &c.client)
        .await
        .map_err(anyhow::Error::msg)?;
    crate::say!(
        "Undo of journal {} (batch {})",
        path.display(),
        state.batch_id
    );
    crate::say!(
        "WARNING: restoring workspace access does not restore model roles or selective access; workspace admins may need to set those again."
    );
    print_preview(&undo.plan, &mut std::io::stderr())?;
    for id in &undo.missing {
        crate::say!(
            "  {}: no longer in the tenant; cannot be restored",
            crate::untrusted::line(id)
        );
    }
    for line in &undo.changed_since {
        crate::say!("  {}", crate::untrusted::line(line));
    }
    if let Some(p) = &args.save_plan {
        write_private(p, undo.plan.to_json().as_bytes())?;
        crate::say!(
            "undo plan saved to {}; run it with: scimitar apply --plan {}",
            p.display(),
            p.display()
        );
    }
    let totals = undo.plan.totals();
    if args.dry_run {
        let s = serde_json::json!({"dry_run": true, "planned": undo.plan.items.len(), "to_change": totals.to_change, "no_op": totals.no_op, "not_found": undo.missing.len()});
        print_json(out, &s, &state.tenant)?;
        return Ok(None);
    }
    // Nothing missing today means nothing granted, so there is nothing to trust.
    if untrusted(&opened) && !undo.grants.is_empty() {
        crate::say!(
            "The journal's seal does not verify. Undo would grant, limited to what the run recorded taking away:"
        );
        for line in driver::describe_grants(&undo.grants) {
            crate::say!("  {}", crate::untrusted::line(&line));
        }
        confirm_trust(undo.grants.len(), args.trust.trust_journal_count)?;
    }
    let gate = Gate {
        max_users: args.max_users,
        to_change: totals.to_change,
        tenant: &state.tenant,
        what: "restore the recorded state",
        yes: args.run.yes,
    };
    if totals.to_change > 0 {
        crate::commands::run::confirm_concurrent(
            &state.tenant,
            args.run.yes,
            args.run.allow_concurrent,
        )?;
    }
    let (batch_id, journal) = new_journal(c, args.undo_journal.as_deref(), &gate)?;
    let batch = driver::batch_from_plan(&undo.plan, &batch_id, undo.intent());
    let summary = run_batch(c, &journal, batch, args.run.concurrency).await?;
    let tenant = state.tenant.clone();
    drop(opened);
    let verified = verify_after(c, &summary, &args.run).await;
    print_json(out, with_verification(&summary, &verified), &tenant)?;
    Ok(Some(summary))
}

/// A new plan's run once its preview is out: the cost statement, the cap and typed
/// confirmation, the check for overlapping runs, a new journal, the batch, and its check
/// against the audit log when asked.
pub(crate) async fn run_new_plan(
    c: &Connected,
    plan: &Plan,
    intent: Intent,
    tenant: &str,
    run: &RunFlags,
    new_run: &NewRunFlags,
) -> anyhow::Result<(Summary, AfterRun)> {
    let to_change = plan.totals().to_change;
    if to_change == 0 {
        crate::say!("nothing to change");
    } else {
        c.require_api_user()?;
        if !run.yes
            && let Some(cost) = crate::commands::preview::cost_statement(plan)
        {
            crate::say!("{cost}");
        }
    }
    let gate = Gate {
        max_users: new_run.max_users,
        to_change,
        tenant,
        what: &plan.action.label(),
        yes: run.yes,
    };
    if to_change > 0 {
        crate::commands::run::confirm_concurrent(tenant, run.yes, run.allow_concurrent)?;
    }
    let (batch_id, journal) = new_journal(c, new_run.journal.as_deref(), &gate)?;
    let batch = driver::batch_from_plan(plan, &batch_id, intent);
    let summary = run_batch(c, &journal, batch, run.concurrency).await?;
    let verified = verify_after(c, &summary, run).await;
    Ok((summary, verified))
}

/// What a new run must pass before its journal is created: the cap (an explicit
/// `--max-users` above it), then the typed confirmation.
pub(crate) struct Gate<'a> {
    pub(crate) max_users: Option<usize>,
    pub(crate) to_change: usize,
    pub(crate) tenant: &'a str,
    pub(crate) what: &'a str,
    pub(crate) yes: bool,
}

/// The new run's batch id and journal path (`chosen`, or a new file in the data directory),
/// once the path is known to be free and the gate is passed.
pub(crate) fn new_journal(
    c: &Connected,
    chosen: Option<&std::path::Path>,
    gate: &Gate,
) -> Result<(String, std::path::PathBuf), Refused> {
    let batch_id = driver::new_batch_id();
    let journal = chosen
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| driver::default_journal_path(&c.paths, &batch_id));
    // Refused before the confirmation too; creating the file is what decides.
    refuse_existing(&journal)?;
    let cap = gate
        .max_users
        .or(c.profile.max_users)
        .unwrap_or(DEFAULT_MAX_USERS);
    check_cap(gate.to_change, cap)?;
    if gate.to_change > 0 {
        confirm(gate.to_change, gate.tenant, gate.what, gate.yes)?;
    }
    Ok((batch_id, journal))
}

/// Creates the sealed journal and runs the batch to its summary.
pub(crate) async fn run_batch(
    c: &Connected,
    journal: &std::path::Path,
    batch: crate::batch::runner::Batch,
    concurrency: u32,
) -> anyhow::Result<Summary> {
    let key = driver::seal_key(&c.paths).map_err(refused)?;
    let started = driver::start(&key, journal, batch).map_err(refused)?;
    execute(&c.client, started, concurrency as usize).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(id: &str, name: &str) -> Workspace {
        Workspace {
            id: id.into(),
            name: name.into(),
        }
    }

    #[test]
    fn a_name_shared_by_many_users_is_one_workspace() {
        // Eleven users share "Board Pack": the same workspace eleven times, once listed.
        let mut known: Vec<Workspace> = (0..11).map(|_| ws("aa01", "Board Pack")).collect();
        known.push(ws("AA01", "board pack"));
        known.push(ws("bb02", "Sales"));
        assert_eq!(
            resolve_workspaces(&["Board Pack".into()], &known),
            Ok(vec!["aa01".to_string()])
        );
    }

    #[test]
    fn two_workspaces_with_one_name_are_ambiguous_and_listed_once_each() {
        let known = vec![
            ws("aa01", "Plan"),
            ws("bb02", "Plan"),
            ws("aa01", "Plan"),
            ws("bb02", "Plan"),
        ];
        let err = resolve_workspaces(&["plan".into()], &known)
            .unwrap_err()
            .to_string();
        assert!(err.contains("names 2 workspaces"), "{err}");
        assert!(err.contains("(aa01, bb02)"), "{err}");
    }
}
