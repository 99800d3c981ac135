//! The renderer `user_json` replaced, built from a `serde_json::Value` per field; kept only
//! as the oracle its replacement must match byte for byte.

use serde_json::{Value, json};

use crate::scim::model::USER_SCHEMA;

use super::super::tenant::FakeUser;
use super::{Obj, bits, offset_format};

/// Renders one user, the old way. `scim_url` is where `meta.location` points in clean mode;
/// `aggregates` adds Anaplan's WORKSPACE_IDS / WORKSPACE_NAMES records.
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
    o.val("name", &name(fu, quirks));
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
    entitlements(&mut o, fu, quirks, aggregates);
    o.val("meta", &meta(fu, scim_url, quirks));
    o.finish()
}

/// The `name` object: absent parts as `null` in some quirks.
fn name(fu: &FakeUser, quirks: bool) -> Value {
    let u = &fu.user;
    let q = fu.quirk;
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
    Value::Object(name)
}

/// The entitlements, with Anaplan's aggregate records when `aggregates`.
fn entitlements(o: &mut Obj, fu: &FakeUser, quirks: bool, aggregates: bool) {
    let u = &fu.user;
    let q = fu.quirk;
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
}

/// The `meta` object: timestamps, location and version, each with its quirk.
fn meta(fu: &FakeUser, scim_url: &str, quirks: bool) -> Value {
    let u = &fu.user;
    let q = fu.quirk;
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
    Value::Object(meta)
}
