//! Every action against every user shape: the outcome, the after-state and the exact bodies.

mod support;
use support::plan as common;

use common::{user, ws, ws_id};
use scimitar::plan::simulate::apply_requests;
use scimitar::plan::{
    Action, Outcome, PlanItem, Protected, describe, not_found_item, plan_user, workspaces_lost,
};
use scimitar::scim::model::{PATCH_SCHEMA, Workspace};
use serde_json::{Value, json};

/// Plain `entitlements`, never the filtered path: RFC 7644 answers a filtered replace or
/// remove that matches nothing with `400 noTarget`.
const WS_PATH: &str = "entitlements";

fn bodies(item: &PlanItem) -> Vec<Value> {
    item.requests
        .iter()
        .map(|r| {
            assert_eq!(r.schemas, [PATCH_SCHEMA]);
            serde_json::to_value(&r.operations).unwrap()
        })
        .collect()
}

fn plan(active: bool, n: usize, action: Action) -> PlanItem {
    plan_user(&user(active, n), &action, &Protected::default())
}

/// Every value carries the workspace name in `display`, so servers that store it keep it.
fn entitlements(ws: impl IntoIterator<Item = Workspace>) -> Value {
    Value::Array(
        ws.into_iter()
            .map(|w| json!({"value": w.id, "display": w.name, "type": "WORKSPACE"}))
            .collect(),
    )
}

fn assert_applies(item: &PlanItem) {
    let got = apply_requests(item.before.as_ref().unwrap(), &item.requests);
    assert!(
        got.equivalent(item.after.as_ref().unwrap()),
        "{got:?} vs {:?}",
        item.after
    );
}

fn assert_noop(item: &PlanItem) {
    assert_eq!(item.outcome, Outcome::NoOp);
    assert!(item.requests.is_empty());
    assert_eq!(item.before, item.after);
}

#[test]
fn disable() {
    for n in [0, 3, 60] {
        let item = plan(true, n, Action::Disable);
        assert_eq!(item.outcome, Outcome::Change);
        assert_eq!(
            bodies(&item),
            [json!([{"op":"replace","path":"active","value":false}])]
        );
        let after = item.after.as_ref().unwrap();
        assert!(!after.active);
        assert_eq!(after.workspaces.len(), n);
        assert_applies(&item);
        assert_noop(&plan(false, n, Action::Disable));
    }
}

#[test]
fn enable() {
    for n in [0, 3, 60] {
        let item = plan(false, n, Action::Enable);
        assert_eq!(
            bodies(&item),
            [json!([{"op":"replace","path":"active","value":true}])]
        );
        assert!(item.after.as_ref().unwrap().active);
        assert_applies(&item);
        assert_noop(&plan(true, n, Action::Enable));
    }
}

#[test]
fn remove_workspaces() {
    for active in [true, false] {
        assert_noop(&plan(active, 0, Action::RemoveWorkspaces));
        for n in [1, 3, 50, 51, 120] {
            let item = plan(active, n, Action::RemoveWorkspaces);
            assert_eq!(item.outcome, Outcome::Change);
            // One remove, whatever the count: the 50 limit is on workspaces sent, not removed.
            assert_eq!(bodies(&item), [json!([{"op":"remove","path":WS_PATH}])]);
            let after = item.after.as_ref().unwrap();
            assert_eq!(after.active, active);
            assert!(after.workspaces.is_empty());
            assert_eq!(workspaces_lost(&item).len(), n);
            assert_applies(&item);
        }
    }
}

#[test]
fn disable_and_remove_sends_only_what_is_needed_in_one_request() {
    let both = plan(true, 4, Action::DisableAndRemove);
    assert_eq!(
        bodies(&both),
        [json!([
            {"op":"replace","path":"active","value":false},
            {"op":"remove","path":WS_PATH}
        ])]
    );
    assert_applies(&both);
    let only_active = plan(true, 0, Action::DisableAndRemove);
    assert_eq!(
        bodies(&only_active),
        [json!([{"op":"replace","path":"active","value":false}])]
    );
    let only_ws = plan(false, 70, Action::DisableAndRemove);
    assert_eq!(bodies(&only_ws), [json!([{"op":"remove","path":WS_PATH}])]);
    assert_applies(&only_ws);
    assert_noop(&plan(false, 0, Action::DisableAndRemove));
}

fn keep(ids: impl IntoIterator<Item = String>) -> Action {
    Action::KeepWorkspaces {
        keep: ids.into_iter().collect(),
    }
}

#[test]
fn keep_everything_the_user_has_is_a_noop() {
    assert_noop(&plan(true, 5, keep((0..5).map(ws_id))));
    // Extra ids in the keep set are never added.
    assert_noop(&plan(true, 5, keep((0..9).map(ws_id))));
    assert_noop(&plan(true, 0, keep((0..9).map(ws_id))));
    // Case-different ids match.
    assert_noop(&plan(
        false,
        3,
        keep(
            (0..3)
                .map(|i| ws_id(i + 10).to_uppercase())
                .chain((0..3).map(ws_id)),
        ),
    ));
}

#[test]
fn keep_part_replaces_with_the_kept_ids_in_the_users_spelling() {
    let mut u = user(true, 5);
    u.workspaces[2].id = "8A868CDA7C8B28F5017C9A4B2D8341CD".into();
    let action = keep(vec![
        ws_id(0),
        "8a868cda7c8b28f5017c9a4b2d8341cd".into(),
        "not-a-workspace-of-hers".into(),
    ]);
    let item = plan_user(&u, &action, &Protected::default());
    assert_eq!(item.outcome, Outcome::Change);
    assert_eq!(
        bodies(&item),
        [json!([{
            "op":"replace","path":WS_PATH,
            "value": entitlements([u.workspaces[0].clone(), u.workspaces[2].clone()])
        }])]
    );
    let after = item.after.as_ref().unwrap();
    assert!(after.active);
    assert_eq!(
        after.workspaces,
        [u.workspaces[0].clone(), u.workspaces[2].clone()]
    );
    let lost: Vec<String> = workspaces_lost(&item).into_iter().map(|w| w.id).collect();
    assert_eq!(lost, [ws_id(1), ws_id(3), ws_id(4)]);
    assert_applies(&item);
}

#[test]
fn keep_nothing_of_the_users_removes_all() {
    let item = plan(true, 7, keep(vec!["elsewhere".into()]));
    assert_eq!(bodies(&item), [json!([{"op":"remove","path":WS_PATH}])]);
    assert!(item.after.as_ref().unwrap().workspaces.is_empty());
    let item = plan(true, 7, keep(Vec::new()));
    assert_eq!(bodies(&item), [json!([{"op":"remove","path":WS_PATH}])]);
}

#[test]
fn keep_exactly_fifty_is_one_replace() {
    let item = plan(true, 80, keep((0..50).map(ws_id)));
    assert_eq!(
        bodies(&item),
        [json!([{"op":"replace","path":WS_PATH,"value":entitlements((0..50).map(ws))}])]
    );
}

#[test]
fn keep_more_than_fifty_is_split_replace_then_add_chunks() {
    let item = plan(true, 140, keep((0..130).map(ws_id)));
    assert_eq!(
        bodies(&item),
        [
            json!([{"op":"replace","path":WS_PATH,"value":entitlements((0..50).map(ws))}]),
            json!([{"op":"add","path":"entitlements","value":entitlements((50..100).map(ws))}]),
            json!([{"op":"add","path":"entitlements","value":entitlements((100..130).map(ws))}]),
        ]
    );
    assert_eq!(workspaces_lost(&item).len(), 10);
    assert_applies(&item);
}

#[test]
fn protected_accounts_are_never_changed() {
    let u = user(true, 3);
    let api = Protected {
        api_user: Some(" ANN.LEE@example.com ".into()),
        accounts: vec![],
    };
    let by_name = Protected {
        api_user: Some("robot@example.com".into()),
        accounts: vec!["Ann.Lee@Example.com".into()],
    };
    let by_id = Protected {
        api_user: None,
        accounts: vec!["38A0546FD5894C1FAC87F8FB71566B3F".into()],
    };
    for (p, fragment) in [
        (api, "API user"),
        (by_name, "protected account"),
        (by_id, "protected account"),
    ] {
        for action in [Action::Disable, Action::DisableAndRemove, keep(vec![])] {
            let item = plan_user(&u, &action, &p);
            match &item.outcome {
                Outcome::Protected { reason } => assert!(reason.contains(fragment), "{reason}"),
                other => panic!("{other:?}"),
            }
            assert!(item.requests.is_empty());
            assert_eq!(item.before, item.after);
        }
    }
    let others = Protected {
        api_user: Some("robot@example.com".into()),
        accounts: vec!["".into(), "someone@example.com".into()],
    };
    assert_eq!(
        plan_user(&u, &Action::Disable, &others).outcome,
        Outcome::Change
    );
}

#[test]
fn not_found_items_carry_the_key_where_it_belongs() {
    let by_email = not_found_item(" gone@example.com ");
    assert_eq!(
        (by_email.user_id.as_str(), by_email.user_name.as_str()),
        ("", "gone@example.com")
    );
    let by_id = not_found_item("deadbeef");
    assert_eq!(by_id.user_id, "deadbeef");
    for item in [by_email, by_id] {
        assert_eq!(item.outcome, Outcome::NotFound);
        assert!(item.requests.is_empty() && item.before.is_none() && item.after.is_none());
        assert_eq!(
            describe(&item),
            ["not found: no user has this id or user name"]
        );
    }
}

#[test]
fn describe_shows_active_and_lost_workspaces() {
    let item = plan(true, 2, Action::DisableAndRemove);
    assert_eq!(
        describe(&item),
        [
            "active: yes → no",
            "- Workspace 0 (00000000…)",
            "- Workspace 1 (00000000…)",
            "= keeps no workspace: NO WORKSPACE LEFT"
        ]
    );
    assert_eq!(
        describe(&plan(false, 0, Action::Disable)),
        ["no change: already in the target state"]
    );
    let _ = ws(0);
}

/// Resume of a keep-only cut between its requests (more than 50 kept): the first `replace`
/// left the user with 50 of the 55 kept workspaces. Planned on the fresh state alone, that is
/// a no-op and 5 kept workspaces are lost for good; planned with the journal's recorded state,
/// the missing 5 are added back, and nothing outside the keep list is.
#[test]
fn resume_of_a_cut_keep_only_restores_the_kept_workspaces_the_first_request_dropped() {
    use scimitar::plan::{UserState, plan_resumed};
    let keep: Vec<String> = (0..55).map(ws_id).collect();
    let action = Action::KeepWorkspaces { keep };
    let before_run = user(true, 60); // 55 kept + 5 to remove
    let mut now = user(true, 0);
    now.workspaces = (0..50).map(ws).collect(); // the first request landed, the second did not
    let recorded = UserState::of(&before_run);

    let fresh_only = plan_user(&now, &action, &Protected::default());
    assert_eq!(
        fresh_only.outcome,
        Outcome::NoOp,
        "the bug this guards against"
    );

    let item = plan_resumed(&now, &action, &Protected::default(), Some(&recorded));
    assert_eq!(item.outcome, Outcome::Change);
    let after = apply_requests(&UserState::of(&now), &item.requests);
    let mut ids: Vec<String> = after.workspaces.iter().map(|w| w.id.clone()).collect();
    ids.sort();
    let mut want: Vec<String> = (0..55).map(ws_id).collect();
    want.sort();
    assert_eq!(ids, want);
    // Nothing the user never held and nothing outside the keep list is granted.
    let other = plan_resumed(
        &user(true, 3),
        &action,
        &Protected::default(),
        Some(&UserState::of(&user(true, 3))),
    );
    assert_eq!(other.outcome, Outcome::NoOp);
}
