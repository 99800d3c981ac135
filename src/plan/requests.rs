//! The exact PATCH bodies. Every body scimitar sends is built here, so the preview, the
//! journal and the wire always agree.

use serde_json::Value;

use crate::scim::model::{
    MAX_WORKSPACES_PER_REQUEST, PatchOpKind, PatchOperation, PatchRequest,
    WORKSPACE_ENTITLEMENTS_PATH, workspace_entitlements,
};

/// The plain path `add` appends to (Anaplan's documented "add an entitlement" example).
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
        path: WORKSPACE_ENTITLEMENTS_PATH.into(),
        value: None,
    }
}

/// Operations that leave the user with exactly `ids` as workspaces, grouped per request.
///
/// - no ids: one `remove` on `entitlements[type eq "WORKSPACE"]`;
/// - up to 50: one `replace` on that path with all of them;
/// - more than 50: Anaplan accepts at most 50 workspaces per request, so the first request
///   `replace`s with the first 50 and each further request `add`s up to 50 on `entitlements`.
///
/// Caution: Anaplan's documentation describes every PATCH path as "remove the selected data,
/// then add the value", which read literally would make `add` on `entitlements` wipe what the
/// earlier chunks set. Its own example calls the same operation "add an entitlement", so we
/// rely on append semantics, which are unconfirmed on the real service. The batch runner
/// therefore checks the user each PATCH returns against the expected state after that chunk
/// and stops on a mismatch rather than carrying on blind.
pub fn workspace_operations(ids: &[&str]) -> Vec<PatchOperation> {
    if ids.is_empty() {
        return vec![remove_workspaces_op()];
    }
    ids.chunks(MAX_WORKSPACES_PER_REQUEST)
        .enumerate()
        .map(|(i, chunk)| PatchOperation {
            op: if i == 0 {
                PatchOpKind::Replace
            } else {
                PatchOpKind::Add
            },
            path: if i == 0 {
                WORKSPACE_ENTITLEMENTS_PATH.into()
            } else {
                ENTITLEMENTS_PATH.into()
            },
            value: Some(workspace_entitlements(chunk.iter().copied())),
        })
        .collect()
}

/// The requests that set `active` (when `Some`) and the workspace set (when `Some`).
///
/// The `active` operation and the first workspace operation share the first request, in that
/// order (Anaplan applies operations in the order received, and the bulk-removal article sends
/// exactly this pair). Extra workspace chunks follow, one request each. Empty when nothing is set.
pub fn set_state_requests(active: Option<bool>, workspaces: Option<&[&str]>) -> Vec<PatchRequest> {
    let mut ws = workspaces.map(workspace_operations).unwrap_or_default();
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

    #[test]
    fn disable_and_remove_is_one_request_in_order() {
        let r = set_state_requests(Some(false), Some(&[]));
        assert_eq!(r.len(), 1);
        assert_eq!(
            serde_json::to_value(&r[0].operations).unwrap(),
            json!([
                {"op":"replace","path":"active","value":false},
                {"op":"remove","path":"entitlements[type eq \"WORKSPACE\"]"}
            ])
        );
    }

    #[test]
    fn more_than_fifty_is_split_replace_then_add() {
        let ids: Vec<String> = (0..120).map(|i| format!("w{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let r = set_state_requests(None, Some(&refs));
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].operations[0].op, PatchOpKind::Replace);
        assert_eq!(r[1].operations[0].op, PatchOpKind::Add);
        assert_eq!(r[1].operations[0].path, "entitlements");
        let n = |i: usize| {
            r[i].operations[0]
                .value
                .as_ref()
                .unwrap()
                .as_array()
                .unwrap()
                .len()
        };
        assert_eq!((n(0), n(1), n(2)), (50, 50, 20));
    }

    #[test]
    fn nothing_to_set_sends_nothing() {
        assert!(set_state_requests(None, None).is_empty());
    }
}
