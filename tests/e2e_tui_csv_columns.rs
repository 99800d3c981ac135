//! The column picker in a real terminal (tmux), against `scimitar fake serve`: a CSV with two
//! email columns is not refused; the picker lists each column with its first values and what
//! it would be read as, Down and Enter read the work emails, and the report resolves them.

mod support;

use support::{Fake, Sandbox, Tmux, bin, json};

#[test]
fn a_csv_with_two_email_columns_opens_the_picker_and_the_chosen_column_resolves() {
    let name = "a_csv_with_two_email_columns_opens_the_picker";
    if !support::tmux::available(name) {
        return;
    }
    let fake = Fake::start(50);
    let sandbox = Sandbox::new();
    let env = sandbox.env().connect_to(&fake).set("NO_COLOR", "1");
    let users = json(&env, &["users", "list", "--format", "json"]);
    let names: Vec<String> = users
        .as_array()
        .expect("an array of users")
        .iter()
        .filter_map(|u| u["userName"].as_str().map(str::to_string))
        .filter(|n| !n.starts_with("scim."))
        .take(3)
        .collect();
    assert_eq!(names.len(), 3);
    let mut text = String::from("Name,UPN,Work Email\n");
    for (i, n) in names.iter().enumerate() {
        text.push_str(&format!(
            "Person {i},person{i}@contoso.onmicrosoft.example,{n}\n"
        ));
    }
    let csv = sandbox.path().join("hr.csv");
    std::fs::write(&csv, text).expect("write the CSV");
    let csv = csv.display().to_string();
    let t = Tmux::start(100, 30, &env, &[bin(), "--csv", csv.as_str()]);

    let s = t.wait_for("the column picker", |s| {
        s.contains("Which column holds the users?")
    });
    assert!(s.contains("more than one column could be read"), "{s}");
    for col in ["1. Name", "2. UPN", "3. Work Email"] {
        assert!(s.contains(col), "{col} is listed:\n{s}");
    }
    assert!(s.contains(&names[0]), "the first values are shown:\n{s}");
    assert!(
        s.contains("▶ 2. UPN"),
        "the cursor on the first email column:\n{s}"
    );
    t.keys(&["Down"]);
    t.wait_text("▶ 3. Work Email");
    t.keys(&["Enter"]);
    let s = t.wait_for("the CSV report", |s| {
        s.contains("CSV report") && s.contains("resolved 3")
    });
    assert!(
        s.contains("0 selected"),
        "nothing is ticked before Enter:\n{s}"
    );
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}
