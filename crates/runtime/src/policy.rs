//! Loading and compiling the policy once per cold start.

use std::path::Path;

use gatehouse_core::{Guard, Policy};

use crate::StartupError;

/// Where the policy came from, for the start-up log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// The policy embedded in `gatehouse-core`.
    Embedded,
    /// `GATEHOUSE_POLICY` held the policy itself.
    Inline,
    /// `GATEHOUSE_POLICY` named this file.
    File(String),
}

/// Compiles the policy named by `GATEHOUSE_POLICY` (see [`load_guard_from`]).
pub fn load_guard() -> Result<(Guard, PolicySource), StartupError> {
    load_guard_from(crate::env_var("GATEHOUSE_POLICY").as_deref())
}

/// Compiles a policy: `None` → the embedded default; a value starting with `{` or
/// containing a newline → the policy inline (JSON or YAML); anything else → a file path.
pub fn load_guard_from(setting: Option<&str>) -> Result<(Guard, PolicySource), StartupError> {
    let (policy, source) = match setting {
        None => (Policy::embedded_default()?, PolicySource::Embedded),
        Some(text) if text.trim_start().starts_with('{') || text.contains('\n') => {
            (Policy::from_yaml(text)?, PolicySource::Inline)
        }
        Some(path) => (
            Policy::from_file(Path::new(path))?,
            PolicySource::File(path.to_owned()),
        ),
    };
    Ok((Guard::new(&policy)?, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_inline_and_missing_file() {
        assert!(matches!(
            load_guard_from(None),
            Ok((_, PolicySource::Embedded))
        ));
        let inline = r#"{"version": 1, "stages": {"prompt": {"rules": []}, "untrusted": {"rules": []}, "output": {"rules": []}}}"#;
        assert!(matches!(
            load_guard_from(Some(inline)),
            Ok((_, PolicySource::Inline))
        ));
        let err = load_guard_from(Some("/nonexistent/policy.yaml"))
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| {
            e.starts_with("policy: cannot read policy `/nonexistent/policy.yaml`")
        }));
        let bad = "{\"version\": 2}";
        assert!(load_guard_from(Some(bad)).is_err());
    }
}
