//! Undo gives back what a run took away, and nothing else.

mod support;
use support::plan as common;

use common::{user, ws, ws_id};
use scimitar::plan::simulate::apply_requests;
use scimitar::plan::{
    Action, Outcome, Plan, Protected, UserState, describe, plan_user, replan, undo_item,
};
use scimitar::scim::model::PatchOpKind;
use serde_json::json;

/// Plain `entitlements`: a filtered replace would be `400 noTarget` under RFC 7644 for a user
/// whose workspaces were all removed, the very user an undo restores.
const WS_PATH: &str = "entitlements";

#[test]
fn undo_of_disable_and_remove_re_enables_and_restores_in_one_request() {
    let before_user = user(true, 3);
    let run = plan_user(
        &before_user,
        &Action::DisableAndRemove,
        &Protected::default(),
    );
    let mut now = before_user.clone();
    now.active = false;
    now.workspaces.clear();
    let item = undo_item(&now.id, &now.user_name, run.before.as_ref().unwrap(), &now);
    assert_eq!(item.outcome, Outcome::Change);
    let ids: Vec<_> = (0..3)
        .map(
            |i| json!({"value": ws_id(i), "display": format!("Workspace {i}"), "type":"WORKSPACE"}),
        )
        .collect();
    assert_eq!(
        serde_json::to_value(&item.requests[0].operations).unwrap(),
        json!([
            {"op":"replace","path":"active","value":true},
            {"op":"replace","path":WS_PATH,"value":ids}
        ])
    );
    assert_eq!(item.after, run.before);
    let lines = describe(&item);
    assert_eq!(lines[0], "active: no → yes");
    assert_eq!(lines[1], "+ Workspace 0 (00000000…)");
    assert!(lines.last().unwrap().contains("model roles"));
}

#[test]
fn undo_is_a_noop_when_nothing_is_missing() {
    let u = user(true, 4);
    let item = undo_item(&u.id, &u.user_name, &UserState::of(&u), &u);
    assert_eq!(item.outcome, Outcome::NoOp);
    assert!(item.requests.is_empty());
}

#[test]
fn undo_of_more_than_fifty_workspaces_is_split() {
    let before = UserState {
        active: true,
        workspaces: (0..120).map(ws).collect(),
    };
    let now = user(true, 0);
    let item = undo_item(&now.id, &now.user_name, &before, &now);
    assert_eq!(item.requests.len(), 3);
    // Nothing to take away: every chunk `add`s (a restore never relies on a replace).
    for r in &item.requests {
        let last = r.operations.last().unwrap();
        assert_eq!(
            (last.op, last.path.as_str()),
            (PatchOpKind::Add, "entitlements")
        );
    }
    let got = apply_requests(&UserState::of(&now), &item.requests);
    assert!(got.equivalent(&before));
    assert_eq!(
        got.workspaces[119].name, "Workspace 119",
        "names travel in display"
    );
}

#[test]
fn undo_never_takes_access_away() {
    // Granted since the run: workspace 9. Enabled since: active. Neither is undone.
    let before = UserState {
        active: false,
        workspaces: vec![ws(0), ws(1)],
    };
    let mut now = user(true, 0);
    now.workspaces = vec![ws(1), ws(9)];
    let item = undo_item(&now.id, &now.user_name, &before, &now);
    let after = item.after.clone().unwrap();
    assert!(after.active);
    let ids: Vec<String> = after.workspaces.iter().map(|w| w.id.clone()).collect();
    assert_eq!(ids, [ws_id(0), ws_id(1), ws_id(9)]);
    assert_eq!(item.requests.len(), 1);
    assert_eq!(item.requests[0].operations.len(), 1);
}

#[test]
fn undo_plan_uses_restore_and_replans_against_fresh_state() {
    let before = UserState::of(&user(true, 2));
    let now = user(false, 0);
    let plan = Plan::undo("t", "c", &[(before.clone(), now.clone())]);
    assert_eq!(plan.action, Action::Restore);
    assert_eq!(plan.totals().to_change, 1);
    assert_eq!(Plan::from_json(&plan.to_json()).unwrap(), plan);

    // Someone re-enabled the user before the undo ran: only workspaces are sent.
    let mut fresh = now.clone();
    fresh.active = true;
    let again = replan(&plan.items[0], &plan.action, &fresh, &Protected::default());
    assert_eq!(again.requests.len(), 1);
    assert_eq!(again.requests[0].operations.len(), 1);
    assert!(again.after.as_ref().unwrap().equivalent(&before));

    // Already restored: no-op.
    let done = replan(
        &plan.items[0],
        &plan.action,
        &user(true, 2),
        &Protected::default(),
    );
    assert_eq!(done.outcome, Outcome::NoOp);

    // Protection is re-checked.
    let p = Protected {
        api_user: Some(now.user_name.clone()),
        accounts: vec![],
    };
    let prot = replan(&plan.items[0], &plan.action, &now, &p);
    assert!(matches!(prot.outcome, Outcome::Protected { .. }));
    assert!(prot.requests.is_empty());

    // Other actions re-plan from the action itself.
    let d = replan(
        &plan.items[0],
        &Action::Disable,
        &user(true, 0),
        &Protected::default(),
    );
    assert_eq!(d.outcome, Outcome::Change);
}
