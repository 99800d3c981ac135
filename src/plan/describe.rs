//! Human-readable differences for previews: what each user loses or gets back.

use crate::plan::{Outcome, PlanItem, UserState};
use crate::scim::model::Workspace;

/// Workspaces the user has before and not after (what a keep-only or removal takes away).
pub fn workspaces_lost(item: &PlanItem) -> Vec<Workspace> {
    match (&item.before, &item.after) {
        (Some(b), Some(a)) => minus(b, a),
        _ => Vec::new(),
    }
}

/// Workspaces the user has after and not before (only undo plans give any back).
pub fn workspaces_gained(item: &PlanItem) -> Vec<Workspace> {
    match (&item.before, &item.after) {
        (Some(b), Some(a)) => minus(a, b),
        _ => Vec::new(),
    }
}

fn minus(a: &UserState, b: &UserState) -> Vec<Workspace> {
    a.workspaces
        .iter()
        .filter(|w| !b.has_workspace(&w.id))
        .cloned()
        .collect()
}

/// The first 8 characters of an id and an ellipsis: enough to tell workspaces apart at 80
/// columns; the full id is in the request view.
pub fn short_id(id: &str) -> String {
    let mut chars = id.chars();
    let head: String = chars.by_ref().take(8).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Names shown in a `keeps` line before "and N more".
const KEPT_SHOWN: usize = 5;

/// What a user who loses workspaces keeps, or the mark that they keep none.
fn kept_line(after: &UserState) -> String {
    if after.workspaces.is_empty() {
        return "= keeps no workspace: NO WORKSPACE LEFT".to_string();
    }
    let mut names: Vec<String> = after
        .workspaces
        .iter()
        .take(KEPT_SHOWN)
        .map(|w| format!("{} ({})", w.name, short_id(&w.id)))
        .collect();
    if after.workspaces.len() > KEPT_SHOWN {
        names.push(format!("and {} more", after.workspaces.len() - KEPT_SHOWN));
    }
    format!("= keeps {}: {}", after.workspaces.len(), names.join(", "))
}

/// Lines like `active: yes → no`, `- Finance Planning (8a8b9c0d…)`, `+ Sales (…)`.
pub fn describe(item: &PlanItem) -> Vec<String> {
    let mut lines = Vec::new();
    match &item.outcome {
        Outcome::NotFound => {
            lines.push("not found: no user has this id or user name".to_string());
            return lines;
        }
        Outcome::Protected { reason } => {
            lines.push(format!("protected, not changed: {reason}"));
            return lines;
        }
        Outcome::NoOp => lines.push("no change: already in the target state".to_string()),
        Outcome::Change => {}
    }
    let (Some(b), Some(a)) = (&item.before, &item.after) else {
        return lines;
    };
    if b.active != a.active {
        lines.push(format!(
            "active: {} → {}",
            yes_no(b.active),
            yes_no(a.active)
        ));
    }
    let lost = workspaces_lost(item);
    for w in &lost {
        lines.push(format!("- {} ({})", w.name, short_id(&w.id)));
    }
    if !lost.is_empty() {
        lines.push(kept_line(a));
    }
    let gained = workspaces_gained(item);
    for w in &gained {
        lines.push(format!("+ {} ({})", w.name, short_id(&w.id)));
    }
    if !gained.is_empty() {
        lines.push(
            "note: restoring a workspace does not restore model roles or selective access"
                .to_string(),
        );
    }
    lines
}
