//! Last logins and selection by inactivity for the headless commands (`users list` and
//! `apply`): reads the logins of a set of users with a progress line, says once where they came
//! from, and keeps the inactive users, counting and naming those whose last login is unknown.

use std::io::IsTerminal;

use time::OffsetDateTime;

use crate::plan::inactivity::{Inactivity, Verdict};
use crate::scim::ScimClient;
use crate::scim::client::{LastLogin, LastLogins, LoginProgress};
use crate::scim::model::User;
use crate::untrusted;

/// Users named at most in a note about unknown last logins (the rest are counted).
pub const NAMED: usize = 20;

/// The rule the flags ask for, if any.
pub fn rule_of(inactive_days: Option<u32>, never_logged_in: bool) -> Option<Inactivity> {
    if never_logged_in {
        Some(Inactivity::Never)
    } else {
        inactive_days.map(Inactivity::Days)
    }
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// The last logins of `users`: the whole list in a few requests, or one by one when it is
/// refused (for these users only). A progress line on stderr when a person watches it; where
/// the logins came from is said once.
pub async fn logins_for(client: &ScimClient, users: &[User]) -> LastLogins {
    let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    let bar = login_bar();
    let logins = client
        .last_logins_for(&ids, |p| show_progress(bar.as_ref(), p))
        .await;
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    say_source(&logins);
    logins.unknown_to(ids.iter().map(String::as_str));
    logins
}

/// A progress line for reading last logins, on stderr only when a person watches it.
pub fn login_bar() -> Option<indicatif::ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let pb = indicatif::ProgressBar::new(0);
        pb.set_style(
            indicatif::ProgressStyle::with_template("last logins: {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    })
}

pub fn show_progress(bar: Option<&indicatif::ProgressBar>, p: LoginProgress) {
    if let Some(pb) = bar {
        pb.set_length(p.total);
        pb.set_position(p.known as u64);
        if p.one_by_one {
            pb.set_message("(one user at a time)");
        }
    }
}

/// Says once where the last logins came from when it is not the list, and how many were
/// in a form scimitar does not read.
pub fn say_source(logins: &LastLogins) {
    if let Some(note) = logins.note() {
        crate::say!("{}", untrusted::line(&note));
    }
    if logins.unreadable > 0 {
        crate::say!(
            "{} last logins were sent in a form scimitar does not read: those users are unavailable (see the log)",
            logins.unreadable
        );
    }
}

/// What an inactivity rule kept, and the users it could not judge.
pub struct Selection {
    pub kept: Vec<User>,
    pub unknown: Vec<(User, LastLogin)>,
}

/// Keeps the users `rule` finds inactive; users whose last login is unknown are never kept.
pub fn select(
    rule: Inactivity,
    users: Vec<User>,
    logins: &LastLogins,
    now: OffsetDateTime,
) -> Selection {
    let mut kept = Vec::new();
    let mut unknown = Vec::new();
    for u in users {
        let login = logins.get(&u.id);
        match rule.judge(&login, now) {
            Verdict::Inactive => kept.push(u),
            Verdict::Active => {}
            Verdict::Unknown => unknown.push((u, login)),
        }
    }
    Selection { kept, unknown }
}

/// Says on stderr how many users could not be judged, and names the first of them.
pub fn report_unknown(unknown: &[(User, LastLogin)]) {
    report_unknown_of(unknown.len(), unknown);
}

/// As [`report_unknown`], for `count` users of which only the first are at hand (`named`,
/// at most [`NAMED`] are said).
pub fn report_unknown_of(count: usize, named: &[(User, LastLogin)]) {
    if count == 0 {
        return;
    }
    crate::say!(
        "{count} users were not selected: their last login is unavailable, so they are never counted as inactive:"
    );
    for (u, login) in named.iter().take(NAMED) {
        crate::say!(
            "  {} ({}): {}",
            untrusted::clip(&u.user_name, 100),
            untrusted::line(&u.id),
            untrusted::clip(&login.describe(), 160)
        );
    }
    if count > NAMED {
        crate::say!("  ... and {} more", count - NAMED);
    }
}
