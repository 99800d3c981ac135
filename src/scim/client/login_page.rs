//! One page of the integration API's `/2/0/users`, read straight from the bytes into only
//! what the last logins need (each user's id, lowercased, and its login), rather than through
//! a `serde_json::Value` tree of the whole page (5,000 users). It reads what the tree did: a
//! `users` that is not an array is no users, an entry that is not an object or has no string
//! `id` counts as listed but is skipped, and a `user` envelope in an entry is read for the date.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::LastLogin;

/// What one page says.
#[derive(Deserialize, Default)]
pub(super) struct LoginPage {
    #[serde(default)]
    users: Entries,
    /// Small (paging); read as JSON.
    #[serde(default)]
    pub meta: Value,
}

impl LoginPage {
    /// A page from the body's bytes; a body that is JSON but not an object holds no users.
    pub fn from_slice(bytes: &[u8]) -> serde_json::Result<LoginPage> {
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        match first {
            None => Ok(LoginPage::default()),
            Some(b'{') => serde_json::from_slice(bytes),
            Some(_) => serde_json::from_slice::<IgnoredAny>(bytes).map(|_| LoginPage::default()),
        }
    }

    /// Entries listed, the skipped ones included.
    pub fn listed(&self) -> usize {
        self.users.0.len()
    }

    /// The users with an id: (lowercased id, login), in page order.
    pub fn into_users(self) -> Vec<(Box<str>, LastLogin)> {
        self.users
            .0
            .into_iter()
            .filter_map(|e| Some((e.id?, e.login)))
            .collect()
    }
}

#[derive(Default)]
struct Entries(Vec<Entry>);

struct Entry {
    id: Option<Box<str>>,
    login: LastLogin,
}

/// Any JSON value that is not what the visitor wants is read past and taken as nothing.
macro_rules! anything_else_is_nothing {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Entries, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of users")
            }
            anything_else_is_nothing!();
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Entries, E> {
                Ok(Entries::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Entries, A::Error> {
                drain_map(map).map(|()| Entries::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entries, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(e) = seq.next_element::<Entry>()? {
                    out.push(e);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl Default for Entry {
    fn default() -> Entry {
        Entry {
            id: None,
            login: LastLogin::Never,
        }
    }
}

/// The fields of an entry that are read.
#[derive(Deserialize)]
#[serde(field_identifier)]
enum Key {
    #[serde(rename = "id")]
    Id,
    #[serde(rename = "lastLoginDate")]
    Date,
    #[serde(rename = "user")]
    User,
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Entry, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a user")
            }
            anything_else_is_nothing!();
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Entry, E> {
                Ok(Entry::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Entry, A::Error> {
                drain_seq(seq).map(|()| Entry::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
                let (mut id, mut date, mut envelope) = (None, None, None::<Value>);
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::Id => id = map.next_value::<Id>()?.0,
                        Key::Date => date = Some(map.next_value::<Value>()?),
                        Key::User => envelope = Some(map.next_value::<Value>()?),
                        Key::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                // As `LastLogin::from_body`: an entry with a `user` is read through it.
                let login = match &envelope {
                    Some(user) => LastLogin::from_date(user.get("lastLoginDate")),
                    None => LastLogin::from_date(date.as_ref()),
                };
                Ok(Entry { id, login })
            }
        }
        d.deserialize_any(V)
    }
}

/// A string id, lowercased; anything else is no id.
#[derive(Default)]
struct Id(Option<Box<str>>);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an id")
            }
            anything_else_is_nothing!();
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Id, E> {
                Ok(Id(Some(s.to_ascii_lowercase().into())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Id, A::Error> {
                drain_seq(seq).map(|()| Id(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Id, A::Error> {
                drain_map(map).map(|()| Id(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the `Value` tree read, for the same body.
    fn by_tree(body: &str) -> (usize, Vec<(Box<str>, LastLogin)>) {
        let v: Value = serde_json::from_str(body).unwrap();
        let items = v.get("users").and_then(Value::as_array);
        let users = items
            .into_iter()
            .flatten()
            .filter_map(|u| {
                let id = u.get("id").and_then(Value::as_str)?;
                Some((id.to_ascii_lowercase().into(), LastLogin::from_body(u)))
            })
            .collect();
        (items.map_or(0, Vec::len), users)
    }

    #[test]
    fn a_page_reads_as_the_json_tree_did_odd_entries_included() {
        for body in [
            r#"{"users":[{"id":"AB","lastLoginDate":"2026-01-02T03:04:05.000+0000","x":[1,{"y":2}]},
              {"id":"c","lastLoginDate":null},{"id":"d"},{"id":7},3,"s",null,[1],
              {"id":"e","lastLoginDate":"nope"},{"id":"f","lastLoginDate":1700000000000},
              {"id":"g","user":{"lastLoginDate":"2020-01-01T00:00:00Z"}},{"id":"h","id":"H2"},
              {"id":"i\u0041","lastLoginDate":true}],"meta":{"paging":{"totalSize":11}}}"#,
            r#"{"users":{"id":"a"}}"#,
            r#"{"users":null,"meta":1}"#,
            r#"{"other":1}"#,
        ] {
            let page = LoginPage::from_slice(body.as_bytes()).unwrap();
            let (listed, users) = by_tree(body);
            assert_eq!(page.listed(), listed, "{body}");
            assert_eq!(page.into_users(), users, "{body}");
        }
        for body in ["[1,2]", "  ", "null", "\"x\""] {
            let page = LoginPage::from_slice(body.as_bytes()).unwrap();
            assert_eq!(page.listed(), 0);
        }
        assert!(LoginPage::from_slice(b"{\"users\":[").is_err());
        assert!(LoginPage::from_slice(b"<html>").is_err());
    }
}
