//! The users a run touched, each with its state before and after (`runs show --all`), and the
//! runs that touched one user (`runs --user`). Read from the journals alone.

use std::path::Path;

use serde::Serialize;

use crate::batch::history::{self, HistoryError, RunList};
use crate::batch::journal::{JournalState, Record};
use crate::batch::report;
use crate::plan::UserState;

/// One user of a run: what the run found and what it left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Touched {
    pub user_id: String,
    pub user_name: String,
    /// As the report names it: done, no_op, failed, in_doubt, not_found, protected, unknown.
    pub outcome: String,
    pub status: Option<u16>,
    pub detail: String,
    /// The state the run read before its change (none when it never read the user).
    pub before: Option<UserState>,
    /// The state after: as read back, or as planned for a change made; none when unchanged.
    pub after: Option<UserState>,
}

/// Every user the run looked at, in plan order (users it never started are left out).
pub fn touched(state: &JournalState) -> Vec<Touched> {
    report::rows(state)
        .into_iter()
        .filter(|r| r.outcome != "not_started")
        .map(|r| {
            let recorded = match state.last_result.get(&r.user_id) {
                Some(Record::Result { after, .. }) => after.clone(),
                _ => None,
            };
            let planned = (r.outcome == "done")
                .then(|| state.attempt_after.get(&r.user_id).cloned())
                .flatten();
            Touched {
                before: state.first_before.get(&r.user_id).cloned(),
                after: recorded.or(planned),
                user_id: r.user_id,
                user_name: r.user_name,
                outcome: r.outcome,
                status: r.status,
                detail: r.detail,
            }
        })
        .collect()
}

fn state_words(s: &UserState) -> String {
    let names: Vec<&str> = s
        .workspaces
        .iter()
        .map(|w| {
            if w.name.is_empty() {
                w.id.as_str()
            } else {
                w.name.as_str()
            }
        })
        .collect();
    format!(
        "{}, {} workspace(s){}",
        if s.active { "active" } else { "inactive" },
        names.len(),
        if names.is_empty() {
            String::new()
        } else {
            format!(": {}", names.join(", "))
        }
    )
}

impl Touched {
    /// `active, 2 workspace(s): A, B -> inactive, 2 workspace(s): A, B`, or the one state
    /// known, or `-`.
    pub fn change(&self) -> String {
        match (&self.before, &self.after) {
            (Some(b), Some(a)) => format!("{} -> {}", state_words(b), state_words(a)),
            (Some(b), None) => format!("{} (unchanged)", state_words(b)),
            (None, Some(a)) => format!("? -> {}", state_words(a)),
            (None, None) => "-".into(),
        }
    }
}

/// What the run did to `user` (an id, or a userName / email; any case), if it looked at them.
pub fn for_user(state: &JournalState, user: &str) -> Option<Touched> {
    let u = user.trim();
    touched(state)
        .into_iter()
        .find(|t| t.user_id.eq_ignore_ascii_case(u) || t.user_name.eq_ignore_ascii_case(u))
}

fn touches(state: &JournalState, user: &str) -> bool {
    for_user(state, user).is_some()
}

/// The runs in `dir` that looked at `user`, newest first.
pub fn runs_touching(dir: &Path, user: &str) -> Result<RunList, HistoryError> {
    let mut list = history::list(dir)?;
    list.runs.retain(|r| {
        JournalState::read(r.journal())
            .map(|s| touches(&s, user))
            .unwrap_or(false)
    });
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::model::Workspace;

    #[test]
    fn a_change_reads_before_then_after_with_workspace_names() {
        let ws = |n: &str| Workspace {
            id: format!("id-{n}"),
            name: n.into(),
        };
        let t = Touched {
            user_id: "u".into(),
            user_name: "u@x".into(),
            outcome: "done".into(),
            status: None,
            detail: String::new(),
            before: Some(UserState {
                active: true,
                workspaces: vec![ws("Sales"), ws("HR")],
            }),
            after: Some(UserState {
                active: true,
                workspaces: vec![ws("Sales")],
            }),
        };
        assert_eq!(
            t.change(),
            "active, 2 workspace(s): Sales, HR -> active, 1 workspace(s): Sales"
        );
    }
}
