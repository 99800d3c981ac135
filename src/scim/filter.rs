//! SCIM filters exactly as Anaplan accepts them: attributes id, externalId, userName,
//! name.givenName, name.familyName, active; operators eq ne gt ge lt le pr (any case);
//! and, or, parentheses; quoted strings with `\"` escapes; bare true/false.
//! Anything else is refused locally, naming the offending part, before a request is sent.
//!
//! Only the client parses with this: the fake Anaplan reads and matches filters with its own
//! code (`fake/filter.rs`), so that it checks the client instead of agreeing with it.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attr {
    Id,
    ExternalId,
    UserName,
    GivenName,
    FamilyName,
    Active,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FilterValue {
    Str(String),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Filter {
    Compare {
        attr: Attr,
        op: CompareOp,
        value: FilterValue,
    },
    Present(Attr),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

/// A filter refused locally. `position` is a byte offset into the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at position {position} (near `{fragment}`)")]
pub struct FilterError {
    pub position: usize,
    pub fragment: String,
    pub message: String,
}

/// The attributes Anaplan can filter on, as listed in refusals.
const ACCEPTED_ATTRS: &str = "id, externalId, userName, name.givenName, name.familyName, active";
const ACCEPTED_OPS: &str = "eq, ne, gt, ge, lt, le or pr";

impl Attr {
    pub const ALL: [Attr; 6] = [
        Attr::Id,
        Attr::ExternalId,
        Attr::UserName,
        Attr::GivenName,
        Attr::FamilyName,
        Attr::Active,
    ];

    /// The canonical spelling Anaplan documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Attr::Id => "id",
            Attr::ExternalId => "externalId",
            Attr::UserName => "userName",
            Attr::GivenName => "name.givenName",
            Attr::FamilyName => "name.familyName",
            Attr::Active => "active",
        }
    }

    /// Case-insensitive, like Anaplan's attribute names.
    pub fn parse(s: &str) -> Option<Attr> {
        Attr::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s))
    }

    /// `active` is the only boolean attribute; all others take strings.
    pub fn is_boolean(self) -> bool {
        self == Attr::Active
    }
}

impl fmt::Display for Attr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CompareOp {
    pub const ALL: [CompareOp; 6] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    pub fn parse(s: &str) -> Option<CompareOp> {
        CompareOp::ALL
            .into_iter()
            .find(|o| o.as_str().eq_ignore_ascii_case(s))
    }

    fn is_ordering(self) -> bool {
        !matches!(self, CompareOp::Eq | CompareOp::Ne)
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for FilterValue {
    fn from(s: &str) -> Self {
        FilterValue::Str(s.to_string())
    }
}

impl From<String> for FilterValue {
    fn from(s: String) -> Self {
        FilterValue::Str(s)
    }
}

impl From<&String> for FilterValue {
    fn from(s: &String) -> Self {
        FilterValue::Str(s.clone())
    }
}

impl From<bool> for FilterValue {
    fn from(b: bool) -> Self {
        FilterValue::Bool(b)
    }
}

impl fmt::Display for FilterValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterValue::Str(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    if c == '"' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")
            }
            FilterValue::Bool(b) => write!(f, "{b}"),
            // Never produced by `parse` (Anaplan's support for it is unconfirmed); rendered
            // so that a hand-built filter still prints as something a reader recognises.
            FilterValue::Null => f.write_str("null"),
        }
    }
}

impl Filter {
    pub fn compare(attr: Attr, op: CompareOp, value: impl Into<FilterValue>) -> Filter {
        Filter::Compare {
            attr,
            op,
            value: value.into(),
        }
    }

    pub fn eq(attr: Attr, value: impl Into<FilterValue>) -> Filter {
        Filter::compare(attr, CompareOp::Eq, value)
    }

    pub fn ne(attr: Attr, value: impl Into<FilterValue>) -> Filter {
        Filter::compare(attr, CompareOp::Ne, value)
    }

    pub fn present(attr: Attr) -> Filter {
        Filter::Present(attr)
    }

    #[allow(clippy::should_implement_trait)]
    pub fn and(self, other: Filter) -> Filter {
        Filter::And(Box::new(self), Box::new(other))
    }

    pub fn or(self, other: Filter) -> Filter {
        Filter::Or(Box::new(self), Box::new(other))
    }

    /// `id eq "a" or id eq "b" ...`, left-folded; how the client re-reads a batch of users in
    /// one request. `None` for an empty list, which would otherwise mean "everyone".
    pub fn any_id<S: AsRef<str>>(ids: &[S]) -> Option<Filter> {
        let mut it = ids.iter().map(|id| Filter::eq(Attr::Id, id.as_ref()));
        let first = it.next()?;
        Some(it.fold(first, Filter::or))
    }

    pub fn user_name_eq(user_name: &str) -> Filter {
        Filter::eq(Attr::UserName, user_name)
    }
}

/// Renders canonically; parenthesises only where needed for `parse(render(f)) == f`:
/// `and` binds tighter than `or` and both fold to the left, so a right operand of the same
/// connective and any `or` under an `and` get parentheses.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { attr, op, value } => write!(f, "{attr} {op} {value}"),
            Filter::Present(attr) => write!(f, "{attr} pr"),
            Filter::Or(l, r) => {
                write!(f, "{l} or ")?;
                if matches!(**r, Filter::Or(..)) {
                    write!(f, "({r})")
                } else {
                    write!(f, "{r}")
                }
            }
            Filter::And(l, r) => {
                if matches!(**l, Filter::Or(..)) {
                    write!(f, "({l}) and ")?;
                } else {
                    write!(f, "{l} and ")?;
                }
                if matches!(**r, Filter::Or(..) | Filter::And(..)) {
                    write!(f, "({r})")
                } else {
                    write!(f, "{r}")
                }
            }
        }
    }
}

impl FromStr for Filter {
    type Err = FilterError;
    fn from_str(s: &str) -> Result<Filter, FilterError> {
        parse(s)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Word(String),
    Str(String),
    /// Anything else (a number, a stray symbol), kept whole for the error message.
    Other(String),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
    text: String,
}

fn err(position: usize, fragment: impl Into<String>, message: impl Into<String>) -> FilterError {
    FilterError {
        position,
        fragment: fragment.into(),
        message: message.into(),
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '$' | '@')
}

// Long because one tokenizer loop over the filter's characters.
fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let mut out = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(pos, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            _ => None,
        };
        if let Some(tok) = single {
            chars.next();
            out.push(Token {
                tok,
                pos,
                text: c.to_string(),
            });
            continue;
        }
        if c == '"' {
            chars.next();
            let mut value = String::new();
            let mut closed = false;
            let mut end = input.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        end = i + 1;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some((_, e)) => value.push(e),
                        None => break,
                    },
                    _ => value.push(c),
                }
            }
            if !closed {
                return Err(err(
                    pos,
                    snippet(&input[pos..]),
                    "unterminated string: a value must end with a double quote (escape \" and \\ inside it with a backslash)",
                ));
            }
            out.push(Token {
                tok: Tok::Str(value),
                pos,
                text: input[pos..end].to_string(),
            });
            continue;
        }
        let mut end = pos;
        if is_word_char(c) {
            while let Some(&(i, c)) = chars.peek() {
                if !is_word_char(c) {
                    break;
                }
                end = i + c.len_utf8();
                chars.next();
            }
            out.push(Token {
                tok: Tok::Word(input[pos..end].to_string()),
                pos,
                text: input[pos..end].to_string(),
            });
        } else {
            chars.next();
            end = pos + c.len_utf8();
            out.push(Token {
                tok: Tok::Other(input[pos..end].to_string()),
                pos,
                text: input[pos..end].to_string(),
            });
        }
    }
    Ok(out)
}

/// At most 30 characters of the input, on a character boundary.
fn snippet(s: &str) -> String {
    s.chars().take(30).collect()
}

struct Parser<'a> {
    toks: Vec<Token>,
    at: usize,
    input: &'a str,
    depth: usize,
}

/// Deep enough for any real filter, shallow enough that hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 200;

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.at)
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(kw))
    }

    fn end_error(&self, message: impl Into<String>) -> FilterError {
        err(self.input.len(), "", message)
    }

    fn or_expr(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and_expr()?;
        while self.peek_keyword("or") {
            self.at += 1;
            let right = self.and_expr()?;
            left = left.or(right);
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.primary()?;
        while self.peek_keyword("and") {
            self.at += 1;
            let right = self.primary()?;
            left = left.and(right);
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Filter, FilterError> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.end_error(format!(
                "the filter ends where a condition was expected; write `<attribute> <operator> <value>` with attribute one of {ACCEPTED_ATTRS}"
            )));
        };
        match &t.tok {
            Tok::LParen => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(err(t.pos, t.text, "parentheses nested too deeply"));
                }
                self.at += 1;
                let inner = self.or_expr()?;
                match self.peek() {
                    Some(Token {
                        tok: Tok::RParen, ..
                    }) => {
                        self.at += 1;
                        self.depth -= 1;
                        Ok(inner)
                    }
                    Some(other) => Err(err(
                        other.pos,
                        other.text.clone(),
                        format!(
                            "expected `)` to close the `(` at position {}, or `and`/`or`",
                            t.pos
                        ),
                    )),
                    None => Err(err(
                        t.pos,
                        "(",
                        "unbalanced parentheses: this `(` is never closed",
                    )),
                }
            }
            Tok::RParen => Err(err(
                t.pos,
                ")",
                "unbalanced parentheses: `)` where a condition was expected",
            )),
            Tok::Word(w) if w.eq_ignore_ascii_case("not") => Err(err(
                t.pos,
                w.clone(),
                "`not` is not supported by Anaplan; use ne or the opposite comparison (eq, ne, gt, ge, lt, le, pr) joined with and/or",
            )),
            Tok::Word(w) => {
                self.at += 1;
                self.condition(w, t.pos)
            }
            _ => Err(err(
                t.pos,
                t.text.clone(),
                format!("expected an attribute name ({ACCEPTED_ATTRS}) or `(`"),
            )),
        }
    }

    fn condition(&mut self, name: &str, name_pos: usize) -> Result<Filter, FilterError> {
        if let Some(Token {
            tok: Tok::LBracket,
            pos,
            ..
        }) = self.peek()
        {
            let pos = *pos;
            return Err(err(
                pos,
                snippet(&self.input[pos..]),
                format!(
                    "value paths `[...]` are not supported by Anaplan; filter only on {ACCEPTED_ATTRS}"
                ),
            ));
        }
        let Some(attr) = Attr::parse(name) else {
            return Err(err(
                name_pos,
                name,
                format!(
                    "attribute `{name}` cannot be filtered by Anaplan; filterable attributes are {ACCEPTED_ATTRS}"
                ),
            ));
        };
        let Some(op_tok) = self.peek().cloned() else {
            return Err(self.end_error(format!(
                "missing operator after `{name}`; use {ACCEPTED_OPS}"
            )));
        };
        let Tok::Word(op_word) = &op_tok.tok else {
            return Err(err(
                op_tok.pos,
                op_tok.text,
                format!("expected an operator after `{name}`; use {ACCEPTED_OPS}"),
            ));
        };
        let lower = op_word.to_ascii_lowercase();
        if matches!(lower.as_str(), "co" | "sw" | "ew") {
            return Err(err(
                op_tok.pos,
                op_word.clone(),
                format!("operator `{lower}` is not supported by Anaplan; use {ACCEPTED_OPS}"),
            ));
        }
        self.at += 1;
        if lower == "pr" {
            return Ok(Filter::Present(attr));
        }
        let Some(op) = CompareOp::parse(&lower) else {
            return Err(err(
                op_tok.pos,
                op_word.clone(),
                format!("unknown operator `{op_word}`; use {ACCEPTED_OPS}"),
            ));
        };
        if attr.is_boolean() && op.is_ordering() {
            return Err(err(
                op_tok.pos,
                op_word.clone(),
                format!("`active` is a boolean: compare it with eq or ne (or pr), not `{lower}`"),
            ));
        }
        let value = self.value(attr, &op_tok)?;
        Ok(Filter::Compare { attr, op, value })
    }

    fn value(&mut self, attr: Attr, op_tok: &Token) -> Result<FilterValue, FilterError> {
        let expect = if attr.is_boolean() {
            "a bare true or false".to_string()
        } else {
            format!("a double-quoted string, e.g. {attr} eq \"value\"")
        };
        let Some(t) = self.peek().cloned() else {
            return Err(self.end_error(format!(
                "missing value after `{}`; `{attr}` takes {expect}",
                op_tok.text
            )));
        };
        let value = match &t.tok {
            Tok::Str(s) => FilterValue::Str(s.clone()),
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => FilterValue::Bool(true),
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => FilterValue::Bool(false),
            Tok::Word(w) if w.eq_ignore_ascii_case("null") => {
                return Err(err(
                    t.pos,
                    w.clone(),
                    format!(
                        "`null` is not accepted (Anaplan does not confirm it); use `{attr} pr` to find users that have a value, or filter locally for those that do not"
                    ),
                ));
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("and") || w.eq_ignore_ascii_case("or") => {
                return Err(err(
                    t.pos,
                    w.clone(),
                    format!(
                        "missing value after `{}`; `{attr}` takes {expect}",
                        op_tok.text
                    ),
                ));
            }
            Tok::RParen => {
                return Err(err(
                    t.pos,
                    ")",
                    format!(
                        "missing value after `{}`; `{attr}` takes {expect}",
                        op_tok.text
                    ),
                ));
            }
            _ => {
                return Err(err(
                    t.pos,
                    t.text.clone(),
                    format!("`{attr}` takes {expect}, not `{}`", t.text),
                ));
            }
        };
        match (&value, attr.is_boolean()) {
            (FilterValue::Str(_), true) => Err(err(
                t.pos,
                t.text.clone(),
                "`active` takes a bare true or false, not a quoted string",
            )),
            (FilterValue::Bool(_), false) => Err(err(
                t.pos,
                t.text.clone(),
                format!("`{attr}` takes {expect}; true/false are only for `active`"),
            )),
            _ => {
                self.at += 1;
                Ok(value)
            }
        }
    }
}

/// Parses a filter the way Anaplan reads it, refusing what Anaplan refuses.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    let toks = tokenize(input)?;
    if toks.is_empty() {
        return Err(err(
            0,
            "",
            format!(
                "empty filter: write `<attribute> <operator> <value>`, e.g. userName eq \"a@b.com\"; attributes: {ACCEPTED_ATTRS}"
            ),
        ));
    }
    let mut p = Parser {
        toks,
        at: 0,
        input,
        depth: 0,
    };
    let f = p.or_expr()?;
    if let Some(t) = p.peek() {
        let message = match t.tok {
            Tok::RParen => "unbalanced parentheses: this `)` has no matching `(`".to_string(),
            _ => format!(
                "unexpected `{}` after a complete condition; join conditions with `and` or `or`",
                t.text
            ),
        };
        return Err(err(t.pos, snippet(&input[t.pos..]), message));
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn refused(filter: &str) -> FilterError {
        match parse(filter) {
            Err(e) => e,
            Ok(f) => panic!("`{filter}` was accepted as {f:?}"),
        }
    }

    #[test]
    fn keywords_operators_and_attributes_in_any_case() {
        let f = parse(r#"USERNAME Eq "a" AND Active EQ true Or NAME.FAMILYNAME pr"#).unwrap();
        assert_eq!(
            f,
            Filter::eq(Attr::UserName, "a")
                .and(Filter::eq(Attr::Active, true))
                .or(Filter::Present(Attr::FamilyName))
        );
        assert_eq!(
            f.to_string(),
            r#"userName eq "a" and active eq true or name.familyName pr"#
        );
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_nest() {
        let a = || Filter::eq(Attr::Id, "a");
        let b = || Filter::eq(Attr::Id, "b");
        let c = || Filter::eq(Attr::Id, "c");
        assert_eq!(
            parse(r#"id eq "a" or id eq "b" and id eq "c""#).unwrap(),
            a().or(b().and(c()))
        );
        assert_eq!(
            parse(r#"(id eq "a" or id eq "b") and id eq "c""#).unwrap(),
            a().or(b()).and(c())
        );
        assert_eq!(
            parse(r#"((id eq "a")) and ((id eq "b" or (id eq "c")))"#).unwrap(),
            a().and(b().or(c()))
        );
    }

    #[test]
    fn rendering_parenthesises_only_where_needed() {
        let a = || Filter::eq(Attr::Id, "a");
        let b = || Filter::eq(Attr::Id, "b");
        let c = || Filter::eq(Attr::Id, "c");
        assert_eq!(
            a().or(b().or(c())).to_string(),
            r#"id eq "a" or (id eq "b" or id eq "c")"#
        );
        assert_eq!(
            a().and(b().and(c())).to_string(),
            r#"id eq "a" and (id eq "b" and id eq "c")"#
        );
        assert_eq!(
            a().or(b()).and(c()).to_string(),
            r#"(id eq "a" or id eq "b") and id eq "c""#
        );
        assert_eq!(
            Filter::eq(Attr::GivenName, r#"say "hi" \ bye"#).to_string(),
            r#"name.givenName eq "say \"hi\" \\ bye""#
        );
        assert_eq!(
            parse(r#"name.givenName eq "say \"hi\" \\ bye""#).unwrap(),
            Filter::eq(Attr::GivenName, r#"say "hi" \ bye"#)
        );
    }

    #[test]
    fn builders() {
        assert_eq!(Filter::any_id::<&str>(&[]), None);
        let f = Filter::any_id(&["a", "b", "c"]).unwrap();
        assert_eq!(f.to_string(), r#"id eq "a" or id eq "b" or id eq "c""#);
        assert_eq!(
            Filter::user_name_eq("x@y.com").to_string(),
            r#"userName eq "x@y.com""#
        );
        assert_eq!(
            "active eq false".parse::<Filter>().unwrap(),
            Filter::eq(Attr::Active, false)
        );
        for a in Attr::ALL {
            assert_eq!(Attr::parse(&a.as_str().to_uppercase()), Some(a));
        }
        assert_eq!(Attr::parse("displayName"), None);
    }

    #[test]
    fn unsupported_operators_are_refused_by_name() {
        for op in ["co", "sw", "EW"] {
            let e = refused(&format!(r#"userName {op} "ada""#));
            assert_eq!(e.position, 9);
            assert_eq!(e.fragment, op);
            assert_eq!(
                e.message,
                format!(
                    "operator `{}` is not supported by Anaplan; use eq, ne, gt, ge, lt, le or pr",
                    op.to_lowercase()
                )
            );
        }
        let e = refused(r#"userName like "a""#);
        assert!(e.message.contains("unknown operator `like`"), "{e}");
        let e = refused("active gt true");
        assert!(e.message.contains("boolean"), "{e}");
    }

    #[test]
    fn not_and_value_paths_are_refused() {
        let e = refused(r#"not (userName eq "a")"#);
        assert_eq!((e.position, e.fragment.as_str()), (0, "not"));
        assert!(e.message.contains("`not` is not supported by Anaplan"));
        let e = refused(r#"emails[type eq "work"]"#);
        assert_eq!(e.position, 6);
        assert!(e.fragment.starts_with("[type"));
        assert!(e.message.contains("value paths `[...]` are not supported"));
    }

    #[test]
    fn unfilterable_attributes_are_refused_with_the_accepted_list() {
        for attr in [
            "displayName",
            "emails",
            "emails.value",
            "entitlements.value",
            "entitlements.type",
            "name.formatted",
            "title",
        ] {
            let e = refused(&format!(r#"active eq true and {attr} eq "x""#));
            assert_eq!(e.position, 19, "{attr}");
            assert_eq!(e.fragment, attr);
            assert_eq!(
                e.message,
                format!(
                    "attribute `{attr}` cannot be filtered by Anaplan; filterable attributes are id, externalId, userName, name.givenName, name.familyName, active"
                )
            );
        }
    }

    #[test]
    fn structural_errors_point_at_the_offending_part() {
        let e = refused(r#"(userName eq "a""#);
        assert_eq!((e.position, e.fragment.as_str()), (0, "("));
        assert!(e.message.contains("unbalanced parentheses"));
        let e = refused(r#"userName eq "a")"#);
        assert_eq!((e.position, e.fragment.as_str()), (15, ")"));
        assert!(e.message.contains("no matching `(`"));
        let e = refused(r#"userName eq "ada"#);
        assert_eq!((e.position, e.fragment.as_str()), (12, "\"ada"));
        assert!(e.message.contains("unterminated string"));
        let e = refused("");
        assert_eq!(e.position, 0);
        assert!(e.message.starts_with("empty filter"));
        let e = refused("   ");
        assert!(e.message.starts_with("empty filter"));
        let e = refused("userName eq");
        assert_eq!(e.position, 11);
        assert!(e.message.contains("missing value after `eq`"));
        let e = refused(r#"userName eq and active eq true"#);
        assert!(e.message.contains("missing value"), "{e}");
        let e = refused("userName");
        assert!(e.message.contains("missing operator"));
        let e = refused(r#"userName eq "a" active eq true"#);
        assert_eq!((e.position, e.fragment.as_str()), (16, "active eq true"));
        assert!(e.message.contains("join conditions with `and` or `or`"));
        let e = refused(r#"userName eq "a" and"#);
        assert_eq!(e.position, 19);
        let e = refused("id eq 42");
        assert!(e.message.contains("double-quoted string"), "{e}");
        let e = refused("()");
        assert!(e.message.contains("unbalanced") || e.message.contains("condition"));
    }

    #[test]
    fn value_types_must_match_the_attribute() {
        let e = refused(r#"active eq "true""#);
        assert_eq!((e.position, e.fragment.as_str()), (10, "\"true\""));
        assert!(e.message.contains("bare true or false"));
        let e = refused("userName eq true");
        assert_eq!((e.position, e.fragment.as_str()), (12, "true"));
        assert!(e.message.contains("double-quoted string"));
        let e = refused("externalId eq null");
        assert_eq!(e.fragment, "null");
        assert!(e.message.contains("`null` is not accepted"));
    }

    #[test]
    fn error_display_names_position_and_fragment() {
        let e = refused(r#"userName co "a""#);
        assert_eq!(
            e.to_string(),
            "operator `co` is not supported by Anaplan; use eq, ne, gt, ge, lt, le or pr at position 9 (near `co`)"
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}active eq true{}", "(".repeat(5000), ")".repeat(5000));
        assert!(refused(&deep).message.contains("nested too deeply"));
        let fine = format!("{}active eq true{}", "(".repeat(50), ")".repeat(50));
        assert!(parse(&fine).is_ok());
    }

    fn arb_filter() -> impl Strategy<Value = Filter> {
        let string_attr = prop_oneof![
            Just(Attr::Id),
            Just(Attr::ExternalId),
            Just(Attr::UserName),
            Just(Attr::GivenName),
            Just(Attr::FamilyName),
        ];
        let op = proptest::sample::select(CompareOp::ALL.to_vec());
        let leaf = prop_oneof![
            (string_attr, op, any::<String>())
                .prop_map(|(attr, op, s)| Filter::compare(attr, op, s)),
            (
                prop_oneof![Just(CompareOp::Eq), Just(CompareOp::Ne)],
                any::<bool>()
            )
                .prop_map(|(op, b)| Filter::compare(Attr::Active, op, b)),
            proptest::sample::select(Attr::ALL.to_vec()).prop_map(Filter::Present),
        ];
        leaf.prop_recursive(6, 48, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(l, r)| l.and(r)),
                (inner.clone(), inner).prop_map(|(l, r)| l.or(r)),
            ]
        })
    }

    proptest! {
        #[test]
        fn render_then_parse_round_trips(f in arb_filter()) {
            let text = f.to_string();
            prop_assert_eq!(parse(&text), Ok(f), "{}", text);
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = parse(&s);
        }

        #[test]
        fn parse_never_panics_on_filter_like_text(
            parts in proptest::collection::vec(prop_oneof![
                Just("("), Just(")"), Just("["), Just("]"), Just("\""), Just("\\"),
                Just("and"), Just("OR"), Just("not"), Just("eq"), Just("pr"), Just("co"),
                Just("userName"), Just("active"), Just("true"), Just("null"), Just(" "),
                Just("\"x\""), Just("é"), Just("emails"),
            ], 0..20)
        ) {
            let s: String = parts.concat();
            if let Err(e) = parse(&s) {
                prop_assert!(e.position <= s.len());
                prop_assert!(s.is_char_boundary(e.position));
            }
        }
    }
}
