//! Reads users and list pages straight from the wire into the model, with no
//! `serde_json::Value` per user: a listing spends its CPU here. The same visitors read a
//! `Value` (the `from_value` entry points), so both paths keep every quirk alike: duplicate
//! keys keep the last, a field of the wrong type reads as absent, unknown fields are skipped.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::scim::model::{ListPage, ModelError, User, Workspace};

/// Why bytes did not read as a page or a user.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not JSON at all (an HTML page, a cut body).
    #[error("the body is not JSON: {0}")]
    Syntax(serde_json::Error),
    /// JSON, but not a user or a page.
    #[error(transparent)]
    Model(ModelError),
}

/// A field read only as far as scimitar needs it: its string or boolean, else nothing.
#[derive(Debug, Default)]
enum Loose {
    Str(String),
    Bool(bool),
    #[default]
    Other,
}

impl Loose {
    /// The string when it has something besides spaces (as Anaplan sends "" for absent).
    fn text(self) -> Option<String> {
        match self {
            Loose::Str(s) if !s.trim().is_empty() => Some(s),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Loose::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A JSON boolean or "true"/"false" in any case.
    fn flag(&self) -> Option<bool> {
        match self {
            Loose::Bool(b) => Some(*b),
            Loose::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Loose::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }
}

/// Visitor methods for the JSON kinds a reader does not want: they read as `$other`,
/// consuming whatever was there.
macro_rules! anything_else {
    ($other:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($other)
        }
    };
}

macro_rules! drain_seq {
    ($other:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($other)
        }
    };
}

macro_rules! drain_map {
    ($other:expr) => {
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($other)
        }
    };
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Loose;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Loose, E> {
                Ok(Loose::Bool(b))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Loose, E> {
                Ok(Loose::Str(s.to_owned()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Loose, E> {
                Ok(Loose::Str(s))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Loose, E> {
                Ok(Loose::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Loose, E> {
                Ok(Loose::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Loose, E> {
                Ok(Loose::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Loose, E> {
                Ok(Loose::Other)
            }
            fn visit_none<E: de::Error>(self) -> Result<Loose, E> {
                Ok(Loose::Other)
            }
            drain_seq!(Loose::Other);
            drain_map!(Loose::Other);
        }
        d.deserialize_any(V)
    }
}

/// The keys a reader knows; anything else is skipped without being read.
fn key<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<Key>, A::Error> {
    map.next_key::<Key>()
}

enum Key {
    Id,
    UserName,
    ExternalId,
    Active,
    Name,
    DisplayName,
    Meta,
    Entitlements,
    GivenName,
    FamilyName,
    Created,
    LastModified,
    Type,
    Value,
    Display,
    TotalResults,
    StartIndex,
    Resources,
    Unknown,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(match s {
                    "id" => Key::Id,
                    "userName" => Key::UserName,
                    "externalId" => Key::ExternalId,
                    "active" => Key::Active,
                    "name" => Key::Name,
                    "displayName" => Key::DisplayName,
                    "meta" => Key::Meta,
                    "entitlements" => Key::Entitlements,
                    "givenName" => Key::GivenName,
                    "familyName" => Key::FamilyName,
                    "created" => Key::Created,
                    "lastModified" => Key::LastModified,
                    "type" => Key::Type,
                    "value" => Key::Value,
                    "display" => Key::Display,
                    "totalResults" => Key::TotalResults,
                    "startIndex" => Key::StartIndex,
                    "Resources" => Key::Resources,
                    _ => Key::Unknown,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// Two strings of a nested object (`name`, `meta`); anything but an object reads as neither.
#[derive(Default)]
struct Pair {
    first: Loose,
    second: Loose,
}

struct PairOf(Key, Key);

impl<'de> de::DeserializeSeed<'de> for PairOf {
    type Value = Pair;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Pair, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PairOf {
    type Value = Pair;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    anything_else!(Pair::default());
    drain_seq!(Pair::default());
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pair, A::Error> {
        let mut out = Pair::default();
        while let Some(k) = key(&mut map)? {
            let slot = if std::mem::discriminant(&k) == std::mem::discriminant(&self.0) {
                &mut out.first
            } else if std::mem::discriminant(&k) == std::mem::discriminant(&self.1) {
                &mut out.second
            } else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            *slot = map.next_value()?;
        }
        Ok(out)
    }
}

/// One entitlement record; anything but an object has no type and is ignored.
#[derive(Default)]
struct Entitlement {
    kind: Loose,
    value: Loose,
    display: Loose,
}

impl Entitlement {
    fn is(&self, kind: &str) -> bool {
        self.kind
            .as_str()
            .is_some_and(|k| k.eq_ignore_ascii_case(kind))
    }
}

impl<'de> Deserialize<'de> for Entitlement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entitlement;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an entitlement object")
            }
            anything_else!(Entitlement::default());
            drain_seq!(Entitlement::default());
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entitlement, A::Error> {
                let mut e = Entitlement::default();
                while let Some(k) = key(&mut map)? {
                    match k {
                        Key::Type => e.kind = map.next_value()?,
                        Key::Value => e.value = map.next_value()?,
                        Key::Display => e.display = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(e)
            }
        }
        d.deserialize_any(V)
    }
}

/// `entitlements`: an array of records, or (any other kind) none.
struct Entitlements(Vec<Entitlement>);

impl<'de> Deserialize<'de> for Entitlements {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entitlements;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of entitlements")
            }
            anything_else!(Entitlements(Vec::new()));
            drain_map!(Entitlements(Vec::new()));
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entitlements, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(4).min(64));
                while let Some(e) = seq.next_element::<Entitlement>()? {
                    out.push(e);
                }
                Ok(Entitlements(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// One record of `Resources` (or a single user's body): a user, or why it is not one.
struct Record(Result<User, ModelError>);

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Record;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a user object")
            }
            anything_else!(Record(Err(ModelError::NotAnObject)));
            drain_seq!(Record(Err(ModelError::NotAnObject)));
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
                let (mut id, mut user_name, mut external_id) =
                    (Loose::Other, Loose::Other, Loose::Other);
                let (mut active, mut display_name) = (Loose::Other, Loose::Other);
                let mut name = Pair::default();
                let mut meta = Pair::default();
                let mut ents = Entitlements(Vec::new());
                while let Some(k) = key(&mut map)? {
                    match k {
                        Key::Id => id = map.next_value()?,
                        Key::UserName => user_name = map.next_value()?,
                        Key::ExternalId => external_id = map.next_value()?,
                        Key::Active => active = map.next_value()?,
                        Key::DisplayName => display_name = map.next_value()?,
                        Key::Name => {
                            name = map.next_value_seed(PairOf(Key::GivenName, Key::FamilyName))?
                        }
                        Key::Meta => {
                            meta = map.next_value_seed(PairOf(Key::Created, Key::LastModified))?
                        }
                        Key::Entitlements => ents = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let Some(id) = id.text() else {
                    return Ok(Record(Err(ModelError::Missing("id"))));
                };
                let Some(user_name) = user_name.text() else {
                    return Ok(Record(Err(ModelError::Missing("userName"))));
                };
                Ok(Record(Ok(User {
                    id,
                    user_name,
                    external_id: external_id.text(),
                    // Anaplan's own examples repeat `active` and send it as "True"; the last
                    // one counts. A user with no readable flag is shown as active (the safe
                    // reading for a tool that disables users: it is not skipped as a no-op).
                    active: active.flag().unwrap_or(true),
                    given_name: name.first.text(),
                    family_name: name.second.text(),
                    display_name: display_name.text(),
                    workspaces: workspaces(ents.0),
                    created: meta.first.text(),
                    last_modified: meta.second.text(),
                })))
            }
        }
        d.deserialize_any(V)
    }
}

/// Workspaces come from `WORKSPACE` records; when there are none, from the aggregate
/// `WORKSPACE_IDS` record (comma-joined, sometimes with spaces), paired with
/// `WORKSPACE_NAMES` by position when its count matches.
fn workspaces(items: Vec<Entitlement>) -> Vec<Workspace> {
    let mut out: Vec<Workspace> = Vec::new();
    let mut ids_record = None;
    let mut names_record = None;
    for e in items {
        if e.is("WORKSPACE") {
            let Some(id) = e.value.text() else { continue };
            let id = id.trim();
            if out.iter().any(|w| w.id == id) {
                continue;
            }
            let name = e.display.text().unwrap_or_else(|| id.to_string());
            out.push(Workspace {
                id: id.to_string(),
                name,
            });
        } else if ids_record.is_none() && e.is("WORKSPACE_IDS") {
            ids_record = Some(e.value);
        } else if names_record.is_none() && e.is("WORKSPACE_NAMES") {
            names_record = Some(e.value);
        }
    }
    if !out.is_empty() {
        return out;
    }
    let Some(ids) = ids_record.and_then(Loose::text) else {
        return out;
    };
    let ids = split_list(&ids);
    let names = names_record
        .and_then(Loose::text)
        .map(|n| split_list(&n))
        .unwrap_or_default();
    let paired = names.len() == ids.len();
    for (i, id) in ids.iter().enumerate() {
        if out.iter().any(|w| &w.id == id) {
            continue;
        }
        out.push(Workspace {
            id: id.clone(),
            name: if paired { names[i].clone() } else { id.clone() },
        });
    }
    out
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|p| p.trim().trim_matches('"').trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// `Resources`: an array of records, or (any other kind) none.
struct Resources(Vec<Record>);

impl<'de> Deserialize<'de> for Resources {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Resources;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of users")
            }
            anything_else!(Resources(Vec::new()));
            drain_map!(Resources(Vec::new()));
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Resources, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(100).min(1000));
                while let Some(r) = seq.next_element::<Record>()? {
                    out.push(r);
                }
                Ok(Resources(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A list response, or the mark that the body was not an object.
struct Page(Result<ListPage, ModelError>);

impl<'de> Deserialize<'de> for Page {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Page;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list response object")
            }
            anything_else!(Page(Err(ModelError::ListNotAnObject)));
            drain_seq!(Page(Err(ModelError::ListNotAnObject)));
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page, A::Error> {
                // The two numbers are read as values: they are few, and a wrong one is
                // quoted in the error.
                let mut total: Option<Value> = None;
                let mut start: Option<Value> = None;
                let mut resources = Resources(Vec::new());
                while let Some(k) = key(&mut map)? {
                    match k {
                        Key::TotalResults => total = Some(map.next_value()?),
                        Key::StartIndex => start = Some(map.next_value()?),
                        Key::Resources => resources = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let mut users = Vec::with_capacity(resources.0.len());
                let mut skipped = Vec::new();
                for Record(r) in resources.0 {
                    match r {
                        Ok(u) => users.push(u),
                        Err(e) => skipped.push(e.to_string()),
                    }
                }
                let page = number("totalResults", total, users.len() as u64).and_then(|t| {
                    Ok(ListPage {
                        total_results: t,
                        start_index: number("startIndex", start, 1)?,
                        users,
                        skipped,
                    })
                });
                Ok(Page(page))
            }
        }
        d.deserialize_any(V)
    }
}

/// A count as a JSON number or a numeric string; absent or null is `default`.
fn number(field: &'static str, v: Option<Value>, default: u64) -> Result<u64, ModelError> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => n.as_u64().ok_or(ModelError::BadNumber {
            field,
            got: n.to_string(),
        }),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| ModelError::BadNumber {
            field,
            got: s.clone(),
        }),
        Some(other) => Err(ModelError::BadNumber {
            field,
            got: other.to_string(),
        }),
    }
}

/// Bytes of only whitespace are no JSON value; read them as `null` like an empty body.
fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

pub fn page_from_slice(bytes: &[u8]) -> Result<ListPage, ReadError> {
    if is_blank(bytes) {
        return Err(ReadError::Model(ModelError::ListNotAnObject));
    }
    let Page(page) = serde_json::from_slice(bytes).map_err(ReadError::Syntax)?;
    page.map_err(ReadError::Model)
}

pub fn user_from_slice(bytes: &[u8]) -> Result<User, ReadError> {
    if is_blank(bytes) {
        return Err(ReadError::Model(ModelError::NotAnObject));
    }
    let Record(user) = serde_json::from_slice(bytes).map_err(ReadError::Syntax)?;
    user.map_err(ReadError::Model)
}

/// The same reading from an already parsed value (tests, the fake's own checks).
pub fn page_from_value(v: &Value) -> Result<ListPage, ModelError> {
    match Page::deserialize(v) {
        Ok(Page(page)) => page,
        // The visitors accept every JSON kind, so a value always reads.
        Err(e) => Err(ModelError::Unreadable(e.to_string())),
    }
}

pub fn user_from_value(v: &Value) -> Result<User, ModelError> {
    match Record::deserialize(v) {
        Ok(Record(user)) => user,
        Err(e) => Err(ModelError::Unreadable(e.to_string())),
    }
}

// The readers as the model's constructors. They live here, beside the code they call, so the
// model imports nothing of the wire.
impl User {
    /// Parses one user from a JSON value. Only `id` and `userName` are required.
    pub fn from_value(v: &Value) -> Result<User, ModelError> {
        user_from_value(v)
    }

    /// Parses one user straight from a response body.
    pub fn from_slice(bytes: &[u8]) -> Result<User, ReadError> {
        user_from_slice(bytes)
    }
}

impl ListPage {
    pub fn from_value(v: &Value) -> Result<ListPage, ModelError> {
        page_from_value(v)
    }

    /// Reads a page straight from a response body, with no `Value` per user.
    pub fn from_slice(bytes: &[u8]) -> Result<ListPage, ReadError> {
        page_from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_duplicate_counts_at_every_level() {
        let raw = br#"{"totalResults":9,"Resources":[{"id":"x","userName":"x"}],
            "Resources":[{"id":"a","userName":"a@b.c","name":{"givenName":"Old","givenName":"New"},
            "active":false,"active":"TRUE","meta":5,"meta":{"created":"2024"}}]}"#;
        let page = page_from_slice(raw).expect("a page");
        assert_eq!(page.users.len(), 1);
        let u = &page.users[0];
        assert_eq!(u.id, "a");
        assert_eq!(u.given_name.as_deref(), Some("New"));
        assert!(u.active);
        assert_eq!(u.created.as_deref(), Some("2024"));
    }

    #[test]
    fn not_json_and_not_an_object_are_told_apart() {
        assert!(matches!(
            page_from_slice(b"<html>502</html>"),
            Err(ReadError::Syntax(_))
        ));
        assert!(matches!(
            page_from_slice(b"[1,2]"),
            Err(ReadError::Model(ModelError::ListNotAnObject))
        ));
        assert!(matches!(
            page_from_slice(b"  "),
            Err(ReadError::Model(ModelError::ListNotAnObject))
        ));
        assert!(matches!(
            user_from_slice(br#"{"id":"a","userName":7}"#),
            Err(ReadError::Model(ModelError::Missing("userName")))
        ));
    }

    #[test]
    fn escaped_strings_and_wrong_kinds_read_as_the_value_does() {
        let raw = r#"{"id":"a\"b","userName":"x","externalId":["E1"],"entitlements":{"a":1},
            "displayName":"Caf\u00e9"}"#;
        let u = user_from_slice(raw.as_bytes()).expect("a user");
        assert_eq!(u.id, "a\"b");
        assert_eq!(u.external_id, None);
        assert!(u.workspaces.is_empty());
        assert_eq!(u.display_name.as_deref(), Some("Café"));
    }
}
