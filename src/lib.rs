//! scimitar: administer the users of an Anaplan tenant from a terminal.
//!
//! Layers (see DESIGN.md): `scim` (protocol) → `plan` (pure) → `batch` (runs plans);
//! `input` (CSV); `tui` (The Elm Architecture); `fake` (a local Anaplan).

pub mod batch;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod config;
pub mod export;
pub mod fake;
pub mod input;
pub mod plan;
pub(crate) mod private_file;
pub mod scim;
pub mod store;
pub mod tui;
pub mod untrusted;
