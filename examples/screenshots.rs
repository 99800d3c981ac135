//! Pictures of the main screens for the README, drawn by the program's own `render` on a
//! `TestBackend` from a seeded demo tenant, and written as SVG to assets/.
//!
//!   cargo run --example screenshots            # writes assets/*.svg
//!
//! The tenant is the fake's (seed 42), so the pictures change only when the screens do.

use std::fmt::Write as _;
use std::net::SocketAddr;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use scimitar::fake::{FakeConfig, FakeServer, Faults};
use scimitar::scim::{ListOptions, ScimClient, filter};
use scimitar::tui::testing::{draw, loaded_state};
use scimitar::tui::{Command, Msg, Outcome, State, update};

const CELL_W: f64 = 8.4;
const CELL_H: f64 = 18.0;
const BG: &str = "#1d1f21";
const FG: &str = "#d7d7d7";

/// The 16 named colours as a common dark terminal palette shows them.
fn rgb(c: Color, fallback: &'static str) -> String {
    match c {
        Color::Reset => fallback.into(),
        Color::Black => "#1d1f21".into(),
        Color::Red => "#cc6666".into(),
        Color::Green => "#b5bd68".into(),
        Color::Yellow => "#f0c674".into(),
        Color::Blue => "#81a2be".into(),
        Color::Magenta => "#b294bb".into(),
        Color::Cyan => "#8abeb7".into(),
        Color::Gray => "#c5c8c6".into(),
        Color::DarkGray => "#707880".into(),
        Color::LightRed => "#ff7b7b".into(),
        Color::LightGreen => "#d2e58c".into(),
        Color::LightYellow => "#ffe08a".into(),
        Color::LightBlue => "#a3c5e6".into(),
        Color::LightMagenta => "#d7b3e0".into(),
        Color::LightCyan => "#a8e0d8".into(),
        Color::White => "#ffffff".into(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(_) => fallback.into(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One `<rect>` per background run and one `<tspan>` per style run.
fn svg(buf: &Buffer, title: &str) -> String {
    let (w, h) = (buf.area.width, buf.area.height);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="{:.0}" viewBox="0 0 {:.0} {:.0}" role="img" aria-label="{}">
<rect width="100%" height="100%" fill="{BG}"/>
<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14" xml:space="preserve">
"#,
        f64::from(w) * CELL_W + 16.0,
        f64::from(h) * CELL_H + 16.0,
        f64::from(w) * CELL_W + 16.0,
        f64::from(h) * CELL_H + 16.0,
        escape(title)
    );
    for y in 0..h {
        let mut x = 0;
        while x < w {
            let cell = &buf[(x, y)];
            let reversed = cell.modifier.contains(Modifier::REVERSED);
            let (fg, bg) = if reversed {
                (rgb(cell.bg, BG), rgb(cell.fg, FG))
            } else {
                (rgb(cell.fg, FG), rgb(cell.bg, BG))
            };
            let bold = cell.modifier.contains(Modifier::BOLD);
            let mut text = String::new();
            let start = x;
            while x < w {
                let c = &buf[(x, y)];
                let r = c.modifier.contains(Modifier::REVERSED);
                let (f, b) = if r {
                    (rgb(c.bg, BG), rgb(c.fg, FG))
                } else {
                    (rgb(c.fg, FG), rgb(c.bg, BG))
                };
                if f != fg || b != bg || c.modifier.contains(Modifier::BOLD) != bold {
                    break;
                }
                text.push_str(c.symbol());
                x += 1;
            }
            let px = 8.0 + f64::from(start) * CELL_W;
            let py = 8.0 + f64::from(y) * CELL_H;
            if bg != BG {
                let _ = writeln!(
                    out,
                    r#"<rect x="{px:.1}" y="{py:.1}" width="{:.1}" height="{CELL_H}" fill="{bg}"/>"#,
                    f64::from(x - start) * CELL_W
                );
            }
            if !text.trim().is_empty() {
                let _ = writeln!(
                    out,
                    r#"<text x="{px:.1}" y="{:.1}" fill="{fg}"{} textLength="{:.1}" lengthAdjust="spacingAndGlyphs">{}</text>"#,
                    py + 13.5,
                    if bold { r#" font-weight="bold""# } else { "" },
                    f64::from(x - start) * CELL_W,
                    escape(&text)
                );
            }
        }
    }
    out.push_str("</g>\n</svg>\n");
    out
}

fn save(name: &str, state: &State, title: &str) {
    let term = draw(state);
    let path = format!("assets/{name}.svg");
    if let Err(e) = std::fs::write(&path, svg(term.backend().buffer(), title)) {
        eprintln!("cannot write {path}: {e}");
        std::process::exit(1);
    }
    println!("wrote {path}");
}

#[tokio::main]
async fn main() {
    let config = FakeConfig {
        users: 3000,
        seed: 42,
        ..FakeConfig::default()
    };
    let fake = match FakeServer::start(config, SocketAddr::from(([127, 0, 0, 1], 0))).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("cannot start the fake: {e}");
            std::process::exit(1);
        }
    };
    let client = match ScimClient::new(fake.connection()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let users = match client.list_all(None, ListOptions::default(), |_| {}).await {
        Ok(r) => r.users,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let new_state = |users: Vec<_>| {
        let mut s = loaded_state(users, 100, 30);
        s.filter.parser = filter::parse;
        s.tenant = "api.anaplan.com".into();
        s
    };

    let mut s = new_state(users.clone());
    for _ in 0..3 {
        update(&mut s, Command::Down);
    }
    update(&mut s, Command::ToggleSelect);
    update(&mut s, Command::ToggleSelect);
    save("list", &s, "scimitar: the user list");

    let mut s = new_state(users.clone());
    for _ in 0..2 {
        update(&mut s, Command::Down);
    }
    let effects = update(&mut s, Command::Open);
    // Do what the effect runner would: fetch the user and hand the answer back.
    if !effects.is_empty()
        && let Some(u) = users.get(2)
    {
        let result = client
            .get_user(&u.id)
            .await
            .map_err(scimitar::tui::Failure::from);
        update(
            &mut s,
            Outcome::UserFetched {
                key: u.id.clone(),
                result,
            },
        );
    }
    save("detail", &s, "scimitar: one user's workspaces");

    let mut s = new_state(users.clone());
    update(&mut s, Command::Workspaces);
    save("workspaces", &s, "scimitar: workspaces and their users");

    let mut s = new_state(users.clone());
    update(&mut s, Command::Filter);
    for c in "userName co \"smith\"".chars() {
        update(&mut s, Msg::Edit(tui_input::InputRequest::InsertChar(c)));
    }
    save(
        "filter-error",
        &s,
        "scimitar: a filter Anaplan would refuse, caught as it is typed",
    );

    // The preview of "disable and remove" for a handful of users, through the real menu.
    let picked: Vec<_> = users
        .iter()
        .filter(|u| u.active && u.workspaces.len() >= 2)
        .take(6)
        .collect();
    let mut s = new_state(users.clone());
    for u in &picked {
        s.bulk.selected.insert(u.id.clone());
    }
    to_preview(&mut s);
    save(
        "preview",
        &s,
        "scimitar: the plan, user by user, before anything is sent",
    );
    update(&mut s, Command::ShowRequest);
    save("request", &s, "scimitar: the exact request for one user");
    update(&mut s, Command::Back);
    update(&mut s, Command::Proceed);
    for c in picked.len().to_string().chars() {
        update(&mut s, Msg::Edit(tui_input::InputRequest::InsertChar(c)));
    }
    save(
        "confirm",
        &s,
        "scimitar: confirmation by typing the number of users",
    );
    fake.shutdown().await;

    // A real run against a slower, flakier fake, its events fed to the progress pane.
    progress_picture().await;
}

/// Opens the action menu on the selection, picks "disable and remove" and builds the plan
/// the way the effect runner would.
fn to_preview(s: &mut State) {
    update(s, Command::Actions);
    for _ in 0..4 {
        update(s, Command::Down);
    }
    for e in update(s, Command::Proceed) {
        if let scimitar::tui::Effect::BuildPlan(req) = e {
            let preview = scimitar::tui::bulk::Preview::build(*req);
            update(s, Outcome::PlanReady(Box::new(preview)));
        }
    }
}

async fn progress_picture() {
    use scimitar::batch::runner::{self, RunOptions};
    use scimitar::batch::{Intent, Journal};
    use scimitar::tui::bulk::msg::{BatchEvent, RunStats};
    use std::time::{Duration, Instant};

    let config = FakeConfig {
        users: 3000,
        seed: 42,
        faults: Faults {
            latency: Duration::from_millis(120),
            error_rate: 0.04,
            ..Faults::default()
        },
        ..FakeConfig::default()
    };
    let Ok(fake) = FakeServer::start(config, SocketAddr::from(([127, 0, 0, 1], 0))).await else {
        eprintln!("cannot start the fake");
        std::process::exit(1);
    };
    // One attempt only, so that the injected failures stay failures and show in the pane.
    let Ok(client) = ScimClient::new(scimitar::scim::client::Connection {
        max_attempts: 1,
        ..fake.connection()
    }) else {
        eprintln!("cannot build the client");
        std::process::exit(1);
    };
    let Ok(reader) = ScimClient::new(fake.connection()) else {
        eprintln!("cannot build the client");
        std::process::exit(1);
    };
    let Ok(listed) = reader.list_all(None, ListOptions::default(), |_| {}).await else {
        eprintln!("cannot list the fake's users");
        std::process::exit(1);
    };
    let users = listed.users;
    let mut s = loaded_state(users.clone(), 100, 30);
    s.filter.parser = filter::parse;
    s.tenant = "api.anaplan.com".into();
    s.bulk.max_users = 1000;
    let chosen: Vec<_> = users
        .iter()
        .filter(|u| u.active)
        .take(400)
        .cloned()
        .collect();
    for u in &chosen {
        s.bulk.selected.insert(u.id.clone());
    }
    to_preview(&mut s);
    update(&mut s, Command::Proceed);
    let plan = scimitar::plan::Plan::build(
        "api.anaplan.com",
        "now",
        scimitar::plan::Action::DisableAndRemove,
        &chosen,
        &scimitar::plan::Protected::default(),
        &[],
    );
    for c in plan.totals().to_change.to_string().chars() {
        update(&mut s, Msg::Edit(tui_input::InputRequest::InsertChar(c)));
    }
    let _ = update(&mut s, Command::Apply);
    let dir = std::env::temp_dir().join(format!("scimitar-shots-{}", std::process::id()));
    let journal_path = dir.join("run.jsonl");
    let Ok(journal) = Journal::create(&journal_path, &scimitar::batch::seal::SealKey::ephemeral())
    else {
        eprintln!("cannot open a journal in {}", dir.display());
        std::process::exit(1);
    };
    let intent = Intent::Apply {
        action: plan.action.clone(),
        protected: scimitar::plan::Protected::default(),
    };
    let batch = scimitar::batch::driver::batch_from_plan(&plan, "1a2b3c4d", intent);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cancel = tokio_util::sync::CancellationToken::new();
    let t0 = Instant::now();
    update(
        &mut s,
        Outcome::RunStarted {
            batch_id: "1a2b3c4d".into(),
            journal: "~/.local/share/scimitar/journals/2026-11-23T11-50-00Z-1a2b3c4d.jsonl".into(),
            at: t0,
            baseline: client.stats(),
        },
    );
    let run = {
        let client = client.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let opts = RunOptions::default();
            runner::run(
                &client,
                &batch,
                std::sync::Arc::new(journal),
                &opts,
                tx,
                cancel,
            )
            .await
        })
    };
    let mut finished = 0usize;
    while let Some(e) = rx.recv().await {
        if matches!(e, scimitar::batch::Event::Finished(_)) {
            finished += 1;
        }
        update(&mut s, Outcome::RunEvent(BatchEvent(e)));
        if finished == 240 {
            break;
        }
    }
    update(
        &mut s,
        Outcome::RunTick(RunStats {
            now: Instant::now(),
            stats: client.stats(),
        }),
    );
    save("progress", &s, "scimitar: a run in progress");
    cancel.cancel();
    while rx.recv().await.is_some() {}
    let _ = run.await;
    let _ = std::fs::remove_dir_all(&dir);
    fake.shutdown().await;
}
