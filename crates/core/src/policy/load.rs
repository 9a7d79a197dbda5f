//! Parsing a policy from YAML, JSON or a file, with the path of any bad field.

use std::path::Path;

use super::Policy;
use crate::PolicyError;

/// The default policy shipped in the crate.
pub const DEFAULT_POLICY_YAML: &str = include_str!("default.yaml");

impl Policy {
    /// Parses a YAML policy (JSON is valid YAML too).
    pub fn from_yaml(text: &str) -> Result<Policy, PolicyError> {
        let de = serde_yaml::Deserializer::from_str(text);
        let policy: Policy = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            PolicyError::Invalid {
                path,
                message: clean(e.into_inner().to_string()),
            }
        })?;
        policy.validate_all()?;
        Ok(policy)
    }

    /// Parses a JSON policy.
    pub fn from_json(text: &str) -> Result<Policy, PolicyError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let policy: Policy = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            PolicyError::Invalid {
                path,
                message: clean(e.into_inner().to_string()),
            }
        })?;
        policy.validate_all()?;
        Ok(policy)
    }

    /// Reads a policy file; `.json` files are parsed as JSON, anything else as YAML.
    pub fn from_file(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|error| PolicyError::Io {
            path: path.display().to_string(),
            error,
        })?;

        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            Policy::from_json(&text)
        } else {
            Policy::from_yaml(&text)
        }
    }

    /// Validates the policy and its shadow, if any; errors in the shadow are reported
    /// under `shadow.`.
    fn validate_all(&self) -> Result<(), PolicyError> {
        self.validate()?;
        if let Some(shadow) = &self.shadow {
            check_shadow(shadow)?;
            shadow.validate().map_err(|e| match e {
                PolicyError::Invalid { path, message } => PolicyError::Invalid {
                    path: format!("shadow.{path}"),
                    message,
                },
                other => other,
            })?;
        }
        Ok(())
    }

    /// Checks what serde cannot: version, id uniqueness, score and threshold ranges.
    fn validate(&self) -> Result<(), PolicyError> {
        if self.version != 1 {
            return Err(invalid(
                "version",
                format!("unsupported version `{}` (expected 1)", self.version),
            ));
        }
        if self.require_role && self.roles.is_empty() {
            return Err(invalid(
                "require_role",
                "a policy that requires a role must define at least one under `roles`".into(),
            ));
        }
        for stage in super::Stage::ALL {
            let sp = self.stages.get(stage);
            let base = format!("stages.{stage}");
            check_thresholds(&format!("{base}.thresholds"), &sp.thresholds)?;
            let mut seen = std::collections::BTreeSet::new();
            for (i, rule) in sp.rules.iter().enumerate() {
                let path = format!("{base}.rules[{i}]");
                if rule.id.trim().is_empty() {
                    return Err(invalid(
                        &format!("{path}.id"),
                        "rule id must not be empty".into(),
                    ));
                }
                if !seen.insert(rule.id.as_str()) {
                    return Err(invalid(
                        &format!("{path}.id"),
                        format!("duplicate rule id `{}`", rule.id),
                    ));
                }
                if let Some(score) = rule.score
                    && !(0.0..=1.0).contains(&score)
                {
                    return Err(invalid(
                        &format!("{path}.score"),
                        format!("score `{score}` is outside 0..=1"),
                    ));
                }
            }
        }
        if let Some(e) = &self.escalation {
            if e.guardrail_id.trim().is_empty() || e.guardrail_version.trim().is_empty() {
                return Err(invalid(
                    "escalation",
                    "guardrail_id and guardrail_version must not be empty".into(),
                ));
            }
            if !(0.0..=1.0).contains(&e.low) || !(0.0..=1.0).contains(&e.high) || e.low >= e.high {
                return Err(invalid(
                    "escalation",
                    format!(
                        "need 0 <= low < high <= 1 (got low `{}`, high `{}`)",
                        e.low, e.high
                    ),
                ));
            }
        }
        if let Some(s) = &self.session {
            if s.hold_flags_after == 0 {
                return Err(invalid(
                    "session.hold_flags_after",
                    "must be at least 1".into(),
                ));
            }
            let window = super::MIN_SESSION_WINDOW_SECONDS..=super::MAX_SESSION_WINDOW_SECONDS;
            if !window.contains(&s.window_seconds) {
                return Err(invalid(
                    "session.window_seconds",
                    format!(
                        "`{}` is outside {}..={}",
                        s.window_seconds,
                        window.start(),
                        window.end()
                    ),
                ));
            }
        }
        for (role, ov) in &self.roles {
            for (stage, t) in &ov.thresholds {
                check_thresholds(&format!("roles.{role}.thresholds.{stage}"), t)?;
            }
            for id in &ov.disable_rules {
                let known = super::Stage::ALL
                    .iter()
                    .any(|s| self.stages.get(*s).rules.iter().any(|r| &r.id == id));
                if !known {
                    return Err(invalid(
                        &format!("roles.{role}.disable_rules"),
                        format!("unknown rule id `{id}`"),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn check_thresholds(path: &str, t: &super::Thresholds) -> Result<(), PolicyError> {
    for (name, v) in [("flag", t.flag), ("review", t.review), ("deny", t.deny)] {
        if let Some(v) = v
            && !(0.0..=1.0).contains(&v)
        {
            return Err(invalid(
                &format!("{path}.{name}"),
                format!("threshold `{v}` is outside 0..=1"),
            ));
        }
    }
    let ordered = |a: Option<f32>, b: Option<f32>| match (a, b) {
        (Some(a), Some(b)) => a <= b,
        _ => true,
    };
    if !(ordered(t.flag, t.review) && ordered(t.review, t.deny) && ordered(t.flag, t.deny)) {
        return Err(invalid(
            path,
            "thresholds must satisfy flag <= review <= deny".into(),
        ));
    }
    Ok(())
}

/// Refuses what a shadow policy may hold in the format but could never apply: a
/// shadow of its own, and the blocks the functions act on for the enforced policy only
/// (`escalation`, `session`). Accepted, they would be silently ignored, and a team
/// trying out a guardrail or a session limit in shadow would read nothing into it.
pub(crate) fn check_shadow(shadow: &Policy) -> Result<(), PolicyError> {
    if shadow.shadow.is_some() {
        return Err(invalid(
            "shadow.shadow",
            "a shadow policy may not itself have a shadow".into(),
        ));
    }
    if shadow.escalation.is_some() {
        return Err(invalid(
            "shadow.escalation",
            "a shadow policy cannot escalate: only the enforced policy's grey zone is sent \
             to Bedrock Guardrails; move `escalation` to the top level"
                .into(),
        ));
    }
    if shadow.session.is_some() {
        return Err(invalid(
            "shadow.session",
            "a shadow policy cannot count sessions: only the enforced policy's stopped \
             prompts are counted; move `session` to the top level"
                .into(),
        ));
    }
    Ok(())
}

fn invalid(path: &str, message: String) -> PolicyError {
    PolicyError::Invalid {
        path: path.to_owned(),
        message,
    }
}

/// A serde message in our error style: serde_yaml starts it with its own idea of the
/// path (`stages.prompt.rules[0]: unknown field …`), which repeats the path the error
/// already names, so a path-like prefix (no spaces) goes; its trailing " at line N
/// column M" helps humans and stays; trailing periods go.
fn clean(message: String) -> String {
    let message = match message.split_once(": ") {
        Some((prefix, rest)) if !prefix.is_empty() && !prefix.contains(' ') => rest,
        _ => message.as_str(),
    };
    message.trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn serde_messages_lose_a_path_like_prefix_and_trailing_periods() {
        let cases = [
            (
                "stages.prompt.rules[0]: unknown field `x`",
                "unknown field `x`",
            ),
            (
                "unknown variant `regex`: expected one of",
                "unknown variant `regex`: expected one of",
            ),
            ("plain message.", "plain message"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input.to_owned()), want);
        }
    }
}
