//! Runs plans: bounded adaptive concurrency under the tenant's governor, retries (in the
//! client), a journal of every request with the state before it, resume and undo.

pub mod breaker;
pub mod driver;
pub mod history;
pub mod interrupted;
pub mod journal;
pub mod limit;
pub mod progress;
pub mod report;
pub mod result;
pub mod runner;
pub mod seal;
pub mod tenant_lock;
pub mod touched;
pub mod undo;
pub mod verify;

pub use journal::{Intent, Journal, JournalState, Record, ResultKind, Target};
pub use progress::Progress;
pub use report::Summary;
pub use runner::{Batch, BatchError, Event, RunOptions, UserResult};
