//! What one user's request came to: the runner makes it, the breaker counts it, the
//! journal and the progress record it. Its own file so the breaker does not import the runner
//! that consults it.

use std::time::Duration;

use crate::batch::journal::ResultKind;

#[derive(Debug, Clone, PartialEq)]
pub struct UserResult {
    pub user_id: String,
    pub user_name: String,
    pub outcome: ResultKind,
    pub status: Option<u16>,
    pub detail: String,
    pub latency: Duration,
}
