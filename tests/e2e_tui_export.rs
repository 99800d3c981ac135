//! `e` in the TUI against `scimitar fake serve`: after a server filter and a search, the
//! CSV written holds exactly the rows shown, in their order; an existing file is kept
//! unless `y` replaces it.

mod support;

use support::{Fake, Sandbox, Tmux};

#[test]
fn e_writes_the_rows_shown_and_asks_before_replacing() {
    if !support::tmux::available("e_writes_the_rows_shown_and_asks_before_replacing") {
        return;
    }
    let fake = Fake::start(60);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake);
    let t = Tmux::start(130, 40, &env, &[support::bin()]);
    t.wait_text("loaded 60 / 60");

    t.server_filter("active eq false");
    t.wait_text("filter active eq false");
    t.keys(&["/"]);
    t.type_text("a");
    t.keys(&["Enter"]);
    let s = t.wait_for("the searched list", |s| {
        s.contains("search a") && !s.contains("loading")
    });
    let shown: Vec<&str> = s
        .lines()
        .filter(|l| l.contains("@") && l.contains("[ ]"))
        .collect();
    let n = support::tmux::figure(&s, "of").unwrap_or(0);
    assert!(n > 0 && n < 60, "a narrowed list:\n{s}");
    assert_eq!(shown.len(), n, "every row fits on screen:\n{s}");

    let path = sandbox.path().join("shown.csv");
    t.keys(&["e"]);
    t.wait_text("Export the rows shown (CSV) to");
    t.keys(&["C-u"]);
    t.type_text(&path.display().to_string());
    t.keys(&["Enter"]);
    t.wait_text(&format!("CSV of {n} user(s) saved to"));
    let text = std::fs::read_to_string(&path).expect("the CSV is written");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("a CSV row")).collect();
    assert_eq!(rows.len(), n, "{text}");
    for (row, line) in rows.iter().zip(&shown) {
        assert!(
            line.contains(&row[1]),
            "row {row:?} is not the line shown: {line}"
        );
        assert_eq!(&row[3], "false", "only the filtered users: {row:?}");
    }

    // A second export to the same file: asked, and Esc keeps the file.
    std::fs::write(&path, "keep me").expect("write");
    t.keys(&["e"]);
    t.wait_text("Export the rows shown (CSV) to");
    t.keys(&["C-u"]);
    t.type_text(&path.display().to_string());
    t.keys(&["Enter"]);
    t.wait_text("already exists. Replace it?");
    t.keys(&["Escape"]);
    t.wait_for("the popup to close", |s| !s.contains("Replace it?"));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "keep me");

    // And y replaces it.
    t.keys(&["e"]);
    t.wait_text("Export the rows shown (CSV) to");
    t.keys(&["C-u"]);
    t.type_text(&path.display().to_string());
    t.keys(&["Enter"]);
    t.wait_text("already exists. Replace it?");
    t.keys(&["y"]);
    support::wait_until("the file to be replaced", || {
        (std::fs::read_to_string(&path).ok()? == text).then_some(())
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "{}", t.history_and_screen());
}
