//! Output-stage rules, driven by the case files in `tests/cases/output/*.json`.
//!
//! Each file holds numbered cases (`secret-100`, `secret-200`, … so cases can be
//! inserted) with a `see` line for provenance: the output text, the request context
//! (secrets, schema, tool calls, input decision), the role, and the expected decision
//! and set of rule ids. Benign cases sit beside attack cases: a false alarm is a bug too.

use std::collections::BTreeSet;
use std::path::Path;

use gatehouse_core::{Decision, Guard, ScanContext, ScanRequest, Stage};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// Provenance: where the case comes from (`# See:` in other suites).
    see: String,
    text: String,
    #[serde(default)]
    context: ScanContext,
    #[serde(default)]
    role: Option<String>,
    decision: Decision,
    /// Every rule id expected among the findings (exactly this set).
    rules: Vec<String>,
}

#[test]
fn output_cases() {
    let guard = Guard::embedded_default().unwrap();
    let mut failures = Vec::new();
    let mut names = BTreeSet::new();
    let mut count = 0;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/output");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let cases: CaseFile =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for case in cases.cases {
            assert!(
                names.insert(case.name.clone()),
                "duplicate case name {}",
                case.name
            );
            assert!(!case.see.trim().is_empty(), "{}: empty `see`", case.name);
            count += 1;
            // Given the request context, when the output is scanned…
            let req = ScanRequest {
                stage: Stage::Output,
                text: &case.text,
                role: case.role.as_deref(),
                ctx: &case.context,
            };
            let verdict = guard.scan(&req);
            // …then the decision and the rules that fired are the expected ones.
            let got: BTreeSet<&str> = verdict.findings.iter().map(|f| f.rule.as_str()).collect();
            let want: BTreeSet<&str> = case.rules.iter().map(String::as_str).collect();
            if verdict.decision != case.decision || got != want {
                failures.push(format!(
                    "{}: want {} {:?}, got {} {:?} ({:?})",
                    case.name,
                    case.decision,
                    want,
                    verdict.decision,
                    got,
                    verdict
                        .findings
                        .iter()
                        .map(|f| &f.reason)
                        .collect::<Vec<_>>()
                ));
            }
            for f in &verdict.findings {
                assert!(
                    f.start <= f.end && f.end <= case.text.len(),
                    "{}: bad span {f:?}",
                    case.name
                );
                for s in &case.context.secrets {
                    assert!(
                        !f.reason.contains(s.as_str()),
                        "{}: reason leaks the secret",
                        case.name
                    );
                }
            }
        }
    }
    assert!(count > 0);
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Leak detection on the Tensor Trust extraction-detection corpus (evaluation only, not
/// in the repository). Run with
/// `cargo test -p gatehouse-core --test output -- --ignored --nocapture`;
/// set `GATEHOUSE_OUTPUT_LEAKS` to the file, else `../shared/corpus/output-leaks-dev.jsonl`
/// next to the repository is used. Skips when the file is missing.
#[test]
#[ignore = "needs the evaluation corpus outside the repository"]
fn output_leaks_corpus() {
    #[derive(Deserialize)]
    struct Row {
        text: String,
        label: String,
        secret: String,
    }
    let path = std::env::var("GATEHOUSE_OUTPUT_LEAKS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/corpus/output-leaks-dev.jsonl")
        });
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} not found", path.display());
        return;
    };
    let guard = Guard::embedded_default().unwrap();
    let (mut leaks, mut caught, mut clean, mut alarms) = (0, 0, 0, 0);
    // Even and odd rows separately, to see how stable the figures are.
    let mut halves = [[0usize; 4]; 2];
    let mut by_rule = std::collections::BTreeMap::<String, (usize, usize)>::new();
    let verbose = std::env::var_os("GATEHOUSE_VERBOSE").is_some();
    for (i, line) in text.lines().enumerate() {
        let row: Row = serde_json::from_str(line).unwrap();
        let ctx = ScanContext {
            secrets: vec![row.secret.clone()],
            ..ScanContext::default()
        };
        let req = ScanRequest {
            stage: Stage::Output,
            text: &row.text,
            role: None,
            ctx: &ctx,
        };
        let v = guard.scan(&req);
        let hit = v.decision >= Decision::Flag;
        let leak = row.label == "leak";
        let rules: BTreeSet<&str> = v.findings.iter().map(|f| f.rule.as_str()).collect();
        for r in &rules {
            let e = by_rule.entry((*r).to_owned()).or_default();
            if leak { e.0 += 1 } else { e.1 += 1 }
        }
        let half = &mut halves[i % 2];
        if leak {
            half[0] += 1;
            half[1] += usize::from(hit);
        } else {
            half[2] += 1;
            half[3] += usize::from(hit);
        }
        if leak {
            leaks += 1;
            caught += usize::from(hit);
        } else {
            clean += 1;
            alarms += usize::from(hit);
        }
        if verbose && hit != leak {
            println!(
                "{} row {i}: {} {:?}",
                if leak { "MISS" } else { "FALSE ALARM" },
                v.decision,
                rules
            );
        }
    }
    let pct = |a: usize, b: usize| {
        if b == 0 {
            0.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    println!(
        "leaks caught: {caught}/{leaks} ({:.1} %)",
        pct(caught, leaks)
    );
    println!(
        "false alarms: {alarms}/{clean} ({:.1} %)",
        pct(alarms, clean)
    );
    for (name, h) in ["even rows", "odd rows"].iter().zip(halves) {
        println!(
            "  {name}: caught {}/{} ({:.1} %), false alarms {}/{} ({:.1} %)",
            h[1],
            h[0],
            pct(h[1], h[0]),
            h[3],
            h[2],
            pct(h[3], h[2])
        );
    }
    for (rule, (tp, fp)) in by_rule {
        println!("  {rule}: fired on {tp} leak rows, {fp} no-leak rows");
    }
}

/// Output rules with unusable configuration are rejected when the policy compiles,
/// with the rule's path and a message naming the problem.
#[test]
fn bad_output_rule_configs_are_policy_errors() {
    let table: &[(&str, &str)] = &[
        (
            r#"{type: json_schema, schemas: {answer: {type: 5}}}"#,
            "invalid schema at `schemas.answer",
        ),
        (
            r#"{type: json_schema, schemas: {answer: {type: object}}, default: other}"#,
            "unknown schema `other`",
        ),
        (
            r#"{type: json_schema, extract: somewhere}"#,
            "unknown variant `somewhere`",
        ),
        (r#"{type: confidence, pointer: confidence}"#, "JSON pointer"),
        (
            r#"{type: secret_leak, canaries: [" "]}"#,
            "canary 1 is empty",
        ),
        (
            r#"{type: secret_leak, from_context: false}"#,
            "nothing to look for",
        ),
        (
            r#"{type: secret_leak, canary: [x]}"#,
            "unknown field `canary`",
        ),
        (
            r#"{type: instruction_leak, instructions: "too short"}"#,
            "at least 5 words",
        ),
        (
            r#"{type: instruction_leak, instructions: "a b c d e f", n: 1}"#,
            "`n` must be between",
        ),
        (
            r#"{type: exfiltration, allowed_hosts: ["*.*.example.com"]}"#,
            "bad allowed host",
        ),
        (
            r#"{type: exfiltration, allowed_hosts: ["https://example.com/"]}"#,
            "bad allowed host",
        ),
        (r#"{type: exfiltration, kinds: []}"#, "`kinds` must name"),
        (
            r#"{type: tool_policy, mode: sometimes}"#,
            "unknown variant `sometimes`",
        ),
        (r#"{type: tool_policy}"#, "missing field `mode`"),
        (
            r#"{type: tool_policy, mode: not_allowed}"#,
            "mode `not_allowed` needs `allowed_tools`",
        ),
        (
            r#"{type: tool_policy, mode: not_allowed, allowed_tools: [a], review_tools: [b]}"#,
            "`review_tools` is read by mode `needs_review` only",
        ),
        (
            r#"{type: tool_policy, mode: needs_review, allowed_tools: [a]}"#,
            "`allowed_tools` is read by mode `not_allowed` only",
        ),
        (
            r#"{type: tool_policy, mode: flagged_input, review_tools: [b]}"#,
            "`review_tools` is read by mode `needs_review` only",
        ),
    ];
    for (check, want) in table {
        let yaml = format!(
            "version: 1\nstages:\n  prompt: {{rules: []}}\n  untrusted: {{rules: []}}\n  output:\n    rules:\n      - id: r\n        action: deny\n        check: {check}\n"
        );
        let err = gatehouse_core::Policy::from_yaml(&yaml)
            .and_then(|p| Guard::new(&p))
            .map(|_| ())
            .expect_err(check);
        let msg = err.to_string();
        assert!(
            msg.contains(want),
            "{check}: `{msg}` does not contain `{want}`"
        );
        assert!(
            msg.contains("stages.output.rules[0]"),
            "{check}: `{msg}` has no path"
        );
    }
}

/// An empty `allowed_tools` lets a request without a role call no tool, and a role
/// with its own list still gets it.
#[test]
fn an_empty_allowlist_allows_no_tool() {
    let yaml = "version: 1\nroles:\n  agent: {allowed_tools: [getOrderStatus]}\nstages:\n  prompt: {rules: []}\n  untrusted: {rules: []}\n  output:\n    rules:\n      - id: tool.not_allowed\n        action: deny\n        check: {type: tool_policy, mode: not_allowed, allowed_tools: []}\n";
    let guard = Guard::new(&gatehouse_core::Policy::from_yaml(yaml).unwrap()).unwrap();
    let ctx: ScanContext = serde_json::from_value(serde_json::json!({
        "tool_calls": [{"action_group": "orders", "tool": "getOrderStatus", "parameters": {}}]
    }))
    .unwrap();
    let decide = |role| {
        guard
            .scan(&ScanRequest {
                stage: Stage::Output,
                text: "Your order is on its way.",
                role,
                ctx: &ctx,
            })
            .decision
    };
    assert_eq!(decide(None), Decision::Deny);
    assert_eq!(decide(Some("agent")), Decision::Allow);
}

/// `require_role`: a request without a role is denied at every stage, as one with an
/// unknown role is; one with a known role is screened as usual; the option needs a
/// role to require.
#[test]
fn a_policy_that_requires_a_role_denies_requests_without_one() {
    let yaml = |roles: &str| {
        format!(
            "version: 1\nrequire_role: true\n{roles}stages:\n  prompt: {{rules: []}}\n  untrusted: {{rules: []}}\n  output: {{rules: []}}\n"
        )
    };
    let guard =
        Guard::new(&gatehouse_core::Policy::from_yaml(&yaml("roles:\n  agent: {}\n")).unwrap())
            .unwrap();
    let ctx = ScanContext::default();
    for stage in [Stage::Prompt, Stage::Untrusted, Stage::Output] {
        let scan = |role| {
            let v = guard.scan(&ScanRequest {
                stage,
                text: "Where is my order?",
                role,
                ctx: &ctx,
            });
            (v.decision, v.rule_ids())
        };
        assert_eq!(
            scan(None),
            (Decision::Deny, vec!["policy.missing_role".to_owned()]),
            "{stage:?}"
        );
        assert_eq!(scan(Some("agent")), (Decision::Allow, vec![]), "{stage:?}");
        assert_eq!(
            scan(Some("intern")).1,
            vec!["policy.unknown_role".to_owned()]
        );
    }
    let err = gatehouse_core::Policy::from_yaml(&yaml(""))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("require_role") && err.contains("at least one"),
        "{err}"
    );
}

mod obfuscations {
    use super::*;
    use base64::Engine as _;
    use proptest::prelude::*;

    #[expect(
        clippy::unwrap_used,
        reason = "test helper: the embedded policy must compile"
    )]
    fn leaks(secret: &str, text: &str) -> Vec<String> {
        static GUARD: std::sync::OnceLock<Guard> = std::sync::OnceLock::new();
        let guard = GUARD.get_or_init(|| Guard::embedded_default().unwrap());
        let ctx = ScanContext {
            secrets: vec![secret.to_owned()],
            ..ScanContext::default()
        };
        let v = guard.scan(&ScanRequest {
            stage: Stage::Output,
            text,
            role: None,
            ctx: &ctx,
        });
        v.findings
            .into_iter()
            .filter(|f| f.rule == "leak.secret")
            .map(|f| f.reason)
            .collect()
    }

    fn spaced(s: &str, sep: &str) -> String {
        s.chars().map(String::from).collect::<Vec<_>>().join(sep)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever the obfuscation, a secret of 5+ letters and digits is still found.
        #[test]
        fn secret_is_found_under_every_obfuscation(secret in "[a-zA-Z][a-zA-Z0-9]{4,15}") {
            let forms = [
                secret.clone(),
                secret.to_uppercase(),
                spaced(&secret, " "),
                spaced(&secret, "-"),
                spaced(&secret, ". "),
                secret.chars().rev().collect(),
                base64::engine::general_purpose::STANDARD.encode(&secret),
                hex::encode(&secret),
                secret.chars().map(|c| format!("- {c}\n")).collect(),
                secret.chars().enumerate().map(|(i, c)| format!("{}. {c}\n", i + 1)).collect(),
            ];
            for form in forms {
                let text = format!("Sure, here it is: {form} -- anything else?");
                prop_assert!(!leaks(&secret, &text).is_empty(), "not found in {text:?}");
            }
        }
    }
}
