//! Errors the audit logger reports to Lambda.

use lambda_runtime::Diagnostic;

use crate::sink::SinkError;

/// A failed invocation. Messages never hold record content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The event is neither an audit record nor an SQS batch.
    #[error("malformed audit event: {0}")]
    MalformedEvent(String),
    /// A directly invoked record is not a valid audit record.
    #[error("invalid audit record: {0}")]
    InvalidRecord(String),
    /// The record could not be written (the caller retries).
    #[error(transparent)]
    Write(#[from] SinkError),
}

impl AuditError {
    /// The `errorType` reported to Lambda (and caught by the state machine).
    pub fn error_type(&self) -> &'static str {
        match self {
            AuditError::MalformedEvent(_) => "MalformedEvent",
            AuditError::InvalidRecord(_) => "InvalidAuditRecord",
            AuditError::Write(_) => "AuditWriteFailed",
        }
    }
}

impl From<AuditError> for Diagnostic {
    fn from(e: AuditError) -> Diagnostic {
        Diagnostic {
            error_type: e.error_type().to_owned(),
            error_message: e.to_string(),
        }
    }
}
