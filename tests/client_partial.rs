//! Anaplan's PATCH is not atomic: when the entitlement part fails, the other changes are
//! saved and the answer is a partial success (207). scimitar must report such a user as
//! failed, with the reason, and never as done.

mod support;
use support::inproc as common;

use common::{client, config, start};
use scimitar::plan::UserState;
use scimitar::scim::ScimError;
use scimitar::scim::client::AuthMethod;
use scimitar::scim::model::{
    PatchOpKind, PatchOperation, PatchRequest, WORKSPACE_ENTITLEMENTS_PATH,
};
use serde_json::json;

/// Deactivates the user and, with `op` on `path`, grants a workspace the tenant lacks.
fn disable_and_grant_unknown(op: PatchOpKind, path: &str) -> PatchRequest {
    PatchRequest::new(vec![
        PatchOperation {
            op: PatchOpKind::Replace,
            path: "active".into(),
            value: Some(json!(false)),
        },
        PatchOperation {
            op,
            path: path.into(),
            value: Some(
                json!([{"value": "ffffffffffffffffffffffffffffffff", "type": "WORKSPACE"}]),
            ),
        },
    ])
}

#[tokio::test]
async fn a_partial_success_is_an_error_naming_it_and_the_rest_is_saved() {
    let fake = start(scimitar::fake::FakeConfig {
        partial_success: true,
        ..config(50)
    })
    .await;
    let c = client(&fake, AuthMethod::Token);
    let user = fake
        .users()
        .into_iter()
        .find(|u| u.active && !u.workspaces.is_empty() && u.id != fake.admin_user_id)
        .expect("an active user with workspaces");
    let body = disable_and_grant_unknown(PatchOpKind::Replace, WORKSPACE_ENTITLEMENTS_PATH);
    let err = c
        .patch_user(&user.id, &body)
        .await
        .expect_err("a 207 is not a success");
    assert!(
        matches!(err, ScimError::Status { status: 207, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("partial success") && text.contains("entitlements"),
        "{text}"
    );
    let now = fake.user(&user.id).expect("still there");
    assert!(!now.active, "the attribute change was saved");
    assert_eq!(
        UserState::of(&now).workspaces,
        UserState::of(&user).workspaces,
        "the entitlements were not"
    );
}

#[tokio::test]
async fn without_the_mode_the_whole_patch_is_refused() {
    let fake = start(config(50)).await;
    let c = client(&fake, AuthMethod::Token);
    let user = fake
        .users()
        .into_iter()
        .find(|u| u.active && u.id != fake.admin_user_id)
        .expect("an active user");
    let body = disable_and_grant_unknown(PatchOpKind::Add, "entitlements");
    let err = c
        .patch_user(&user.id, &body)
        .await
        .expect_err("unknown workspace");
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(
        fake.user(&user.id).expect("still there").active,
        "nothing saved"
    );
}
