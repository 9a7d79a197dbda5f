//! The events/ files, run through the real handler in-process.

use gatehouse_core::spotlight::Mode;
use gatehouse_core::{Decision, Guard, Policy};
use gatehouse_runtime::seal::{SealKey, unseal};
use lambda_runtime::{Context, LambdaEvent};
use prompt_preprocessor::{Boundaries, Deps, PreprocessResponse, handle};
use serde_json::Value;

const BENIGN: &str = include_str!("../../../events/prompt-preprocessor/benign.json");
const INJECTION: &str = include_str!("../../../events/prompt-preprocessor/injection.json");
const PII: &str = include_str!("../../../events/prompt-preprocessor/pii-redact.json");
const UNTRUSTED: &str =
    include_str!("../../../events/prompt-preprocessor/untrusted-tool-output.json");
const MALFORMED: &str = include_str!("../../../events/prompt-preprocessor/malformed.json");
const NO_PRINCIPAL: &str =
    include_str!("../../../events/prompt-preprocessor/missing-principal.json");

/// A fixed boundary, so outputs are predictable.
struct Fixed;
impl Boundaries for Fixed {
    fn boundary(&self) -> Result<String, String> {
        Ok("b0undary42".into())
    }
}

/// No randomness at all: the handler must fail closed.
struct Broken;
impl Boundaries for Broken {
    fn boundary(&self) -> Result<String, String> {
        Err("entropy source unavailable".into())
    }
}

fn deps(guard: Guard, key: Option<SealKey>) -> Deps {
    Deps {
        guard,
        key,
        random: Box::new(Fixed),
        mode: Mode::Datamark,
        escalator: None,
        session: None,
    }
}

fn default_deps() -> Deps {
    let guard = Guard::embedded_default();
    assert!(guard.is_ok(), "default policy compiles");
    deps(
        guard.unwrap_or_else(|_| unreachable!()),
        SealKey::generate().ok(),
    )
}

fn has_rule(guard: &Guard, id: &str) -> bool {
    guard
        .policy()
        .stages
        .prompt
        .rules
        .iter()
        .any(|r| r.id == id)
}

async fn run(deps: &Deps, event: &str) -> Result<PreprocessResponse, lambda_runtime::Diagnostic> {
    let payload: Value = serde_json::from_str(event).map_err(|e| lambda_runtime::Diagnostic {
        error_type: "Json".into(),
        error_message: e.to_string(),
    })?;
    handle(deps, LambdaEvent::new(payload, Context::default()))
        .await
        .map_err(Into::into)
}

#[tokio::test]
async fn benign_prompt_is_allowed_unchanged() {
    // Given a plain order question
    let d = default_deps();
    let out = run(&d, BENIGN).await;
    // Then it passes unchanged, with the ids echoed
    let out = out.unwrap_or_else(|e| unreachable!("{e:?}"));
    assert_eq!(out.decision, Decision::Allow, "{:?}", out.findings);
    assert!(
        out.prompt
            .as_deref()
            .is_some_and(|p| p.starts_with("Hi, where is my order ord-1001?"))
    );
    assert_eq!(out.request_id, "req-benign-1");
    assert!(out.redaction.is_none() && out.spotlight.is_none());
}

#[tokio::test]
async fn injection_is_denied_and_not_forwarded() {
    let d = default_deps();
    let out = run(&d, INJECTION)
        .await
        .unwrap_or_else(|e| unreachable!("{e:?}"));
    assert_eq!(out.decision, Decision::Deny);
    assert!(out.prompt.is_none(), "a denied prompt is never forwarded");
    assert!(
        out.findings
            .iter()
            .any(|f| f.rule.starts_with("injection.") && f.input.as_deref() == Some("prompt"))
    );
    let json = serde_json::to_value(&out).unwrap_or_default();
    assert_eq!(json["findings"][0]["input"], "prompt");
    for key in ["rule", "category", "severity", "start", "end"] {
        assert!(
            json["findings"][0].get(key).is_some(),
            "finding has `{key}`"
        );
    }
}

#[tokio::test]
async fn indirect_injection_in_tool_output_is_denied() {
    let d = default_deps();
    let out = run(&d, UNTRUSTED)
        .await
        .unwrap_or_else(|e| unreachable!("{e:?}"));
    assert_eq!(out.decision, Decision::Deny);
    assert!(
        out.findings
            .iter()
            .any(|f| f.input.as_deref() == Some("untrusted[1]")),
        "{:?}",
        out.findings
    );
    assert!(
        !out.findings
            .iter()
            .any(|f| f.input.as_deref() == Some("untrusted[0]")),
        "the plain delivery note is clean"
    );
    assert!(out.prompt.is_none());
}

#[tokio::test]
async fn clean_untrusted_text_is_spotlighted() {
    // Given the same request without the poisoned comment
    let mut ev: Value = serde_json::from_str(UNTRUSTED).unwrap_or_default();
    if let Some(list) = ev["untrusted"].as_array_mut() {
        list.truncate(1);
    }
    let d = default_deps();
    let out = run(&d, &ev.to_string())
        .await
        .unwrap_or_else(|e| unreachable!("{e:?}"));
    // Then the tool text reaches the agent only inside markers, datamarked
    assert_eq!(out.decision, Decision::Allow, "{:?}", out.findings);
    let prompt = out.prompt.unwrap_or_default();
    assert!(prompt.starts_with(
        "Summarise the latest delivery note for my order ord-1001.\n\n<<untrusted b0undary42 #0>>\n"
    ));
    assert!(prompt.contains("Delivery^note:^parcel^left^the^Leeds^depot"));
    assert!(prompt.ends_with("<<end untrusted b0undary42 #0>>"));
    assert!(
        out.spotlight
            .is_some_and(|s| s.boundary == "b0undary42" && s.instructions.contains("never follow"))
    );
}

#[tokio::test]
async fn pii_event_with_default_policy() {
    let d = default_deps();
    let out = run(&d, PII).await.unwrap_or_else(|e| unreachable!("{e:?}"));
    if has_rule(&d.guard, "pii.email") {
        // With the core's PII rules: redacted, and the map only sealed
        assert_eq!(out.decision, Decision::Redact);
        let json = serde_json::to_string(&out).unwrap_or_default();
        assert!(
            !json.contains("ana.lopez@example.com"),
            "no clear PII anywhere in the response"
        );
        assert!(out.redaction.is_some());
    } else {
        // Before the PII rules exist, nothing to redact
        assert!(out.decision.is_allowed());
    }
}

/// A policy whose only prompt rule redacts a known value: exercises redaction,
/// placeholder merging and sealing whatever rules the core ships.
fn redacting_policy() -> Guard {
    let yaml = r#"
version: 1
stages:
  prompt:
    rules:
      - { id: test.email, action: redact, check: { type: phrases, phrases: ["ana.lopez@example.com"] } }
  untrusted:
    rules:
      - { id: test.email, action: redact, check: { type: phrases, phrases: ["ana.lopez@example.com"] } }
  output: { rules: [] }
"#;
    let policy = Policy::from_yaml(yaml);
    assert!(policy.is_ok(), "{policy:?}");
    let guard = policy.and_then(|p| Guard::new(&p));
    guard.unwrap_or_else(|e| unreachable!("{e}"))
}

#[tokio::test]
async fn redaction_map_is_sealed_and_restores_after_inference() {
    // Given a redacting policy and a key
    let key = SealKey::generate().unwrap_or_else(|e| unreachable!("{e}"));
    let d = deps(redacting_policy(), Some(key.clone()));
    let mut ev: Value = serde_json::from_str(PII).unwrap_or_default();
    ev["untrusted"] =
        serde_json::json!(["CRM note: customer ana.lopez@example.com prefers email."]);
    // When the request is pre-processed
    let out = run(&d, &ev.to_string())
        .await
        .unwrap_or_else(|e| unreachable!("{e:?}"));
    // Then the value is nowhere in clear
    assert_eq!(out.decision, Decision::Redact);
    let json = serde_json::to_string(&out).unwrap_or_default();
    assert!(!json.contains("ana.lopez@example.com"), "{json}");
    let prompt = out.prompt.clone().unwrap_or_default();
    let placeholders: Vec<&str> = prompt.matches("<REDACTED_1>").collect();
    assert_eq!(
        placeholders.len(),
        2,
        "one value, one placeholder in prompt and tool text: {prompt}"
    );
    // And the holder of the key restores it in the answer
    let sealed = out.redaction.unwrap_or_else(|| unreachable!());
    let map = unseal(&sealed, &key, &out.request_id, &out.session_id)
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        map.restore("I sent it to <REDACTED_1>."),
        "I sent it to ana.lopez@example.com."
    );
}

#[tokio::test]
async fn without_a_key_the_map_is_dropped() {
    let d = deps(redacting_policy(), None);
    let out = run(&d, PII).await.unwrap_or_else(|e| unreachable!("{e:?}"));
    assert_eq!(out.decision, Decision::Redact);
    assert!(out.redaction.is_none());
    assert!(!out.prompt.unwrap_or_default().contains("ana.lopez"));
}

#[tokio::test]
async fn no_randomness_fails_closed() {
    let mut d = default_deps();
    d.random = Box::new(Broken);
    let mut ev: Value = serde_json::from_str(UNTRUSTED).unwrap_or_default();
    ev["untrusted"] = serde_json::json!(["a harmless note"]);
    let out = run(&d, &ev.to_string())
        .await
        .unwrap_or_else(|e| unreachable!("{e:?}"));
    assert_eq!(out.decision, Decision::Deny);
    assert!(out.prompt.is_none() && !out.errors.is_empty());
}

#[tokio::test]
async fn malformed_and_anonymous_events_are_clear_errors() {
    let d = default_deps();
    let cases = [
        (MALFORMED, "InvalidEvent", "invalid event at `prompt`"),
        (
            NO_PRINCIPAL,
            "InvalidEvent",
            "invalid event at `principal_id`",
        ),
        (
            r#"{"prompt": "x", "session_id": "s", "principal_id": "p", "untrusted_text": []}"#,
            "InvalidEvent",
            "unknown field `untrusted_text`",
        ),
    ];
    for (event, ty, msg) in cases {
        let err = run(&d, event)
            .await
            .err()
            .unwrap_or_else(|| unreachable!("{event} must fail"));
        assert_eq!(err.error_type, ty);
        assert!(err.error_message.contains(msg), "{}", err.error_message);
    }
}

#[tokio::test]
async fn oversized_request_is_refused() {
    let d = default_deps();
    let ev = serde_json::json!({"prompt": "a".repeat(600 * 1024), "session_id": "s", "principal_id": "p"});
    let err = run(&d, &ev.to_string())
        .await
        .err()
        .unwrap_or_else(|| unreachable!());
    assert_eq!(err.error_type, "RequestTooLarge");
}

/// Thousands of e-mail addresses over the prompt and five untrusted texts: every one is
/// redacted, and the findings in the response are capped (the count of the rest is
/// given), so the response stays small enough for a state machine's payload.
#[tokio::test]
async fn many_findings_are_capped_and_all_values_redacted() {
    // Only the e-mail rule: the classifier reads long address lists as suspicious.
    let email = "{ rules: [ { id: pii.email, action: redact, check: { type: email } } ] }";
    let policy = Policy::from_yaml(&format!(
        "version: 1\nstages: {{ prompt: {email}, untrusted: {email}, output: {{ rules: [] }} }}\n"
    ))
    .unwrap_or_else(|e| unreachable!("{e}"));
    let d = deps(
        Guard::new(&policy).unwrap_or_else(|e| unreachable!("{e}")),
        SealKey::generate().ok(),
    );
    let emails = |tag: &str| -> String {
        (0..150)
            .map(|i| format!("{tag}{i}@example.com "))
            .collect::<String>()
    };
    let untrusted = ["q", "r", "s", "t", "u"].map(emails);
    let ev = serde_json::json!({
        "prompt": format!("Please update these contacts: {}", emails("p")),
        "untrusted": untrusted,
        "session_id": "s",
        "principal_id": "p",
    });
    let out = run(&d, &ev.to_string())
        .await
        .unwrap_or_else(|e| unreachable!("{e:?}"));
    assert!(out.decision.is_allowed(), "{:?}", out.decision);
    let prompt = out.prompt.clone().unwrap_or_default();
    assert!(
        !prompt.contains("@example.com"),
        "an address was not redacted"
    );
    assert!(
        out.findings.len() <= gatehouse_core::MAX_FINDINGS,
        "{} findings",
        out.findings.len()
    );
    // Six texts of 16 kept each would be 96: the merged list is capped again.
    assert_eq!(out.findings.len() + out.findings_omitted, 900);
    let findings = serde_json::to_string(&out.findings).unwrap_or_default();
    assert!(
        findings.len() < 32 * 1024,
        "{} bytes of findings",
        findings.len()
    );
}

/// A prompt the agent could not take (over InvokeAgent's 25,000 characters, untrusted
/// texts included) is denied with a finding, not sent on.
#[tokio::test]
async fn a_prompt_too_long_for_the_agent_is_denied() {
    let d = default_deps();
    let words = "The parcel left the depot on Friday and should arrive on Monday. ";
    // (prompt, untrusted, denied)
    let table = [
        (words.repeat(300), vec![], false),
        (words.repeat(400), vec![], true),
        (words.repeat(200), vec![words.repeat(200)], true),
    ];
    for (prompt, untrusted, denied) in table {
        let ev = serde_json::json!({
            "prompt": prompt, "untrusted": untrusted, "session_id": "s", "principal_id": "p",
        });
        let out = run(&d, &ev.to_string())
            .await
            .unwrap_or_else(|e| unreachable!("{e:?}"));
        let limit = out.findings.iter().any(|f| f.rule == "limit.agent_input");
        assert_eq!(
            (limit, out.decision == Decision::Deny),
            (denied, denied),
            "{}",
            prompt.len()
        );
        assert_eq!(out.prompt.is_none(), denied);
        assert_eq!(out.score >= 1.0, denied, "{}", out.score);
    }
}

/// The default policy with a shadow that would deny every text.
fn shadowed_default() -> Guard {
    let mut policy = Policy::embedded_default().unwrap_or_else(|e| unreachable!("{e}"));
    let all =
        "{ rules: [ { id: shadow.all, action: deny, check: { type: regex, pattern: '(?s).' } } ] }";
    let shadow = Policy::from_yaml(&format!(
        "version: 1\nstages: {{ prompt: {all}, untrusted: {all}, output: {all} }}\n"
    ))
    .unwrap_or_else(|e| unreachable!("{e}"));
    policy.shadow = Some(Box::new(shadow));
    Guard::new(&policy).unwrap_or_else(|e| unreachable!("{e}"))
}

#[tokio::test]
async fn shadow_decision_is_returned_not_enforced() {
    // Given a policy whose shadow would deny everything
    let d = deps(shadowed_default(), None);
    let out = run(&d, BENIGN)
        .await
        .unwrap_or_else(|e| unreachable!("{e:?}"));
    // Then the benign prompt still goes through, and the shadow's deny is recorded
    assert_eq!(out.decision, Decision::Allow, "{:?}", out.findings);
    assert!(out.prompt.is_some());
    assert_eq!(out.shadow_decision, Some(Decision::Deny));
    let json = serde_json::to_value(&out).unwrap_or_default();
    assert_eq!(json["shadow_decision"], "deny");
    // And without a shadow there is no such field
    let plain = run(&default_deps(), BENIGN)
        .await
        .unwrap_or_else(|e| unreachable!("{e:?}"));
    assert_eq!(plain.shadow_decision, None);
    let json = serde_json::to_value(&plain).unwrap_or_default();
    assert!(json.get("shadow_decision").is_none());
}
