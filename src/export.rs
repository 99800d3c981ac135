//! The users CSV: its columns and one user's neutralised cells. Below both the headless
//! `users list --format csv` and the TUI's export, so the two write the same file.

use std::borrow::Cow;
use std::io::Write;

use crate::scim::model::User;
use crate::untrusted;

pub const CSV_HEADER: [&str; 8] = [
    "id",
    "userName",
    "externalId",
    "active",
    "givenName",
    "familyName",
    "workspaceIds",
    "workspaceNames",
];

/// One user's cells, in `CSV_HEADER` order, each neutralised for spreadsheets.
pub fn csv_cells(u: &User) -> [String; 8] {
    let ids: Vec<&str> = u.workspace_ids().collect();
    let names: Vec<&str> = u.workspaces.iter().map(|w| w.name.as_str()).collect();
    let (ids, names) = (ids.join(";"), names.join(";"));
    [
        u.id.as_str(),
        &u.user_name,
        u.external_id.as_deref().unwrap_or(""),
        if u.active { "true" } else { "false" },
        u.given_name.as_deref().unwrap_or(""),
        u.family_name.as_deref().unwrap_or(""),
        &ids,
        &names,
    ]
    .map(|c| match untrusted::csv_cell(c) {
        Cow::Borrowed(b) => b.to_string(),
        Cow::Owned(o) => o,
    })
}

/// The whole CSV of `users`: the header, then one row per user, in order.
pub fn write_users_csv<W: Write>(out: W, users: &[User]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for u in users {
        w.write_record(csv_cells(u))?;
    }
    w.flush()?;
    Ok(())
}
