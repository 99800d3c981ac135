//! Why an input file was refused, in words that name what was found and what is accepted. Its
//! own file, below both the decoding (`text.rs`) and the CSV reading (`csv.rs`) that raise it.

/// The column names accepted, as shown in error messages.
pub const ACCEPTED_COLUMNS: &str = "id, user id, user_id, userId, SCIM ID, userName, user name, email, e-mail, email address, work email, UPN, user principal name, login (user ids and emails), External ID, Employee ID, Employee Number, Worker ID (externalIds)";

/// How to name a column by hand, as error messages say it.
const NAME_IT: &str = "name the column with --column NAME (or its position: --column 1) and what it holds with --key id|userName|email|externalId";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error(
        "the file looks binary, not text ({detail}); expected a text file: a CSV (comma, semicolon or tab separated) or one user id or email per line"
    )]
    Binary { detail: String },
    #[error(
        "the file is UTF-16 ({order}); scimitar reads UTF-8 only: re-save it as UTF-8 (in Excel: Save As, \"CSV UTF-8\")"
    )]
    Utf16 { order: String },
    #[error(
        "the file is not UTF-8: byte 0x{byte:02X} at offset {offset} (line {line}) is not valid UTF-8 (Latin-1 or Windows-1252?); re-save it as UTF-8 (in Excel: Save As, \"CSV UTF-8\")"
    )]
    NotUtf8 {
        offset: usize,
        line: usize,
        byte: u8,
    },
    #[error(
        "no usable column: the headers found are {}; accepted column names (any case) are {ACCEPTED_COLUMNS}, or a file with a single column of ids or emails; or {NAME_IT}",
        quote_list(.headers)
    )]
    NoUsableColumn { headers: Vec<String> },
    #[error(
        "more than one column could be read: {} (all {what}); the headers found are {}; {NAME_IT}",
        quote_list(.candidates),
        quote_list(.headers)
    )]
    AmbiguousColumn {
        candidates: Vec<String>,
        what: String,
        headers: Vec<String>,
    },
    #[error(
        "no column `{wanted}`: the file has {columns} column(s), the headers found are {}; --column takes a header name (any case) or a position from 1 to {columns}",
        quote_list(.headers)
    )]
    NoSuchColumn {
        wanted: String,
        headers: Vec<String>,
        columns: usize,
    },
    #[error("{}", if *.header_only { "the file has a header but no rows" } else { "the file has no rows" })]
    NoRows { header_only: bool },
    #[error("could not read the CSV at line {line}: {message}")]
    Parse { line: usize, message: String },
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|h| format!("\"{h}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
