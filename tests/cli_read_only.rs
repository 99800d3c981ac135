//! `--read-only` (or a profile's `read_only = true`): look, never change. The commands that
//! would write refuse before sending anything; lookups still work.

mod support;
use support::apply_filter;
use support::inproc as common;

use common::{Cli, config, start};

#[tokio::test]
async fn read_only_refuses_every_write_and_still_looks() {
    let fake = start(config(60)).await;
    let cli = Cli::new(&fake);
    let out = cli
        .run(&apply_filter(
            "active eq true",
            "disable",
            &["--yes", "--read-only"],
        ))
        .await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("read-only"), "{out:?}");
    assert_eq!(fake.stats().kind("patch"), 0, "nothing was sent");
    assert_eq!(fake.stats().kind("list"), 0, "not even a read for a plan");

    let out = cli
        .run(&["users", "list", "--read-only", "--format", "json"])
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.json().as_array().is_some_and(|a| !a.is_empty()));
}

#[tokio::test]
async fn a_read_only_profile_refuses_writes_too() {
    let fake = start(config(60)).await;
    let mut cli = Cli::new(&fake);
    let dir = cli.path("config");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(
        dir.join("config.toml"),
        "default_profile = \"look\"\n[profiles.look]\nread_only = true\n",
    )
    .expect("config");
    cli.env("SCIMITAR_PROFILE", "look");
    let journal = cli.path("j.jsonl");
    let out = cli
        .run(&["undo", journal.to_str().expect("utf-8 path"), "--yes"])
        .await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("read-only"), "{out:?}");
    assert_eq!(fake.stats().kind("patch"), 0);
}
