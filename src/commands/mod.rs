//! The headless commands: what scripts run. Each takes parsed arguments and a writer.

pub mod apply;
pub mod auth;
pub mod connect;
pub mod demo;
pub mod fake;
pub mod hangup;
pub mod preview;
pub mod run;
pub mod runs;
pub mod users;

pub use connect::{Connected, connect};
