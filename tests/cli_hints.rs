//! No message points to an option the command lacks. Every string literal in the sources
//! that print hints is read; each `--option` it names is looked up, with clap's own
//! definitions, on the command it is for: the one a `scimitar CMD ...` before it names, or
//! the commands the file prints for.

use std::path::{Path, PathBuf};

use clap::Command;

/// String literals of a Rust source, escapes kept as written (enough to find options).
fn literals(src: &str) -> Vec<String> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            '/' if b.get(i + 1) == Some(&'/') => {
                while i < b.len() && b[i] != '\n' {
                    i += 1;
                }
            }
            // A char literal ('"', '\'', 'x'); a lifetime is left alone.
            '\'' if b.get(i + 2) == Some(&'\'') => i += 3,
            '\'' if b.get(i + 1) == Some(&'\\') && b.get(i + 3) == Some(&'\'') => i += 4,
            '"' => {
                let mut s = String::new();
                i += 1;
                while i < b.len() && b[i] != '"' {
                    if b[i] == '\\' && i + 1 < b.len() {
                        s.push(b[i]);
                        i += 1;
                    }
                    s.push(b[i]);
                    i += 1;
                }
                out.push(s);
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// `--word-word` options named in a text, with their byte offsets.
fn options(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut base = 0;
    while let Some(at) = rest.find("--") {
        let name: String = rest[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            .collect();
        let before = rest[..at].chars().last();
        if name.len() > 1
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && !before.is_some_and(|c| c.is_alphanumeric() || c == '-')
        {
            out.push((base + at, name.trim_end_matches('-').to_string()));
        }
        base += at + 2;
        rest = &rest[at + 2..];
    }
    out
}

fn find<'a>(root: &'a Command, path: &[&str]) -> &'a Command {
    path.iter().fold(root, |c, name| {
        c.find_subcommand(name)
            .unwrap_or_else(|| panic!("no command `{}`", path.join(" ")))
    })
}

fn has(cmd: &Command, option: &str) -> bool {
    option == "help" || cmd.get_arguments().any(|a| a.get_long() == Some(option))
}

/// The spans of `scimitar CMD [SUB] ...` in a text, up to where the command line ends, with
/// the command they name.
fn command_lines<'a>(root: &'a Command, text: &str) -> Vec<(usize, usize, &'a Command, String)> {
    let mut out = Vec::new();
    for (start, _) in text.match_indices("scimitar ") {
        let tail = &text[start + "scimitar ".len()..];
        // A command line ends at punctuation or where the next `scimitar ...` starts.
        let end = tail
            .find([';', '(', ')', '`', '\n', ','])
            .unwrap_or(tail.len())
            .min(tail.find("scimitar ").unwrap_or(tail.len()));
        let line = &tail[..end];
        let mut cmd = root;
        let mut named = vec![];
        for word in line.split_whitespace() {
            match cmd.find_subcommand(word) {
                Some(sc) => {
                    cmd = sc;
                    named.push(word);
                }
                None => break,
            }
        }
        let from = start;
        let to = start + "scimitar ".len() + end;
        out.push((from, to, cmd, format!("scimitar {}", named.join(" "))));
    }
    out
}

/// Which commands print a file's messages, and whether an option must exist on all of them
/// (a preview shown by both apply and undo) or on one (each message of `apply.rs` is for
/// the command printing it). Files not listed are checked against every command.
fn audience(file: &Path) -> (Vec<Vec<&'static str>>, bool) {
    let name = file.to_string_lossy();
    let c = |v: &[&[&'static str]]| v.iter().map(|p| p.to_vec()).collect::<Vec<_>>();
    if name.ends_with("commands/preview.rs") {
        (c(&[&["apply"], &["undo"]]), true)
    } else if name.ends_with("commands/apply.rs") || name.ends_with("commands/run.rs") {
        (c(&[&["apply"], &["resume"], &["undo"]]), false)
    } else if name.ends_with("commands/runs.rs") {
        (c(&[&["runs"], &["runs", "show"]]), false)
    } else if name.ends_with("commands/users.rs") {
        (c(&[&["users", "list"], &["user", "show"]]), false)
    } else if name.ends_with("commands/fake.rs") {
        (c(&[&["fake", "serve"]]), false)
    } else {
        (Vec::new(), false)
    }
}

fn every_command(c: &Command) -> Vec<&Command> {
    let mut v = vec![c];
    for sc in c.get_subcommands() {
        v.extend(every_command(sc));
    }
    v
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            // The fake's messages are the server's; the TUI's hints are keys, from its keymap.
            if !p.ends_with("fake") && !p.ends_with("tui") {
                sources(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("cli.rs") {
            out.push(p);
        }
    }
}

/// Every problem found in one file's literals.
fn check(root: &Command, file: &Path, src: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let (cmds, all) = audience(file);
    for lit in literals(src) {
        let lines = command_lines(root, &lit);
        for (at, option) in options(&lit) {
            let spot = format!("{}: `--{option}` in \"{lit}\"", file.display());
            if let Some((_, _, cmd, named)) = lines.iter().find(|(f, t, ..)| (*f..*t).contains(&at))
            {
                if !has(cmd, &option) {
                    bad.push(format!("{spot}: `{named}` has no --{option}"));
                }
                continue;
            }
            let targets: Vec<&Command> = cmds.iter().map(|p| find(root, p)).collect();
            let ok = match (targets.is_empty(), all) {
                (true, _) => every_command(root).iter().any(|c| has(c, &option)),
                (false, true) => targets.iter().all(|c| has(c, &option)),
                (false, false) => targets.iter().any(|c| has(c, &option)),
            };
            if !ok {
                bad.push(format!("{spot}: not an option of {cmds:?}"));
            }
        }
    }
    bad
}

#[test]
fn every_option_a_message_names_exists_on_the_command_it_is_for() {
    let mut root = scimitar::cli::command();
    root.build();
    let mut files = Vec::new();
    sources(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        &mut files,
    );
    let mut bad = Vec::new();
    let mut seen = 0;
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap();
        seen += literals(&src)
            .iter()
            .map(|l| options(l).len())
            .sum::<usize>();
        bad.extend(check(&root, f, &src));
    }
    assert!(
        seen > 50,
        "only {seen} options found: is the scanner reading?"
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_walk_catches_a_hint_for_an_option_the_command_lacks() {
    let mut root = scimitar::cli::command();
    root.build();
    let preview = Path::new("src/commands/preview.rs");
    assert!(check(&root, preview, r#"let _ = "save it with --save-plan";"#).is_empty());
    let bad = check(&root, preview, r#"let _ = "pass --journal FILE";"#);
    assert_eq!(bad.len(), 1, "{bad:?}");
    let runs = Path::new("src/commands/runs.rs");
    let bad = check(
        &root,
        runs,
        r#"let _ = "try: scimitar resume ID --dry-run";"#,
    );
    assert!(
        bad[0].contains("`scimitar resume` has no --dry-run"),
        "{bad:?}"
    );
    assert!(
        check(
            &root,
            runs,
            r#"let _ = "scimitar resume {j} --failed-only";"#
        )
        .is_empty()
    );
}
