//! Plan files: totals, round trip, and refusal of tampered or foreign-version plans.

mod support;
use support::plan as common;

use common::user;
use scimitar::plan::{Action, Outcome, PLAN_VERSION, Plan, PlanFileError, Protected, Totals};
use serde_json::Value;

fn sample() -> Plan {
    let mut a = user(true, 3);
    let mut b = user(false, 0);
    b.id = "b".into();
    b.user_name = "bob@example.com".into();
    let mut c = user(true, 60);
    c.id = "c".into();
    c.user_name = "robot@example.com".into();
    a.workspaces[0].name = "Finance Planning".into();
    let dup = a.clone();
    Plan::build(
        "api.anaplan.com",
        "2025-01-02T03:04:05Z",
        Action::DisableAndRemove,
        &[a, b, c, dup],
        &Protected {
            api_user: Some("robot@example.com".into()),
            accounts: vec![],
        },
        &["gone@example.com".into(), "ffff".into()],
    )
}

#[test]
fn build_orders_items_dedupes_users_and_counts_totals() {
    let plan = sample();
    assert_eq!(plan.version, PLAN_VERSION);
    let outcomes: Vec<&Outcome> = plan.items.iter().map(|i| &i.outcome).collect();
    assert!(matches!(
        outcomes[..],
        [
            Outcome::Change,
            Outcome::NoOp,
            Outcome::Protected { .. },
            Outcome::NotFound,
            Outcome::NotFound
        ]
    ));
    assert_eq!(
        plan.totals(),
        Totals {
            to_change: 1,
            no_op: 1,
            protected: 1,
            not_found: 2,
            requests: 1
        }
    );
    assert_eq!(plan.changes().count(), 1);
}

#[test]
fn json_round_trip_keeps_everything_and_stable_field_names() {
    let plan = sample();
    let text = plan.to_json();
    assert_eq!(Plan::from_json(&text).unwrap(), plan);
    let v: Value = serde_json::from_str(&text).unwrap();
    for field in ["version", "tenant", "created", "action", "items", "hash"] {
        assert!(v.get(field).is_some(), "{field}");
    }
    assert_eq!(
        v["action"],
        serde_json::json!({"kind":"disable-and-remove"})
    );
    let item = &v["items"][0];
    for field in [
        "user_id",
        "user_name",
        "display_name",
        "before",
        "after",
        "outcome",
        "requests",
    ] {
        assert!(item.get(field).is_some(), "{field}");
    }
    assert_eq!(item["requests"][0]["Operations"][0]["path"], "active");
    assert_eq!(plan.hash.len(), 64);
}

#[test]
fn hash_covers_content_but_not_the_creation_time() {
    let a = sample();
    let mut b = a.clone();
    b.created = "later".into();
    assert_eq!(a.compute_hash(), b.compute_hash());
    let mut c = a.clone();
    c.tenant = "other.example.com".into();
    assert_ne!(a.compute_hash(), c.compute_hash());
}

#[test]
fn a_tampered_plan_is_refused() {
    let plan = sample();
    let mut v: Value = serde_json::from_str(&plan.to_json()).unwrap();
    v["items"][1]["requests"] = v["items"][0]["requests"].clone();
    let e = Plan::from_json(&v.to_string()).unwrap_err();
    assert!(matches!(e, PlanFileError::HashMismatch { .. }), "{e:?}");
    assert!(e.to_string().contains("changed after it was made"));

    let mut v: Value = serde_json::from_str(&plan.to_json()).unwrap();
    v["action"] = serde_json::json!({"kind":"keep-workspaces","keep":[]});
    assert!(matches!(
        Plan::from_json(&v.to_string()),
        Err(PlanFileError::HashMismatch { .. })
    ));
}

#[test]
fn another_version_or_not_a_plan_is_refused() {
    let plan = sample();
    let mut v: Value = serde_json::from_str(&plan.to_json()).unwrap();
    v["version"] = 2.into();
    let e = Plan::from_json(&v.to_string()).unwrap_err();
    assert_eq!(e, PlanFileError::WrongVersion { found: Some(2) });
    assert!(e.to_string().contains("reads version 1"));
    v.as_object_mut().unwrap().remove("version");
    assert_eq!(
        Plan::from_json(&v.to_string()).unwrap_err(),
        PlanFileError::WrongVersion { found: None }
    );
    assert!(matches!(
        Plan::from_json("not json"),
        Err(PlanFileError::Json(_))
    ));
    assert!(matches!(
        Plan::from_json(r#"{"version":1,"tenant":3}"#),
        Err(PlanFileError::Json(_))
    ));
}
