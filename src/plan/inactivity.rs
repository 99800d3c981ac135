//! Selection by inactivity: who has not signed in for N days, or ever. Pure: the time is
//! given. A user whose last login is unknown is never inactive (DESIGN.md, safety rule 8):
//! it is `Unknown`, counted and named by whoever selects.

use time::OffsetDateTime;

use crate::scim::client::LastLogin;

/// The largest `--inactive-days` accepted: a hundred years.
pub const MAX_DAYS: u32 = 36_500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inactivity {
    /// No sign-in for at least this many days, or never.
    Days(u32),
    /// Never signed in.
    Never,
}

/// What a user's last login says under an [`Inactivity`] rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Inactive,
    Active,
    /// The last login could not be read: never selected.
    Unknown,
}

/// Reads a number of days: a whole number from 1 to [`MAX_DAYS`].
pub fn parse_days(s: &str) -> Result<u32, String> {
    let bad = || {
        format!("`{s}` is not a number of days: give a whole number from 1 to {MAX_DAYS}, e.g. 90")
    };
    let n: i64 = s.trim().parse().map_err(|_| bad())?;
    if !(1..=i64::from(MAX_DAYS)).contains(&n) {
        return Err(bad());
    }
    u32::try_from(n).map_err(|_| bad())
}

impl Inactivity {
    /// The moment before which a last login counts as inactive (`None` for `Never`).
    pub fn threshold(self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        match self {
            Inactivity::Days(d) => Some(now - time::Duration::days(i64::from(d))),
            Inactivity::Never => None,
        }
    }

    pub fn judge(self, login: &LastLogin, now: OffsetDateTime) -> Verdict {
        match login {
            LastLogin::Never => Verdict::Inactive,
            LastLogin::Unavailable { .. } => Verdict::Unknown,
            LastLogin::At { .. } => match (self.threshold(now), login.time()) {
                (_, None) => Verdict::Unknown,
                (None, Some(_)) => Verdict::Active,
                (Some(limit), Some(t)) if t < limit => Verdict::Inactive,
                (Some(_), Some(_)) => Verdict::Active,
            },
        }
    }

    /// The rule in words, with the threshold's date: "no sign-in for 90 days or more (last
    /// sign-in before 2026-09-04 00:00 UTC), or never signed in".
    pub fn describe(self, now: OffsetDateTime) -> String {
        match self.threshold(now) {
            None => "never signed in".into(),
            Some(t) => {
                let at = LastLogin::At {
                    at: t
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                };
                format!(
                    "no sign-in for {} days or more (last sign-in before {}), or never signed in",
                    match self {
                        Inactivity::Days(d) => d,
                        Inactivity::Never => 0,
                    },
                    at.describe()
                )
            }
        }
    }

    /// A short label for a header or status line: "≥ 90 d" or "never".
    pub fn label(self) -> String {
        match self {
            Inactivity::Days(d) => format!("no sign-in ≥ {d} d"),
            Inactivity::Never => "never signed in".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::format_description::well_known::Rfc3339;

    fn now() -> OffsetDateTime {
        OffsetDateTime::parse("2026-12-03T12:00:00Z", &Rfc3339).unwrap()
    }

    #[test]
    fn days_are_whole_numbers_from_one() {
        assert_eq!(parse_days("90"), Ok(90));
        for bad in ["0", "-3", "ninety", "1.5", "", "36501"] {
            let e = parse_days(bad).unwrap_err();
            assert!(e.contains("from 1 to 36500"), "{bad}: {e}");
        }
    }

    #[test]
    fn unknown_is_never_inactive() {
        let at = |s: &str| LastLogin::At { at: s.into() };
        let r = Inactivity::Days(90);
        assert_eq!(
            r.judge(&at("2026-09-01T00:00:00Z"), now()),
            Verdict::Inactive
        );
        assert_eq!(r.judge(&at("2026-09-05T00:00:00Z"), now()), Verdict::Active);
        assert_eq!(r.judge(&LastLogin::Never, now()), Verdict::Inactive);
        let gone = LastLogin::Unavailable { reason: "x".into() };
        assert_eq!(r.judge(&gone, now()), Verdict::Unknown);
        assert_eq!(Inactivity::Never.judge(&gone, now()), Verdict::Unknown);
        assert_eq!(
            Inactivity::Never.judge(&at("2020-01-01T00:00:00Z"), now()),
            Verdict::Active
        );
        assert!(r.describe(now()).contains("before 2026-09-04 12:00 UTC"));
    }
}
