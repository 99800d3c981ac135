//! What one cell of an input file names: a user id, a user name (email), or nothing usable.

use serde::{Deserialize, Serialize};

/// How a value will be looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Key {
    /// Looked up by SCIM `id`. Ids are opaque: 32 hex characters in practice, UUIDs in some
    /// documentation, so anything without `@` and without spaces is tried as an id.
    Id(String),
    /// Looked up by `userName` (Anaplan user names are email addresses). Lowercased.
    Email(String),
    /// Looked up by `externalId` (HR's employee number), which Anaplan compares ignoring case.
    ExternalId(String),
    /// Not looked up; the reason says what is wrong and what is accepted.
    Malformed { reason: String },
}

/// What the column a value came from was named for; an email column is stricter about
/// values that are neither emails nor well-formed ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Id,
    Email,
    /// A file of one unnamed column.
    Any,
    /// Values are `externalId`s (employee numbers): any text is looked up as it is.
    ExternalId,
    /// Values are `userName`s, named so with `--key userName`: looked up without asking for an @.
    UserName,
}

impl ColumnKind {
    /// What a value of the column is read as, for reports.
    pub fn label(self) -> &'static str {
        match self {
            ColumnKind::Id => "user ids",
            ColumnKind::Email => "emails (userName)",
            ColumnKind::Any => "user ids or emails, by each value's shape",
            ColumnKind::ExternalId => "externalIds",
            ColumnKind::UserName => "userNames",
        }
    }
}

/// Longer than any id or email address Anaplan accepts; guards against pasted paragraphs.
const MAX_LEN: usize = 254;

impl Key {
    /// Classifies a trimmed cell value.
    pub fn classify(value: &str, column: ColumnKind) -> Key {
        let v = value.trim();
        let malformed = |reason: String| Key::Malformed { reason };
        if v.is_empty() {
            return malformed("empty value".into());
        }
        if v.chars().count() > MAX_LEN {
            return malformed(format!(
                "too long ({} characters); expected a user id or an email address",
                v.chars().count()
            ));
        }
        if v.chars().any(char::is_control) {
            return malformed("contains control characters".into());
        }
        if column == ColumnKind::ExternalId {
            return Key::ExternalId(v.to_string());
        }
        if column == ColumnKind::UserName {
            if v.chars().any(char::is_whitespace) {
                return malformed("contains spaces; a userName has none".into());
            }
            return Key::Email(v.to_lowercase());
        }
        if v.contains('@') {
            return match email_problem(v) {
                None => Key::Email(v.to_lowercase()),
                Some(p) => malformed(format!("not an email address: {p}")),
            };
        }
        if v.chars().any(char::is_whitespace) {
            return malformed(
                "contains spaces; expected a user id (32 hex characters or a UUID) or an email address"
                    .into(),
            );
        }
        if column == ColumnKind::Email && !looks_like_guid(v) {
            return malformed(
                "not an email address (no @) and not a user id (32 hex characters or a UUID)"
                    .into(),
            );
        }
        Key::Id(v.to_string())
    }

    /// The lookup key, lowercased, for duplicate detection and matching results back.
    pub fn normalized(&self) -> Option<String> {
        match self {
            Key::Id(s) | Key::Email(s) | Key::ExternalId(s) => Some(s.to_lowercase()),
            Key::Malformed { .. } => None,
        }
    }
}

/// 32 hex digits (Anaplan's ids) or a hyphenated UUID (the documentation's examples).
pub fn looks_like_guid(v: &str) -> bool {
    let hex = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit());
    if v.len() == 32 {
        return hex(v);
    }
    let parts: Vec<&str> = v.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && hex(p))
}

fn email_problem(v: &str) -> Option<&'static str> {
    if v.chars().any(char::is_whitespace) {
        return Some("contains spaces");
    }
    let mut parts = v.split('@');
    let (local, domain) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if parts.next().is_some() {
        return Some("more than one @");
    }
    if local.is_empty() {
        return Some("nothing before the @");
    }
    if domain.is_empty() {
        return Some("nothing after the @");
    }
    if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return Some("the domain after the @ has no dot in the right place");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let c = |v| Key::classify(v, ColumnKind::Any);
        assert_eq!(
            c(" 38A0546FD5894C1FAC87F8FB71566B3F "),
            Key::Id("38A0546FD5894C1FAC87F8FB71566B3F".into())
        );
        assert_eq!(
            c("Ann.Lee@Example.COM"),
            Key::Email("ann.lee@example.com".into())
        );
        assert!(matches!(c("ann@@x.com"), Key::Malformed { .. }));
        assert!(matches!(c("Ann Lee"), Key::Malformed { .. }));
        assert!(matches!(c("ann@localhost"), Key::Malformed { .. }));
        assert!(matches!(c(""), Key::Malformed { .. }));
        assert_eq!(c("opaque_token-1"), Key::Id("opaque_token-1".into()));
        assert!(matches!(
            Key::classify("opaque", ColumnKind::Email),
            Key::Malformed { .. }
        ));
        assert!(looks_like_guid("2819c223-7f76-453a-919d-413861904646"));
        assert_eq!(
            Key::classify(" E 1001 ", ColumnKind::ExternalId),
            Key::ExternalId("E 1001".into())
        );
        assert_eq!(
            Key::classify("JSmith", ColumnKind::UserName),
            Key::Email("jsmith".into())
        );
    }
}
