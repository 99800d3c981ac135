//! Property tests for reading SCIM JSON: whatever shape Anaplan (or a proxy) sends, parsing
//! never panics, and the quirks Anaplan documents never change what a user is.

use proptest::prelude::*;
use scimitar::scim::model::{ListPage, User};
use serde_json::{Value, json};

/// Values of the kinds a field may wrongly hold.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[ -~]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::hash_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An active flag in any of the forms Anaplan's examples use.
fn active_form() -> impl Strategy<Value = (Value, bool)> {
    prop_oneof![
        any::<bool>().prop_map(|b| (json!(b), b)),
        any::<bool>().prop_map(|b| (json!(if b { "True" } else { "False" }), b)),
        any::<bool>().prop_map(|b| (json!(if b { "true" } else { "false" }), b)),
    ]
}

fn hex_id() -> impl Strategy<Value = String> {
    "[0-9a-f]{32}"
}

/// A user as Anaplan might send it, with its expected reading.
fn quirky_user() -> impl Strategy<Value = (String, Value, bool, Vec<String>)> {
    (
        hex_id(),
        active_form(),
        prop::collection::vec(hex_id(), 0..6),
        any::<bool>(), // aggregate records too
        any::<bool>(), // entitlements key absent when empty
        prop_oneof![Just(json!("")), Just(Value::Null), Just(json!("E123"))],
        any::<bool>(), // duplicate active key
    )
        .prop_map(|(id, (active_v, active), ws, aggregates, absent, ext, dup)| {
            let mut ents: Vec<Value> = ws
                .iter()
                .enumerate()
                .map(|(i, w)| json!({"value": w, "display": format!("WS {w}"), "type": "WORKSPACE", "primary": i == 0}))
                .collect();
            if aggregates && !ws.is_empty() {
                ents.push(json!({"value": ws.join(", "), "type": "WORKSPACE_IDS"}));
                ents.push(json!({"value": ws.iter().map(|w| format!("WS {w}")).collect::<Vec<_>>().join(","), "type": "WORKSPACE_NAMES"}));
            }
            let mut u = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": id, "userName": format!("{id}@example.com"), "externalId": ext,
                "name": {"givenName": "A", "familyName": null},
                "meta": {"location": "https://localhost:8090/1/0/v2/Users/x", "created": "2018-04-24T23:43:48.000+00:00", "version": "W/\"e180ee84f0671b1\""},
                "unknownField": {"nested": [1, 2, 3]},
            });
            if !(absent && ws.is_empty())
                && let Some(o) = u.as_object_mut()
            {
                o.insert("entitlements".into(), Value::Array(ents));
            }
            let mut text = u.to_string();
            // A duplicate key can only be written as text: "True" first, the real value last.
            if dup {
                text.insert_str(1, "\"active\":\"True\",");
            }
            let tail = format!(",\"active\":{active_v}}}");
            text.pop();
            text.push_str(&tail);
            (text, u, active, ws)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn quirky_users_read_as_what_they_are((text, _v, active, ws) in quirky_user()) {
        let v: Value = serde_json::from_str(&text).expect("the generator writes valid JSON");
        let u = User::from_value(&v).expect("a user with id and userName is read");
        prop_assert_eq!(u.active, active);
        // Workspaces come once each, in the order of the WORKSPACE records.
        let mut want: Vec<String> = Vec::new();
        for w in ws {
            if !want.contains(&w) {
                want.push(w);
            }
        }
        let got: Vec<String> = u.workspace_ids().map(str::to_string).collect();
        prop_assert_eq!(got, want);
        prop_assert!(u.external_id.as_deref() != Some(""));
    }

    #[test]
    fn arbitrary_values_never_panic(v in any_json()) {
        let _ = User::from_value(&v);
        let _ = ListPage::from_value(&v);
        let wrapped = json!({"totalResults": v.clone(), "Resources": [v.clone()], "startIndex": v});
        let _ = ListPage::from_value(&wrapped);
    }

    #[test]
    fn wrong_types_in_known_fields_never_panic(
        id in any_json(), user_name in any_json(), active in any_json(),
        ents in any_json(), name in any_json(), meta in any_json()
    ) {
        let v = json!({"id": id, "userName": user_name, "active": active,
                       "entitlements": ents, "name": name, "meta": meta});
        if let Ok(u) = User::from_value(&v) {
            prop_assert!(!u.id.is_empty() && !u.user_name.is_empty());
        }
    }

    #[test]
    fn truncated_bodies_are_errors_not_panics((text, _v, _a, _w) in quirky_user(), cut in 0usize..400) {
        let page = format!("{{\"totalResults\":1,\"Resources\":[{text}]}}");
        let cut = cut.min(page.len().saturating_sub(1));
        let short = &page.as_bytes()[..cut];
        if let Ok(v) = serde_json::from_slice::<Value>(short) {
            let _ = ListPage::from_value(&v);
        }
    }

    /// The client reads pages straight from the bytes; that must read exactly what the
    /// parsed JSON says, duplicate keys (the last wins) and wrong kinds included.
    #[test]
    fn pages_read_from_bytes_as_from_their_value(
        (text, _v, _a, _w) in quirky_user(), junk in any_json(), total in any_json()
    ) {
        let page = format!("{{\"totalResults\":{total},\"Resources\":[{text},{junk}],\"startIndex\":1}}");
        let parsed: Value = serde_json::from_str(&page).expect("valid JSON");
        let from_bytes = ListPage::from_slice(page.as_bytes()).map_err(|e| format!("{e:?}"));
        let from_value = ListPage::from_value(&parsed).map_err(|e| format!("{e:?}"));
        match (from_bytes, from_value) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(a), Err(b)) => prop_assert!(a.contains(&b), "{} vs {}", a, b),
            (a, b) => prop_assert!(false, "bytes read {:?}, value read {:?}", a, b),
        }
        let from_bytes = User::from_slice(junk.to_string().as_bytes()).ok();
        prop_assert_eq!(from_bytes, User::from_value(&junk).ok());
    }

    #[test]
    fn truncated_bytes_are_errors_not_panics((text, _v, _a, _w) in quirky_user(), cut in 0usize..400) {
        let page = format!("{{\"totalResults\":1,\"Resources\":[{text}]}}");
        let cut = cut.min(page.len().saturating_sub(1));
        prop_assert!(ListPage::from_slice(&page.as_bytes()[..cut]).is_err());
    }
}
