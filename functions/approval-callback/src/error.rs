//! Errors reported to Lambda (the state machine's Catch or the reviewer's client).

use lambda_runtime::Diagnostic;

use crate::model::DependencyError;

/// A failed invocation. Messages carry ids and roles, never request text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApprovalError {
    /// Neither a wait-for-token request nor a reviewer decision, or wrongly typed.
    #[error("malformed approval event: {0}")]
    MalformedEvent(String),
    /// The reviewer's role may not decide.
    #[error("role `{0}` may not decide approvals")]
    ReviewerNotAllowed(String),
    /// No pending request with this id (unknown or expired).
    #[error("no pending approval `{0}`")]
    UnknownRequest(String),
    /// The request was decided already; a second decision is refused.
    #[error("approval `{0}` was already decided")]
    AlreadyDecided(String),
    /// The decision is recorded but the execution could not be resumed (the task
    /// timed out or the token is invalid): the flow denies on timeout.
    #[error("decision recorded but the execution was not resumed: {0}")]
    Callback(DependencyError),
    /// A dependency (table, topic, audit log) failed.
    #[error(transparent)]
    Dependency(#[from] DependencyError),
}

impl ApprovalError {
    /// The `errorType` reported to Lambda.
    pub fn error_type(&self) -> &'static str {
        match self {
            ApprovalError::MalformedEvent(_) => "MalformedEvent",
            ApprovalError::ReviewerNotAllowed(_) => "ReviewerNotAllowed",
            ApprovalError::UnknownRequest(_) => "UnknownRequest",
            ApprovalError::AlreadyDecided(_) => "AlreadyDecided",
            ApprovalError::Callback(_) => "CallbackFailed",
            ApprovalError::Dependency(_) => "DependencyFailure",
        }
    }
}

impl From<ApprovalError> for Diagnostic {
    fn from(e: ApprovalError) -> Diagnostic {
        Diagnostic {
            error_type: e.error_type().to_owned(),
            error_message: e.to_string(),
        }
    }
}
