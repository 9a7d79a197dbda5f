//! Errors that are Lambda errors (not refusals): unparseable events and store failures.

use lambda_runtime::Diagnostic;

use crate::store::StoreError;

/// A failure the agent sees as a Lambda error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OrderError {
    /// The event is not an action-group event at all.
    #[error("malformed action group event: {0}")]
    MalformedEvent(String),
    /// The order store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl OrderError {
    /// The `errorType` reported to Lambda.
    pub fn error_type(&self) -> &'static str {
        match self {
            OrderError::MalformedEvent(_) => "MalformedEvent",
            OrderError::Store(_) => "OrderStoreFailure",
        }
    }
}

impl From<OrderError> for Diagnostic {
    fn from(e: OrderError) -> Diagnostic {
        Diagnostic {
            error_type: e.error_type().to_owned(),
            error_message: e.to_string(),
        }
    }
}
