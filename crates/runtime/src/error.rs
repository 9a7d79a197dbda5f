//! Typed errors and their mapping to the Lambda diagnostic (`errorType`, `errorMessage`).

use lambda_runtime::Diagnostic;

/// Why a function refused to start. `main` returns it, so Lambda reports an init error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    /// `ALLOWED_REGIONS` is unset: residency is not configured, so refuse (fail closed).
    #[error("ALLOWED_REGIONS is not set (set it to a comma list of regions, or `*` to allow any)")]
    RegionsUnset,
    /// `AWS_REGION` is not one of the allowed regions.
    #[error("region `{region}` is not in ALLOWED_REGIONS `{allowed}`")]
    RegionNotAllowed {
        /// The region the function runs in (empty when unknown).
        region: String,
        /// The configured list.
        allowed: String,
    },
    /// The policy cannot be read or compiled.
    #[error("policy: {0}")]
    Policy(#[from] gatehouse_core::PolicyError),
    /// The policy file `GATEHOUSE_POLICY` names cannot be read or compiled.
    #[error("policy `{path}`: {error}")]
    PolicyFile {
        /// The file.
        path: String,
        /// What is wrong with it.
        error: gatehouse_core::PolicyError,
    },
    /// Any other bad setting.
    #[error("configuration: {0}")]
    Config(String),
}

/// An error a handler returns. Domain refusals (a denied prompt, a blocked answer) are
/// normal responses, not errors: these are for input the function cannot process at
/// all and for infrastructure failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FunctionError {
    /// The event is not valid JSON of the expected shape.
    #[error("invalid event at `{path}`: {message}")]
    InvalidEvent {
        /// Path of the bad field (`.` for the whole event).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A field or the whole event is over its size limit.
    #[error("`{field}` is {len} bytes, over the {max} byte limit")]
    TooLarge {
        /// Which field.
        field: String,
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The function is misconfigured (missing key, bad setting).
    #[error("configuration: {0}")]
    Config(String),
    /// A downstream service failed.
    #[error("{service} failed: {message}")]
    Upstream {
        /// The service (`bedrock-agent-runtime`, …).
        service: &'static str,
        /// What it said, without request content.
        message: String,
    },
    /// A downstream call did not finish in time.
    #[error("{service} did not answer within {millis} ms")]
    Timeout {
        /// The service.
        service: &'static str,
        /// The budget that ran out.
        millis: u64,
    },
    /// A bug or an impossible state; the request is refused.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Something with a stable, machine-readable error type.
pub trait ErrorKind: std::fmt::Display {
    /// The `errorType` Lambda reports (PascalCase, stable).
    fn error_type(&self) -> &'static str;
}

impl ErrorKind for FunctionError {
    fn error_type(&self) -> &'static str {
        match self {
            FunctionError::InvalidEvent { .. } => "InvalidEvent",
            FunctionError::TooLarge { .. } => "RequestTooLarge",
            FunctionError::Config(_) => "ConfigurationError",
            FunctionError::Upstream { .. } => "UpstreamError",
            FunctionError::Timeout { .. } => "Timeout",
            FunctionError::Internal(_) => "InternalError",
        }
    }
}

impl ErrorKind for StartupError {
    fn error_type(&self) -> &'static str {
        match self {
            StartupError::RegionsUnset | StartupError::RegionNotAllowed { .. } => {
                "RegionNotAllowed"
            }
            StartupError::Policy(_) | StartupError::PolicyFile { .. } => "PolicyError",
            StartupError::Config(_) => "ConfigurationError",
        }
    }
}

/// The Lambda diagnostic for any [`ErrorKind`]: `errorType` from the kind, `errorMessage`
/// from `Display`.
pub fn diagnostic<E: ErrorKind + ?Sized>(error: &E) -> Diagnostic {
    Diagnostic {
        error_type: error.error_type().to_owned(),
        error_message: error.to_string(),
    }
}

impl From<FunctionError> for Diagnostic {
    fn from(error: FunctionError) -> Diagnostic {
        diagnostic(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_carries_type_and_message() {
        let d: Diagnostic = FunctionError::TooLarge {
            field: "prompt".into(),
            len: 10,
            max: 5,
        }
        .into();
        assert_eq!(d.error_type, "RequestTooLarge");
        assert_eq!(
            d.error_message,
            "`prompt` is 10 bytes, over the 5 byte limit"
        );
        let d = diagnostic(&StartupError::RegionsUnset);
        assert_eq!(d.error_type, "RegionNotAllowed");
    }
}
