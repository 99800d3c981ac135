//! What a SCIM user is to scimitar, parsed tolerantly from what Anaplan really sends
//! (duplicate `active` keys, `"True"` strings, aggregate entitlement records, unknown fields).

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Anaplan caps a page of `GET /Users` at 100.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Anaplan documents at most 50 workspaces per request.
pub const MAX_WORKSPACES_PER_REQUEST: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Workspace {
    pub id: String,
    pub name: String,
}

/// One tenant user. Serialises to the JSON contract of `scimitar users list --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub user_name: String,
    /// `None` when Anaplan sends it empty, null or not at all.
    pub external_id: Option<String>,
    pub active: bool,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub workspaces: Vec<Workspace>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    #[error("the user record is not a JSON object")]
    NotAnObject,
    #[error("the user record has no usable `{0}`")]
    Missing(&'static str),
    #[error("the list response is not a JSON object")]
    ListNotAnObject,
    #[error("`{field}` in the list response is not a number (got {got})")]
    BadNumber { field: &'static str, got: String },
    #[error("the record cannot be read: {0}")]
    Unreadable(String),
}

impl User {
    /// "Given Family", or the display name, or the user name.
    pub fn full_name(&self) -> String {
        full_name(
            self.given_name.as_deref(),
            self.family_name.as_deref(),
            self.display_name.as_deref(),
            &self.user_name,
        )
    }

    pub fn workspace_ids(&self) -> impl Iterator<Item = &str> {
        self.workspaces.iter().map(|w| w.id.as_str())
    }

    pub fn has_workspace(&self, id: &str) -> bool {
        self.workspaces
            .iter()
            .any(|w| w.id.eq_ignore_ascii_case(id))
    }
}

/// "Given Family", or the display name, or the user name.
pub fn full_name(
    given: Option<&str>,
    family: Option<&str>,
    display: Option<&str>,
    user_name: &str,
) -> String {
    match (given, family) {
        (Some(g), Some(f)) => format!("{g} {f}"),
        (Some(g), None) => g.to_string(),
        (None, Some(f)) => f.to_string(),
        (None, None) => display.unwrap_or(user_name).to_string(),
    }
}

/// Accepts a JSON boolean or the strings "true"/"false" in any case.
pub fn parse_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// One page of `GET /Users`. `itemsPerPage` is ignored: Anaplan's does not match what it sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    pub total_results: u64,
    pub start_index: u64,
    pub users: Vec<User>,
    /// Records in `Resources` that could not be read as users, with the reason.
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchOpKind {
    Add,
    Replace,
    Remove,
}

/// One SCIM PatchOp operation. Anaplan requires `path` on every operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    pub op: PatchOpKind,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// A `PATCH /Users/{id}` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchRequest {
    pub schemas: Vec<String>,
    #[serde(rename = "Operations")]
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    pub fn new(operations: Vec<PatchOperation>) -> PatchRequest {
        PatchRequest {
            schemas: vec![PATCH_SCHEMA.to_string()],
            operations,
        }
    }
}

/// The path that selects every workspace entitlement of a user. scimitar no longer sends it
/// (RFC 7644 answers `400 noTarget` to a filtered replace or remove that matches nothing);
/// kept for readers of older plans and journals.
pub const WORKSPACE_ENTITLEMENTS_PATH: &str = "entitlements[type eq \"WORKSPACE\"]";

/// `[{"value": id, "display": name, "type": "WORKSPACE"}, ...]`: the value Anaplan documents,
/// plus `display` so that servers which store it keep the workspace names.
pub fn workspace_entitlements<'a>(workspaces: impl IntoIterator<Item = &'a Workspace>) -> Value {
    Value::Array(
        workspaces
            .into_iter()
            .map(|w| serde_json::json!({"value": w.id, "display": w.name, "type": "WORKSPACE"}))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn duplicate_active_keys_keep_the_last_and_strings_parse() {
        let raw = r#"{"id":"a","userName":"x@y.com","active":"True","active":false}"#;
        let v: Value = serde_json::from_str(raw).unwrap();
        assert!(!User::from_value(&v).unwrap().active);
        let v = json!({"id":"a","userName":"x@y.com","active":"False"});
        assert!(!User::from_value(&v).unwrap().active);
    }

    #[test]
    fn workspace_records_win_over_aggregates() {
        let v = json!({"id":"a","userName":"x","entitlements":[
            {"display":"Finance","value":"w1","type":"WORKSPACE","primary":true},
            {"display":"Sales","value":"w2","type":"WORKSPACE"},
            {"value":"w1,w2,w3","type":"WORKSPACE_IDS"},
            {"value":"Finance,Sales,Other","type":"WORKSPACE_NAMES"}]});
        let u = User::from_value(&v).unwrap();
        let ids: Vec<_> = u.workspace_ids().collect();
        assert_eq!(ids, ["w1", "w2"]);
        assert_eq!(u.workspaces[0].name, "Finance");
    }

    #[test]
    fn aggregate_ids_are_split_and_trimmed_when_alone() {
        let v = json!({"id":"a","userName":"x","entitlements":[
            {"value":"w1, w2","type":"WORKSPACE_IDS"},
            {"value":"\"Finance\",\"Sales\"","type":"WORKSPACE_NAMES"}]});
        let u = User::from_value(&v).unwrap();
        assert_eq!(
            u.workspaces,
            vec![
                Workspace {
                    id: "w1".into(),
                    name: "Finance".into()
                },
                Workspace {
                    id: "w2".into(),
                    name: "Sales".into()
                }
            ]
        );
    }

    #[test]
    fn empty_external_id_and_missing_names_are_none() {
        let v = json!({"id":"a","userName":"x","externalId":"","name":{"givenName":null}});
        let u = User::from_value(&v).unwrap();
        assert_eq!(u.external_id, None);
        assert_eq!(u.given_name, None);
        assert!(u.workspaces.is_empty());
        assert_eq!(u.full_name(), "x");
    }

    #[test]
    fn list_without_resources_and_with_wrong_items_per_page() {
        let v = json!({"totalResults": 3, "startIndex": 4, "itemsPerPage": 50});
        let p = ListPage::from_value(&v).unwrap();
        assert_eq!((p.total_results, p.start_index, p.users.len()), (3, 4, 0));
    }

    #[test]
    fn unreadable_records_are_reported_not_fatal() {
        let v = json!({"totalResults": 2, "Resources": [{"id":"a","userName":"x"}, {"id": 5}]});
        let p = ListPage::from_value(&v).unwrap();
        assert_eq!(p.users.len(), 1);
        assert_eq!(p.skipped.len(), 1);
    }

    #[test]
    fn patch_body_has_the_patchop_schema() {
        let body = PatchRequest::new(vec![PatchOperation {
            op: PatchOpKind::Replace,
            path: "active".into(),
            value: Some(json!(false)),
        }]);
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"schemas":[PATCH_SCHEMA],"Operations":[{"op":"replace","path":"active","value":false}]})
        );
    }
}
