//! The fake keeps its users rendered between listing pages; every change of the tenant (a
//! PATCH through SCIM, a change made in the console, an HR feed's externalId) shows on the
//! very next page, whatever page shape was read before.

mod support;

use scimitar::scim::client::AuthMethod;
use scimitar::scim::model::{PatchOpKind, PatchOperation, PatchRequest};
use support::inproc::{client, config, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_shows_on_the_next_page_after_pages_were_rendered() {
    let fake = start(config(250)).await;
    let c = client(&fake, AuthMethod::Token);
    // Read the pages twice first, in two shapes, so every user has been rendered.
    let first = c.list_page(None, 1, 100).await.unwrap();
    let again = c.list_page(None, 51, 100).await.unwrap();
    assert_eq!(first.users[50..], again.users[..50]);
    let target = first.users[60].clone();

    // A PATCH through SCIM.
    let body = PatchRequest::new(vec![PatchOperation {
        op: PatchOpKind::Replace,
        path: "name.givenName".into(),
        value: Some(serde_json::Value::from("Renamed")),
    }]);
    c.patch_user(&target.id, &body).await.unwrap();
    let p = c.list_page(None, 1, 100).await.unwrap();
    assert_eq!(p.users[60].given_name.as_deref(), Some("Renamed"));
    assert_eq!(
        fake.user(&target.id).unwrap().given_name.as_deref(),
        Some("Renamed")
    );

    // Changes made outside SCIM.
    assert!(fake.set_external_id(&target.id, Some("HR-42")));
    let p = c.list_page(None, 51, 20).await.unwrap();
    assert_eq!(p.users[10].id, target.id);
    assert_eq!(p.users[10].external_id.as_deref(), Some("HR-42"));
    fake.console_set_active(&target.id, !target.active).unwrap();
    let p = c.list_page(None, 61, 1).await.unwrap();
    assert_eq!(p.users[0].active, !target.active);

    // Every other user is as the tenant holds it.
    let all = c.list_page(None, 1, 100).await.unwrap();
    let want = fake.users();
    assert_eq!(all.users[..], want[..100]);
}
