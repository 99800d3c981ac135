//! The bulk flow's data, below the screens that show it (`screens/`): the selection and the
//! preview, run, history and path states (`state.rs`), what the flow's outcomes carry
//! (`msg.rs`) and a path's Tab completion (`complete.rs`). Ticking and ranges are
//! `tui/select.rs`; the file, journal and network side is `runner/io.rs`. The plan and the
//! run are the same `plan` and `batch` code the headless commands use.

pub mod complete;
pub mod msg;
pub mod state;

pub use state::{Preview, RunView};
