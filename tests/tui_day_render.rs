//! What the operator's-day screens show (issue 13), on `TestBackend` with insta snapshots:
//! the run history, a past run's summary, the sorted list, the detail view with last login.

use insta::assert_snapshot;
use scimitar::tui::testing::{draw, fixture_users, loaded_state, past_run, past_runs};
use scimitar::tui::{Command, Outcome, State, update};

fn screen(s: &State) -> String {
    draw(s).backend().to_string()
}

fn history(width: u16, height: u16) -> State {
    let mut s = loaded_state(fixture_users(), width, height);
    update(&mut s, Command::History);
    update(&mut s, Outcome::RunsListed(Ok(Box::new(past_runs()))));
    s
}

#[test]
fn history_80x24() {
    let s = history(80, 24);
    let text = screen(&s);
    assert!(text.contains("2026-11-29 21:43"), "{text}");
    assert!(
        text.contains("8470f630.jsonl"),
        "the journal's file name is whole:\n{text}"
    );
    assert_snapshot!(text);
}

#[test]
fn past_run_summary_80x24_paths_are_never_wrapped() {
    let mut s = history(80, 24);
    update(&mut s, Command::Open);
    update(
        &mut s,
        Outcome::RunLoaded(Ok(Box::new(past_run(&past_runs(), 0)))),
    );
    let text = screen(&s);
    assert!(
        text.contains("scimitar/journals/2026-11-29T21-43-18Z-8470f630.jsonl │")
            && !text.contains("/home/operator"),
        "the journal is shortened on one row:\n{text}"
    );
    assert!(text.contains("karen.rivera0@contoso-group.com"), "{text}");
    assert_snapshot!(text);

    // y: the path in full, broken only after a `/`.
    update(&mut s, Command::CopyPath);
    let text = screen(&s);
    assert!(
        text.contains("2026-11-29T21-43-18Z-8470f630.jsonl"),
        "{text}"
    );
    assert!(
        text.contains("/home/operator/.local/share/scimitar/"),
        "{text}"
    );
}

#[test]
fn a_failure_reason_in_full_80x24() {
    let mut s = history(80, 24);
    update(&mut s, Command::Open);
    update(
        &mut s,
        Outcome::RunLoaded(Ok(Box::new(past_run(&past_runs(), 0)))),
    );
    update(&mut s, Command::Open);
    let text = screen(&s);
    assert!(text.contains("try again later"), "{text}");
}

#[test]
fn list_sorted_by_workspace_count_80x24() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    for _ in 0..4 {
        update(&mut s, Command::Sort);
    }
    let text = screen(&s);
    assert!(text.contains("sort workspaces (most first)"), "{text}");
    assert_snapshot!(text);
}

#[test]
fn detail_with_last_login_80x24() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    update(&mut s, Command::Bottom);
    update(&mut s, Command::Up);
    update(&mut s, Command::Open); // svc-integration, three workspaces
    update(
        &mut s,
        Outcome::UserFetched {
            key: "u-0005".into(),
            result: Ok(fixture_users()[4].clone()),
        },
    );
    update(
        &mut s,
        Outcome::LastLoginFetched {
            id: "u-0005".into(),
            login: scimitar::scim::client::LastLogin::At {
                at: "2026-11-28T16:02:41Z".into(),
            },
        },
    );
    let text = screen(&s);
    assert!(text.contains("2026-11-28 16:02 UTC"), "{text}");
    assert_snapshot!(text);
}
