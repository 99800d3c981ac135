//! Input files: CSV exports and id lists turned into users, with a row-by-row report of what
//! resolved, what did not and why, before anything is sent.

pub mod csv;
mod error;
pub mod key;
pub mod lookup;
pub mod resolve;
pub mod review;
mod text;

pub use self::csv::{CsvError, CsvInput, Entry};
pub use key::Key;
pub use resolve::{LookupError, ResolveReport, UserLookup, resolve, resolve_counted};
