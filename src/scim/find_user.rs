//! One user from what a person types: an id, an email (the userName), an externalId, or a
//! display name ("Karen Rivera"). Anaplan cannot filter on `displayName`, so a name is asked
//! as given and family name, every way its words split. `user show` and the TUI's `--user`
//! both come here (through [`ScimClient::find_user`]).

use crate::scim::ScimClient;
use crate::scim::error::{Candidate, ScimError};
use crate::scim::filter::{Attr, CompareOp, Filter, FilterValue};
use crate::scim::model::User;

/// Users listed when a name matches several: enough to pick one, never a whole tenant.
const MAX_CANDIDATES: u32 = 20;

fn eq(attr: Attr, value: &str) -> Filter {
    Filter::Compare {
        attr,
        op: CompareOp::Eq,
        value: FilterValue::Str(value.to_string()),
    }
}

/// The filters a display name is asked as: each split of its words into given and family
/// name; one word is either.
fn name_filters(key: &str) -> Vec<Filter> {
    let words: Vec<&str> = key.split_whitespace().collect();
    match words.as_slice() {
        [] => Vec::new(),
        [one] => vec![Filter::Or(
            Box::new(eq(Attr::FamilyName, one)),
            Box::new(eq(Attr::GivenName, one)),
        )],
        _ => (1..words.len())
            .map(|k| {
                Filter::And(
                    Box::new(eq(Attr::GivenName, &words[..k].join(" "))),
                    Box::new(eq(Attr::FamilyName, &words[k..].join(" "))),
                )
            })
            .collect(),
    }
}

/// The users a filter finds, at most [`MAX_CANDIDATES`].
async fn matching(client: &ScimClient, filter: &Filter) -> Result<Vec<User>, ScimError> {
    Ok(client
        .list_page(Some(filter), 1, MAX_CANDIDATES)
        .await?
        .users)
}

/// One user, or the candidates when several match (never a guess).
fn one_of(key: &str, mut found: Vec<User>) -> Option<Result<User, ScimError>> {
    found.dedup_by(|a, b| a.id.eq_ignore_ascii_case(&b.id));
    match found.len() {
        0 => None,
        1 => found.pop().map(Ok),
        _ => Some(Err(ScimError::Ambiguous {
            key: key.to_string(),
            candidates: found
                .iter()
                .map(|u| Candidate {
                    id: u.id.clone(),
                    user_name: u.user_name.clone(),
                    active: u.active,
                })
                .collect(),
        })),
    }
}

/// Finds the user `key` names: by id, email, externalId, then display name.
pub async fn find(client: &ScimClient, key: &str) -> Result<User, ScimError> {
    let key = key.trim();
    if key.is_empty() {
        return Err(ScimError::Config(
            "no user given: pass an id, an email, an externalId or a display name".into(),
        ));
    }
    if key.contains('@') {
        let found: Vec<User> = matching(client, &eq(Attr::UserName, key))
            .await?
            .into_iter()
            .filter(|u| u.user_name.eq_ignore_ascii_case(key))
            .collect();
        if let Some(r) = one_of(key, found) {
            return r;
        }
    } else if !key.contains(char::is_whitespace) {
        match client.get_user(key).await {
            Ok(u) => return Ok(u),
            Err(ScimError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    if !key.contains(char::is_whitespace)
        && let Some(r) = one_of(key, matching(client, &eq(Attr::ExternalId, key)).await?)
    {
        return r;
    }
    let mut by_name = Vec::new();
    for f in name_filters(key) {
        by_name.extend(matching(client, &f).await?);
    }
    by_name.sort_by(|a, b| a.user_name.cmp(&b.user_name));
    one_of(key, by_name).unwrap_or_else(|| {
        Err(ScimError::NoSuchUser {
            key: key.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_asked_as_every_split_into_given_and_family_name() {
        let shown: Vec<String> = name_filters("Mary Ann  Smith")
            .iter()
            .map(|f| f.to_string())
            .collect();
        assert_eq!(
            shown,
            [
                r#"name.givenName eq "Mary" and name.familyName eq "Ann Smith""#,
                r#"name.givenName eq "Mary Ann" and name.familyName eq "Smith""#,
            ]
        );
        assert_eq!(name_filters("  ").len(), 0);
        assert_eq!(name_filters("Rivera").len(), 1);
    }
}
