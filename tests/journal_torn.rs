//! A journal cut anywhere by an interruption is healed, not appended to: the torn bytes are
//! set aside in `<journal>.torn`, the file is made whole, the seals still verify, and the
//! resumed run completes. Every byte offset of the last three records, and random prefixes.

mod support;
use support::inproc as common;

use std::path::{Path, PathBuf};
use std::sync::{LazyLock, OnceLock};

use proptest::prelude::*;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use common::{client, config, start};
use scimitar::batch::driver;
use scimitar::batch::journal::{SealCheck, torn_file};
use scimitar::batch::runner::RunOptions;
use scimitar::batch::seal::SealKey;
use scimitar::batch::{Intent, JournalState, ResultKind};
use scimitar::fake::FakeServer;
use scimitar::plan::{Action, Plan, Protected};
use scimitar::scim::ScimClient;
use scimitar::scim::client::AuthMethod;

static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
});

/// One fake, one client, one finished journal of a 30-user disable, shared by every case.
struct World {
    _fake: FakeServer,
    client: ScimClient,
    key: SealKey,
    tenant: String,
    journal: Vec<u8>,
    _dir: tempfile::TempDir,
}

static WORLD: OnceLock<World> = OnceLock::new();

fn world() -> &'static World {
    WORLD.get_or_init(|| {
        RT.block_on(async {
            let fake = start(config(40)).await;
            let client = client(&fake, AuthMethod::Token);
            let users: Vec<_> = fake
                .users()
                .into_iter()
                .filter(|u| u.active)
                .take(30)
                .collect();
            let protected = Protected::default();
            let plan = Plan::build(
                &client.tenant_label(),
                "now",
                Action::Disable,
                &users,
                &protected,
                &[],
            );
            let batch = driver::batch_from_plan(
                &plan,
                "torn",
                Intent::Apply {
                    action: Action::Disable,
                    protected,
                },
            );
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("whole.jsonl");
            let key = SealKey::ephemeral();
            let started = driver::start(&key, &path, batch).expect("start");
            let (tx, _rx) = mpsc::unbounded_channel();
            let f = driver::run(
                started,
                &client,
                &RunOptions::default(),
                tx,
                CancellationToken::new(),
            )
            .await;
            assert!(f.stopped.is_none(), "{:?}", f.stopped);
            let journal = std::fs::read(&path).expect("read journal");
            World {
                tenant: client.tenant_label(),
                _fake: fake,
                client,
                key,
                journal,
                _dir: dir,
            }
        })
    })
}

/// Cuts the journal at `offset` into a fresh file, opens it for resume (healing it) and,
/// with `run`, resumes it to the end and checks the outcome.
fn cut_and_resume(w: &World, dir: &Path, offset: usize, run: bool) {
    let path: PathBuf = dir.join(format!("cut-{offset}.jsonl"));
    let prefix = &w.journal[..offset];
    std::fs::write(&path, prefix).expect("write prefix");
    let first_line = w.journal.iter().position(|&b| b == b'\n').expect("a line") + 1;
    let opened = driver::open(&w.key, &path, &w.tenant, false);
    if offset < first_line {
        // The run record itself was cut: nothing was ever sent (it is on disk before any
        // request), so there is nothing to resume, and the file is left as it was.
        let e = opened.err().expect("refused").to_string();
        assert!(e.contains("first record was cut off"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), prefix);
        return;
    }
    let opened = opened.unwrap_or_else(|e| panic!("offset {offset}: {e}"));
    let whole = prefix
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    match &opened.state.torn {
        Some(t) => {
            assert!(whole < offset);
            assert!(
                opened.notes[0]
                    .contains("was cut off by an interruption; its request is re-checked"),
                "{:?}",
                opened.notes
            );
            // The file is whole again, and the torn bytes are kept beside it.
            assert_eq!(std::fs::read(&path).unwrap(), &prefix[..whole]);
            let aside = std::fs::read(torn_file(&path)).unwrap();
            assert_eq!(&aside[..aside.len() - 1], &prefix[whole..]);
            assert_eq!(t.offset as usize, whole);
        }
        None => assert_eq!(whole, offset),
    }
    if !run {
        drop(opened);
        let s = JournalState::read_sealed(&path, &w.key).unwrap();
        assert_eq!(s.seal, SealCheck::Verified, "offset {offset}");
        return;
    }
    let targets = opened.state.resume_targets(true);
    let started = opened.resume(targets).expect("resume");
    let (tx, _rx) = mpsc::unbounded_channel();
    let f = RT.block_on(driver::run(
        started,
        &w.client,
        &RunOptions::default(),
        tx,
        CancellationToken::new(),
    ));
    assert!(f.stopped.is_none(), "offset {offset}: {:?}", f.stopped);
    let s = JournalState::read_sealed(&path, &w.key).unwrap_or_else(|e| panic!("{offset}: {e}"));
    assert_eq!(s.seal, SealCheck::Verified, "offset {offset}");
    assert!(s.torn.is_none() && s.ended, "offset {offset}");
    assert!(s.remaining().is_empty() && s.unknown.is_empty());
    for t in &s.targets {
        // Everyone was disabled by the first run: those whose answer the cut lost are
        // changed (confirmed on resume), never "no-op".
        let o = s.outcome_of(&t.user_id);
        if s.first_before.contains_key(&t.user_id) {
            assert_eq!(o, Some(ResultKind::Done), "offset {offset}: {}", t.user_id);
        } else {
            assert!(o.is_some(), "offset {offset}: {} unfinished", t.user_id);
        }
    }
}

#[test]
fn every_byte_offset_of_the_last_three_records_heals_and_completes() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let ends: Vec<usize> = w
        .journal
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    assert!(ends.len() > 4);
    let from = ends[ends.len() - 4];
    // Every offset is healed and checked; every 16th (and each record boundary) is also
    // resumed to the end: the fsyncs of a full run make all of them slow for no more cover.
    for offset in from..=w.journal.len() {
        let run = offset % 16 == 0 || ends.contains(&offset);
        cut_and_resume(w, dir.path(), offset, run);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn any_prefix_resumed_ends_readable_and_complete(cut in 0.0f64..=1.0) {
        let w = world();
        let dir = tempfile::tempdir().unwrap();
        let offset = ((w.journal.len() as f64) * cut) as usize;
        cut_and_resume(w, dir.path(), offset.min(w.journal.len()), true);
    }
}
