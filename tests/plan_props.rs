//! For any user and any action: the after-state is what the action promises, the requests
//! produce it under SCIM semantics, no-ops send nothing, and no request carries more than 50
//! workspaces.

use proptest::prelude::*;
use scimitar::plan::simulate::apply_requests;
use scimitar::plan::{
    Action, Outcome, Plan, Protected, UserState, plan_user, undo_item, workspaces_lost,
};
use scimitar::scim::model::{MAX_WORKSPACES_PER_REQUEST, User, Workspace};

/// Ids from a small pool, so keep sets and users overlap; random case to test matching.
fn id_strategy() -> impl Strategy<Value = String> {
    (0..140usize, any::<bool>()).prop_map(|(i, upper)| {
        let id = format!("{i:032x}a");
        if upper { id.to_uppercase() } else { id }
    })
}

fn workspaces_strategy() -> impl Strategy<Value = Vec<Workspace>> {
    prop::collection::vec(id_strategy(), 0..130).prop_map(|ids| {
        let mut out: Vec<Workspace> = Vec::new();
        for id in ids {
            if !out.iter().any(|w| w.id.eq_ignore_ascii_case(&id)) {
                out.push(Workspace {
                    name: format!("ws {id}"),
                    id,
                });
            }
        }
        out
    })
}

fn user_strategy() -> impl Strategy<Value = User> {
    (any::<bool>(), workspaces_strategy()).prop_map(|(active, workspaces)| User {
        id: "u1".into(),
        user_name: "u1@example.com".into(),
        external_id: None,
        active,
        given_name: None,
        family_name: None,
        display_name: None,
        workspaces,
        created: None,
        last_modified: None,
    })
}

fn action_strategy() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Disable),
        Just(Action::Enable),
        Just(Action::RemoveWorkspaces),
        Just(Action::DisableAndRemove),
        prop::collection::vec(id_strategy(), 0..140)
            .prop_map(|keep| Action::KeepWorkspaces { keep }),
    ]
}

fn in_keep(keep: &[String], id: &str) -> bool {
    keep.iter().any(|k| k.eq_ignore_ascii_case(id))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn plans_keep_their_promises(user in user_strategy(), action in action_strategy()) {
        let item = plan_user(&user, &action, &Protected::default());
        let before = item.before.clone().unwrap();
        let after = item.after.clone().unwrap();
        prop_assert_eq!(&before, &UserState::of(&user));

        // The after-state is what the action promises.
        match &action {
            Action::Disable => prop_assert!(!after.active && after.workspaces == before.workspaces),
            Action::Enable => prop_assert!(after.active && after.workspaces == before.workspaces),
            Action::RemoveWorkspaces => prop_assert!(after.active == before.active && after.workspaces.is_empty()),
            Action::DisableAndRemove => prop_assert!(!after.active && after.workspaces.is_empty()),
            Action::KeepWorkspaces { keep } => {
                prop_assert_eq!(after.active, before.active);
                let expected: Vec<Workspace> = before.workspaces.iter()
                    .filter(|w| in_keep(keep, &w.id)).cloned().collect();
                prop_assert_eq!(&after.workspaces, &expected);
                // Exactly the workspaces outside the keep set are removed.
                let outside: Vec<Workspace> = before.workspaces.iter()
                    .filter(|w| !in_keep(keep, &w.id)).cloned().collect();
                prop_assert_eq!(workspaces_lost(&item), outside);
            }
            Action::Restore | Action::Review { .. } => unreachable!(),
        }

        // No-ops send nothing, and only no-ops do.
        prop_assert_eq!(item.outcome == Outcome::NoOp, item.requests.is_empty());
        prop_assert_eq!(item.requests.is_empty(), before.equivalent(&after));

        // Applying the requests with SCIM semantics yields `after`.
        prop_assert!(apply_requests(&before, &item.requests).equivalent(&after));

        // Anaplan's 50-workspaces-per-request limit holds.
        for r in &item.requests {
            let n: usize = r.operations.iter()
                .filter_map(|o| o.value.as_ref().and_then(|v| v.as_array()).map(Vec::len))
                .sum();
            prop_assert!(n <= MAX_WORKSPACES_PER_REQUEST);
            prop_assert!(!r.operations.is_empty());
        }
    }

    #[test]
    fn a_review_takes_exactly_the_revoked_workspaces(
        user in user_strategy(),
        revoke in prop::collection::vec(id_strategy(), 0..140),
        disable in any::<bool>(),
    ) {
        let target = scimitar::plan::review::ReviewTarget {
            revoke: revoke.iter().map(|r| r.to_ascii_lowercase()).collect(),
            disable,
        };
        let action = Action::Review { users: [(user.id.to_ascii_lowercase(), target)].into() };
        let item = plan_user(&user, &action, &Protected::default());
        let (before, after) = (item.before.clone().unwrap(), item.after.clone().unwrap());
        prop_assert_eq!(after.active, before.active && !disable);
        let kept: Vec<Workspace> = before.workspaces.iter()
            .filter(|w| !in_keep(&revoke, &w.id)).cloned().collect();
        prop_assert_eq!(&after.workspaces, &kept);
        prop_assert_eq!(item.requests.is_empty(), before.equivalent(&after));
        prop_assert!(apply_requests(&before, &item.requests).equivalent(&after));
        for r in &item.requests {
            let n: usize = r.operations.iter()
                .filter_map(|o| o.value.as_ref().and_then(|v| v.as_array()).map(Vec::len))
                .sum();
            prop_assert!(n <= MAX_WORKSPACES_PER_REQUEST);
        }
    }

    #[test]
    fn protected_users_get_nothing(user in user_strategy(), action in action_strategy(), upper in any::<bool>()) {
        let name = if upper { user.user_name.to_uppercase() } else { user.user_name.clone() };
        let p = Protected { api_user: None, accounts: vec![name] };
        let item = plan_user(&user, &action, &p);
        prop_assert!(matches!(item.outcome, Outcome::Protected { .. }), "{:?}", item.outcome);
        prop_assert!(item.requests.is_empty());
    }

    #[test]
    fn undo_after_a_run_restores_the_state_before(user in user_strategy(), action in action_strategy()) {
        let run = plan_user(&user, &action, &Protected::default());
        let before = run.before.clone().unwrap();
        let mut now = user.clone();
        let applied = apply_requests(&before, &run.requests);
        now.active = applied.active;
        now.workspaces = applied.workspaces;
        let undo = undo_item(&now.id, &now.user_name, &before, &now);
        let restored = apply_requests(&UserState::of(&now), &undo.requests);
        prop_assert!(restored.equivalent(undo.after.as_ref().unwrap()));
        // Every workspace taken is back; nothing the user has now is taken; active restored
        // when the run disabled.
        for w in &before.workspaces {
            prop_assert!(restored.has_workspace(&w.id));
        }
        for w in &now.workspaces {
            prop_assert!(restored.has_workspace(&w.id));
        }
        prop_assert!(restored.active == (before.active || now.active));
        prop_assert_eq!(undo.outcome == Outcome::NoOp, undo.requests.is_empty());
    }

    #[test]
    fn any_plan_round_trips_through_its_file(users in prop::collection::vec(user_strategy(), 0..4), action in action_strategy()) {
        let users: Vec<User> = users.into_iter().enumerate()
            .map(|(i, mut u)| { u.id = format!("u{i}"); u }).collect();
        let plan = Plan::build("t", "c", action, &users, &Protected::default(), &["x@y.z".into()]);
        let back = Plan::from_json(&plan.to_json());
        prop_assert_eq!(back, Ok(plan));
    }
}
