//! `scimitar users list` and `scimitar user show`: lookups without a screen.

use std::io::{IsTerminal, Write};

use crate::cli::{ListArgs, ListFormat, ShowArgs, ShowFormat};
use crate::commands::run::Refused;
use crate::scim::client::{LastLogin, LastLogins};
use crate::scim::filter;
use crate::scim::model::User;
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
    let whole = args.all || args.workspace.is_some() || rule.is_some();
    let (users, total) = if whole {
        let opts = ListOptions {
            page_size: args.count,
            concurrency: args.concurrency as usize,
            expected_total: None,
        };
        // A progress line on stderr only when a person watches it (not in pipes or logs).
        let bar = std::io::stderr().is_terminal().then(|| {
            let pb = indicatif::ProgressBar::new(0);
            pb.set_style(
                indicatif::ProgressStyle::with_template("listing users: {pos}/{len} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            pb
        });
        let r = client
            .list_all(filter.as_ref(), opts, |p| {
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
        let p = client.list_page(filter.as_ref(), 1, args.count).await?;
        (p.users, p.total_results)
    };
    let users = match &args.workspace {
        Some(w) => members(client, users, w, args.filter.as_deref()).await?,
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
async fn members(
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
        ShowFormat::Text => write_user(&user, Some(&last_login), out)?,
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
const MAX_COL: usize = 60;

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

pub fn write_table(users: &[User], out: &mut impl Write) -> std::io::Result<()> {
    write_table_with(users, None, out)
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

pub fn write_csv(users: &[User], out: &mut impl Write) -> anyhow::Result<()> {
    write_csv_with(users, None, out)
}

/// The CSV, with a `last login` column (RFC 3339, `never` or `unavailable`) when `logins`
/// are given.
pub fn write_csv_with(
    users: &[User],
    logins: Option<&LastLogins>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![
        "id",
        "userName",
        "externalId",
        "active",
        "givenName",
        "familyName",
        "workspaceIds",
        "workspaceNames",
    ];
    if logins.is_some() {
        header.push("last login");
    }
    w.write_record(&header)?;
    for u in users {
        let login = logins.map(|l| match l.get(&u.id) {
            LastLogin::At { at } => at,
            other => other.state().to_string(),
        });
        let ids: Vec<&str> = u.workspace_ids().collect();
        let names: Vec<&str> = u.workspaces.iter().map(|w| w.name.as_str()).collect();
        let (ids, names) = (ids.join(";"), names.join(";"));
        let cells = [
            u.id.as_str(),
            &u.user_name,
            u.external_id.as_deref().unwrap_or(""),
            if u.active { "true" } else { "false" },
            u.given_name.as_deref().unwrap_or(""),
            u.family_name.as_deref().unwrap_or(""),
            &ids,
            &names,
        ]
        .map(untrusted::csv_cell);
        let last = login.as_deref().map(untrusted::csv_cell);
        w.write_record(cells.iter().chain(last.iter()).map(|c| c.as_ref()))?;
    }
    w.flush()?;
    Ok(())
}
