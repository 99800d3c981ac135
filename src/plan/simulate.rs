//! A model of how SCIM applies our PATCH bodies to the part of a user plans touch. Tests use
//! it to prove that the requests of a plan produce its `after`; the runner can use it to know
//! the state expected after each chunk of a split request.
//!
//! Semantics modelled (Anaplan's wording): a path selects data that is removed first; `add`
//! and `replace` then add the value. `add` on plain `entitlements` is taken to append (see
//! [`crate::plan::workspace_operations`] on why that is unconfirmed).

use serde_json::Value;

use crate::plan::UserState;
use crate::plan::requests::ENTITLEMENTS_PATH;
use crate::scim::model::{PatchOpKind, PatchRequest, WORKSPACE_ENTITLEMENTS_PATH, Workspace};

/// Applies `requests` in order to `state`. Unknown paths are ignored. New workspaces take the
/// name `state` knew, else the `display` sent, else their id.
pub fn apply_requests(state: &UserState, requests: &[PatchRequest]) -> UserState {
    let mut s = state.clone();
    let known = state.workspaces.clone();
    for op in requests.iter().flat_map(|r| &r.operations) {
        match op.path.as_str() {
            "active" => {
                if op.op != PatchOpKind::Remove
                    && let Some(b) = op.value.as_ref().and_then(crate::scim::model::parse_bool)
                {
                    s.active = b;
                }
            }
            p if p == WORKSPACE_ENTITLEMENTS_PATH || p == ENTITLEMENTS_PATH => {
                let append = op.op == PatchOpKind::Add && p == ENTITLEMENTS_PATH;
                if !append {
                    s.workspaces.clear();
                }
                if op.op != PatchOpKind::Remove {
                    for (id, display) in workspace_ids(op.value.as_ref()) {
                        if !s.has_workspace(&id) {
                            let name = known
                                .iter()
                                .find(|w| w.id.eq_ignore_ascii_case(&id))
                                .map(|w| w.name.clone())
                                .or(display)
                                .unwrap_or_else(|| id.clone());
                            s.workspaces.push(Workspace { id, name });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    s
}

/// (id, display) of each WORKSPACE value.
fn workspace_ids(v: Option<&Value>) -> Vec<(String, Option<String>)> {
    let text = |e: &Value, k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|e| e.get("type").and_then(Value::as_str) == Some("WORKSPACE"))
                .filter_map(|e| Some((text(e, "value")?, text(e, "display"))))
                .collect()
        })
        .unwrap_or_default()
}
