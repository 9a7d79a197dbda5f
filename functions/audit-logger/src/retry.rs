//! Retrying CloudWatch Logs calls: error classes and exponential backoff with full jitter.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};

/// How a failed call should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Throttled (`ThrottlingException`, 429): the call was not processed; retry.
    Throttled,
    /// A 5xx, a timeout or a broken connection: the call may or may not have been
    /// processed; check the stream's tail before retrying.
    Ambiguous,
    /// The log stream does not exist.
    StreamMissing,
    /// The stream already exists (CreateLogStream).
    AlreadyExists,
    /// Retrying cannot help (bad request, access denied, …).
    Permanent,
}

/// Classifies an SDK error.
pub fn classify<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> ErrorClass
where
    R: HasStatus,
{
    match err {
        SdkError::ConstructionFailure(_) => ErrorClass::Permanent,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => ErrorClass::Ambiguous,
        SdkError::ResponseError(e) => {
            status_class(e.raw().status_code()).unwrap_or(ErrorClass::Ambiguous)
        }
        SdkError::ServiceError(e) => match e.err().code() {
            Some("ThrottlingException" | "TooManyRequestsException" | "RequestLimitExceeded") => {
                ErrorClass::Throttled
            }
            Some("ServiceUnavailableException" | "InternalFailure" | "InternalServerError") => {
                ErrorClass::Ambiguous
            }
            Some("ResourceNotFoundException") => ErrorClass::StreamMissing,
            Some("ResourceAlreadyExistsException") => ErrorClass::AlreadyExists,
            _ => status_class(e.raw().status_code()).unwrap_or(ErrorClass::Permanent),
        },
        _ => ErrorClass::Ambiguous,
    }
}

fn status_class(status: u16) -> Option<ErrorClass> {
    match status {
        429 => Some(ErrorClass::Throttled),
        500..=599 => Some(ErrorClass::Ambiguous),
        _ => None,
    }
}

/// Access to the HTTP status of a raw response.
pub trait HasStatus {
    /// The HTTP status code.
    fn status_code(&self) -> u16;
}

impl HasStatus for aws_sdk_cloudwatchlogs::config::http::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

/// Exponential backoff with full jitter: attempt `n` waits a random time in
/// `[0, min(cap, base · 2ⁿ)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Base delay.
    pub base: Duration,
    /// Largest delay.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            max_attempts: 8,
            base: Duration::from_millis(50),
            cap: Duration::from_secs(3),
        }
    }
}

static SEED: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);

/// A cheap pseudo-random number (splitmix64 over a global counter mixed with the
/// clock): jitter only, nothing secret.
fn jitter_random() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut z = SEED.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ u64::from(nanos);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Backoff {
    /// The delay before retry number `attempt` (1 for the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1_u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX));
        let ceiling = exp.min(self.cap).as_micros().max(1);
        let micros = u128::from(jitter_random()) % ceiling;
        Duration::from_micros(u64::try_from(micros).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_under_the_exponential_ceiling_and_the_cap() {
        let b = Backoff {
            max_attempts: 5,
            base: Duration::from_millis(10),
            cap: Duration::from_millis(100),
        };
        for attempt in 1..30 {
            let d = b.delay(attempt);
            let ceiling = Duration::from_millis(10 * 2_u64.pow(attempt.min(20))).min(b.cap);
            assert!(d <= ceiling, "attempt {attempt}: {d:?} > {ceiling:?}");
        }
        let distinct: std::collections::BTreeSet<_> = (0..50).map(|_| b.delay(3)).collect();
        assert!(distinct.len() > 10, "jittered");
    }
}
