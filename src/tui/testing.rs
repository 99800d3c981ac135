//! Fixed data for TUI tests and benchmarks: a small tenant, synthetic large ones, a loaded
//! state and a test terminal to draw it on.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::scim::model::{User, Workspace};
use crate::tui::msg::{Msg, Outcome};
use crate::tui::state::State;
use crate::tui::update::update;

fn ws(id: &str, name: &str) -> Workspace {
    Workspace {
        id: id.into(),
        name: name.into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn user(
    id: &str,
    user_name: &str,
    given: Option<&str>,
    family: Option<&str>,
    ext: Option<&str>,
    active: bool,
    workspaces: Vec<Workspace>,
) -> User {
    User {
        id: id.into(),
        user_name: user_name.into(),
        external_id: ext.map(Into::into),
        active,
        given_name: given.map(Into::into),
        family_name: family.map(Into::into),
        display_name: None,
        workspaces,
        created: Some("2024-01-15T09:30:00Z".into()),
        last_modified: Some("2025-03-02T17:05:00Z".into()),
    }
}

/// Six users across three workspaces; one disabled, one with no workspace, one unnamed.
pub fn fixture_users() -> Vec<User> {
    let fin = ws("8a81b09d5e6f7a01", "Finance Planning");
    let sales = ws("8a81b09d5e6f7a02", "Sales Ops");
    let hr = ws("8a81b09d5e6f7a03", "HR Workforce");
    vec![
        user(
            "u-0001",
            "alice.archer@example.com",
            Some("Alice"),
            Some("Archer"),
            Some("E1001"),
            true,
            vec![fin.clone(), sales.clone()],
        ),
        user(
            "u-0002",
            "bob.baker@example.com",
            Some("Bob"),
            Some("Baker"),
            Some("E1002"),
            true,
            vec![fin.clone()],
        ),
        user(
            "u-0003",
            "carol.chen@example.com",
            Some("Carol"),
            Some("Chen"),
            None,
            false,
            vec![hr.clone()],
        ),
        user(
            "u-0004",
            "dan.dawson@example.com",
            Some("Dan"),
            Some("Dawson"),
            Some("E1004"),
            true,
            vec![],
        ),
        user(
            "u-0005",
            "svc-integration@example.com",
            None,
            None,
            Some("SVC-7"),
            true,
            vec![fin, sales.clone(), hr],
        ),
        user(
            "u-0006",
            "erin.evans@example.com",
            Some("Erin"),
            Some("Evans"),
            Some("E1006"),
            true,
            vec![sales],
        ),
    ]
}

/// `n` users over 200 workspaces, deterministic.
pub fn synthetic_users(n: usize) -> Vec<User> {
    let spaces: Vec<Workspace> = (0..200)
        .map(|i| ws(&format!("8a81b09d{i:08x}"), &format!("Workspace {i:03}")))
        .collect();
    (0..n)
        .map(|i| {
            let k = i % 200;
            let wss = (0..(i % 4))
                .map(|j| spaces[(k + j * 37) % 200].clone())
                .collect();
            user(
                &format!("{i:032x}"),
                &format!("user{i:06}@example.com"),
                Some(&format!("Given{i}")),
                Some(&format!("Family{}", i % 977)),
                Some(&format!("EXT{i:07}")),
                i % 11 != 0,
                wss,
            )
        })
        .collect()
}

/// A state with `users` loaded as one finished page, at `width` x `height`.
pub fn loaded_state(users: Vec<User>, width: u16, height: u16) -> State {
    let mut s = State::new("prod", "api.anaplan.example");
    crate::tui::update::init(&mut s, None);
    update(&mut s, Outcome::Resize { width, height });
    let total = users.len() as u64;
    let generation = s.list.generation;
    update(
        &mut s,
        Outcome::PageLoaded {
            generation,
            users,
            total,
        },
    );
    update(
        &mut s,
        Outcome::LoadFinished {
            generation,
            result: Ok(total),
        },
    );
    s
}

/// Draws the state on a test terminal of its own size.
pub fn draw(state: &State) -> Terminal<TestBackend> {
    let backend = TestBackend::new(state.width, state.height);
    let mut t = match Terminal::new(backend) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    let _ = t.draw(|f| crate::tui::view::render(state, f));
    t
}

/// Runs an action as the app would, building any plan it asks for on the spot; returns the
/// other effects.
pub fn step(state: &mut State, action: impl Into<Msg>) -> Vec<crate::tui::effect::Effect> {
    let mut out = Vec::new();
    for e in update(state, action) {
        match e {
            crate::tui::effect::Effect::BuildPlan(req) => {
                let preview = crate::tui::bulk::Preview::build(*req);
                out.extend(update(state, Outcome::PlanReady(Box::new(preview))));
            }
            other => out.push(other),
        }
    }
    out
}

/// Types `text` into whatever input has the keys; returns the effects.
pub fn typed(state: &mut State, text: &str) -> Vec<crate::tui::effect::Effect> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(update(
            state,
            Msg::Edit(tui_input::InputRequest::InsertChar(c)),
        ));
    }
    out
}

/// Presses backspace `n` times.
pub fn erase(state: &mut State, n: usize) {
    for _ in 0..n {
        update(state, Msg::Edit(tui_input::InputRequest::DeletePrevChar));
    }
}

/// The screen as text, drawn at the state's size.
pub fn screen(state: &State) -> String {
    draw(state).backend().to_string()
}

/// A finished run's summary as the journal gives it.
/// A progress tick of a running batch at `now`: the client has sent `requests`, of which
/// `retries` were retries and `rate_limited` met a 429.
pub fn run_tick(
    now: std::time::Instant,
    requests: u64,
    retries: u64,
    rate_limited: u64,
) -> Outcome {
    Outcome::RunTick(crate::tui::bulk::msg::RunStats {
        now,
        stats: crate::scim::client::ClientStats {
            requests,
            retries,
            rate_limited,
            ..Default::default()
        },
    })
}

pub fn run_summary(id: &str, action: &str, changed: usize, failed: usize) -> crate::batch::Summary {
    crate::batch::Summary {
        batch_id: id.into(),
        action: action.into(),
        planned: changed + failed,
        changed,
        no_op: 0,
        failed,
        in_doubt: 0,
        protected: 0,
        not_found: 0,
        gone: 0,
        unknown: 0,
        not_started: 0,
        malformed: 0,
        duplicates: 0,
        journal: format!(
            "/home/operator/.local/share/scimitar/journals/2026-11-29T21-43-18Z-{id}.jsonl"
        ),
        report_csv: None,
        report_json: None,
    }
}

/// Two past runs: a complete one with two failures, an interrupted one.
pub fn past_runs() -> crate::batch::history::RunList {
    use crate::batch::history::{RunEntry, RunList, RunState};
    let entry = |id: &str, started: &str, action: &str, state, changed, failed| RunEntry {
        id: id.into(),
        started: started.into(),
        last_activity: started.into(),
        tenant: "api.anaplan.example".into(),
        state,
        undoes: None,
        undone_by: Vec::new(),
        summary: run_summary(id, action, changed, failed),
        verification: crate::batch::verify::VerifyStatus::not_checked(),
    };
    RunList {
        dir: "/home/operator/.local/share/scimitar/journals".into(),
        runs: vec![
            entry(
                "8470f630",
                "2026-11-29T21:43:18Z",
                "disable",
                RunState::Complete,
                57,
                2,
            ),
            entry(
                "1c2d3e4f",
                "2026-11-28T09:12:00Z",
                "remove all workspaces",
                RunState::Interrupted,
                10,
                0,
            ),
        ],
        unreadable: Vec::new(),
    }
}

/// Run `i` of `past_runs` read back, with its failures' full reasons.
pub fn past_run(
    list: &crate::batch::history::RunList,
    i: usize,
) -> crate::batch::history::RunDetail {
    let reason = "server error 503: Service temporarily unavailable; the tenant is in maintenance until 22:00 UTC, try again later";
    crate::batch::history::RunDetail {
        entry: list.runs[i].clone(),
        failures: (0..list.runs[i].summary.failed)
            .map(|k| crate::batch::report::ReportRow {
                user_id: format!("u-{k}"),
                user_name: format!("karen.rivera{k}@contoso-group.com"),
                action: "disable".into(),
                outcome: "failed".into(),
                status: Some(503),
                detail: reason.into(),
                tenant: "api.anaplan.example".into(),
            })
            .collect(),
    }
}

/// The userNames of the current view's rows, in order.
pub fn visible_names(s: &State) -> Vec<String> {
    s.visible()
        .iter()
        .filter_map(|&i| s.list.row(i).map(|u| u.user_name().to_string()))
        .collect()
}

/// A CSV of six rows over the fixture: two resolved, a duplicate, one not found, one malformed.
pub fn csv_report() -> crate::input::ResolveReport {
    let users = fixture_users();
    crate::input::ResolveReport {
        rows_read: 6,
        resolved: vec![(2, users[0].clone()), (3, users[1].clone())],
        duplicates: vec![(4, "alice.archer@example.com".into(), 2)],
        not_found: vec![(5, "ghost@example.com".into())],
        malformed: vec![(6, "not-an-email@".into(), "not an email or an id".into())],
        lookup_errors: vec![],
        ..Default::default()
    }
}

/// The help overlay's rows as text, as the search sees them.
pub fn help_texts(s: &State) -> Vec<String> {
    crate::tui::screens::help::texts(s)
}
