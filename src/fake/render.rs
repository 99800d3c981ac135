//! The wire form of users and SCIM errors. Written as raw JSON text because quirks mode
//! must emit what `serde_json::Value` cannot hold: a duplicate `active` key.

use serde_json::{Value, json};

use crate::scim::model::{ERROR_SCHEMA, LIST_SCHEMA, USER_SCHEMA};

use super::tenant::FakeUser;

/// Appends `"key":value` pairs to a JSON object under construction.
struct Obj {
    out: String,
    first: bool,
}

impl Obj {
    fn new() -> Obj {
        Obj {
            out: String::from("{"),
            first: true,
        }
    }

    fn raw(&mut self, key: &str, raw_json: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push_str(&Value::from(key).to_string());
        self.out.push(':');
        self.out.push_str(raw_json);
    }

    fn val(&mut self, key: &str, v: &Value) {
        self.raw(key, &v.to_string());
    }

    fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// Which quirk applies to a user, drawn from its fixed random bits.
fn bits(q: u32, shift: u32, modulo: u32) -> u32 {
    (q >> shift) % modulo
}

/// `2019-08-01T18:29:49.793Z` → `2019-08-01T18:29:49.000+00:00`, the other format in
/// Anaplan's examples.
fn offset_format(ts: &str) -> String {
    match ts.split_once('.') {
        Some((head, _)) => format!("{head}.000+00:00"),
        None => ts.to_string(),
    }
}

/// Renders one user. `scim_url` is where `meta.location` points in clean mode;
/// `aggregates` adds Anaplan's WORKSPACE_IDS / WORKSPACE_NAMES records.
// Long because one user's JSON field by field in wire order, each field with its dialect and quirk switches beside it.
pub fn user_json(fu: &FakeUser, scim_url: &str, quirks: bool, aggregates: bool) -> String {
    let u = &fu.user;
    let q = fu.quirk;
    let mut o = Obj::new();
    o.val("schemas", &json!([USER_SCHEMA]));
    o.val("id", &Value::from(u.id.as_str()));
    match (&u.external_id, quirks) {
        (Some(e), _) => o.val("externalId", &Value::from(e.as_str())),
        (None, true) => match bits(q, 0, 3) {
            0 => o.raw("externalId", "\"\""),
            1 => o.raw("externalId", "null"),
            _ => {}
        },
        (None, false) => {}
    }
    let active_form = if quirks { bits(q, 2, 6) } else { 5 };
    let title = |b: bool| if b { "\"True\"" } else { "\"False\"" };
    match active_form {
        // Anaplan's own example: the string first, the boolean later in the same object.
        0 | 1 => o.raw("active", title(u.active)),
        2 => o.raw("active", title(u.active)),
        _ => {}
    }
    o.val("userName", &Value::from(u.user_name.as_str()));
    let mut name = serde_json::Map::new();
    let absent_as_null = quirks && bits(q, 5, 2) == 0;
    match &u.family_name {
        Some(f) => {
            name.insert("familyName".into(), Value::from(f.as_str()));
        }
        None if absent_as_null => {
            name.insert("familyName".into(), Value::Null);
        }
        None => {}
    }
    match &u.given_name {
        Some(g) => {
            name.insert("givenName".into(), Value::from(g.as_str()));
        }
        None if absent_as_null => {
            name.insert("givenName".into(), Value::Null);
        }
        None => {}
    }
    if let Some(d) = &u.display_name {
        name.insert("formatted".into(), Value::from(d.as_str()));
    }
    o.val("name", &Value::Object(name));
    if let Some(d) = &u.display_name {
        o.val("displayName", &Value::from(d.as_str()));
    }
    if quirks {
        o.val(
            "emails",
            &json!([{"value": u.user_name, "type": "work", "primary": true}]),
        );
    }
    if active_form != 2 {
        o.raw("active", if u.active { "true" } else { "false" });
    }
    if u.workspaces.is_empty() {
        if quirks && bits(q, 6, 2) == 0 {
            o.raw("entitlements", "[]");
        }
    } else {
        let mut ents: Vec<Value> = u
            .workspaces
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let mut e = json!({"value": w.id, "type": "WORKSPACE"});
                // A server that stores what it is sent has no name for a workspace sent
                // without `display`.
                if !w.name.is_empty() {
                    e["display"] = Value::from(w.name.as_str());
                }
                if quirks && i == 0 {
                    e["primary"] = Value::from(true);
                }
                e
            })
            .collect();
        let sep = if quirks && bits(q, 7, 2) == 0 {
            ", "
        } else {
            ","
        };
        let ids: Vec<&str> = u.workspaces.iter().map(|w| w.id.as_str()).collect();
        if aggregates {
            ents.push(json!({"value": ids.join(sep), "type": "WORKSPACE_IDS"}));
        }
        if aggregates && (!quirks || bits(q, 8, 2) == 0) {
            let names: Vec<&str> = u.workspaces.iter().map(|w| w.name.as_str()).collect();
            ents.push(json!({"value": names.join(","), "type": "WORKSPACE_NAMES"}));
        }
        o.val("entitlements", &Value::Array(ents));
    }
    let mut meta = serde_json::Map::new();
    meta.insert("resourceType".into(), Value::from("User"));
    let ts = |s: &Option<String>| -> Value {
        match s {
            Some(s) if quirks && bits(q, 9, 2) == 0 => Value::from(offset_format(s)),
            Some(s) => Value::from(s.as_str()),
            None => Value::Null,
        }
    };
    meta.insert("created".into(), ts(&u.created));
    meta.insert("lastModified".into(), ts(&u.last_modified));
    let location = if quirks && bits(q, 10, 3) == 0 {
        format!("https://localhost:8090/1/0/v2/Users/{}", u.id)
    } else {
        format!("{scim_url}/Users/{}", u.id)
    };
    meta.insert("location".into(), Value::from(location));
    if quirks && bits(q, 12, 2) == 0 {
        meta.insert(
            "version".into(),
            Value::from(format!("W/\"{:08x}{:04x}\"", q, fu.version)),
        );
    }
    o.val("meta", &Value::Object(meta));
    o.finish()
}

/// The ListResponse envelope around already-rendered users. In quirks mode the envelope
/// has no `schemas`, `itemsPerPage` echoes the requested count rather than what is sent,
/// and a page past the end has no `Resources` key at all.
pub fn list_json(
    total: usize,
    start_index: usize,
    requested: usize,
    resources: &[String],
    quirks: bool,
) -> String {
    let mut o = Obj::new();
    if !quirks {
        o.val("schemas", &json!([LIST_SCHEMA]));
    }
    o.val("totalResults", &Value::from(total));
    o.val("startIndex", &Value::from(start_index));
    let per_page = if quirks { requested } else { resources.len() };
    o.val("itemsPerPage", &Value::from(per_page));
    if !(quirks && resources.is_empty()) {
        o.raw("Resources", &format!("[{}]", resources.join(",")));
    }
    if quirks {
        // An unknown field, to prove clients ignore what they do not know.
        o.val(
            "x-anaplan-request-id",
            &Value::from(format!("{total:x}-{start_index:x}")),
        );
    }
    o.finish()
}

/// A SCIM error body; `status` is a string, as Anaplan sends it.
pub fn error_json(status: u16, scim_type: Option<&str>, detail: &str) -> String {
    let mut v = json!({"schemas": [ERROR_SCHEMA], "detail": detail, "status": status.to_string()});
    if let (Some(t), Some(o)) = (scim_type, v.as_object_mut()) {
        o.insert("scimType".into(), Value::from(t));
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::model::User;

    #[test]
    fn every_quirk_form_parses_back_to_the_same_user() {
        let t = super::super::tenant::Tenant::generate(400, 3, true);
        let mut duplicate = 0;
        for fu in &t.users {
            let text = user_json(fu, "http://x/scim/1/0/v2", true, true);
            if text.matches("\"active\":").count() == 2 {
                duplicate += 1;
            }
            let v: Value = serde_json::from_str(&text).unwrap();
            let back = User::from_value(&v).unwrap();
            assert_eq!(back.active, fu.user.active, "{text}");
            assert_eq!(
                back.workspace_ids().collect::<Vec<_>>(),
                fu.user.workspace_ids().collect::<Vec<_>>()
            );
            assert_eq!(back.external_id, fu.user.external_id);
            let clean = user_json(fu, "http://x/scim/1/0/v2", false, true);
            let back = User::from_value(&serde_json::from_str(&clean).unwrap()).unwrap();
            assert_eq!(back.workspaces, fu.user.workspaces);
        }
        assert!(duplicate > 0);
    }
}
