//! `scimitar users list` and `scimitar user show`: lookups without a screen.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use crate::cli::{ListArgs, ListFormat, ShowArgs, ShowFormat};
use crate::commands::run::Refused;
use crate::commands::user_rows::{Reorder, RowWriter};
use crate::scim::client::{LastLogin, LastLogins};
use crate::scim::filter;
use crate::scim::model::{User, Workspace};
use crate::scim::{ListOptions, ScimClient};
use crate::untrusted;

pub async fn list(
    client: &ScimClient,
    args: &ListArgs,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let filter = match args.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => Some(filter::parse(f).map_err(|e| {
            anyhow::anyhow!(
                "invalid filter: {e}\nAccepted: attributes id, externalId, userName, name.givenName, name.familyName, active; operators eq ne gt ge lt le pr; and, or, parentheses; \"quoted strings\", true/false"
            )
        })?),
        None => None,
    };
    let rule = crate::commands::inactive::rule_of(args.inactive_days, args.never_logged_in);
    if args.last_login || rule.is_some() {
        return list_with_logins(client, args, filter.as_ref(), rule, out).await;
    }
    let whole = args.all || args.workspace.is_some();
    // Written a page at a time and flushed after each, so a reader sees rows at once.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    if !whole {
        let p = client.list_page(filter.as_ref(), 1, args.count).await?;
        let mut rows = RowWriter::start(args.format, &mut out)?;
        for u in &p.users {
            rows.user(u)?;
        }
        rows.finish()?;
        if (p.users.len() as u64) < p.total_results {
            crate::say!(
                "showing {} of {} users; add --all for every page",
                p.users.len(),
                p.total_results
            );
        }
        return Ok(());
    }
    let mut members = match &args.workspace {
        Some(w) => Some(Members::resolve(client, w).await),
        None => None,
    };
    let opts = ListOptions {
        page_size: args.count,
        concurrency: args.concurrency as usize,
        expected_total: None,
    };
    let bar = listing_bar();
    let mut rows = RowWriter::start(args.format, &mut out)?;
    let mut order = Reorder::new(args.count.clamp(1, crate::scim::model::MAX_PAGE_SIZE));
    let mut seen = 0usize;
    let mut failed: Option<anyhow::Error> = None;
    // A write that fails (a closed pipe) stops the walk rather than list on for nobody.
    let stop = tokio::sync::Notify::new();
    let listing = client.list_each(filter.as_ref(), opts, |p| {
        if let Some(pb) = &bar {
            pb.set_length(p.total.max(p.loaded as u64));
            pb.set_position(p.loaded as u64);
        }
        if failed.is_some() {
            return;
        }
        seen += p.users.len();
        let due = order.push(p.start_index, p.users);
        let written = write_pages(&mut rows, members.as_mut(), due).and_then(|()| {
            rows.flush()?;
            Ok(())
        });
        if let Err(e) = written {
            failed = Some(e);
            stop.notify_one();
        }
    });
    let walked = tokio::select! {
        r = listing => Some(r),
        () = stop.notified() => None,
    };
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    if let Some(e) = failed {
        return Err(e);
    }
    if let Some(r) = walked {
        r?;
    }
    write_pages(&mut rows, members.as_mut(), order.rest().collect())?;
    if let Some(m) = members {
        // Users held because the workspace was not in the integration API's list: resolved
        // now against every workspace the listing showed.
        let m = m.finish(seen, args.filter.as_deref())?;
        for u in &m {
            rows.user(u)?;
        }
    }
    rows.finish()?;
    Ok(())
}

/// A progress line on stderr only when a person watches it (not in pipes or logs).
pub(crate) fn listing_bar() -> Option<indicatif::ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let pb = indicatif::ProgressBar::new(0);
        pb.set_style(
            indicatif::ProgressStyle::with_template("listing users: {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    })
}

/// `users list` with last logins (`--last-login`, `--inactive-days`, `--never-logged-in`):
/// the users are held, since the join and the selection need them all.
async fn list_with_logins(
    client: &ScimClient,
    args: &ListArgs,
    filter: Option<&filter::Filter>,
    rule: Option<crate::plan::inactivity::Inactivity>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let whole = args.all || args.workspace.is_some() || rule.is_some();
    let (users, total) = if whole {
        let opts = ListOptions {
            page_size: args.count,
            concurrency: args.concurrency as usize,
            expected_total: None,
        };
        let bar = listing_bar();
        let r = client
            .list_all(filter, opts, |p| {
                if let Some(pb) = &bar {
                    pb.set_length(p.total.max(p.loaded as u64));
                    pb.set_position(p.loaded as u64);
                }
            })
            .await;
        if let Some(pb) = bar {
            pb.finish_and_clear();
        }
        let r = r?;
        (r.users, r.total_results)
    } else {
        let p = client.list_page(filter, 1, args.count).await?;
        (p.users, p.total_results)
    };
    let users = match &args.workspace {
        Some(w) => held_members(client, users, w, args.filter.as_deref()).await?,
        None => users,
    };
    // The users in question are read first, so a refused list falls back to them alone.
    let logins = if args.last_login || rule.is_some() {
        Some(crate::commands::inactive::logins_for(client, &users).await)
    } else {
        None
    };
    let users = match (rule, &logins) {
        (Some(rule), Some(logins)) => {
            let now = crate::commands::inactive::now();
            let of = users.len();
            let s = crate::commands::inactive::select(rule, users, logins, now);
            crate::say!("{} of {of} users: {}", s.kept.len(), rule.describe(now));
            crate::commands::inactive::report_unknown(&s.unknown);
            s.kept
        }
        _ => users,
    };
    match args.format {
        ListFormat::Json => {
            match &logins {
                Some(l) => {
                    let shown: Vec<Shown<'_>> = users
                        .iter()
                        .map(|u| Shown {
                            user: u,
                            last_login: l.get(&u.id),
                        })
                        .collect();
                    untrusted::write_json_pretty(&mut *out, &shown)?;
                }
                None => untrusted::write_json_pretty(&mut *out, &users)?,
            }
            writeln!(out)?;
        }
        ListFormat::Csv => write_csv_with(&users, logins.as_ref(), out)?,
        ListFormat::Table => write_table_with(&users, logins.as_ref(), out)?,
    }
    if !whole && (users.len() as u64) < total {
        crate::say!(
            "showing {} of {total} users; add --all for every page",
            users.len()
        );
    }
    Ok(())
}

/// The members of workspace `wanted` (id or exact name) among `users`, which hold every user
/// of the tenant (or every user the filter matches); says on stderr what was answered from.
async fn held_members(
    client: &ScimClient,
    users: Vec<User>,
    wanted: &str,
    filter: Option<&str>,
) -> anyhow::Result<Vec<User>> {
    let known = crate::commands::apply::known_workspaces(client, &users).await;
    let id = crate::commands::apply::resolve_workspaces(&[wanted.to_string()], &known)
        .map_err(|e| Refused(format!("--workspace: {e}")))?
        .into_iter()
        .next()
        .ok_or_else(|| Refused(format!("--workspace: no workspace `{wanted}`")))?;
    let name = known
        .iter()
        .find(|w| w.id.eq_ignore_ascii_case(&id) && !w.name.is_empty())
        .map_or_else(|| id.clone(), |w| w.name.clone());
    let of = users.len();
    let members: Vec<User> = users.into_iter().filter(|u| u.has_workspace(&id)).collect();
    let scope = match filter.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => format!(
            "of the {of} users matching the filter in force: {}",
            untrusted::line(f)
        ),
        None => format!("of all {of} users of the tenant"),
    };
    crate::say!(
        "{} users in workspace {} ({id}), {scope}",
        members.len(),
        untrusted::line(&name)
    );
    Ok(members)
}

/// Writes the users of `pages` (only the workspace's members with `--workspace`).
fn write_pages<W: Write>(
    rows: &mut RowWriter<W>,
    mut members: Option<&mut Members>,
    pages: Vec<Vec<User>>,
) -> anyhow::Result<()> {
    for u in pages.into_iter().flatten() {
        match members.as_deref_mut() {
            None => rows.user(&u)?,
            Some(m) => {
                if m.take(u.clone()) {
                    rows.user(&u)?;
                }
            }
        }
    }
    Ok(())
}

/// `--workspace`: the members of one workspace, answered from every user of the tenant
/// (or every user the filter matches). Resolved from the integration API's workspace list
/// when it names the workspace, so members stream; otherwise the users who could be
/// members are held (never the whole tenant) and resolved against every workspace seen.
struct Members {
    wanted: String,
    listed: Vec<Workspace>,
    /// The workspace's id and name, once resolved.
    resolved: Option<(String, String)>,
    /// Unresolved: users with a workspace whose id or name is `wanted`.
    held: Vec<User>,
    /// Unresolved: every distinct workspace seen, for the resolution at the end.
    seen: BTreeMap<(String, String), Workspace>,
    members: usize,
}

impl Members {
    async fn resolve(client: &ScimClient, wanted: &str) -> Members {
        let listed = crate::commands::apply::known_workspaces(client, &[]).await;
        let resolved = crate::commands::apply::resolve_workspaces(&[wanted.to_string()], &listed)
            .ok()
            .and_then(|ids| ids.into_iter().next())
            .map(|id| {
                let name = workspace_name(&listed, &id);
                (id, name)
            });
        Members {
            wanted: wanted.to_string(),
            listed,
            resolved,
            held: Vec::new(),
            seen: BTreeMap::new(),
            members: 0,
        }
    }

    /// Whether `u` is a member to write now; an unresolved candidate is held.
    fn take(&mut self, u: User) -> bool {
        if let Some((id, _)) = &self.resolved {
            let member = u.has_workspace(id);
            self.members += usize::from(member);
            return member;
        }
        for w in &u.workspaces {
            self.seen
                .entry((w.id.to_lowercase(), w.name.clone()))
                .or_insert_with(|| w.clone());
        }
        let w = &self.wanted;
        if u.workspaces
            .iter()
            .any(|k| k.id.eq_ignore_ascii_case(w) || k.name.eq_ignore_ascii_case(w))
        {
            self.held.push(u);
        }
        false
    }

    /// Says on stderr what was answered from; returns the held members still to write.
    fn finish(self, of: usize, filter: Option<&str>) -> anyhow::Result<Vec<User>> {
        let (id, name, rest) = match self.resolved {
            Some((id, name)) => (id, name, Vec::new()),
            None => {
                let mut known: Vec<Workspace> = self.seen.into_values().collect();
                known.extend(self.listed);
                let id = crate::commands::apply::resolve_workspaces(
                    std::slice::from_ref(&self.wanted),
                    &known,
                )
                .map_err(|e| Refused(format!("--workspace: {e}")))?
                .into_iter()
                .next()
                .ok_or_else(|| Refused(format!("--workspace: no workspace `{}`", self.wanted)))?;
                let name = workspace_name(&known, &id);
                let rest: Vec<User> = self
                    .held
                    .into_iter()
                    .filter(|u| u.has_workspace(&id))
                    .collect();
                (id, name, rest)
            }
        };
        let scope = match filter.map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => format!(
                "of the {of} users matching the filter in force: {}",
                untrusted::line(f)
            ),
            None => format!("of all {of} users of the tenant"),
        };
        crate::say!(
            "{} users in workspace {} ({id}), {scope}",
            self.members + rest.len(),
            untrusted::line(&name)
        );
        Ok(rest)
    }
}

fn workspace_name(known: &[Workspace], id: &str) -> String {
    known
        .iter()
        .find(|w| w.id.eq_ignore_ascii_case(id) && !w.name.is_empty())
        .map_or_else(|| id.to_string(), |w| w.name.clone())
}

pub async fn show(
    client: &ScimClient,
    args: &ShowArgs,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let user = client.find_user(&args.id_or_email).await?;
    let last_login = client.last_login(&user.id).await;
    match args.format {
        ShowFormat::Json => {
            let shown = Shown {
                user: &user,
                last_login: last_login.clone(),
            };
            untrusted::write_json_pretty(&mut *out, &shown)?;
            writeln!(out)?;
        }
        ShowFormat::Table => write_user(&user, Some(&last_login), out)?,
        ShowFormat::Csv => write_all(ShowFormat::Csv, std::slice::from_ref(&user), out)?,
    }
    Ok(())
}

/// A user with its last login, as `user show` and `users list --last-login` print it in JSON.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Shown<'a> {
    #[serde(flatten)]
    user: &'a User,
    last_login: LastLogin,
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Widest a name column gets in `user show` and `users list --format table`; longer names end
/// with `…` (the JSON and CSV formats carry them whole).
pub(crate) const MAX_COL: usize = 60;

pub fn write_user(
    u: &User,
    last_login: Option<&LastLogin>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let dash = |v: &Option<String>| {
        v.as_deref()
            .map_or_else(|| "-".to_string(), |s| untrusted::line(s).into_owned())
    };
    writeln!(out, "{}", untrusted::clip(&u.full_name(), 200))?;
    writeln!(out, "  userName      {}", untrusted::line(&u.user_name))?;
    writeln!(out, "  id            {}", untrusted::line(&u.id))?;
    writeln!(out, "  externalId    {}", dash(&u.external_id))?;
    writeln!(out, "  active        {}", yes_no(u.active))?;
    writeln!(out, "  created       {}", dash(&u.created))?;
    writeln!(out, "  last modified {}", dash(&u.last_modified))?;
    if let Some(l) = last_login {
        writeln!(out, "  last login    {}", untrusted::line(&l.describe()))?;
    }
    writeln!(out, "Workspaces ({})", u.workspaces.len())?;
    if u.workspaces.is_empty() {
        writeln!(out, "  (none: this user can reach no workspace)")?;
    }
    let mut ws: Vec<(String, &str)> = u
        .workspaces
        .iter()
        .map(|w| (untrusted::clip(&w.name, MAX_COL), w.id.as_str()))
        .collect();
    ws.sort_by_key(|w| w.0.to_lowercase());
    let width = ws.iter().map(|w| untrusted::width(&w.0)).max().unwrap_or(0);
    for (name, id) in ws {
        writeln!(
            out,
            "  {}  {}",
            untrusted::pad(&name, width),
            untrusted::line(id)
        )?;
    }
    Ok(())
}

/// The table, with a `LAST LOGIN` column when `logins` are given.
pub fn write_table_with(
    users: &[User],
    logins: Option<&LastLogins>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            let mut row = vec![
                untrusted::clip(&u.user_name, MAX_COL),
                untrusted::clip(&u.full_name(), MAX_COL),
                yes_no(u.active).to_string(),
                u.workspaces.len().to_string(),
            ];
            if let Some(l) = logins {
                row.push(untrusted::line(&l.get(&u.id).cell()).into_owned());
            }
            row.push(untrusted::clip(
                u.external_id.as_deref().unwrap_or_default(),
                MAX_COL,
            ));
            row
        })
        .collect();
    let mut header = vec!["USERNAME", "NAME", "ACTIVE", "WORKSPACES"];
    if logins.is_some() {
        header.push("LAST LOGIN");
    }
    header.push("EXTERNAL ID");
    super::table::write(out, &header, &rows, |_| false)?;
    Ok(())
}

/// The CSV, with a `last login` column (RFC 3339, `never` or `unavailable`) when `logins`
/// are given.
pub fn write_csv_with(
    users: &[User],
    logins: Option<&LastLogins>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = crate::commands::user_rows::CSV_HEADER.to_vec();
    if logins.is_some() {
        header.push("last login");
    }
    w.write_record(&header)?;
    for u in users {
        let login = logins.map(|l| match l.get(&u.id) {
            LastLogin::At { at } => at,
            other => other.state().to_string(),
        });
        let cells = crate::export::csv_cells(u);
        let last = login.as_deref().map(untrusted::csv_cell);
        w.write_record(cells.iter().map(String::as_str).chain(last.as_deref()))?;
    }
    w.flush()?;
    Ok(())
}

pub fn write_table(users: &[User], out: &mut impl Write) -> anyhow::Result<()> {
    write_all(ListFormat::Table, users, out)
}

pub fn write_csv(users: &[User], out: &mut impl Write) -> anyhow::Result<()> {
    write_all(ListFormat::Csv, users, out)
}

/// Every user of `users` in `format`, as `users list` writes them.
pub fn write_all(format: ListFormat, users: &[User], out: &mut impl Write) -> anyhow::Result<()> {
    let mut rows = RowWriter::start(format, out)?;
    for u in users {
        rows.user(u)?;
    }
    rows.finish()
}
