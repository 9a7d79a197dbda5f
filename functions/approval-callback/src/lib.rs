//! # approval-callback
//!
//! The human-approval gate of the guarded flow. Called (a) by the state machine's
//! `lambda:invoke.waitForTaskToken` task to record a pending request with its task
//! token and notify reviewers, and (b) by a reviewer to approve or reject it, which
//! resumes the execution through SendTaskSuccess / SendTaskFailure. See
//! [`handler`] for the guarantees (role check, one decision per request, audit).

pub mod audit_queue;
pub mod aws;
pub mod error;
pub mod handler;
pub mod local;
pub mod model;

pub use error::ApprovalError;
pub use handler::{Deps, handle};

/// Parses `REVIEWER_ROLES` (comma separated, blanks ignored).
pub fn parse_roles(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect()
}
