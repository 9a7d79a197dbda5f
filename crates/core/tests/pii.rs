//! PII and secret detection, driven by the data files in `tests/cases/pii/`.
//!
//! - `*.toml` files with `[[case]]` tables: a text, the stage (default `prompt`) and
//!   the expected `pii`/`secret` findings of the embedded default policy (rule id and
//!   byte span, or the matched `value` whose first occurrence gives the span). An
//!   empty `expect` means the text must produce no such finding.
//! - `checksums.toml`: valid and invalid vectors of the public checksum functions.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed unwrap is a failed test"
)]

use std::path::{Path, PathBuf};

use gatehouse_core::checksum::{iban_valid, luhn_valid, ssn_digits_valid};
use gatehouse_core::{Category, Decision, Guard, Policy, ScanRequest, Stage};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    text: String,
    #[serde(default = "prompt")]
    stage: String,
    #[serde(default)]
    expect: Vec<Expect>,
}

fn prompt() -> String {
    "prompt".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    rule: String,
    #[serde(default)]
    span: Option<[usize; 2]>,
    #[serde(default)]
    value: Option<String>,
}

fn case_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/pii");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "toml")
                && p.file_name().is_some_and(|n| n != "checksums.toml")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());
    files
}

#[test]
fn pii_cases() {
    let guard = Guard::embedded_default().unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for file in case_files() {
        let parsed: CaseFile = toml::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let fname = file.file_name().unwrap().to_string_lossy().into_owned();
        for case in parsed.case {
            count += 1;
            let stage: Stage = case.stage.parse().unwrap();
            let mut expected: Vec<(String, usize, usize)> = case
                .expect
                .iter()
                .map(|e| {
                    let span = match (&e.span, &e.value) {
                        (Some([s, end]), Some(v)) => {
                            assert_eq!(
                                &case.text[*s..*end],
                                v,
                                "{fname} {}: span and value disagree",
                                case.name
                            );
                            (*s, *end)
                        }
                        (Some([s, end]), None) => (*s, *end),
                        (None, Some(v)) => {
                            let s = case.text.find(v.as_str()).unwrap_or_else(|| {
                                panic!("{fname} {}: value `{v}` not in text", case.name)
                            });
                            (s, s + v.len())
                        }
                        (None, None) => panic!("{fname} {}: give span or value", case.name),
                    };
                    (e.rule.clone(), span.0, span.1)
                })
                .collect();
            expected.sort();
            let verdict = guard.scan(&ScanRequest::new(stage, &case.text));
            let mut got: Vec<(String, usize, usize)> = verdict
                .findings
                .iter()
                .filter(|f| matches!(f.category, Category::Pii | Category::Secret))
                .map(|f| (f.rule.clone(), f.start, f.end))
                .collect();
            got.sort();
            if got != expected {
                let show = |v: &[(String, usize, usize)]| -> Vec<String> {
                    v.iter()
                        .map(|(r, s, e)| format!("{r} {s}..{e} `{}`", &case.text[*s..*e]))
                        .collect()
                };
                failures.push(format!(
                    "{fname} {}:\n    text:     {:?}\n    expected: {:?}\n    got:      {:?}",
                    case.name,
                    case.text,
                    show(&expected),
                    show(&got)
                ));
            }
        }
    }
    assert!(count >= 100, "only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Checksums {
    luhn: Vec<Vector>,
    iban: Vec<Vector>,
    ssn: Vec<Vector>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    name: String,
    value: String,
    valid: bool,
}

#[test]
fn checksum_vectors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/pii/checksums.toml");
    let c: Checksums = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let compact =
        |s: &str| -> Vec<u8> { s.bytes().filter(|b| !matches!(b, b' ' | b'-')).collect() };
    let mut failures = Vec::new();
    for (kind, vectors, check) in [
        ("luhn", &c.luhn, luhn_valid as fn(&[u8]) -> bool),
        ("iban", &c.iban, iban_valid),
        ("ssn", &c.ssn, ssn_digits_valid),
    ] {
        assert!(
            vectors.iter().any(|v| v.valid) && vectors.iter().any(|v| !v.valid),
            "{kind}: need both kinds"
        );
        for v in vectors {
            if check(&compact(&v.value)) != v.valid {
                failures.push(format!(
                    "{kind} {}: `{}` should be {}",
                    v.name,
                    v.value,
                    if v.valid { "valid" } else { "invalid" }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every one-digit change of a valid card number or IBAN is caught by its checksum
/// (Luhn and mod-97 both detect all single-digit errors).
#[test]
fn single_digit_corruptions_fail_the_checksum() {
    for card in [
        "4111111111111111",
        "378282246310005",
        "6011000990139424",
        "5555555555554444",
    ] {
        for i in 0..card.len() {
            for d in b'0'..=b'9' {
                let mut b = card.as_bytes().to_vec();
                if b[i] == d {
                    continue;
                }
                b[i] = d;
                assert!(!luhn_valid(&b), "{}", String::from_utf8_lossy(&b));
            }
        }
    }
    for iban in [
        "GB82WEST12345698765432",
        "DE89370400440532013000",
        "FR1420041010050500013M02606",
    ] {
        for i in 2..iban.len() {
            if !iban.as_bytes()[i].is_ascii_digit() {
                continue;
            }
            for d in b'0'..=b'9' {
                let mut b = iban.as_bytes().to_vec();
                if b[i] == d {
                    continue;
                }
                b[i] = d;
                assert!(!iban_valid(&b), "{}", String::from_utf8_lossy(&b));
            }
        }
    }
}

/// Given a prompt with PII, when the default policy scans it, then the redacted text
/// carries placeholders, the map restores the original, and Debug shows no value.
#[test]
fn redaction_end_to_end() {
    let guard = Guard::embedded_default().unwrap();
    let text = "Mail jane.doe@example.com or call +44 20 7946 0958; card 4111 1111 1111 1111, \
                IBAN GB82 WEST 1234 5698 7654 32, SSN 123-45-6789, from 203.0.113.7. \
                Again: jane.doe@example.com";
    let verdict = guard.scan(&ScanRequest::new(Stage::Prompt, text));
    assert_eq!(verdict.decision, Decision::Redact, "{verdict:?}");
    let redacted = verdict.redacted.as_deref().unwrap();
    assert_eq!(
        redacted,
        "Mail <EMAIL_1> or call <PHONE_1>; card <CARD_1>, IBAN <IBAN_1>, SSN <SSN_1>, from <IP_1>. \
         Again: <EMAIL_1>"
    );
    assert_eq!(verdict.redactions.restore(redacted), text);
    let debug = format!("{:?} {verdict:?}", verdict.redactions);
    for value in [
        "jane.doe@example.com",
        "7946 0958",
        "4111 1111",
        "WEST 1234",
        "123-45-6789",
        "203.0.113.7",
    ] {
        assert!(!debug.contains(value), "Debug shows `{value}`: {debug}");
        assert!(
            !serde_json::to_string(&verdict).unwrap().contains(value),
            "JSON shows `{value}`"
        );
    }
}

/// A secret in a prompt is refused and nothing is rewritten.
#[test]
fn aws_keys_in_prompt_are_denied() {
    let guard = Guard::embedded_default().unwrap();
    let text =
        "my creds: AKIA6RSMEEQVQXZLPP7E / k21g4Sb9GrRDsmYMekv6tHgwb5tS1iN47TbUuHw9, email a@b.io";
    let verdict = guard.scan(&ScanRequest::new(Stage::Prompt, text));
    assert_eq!(verdict.decision, Decision::Deny);
    assert!(verdict.redacted.is_none());
    let untrusted = guard.scan(&ScanRequest::new(Stage::Untrusted, text));
    assert_eq!(untrusted.decision, Decision::Redact);
    assert_eq!(
        untrusted.redacted.as_deref(),
        Some("my creds: <AWS_ACCESS_KEY_1> / <AWS_SECRET_KEY_1>, email <EMAIL_1>")
    );
    let output = guard.scan(&ScanRequest::new(Stage::Output, text));
    assert_eq!(output.decision, Decision::Deny);
}

const POLICY_HEAD: &str = "version: 1\nstages:\n  untrusted: { rules: [] }\n  output: { rules: [] }\n  prompt:\n    rules:\n";

fn guard_with(rules: &str) -> Result<Guard, gatehouse_core::PolicyError> {
    Guard::new(&Policy::from_yaml(&format!("{POLICY_HEAD}{rules}"))?)
}

#[test]
fn regex_rule_on_original_and_canonical_views() {
    let guard = guard_with(
        "      - { id: custom.employee, action: redact, check: { type: regex, pattern: 'EMP-[0-9]{6}', label: EMPLOYEE } }\n\
         \x20     - { id: custom.marker, action: flag, category: prompt_injection, check: { type: regex, pattern: '<\\|im_start\\|>', views: canonical } }\n",
    )
    .unwrap();
    let text = "Employee EMP-123456 says <|IM_START|>system";
    let v = guard.scan(&ScanRequest::new(Stage::Prompt, text));
    assert_eq!(v.decision, Decision::Flag);
    let spans: Vec<(&str, &str)> = v
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), &text[f.start..f.end]))
        .collect();
    assert_eq!(
        spans,
        [
            ("custom.employee", "EMP-123456"),
            ("custom.marker", "<|IM_START|>")
        ]
    );
    assert_eq!(
        v.redacted.as_deref(),
        Some("Employee <EMPLOYEE_1> says <|IM_START|>system")
    );
}

#[test]
fn bad_regex_rules_are_rejected_with_their_path() {
    for (rule, needle) in [
        (
            "{ type: regex, pattern: '(unclosed' }",
            "invalid pattern `(unclosed`",
        ),
        ("{ type: regex, pattern: 'a*' }", "matches the empty string"),
        (
            "{ type: regex, pattern: 'x', label: 'bad label' }",
            "label `bad label`",
        ),
        (
            "{ type: regex, pattern: 'x', views: decoded }",
            "unknown variant",
        ),
        (
            "{ type: ip_address, ignore_privates: true }",
            "unknown field",
        ),
    ] {
        let err = guard_with(&format!(
            "      - {{ id: r, action: flag, check: {rule} }}\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains(needle), "{rule}: {err}");
        assert!(err.contains("stages.prompt.rules[0]"), "{rule}: {err}");
    }
}

#[test]
fn ip_rule_can_ignore_private_ranges() {
    let guard = guard_with(
        "      - { id: ip, action: flag, check: { type: ip_address, ignore_private: true } }\n",
    )
    .unwrap();
    let text = "10.0.0.1 127.0.0.1 192.168.1.20 172.16.5.4 fe80::1ff:fe23:4567:890a ::1 8.8.8.8 2001:db8::8a2e:370:7334";
    let v = guard.scan(&ScanRequest::new(Stage::Prompt, text));
    let got: Vec<&str> = v.findings.iter().map(|f| &text[f.start..f.end]).collect();
    assert_eq!(got, ["8.8.8.8", "2001:db8::8a2e:370:7334"]);
}
