//! # gatehouse-runtime
//!
//! The wiring every Gatehouse Lambda binary shares, so each `main.rs` stays a few lines:
//!
//! - [`init_tracing`]: JSON logs on stderr, level from `GATEHOUSE_LOG` or `RUST_LOG`
//!   (default `info`). Functions log lengths, hashes and rule ids, never prompt text.
//! - [`region::check`]: data residency. `ALLOWED_REGIONS` (comma list) against
//!   `AWS_REGION`; a function refuses to start outside the list. **Fail closed**: when
//!   `ALLOWED_REGIONS` is unset the function refuses to start too; set
//!   `ALLOWED_REGIONS=*` to opt out explicitly (local experiments only).
//! - [`policy::load_guard`]: the policy, compiled once per cold start, from
//!   `GATEHOUSE_POLICY` (a file path, or the policy itself inline when the value starts
//!   with `{` or contains a newline), else the policy embedded in `gatehouse-core`.
//! - [`FunctionError`] and [`diagnostic`]: typed errors mapped to a
//!   `lambda_runtime::Diagnostic` whose `errorType` says what went wrong.
//! - [`limits`]: request-size guards and event parsing with the path of a bad field.
//! - [`seal`]: the reversible redaction map, sealed with AES-256-GCM (never in clear).
//! - [`redaction_key`]: its key at cold start, from a Secrets Manager secret when
//!   deployed, from `GATEHOUSE_REDACTION_KEY` in local runs.
//!
//! ```
//! use gatehouse_runtime::region;
//!
//! let env = |name: &str| match name {
//!     "ALLOWED_REGIONS" => Some("eu-west-1, eu-central-1".to_owned()),
//!     "AWS_REGION" => Some("eu-west-1".to_owned()),
//!     _ => None,
//! };
//! assert_eq!(region::check_with(env)?, "eu-west-1");
//! # Ok::<(), gatehouse_runtime::StartupError>(())
//! ```

mod error;
pub mod finding;
pub mod limits;
pub mod policy;
pub mod redaction_key;
pub mod region;
pub mod seal;
mod tracing_init;

pub use error::{ErrorKind, FunctionError, StartupError, diagnostic};
pub use tracing_init::init_tracing;

/// Reads an environment variable, treating an empty value as unset.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
