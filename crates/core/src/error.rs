//! Typed errors of the core crate.

/// A policy that cannot be loaded or compiled. Each variant names where the problem is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The policy text is not valid YAML/JSON or does not match the schema.
    #[error("invalid policy at `{path}`: {message}")]
    Invalid {
        /// Path of the offending field, e.g. `stages.prompt.rules[3].check.type`.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// A rule is well-formed but cannot be compiled (bad regex, bad schema, …).
    #[error("rule `{rule}` at `{path}`: {message}")]
    Rule {
        /// The rule id.
        rule: String,
        /// Path of the rule in the policy.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The policy file could not be read. The message gives the reason only: callers
    /// name the file, as they do for the other variants (the I/O error is not also
    /// chained as a source, which would print it twice).
    #[error("cannot read the file: {error}")]
    Io {
        /// The file that could not be read.
        path: String,
        /// The underlying error.
        error: std::io::Error,
    },
}

/// A rule that failed while scanning. The guard turns it into a deny (fail closed).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);
