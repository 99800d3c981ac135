//! What undo needs from a journal: each changed user's state before the run, paired with the
//! user as the tenant has it now (re-read in bulk). Shared by `scimitar undo` and the TUI.

use std::collections::HashMap;

use crate::batch::journal::JournalState;
use crate::input::UserLookup;
use crate::plan::UserState;
use crate::scim::model::User;

/// Ids per lookup: an OR filter of 50 ids stays well within URL limits.
const CHUNK: usize = 50;

pub struct UndoInputs {
    /// (state before the run, user now), in journal order.
    pub entries: Vec<(UserState, User)>,
    /// Users the journal changed that are no longer in the tenant.
    pub missing: Vec<String>,
}

pub async fn inputs<L: UserLookup>(state: &JournalState, lookup: &L) -> Result<UndoInputs, String> {
    let ids: Vec<String> = state
        .targets
        .iter()
        .filter(|t| state.first_before.contains_key(&t.user_id))
        .map(|t| t.user_id.clone())
        .collect();
    let mut current: HashMap<String, User> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for u in lookup.users_by_ids(chunk).await? {
            current.insert(u.id.to_ascii_lowercase(), u);
        }
    }
    let mut entries = Vec::new();
    let mut missing = Vec::new();
    for id in &ids {
        match (
            state.first_before.get(id),
            current.get(&id.to_ascii_lowercase()),
        ) {
            (Some(before), Some(u)) => entries.push((before.clone(), u.clone())),
            _ => missing.push(id.clone()),
        }
    }
    Ok(UndoInputs { entries, missing })
}
