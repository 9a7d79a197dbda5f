//! Shadow mode: a candidate policy runs beside the enforced one; its outcome is
//! recorded in `Verdict::shadow` and never changes the enforced decision.

use gatehouse_core::{Decision, Guard, Policy, PolicyError, ScanContext, ScanRequest, Stage};

/// A policy whose prompt stage denies `FORBIDDEN`, with `shadow` appended verbatim.
fn policy(prompt_rules: &str, shadow: &str) -> String {
    format!(
        "version: 1
stages:
  prompt:
    rules:
{prompt_rules}
  untrusted: {{ rules: [] }}
  output: {{ rules: [] }}
{shadow}"
    )
}

const STRICT: &str =
    "      - { id: t.word, action: deny, check: { type: regex, pattern: 'banana' } }";
const LAX: &str = "      - { id: t.word, action: flag, check: { type: regex, pattern: 'apple' } }";

fn shadow_of(rules: &str) -> String {
    format!(
        "shadow:
  version: 1
  stages:
    prompt:
      rules:
{}
    untrusted: {{ rules: [] }}
    output:
      rules:
        - {{ id: t.schema, action: flag, check: {{ type: json_schema }} }}
",
        rules
            .lines()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

fn scan(guard: &Guard, stage: Stage, text: &str, ctx: &ScanContext) -> gatehouse_core::Verdict {
    guard.scan(&ScanRequest {
        stage,
        text,
        role: None,
        ctx,
    })
}

#[test]
fn shadow_decision_is_recorded_not_enforced() {
    let p = Policy::from_yaml(&policy(LAX, &shadow_of(STRICT))).unwrap();
    let guard = Guard::new(&p).unwrap();
    let ctx = ScanContext::default();

    // The shadow would deny; the enforced policy allows, and allows it is.
    let v = scan(&guard, Stage::Prompt, "a banana split", &ctx);
    assert_eq!(v.decision, Decision::Allow);
    assert!(v.findings.is_empty());
    let s = v.shadow.as_ref().expect("shadow recorded");
    assert_eq!(s.decision, Decision::Deny);
    assert_eq!(s.rules, vec!["t.word".to_owned()]);
    assert!(s.errors.is_empty());

    // The other way round: enforced flag, shadow allow.
    let v = scan(&guard, Stage::Prompt, "an apple", &ctx);
    assert_eq!(v.decision, Decision::Flag);
    assert_eq!(v.shadow.as_ref().map(|s| s.decision), Some(Decision::Allow));

    // Serialised only when present.
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["shadow"]["decision"], "allow");
    let plain = Guard::new(&Policy::from_yaml(&policy(LAX, "")).unwrap()).unwrap();
    let v = scan(&plain, Stage::Prompt, "a banana split", &ctx);
    assert!(v.shadow.is_none());
    assert!(serde_json::to_value(&v).unwrap().get("shadow").is_none());
}

#[test]
fn failing_shadow_denies_in_shadow_only() {
    let p = Policy::from_yaml(&policy(LAX, &shadow_of(STRICT))).unwrap();
    let guard = Guard::new(&p).unwrap();
    // The shadow's json_schema rule errors on an unknown schema name.
    let ctx = ScanContext {
        schema: Some(serde_json::json!("no-such-schema")),
        ..ScanContext::default()
    };
    let v = scan(&guard, Stage::Output, "{}", &ctx);
    assert_eq!(v.decision, Decision::Allow);
    assert!(v.errors.is_empty());
    let s = v.shadow.expect("shadow recorded");
    assert_eq!(s.decision, Decision::Deny);
    assert!(
        s.errors.iter().any(|e| e.contains("no-such-schema")),
        "{s:?}"
    );
}

#[test]
fn bad_shadow_policy_names_shadow() {
    let cases = [
        // Schema error inside the shadow.
        (
            policy(LAX, "shadow:\n  version: 1\n  stagez: {}\n"),
            "shadow",
        ),
        // Validation error inside the shadow.
        (
            policy(LAX, &shadow_of(STRICT).replace("version: 1", "version: 2")),
            "shadow.version",
        ),
        // Compile error inside the shadow.
        (
            policy(LAX, &shadow_of(STRICT).replace("'banana'", "'('")),
            "shadow.stages.prompt.rules[0].check",
        ),
        // A shadow of a shadow.
        (
            policy(
                LAX,
                &format!(
                    "{}  shadow: {{ version: 1, stages: {{ prompt: {{ rules: [] }}, untrusted: {{ rules: [] }}, output: {{ rules: [] }} }} }}\n",
                    shadow_of(STRICT)
                ),
            ),
            "shadow.shadow",
        ),
        // Blocks only the enforced policy's functions act on: in a shadow they would
        // be silently ignored.
        (
            policy(
                LAX,
                &format!(
                    "{}  escalation: {{ guardrail_id: g1, guardrail_version: \"1\", low: 0.3, high: 0.9 }}\n",
                    shadow_of(STRICT)
                ),
            ),
            "shadow.escalation",
        ),
        (
            policy(
                LAX,
                &format!(
                    "{}  session: {{ hold_flags_after: 2, window_seconds: 3600 }}\n",
                    shadow_of(STRICT)
                ),
            ),
            "shadow.session",
        ),
    ];
    for (text, want) in cases {
        let err = match Policy::from_yaml(&text) {
            Err(e) => e,
            Ok(p) => Guard::new(&p).unwrap_err(),
        };
        let path = match &err {
            PolicyError::Invalid { path, .. } | PolicyError::Rule { path, .. } => path.clone(),
            other => panic!("unexpected error {other}"),
        };
        assert!(
            path.starts_with(want),
            "want `{want}`, got `{path}` ({err})"
        );
    }
}

#[test]
fn guard_refuses_nested_shadow_built_in_code() {
    let mut p = Policy::from_yaml(&policy(LAX, &shadow_of(STRICT))).unwrap();
    let inner = p.clone();
    if let Some(s) = p.shadow.as_mut() {
        s.shadow = Some(Box::new(inner));
    }
    let err = Guard::new(&p).unwrap_err();
    assert!(err.to_string().contains("shadow.shadow"), "{err}");
}

/// A policy built in code skips `Policy::from_yaml`'s validation: the guard refuses a
/// shadow's `escalation` and `session` blocks itself.
#[test]
fn guard_refuses_shadow_escalation_and_session_built_in_code() {
    let with_blocks = Policy::from_yaml(&policy(
        LAX,
        "escalation: { guardrail_id: g1, guardrail_version: \"1\", low: 0.3, high: 0.9 }\n\
         session: { hold_flags_after: 2, window_seconds: 3600 }\n",
    ))
    .unwrap();
    for (field, want) in [
        ("escalation", "shadow.escalation"),
        ("session", "shadow.session"),
    ] {
        let mut shadow = Policy::from_yaml(&policy(STRICT, "")).unwrap();
        match field {
            "escalation" => shadow.escalation.clone_from(&with_blocks.escalation),
            _ => shadow.session.clone_from(&with_blocks.session),
        }
        let mut p = Policy::from_yaml(&policy(LAX, "")).unwrap();
        p.shadow = Some(Box::new(shadow));
        let err = Guard::new(&p).unwrap_err();
        assert!(err.to_string().contains(want), "{field}: {err}");
    }
}
