//! `scimitar fake serve --hostile`: users and workspaces whose names attack the terminal and
//! the spreadsheet that will show them (escape sequences that clear the screen, write the
//! clipboard or make links; `\r` and `\b` that overwrite; bidi overrides and zero-width
//! characters that spoof; 100,000-character fields; formula-looking values), appended to a
//! normal tenant so every screen and every output can be tried against them.

use super::tenant::{FakeUser, Tenant};
use crate::scim::model::{User, Workspace};

const ESC: &str = "\u{1b}";

/// Workspace names: an OSC 8 hyperlink, a CSI screen clear, a bidi override, a formula.
fn workspace_names() -> Vec<String> {
    vec![
        format!("{ESC}]8;;https://evil.example/{ESC}\\Click me{ESC}]8;;{ESC}\\ Planning"),
        format!("Finance{ESC}[2J{ESC}[H CLEARED"),
        "Sales \u{202E}tnemeganaM\u{202C} Hub".to_string(),
        "=HYPERLINK(\"https://evil.example\",\"Open\")".to_string(),
        "Zero\u{200B}Width\u{2060}Ops\u{FEFF}".to_string(),
    ]
}

/// (givenName, familyName, userName, externalId) of each hostile user.
fn people() -> Vec<(String, String, String, Option<String>)> {
    let long = "A".repeat(100_000);
    vec![
        (
            format!("{ESC}[2J{ESC}[HCLEARED"),
            "Clear".into(),
            "clear.screen@hostile.example".into(),
            Some(format!("{ESC}[31mRED")),
        ),
        (
            format!("{ESC}]52;c;cm0gLXJmIH4K\u{7}Clip"),
            "Board".into(),
            "osc52@hostile.example".into(),
            None,
        ),
        (
            "Over\rwritten".into(),
            "Back\u{8}\u{8}\u{8}space".into(),
            "overwrite@hostile.example".into(),
            Some("\u{9b}31mC1".into()),
        ),
        (
            "Spoof".into(),
            "Bidi\u{202E}gpj.exe".into(),
            "bidi\u{202E}gpj.exe@hostile.example".into(),
            Some("zero\u{200B}\u{200D}width".into()),
        ),
        (
            long.clone(),
            long.clone(),
            "long.name@hostile.example".into(),
            Some(long),
        ),
        (
            "=cmd|' /C calc'!A0".into(),
            "+SUM(1,2)".into(),
            "=cmd|' /C calc'!A0@hostile.example".into(),
            Some("@SUM(A1:A9)".into()),
        ),
        (
            "-2+3".into(),
            "\tTab".into(),
            "formula.cells@hostile.example".into(),
            Some("=HYPERLINK(\"https://evil.example\")".into()),
        ),
        (
            "Del\u{7f}ete".into(),
            "Nul\u{0}l".into(),
            "controls@hostile.example".into(),
            None,
        ),
    ]
}

/// Adds the hostile workspaces and users to `t`; ids continue the tenant's hex style.
pub fn seed(t: &mut Tenant) {
    let first_ws = t.workspaces.len();
    for (i, name) in workspace_names().into_iter().enumerate() {
        let id = format!("bad0{:028x}", i + 1);
        t.ws_by_id.insert(id.clone(), t.workspaces.len());
        t.workspaces.push(Workspace { id, name });
    }
    let hostile_ws: Vec<usize> = (first_ws..t.workspaces.len()).collect();
    // The API account can list them too, so `--keep` can name them.
    t.admin_workspaces.extend(hostile_ws.iter().copied());
    for (i, (given, family, user_name, external_id)) in people().into_iter().enumerate() {
        let id = format!("bad1{:028x}", i + 1);
        let workspaces = hostile_ws
            .iter()
            .skip(i % 2)
            .map(|&w| t.workspaces[w].clone())
            .chain(t.workspaces.first().cloned())
            .collect();
        let display_name = Some(format!("{given} {family}"));
        let user = User {
            id: id.clone(),
            user_name,
            external_id,
            active: true,
            given_name: Some(given),
            family_name: Some(family),
            display_name,
            workspaces,
            created: Some("2024-01-01T00:00:00.000Z".into()),
            last_modified: Some("2024-01-02T00:00:00.000Z".into()),
        };
        t.by_id.insert(id.to_ascii_lowercase(), t.users.len());
        t.users.push(FakeUser {
            user,
            quirk: 0,
            version: 1,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_users_are_findable_by_id_and_hold_hostile_workspaces() {
        let mut t = Tenant::generate(10, 1, false);
        seed(&mut t);
        let i = t.index_of(&format!("bad1{:028x}", 1)).unwrap();
        let u = &t.users[i].user;
        assert!(u.given_name.as_deref().unwrap().contains('\u{1b}'));
        assert!(u.workspaces.iter().any(|w| w.name.contains('\u{1b}')));
        assert!(t.users.iter().any(|u| {
            u.user
                .given_name
                .as_ref()
                .is_some_and(|g| g.len() == 100_000)
        }));
    }
}
