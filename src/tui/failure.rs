//! Why something the TUI asked for failed. Effects end in a `Failure` rather than a bare
//! string: it says what kind of thing failed, keeps the typed error it came from (shared, so
//! actions stay `Clone`) and reads as the operator will see it.

use std::fmt;
use std::sync::Arc;

use crate::batch::driver::DriverError;
use crate::batch::journal::JournalError;
use crate::input::LookupError;
use crate::scim::ScimError;

type Source = Arc<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Clone)]
pub struct Failure {
    kind: FailureKind,
    message: String,
    source: Option<Source>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The server or the connection to it.
    Server,
    /// Looking users up (a CSV's rows, an undo's users).
    Lookup,
    /// A journal: read, locked, sealed, for another tenant.
    Journal,
    /// A file the operator named: read, parsed or written.
    File,
    /// The terminal (the clipboard sequence).
    Terminal,
    /// Said by the TUI itself (or a test).
    Other,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// `message` says what failed in the operator's words; `source` is why.
    pub fn caused_by(
        kind: FailureKind,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Failure {
        Failure {
            kind,
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }

    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    fn from_error(kind: FailureKind, e: impl std::error::Error + Send + Sync + 'static) -> Failure {
        Failure::caused_by(kind, e.to_string(), e)
    }
}

/// Two failures are the same when they are of the same kind and say the same thing.
impl PartialEq for Failure {
    fn eq(&self, other: &Failure) -> bool {
        self.kind == other.kind && self.message == other.message
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<ScimError> for Failure {
    fn from(e: ScimError) -> Failure {
        Failure::from_error(FailureKind::Server, e)
    }
}

impl From<LookupError> for Failure {
    fn from(e: LookupError) -> Failure {
        Failure::from_error(FailureKind::Lookup, e)
    }
}

impl From<JournalError> for Failure {
    fn from(e: JournalError) -> Failure {
        Failure::from_error(FailureKind::Journal, e)
    }
}

impl From<crate::batch::history::HistoryError> for Failure {
    fn from(e: crate::batch::history::HistoryError) -> Failure {
        Failure::from_error(FailureKind::Journal, e)
    }
}

impl From<DriverError> for Failure {
    fn from(e: DriverError) -> Failure {
        Failure::from_error(FailureKind::Journal, e)
    }
}

/// A message of the TUI's own (and the failures tests make up).
impl From<&str> for Failure {
    fn from(message: &str) -> Failure {
        Failure::new(FailureKind::Other, message)
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::new(FailureKind::Other, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_reads_as_its_message_and_keeps_its_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let f = Failure::caused_by(FailureKind::File, "cannot read a.csv: no such file", io);
        assert_eq!(f.to_string(), "cannot read a.csv: no such file");
        assert_eq!(f.kind(), FailureKind::File);
        let cause = std::error::Error::source(&f).map(ToString::to_string);
        assert_eq!(cause.as_deref(), Some("no such file"));
        assert_ne!(f, Failure::from("cannot read a.csv: no such file"));
    }
}
