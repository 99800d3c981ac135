//! Resolving input keys against the tenant through the SCIM client's public API: one
//! `list_all` per chunk, with an OR-filter of the chunk's ids or user names.

use crate::input::resolve::UserLookup;
use crate::scim::client::{ListOptions, ScimClient};
use crate::scim::filter::Filter;
use crate::scim::model::User;

impl UserLookup for ScimClient {
    async fn users_by_ids(&self, ids: &[String]) -> Result<Vec<User>, String> {
        let Some(filter) = Filter::any_id(ids) else {
            return Ok(Vec::new());
        };
        list(self, &filter).await
    }

    async fn users_by_user_names(&self, names: &[String]) -> Result<Vec<User>, String> {
        let Some(filter) = names
            .iter()
            .map(|n| Filter::user_name_eq(n))
            .reduce(Filter::or)
        else {
            return Ok(Vec::new());
        };
        list(self, &filter).await
    }
}

async fn list(client: &ScimClient, filter: &Filter) -> Result<Vec<User>, String> {
    client
        .list_all(Some(filter), ListOptions::default(), |_| {})
        .await
        .map(|r| r.users)
        .map_err(|e| e.to_string())
}
