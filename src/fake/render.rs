//! The wire form of users and SCIM errors. Users are serialized from borrowed structs, not
//! `serde_json::Value`s (a listing spent ~40% of the fake's CPU building those), and by hand
//! at the top level because quirks mode sends a duplicate `active` key.

use std::borrow::Cow;
use std::sync::{OnceLock, RwLock};

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
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
pub fn user_json(fu: &FakeUser, scim_url: &str, quirks: bool, aggregates: bool) -> String {
    let wire = WireUser::new(fu, scim_url, quirks, aggregates);
    // Plain structs with string keys cannot fail to serialize; the fallback keeps the fake
    // answering rather than panicking if that ever changes.
    serde_json::to_string(&wire).unwrap_or_else(|e| error_json(500, None, &e.to_string()))
}

/// A user as the fake sends it, borrowed from the tenant, fields in wire order.
/// `Option<Option<_>>`: outer `None` omits the key, `Some(None)` sends `null`.
struct WireUser<'a> {
    id: &'a str,
    external_id: Option<Option<&'a str>>,
    /// Anaplan's `"True"`/`"False"` string, sent before `userName`.
    active_text: Option<&'static str>,
    user_name: &'a str,
    name: Name<'a>,
    display_name: Option<&'a str>,
    emails: Option<[Email<'a>; 1]>,
    active: Option<bool>,
    entitlements: Option<Vec<Entitlement<'a>>>,
    meta: Meta<'a>,
}

// Field names below are in sorted order: the old renderer built these objects as
// `serde_json::Map`s, which sort their keys, and the wire form must not change.
#[derive(Serialize)]
struct Name<'a> {
    #[serde(rename = "familyName", skip_serializing_if = "Option::is_none")]
    family_name: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    formatted: Option<&'a str>,
    #[serde(rename = "givenName", skip_serializing_if = "Option::is_none")]
    given_name: Option<Option<&'a str>>,
}

#[derive(Serialize)]
struct Email<'a> {
    primary: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    value: &'a str,
}

#[derive(Serialize)]
struct Entitlement<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    display: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary: Option<bool>,
    #[serde(rename = "type")]
    kind: &'static str,
    value: Cow<'a, str>,
}

#[derive(Serialize)]
struct Meta<'a> {
    created: Option<Cow<'a, str>>,
    #[serde(rename = "lastModified")]
    last_modified: Option<Cow<'a, str>>,
    location: String,
    #[serde(rename = "resourceType")]
    resource_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
}

impl<'a> WireUser<'a> {
    fn new(fu: &'a FakeUser, scim_url: &str, quirks: bool, aggregates: bool) -> WireUser<'a> {
        let u = &fu.user;
        let q = fu.quirk;
        // Forms 0-2 send Anaplan's string; form 2 sends only the string, never the boolean.
        let active_form = if quirks { bits(q, 2, 6) } else { 5 };
        let title = if u.active { "True" } else { "False" };
        WireUser {
            id: &u.id,
            external_id: external_id(fu, quirks),
            active_text: (active_form <= 2).then_some(title),
            user_name: &u.user_name,
            name: name(fu, quirks),
            display_name: u.display_name.as_deref(),
            emails: quirks.then_some([Email {
                primary: true,
                kind: "work",
                value: &u.user_name,
            }]),
            active: (active_form != 2).then_some(u.active),
            entitlements: entitlements(fu, quirks, aggregates),
            meta: meta(fu, scim_url, quirks),
        }
    }
}

impl Serialize for WireUser<'_> {
    // By hand because quirks mode sends `active` twice, which no derived struct can.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemas", &[USER_SCHEMA])?;
        m.serialize_entry("id", self.id)?;
        if let Some(e) = &self.external_id {
            m.serialize_entry("externalId", e)?;
        }
        if let Some(a) = self.active_text {
            m.serialize_entry("active", a)?;
        }
        m.serialize_entry("userName", self.user_name)?;
        m.serialize_entry("name", &self.name)?;
        if let Some(d) = self.display_name {
            m.serialize_entry("displayName", d)?;
        }
        if let Some(e) = &self.emails {
            m.serialize_entry("emails", e)?;
        }
        if let Some(a) = &self.active {
            m.serialize_entry("active", a)?;
        }
        if let Some(e) = &self.entitlements {
            m.serialize_entry("entitlements", e)?;
        }
        m.serialize_entry("meta", &self.meta)?;
        m.end()
    }
}

/// Absent in clean mode; in quirks mode an absent id may come as `""` or `null` instead.
fn external_id(fu: &FakeUser, quirks: bool) -> Option<Option<&str>> {
    match (&fu.user.external_id, quirks) {
        (Some(e), _) => Some(Some(e)),
        (None, true) => match bits(fu.quirk, 0, 3) {
            0 => Some(Some("")),
            1 => Some(None),
            _ => None,
        },
        (None, false) => None,
    }
}

fn name<'a>(fu: &'a FakeUser, quirks: bool) -> Name<'a> {
    let u = &fu.user;
    let absent_as_null = quirks && bits(fu.quirk, 5, 2) == 0;
    let part = |v: Option<&'a str>| match v {
        Some(s) => Some(Some(s)),
        None if absent_as_null => Some(None),
        None => None,
    };
    Name {
        family_name: part(u.family_name.as_deref()),
        formatted: u.display_name.as_deref(),
        given_name: part(u.given_name.as_deref()),
    }
}

fn entitlements(fu: &FakeUser, quirks: bool, aggregates: bool) -> Option<Vec<Entitlement<'_>>> {
    let (u, q) = (&fu.user, fu.quirk);
    if u.workspaces.is_empty() {
        return (quirks && bits(q, 6, 2) == 0).then(Vec::new);
    }
    let mut ents: Vec<Entitlement> = u
        .workspaces
        .iter()
        .enumerate()
        .map(|(i, w)| Entitlement {
            // A server that stores what it is sent has no name for a workspace sent
            // without `display`.
            display: (!w.name.is_empty()).then_some(w.name.as_str()),
            primary: (quirks && i == 0).then_some(true),
            kind: "WORKSPACE",
            value: Cow::Borrowed(&w.id),
        })
        .collect();
    if aggregates {
        let sep = if quirks && bits(q, 7, 2) == 0 {
            ", "
        } else {
            ","
        };
        let ids: Vec<&str> = u.workspaces.iter().map(|w| w.id.as_str()).collect();
        ents.push(aggregate("WORKSPACE_IDS", ids.join(sep)));
        if !quirks || bits(q, 8, 2) == 0 {
            let names: Vec<&str> = u.workspaces.iter().map(|w| w.name.as_str()).collect();
            ents.push(aggregate("WORKSPACE_NAMES", names.join(",")));
        }
    }
    Some(ents)
}

fn aggregate(kind: &'static str, value: String) -> Entitlement<'static> {
    Entitlement {
        display: None,
        primary: None,
        kind,
        value: Cow::Owned(value),
    }
}

fn meta<'a>(fu: &'a FakeUser, scim_url: &str, quirks: bool) -> Meta<'a> {
    let (u, q) = (&fu.user, fu.quirk);
    let ts = |s: &'a Option<String>| -> Option<Cow<'a, str>> {
        match s {
            Some(s) if quirks && bits(q, 9, 2) == 0 => Some(Cow::Owned(offset_format(s))),
            Some(s) => Some(Cow::Borrowed(s)),
            None => None,
        }
    };
    let location = if quirks && bits(q, 10, 3) == 0 {
        format!("https://localhost:8090/1/0/v2/Users/{}", u.id)
    } else {
        format!("{scim_url}/Users/{}", u.id)
    };
    Meta {
        created: ts(&u.created),
        last_modified: ts(&u.last_modified),
        location,
        resource_type: "User",
        version: (quirks && bits(q, 12, 2) == 0)
            .then(|| format!("W/\"{:08x}{:04x}\"", q, fu.version)),
    }
}

/// Users rendered once and reused by every listing page until the tenant changes, so the
/// fake answers a page with copies and a benchmark of the client measures the client. Every
/// write of the tenant empties it (`write_tenant`, under the tenant's write lock, so no page
/// can see a stale user); the next pages fill it again.
#[derive(Default)]
pub(crate) struct Rendered {
    users: RwLock<Vec<OnceLock<String>>>,
}

impl Rendered {
    /// Drops every rendered user: the tenant is changing.
    pub(crate) fn clear(&self) {
        *super::write(&self.users) = Vec::new();
    }

    /// Calls `with` on the JSON of the users `idx` (positions in a tenant of `len` users,
    /// read-locked by the caller), rendering with `render` those not rendered yet.
    pub(crate) fn with_page<R>(
        &self,
        len: usize,
        idx: &[usize],
        render: impl Fn(usize) -> String,
        with: impl FnOnce(&[&str]) -> R,
    ) -> R {
        if super::read(&self.users).len() != len {
            let mut users = super::write(&self.users);
            if users.len() != len {
                *users = (0..len).map(|_| OnceLock::new()).collect();
            }
        }
        let users = super::read(&self.users);
        let page: Vec<&str> = idx
            .iter()
            .filter_map(|&i| users.get(i).map(|u| u.get_or_init(|| render(i)).as_str()))
            .collect();
        with(&page)
    }
}

/// The ListResponse envelope around already-rendered users. In quirks mode the envelope
/// has no `schemas`, `itemsPerPage` echoes the requested count rather than what is sent,
/// and a page past the end has no `Resources` key at all.
pub fn list_json<S: std::borrow::Borrow<str>>(
    total: usize,
    start_index: usize,
    requested: usize,
    resources: &[S],
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
#[path = "render_oracle.rs"]
mod oracle;

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

    /// The demo tenant (3000 users, seed 42), clean, quirky and hostile, in every dialect:
    /// the borrowed-struct renderer sends exactly what the `Value` one did.
    #[test]
    fn every_demo_user_renders_as_the_old_renderer_did() {
        let cfg = super::super::FakeConfig::default();
        for (quirks, hostile) in [(false, false), (true, false), (false, true)] {
            let mut t = super::super::tenant::Tenant::generate(cfg.users, cfg.seed, quirks);
            if hostile {
                super::super::hostile::seed(&mut t);
            }
            for fu in &t.users {
                for aggregates in [false, true] {
                    let url = "http://127.0.0.1:1/scim/1/0/v2";
                    let new = user_json(fu, url, quirks, aggregates);
                    let old = oracle::user_json(fu, url, quirks, aggregates);
                    let parsed = |s: &str| serde_json::from_str::<Value>(s).unwrap();
                    assert_eq!(parsed(&new), parsed(&old), "{old}");
                    assert_eq!(new, old);
                }
            }
        }
    }
}
