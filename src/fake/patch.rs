//! PATCH and PUT as Anaplan documents them: operations in order, `path` required, the
//! selected data removed first and the value then added, at most 50 workspaces per request.
//! Pure functions over one user, so the rules are unit-tested without HTTP.

use serde_json::Value;

use crate::scim::model::{PATCH_SCHEMA, User, Workspace};

use super::tenant::Tenant;
use super::{AddMode, Dialect, FakeConfig};

/// A refused request: HTTP status, SCIM `scimType`, detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub scim_type: &'static str,
    pub detail: String,
}

fn bad(scim_type: &'static str, detail: impl Into<String>) -> Refusal {
    Refusal {
        status: 400,
        scim_type,
        detail: detail.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Active,
    ExternalId,
    GivenName,
    FamilyName,
    Entitlements,
}

/// Whether a path carries a value filter (`entitlements[type eq "WORKSPACE"]`).
/// An entitlements value as its items: an array, one object, or null for none.
fn entitlement_items<'a>(value: &'a Value, refusal: &str) -> Result<Vec<&'a Value>, Refusal> {
    match value {
        Value::Array(a) => Ok(a.iter().collect()),
        Value::Object(_) => Ok(vec![value]),
        Value::Null => Ok(Vec::new()),
        _ => Err(bad("invalidValue", refusal)),
    }
}

fn filtered(path: &str) -> bool {
    path.contains('[')
}

/// An RFC 7644 server stores entitlements as sent: any id, with the `display` it was given
/// (none when none was sent), only the multi-valued `WORKSPACE` form.
fn workspaces_as_sent(value: &Value) -> Result<Vec<Workspace>, Refusal> {
    let items = entitlement_items(value, "entitlements must be an array of objects")?;
    let mut out: Vec<Workspace> = Vec::new();
    for item in items {
        let kind = item.get("type").and_then(Value::as_str).unwrap_or("");
        let id = item.get("value").and_then(Value::as_str).unwrap_or("");
        if kind != "WORKSPACE" || id.is_empty() {
            return Err(bad(
                "invalidValue",
                "each entitlement needs \"type\": \"WORKSPACE\" and a \"value\"",
            ));
        }
        let name = item.get("display").and_then(Value::as_str).unwrap_or("");
        if !out.iter().any(|w| w.id == id) {
            out.push(Workspace {
                id: id.to_string(),
                name: name.to_string(),
            });
        }
    }
    Ok(out)
}

fn target(path: &str) -> Result<Target, Refusal> {
    let p = path.trim();
    if let Some(open) = p.find('[') {
        let (attr, rest) = p.split_at(open);
        let inner = rest
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .ok_or_else(|| bad("invalidPath", format!("The path {path} is not valid")))?;
        let words: Vec<&str> = inner.split_whitespace().collect();
        let ok = attr.trim().eq_ignore_ascii_case("entitlements")
            && words.len() == 3
            && words[0].eq_ignore_ascii_case("type")
            && words[1].eq_ignore_ascii_case("eq")
            && words[2] == "\"WORKSPACE\"";
        return if ok {
            Ok(Target::Entitlements)
        } else {
            Err(bad(
                "invalidPath",
                format!(
                    "The path {path} is not supported; only entitlements[type eq \"WORKSPACE\"] may be filtered"
                ),
            ))
        };
    }
    let lower = p.to_ascii_lowercase();
    match lower.as_str() {
        "active" => Ok(Target::Active),
        "externalid" => Ok(Target::ExternalId),
        "name.givenname" => Ok(Target::GivenName),
        "name.familyname" => Ok(Target::FamilyName),
        "entitlements" => Ok(Target::Entitlements),
        "username" | "displayname" | "id" | "name.formatted" => {
            Err(bad("mutability", format!("The attribute {p} is read-only")))
        }
        _ => Err(bad(
            "invalidPath",
            format!("The path {path} is not supported"),
        )),
    }
}

/// Reads entitlement values in the three documented forms; unknown ids and names refused.
fn workspaces_of(value: &Value, tenant: &Tenant) -> Result<Vec<Workspace>, Refusal> {
    let items = entitlement_items(
        value,
        "entitlements must be an array of {\"value\": <workspace id>, \"type\": \"WORKSPACE\"}",
    )?;
    let mut out: Vec<Workspace> = Vec::new();
    let mut push = |w: &Workspace| {
        if !out.iter().any(|x| x.id == w.id) {
            out.push(w.clone());
        }
    };
    for item in items {
        let kind = item
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("WORKSPACE")
            .to_ascii_uppercase();
        let text = item.get("value").and_then(Value::as_str).unwrap_or("");
        match kind.as_str() {
            "WORKSPACE" => {
                let w = tenant
                    .workspace(text)
                    .ok_or_else(|| bad("invalidValue", format!("Workspace {text} not found")))?;
                push(w);
            }
            "WORKSPACE_IDS" => {
                for id in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let w = tenant
                        .workspace(id)
                        .ok_or_else(|| bad("invalidValue", format!("Workspace {id} not found")))?;
                    push(w);
                }
            }
            "WORKSPACE_NAMES" => {
                for name in text.split(',').map(|s| s.trim().trim_matches('"')) {
                    if name.is_empty() {
                        continue;
                    }
                    let w = tenant.workspace_by_name(name).ok_or_else(|| {
                        bad("invalidValue", format!("Workspace {name} not found"))
                    })?;
                    push(w);
                }
            }
            other => {
                return Err(bad(
                    "invalidValue",
                    format!("Entitlement type {other} is not supported; use WORKSPACE"),
                ));
            }
        }
    }
    Ok(out)
}

fn check_limit(count: usize, config: &FakeConfig) -> Result<(), Refusal> {
    match config.max_workspaces_per_request {
        Some(max) if count > max => Err(bad(
            "invalidValue",
            format!(
                "A maximum of {max} workspaces can be assigned in one request; {count} were sent"
            ),
        )),
        _ => Ok(()),
    }
}

fn optional_string(value: Option<&Value>, attr: &str) -> Result<Option<String>, Refusal> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad("invalidValue", format!("{attr} must be a string"))),
    }
}

fn display_name(u: &mut User) {
    u.display_name = match (&u.given_name, &u.family_name) {
        (Some(g), Some(f)) => Some(format!("{g} {f}")),
        (Some(g), None) => Some(g.clone()),
        (None, Some(f)) => Some(f.clone()),
        (None, None) => None,
    };
}

/// The body's Operations, once its schemas say it is a PATCH.
fn operations(body: &Value) -> Result<&Vec<Value>, Refusal> {
    let schemas_ok = body
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(PATCH_SCHEMA)));
    if !schemas_ok {
        return Err(bad(
            "invalidSyntax",
            format!("The request must have schemas [\"{PATCH_SCHEMA}\"]"),
        ));
    }
    body.get("Operations")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            bad(
                "invalidSyntax",
                "The request must have a non-empty Operations array",
            )
        })
}

/// Operation `n`'s op, any case.
fn op_kind(op: &Value, n: usize) -> Result<Op, Refusal> {
    match op
        .get("op")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
    {
        Some(k) if k == "add" => Ok(Op::Add),
        Some(k) if k == "replace" => Ok(Op::Replace),
        Some(k) if k == "remove" => Ok(Op::Remove),
        _ => Err(bad(
            "invalidSyntax",
            format!("Operation {n}: op must be add, replace or remove"),
        )),
    }
}

/// Applies a PATCH body to a copy of `user`; the caller stores the result only on success.
pub fn apply_patch(
    user: &User,
    body: &Value,
    tenant: &Tenant,
    config: &FakeConfig,
) -> Result<User, Refusal> {
    let ops = operations(body)?;
    let mut u = user.clone();
    let mut sent_workspaces = 0usize;
    for (n, op) in ops.iter().enumerate() {
        let kind = op_kind(op, n)?;
        let Some(path) = op.get("path").and_then(Value::as_str) else {
            return Err(bad(
                "noTarget",
                format!(
                    "Operation {n}: a path is required; requests without a path are not supported"
                ),
            ));
        };
        let t = target(path)?;
        let value = op.get("value");
        if kind != Op::Remove && value.is_none() {
            return Err(bad(
                "invalidValue",
                format!("Operation {n}: a value is required for {path}"),
            ));
        }
        match t {
            Target::Active => {
                if kind == Op::Remove {
                    return Err(bad("mutability", "active cannot be removed"));
                }
                u.active = value.and_then(parse_bool).ok_or_else(|| {
                    bad("invalidValue", "active must be a boolean (true or false)")
                })?;
            }
            Target::ExternalId | Target::GivenName | Target::FamilyName => {
                let v = if kind == Op::Remove {
                    None
                } else {
                    optional_string(value, path)?
                };
                match t {
                    Target::ExternalId => u.external_id = v,
                    Target::GivenName => u.given_name = v,
                    _ => u.family_name = v,
                }
                display_name(&mut u);
            }
            Target::Entitlements => {
                let rfc = config.dialect == Dialect::Rfc;
                let new = match value {
                    Some(v) if kind != Op::Remove && rfc => workspaces_as_sent(v)?,
                    Some(v) if kind != Op::Remove => workspaces_of(v, tenant)?,
                    _ => Vec::new(),
                };
                sent_workspaces += new.len();
                check_limit(sent_workspaces, config)?;
                // RFC 7644 §3.5.2.2/3: a value filter that selects nothing is `noTarget`.
                if rfc && kind != Op::Add && filtered(path) && u.workspaces.is_empty() {
                    return Err(bad(
                        "noTarget",
                        format!("Operation {n}: no value of entitlements matches {path}"),
                    ));
                }
                let wipe = match kind {
                    Op::Remove | Op::Replace => true,
                    Op::Add => !rfc && config.entitlements_add == AddMode::Replace,
                };
                if wipe {
                    u.workspaces.clear();
                }
                for w in new {
                    if !u.workspaces.iter().any(|x| x.id == w.id) {
                        u.workspaces.push(w);
                    }
                }
            }
        }
    }
    Ok(u)
}

/// PUT: the body is the whole new user. Omitted entitlements remove every workspace;
/// `userName` (and `displayName`) cannot change.
pub fn apply_put(
    user: &User,
    body: &Value,
    tenant: &Tenant,
    config: &FakeConfig,
) -> Result<User, Refusal> {
    let o = body
        .as_object()
        .ok_or_else(|| bad("invalidSyntax", "The request body must be a JSON object"))?;
    if let Some(name) = o.get("userName").and_then(Value::as_str)
        && !name.eq_ignore_ascii_case(&user.user_name)
    {
        return Err(bad("mutability", "The attribute userName is read-only"));
    }
    let mut u = user.clone();
    if let Some(a) = o.get("active") {
        u.active = parse_bool(a)
            .ok_or_else(|| bad("invalidValue", "active must be a boolean (true or false)"))?;
    }
    u.external_id = optional_string(o.get("externalId"), "externalId")?;
    let name = o.get("name");
    u.given_name = optional_string(name.and_then(|n| n.get("givenName")), "name.givenName")?;
    u.family_name = optional_string(name.and_then(|n| n.get("familyName")), "name.familyName")?;
    display_name(&mut u);
    u.workspaces = match o.get("entitlements") {
        Some(v) => workspaces_of(v, tenant)?,
        None => Vec::new(),
    };
    check_limit(u.workspaces.len(), config)?;
    Ok(u)
}

/// `active` as the fake reads it: a JSON boolean, or "true"/"false" in any case (Anaplan's
/// lenient reading). The fake's own, so that it checks the client instead of agreeing with it.
fn parse_bool(v: &serde_json::Value) -> Option<bool> {
    match v {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn setup() -> (Tenant, User) {
        let t = Tenant::generate(50, 9, false);
        let u = t
            .users
            .iter()
            .find(|u| u.user.workspaces.len() >= 2)
            .map(|u| u.user.clone())
            .unwrap();
        (t, u)
    }

    fn body(ops: Value) -> Value {
        json!({"schemas": [PATCH_SCHEMA], "Operations": ops})
    }

    #[test]
    fn add_appends_or_replaces_per_mode() {
        let (t, u) = setup();
        let extra = t
            .workspaces
            .iter()
            .find(|w| !u.has_workspace(&w.id))
            .unwrap();
        let b = body(
            json!([{"op":"add","path":"entitlements","value":[{"value":extra.id,"type":"WORKSPACE"}]}]),
        );
        let appended = apply_patch(&u, &b, &t, &FakeConfig::default()).unwrap();
        assert_eq!(appended.workspaces.len(), u.workspaces.len() + 1);
        let cfg = FakeConfig {
            entitlements_add: AddMode::Replace,
            ..FakeConfig::default()
        };
        let replaced = apply_patch(&u, &b, &t, &cfg).unwrap();
        assert_eq!(replaced.workspaces, vec![extra.clone()]);
    }

    #[test]
    fn operations_apply_in_order() {
        let (t, u) = setup();
        let b = body(json!([
            {"op":"replace","path":"active","value":"False"},
            {"op":"remove","path":"entitlements[type eq \"WORKSPACE\"]"},
            {"op":"add","path":"entitlements","value":[{"value":u.workspaces[0].id,"type":"WORKSPACE"}]},
            {"op":"replace","path":"name.givenName","value":"Zed"}
        ]));
        let out = apply_patch(&u, &b, &t, &FakeConfig::default()).unwrap();
        assert!(!out.active);
        assert_eq!(out.workspaces, vec![u.workspaces[0].clone()]);
        assert_eq!(out.given_name.as_deref(), Some("Zed"));
    }

    #[test]
    fn refusals() {
        let (t, u) = setup();
        let cfg = FakeConfig::default();
        let no_schema = json!({"Operations":[{"op":"replace","path":"active","value":false}]});
        assert_eq!(
            apply_patch(&u, &no_schema, &t, &cfg).unwrap_err().scim_type,
            "invalidSyntax"
        );
        let no_path = body(json!([{"op":"replace","value":{"active":false}}]));
        assert_eq!(
            apply_patch(&u, &no_path, &t, &cfg).unwrap_err().scim_type,
            "noTarget"
        );
        let unknown = body(
            json!([{"op":"add","path":"entitlements","value":[{"value":"ffff","type":"WORKSPACE"}]}]),
        );
        assert_eq!(
            apply_patch(&u, &unknown, &t, &cfg).unwrap_err().detail,
            "Workspace ffff not found"
        );
        let ro = body(json!([{"op":"replace","path":"userName","value":"x@y"}]));
        assert_eq!(
            apply_patch(&u, &ro, &t, &cfg).unwrap_err().scim_type,
            "mutability"
        );
        let many: Vec<Value> = t
            .workspaces
            .iter()
            .take(51)
            .map(|w| json!({"value":w.id,"type":"WORKSPACE"}))
            .collect();
        let over = body(
            json!([{"op":"replace","path":"entitlements[type eq \"WORKSPACE\"]","value":many}]),
        );
        assert!(
            apply_patch(&u, &over, &t, &cfg)
                .unwrap_err()
                .detail
                .contains("maximum of 50")
        );
        let lenient = FakeConfig {
            max_workspaces_per_request: None,
            ..FakeConfig::default()
        };
        assert_eq!(
            apply_patch(&u, &over, &t, &lenient)
                .unwrap()
                .workspaces
                .len(),
            51
        );
    }

    #[test]
    fn put_without_entitlements_removes_every_workspace() {
        let (t, u) = setup();
        let b = json!({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":u.user_name,"name":{"givenName":"A","familyName":"B"}});
        let out = apply_put(&u, &b, &t, &FakeConfig::default()).unwrap();
        assert!(out.workspaces.is_empty());
        assert_eq!(out.display_name.as_deref(), Some("A B"));
        let rename = json!({"userName":"other@x.com"});
        assert_eq!(
            apply_put(&u, &rename, &t, &FakeConfig::default())
                .unwrap_err()
                .scim_type,
            "mutability"
        );
    }
}
