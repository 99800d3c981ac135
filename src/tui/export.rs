//! `e` on a user list (all users, a workspace's members): the rows shown, after filter and
//! search, written to a CSV through the path input. The reducer half picks the rows; the
//! effect half writes them, creating the file exclusively unless replacing was confirmed.

use std::io::Write;

use tui_input::Input;

use crate::scim::model::User;
use crate::tui::bulk::state::{PathInput, PathPurpose};
use crate::tui::effect::Effect;
use crate::tui::failure::{Failure, FailureKind};
use crate::tui::msg::Outcome;
use crate::tui::state::{State, ViewKind};

/// Opens the path input for the rows shown, if this view lists users.
pub fn start(state: &mut State) -> Vec<Effect> {
    if !state.view().is_user_list() {
        return Vec::new();
    }
    if state.visible().is_empty() {
        state.flash("no rows shown: nothing to export");
        return Vec::new();
    }
    let name = match &state.view().kind {
        ViewKind::Members { workspace_id } => format!("members-{}.csv", file_safe(workspace_id)),
        _ => "users.csv".to_string(),
    };
    state.ask_path(PathInput {
        purpose: PathPurpose::ExportUsers,
        input: Input::new(name),
    });
    Vec::new()
}

/// The export of the rows the view shows now, in their order.
pub fn effect(state: &State, path: String, overwrite: bool) -> Vec<Effect> {
    if !state.view().is_user_list() {
        return Vec::new();
    }
    vec![Effect::ExportUsers {
        path,
        users: rows_shown(state),
        overwrite,
    }]
}

/// The users of the current list view's rows, after filter, search and sort.
pub fn rows_shown(state: &State) -> Vec<User> {
    state
        .visible()
        .iter()
        .filter_map(|&i| state.list.get(i))
        .collect()
}

/// A workspace id as part of a file name: anything but letters, digits, `-` and `_` is `_`.
fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes the CSV. Without `overwrite` the file is created exclusively; one already there
/// is not touched and the operator is asked (`Outcome::WouldOverwrite`).
pub fn write(path: &str, users: &[User], overwrite: bool) -> Outcome {
    let p = crate::tui::bulk::state::resolve_path(path);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if overwrite {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let what = format!("CSV of {} user(s)", users.len());
    let file = match opts.open(&p) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Outcome::WouldOverwrite {
                purpose: PathPurpose::ExportUsers,
                path: p.display().to_string(),
            };
        }
        Err(e) => return saved(what, Err(failed(&p, e))),
    };
    let mut out = std::io::BufWriter::new(file);
    let r = crate::export::write_users_csv(&mut out, users)
        .map_err(std::io::Error::from)
        .and_then(|()| out.flush())
        .map_err(|e| failed(&p, e))
        .map(|()| p.display().to_string());
    saved(what, r)
}

fn saved(what: String, result: Result<String, Failure>) -> Outcome {
    Outcome::Saved { what, result }
}

/// A file that could not be written, named.
fn failed(p: &std::path::Path, e: std::io::Error) -> Failure {
    Failure::caused_by(FailureKind::File, format!("{}: {e}", p.display()), e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::msg::Command;
    use crate::tui::state::Popup;
    use crate::tui::testing::{fixture_users, loaded_state, step, typed, visible_names};

    /// The members of Finance Planning, searched for "e": fewer rows than loaded.
    fn filtered_and_searched() -> State {
        filtered_and_searched_of(fixture_users())
    }

    fn filtered_and_searched_of(users: Vec<User>) -> State {
        let mut s = loaded_state(users, 100, 30);
        step(&mut s, Command::Workspaces);
        for _ in 0..10 {
            if s.current_workspace()
                .is_some_and(|w| w.name == "Finance Planning")
            {
                break;
            }
            step(&mut s, Command::Down);
        }
        step(&mut s, Command::Open);
        assert!(matches!(s.view().kind, ViewKind::Members { .. }));
        step(&mut s, Command::Search);
        typed(&mut s, "b");
        step(&mut s, Command::Apply);
        s
    }

    fn export_of(effects: &[Effect]) -> Option<(&str, Vec<&str>, bool)> {
        effects.iter().find_map(|e| match e {
            Effect::ExportUsers {
                path,
                users,
                overwrite,
            } => Some((
                path.as_str(),
                users.iter().map(|u| u.user_name.as_str()).collect(),
                *overwrite,
            )),
            _ => None,
        })
    }

    #[test]
    fn e_asks_for_a_path_then_exports_the_rows_shown() {
        let mut s = filtered_and_searched();
        let shown = visible_names(&s);
        assert!(
            !shown.is_empty() && shown.len() < fixture_users().len(),
            "{shown:?}"
        );
        assert!(
            step(&mut s, Command::Export).is_empty(),
            "nothing written before a path"
        );
        let pi = s.path_input().expect("the path is asked");
        assert_eq!(pi.purpose, PathPurpose::ExportUsers);
        assert_eq!(pi.input.value(), "members-8a81b09d5e6f7a01.csv");
        let fx = step(&mut s, Command::Apply);
        let (path, users, overwrite) = export_of(&fx).expect("an export effect");
        assert_eq!(path, "members-8a81b09d5e6f7a01.csv");
        assert_eq!(users, shown);
        assert!(!overwrite, "never replaces a file unasked");
        assert!(s.path_input().is_none());
    }

    #[test]
    fn an_existing_file_is_replaced_only_after_yes() {
        let mut s = loaded_state(fixture_users(), 100, 30);
        step(&mut s, Command::Export);
        step(&mut s, Command::Apply);
        let fx = step(
            &mut s,
            Outcome::WouldOverwrite {
                purpose: PathPurpose::ExportUsers,
                path: "/tmp/users.csv".into(),
            },
        );
        assert!(fx.is_empty());
        assert!(matches!(s.popup(), Some(Popup::ConfirmOverwrite { .. })));
        let fx = step(&mut s, Command::Confirm);
        let (path, users, overwrite) = export_of(&fx).expect("export again");
        assert_eq!((path, overwrite), ("/tmp/users.csv", true));
        assert_eq!(users.len(), fixture_users().len());

        // Esc keeps the file: nothing is written.
        step(&mut s, Command::Export);
        step(&mut s, Command::Apply);
        step(
            &mut s,
            Outcome::WouldOverwrite {
                purpose: PathPurpose::ExportUsers,
                path: "/tmp/users.csv".into(),
            },
        );
        assert!(export_of(&step(&mut s, Command::Back)).is_none());
        assert!(s.popups().is_empty());
    }

    #[test]
    fn e_on_the_workspaces_view_or_an_empty_list_writes_nothing() {
        let mut s = loaded_state(fixture_users(), 100, 30);
        step(&mut s, Command::Workspaces);
        step(&mut s, Command::Export);
        assert!(s.path_input().is_none());
        let mut s = loaded_state(Vec::new(), 100, 30);
        step(&mut s, Command::Export);
        assert!(s.path_input().is_none());
    }

    #[test]
    fn the_file_holds_the_rows_shown_neutralised_and_is_never_replaced_unasked() {
        let mut users = fixture_users();
        users[1].given_name = Some("=HYPERLINK(\"x\")".into());
        let s = filtered_and_searched_of(users);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.csv").display().to_string();
        let Some(Effect::ExportUsers { users, .. }) =
            crate::tui::export::effect(&s, path.clone(), false).pop()
        else {
            panic!("no export");
        };
        let Outcome::Saved {
            result: Ok(saved), ..
        } = write(&path, &users, false)
        else {
            panic!("not written");
        };
        assert_eq!(saved, path);
        let text = std::fs::read_to_string(&path).expect("read back");
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
        let names: Vec<&str> = rows.iter().map(|x| &x[1]).collect();
        assert_eq!(names, visible_names(&s));
        assert!(rows.iter().any(|x| &x[4] == "'=HYPERLINK(\"x\")"), "{text}");

        std::fs::write(&path, "keep me").expect("write");
        assert!(matches!(
            write(&path, &users, false),
            Outcome::WouldOverwrite { .. }
        ));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "keep me");
        assert!(matches!(
            write(&path, &users, true),
            Outcome::Saved { result: Ok(_), .. }
        ));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
    }
}
