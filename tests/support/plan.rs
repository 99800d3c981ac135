//! Builders shared by the plan tests.
#![allow(dead_code)]

use scimitar::scim::model::{User, Workspace};

pub fn ws_id(i: usize) -> String {
    format!("{i:032x}")
}

pub fn ws(i: usize) -> Workspace {
    Workspace {
        id: ws_id(i),
        name: format!("Workspace {i}"),
    }
}

pub fn user(active: bool, workspaces: usize) -> User {
    User {
        id: "38a0546fd5894c1fac87f8fb71566b3f".into(),
        user_name: "ann.lee@example.com".into(),
        external_id: None,
        active,
        given_name: Some("Ann".into()),
        family_name: Some("Lee".into()),
        display_name: None,
        workspaces: (0..workspaces).map(ws).collect(),
        created: None,
        last_modified: None,
    }
}
