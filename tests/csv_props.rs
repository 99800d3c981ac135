//! `read` is fed whatever the operator points it at: it must answer, never panic.

use proptest::prelude::*;
use scimitar::input::csv::read;
use scimitar::input::key::Key;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = read(&bytes);
    }

    #[test]
    fn never_panics_on_csv_like_text(
        text in "[a-zA-Z0-9@.,;\t\"\r\n _-]{0,300}",
        bom in any::<bool>(),
    ) {
        let mut bytes = if bom { vec![0xEF, 0xBB, 0xBF] } else { Vec::new() };
        bytes.extend_from_slice(text.as_bytes());
        if let Ok(input) = read(&bytes) {
            // Line numbers are real lines of the file, strictly increasing.
            let total = text.replace("\r\n", "\n").split(['\n', '\r']).count();
            let mut last = 0;
            for e in &input.entries {
                prop_assert!(e.line > last && e.line <= total, "{} of {}", e.line, total);
                last = e.line;
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Row {
    value: String,
    blank_lines_before: usize,
}

fn value_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-f]{32}",
        "[a-z]{1,8}\\.[a-z]{1,8}@[a-z]{2,8}\\.(com|de|co\\.uk)",
        "[A-Z][a-z]{1,6}@Example\\.COM",
    ]
}

fn rows_strategy() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(
        (value_strategy(), 0..3usize).prop_map(|(value, blank_lines_before)| Row {
            value,
            blank_lines_before,
        }),
        1..30,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the delimiter, line ending, BOM and blank lines, every value comes back with
    /// the line it is on.
    #[test]
    fn written_files_read_back_with_true_lines(
        rows in rows_strategy(),
        delimiter in prop::sample::select(vec![",", ";", "\t"]),
        crlf in any::<bool>(),
        bom in any::<bool>(),
        header in prop::sample::select(vec!["User ID", "email", "userName", "LOGIN", "user_id"]),
        extra_column in any::<bool>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        if bom { text.push('\u{feff}'); }
        if extra_column { text.push_str(&format!("Name{delimiter}")); }
        text.push_str(header);
        text.push_str(eol);
        let mut line = 1;
        let mut expected = Vec::new();
        for r in &rows {
            for _ in 0..r.blank_lines_before { text.push_str(eol); line += 1; }
            line += 1;
            text.push_str(&if extra_column { format!("\"Lee, Ann \"\"AL\"\"\"{delimiter}{}", r.value) } else { r.value.clone() });
            text.push_str(eol);
            expected.push((line, r.value.clone()));
        }
        let input = read(text.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let got: Vec<(usize, String)> = input.entries.iter().map(|e| (e.line, e.raw.clone())).collect();
        prop_assert_eq!(got, expected);
        for e in &input.entries {
            let key = match &e.key { Key::Id(k) | Key::Email(k) | Key::ExternalId(k) => k.clone(), Key::Malformed { reason } => panic!("{reason}") };
            prop_assert!(key.eq_ignore_ascii_case(&e.raw));
        }
    }
}
