//! HR files resolved against the fake over HTTP: externalIds found with `externalId eq`
//! filters whatever their case, and one shared by two users reported ambiguous, never used.

mod support;

use scimitar::input::csv::read;
use scimitar::input::resolve;
use scimitar::scim::client::AuthMethod;
use support::inproc::{client, config, start};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/csv/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_ids_resolve_ignoring_case_and_a_shared_one_is_ambiguous() {
    let fake = start(config(60)).await;
    let users = fake.users();
    let (ann, bob, dan, x, y) = (&users[3], &users[4], &users[5], &users[6], &users[7]);
    assert!(fake.set_external_id(&ann.id, Some("E1001")));
    assert!(fake.set_external_id(&bob.id, Some("e1002")));
    assert!(fake.set_external_id(&dan.id, Some("W-20011")));
    assert!(fake.set_external_id(&x.id, Some("E7777")));
    assert!(fake.set_external_id(&y.id, Some("e7777")));
    let c = client(&fake, AuthMethod::Token);

    let input = read(&fixture("external_ids_mixed_case.csv")).unwrap();
    let report = resolve(&input, &c).await;
    let got: Vec<(usize, String)> = report
        .resolved
        .iter()
        .map(|(l, u)| (*l, u.id.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (2, ann.id.clone()),
            (3, bob.id.clone()),
            (4, dan.id.clone())
        ]
    );
    assert!(report.is_clean(), "{report:?}");

    let input = read(&fixture("external_id_ambiguous.csv")).unwrap();
    let report = resolve(&input, &c).await;
    assert_eq!(report.resolved.len(), 1);
    assert_eq!(report.resolved[0].1.id, ann.id);
    assert_eq!(report.ambiguous.len(), 1);
    let (line, key, names) = &report.ambiguous[0];
    assert_eq!((*line, key.as_str()), (3, "E7777"));
    let mut want = vec![x.user_name.clone(), y.user_name.clone()];
    want.sort();
    assert_eq!(names, &want);
    assert!(report.summary_line().ends_with(", 1 ambiguous"));
    assert!(report.users().iter().all(|u| u.id != x.id && u.id != y.id));
}
