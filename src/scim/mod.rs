//! The SCIM protocol: models, filters, the HTTP client, authentication, rate governing.
//! Knows nothing of the screen; the only place that builds HTTP requests.

pub mod auth;
pub mod bulk;
pub mod client;
pub mod connection;
pub mod error;
pub mod filter;
pub mod find_user;
pub mod governor;
pub mod identity;
pub mod model;
pub mod retry;
pub mod wire;

pub use client::{Connection, ListOptions, ListResult, ScimClient};
pub use error::ScimError;
pub use filter::Filter;
pub use model::{ListPage, PatchRequest, User, Workspace};
