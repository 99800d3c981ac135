//! Resolving input keys against the tenant through the SCIM client's public API: `or`
//! filters of ids or user names that split when the server refuses them, and ids the filter
//! did not return confirmed with their own GET (a server may not filter on `id` at all)
//! until the server has shown that it answers `id` filters.

use crate::input::resolve::{LookupError, UserLookup};
use crate::scim::ScimError;
use crate::scim::bulk::{KeyedRead, look_up_ids, read_by_external_ids, read_by_user_names};
use crate::scim::client::ScimClient;
use crate::scim::model::User;

impl UserLookup for ScimClient {
    async fn users_by_ids(&self, ids: &[String]) -> Result<Vec<User>, LookupError> {
        outcome(look_up_ids(self, ids).await)
    }

    async fn users_by_user_names(&self, names: &[String]) -> Result<Vec<User>, LookupError> {
        outcome(read_by_user_names(self, names).await)
    }

    async fn users_by_external_ids(&self, ids: &[String]) -> Result<Vec<User>, LookupError> {
        outcome(read_by_external_ids(self, ids).await)
    }
}

/// A lookup error names what the server answered (and for which key), not the connection.
fn outcome(read: Result<KeyedRead, ScimError>) -> Result<Vec<User>, LookupError> {
    let mut read = read?;
    if read.failed.is_empty() {
        return Ok(read.users);
    }
    let (key, source) = read.failed.swap_remove(0);
    Err(LookupError::Key { key, source })
}
