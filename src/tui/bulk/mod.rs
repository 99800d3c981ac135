//! Bulk changes in the TUI: choosing users (ticks, ranges, CSV), the action menu, the plan
//! preview, the typed confirmation, the live run and its summary. The plan and the run are
//! the same `plan` and `batch` code the headless commands use.

pub mod complete;
pub mod io;
pub mod msg;
pub mod select;
pub mod state;
pub mod update;

pub use state::{Preview, RunView};
