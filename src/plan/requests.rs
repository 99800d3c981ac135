//! The exact PATCH bodies. Every body scimitar sends is built here, so the preview, the
//! journal and the wire always agree.

use serde_json::Value;

use crate::scim::model::{
    MAX_WORKSPACES_PER_REQUEST, PatchOpKind, PatchOperation, PatchRequest, Workspace,
    workspace_entitlements,
};

/// The plain path every workspace operation uses.
///
/// Why not `entitlements[type eq "WORKSPACE"]`: RFC 7644 §3.5.2.2–3 answers `400 noTarget` to a
/// filtered `replace` or `remove` that matches nothing (a user with no workspaces left, the
/// usual state before an undo). Without a filter both readings agree: Anaplan (§3 of the
/// reference: the path's data is removed, then the value added) and RFC 7644 (the attribute
/// and all its values are replaced or removed) leave exactly the value sent. Anaplan's
/// entitlements are all workspace records, so nothing else is lost.
pub const ENTITLEMENTS_PATH: &str = "entitlements";

pub(crate) fn active_op(active: bool) -> PatchOperation {
    PatchOperation {
        op: PatchOpKind::Replace,
        path: "active".into(),
        value: Some(Value::Bool(active)),
    }
}

pub(crate) fn remove_workspaces_op() -> PatchOperation {
    PatchOperation {
        op: PatchOpKind::Remove,
        path: ENTITLEMENTS_PATH.into(),
        value: None,
    }
}

fn op(op: PatchOpKind, chunk: &[Workspace]) -> PatchOperation {
    PatchOperation {
        op,
        path: ENTITLEMENTS_PATH.into(),
        value: Some(workspace_entitlements(chunk)),
    }
}

/// Operations that move a user holding `current` to exactly `target`, one per request.
///
/// - no target: one `remove` of `entitlements`;
/// - up to 50: one `replace` of the whole `entitlements` with all of them, right under both
///   Anaplan's and RFC 7644's semantics;
/// - more than 50 (Anaplan takes at most 50 workspaces per request), nothing to take away
///   (a restore): `add` only the missing ones, 50 per request;
/// - more than 50 with some to take away: `replace` with the first 50, then `add` the rest.
///
/// The last two rely on `add` appending (RFC 7644, and Anaplan's "add an entitlement"
/// example), which Anaplan's "remove the selected data first" wording leaves unconfirmed. The
/// batch runner checks the server's state after every chunk and stops on a mismatch.
pub fn workspace_operations(current: &[Workspace], target: &[Workspace]) -> Vec<PatchOperation> {
    let has = |set: &[Workspace], id: &str| set.iter().any(|w| w.id.eq_ignore_ascii_case(id));
    if target.is_empty() {
        return vec![remove_workspaces_op()];
    }
    if target.len() <= MAX_WORKSPACES_PER_REQUEST {
        return vec![op(PatchOpKind::Replace, target)];
    }
    if current.iter().all(|w| has(target, &w.id)) {
        let missing: Vec<Workspace> = target
            .iter()
            .filter(|w| !has(current, &w.id))
            .cloned()
            .collect();
        return missing
            .chunks(MAX_WORKSPACES_PER_REQUEST)
            .map(|c| op(PatchOpKind::Add, c))
            .collect();
    }
    target
        .chunks(MAX_WORKSPACES_PER_REQUEST)
        .enumerate()
        .map(|(i, c)| {
            let kind = if i == 0 {
                PatchOpKind::Replace
            } else {
                PatchOpKind::Add
            };
            op(kind, c)
        })
        .collect()
}

/// The requests that set `active` (when `Some`) and move the workspaces from `current` to
/// `target` (when `Some`).
///
/// The `active` operation and the first workspace operation share the first request, in that
/// order (Anaplan applies operations in the order received, and the bulk-removal article sends
/// exactly this pair). Extra workspace chunks follow, one request each. Empty when nothing is set.
pub fn set_state_requests(
    active: Option<bool>,
    current: &[Workspace],
    target: Option<&[Workspace]>,
) -> Vec<PatchRequest> {
    let mut ws = target
        .map(|t| workspace_operations(current, t))
        .unwrap_or_default();
    let mut first = Vec::new();
    if let Some(a) = active {
        first.push(active_op(a));
    }
    if !ws.is_empty() {
        first.push(ws.remove(0));
    }
    if first.is_empty() {
        return Vec::new();
    }
    std::iter::once(first)
        .chain(ws.into_iter().map(|op| vec![op]))
        .map(PatchRequest::new)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ws(n: usize, prefix: &str) -> Vec<Workspace> {
        (0..n)
            .map(|i| Workspace {
                id: format!("{prefix}{i}"),
                name: format!("Name {prefix}{i}"),
            })
            .collect()
    }

    /// How many values an operation carries (it must carry an array).
    fn values_in(op: &PatchOperation) -> usize {
        op.value.as_ref().unwrap().as_array().unwrap().len()
    }

    #[test]
    fn disable_and_remove_is_one_request_in_order() {
        let r = set_state_requests(Some(false), &ws(2, "w"), Some(&[]));
        assert_eq!(r.len(), 1);
        assert_eq!(
            serde_json::to_value(&r[0].operations).unwrap(),
            json!([
                {"op":"replace","path":"active","value":false},
                {"op":"remove","path":"entitlements"}
            ])
        );
    }

    #[test]
    fn keep_replaces_the_whole_attribute_with_names() {
        let all = ws(3, "w");
        let r = set_state_requests(None, &all, Some(&all[..1]));
        assert_eq!(
            serde_json::to_value(&r[0].operations).unwrap(),
            json!([{"op":"replace","path":"entitlements",
                    "value":[{"value":"w0","display":"Name w0","type":"WORKSPACE"}]}])
        );
    }

    #[test]
    fn more_than_fifty_is_split_replace_then_add() {
        let before = ws(130, "w");
        let target = &before[..120];
        let r = set_state_requests(None, &before, Some(target));
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].operations[0].op, PatchOpKind::Replace);
        assert_eq!(r[1].operations[0].op, PatchOpKind::Add);
        assert_eq!(r[1].operations[0].path, "entitlements");
        let n = |i: usize| values_in(&r[i].operations[0]);
        assert_eq!((n(0), n(1), n(2)), (50, 50, 20));
    }

    #[test]
    fn restoring_more_than_fifty_adds_only_the_missing() {
        let target = ws(120, "w");
        let r = set_state_requests(Some(true), &target[..10], Some(&target));
        assert_eq!(r.len(), 3);
        assert!(
            r.iter()
                .all(|r| r.operations.last().unwrap().op == PatchOpKind::Add)
        );
        let sent: usize = r
            .iter()
            .map(|r| values_in(r.operations.last().unwrap()))
            .sum();
        assert_eq!(sent, 110);
    }

    #[test]
    fn nothing_to_set_sends_nothing() {
        assert!(set_state_requests(None, &[], None).is_empty());
    }
}
