//! The fake's own reading of a `GET /Users?filter=`: what Anaplan accepts (attributes id,
//! externalId, userName, name.givenName, name.familyName, active; eq ne gt ge lt le pr in
//! any case; and, or, parentheses; quoted strings with `\"` escapes; bare true/false) and
//! how it matches. Written apart from `scim::filter` on purpose: the fake checks the client
//! instead of agreeing with it by construction.

use crate::scim::model::User;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    ExternalId,
    UserName,
    GivenName,
    FamilyName,
    Active,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    Text(String),
    Flag(bool),
}

/// A parsed filter. `and` binds tighter than `or`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Test(Field, Cmp, Literal),
    Present(Field),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

/// Why a filter is refused; the server answers every refusal with the same 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub &'static str);

fn field(name: &str) -> Option<Field> {
    let table = [
        ("id", Field::Id),
        ("externalid", Field::ExternalId),
        ("username", Field::UserName),
        ("name.givenname", Field::GivenName),
        ("name.familyname", Field::FamilyName),
        ("active", Field::Active),
    ];
    let lower = name.to_ascii_lowercase();
    table.iter().find(|(n, _)| *n == lower).map(|(_, f)| *f)
}

fn cmp(word: &str) -> Option<Cmp> {
    match word.to_ascii_lowercase().as_str() {
        "eq" => Some(Cmp::Eq),
        "ne" => Some(Cmp::Ne),
        "gt" => Some(Cmp::Gt),
        "ge" => Some(Cmp::Ge),
        "lt" => Some(Cmp::Lt),
        "le" => Some(Cmp::Le),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Lex {
    Open,
    Close,
    Word(String),
    Quoted(String),
    Stray,
}

fn lex(text: &str) -> Result<Vec<Lex>, Refused> {
    let mut out = Vec::new();
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => out.push(Lex::Open),
            ')' => out.push(Lex::Close),
            '"' => {
                let mut s = String::new();
                loop {
                    match it.next() {
                        None => return Err(Refused("unterminated string")),
                        Some('"') => break,
                        Some('\\') => s.push(it.next().ok_or(Refused("unterminated string"))?),
                        Some(c) => s.push(c),
                    }
                }
                out.push(Lex::Quoted(s));
            }
            c if c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '$' | '@') => {
                let mut w = String::from(c);
                while let Some(&n) = it.peek() {
                    if n.is_alphanumeric() || matches!(n, '.' | '_' | '-' | ':' | '$' | '@') {
                        w.push(n);
                        it.next();
                    } else {
                        break;
                    }
                }
                out.push(Lex::Word(w));
            }
            // `[` (value paths) and anything else.
            _ => out.push(Lex::Stray),
        }
    }
    Ok(out)
}

struct Reader {
    toks: Vec<Lex>,
    at: usize,
    depth: usize,
}

impl Reader {
    fn keyword(&self, kw: &str) -> bool {
        matches!(self.toks.get(self.at), Some(Lex::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn any(&mut self) -> Result<Expr, Refused> {
        let mut e = self.all()?;
        while self.keyword("or") {
            self.at += 1;
            e = Expr::Or(Box::new(e), Box::new(self.all()?));
        }
        Ok(e)
    }

    fn all(&mut self) -> Result<Expr, Refused> {
        let mut e = self.one()?;
        while self.keyword("and") {
            self.at += 1;
            e = Expr::And(Box::new(e), Box::new(self.one()?));
        }
        Ok(e)
    }

    fn one(&mut self) -> Result<Expr, Refused> {
        let tok = self.toks.get(self.at).cloned();
        self.at += 1;
        match tok {
            Some(Lex::Open) => {
                self.depth += 1;
                if self.depth > 200 {
                    return Err(Refused("nested too deeply"));
                }
                let e = self.any()?;
                if self.toks.get(self.at) != Some(&Lex::Close) {
                    return Err(Refused("unbalanced parentheses"));
                }
                self.at += 1;
                self.depth -= 1;
                Ok(e)
            }
            Some(Lex::Word(name)) => {
                let f = field(&name).ok_or(Refused("attribute not filterable"))?;
                let Some(Lex::Word(op)) = self.toks.get(self.at).cloned() else {
                    return Err(Refused("operator expected"));
                };
                self.at += 1;
                if op.eq_ignore_ascii_case("pr") {
                    return Ok(Expr::Present(f));
                }
                let c = cmp(&op).ok_or(Refused("operator not supported"))?;
                let lit = match self.toks.get(self.at).cloned() {
                    Some(Lex::Quoted(s)) if f != Field::Active => Literal::Text(s),
                    Some(Lex::Word(w)) if f == Field::Active && w.eq_ignore_ascii_case("true") => {
                        Literal::Flag(true)
                    }
                    Some(Lex::Word(w)) if f == Field::Active && w.eq_ignore_ascii_case("false") => {
                        Literal::Flag(false)
                    }
                    _ => return Err(Refused("value not accepted for this attribute")),
                };
                if f == Field::Active && !matches!(c, Cmp::Eq | Cmp::Ne) {
                    return Err(Refused("active only compares with eq or ne"));
                }
                self.at += 1;
                Ok(Expr::Test(f, c, lit))
            }
            _ => Err(Refused("condition expected")),
        }
    }
}

/// Reads a filter as Anaplan does, refusing what Anaplan refuses.
pub fn read(text: &str) -> Result<Expr, Refused> {
    let toks = lex(text)?;
    let mut r = Reader {
        toks,
        at: 0,
        depth: 0,
    };
    let e = r.any()?;
    if r.at != r.toks.len() {
        return Err(Refused("text after a complete filter"));
    }
    Ok(e)
}

fn text_of(f: Field, u: &User) -> Option<&str> {
    let v = match f {
        Field::Id => Some(u.id.as_str()),
        Field::ExternalId => u.external_id.as_deref(),
        Field::UserName => Some(u.user_name.as_str()),
        Field::GivenName => u.given_name.as_deref(),
        Field::FamilyName => u.family_name.as_deref(),
        Field::Active => None,
    };
    v.filter(|s| !s.is_empty())
}

impl Expr {
    /// Strings compare case-insensitively (Anaplan's attributes are not caseExact); an
    /// absent attribute satisfies only `ne`; `pr` means present and non-empty.
    pub fn matches(&self, u: &User) -> bool {
        match self {
            Expr::And(a, b) => a.matches(u) && b.matches(u),
            Expr::Or(a, b) => a.matches(u) || b.matches(u),
            Expr::Present(Field::Active) => true,
            Expr::Present(f) => text_of(*f, u).is_some(),
            Expr::Test(f, c, lit) => {
                let ord = match lit {
                    Literal::Flag(b) => Some(u.active.cmp(b)),
                    Literal::Text(want) => {
                        text_of(*f, u).map(|have| have.to_lowercase().cmp(&want.to_lowercase()))
                    }
                };
                match ord {
                    None => *c == Cmp::Ne,
                    Some(o) => match c {
                        Cmp::Eq => o.is_eq(),
                        Cmp::Ne => o.is_ne(),
                        Cmp::Gt => o.is_gt(),
                        Cmp::Ge => o.is_ge(),
                        Cmp::Lt => o.is_lt(),
                        Cmp::Le => o.is_le(),
                    },
                }
            }
        }
    }

    /// Terms joined by `or`, counted as a server with a limit on them would.
    pub fn or_terms(&self) -> usize {
        match self {
            Expr::Or(a, b) => a.or_terms() + b.or_terms(),
            Expr::And(a, b) => a.or_terms().max(b.or_terms()),
            _ => 1,
        }
    }

    /// Whether any condition is on `id` (which the `rfc` dialect cannot filter on).
    pub fn mentions_id(&self) -> bool {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => a.mentions_id() || b.mentions_id(),
            Expr::Present(f) | Expr::Test(f, _, _) => *f == Field::Id,
        }
    }

    /// The ids of a pure `id eq .. or id eq ..` filter, so batch re-reads are answered by
    /// lookup rather than a scan of a large tenant.
    pub fn only_ids(&self) -> Option<Vec<&str>> {
        fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a str>) -> bool {
            match e {
                Expr::Test(Field::Id, Cmp::Eq, Literal::Text(s)) => {
                    out.push(s);
                    true
                }
                Expr::Or(a, b) => walk(a, out) && walk(b, out),
                _ => false,
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> User {
        User {
            id: "8a80db9362f64cad0162fa0ab3fe0001".into(),
            user_name: "Ada.Lovelace@Example.com".into(),
            external_id: Some("EMP-0042".into()),
            active: true,
            given_name: Some("Ada".into()),
            family_name: None,
            display_name: Some("Ada Lovelace".into()),
            workspaces: vec![],
            created: None,
            last_modified: None,
        }
    }

    fn m(text: &str) -> bool {
        read(text)
            .unwrap_or_else(|e| panic!("{text}: {e:?}"))
            .matches(&ada())
    }

    #[test]
    fn what_anaplan_accepts_matches_as_documented() {
        assert!(m(r#"userName eq "ADA.LOVELACE@example.com""#));
        assert!(m(r#"USERNAME Eq "ada.lovelace@example.com""#));
        assert!(m(r#"id eq "8A80DB9362F64CAD0162FA0AB3FE0001""#));
        assert!(m(r#"externalId ne "x" and name.givenName ge "ad""#));
        assert!(m(r#"name.familyName ne "x""#));
        assert!(!m(r#"name.familyName eq "x""#));
        assert!(!m("name.familyName pr"));
        assert!(m("active pr and active eq TRUE"));
        assert!(m(
            r#"active eq false or (userName lt "b" and externalId pr)"#
        ));
        assert!(!m(
            r#"active eq false or userName gt "b" and externalId pr"#
        ));
        assert!(m(r#"name.givenName eq "A\da""#));
    }

    #[test]
    fn what_anaplan_refuses_is_refused() {
        for text in [
            r#"userName co "a""#,
            r#"userName sw "a""#,
            r#"userName ew "a""#,
            "not (active eq true)",
            r#"emails[type eq "work"]"#,
            r#"displayName eq "x""#,
            r#"entitlements.value eq "x""#,
            "(active eq true",
            "active eq true)",
            "active gt true",
            r#"active eq "true""#,
            "userName eq true",
            "userName eq null",
            r#"userName eq "a" userName eq "b""#,
            r#"userName eq "open"#,
            "",
            "active",
        ] {
            assert!(read(text).is_err(), "accepted: {text}");
        }
    }

    #[test]
    fn counts_or_terms_and_spots_id_lists() {
        let e = read(r#"id eq "a" or id eq "B" or id eq "c""#).unwrap();
        assert_eq!(e.or_terms(), 3);
        assert_eq!(e.only_ids(), Some(vec!["a", "B", "c"]));
        assert!(e.mentions_id());
        let e = read(r#"active eq true and (userName eq "a" or userName eq "b")"#).unwrap();
        assert_eq!(e.or_terms(), 2);
        assert_eq!(e.only_ids(), None);
        assert!(!e.mentions_id());
    }

    // Anaplan's matching semantics, moved here from the client's filter module when the
    // client's own matcher went (only the fake matches filters).
    #[test]
    fn every_operator_on_strings_is_case_insensitive() {
        assert!(m(r#"userName eq "ada.lovelace@example.COM""#));
        assert!(!m(r#"userName ne "ADA.LOVELACE@example.com""#));
        assert!(m(r#"userName ne "someone@else.com""#));
        assert!(m(r#"userName gt "ADA""#));
        assert!(!m(r#"userName gt "zed""#));
        assert!(m(r#"userName ge "ada.lovelace@example.com""#));
        assert!(m(r#"userName le "ADA.LOVELACE@EXAMPLE.COM""#));
        assert!(m(r#"userName lt "B""#));
        assert!(!m(r#"userName lt "a""#));
        assert!(m(r#"id eq "8A80DB9362F64CAD0162FA0AB3FE0001""#));
        assert!(m(r#"externalId eq "emp-0042""#));
        assert!(m(r#"name.givenName eq "ADA""#));
    }

    #[test]
    fn absent_attributes_ne_true_others_false_pr_means_non_empty() {
        assert!(m(r#"name.familyName ne "x""#));
        assert!(!m(r#"name.familyName eq "x""#));
        assert!(!m(r#"name.familyName gt "a""#));
        assert!(!m(r#"name.familyName lt "z""#));
        assert!(!m("name.familyName pr"));
        assert!(m("name.givenName pr"));
        assert!(m("externalId pr"));
        let mut u = ada();
        u.external_id = Some(String::new());
        assert!(!read("externalId pr").unwrap().matches(&u));
        assert!(m("active pr"));
    }

    #[test]
    fn active_compares_with_booleans() {
        assert!(m("active eq true"));
        assert!(m("active eq TRUE"));
        assert!(!m("active eq false"));
        assert!(m("active ne False"));
        let mut u = ada();
        u.active = false;
        assert!(read("active eq false").unwrap().matches(&u));
    }

    #[test]
    fn and_binds_tighter_than_or_when_matching() {
        assert!(m(
            r#"(userName eq "nobody" or active eq true) and name.givenName pr"#
        ));
        assert!(!m(
            r#"userName eq "nobody" or active eq true and name.familyName pr"#
        ));
    }

    #[test]
    fn an_id_list_is_spotted_and_a_user_name_is_not() {
        let e = read(r#"id eq "a" or id eq "b" or id eq "c""#).unwrap();
        assert_eq!(e.only_ids(), Some(vec!["a", "b", "c"]));
        assert_eq!(read(r#"userName eq "x@y.com""#).unwrap().only_ids(), None);
    }
}
