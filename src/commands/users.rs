//! `scimitar users list` and `scimitar user show`: lookups without a screen.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use crate::cli::{ListArgs, ListFormat, ShowArgs, ShowFormat};
use crate::commands::inactive;
use crate::commands::run::Refused;
use crate::commands::user_rows::{MAX_COL, Reorder, RowWriter, Shown};
use crate::plan::inactivity::{Inactivity, Verdict};
use crate::scim::client::{LastLogin, LastLogins, LoginSource, MAX_ONE_BY_ONE};
use crate::scim::error::ScimError;
use crate::scim::filter;
use crate::scim::model::{User, Workspace};
use crate::scim::{ListOptions, ScimClient};
use crate::untrusted;

pub async fn list(
    client: &ScimClient,
    args: &ListArgs,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let r = list_users(client, args, out).await;
    // For the log and the benches: what the listing cost.
    tracing::info!("users list: {} requests", client.stats().requests);
    r
}

async fn list_users(
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
    let with_logins = args.last_login || rule.is_some();
    let whole = args.all || args.workspace.is_some() || rule.is_some();
    // The integration API's user list is read first and held (a few large pages); the SCIM
    // users then stream, each joined to its last login as it is written.
    let join = if with_logins {
        Some(Join::start(client, rule).await)
    } else {
        None
    };
    // Written a page at a time and flushed after each, so a reader sees rows at once.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let mut sink = Listing {
        rows: RowWriter::start_with(args.format, with_logins, &mut out)?,
        members: None,
        join,
    };
    if !whole {
        let p = client.list_page(filter.as_ref(), 1, args.count).await?;
        let n = p.users.len();
        sink.users(p.users)?;
        sink.finish(client, n, None).await?;
        if (n as u64) < p.total_results {
            crate::say!(
                "showing {n} of {} users; add --all for every page",
                p.total_results
            );
        }
        return Ok(());
    }
    if let Some(w) = &args.workspace {
        sink.members = Some(Members::resolve(client, w).await);
    }
    let seen = walk(client, filter.as_ref(), args, &mut sink).await?;
    sink.finish(client, seen, args.filter.as_deref()).await
}

/// Every page of the listing into `sink`, in server order as pages complete; returns the
/// users listed. A write that fails (a closed pipe) stops the walk rather than list on for
/// nobody.
async fn walk<W: Write>(
    client: &ScimClient,
    filter: Option<&filter::Filter>,
    args: &ListArgs,
    sink: &mut Listing<W>,
) -> anyhow::Result<usize> {
    let opts = ListOptions {
        page_size: args.count,
        concurrency: args.concurrency as usize,
        expected_total: None,
    };
    let bar = listing_bar();
    let mut order = Reorder::new(args.count.clamp(1, crate::scim::model::MAX_PAGE_SIZE));
    let mut seen = 0usize;
    let mut failed: Option<anyhow::Error> = None;
    let stop = tokio::sync::Notify::new();
    let listing = client.list_each(filter, opts, |p| {
        if let Some(pb) = &bar {
            pb.set_length(p.total.max(p.loaded as u64));
            pb.set_position(p.loaded as u64);
        }
        if failed.is_some() {
            return;
        }
        seen += p.users.len();
        let due = order.push(p.start_index, p.users);
        let written = due
            .into_iter()
            .try_for_each(|page| sink.users(page))
            .and_then(|()| Ok(sink.rows.flush()?));
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
    for page in order.rest() {
        sink.users(page)?;
    }
    Ok(seen)
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

/// Where listed users go: only the workspace's members with `--workspace`, joined to their
/// last logins (and kept or not by an inactivity rule) with `--last-login`, then written.
struct Listing<W: Write> {
    rows: RowWriter<W>,
    members: Option<Members>,
    join: Option<Join>,
}

impl<W: Write> Listing<W> {
    fn users(&mut self, users: Vec<User>) -> anyhow::Result<()> {
        for u in users {
            if let Some(m) = &mut self.members
                && !m.take(&u)
            {
                continue;
            }
            match &mut self.join {
                None => self.rows.user(&u)?,
                Some(j) => j.user(u, &mut self.rows)?,
            }
        }
        Ok(())
    }

    /// Writes what was held (unresolved workspace members, users waiting for one-by-one
    /// logins), says on stderr what was answered from, and ends the output.
    async fn finish(
        mut self,
        client: &ScimClient,
        seen: usize,
        filter: Option<&str>,
    ) -> anyhow::Result<()> {
        if let Some(m) = self.members.take() {
            // Users held because the workspace was not in the integration API's list:
            // resolved now against every workspace the listing showed.
            let rest = m.finish(seen, filter)?;
            self.users(rest)?;
        }
        if let Some(j) = self.join.take() {
            j.finish(client, &mut self.rows).await?;
        }
        self.rows.finish()
    }
}

/// Users joined to their last logins as they stream, and selected by an inactivity rule.
/// When the integration API's user list is refused, the users are held (at most
/// [`MAX_ONE_BY_ONE`]) to be read one by one at the end; past that every login is
/// unavailable and the users stream again.
struct Join {
    logins: Logins,
    rule: Option<Inactivity>,
    now: time::OffsetDateTime,
    /// Users judged, kept, and not judged (the first of them, to name).
    judged: usize,
    kept: usize,
    unknown: usize,
    named: Vec<(User, LastLogin)>,
    joined: usize,
}

enum Logins {
    Known(LastLogins),
    Refused { err: ScimError, held: Vec<User> },
}

impl Join {
    async fn start(client: &ScimClient, rule: Option<Inactivity>) -> Join {
        let bar = inactive::login_bar();
        let read = client
            .list_last_logins(|p| inactive::show_progress(bar.as_ref(), p))
            .await;
        if let Some(pb) = bar {
            pb.finish_and_clear();
        }
        let logins = match read {
            Ok(l) => {
                inactive::say_source(&l);
                Logins::Known(l)
            }
            Err(err) => match LastLogins::unavailable_after(&err, 0) {
                Some(l) => {
                    inactive::say_source(&l);
                    Logins::Known(l)
                }
                None => Logins::Refused {
                    err,
                    held: Vec::new(),
                },
            },
        };
        Join {
            logins,
            rule,
            now: inactive::now(),
            judged: 0,
            kept: 0,
            unknown: 0,
            named: Vec::new(),
            joined: 0,
        }
    }

    fn user<W: Write>(&mut self, u: User, rows: &mut RowWriter<W>) -> anyhow::Result<()> {
        match &mut self.logins {
            Logins::Known(l) => {
                let login = l.get(&u.id);
                self.emit(u, login, rows)
            }
            Logins::Refused { held, .. } if held.len() < MAX_ONE_BY_ONE => {
                held.push(u);
                Ok(())
            }
            Logins::Refused { err, held } => {
                // Too many to read one by one: unavailable, said once, and streamed again.
                let l = LastLogins::unavailable_after(err, held.len() + 1).unwrap_or_default();
                inactive::say_source(&l);
                let held = std::mem::take(held);
                self.logins = Logins::Known(l);
                for h in held {
                    self.user(h, rows)?;
                }
                self.user(u, rows)
            }
        }
    }

    fn emit<W: Write>(
        &mut self,
        u: User,
        login: LastLogin,
        rows: &mut RowWriter<W>,
    ) -> anyhow::Result<()> {
        self.joined += usize::from(!matches!(login, LastLogin::Unavailable { .. }));
        let Some(rule) = self.rule else {
            return rows.row(&u, Some(login));
        };
        self.judged += 1;
        match rule.judge(&login, self.now) {
            Verdict::Inactive => {
                self.kept += 1;
                rows.row(&u, Some(login))
            }
            Verdict::Active => Ok(()),
            Verdict::Unknown => {
                self.unknown += 1;
                if self.named.len() < inactive::NAMED {
                    self.named.push((u, login));
                }
                Ok(())
            }
        }
    }

    /// Reads the held users' logins one by one and writes them; says what the rule kept.
    async fn finish<W: Write>(
        mut self,
        client: &ScimClient,
        rows: &mut RowWriter<W>,
    ) -> anyhow::Result<()> {
        let logins = std::mem::replace(&mut self.logins, Logins::Known(LastLogins::default()));
        match logins {
            Logins::Known(l) => {
                if l.source == LoginSource::List && l.len() > self.joined {
                    tracing::debug!(
                        "{} users of the integration API's user list were not listed by SCIM here; ignored",
                        l.len() - self.joined
                    );
                }
                self.logins = Logins::Known(l);
            }
            Logins::Refused { err, held } => {
                let ids: Vec<String> = held.iter().map(|u| u.id.clone()).collect();
                let bar = inactive::login_bar();
                let l = client
                    .last_logins_after(err, &ids, |p| inactive::show_progress(bar.as_ref(), p))
                    .await;
                if let Some(pb) = bar {
                    pb.finish_and_clear();
                }
                inactive::say_source(&l);
                for u in held {
                    let login = l.get(&u.id);
                    self.emit(u, login, rows)?;
                }
            }
        }
        if let Some(rule) = self.rule {
            crate::say!(
                "{} of {} users: {}",
                self.kept,
                self.judged,
                rule.describe(self.now)
            );
            inactive::report_unknown_of(self.unknown, &self.named);
        }
        Ok(())
    }
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
    fn take(&mut self, u: &User) -> bool {
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
            self.held.push(u.clone());
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

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

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
