//! Resolving input rows against an in-memory tenant: chunking, case-insensitive matching,
//! duplicates, misses, malformed rows and failed lookups, and the saved report.

use std::sync::Mutex;

use scimitar::input::csv::read;
use scimitar::input::resolve::{LOOKUP_CHUNK, LookupError, ResolveReport, UserLookup, resolve};
use scimitar::scim::model::User;

struct Tenant {
    users: Vec<User>,
    calls: Mutex<Vec<(&'static str, usize)>>,
    fail_names: bool,
}

impl Tenant {
    fn new(users: Vec<User>) -> Tenant {
        Tenant {
            users,
            calls: Mutex::new(Vec::new()),
            fail_names: false,
        }
    }
}

impl UserLookup for Tenant {
    async fn users_by_ids(&self, ids: &[String]) -> Result<Vec<User>, LookupError> {
        self.calls.lock().unwrap().push(("id", ids.len()));
        Ok(self
            .users
            .iter()
            .filter(|u| ids.iter().any(|i| i.eq_ignore_ascii_case(&u.id)))
            .cloned()
            .collect())
    }
    async fn users_by_user_names(&self, names: &[String]) -> Result<Vec<User>, LookupError> {
        self.calls.lock().unwrap().push(("name", names.len()));
        if self.fail_names {
            return Err(LookupError::Unavailable(
                "server answered HTTP 503: try later".into(),
            ));
        }
        Ok(self
            .users
            .iter()
            .filter(|u| names.iter().any(|n| n.eq_ignore_ascii_case(&u.user_name)))
            .cloned()
            .collect())
    }
}

fn user(id: &str, name: &str) -> User {
    User {
        id: id.into(),
        user_name: name.into(),
        external_id: None,
        active: true,
        given_name: None,
        family_name: None,
        display_name: None,
        workspaces: vec![],
        created: None,
        last_modified: None,
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/csv/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn tenant() -> Tenant {
    Tenant::new(vec![
        // The server spells this id in upper case: matching must not care.
        user("38A0546FD5894C1FAC87F8FB71566B3F", "Ann.Lee@example.com"),
        user("8a868cda7c8b28f5017c9a4b2d8341cd", "bob.smith@example.com"),
        user("c0ffee00c0ffee00c0ffee00c0ffee00", "carla.diaz@example.com"),
    ])
}

fn csv_text(report: &ResolveReport) -> String {
    let mut out = Vec::new();
    report.write_csv(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn users_tab_export_resolves_ids_and_the_email_fallback() {
    let t = tenant();
    let input = read(&fixture("users_tab_export.csv")).unwrap();
    let r = resolve(&input, &t).await;
    assert_eq!(r.rows_read, 4);
    let resolved: Vec<(usize, &str)> = r
        .resolved
        .iter()
        .map(|(l, u)| (*l, u.user_name.as_str()))
        .collect();
    assert_eq!(
        resolved,
        [
            (2, "Ann.Lee@example.com"),
            (3, "bob.smith@example.com"),
            (4, "carla.diaz@example.com")
        ]
    );
    assert_eq!(
        r.not_found,
        [(5, "0f1e2d3c4b5a69788796a5b4c3d2e1f0".to_string())]
    );
    assert_eq!(
        r.summary_line(),
        "4 rows read: 3 resolved, 0 duplicates, 1 not found, 0 malformed, 0 lookup errors"
    );
    assert_eq!(r.users().len(), 3);
    assert_eq!(r.not_found_keys(), ["0f1e2d3c4b5a69788796a5b4c3d2e1f0"]);
}

#[tokio::test]
async fn duplicates_by_key_and_by_user_are_reported_with_the_first_line() {
    let t = tenant();
    let input = read(&fixture("duplicates.csv")).unwrap();
    let r = resolve(&input, &t).await;
    assert_eq!(r.resolved.len(), 2);
    assert_eq!(
        r.duplicates,
        [
            (4, "38a0546fd5894c1fac87f8fb71566b3f".to_string(), 2),
            (5, "8a868cda7c8b28f5017c9a4b2d8341cd".to_string(), 3)
        ]
    );
    // The same user by id on one row and by email on another.
    let input = read(b"value\n8a868cda7c8b28f5017c9a4b2d8341cd\nBob.Smith@example.com\n").unwrap();
    let r = resolve(&input, &t).await;
    assert_eq!(r.users().len(), 1);
    assert_eq!(r.duplicates, [(3, "bob.smith@example.com".to_string(), 2)]);
}

#[tokio::test]
async fn malformed_rows_are_not_looked_up_and_the_report_saves_every_row() {
    let t = tenant();
    let input = read(&fixture("malformed_values.csv")).unwrap();
    let r = resolve(&input, &t).await;
    assert_eq!(r.rows_read, 6);
    assert_eq!(r.resolved.len(), 1);
    assert_eq!(r.malformed.len(), 4);
    assert_eq!(r.not_found.len(), 1);
    let text = csv_text(&r);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "line,value,status,user_id,user_name,detail");
    assert_eq!(
        lines[1],
        "2,Ann.Lee@example.com,resolved,38A0546FD5894C1FAC87F8FB71566B3F,Ann.Lee@example.com,"
    );
    assert!(
        lines[2].starts_with("3,not an email,malformed,,,"),
        "{}",
        lines[2]
    );
    assert!(
        lines[5].starts_with("6,opaque-token,malformed"),
        "{}",
        lines[5]
    );
    assert_eq!(lines.len(), 7);
    assert!(text.contains("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,not-found"));
}

#[tokio::test]
async fn lookups_are_chunked_and_failures_are_reported_per_row() {
    let mut t = tenant();
    t.fail_names = true;
    let mut file = String::from("id\n");
    for i in 0..120 {
        file.push_str(&format!("{i:032x}\n"));
    }
    for i in 0..3 {
        file.push_str(&format!("person{i}@example.com\n"));
    }
    let input = read(file.as_bytes()).unwrap();
    let r = resolve(&input, &t).await;
    let calls = t.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        [
            ("id", LOOKUP_CHUNK),
            ("id", LOOKUP_CHUNK),
            ("id", 20),
            ("name", 3)
        ]
    );
    assert_eq!(r.not_found.len(), 120);
    assert_eq!(r.lookup_errors.len(), 3);
    assert_eq!(r.lookup_errors[0].0, 122);
    assert!(r.lookup_errors[0].2.contains("503"));
    assert!(!r.is_clean());
    assert!(
        csv_text(&r).contains("122,person0@example.com,lookup-error,,,server answered HTTP 503")
    );
}
