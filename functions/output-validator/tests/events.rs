//! The events/ files, run through the real handler in-process.
//!
//! Some output rules (leak, exfiltration, schema, confidence, tool policy) live in the
//! core's default policy only once the output rules are merged: a case that needs a
//! rule the embedded policy lacks checks only that the handler answers.

use gatehouse_core::{Decision, Guard, RedactionMap};
use gatehouse_runtime::seal::{SealKey, seal};
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use output_validator::{Deps, REFUSAL, REVIEW_NOTICE, ValidatorResponse, handle};
use serde_json::Value;

macro_rules! event {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../../events/output-validator/", $name, ".json")),
        )
    };
}

fn deps(key: Option<SealKey>) -> Deps {
    let guard = Guard::embedded_default().unwrap_or_else(|e| unreachable!("{e}"));
    Deps {
        guard,
        key,
        refusal: REFUSAL.to_owned(),
    }
}

fn has_rule(d: &Deps, id: &str) -> bool {
    d.guard
        .policy()
        .stages
        .output
        .rules
        .iter()
        .any(|r| r.id == id)
}

async fn run(d: &Deps, event: &str) -> Result<ValidatorResponse, Diagnostic> {
    let payload: Value = serde_json::from_str(event).map_err(|e| Diagnostic {
        error_type: "Json".into(),
        error_message: e.to_string(),
    })?;
    handle(d, LambdaEvent::new(payload, Context::default()))
        .await
        .map_err(Into::into)
}

#[tokio::test]
async fn native_events_table() {
    struct Case {
        event: (&'static str, &'static str),
        want: Decision,
        /// The rule the case needs in the policy, and a prefix of the rule that must fire.
        needs: Option<(&'static str, &'static str)>,
    }
    let cases = [
        Case {
            event: event!("clean"),
            want: Decision::Allow,
            needs: None,
        },
        Case {
            event: event!("flagged-input"),
            want: Decision::Review,
            needs: None,
        },
        Case {
            event: event!("leak"),
            want: Decision::Deny,
            needs: Some(("leak.secret", "leak.")),
        },
        Case {
            event: event!("exfil-image"),
            want: Decision::Deny,
            needs: Some(("exfil.image", "exfil.")),
        },
        Case {
            event: event!("schema-failure"),
            want: Decision::Deny,
            needs: Some(("schema.answer", "schema.")),
        },
        Case {
            event: event!("low-confidence"),
            want: Decision::Review,
            needs: Some(("confidence.low", "confidence.")),
        },
        Case {
            event: event!("high-risk-tool"),
            want: Decision::Review,
            needs: Some(("tool.needs_review", "tool.")),
        },
    ];
    let d = deps(None);
    for c in cases {
        let (name, text) = c.event;
        let out = match run(&d, text).await {
            Ok(ValidatorResponse::Native(out)) => out,
            other => unreachable!("{name}: {other:?}"),
        };
        if let Some((rule, prefix)) = c.needs {
            if !has_rule(&d, rule) {
                eprintln!("{name}: policy has no `{rule}` yet; checked only that it answers");
                continue;
            }
            assert!(
                out.findings.iter().any(|f| f.rule.starts_with(prefix)),
                "{name}: {:?}",
                out.findings
            );
        }
        assert_eq!(out.decision, c.want, "{name}: {:?}", out.findings);
        assert_eq!(out.blocked, c.want == Decision::Deny, "{name}");
        assert_eq!(out.deliver, c.want.is_allowed(), "{name}");
        if c.want == Decision::Deny {
            assert_eq!(
                out.completion, REFUSAL,
                "{name}: a blocked answer is replaced"
            );
        }
        let json = serde_json::to_string(&out).unwrap_or_default();
        assert!(
            !json.contains("ZETA-4417-QX"),
            "{name}: a leaked secret is not echoed: {json}"
        );
    }
}

#[tokio::test]
async fn parser_post_processing_answers_in_parser_format() {
    let d = deps(None);
    let (_, text) = event!("parser-post-processing");
    let out = run(&d, text)
        .await
        .unwrap_or_else(|e| unreachable!("{e:?}"));
    let json = serde_json::to_value(&out).unwrap_or_default();
    assert_eq!(json["messageVersion"], "1.0");
    assert_eq!(json["promptType"], "POST_PROCESSING");
    assert_eq!(
        json["postProcessingParsedResponse"]["responseText"],
        "Your order ord-1001 left our Leeds depot on 14 March and should arrive on 16 March."
    );
}

#[tokio::test]
async fn parser_exfil_answer_is_replaced_by_refusal() {
    let d = deps(None);
    if !has_rule(&d, "exfil.image") {
        eprintln!("policy has no `exfil.image` yet");
        return;
    }
    let (_, text) = event!("parser-post-processing-exfil");
    let out = run(&d, text)
        .await
        .unwrap_or_else(|e| unreachable!("{e:?}"));
    let json = serde_json::to_value(&out).unwrap_or_default();
    let answer = json["postProcessingParsedResponse"]["responseText"]
        .as_str()
        .unwrap_or_default();
    assert!(answer == REFUSAL || answer == REVIEW_NOTICE, "{answer}");
}

#[tokio::test]
async fn bad_events_are_clear_errors() {
    let d = deps(None);
    let cases = [
        (event!("malformed").1, "invalid event at `tool_calls[0]`"),
        (
            event!("parser-orchestration").1,
            "invalid event at `promptType`",
        ),
        (
            r#"{"completion": "x", "session_id": "s"}"#,
            "invalid event at `principal_id`",
        ),
        (
            r#"{"completion": "x", "session_id": "s", "principal_id": "p", "input_decision": "maybe"}"#,
            "`input_decision`",
        ),
    ];
    for (event, msg) in cases {
        let err = run(&d, event)
            .await
            .err()
            .unwrap_or_else(|| unreachable!("{event} must fail"));
        assert_eq!(err.error_type, "InvalidEvent");
        assert!(err.error_message.contains(msg), "{}", err.error_message);
    }
}

#[tokio::test]
async fn allowed_answer_gets_the_prompt_values_back() {
    // Given the pre-processor sealed `<EMAIL_1>` for this request
    let key = SealKey::generate().unwrap_or_else(|e| unreachable!("{e}"));
    let map =
        RedactionMap::from_pairs([("<EMAIL_1>".to_owned(), "ana.lopez@example.com".to_owned())]);
    let sealed = seal(&map, &key, "req-r-1", "sess-r-1").unwrap_or_else(|e| unreachable!("{e}"));
    let ev = serde_json::json!({
        "completion": "I will send the invoice to <EMAIL_1> today.",
        "session_id": "sess-r-1", "principal_id": "p", "request_id": "req-r-1",
        "redaction": sealed,
    });
    // When the answer is validated by a function holding the key
    let d = deps(Some(key));
    let out = run(&d, &ev.to_string())
        .await
        .unwrap_or_else(|e| unreachable!("{e:?}"));
    // Then the value is restored in the allowed answer
    let ValidatorResponse::Native(out) = out else {
        unreachable!()
    };
    assert!(out.decision.is_allowed());
    assert!(out.restored);
    assert_eq!(
        out.completion,
        "I will send the invoice to ana.lopez@example.com today."
    );

    // And a map sealed for another request does not open: placeholders stay
    let mut other = ev.clone();
    other["request_id"] = "req-r-2".into();
    let Ok(ValidatorResponse::Native(out)) = run(&d, &other.to_string()).await else {
        unreachable!()
    };
    assert!(!out.restored && out.completion.contains("<EMAIL_1>") && !out.errors.is_empty());
}

#[tokio::test]
async fn denied_prompt_denies_the_answer() {
    let d = deps(None);
    let mut ev: Value = serde_json::from_str(event!("clean").1).unwrap_or_default();
    ev["input_decision"] = "deny".into();
    let Ok(ValidatorResponse::Native(out)) = run(&d, &ev.to_string()).await else {
        unreachable!()
    };
    assert_eq!(out.decision, Decision::Deny);
    assert!(out.blocked);
}

#[tokio::test]
async fn shadow_decision_is_returned_not_enforced() {
    // Given a policy whose shadow would deny every answer
    let mut policy =
        gatehouse_core::Policy::embedded_default().unwrap_or_else(|e| unreachable!("{e}"));
    let all =
        "{ rules: [ { id: shadow.all, action: deny, check: { type: regex, pattern: '(?s).' } } ] }";
    let shadow = gatehouse_core::Policy::from_yaml(&format!(
        "version: 1\nstages: {{ prompt: {all}, untrusted: {all}, output: {all} }}\n"
    ))
    .unwrap_or_else(|e| unreachable!("{e}"));
    policy.shadow = Some(Box::new(shadow));
    let d = Deps {
        guard: Guard::new(&policy).unwrap_or_else(|e| unreachable!("{e}")),
        key: None,
        refusal: REFUSAL.to_owned(),
    };
    // When a clean answer is validated
    let Ok(ValidatorResponse::Native(out)) = run(
        &d,
        include_str!("../../../events/output-validator/clean.json"),
    )
    .await
    else {
        unreachable!("clean event answers natively")
    };
    // Then it is delivered, and the shadow's deny is only recorded
    assert_eq!(out.decision, Decision::Allow, "{:?}", out.findings);
    assert!(!out.blocked);
    assert_eq!(out.shadow_decision, Some(Decision::Deny));
    let json = serde_json::to_value(&out).unwrap_or_default();
    assert_eq!(json["shadow_decision"], "deny");
}
