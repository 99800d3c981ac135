//! Issue 26 point 8: nothing needed for a decision is cut at 80 columns (nor at 60x15): the
//! help overlay wraps and scrolls, a workspace id is copied whole with `y` (and shown whole),
//! the CSV report shows the highlighted row's values whole, the run summary's failures
//! scroll to the last one. And `e` (export) is among the hints of the user lists.

use insta::assert_snapshot;
use scimitar::batch::history::RunDetail;
use scimitar::input::ResolveReport;
use scimitar::tui::bulk::state::CsvLoaded;
use scimitar::tui::state::Popup;
use scimitar::tui::testing::{
    fixture_users, help_texts, loaded_state, past_run, past_runs, screen,
};
use scimitar::tui::{Command, Copied, Effect, Outcome, State, update};

const SIZES: [(u16, u16); 2] = [(80, 24), (60, 15)];

#[test]
fn every_help_row_is_shown_whole_at_80x24_and_60x15() {
    for (w, h) in SIZES {
        let mut s = loaded_state(fixture_users(), w, h);
        update(&mut s, Command::Help);
        let mut seen = String::new();
        for _ in 0..60 {
            seen.push_str(&screen(&s));
            update(&mut s, Command::Down);
        }
        for row in help_texts(&s) {
            let row = row.trim();
            assert!(
                seen.contains(row),
                "{w}x{h}: help row `{row}` never shown whole"
            );
        }
    }
}

/// The fixture with alice's first workspace given a long id (longer than its column).
fn long_id_state(w: u16, h: u16) -> (State, String) {
    let mut users = fixture_users();
    let id = "8a81b09d5e6f7a01c0ffee00deadbeef0123456789abcdef".to_string();
    for u in &mut users {
        for ws in &mut u.workspaces {
            if ws.name == "Finance Planning" {
                ws.id = id.clone();
            }
        }
    }
    let mut s = loaded_state(users, w, h);
    update(&mut s, Command::Workspaces);
    (s, id)
}

#[test]
fn y_on_a_workspace_sends_its_whole_id_and_shows_it() {
    for (w, h) in SIZES {
        let (mut s, id) = long_id_state(w, h);
        assert!(
            !screen(&s).contains(&id),
            "the column cuts the id at {w}x{h}"
        );
        let effects = update(&mut s, Command::CopyId);
        assert_eq!(
            effects,
            vec![Effect::CopyToClipboard {
                text: id.clone(),
                what: Copied::Id,
            }]
        );
        assert!(matches!(s.popup(), Some(Popup::Path { path, .. }) if *path == id));
        let text = screen(&s);
        let flat: String = text
            .lines()
            .map(|l| l.trim_matches(|c| c == '"' || c == ' ' || c == '│'))
            .collect();
        assert!(flat.contains(&id), "{w}x{h}: the id whole:\n{text}");
        // Esc closes the popup; the view stays.
        update(&mut s, Command::Back);
        assert!(s.popups().is_empty());
        assert_eq!(s.view().kind, scimitar::tui::state::ViewKind::Workspaces);
    }
}

#[test]
fn workspace_id_popup_60x15() {
    let (mut s, _) = long_id_state(60, 15);
    update(&mut s, Command::CopyId);
    assert_snapshot!(screen(&s));
}

const LONG_VALUE: &str = "karen.rivera-montgomery.the.third@contoso-group-holdings.example.com";
const LONG_DETAIL: &str =
    "not an email or an id: the domain part has no dot after the last @ sign (row 6)";

fn csv_report(w: u16, h: u16) -> State {
    let users = fixture_users();
    let mut s = loaded_state(users.clone(), w, h);
    scimitar::tui::screens::csv::start_csv(&mut s, "leavers.csv".into());
    let report = ResolveReport {
        rows_read: 5,
        resolved: vec![(2, users[0].clone()), (3, users[1].clone())],
        not_found: vec![(4, LONG_VALUE.into())],
        malformed: vec![(5, "bob@nowhere".into(), LONG_DETAIL.into())],
        ..ResolveReport::default()
    };
    update(
        &mut s,
        Outcome::CsvLoaded(Ok(Box::new(CsvLoaded {
            path: "/home/ops/leavers.csv".into(),
            report,
        }))),
    );
    s
}

/// Whether every 6-character piece of `text` is on screen (a wrapped value is cut into
/// rows, each of which holds such pieces).
fn shown_whole(screen: &str, text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let rows: Vec<String> = screen.lines().map(str::to_string).collect();
    // The value's rows, in order: each starts where the previous one ended.
    let mut at = 0;
    while at < chars.len() {
        let best = rows
            .iter()
            .map(|r| {
                (1..=chars.len() - at)
                    .rev()
                    .find(|&n| r.contains(&chars[at..at + n].iter().collect::<String>()))
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        if best == 0 {
            return false;
        }
        at += best;
    }
    true
}

#[test]
fn the_csv_report_shows_the_highlighted_rows_values_whole() {
    for (w, h) in SIZES {
        let mut s = csv_report(w, h);
        let text = screen(&s);
        assert!(!text.contains(LONG_VALUE), "the value does not fit one row");
        assert!(
            shown_whole(&text, LONG_VALUE),
            "{w}x{h}: the not-found value whole:\n{text}"
        );
        update(&mut s, Command::Down);
        let text = screen(&s);
        assert!(
            shown_whole(&text, LONG_DETAIL),
            "{w}x{h}: the malformed row's reason whole:\n{text}"
        );
    }
}

#[test]
fn csv_report_long_values_80x24() {
    assert_snapshot!(screen(&csv_report(80, 24)));
}

#[test]
fn csv_report_long_values_60x15() {
    let mut s = csv_report(60, 15);
    update(&mut s, Command::Down);
    assert_snapshot!(screen(&s));
}

/// A past run with twelve failures, reopened from the history.
fn summary_with_failures(w: u16, h: u16) -> State {
    let mut s = loaded_state(fixture_users(), w, h);
    let mut list = past_runs();
    list.runs[0].summary.failed = 12;
    update(&mut s, Command::History);
    update(&mut s, Outcome::RunsListed(Ok(Box::new(list.clone()))));
    update(&mut s, Command::Open);
    let run: RunDetail = past_run(&list, 0);
    update(&mut s, Outcome::RunLoaded(Ok(Box::new(run))));
    s
}

#[test]
fn at_60x15_the_summary_failures_scroll_to_the_last() {
    for key in [Command::Bottom, Command::PageDown, Command::Down] {
        let mut s = summary_with_failures(60, 15);
        let text = screen(&s);
        assert!(text.contains("Failures (12)"), "{text}");
        assert!(text.contains("karen.rivera0@"), "{text}");
        for _ in 0..20 {
            update(&mut s, key);
        }
        let text = screen(&s);
        assert!(
            text.contains("▶✗ karen.rivera11@"),
            "{key:?} reaches the last failure:\n{text}"
        );
        // Enter gives its reason in full.
        update(&mut s, Command::Open);
        assert!(
            matches!(s.popup(), Some(Popup::Error { title, .. }) if title.contains("karen.rivera11@"))
        );
    }
}

#[test]
fn summary_failures_end_60x15() {
    let mut s = summary_with_failures(60, 15);
    update(&mut s, Command::Bottom);
    assert_snapshot!(screen(&s));
}

#[test]
fn e_export_is_among_the_hints_of_the_users_and_members_views() {
    let mut s = loaded_state(fixture_users(), 80, 24);
    let last = |s: &State| screen(s).lines().last().unwrap_or_default().to_string();
    assert!(last(&s).contains("e export"), "{}", last(&s));
    update(&mut s, Command::Workspaces);
    assert!(last(&s).contains("y copy id"), "{}", last(&s));
    update(&mut s, Command::Open);
    assert!(
        matches!(
            s.view().kind,
            scimitar::tui::state::ViewKind::Members { .. }
        ),
        "members view"
    );
    assert!(last(&s).contains("e export"), "{}", last(&s));
}
