//! Property-test strategies shared by the files that throw arbitrary users at the code:
//! a user whose every text field comes from the caller's strategy.

use proptest::prelude::*;
use scimitar::scim::model::{User, Workspace};

/// Users with ids from `id`, every other text field (optional ones sometimes absent) from
/// `text`, and up to three workspaces with ids from `workspace_id`.
pub fn user<T, I, W>(id: I, text: fn() -> T, workspace_id: W) -> impl Strategy<Value = User>
where
    T: Strategy<Value = String>,
    I: Strategy<Value = String>,
    W: Strategy<Value = String> + Clone,
{
    let maybe = move || proptest::option::of(text());
    (
        (id, text(), maybe()),
        (maybe(), maybe(), maybe()),
        (maybe(), maybe(), any::<bool>()),
        proptest::collection::vec((workspace_id, text()), 0..4),
    )
        .prop_map(
            |(
                (id, user_name, external_id),
                (given, family, display),
                (created, modified, active),
                ws,
            )| User {
                id,
                user_name,
                external_id,
                active,
                given_name: given,
                family_name: family,
                display_name: display,
                workspaces: ws
                    .into_iter()
                    .map(|(id, name)| Workspace { id, name })
                    .collect(),
                created,
                last_modified: modified,
            },
        )
}
