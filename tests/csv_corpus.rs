//! Every file of the corpus gives the entries or the error an operator must see.

use scimitar::input::csv::{CsvError, CsvInput, ReadOptions, column_previews, read, read_with};
use scimitar::input::key::{ColumnKind, Key};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/csv/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ok(name: &str) -> CsvInput {
    read(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn err(name: &str) -> (CsvError, String) {
    let e = read(&fixture(name)).expect_err(name);
    let msg = e.to_string();
    (e, msg)
}

fn lines(input: &CsvInput) -> Vec<usize> {
    input.entries.iter().map(|e| e.line).collect()
}

fn id(s: &str) -> Key {
    Key::Id(s.into())
}

fn email(s: &str) -> Key {
    Key::Email(s.into())
}

#[test]
fn users_tab_export_prefers_the_id_column_and_falls_back_to_email() {
    let input = ok("users_tab_export.csv");
    assert_eq!(input.column.as_deref(), Some("User ID"));
    assert_eq!(input.fallback_column.as_deref(), Some("Email"));
    assert_eq!(lines(&input), [2, 3, 4, 5]);
    let keys: Vec<_> = input.entries.iter().map(|e| e.key.clone()).collect();
    assert_eq!(
        keys,
        [
            id("38a0546fd5894c1fac87f8fb71566b3f"),
            id("8a868cda7c8b28f5017c9a4b2d8341cd"),
            email("carla.diaz@example.com"),
            id("0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
        ]
    );
}

#[test]
fn semicolon_file_with_bom() {
    let input = ok("semicolon_bom.csv");
    assert_eq!(input.delimiter, b';');
    assert_eq!(input.column.as_deref(), Some("E-Mail"));
    assert_eq!(lines(&input), [2, 3, 4]);
    assert_eq!(input.entries[2].key, email("eve.ng@example.com"));
}

#[test]
fn tab_separated_user_names() {
    let input = ok("tab_separated.tsv");
    assert_eq!(input.delimiter, b'\t');
    assert_eq!(input.column.as_deref(), Some("userName"));
    assert_eq!(input.entries[1].key, email("bob.smith@example.com"));
}

#[test]
fn crlf_and_a_blank_line_keep_true_line_numbers() {
    let input = ok("crlf.csv");
    assert_eq!(lines(&input), [2, 3, 5]);
    assert_eq!(input.entries[2].raw, "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
}

#[test]
fn quoted_fields_with_commas_quotes_and_newlines() {
    let input = ok("quoted_commas.csv");
    assert_eq!(input.delimiter, b',');
    assert_eq!(input.column.as_deref(), Some("login"));
    assert_eq!(lines(&input), [2, 3, 4, 6]);
    assert_eq!(input.entries[1].key, email("bob.smith@example.com"));
    assert_eq!(input.entries[2].key, email("carol@example.com"));
    match &input.entries[3].key {
        Key::Malformed { reason } => assert!(reason.contains("no value in column \"login\"")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_unnamed_column_of_ids_keeps_row_one() {
    let input = ok("ids_only.txt");
    assert_eq!(input.column, None);
    assert_eq!(lines(&input), [1, 2, 3]);
    assert!(input.entries.iter().all(|e| matches!(e.key, Key::Id(_))));
}

#[test]
fn one_column_with_a_header_line_skips_it() {
    let input = ok("ids_with_header.txt");
    assert_eq!(input.column.as_deref(), Some("Users to remove"));
    assert_eq!(lines(&input), [2, 3, 4]);
}

#[test]
fn uuid_ids_are_ids() {
    let input = ok("uuid_ids.txt");
    assert_eq!(lines(&input), [1, 2]);
    assert_eq!(
        input.entries[1].key,
        id("2819C223-7F76-453A-919D-413861904647")
    );
}

#[test]
fn mixed_case_emails_are_lowercased() {
    let input = ok("emails_mixed_case.csv");
    let keys: Vec<_> = input.entries.iter().map(|e| e.key.clone()).collect();
    assert_eq!(
        keys,
        [
            email("ann.lee@example.com"),
            email("bob.smith@example.com"),
            email("eve.ng@example.com")
        ]
    );
    assert_eq!(input.entries[0].raw, "Ann.Lee@Example.COM");
}

#[test]
fn duplicates_are_kept_as_entries_for_the_resolver_to_report() {
    let input = ok("duplicates.csv");
    assert_eq!(lines(&input), [2, 3, 4, 5]);
}

#[test]
fn blank_lines_are_skipped_and_counted() {
    let input = ok("blank_lines.csv");
    assert_eq!(input.column.as_deref(), Some("userId"));
    assert_eq!(lines(&input), [4, 7]);
}

#[test]
fn malformed_values_say_why() {
    let input = ok("malformed_values.csv");
    let reasons: Vec<(usize, String)> = input
        .entries
        .iter()
        .filter_map(|e| match &e.key {
            Key::Malformed { reason } => Some((e.line, reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons.iter().map(|r| r.0).collect::<Vec<_>>(),
        [3, 4, 6, 7]
    );
    assert!(reasons[0].1.contains("spaces"));
    assert!(reasons[1].1.contains("more than one @"));
    assert!(reasons[2].1.contains("not an email address"));
    assert!(reasons[3].1.contains("nothing before the @"));
    // A well-formed id in an email column is still accepted as an id.
    assert_eq!(input.entries[3].key, id("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

#[test]
fn binary_file_is_refused() {
    let (e, msg) = err("binary.bin");
    assert!(matches!(e, CsvError::Binary { .. }), "{e:?}");
    assert!(msg.contains("binary"), "{msg}");
    assert!(msg.contains("NUL byte at offset 0"), "{msg}");
    assert!(msg.contains("one user id or email per line"), "{msg}");
}

#[test]
fn utf16_is_named() {
    let (e, msg) = err("utf16le_bom.csv");
    assert!(matches!(e, CsvError::Utf16 { .. }), "{e:?}");
    assert!(msg.contains("UTF-16"), "{msg}");
    assert!(msg.contains("little-endian"), "{msg}");
    assert!(msg.contains("re-save it as UTF-8"), "{msg}");
}

#[test]
fn latin1_names_the_byte_and_line() {
    let (e, msg) = err("latin1.csv");
    assert_eq!(
        e,
        CsvError::NotUtf8 {
            offset: 29,
            line: 3,
            byte: 0xE9
        }
    );
    assert!(msg.contains("not UTF-8"), "{msg}");
    assert!(msg.contains("offset 29"), "{msg}");
    assert!(msg.contains("0xE9"), "{msg}");
    assert!(msg.contains("re-save it as UTF-8"), "{msg}");
}

#[test]
fn no_usable_column_lists_headers_and_accepted_names() {
    let (e, msg) = err("no_usable_column.csv");
    assert_eq!(
        e,
        CsvError::NoUsableColumn {
            headers: vec!["Name".into(), "Department".into(), "Manager".into()]
        }
    );
    assert!(
        msg.contains("\"Name\", \"Department\", \"Manager\""),
        "{msg}"
    );
    assert!(msg.contains("user id"), "{msg}");
    assert!(msg.contains("email"), "{msg}");
}

#[test]
fn header_only_and_empty_files_have_no_rows() {
    let (e, msg) = err("header_only.csv");
    assert_eq!(e, CsvError::NoRows { header_only: true });
    assert!(msg.contains("header but no rows"), "{msg}");
    let (e, _) = err("empty.csv");
    assert_eq!(e, CsvError::NoRows { header_only: false });
}

#[test]
fn utf16_without_bom_is_named_too() {
    let bytes: Vec<u8> = "email\nann@example.com\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let e = read(&bytes).unwrap_err();
    assert!(matches!(e, CsvError::Utf16 { .. }), "{e:?}");
}

#[test]
fn mostly_control_characters_is_binary() {
    let bytes: Vec<u8> = (0..200u8).map(|i| 1 + i % 8).collect();
    assert!(matches!(read(&bytes), Err(CsvError::Binary { .. })));
}

fn ext(s: &str) -> Key {
    Key::ExternalId(s.into())
}

fn keys(input: &CsvInput) -> Vec<Key> {
    input.entries.iter().map(|e| e.key.clone()).collect()
}

#[test]
fn hr_leavers_file_reads_the_work_email_and_falls_back_to_the_employee_id() {
    let input = ok("hr_leavers.csv");
    assert_eq!(input.column.as_deref(), Some("Work Email"));
    assert_eq!(input.fallback_column.as_deref(), Some("Employee ID"));
    assert_eq!(
        keys(&input),
        [
            email("ann.lee@example.com"),
            email("bob.smith@example.com"),
            ext("E1003")
        ]
    );
    assert!(
        input.why.contains("\"Work Email\" read as emails"),
        "{}",
        input.why
    );
    assert!(
        input.why.contains("\"Employee ID\" is read as externalIds"),
        "{}",
        input.why
    );
}

#[test]
fn workday_export_reads_the_worker_id_as_external_ids() {
    let input = ok("workday_terminations.csv");
    assert_eq!(input.column.as_deref(), Some("Worker ID"));
    assert_eq!(lines(&input), [2, 3, 4]);
    assert_eq!(
        keys(&input),
        [ext("W-20011"), ext("W-20012"), ext("W-20013")]
    );
}

#[test]
fn headerless_two_columns_is_refused_naming_every_column_then_read_with_column_1() {
    let (e, msg) = err("headerless_two_columns.csv");
    assert!(matches!(e, CsvError::NoUsableColumn { .. }), "{e:?}");
    assert!(msg.contains("\"E1001\", \"Ann Lee\""), "{msg}");
    assert!(msg.contains("--column 1"), "{msg}");
    let bytes = fixture("headerless_two_columns.csv");
    let opts = ReadOptions {
        column: Some("1".into()),
        key: Some(ColumnKind::ExternalId),
    };
    let input = read_with(&bytes, &opts).unwrap();
    assert_eq!(input.column, None);
    assert_eq!(lines(&input), [1, 2, 3]);
    assert_eq!(keys(&input), [ext("E1001"), ext("E1002"), ext("E1004")]);
    assert!(input.why.contains("without a header"), "{}", input.why);
    // Without --key the values are read by their shape: ids.
    let any = read_with(
        &bytes,
        &ReadOptions {
            column: Some("1".into()),
            key: None,
        },
    )
    .unwrap();
    assert_eq!(any.entries[0].key, id("E1001"));
}

#[test]
fn mixed_case_external_ids_keep_their_case_for_the_server_to_compare() {
    let input = ok("external_ids_mixed_case.csv");
    assert_eq!(input.column.as_deref(), Some("External ID"));
    assert_eq!(keys(&input), [ext("e1001"), ext("E1002"), ext("w-20011")]);
}

#[test]
fn two_email_columns_are_ambiguous_and_every_column_is_named() {
    let (e, msg) = err("two_email_columns.csv");
    assert!(matches!(e, CsvError::AmbiguousColumn { .. }), "{e:?}");
    assert!(msg.contains("\"Work Email\", \"UPN\""), "{msg}");
    assert!(msg.contains("\"Work Email\", \"UPN\", \"Name\""), "{msg}");
    assert!(msg.contains("--column"), "{msg}");
    let input = read_with(
        &fixture("two_email_columns.csv"),
        &ReadOptions {
            column: Some("upn".into()),
            key: None,
        },
    )
    .unwrap();
    assert_eq!(input.column.as_deref(), Some("UPN"));
    assert_eq!(input.entries[0].key, email("alee@example.onmicrosoft.com"));
}

#[test]
fn a_column_that_is_not_there_is_named_with_the_ones_that_are() {
    let e = read_with(
        &fixture("hr_leavers.csv"),
        &ReadOptions {
            column: Some("Email".into()),
            key: None,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("no column `Email`"), "{e}");
    assert!(
        e.contains("\"Employee ID\", \"Full Name\", \"Work Email\""),
        "{e}"
    );
    let e = read_with(
        &fixture("hr_leavers.csv"),
        &ReadOptions {
            column: Some("4".into()),
            key: None,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("from 1 to 3"), "{e}");
}

#[test]
fn the_column_picker_sees_names_samples_and_kinds() {
    let cols = column_previews(&fixture("hr_leavers.csv")).unwrap();
    assert_eq!(cols.len(), 3);
    assert_eq!(cols[0].name, "Employee ID");
    assert_eq!(cols[0].samples, ["E1001", "E1002", "E1003"]);
    assert_eq!(cols[0].reads_as, Some(ColumnKind::ExternalId));
    assert_eq!(cols[1].reads_as, None);
    assert_eq!(cols[2].reads_as, Some(ColumnKind::Email));
}
