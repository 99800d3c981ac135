//! Bulk changes in the TUI, under their screens (`screens/`): the selection (ticks, ranges),
//! the data the flow's results carry (`state.rs`, `msg.rs`), and the effects' file, journal
//! and network side (`io.rs`, `complete.rs`). The plan and the run are the same `plan` and
//! `batch` code the headless commands use.

pub mod complete;
pub mod io;
pub mod msg;
pub mod select;
pub mod state;
pub mod update;

pub use state::{Preview, RunView};
