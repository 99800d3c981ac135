//! Lost answers, end to end with the real binary against the fake: for each fault, apply →
//! resume → undo, checking the fake's state user by user, and the summary (stdout JSON and
//! stderr) agreeing with the journal. Nothing a run touched stays changed after its undo.

mod support;
use support::inproc::{self as common, Cli, Output};

use std::collections::HashMap;
use std::time::Duration;

use common::{Access, config, snapshot, start};
use scimitar::batch::{JournalState, ResultKind, Summary};
use scimitar::fake::{Dialect, FakeConfig, FakeServer, LostAnswers, LostKind};

const SHARE: f64 = 0.2;

/// The counts of stdout's JSON summary, the journal's own summary, and stderr agree.
fn agree(out: &Output, journal: &std::path::Path) -> Summary {
    let state = JournalState::read(journal).unwrap();
    let s = Summary::from_journal(&state);
    let j = out.json();
    for (key, n) in [
        ("changed", s.changed),
        ("no_op", s.no_op),
        ("failed", s.failed),
        ("in_doubt", s.in_doubt),
        ("gone", s.gone),
        ("unknown", s.unknown),
        ("not_started", s.not_started),
    ] {
        assert_eq!(j[key].as_u64(), Some(n as u64), "{key}: {out:?}");
    }
    assert!(out.stderr.contains(&s.counts_line()), "{out:?}");
    for (group, n) in [
        ("failed", s.failed),
        ("in doubt", s.in_doubt),
        ("gone", s.gone),
    ] {
        if n > 0 {
            assert!(out.stderr.contains(&format!("{group} ({n}):")), "{out:?}");
        }
    }
    s
}

/// Every target's journaled outcome matches the fake's state now.
fn journal_matches_server(
    fake: &FakeServer,
    journal: &std::path::Path,
    at_target: impl Fn(&Access) -> bool,
) {
    let state = JournalState::read(journal).unwrap();
    let now = snapshot(fake);
    for t in &state.targets {
        let is = &now[&t.user_id];
        match state.outcome_of(&t.user_id) {
            Some(ResultKind::Done) => assert!(at_target(is), "{} done but {is:?}", t.user_id),
            Some(ResultKind::Failed) => assert!(!at_target(is), "{} failed but {is:?}", t.user_id),
            _ => {}
        }
    }
}

fn lost(kind: LostKind, every_try: bool) -> LostAnswers {
    LostAnswers {
        kind: Some(kind),
        share: SHARE,
        every_try,
        ..LostAnswers::default()
    }
}

struct Case {
    fake: FakeServer,
    cli: Cli,
    before: HashMap<String, Access>,
    journal: std::path::PathBuf,
}

async fn case(config: FakeConfig) -> Case {
    let fake = start(config).await;
    let cli = Cli::new(&fake);
    let before = snapshot(&fake);
    let journal = cli.path("run.jsonl");
    Case {
        fake,
        cli,
        before,
        journal,
    }
}

impl Case {
    async fn apply(&self, action: &str, extra: &[&str]) -> Output {
        let j = self.journal.display().to_string();
        let mut args = vec![
            "apply",
            "--filter",
            "active eq true",
            "--action",
            action,
            "--yes",
            "--journal",
            &j,
        ];
        args.extend_from_slice(extra);
        self.cli.run(&args).await
    }

    async fn resume(&self) -> Output {
        let j = self.journal.display().to_string();
        self.cli.run(&["resume", &j, "--yes"]).await
    }

    /// Undo, then every user is exactly as before the run.
    async fn undo_restores_everyone(&self) {
        let j = self.journal.display().to_string();
        let out = self.cli.run(&["undo", &j, "--yes"]).await;
        assert_eq!(out.code, Some(0), "{out:?}");
        let now = snapshot(&self.fake);
        for (id, was) in &self.before {
            assert_eq!(&now[id], was, "{id} not restored by undo");
        }
    }

    /// Users the switch hit among the targets that held workspaces.
    fn hit(&self) -> usize {
        self.before
            .iter()
            .filter(|(_, a)| a.active && !a.workspaces.is_empty())
            .filter(|(id, _)| self.fake.lost_affects(id, SHARE))
            .count()
    }

    /// After resume no user with an attempt is a no-op: a change found made is confirmed.
    fn no_attempt_is_a_no_op(&self) {
        let state = JournalState::read(&self.journal).unwrap();
        for id in state.first_before.keys() {
            assert_ne!(state.outcome_of(id), Some(ResultKind::NoOp), "{id}");
        }
    }
}

fn no_workspaces(a: &Access) -> bool {
    a.workspaces.is_empty()
}

/// A fault whose change is applied and whose answer is lost: the re-read settles it as done
/// at once, resume has nothing left, undo gives everything back.
async fn applied_then_lost(kind: LostKind, every_try: bool, extra: &[&str]) {
    let c = case(config(120)).await;
    c.fake.set_lost(lost(kind, every_try));
    let out = c.apply("remove-workspaces", extra).await;
    let s = agree(&out, &c.journal);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(c.hit() > 0);
    assert_eq!((s.failed, s.in_doubt), (0, 0), "{out:?}");
    journal_matches_server(&c.fake, &c.journal, no_workspaces);
    c.fake.set_lost(LostAnswers::default());
    let out = c.resume().await;
    assert_eq!(out.code, Some(0), "{out:?}");
    c.no_attempt_is_a_no_op();
    c.undo_restores_everyone().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applied_then_500_on_every_try_is_done_not_failed() {
    applied_then_lost(LostKind::AppliedThen500, true, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applied_then_500_on_the_first_try_is_done() {
    applied_then_lost(LostKind::AppliedThen500, false, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applied_then_dropped_is_done_not_failed() {
    applied_then_lost(LostKind::AppliedThenDropped, true, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applied_then_hang_is_done_not_failed() {
    applied_then_lost(LostKind::AppliedThenHang, false, &["--timeout", "2"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_200_is_settled_by_the_server_state() {
    applied_then_lost(LostKind::Truncated200, true, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_200_is_settled_by_the_server_state() {
    applied_then_lost(LostKind::Html200, true, &[]).await;
}

/// Applied, then the server goes down: nothing can be re-read, so the users are in doubt
/// (never failed); resume confirms the applied ones; undo restores everyone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applied_then_down_is_in_doubt_and_resume_confirms_it() {
    let c = case(config(40)).await;
    c.fake.set_lost(LostAnswers {
        down_after: true,
        ..lost(LostKind::AppliedThen500, true)
    });
    let out = c.apply("remove-workspaces", &[]).await;
    let s = agree(&out, &c.journal);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(s.in_doubt > 0, "{out:?}");
    assert_eq!(s.failed, 0, "{out:?}");
    assert!(out.stderr.contains("resume"), "{out:?}");
    c.fake.set_lost(LostAnswers::default());
    let out = c.resume().await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let s = agree(&out, &c.journal);
    assert_eq!(s.in_doubt + s.failed, 0, "{out:?}");
    c.no_attempt_is_a_no_op();
    let rows = scimitar::batch::report::rows(&JournalState::read(&c.journal).unwrap());
    assert!(
        rows.iter()
            .any(|r| r.detail == scimitar::batch::report::CONFIRMED),
        "resume confirmed nobody"
    );
    journal_matches_server(&c.fake, &c.journal, no_workspaces);
    c.undo_restores_everyone().await;
}

/// A 200 that claims the change while nothing is stored: failed, with the reason; resume
/// makes the change; undo restores everyone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_the_state_contradicts_is_failed() {
    let c = case(config(120)).await;
    c.fake.set_lost(lost(LostKind::ClaimNotStored, false));
    let out = c.apply("disable", &[]).await;
    let s = agree(&out, &c.journal);
    assert_eq!(out.code, Some(1), "{out:?}");
    let hit = c
        .before
        .iter()
        .filter(|(id, a)| a.active && c.fake.lost_affects(id, SHARE))
        .filter(|(id, _)| {
            !c.fake
                .user(id)
                .unwrap()
                .user_name
                .eq_ignore_ascii_case(&c.fake.login)
        })
        .count();
    assert_eq!(s.failed, hit, "{out:?}");
    assert!(
        out.stderr
            .contains("the server said changed, its state did not change"),
        "{out:?}"
    );
    journal_matches_server(&c.fake, &c.journal, |a| !a.active);
    c.fake.set_lost(LostAnswers::default());
    let out = c.resume().await;
    assert_eq!(out.code, Some(0), "{out:?}");
    journal_matches_server(&c.fake, &c.journal, |a| !a.active);
    c.undo_restores_everyone().await;
}

/// GET by id answering another user's JSON (a server that cannot filter on id, so users are
/// re-read one by one): never acted on, never gone, and stderr and JSON agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_answer_is_not_a_404() {
    let c = case(FakeConfig {
        dialect: Dialect::Rfc,
        ..config(120)
    })
    .await;
    c.fake.set_lost(lost(LostKind::OtherUserOnGet, true));
    let out = c.apply("disable", &[]).await;
    let s = agree(&out, &c.journal);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(s.gone, 0, "{out:?}");
    assert!(s.failed > 0, "{out:?}");
    assert!(
        out.stderr
            .contains("server answered for a different user (id "),
        "{out:?}"
    );
    // Those users were never changed.
    let state = JournalState::read(&c.journal).unwrap();
    for t in &state.targets {
        if state.outcome_of(&t.user_id) == Some(ResultKind::Failed) {
            assert_eq!(
                c.fake.stats().patches.get(&t.user_id),
                None,
                "{}",
                t.user_id
            );
            assert_eq!(snapshot(&c.fake)[&t.user_id], c.before[&t.user_id]);
        }
    }
    c.fake.set_lost(LostAnswers::default());
    let out = c.resume().await;
    assert_eq!(out.code, Some(0), "{out:?}");
    c.undo_restores_everyone().await;
}

/// Two overlapping runs on the same users (a disable, and a removal of workspaces): neither
/// marks the other's change as its failure, and each undo restores its own part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_overlapping_runs_each_undo_their_own_part() {
    let fake = start(common::with_latency(Duration::from_millis(5), config(150))).await;
    let cli = Cli::new(&fake);
    let before = snapshot(&fake);
    let (ja, jb) = (cli.path("a.jsonl"), cli.path("b.jsonl"));
    let (ja_s, jb_s) = (ja.display().to_string(), jb.display().to_string());
    let run = |action: &'static str, j: String| {
        let cli = &cli;
        async move {
            cli.run(&[
                "apply",
                "--filter",
                // Every user, whatever the other run did first: a filter on `active` finds
                // nobody when the disable ends before the other run lists.
                "userName pr",
                "--action",
                action,
                "--yes",
                // Overlapping on purpose: without it the second is refused.
                "--allow-concurrent",
                "--journal",
                &j,
            ])
            .await
        }
    };
    let (a, b) = tokio::join!(
        run("disable", ja_s.clone()),
        run("remove-workspaces", jb_s.clone())
    );
    let (sa, sb) = (agree(&a, &ja), agree(&b, &jb));
    assert_eq!((a.code, sa.failed), (Some(0), 0), "{a:?}");
    assert_eq!((b.code, sb.failed), (Some(0), 0), "{b:?}");
    for j in [&ja_s, &jb_s] {
        let out = cli.run(&["undo", j, "--yes"]).await;
        assert_eq!(out.code, Some(0), "{out:?}");
    }
    let now = snapshot(&fake);
    for (id, was) in &before {
        assert_eq!(&now[id], was, "{id} not restored by the two undos");
    }
}
