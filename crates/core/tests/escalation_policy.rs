//! The policy's optional `escalation` block (grey-zone escalation to Bedrock
//! Guardrails, done by the prompt-preprocessor): parsing, defaults, validation.

use gatehouse_core::policy::{DEFAULT_POLICY_YAML, OnUnreachable};
use gatehouse_core::{Policy, PolicyError};

fn with(block: &str) -> Result<Policy, PolicyError> {
    Policy::from_yaml(&format!("{DEFAULT_POLICY_YAML}\n{block}\n"))
}

#[test]
fn the_default_policy_does_not_escalate() {
    let p = Policy::embedded_default().unwrap_or_else(|e| unreachable!("{e}"));
    assert!(p.escalation.is_none());
}

#[test]
fn escalation_parses_with_review_by_default() {
    let p =
        with("escalation: { guardrail_id: abc123, guardrail_version: \"2\", low: 0.3, high: 0.9 }")
            .unwrap_or_else(|e| unreachable!("{e}"));
    let e = p.escalation.unwrap_or_else(|| unreachable!());
    assert_eq!((e.low, e.high), (0.3, 0.9));
    assert_eq!(e.on_unreachable, OnUnreachable::Review);
    let p = with("escalation: { guardrail_id: a, guardrail_version: DRAFT, low: 0, high: 1, on_unreachable: deny }")
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        p.escalation.map(|e| e.on_unreachable),
        Some(OnUnreachable::Deny)
    );
}

#[test]
fn bad_escalation_blocks_are_errors_with_a_path() {
    let cases = [
        (
            "escalation: { guardrail_id: a, guardrail_version: \"1\", low: 0.6, high: 0.3 }",
            "escalation",
        ),
        (
            "escalation: { guardrail_id: a, guardrail_version: \"1\", low: 0.2, high: 1.5 }",
            "escalation",
        ),
        (
            "escalation: { guardrail_id: \"\", guardrail_version: \"1\", low: 0.2, high: 0.5 }",
            "escalation",
        ),
        (
            "escalation: { guardrail_id: a, guardrail_version: \"1\", low: 0.2, high: 0.5, timeout: 3 }",
            "escalation.timeout",
        ),
        (
            "escalation: { guardrail_id: a, guardrail_version: \"1\", low: 0.2, high: 0.5, on_unreachable: retry }",
            "escalation.on_unreachable",
        ),
    ];
    for (block, want) in cases {
        match with(block) {
            Err(PolicyError::Invalid { path, .. }) => assert_eq!(path, want, "{block}"),
            other => unreachable!("{block}: {other:?}"),
        }
    }
}
