//! # audit-logger
//!
//! Writes audit records ([`gatehouse_core::audit::AuditRecord`]) to CloudWatch Logs:
//! redacted with the policy's PII rules, sealed into a SHA-256 hash chain per log
//! stream (one stream per UTC day and instance), batched within the PutLogEvents
//! limits, retried with backoff on throttling and server errors. Takes one record
//! (direct invoke) or an SQS batch (partial batch failures, nothing dropped).
//! Other functions and the CLI reuse the [`sink::AuditSink`] trait and its
//! implementations.

pub mod batch;
pub mod cloudwatch;
pub mod error;
pub mod handler;
pub mod retry;
pub mod sink;
pub mod step;

pub use error::AuditError;
pub use handler::{Env, handle};

/// An instance id for stream names: the hex id at the end of
/// `AWS_LAMBDA_LOG_STREAM_NAME` (`2026/11/22/[$LATEST]0123abcd…`) when running in
/// Lambda, else a hash of the host's process id and start time.
pub fn instance_id() -> String {
    let from_lambda = std::env::var("AWS_LAMBDA_LOG_STREAM_NAME")
        .ok()
        .and_then(|s| s.rsplit(']').next().map(str::to_owned))
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()));
    from_lambda.unwrap_or_else(|| {
        let seed = format!(
            "{}/{}",
            std::process::id(),
            gatehouse_core::audit::time::now_unix_ms()
        );
        let h = gatehouse_core::audit::sha256_hex(&seed);
        format!("local-{}", h.get(..16).unwrap_or(&h))
    })
}
