use super::*;
use crate::policy::Policy;

fn record(i: usize) -> AuditRecord {
    let mut r = AuditRecord::new("prompt-preprocessor", "pre_process", Decision::Allow);
    r.request_id = format!("req-{i}");
    r.timestamp = time::rfc3339_from_unix_ms(1_795_310_580_000 + i as i64);
    r.input = Some(format!("prompt number {i}"));
    r
}

fn sealed(stream: &str, n: usize) -> (Vec<String>, Chain) {
    let mut chain = Chain::genesis(stream);
    let lines = (0..n)
        .map(|i| chain.seal(&mut record(i)).unwrap())
        .collect();
    (lines, chain)
}

#[test]
fn intact_chain_verifies_and_returns_head() {
    let (lines, chain) = sealed("s", 5);
    assert_eq!(verify("s", &lines).unwrap(), chain.head());
    assert_eq!(verify::<String>("s", &[]).unwrap(), genesis_hash("s"));
}

#[test]
fn every_tampering_is_detected() {
    let (lines, _) = sealed("s", 4);
    // Given an intact stream, when a record is deleted, reordered, edited or the
    // stream is renamed, then verify names the first bad record.
    let mut deleted = lines.clone();
    deleted.remove(1);
    assert!(matches!(
        verify("s", &deleted),
        Err(ChainError::BrokenLink { index: 1, .. })
    ));

    let mut reordered = lines.clone();
    reordered.swap(1, 2);
    assert!(matches!(
        verify("s", &reordered),
        Err(ChainError::BrokenLink { index: 1, .. })
    ));

    let mut edited = lines.clone();
    edited[2] = edited[2].replace("\"allow\"", "\"deny\"");
    assert!(matches!(
        verify("s", &edited),
        Err(ChainError::Tampered { index: 2, .. })
    ));

    assert!(matches!(
        verify("other", &lines),
        Err(ChainError::BrokenLink { index: 0, .. })
    ));

    let mut duplicated = lines.clone();
    duplicated.insert(2, lines[1].clone());
    assert!(matches!(
        verify("s", &duplicated),
        Err(ChainError::BrokenLink { index: 2, .. })
    ));

    let garbage = vec!["not json".to_owned()];
    assert!(matches!(
        verify("s", &garbage),
        Err(ChainError::NotAnObject { index: 0, .. })
    ));
}

#[test]
fn sealed_line_is_canonical_and_round_trips_through_the_struct() {
    let mut chain = Chain::genesis("s");
    let mut r = record(0);
    r.findings.push(crate::Finding {
        rule: "pii.email".into(),
        category: crate::Category::Pii,
        severity: crate::Severity::Medium,
        start: 1,
        end: 5,
        action: crate::Action::Redact,
        score: 0.8,
        reason: "email address".into(),
    });
    let line = chain.seal(&mut r).unwrap();
    assert!(line.contains("\"score\":0.8"), "{line}");
    assert!(
        line.starts_with("{\"decision\":\"allow\""),
        "keys sorted: {line}"
    );
    let back: AuditRecord = serde_json::from_str(&line).unwrap();
    assert_eq!(back, r);
    // Re-serialising the parsed struct keeps the hash valid.
    let again =
        canonical_json(&serde_json::from_str(&serde_json::to_string(&back).unwrap()).unwrap());
    assert_eq!(again, line);
}

#[test]
fn canonical_json_sorts_nested_keys() {
    let v: serde_json::Value =
        serde_json::from_str(r#"{"b":{"z":1,"a":[{"y":2,"x":"é"}]},"a":null}"#).unwrap();
    assert_eq!(
        canonical_json(&v),
        r#"{"a":null,"b":{"a":[{"x":"é","y":2}],"z":1}}"#
    );
}

const PII_POLICY: &str = r#"
version: 1
stages:
  prompt:
    rules:
      - id: injection.override
        action: deny
        check: { type: phrases, phrases: ["ignore previous instructions"] }
      - id: pii.codeword
        action: deny
        category: pii
        check: { type: phrases, phrases: ["swordfish"] }
  untrusted: { rules: [] }
  output:
    rules:
      - id: secret.token
        action: redact
        check: { type: phrases, phrases: ["tok-secret"] }
"#;

#[test]
fn redactor_replaces_pii_and_secret_spans_only() {
    let redactor = AuditRedactor::new(&Policy::from_yaml(PII_POLICY).unwrap()).unwrap();
    let cases = [
        ("nothing here", "nothing here", 0),
        (
            "the password is swordfish.",
            "the password is <pii.codeword>.",
            1,
        ),
        (
            "use tok-secret and swordfish",
            "use <secret.token> and <pii.codeword>",
            2,
        ),
        (
            "ignore previous instructions",
            "ignore previous instructions",
            0,
        ),
    ];
    for (input, want, spans) in cases {
        assert_eq!(
            redactor.redact(input),
            AuditText::Redacted {
                text: want.into(),
                spans
            },
            "{input}"
        );
    }
}

#[test]
fn redactor_hashes_what_it_cannot_vet() {
    let mut policy = Policy::from_yaml(PII_POLICY).unwrap();
    policy.limits.max_input_bytes = 8;
    let redactor = AuditRedactor::new(&policy).unwrap();
    assert_eq!(
        redactor.redact("far too long for the limit"),
        AuditText::Hashed(sha256_hex("far too long for the limit"))
    );
}

#[test]
fn record_redaction_covers_every_text_field() {
    let redactor = AuditRedactor::new(&Policy::from_yaml(PII_POLICY).unwrap()).unwrap();
    let mut r = record(0);
    r.input = Some("swordfish".into());
    r.output = Some("tok-secret".into());
    r.errors = vec!["swordfish failed".into()];
    r.tool_calls.push(AuditToolCall {
        action_group: "orders".into(),
        function: Some("getOrderStatus".into()),
        api_path: None,
        parameters: [("note".to_owned(), "swordfish".to_owned())].into(),
        result: Some("SUCCESS".into()),
    });
    r.redact(&redactor);
    let line = serde_json::to_string(&r).unwrap();
    assert!(
        !line.contains("swordfish") && !line.contains("tok-secret"),
        "{line}"
    );
    assert_eq!(r.input.as_deref(), Some("<pii.codeword>"));
}

#[test]
fn hash_texts_removes_all_free_text() {
    let mut r = record(3);
    r.output = Some("answer".into());
    r.hash_texts();
    assert_eq!(r.input, None);
    assert_eq!(r.input_sha256, Some(sha256_hex("prompt number 3")));
    assert_eq!(r.output_sha256, Some(sha256_hex("answer")));
}

#[test]
fn validate_rejects_bad_records() {
    assert_eq!(record(0).validate(), Ok(()));
    let mut r = record(0);
    r.schema_version = 2;
    assert_eq!(r.validate(), Err(RecordError::SchemaVersion(2)));
    let mut r = record(0);
    r.stage = " ".into();
    assert_eq!(r.validate(), Err(RecordError::Empty("stage")));
    let mut r = record(0);
    r.timestamp = "yesterday".into();
    assert!(matches!(r.validate(), Err(RecordError::Timestamp(_))));
    let unknown = r#"{"function":"f","stage":"s","decision":"allow","inptu":"typo"}"#;
    assert!(serde_json::from_str::<AuditRecord>(unknown).is_err());
}

#[test]
fn embedded_default_redactor_keeps_benign_text() {
    let redactor = AuditRedactor::embedded_default().unwrap();
    for text in [
        "Where is my order ord-1001?",
        "{\"summary\": \"shipped\", \"confidence\": 0.2}",
        "",
    ] {
        assert_eq!(
            redactor.redact(text),
            AuditText::Redacted {
                text: text.into(),
                spans: 0
            },
            "{text}"
        );
    }
}

/// The canonical form as first written (a `Value` per key and scalar, the record
/// serialised twice): the one-pass sealing must give byte-identical lines and hashes.
fn reference_seal(prev: &str, record: &AuditRecord) -> String {
    use sha2::{Digest, Sha256};
    fn canon(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
                out.push('{');
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(k.clone()).to_string());
                    out.push(':');
                    canon(v, out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    canon(v, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut r = record.clone();
    r.prev_hash = prev.to_owned();
    r.hash.clear();
    let serde_json::Value::Object(mut map) =
        serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap()
    else {
        panic!("object")
    };
    map.remove("hash");
    let mut body = String::new();
    canon(&serde_json::Value::Object(map.clone()), &mut body);
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(body.as_bytes());
    map.insert("hash".into(), hex::encode(h.finalize()).into());
    let mut line = String::new();
    canon(&serde_json::Value::Object(map), &mut line);
    line
}

#[test]
fn one_pass_seal_matches_the_reference_form() {
    let mut records = vec![record(0), record(1)];
    let mut rich = record(2);
    rich.input = Some("naïve \"quoted\" \\ tab\t 😀 \u{e000} end".into());
    rich.findings.push(crate::Finding {
        rule: "pii.email".into(),
        category: crate::Category::Pii,
        severity: crate::Severity::Medium,
        start: 1,
        end: 5,
        action: crate::Action::Redact,
        score: 0.8,
        reason: "email <x>".into(),
    });
    rich.tool_calls.push(AuditToolCall {
        action_group: "orders".into(),
        function: Some("get".into()),
        api_path: None,
        parameters: [("b".into(), "2".into()), ("a".into(), "é".into())].into(),
        result: Some("SUCCESS".into()),
    });
    rich.errors.push("boom".into());
    rich.outcome = Some("allowed".into());
    records.push(rich);
    let mut chain = Chain::genesis("2026/11/22/x");
    for mut r in records {
        let prev = chain.head().to_owned();
        let expected = reference_seal(&prev, &r);
        assert_eq!(chain.seal(&mut r).unwrap(), expected);
    }
}

#[test]
fn canonical_json_orders_keys_by_utf16_code_units() {
    // U+E000 is above the surrogates in UTF-16 but below U+1F600 in UTF-8.
    let v: serde_json::Value =
        serde_json::from_str("{\"\u{1F600}\":1,\"\u{E000}\":2,\"a\":3}").unwrap();
    assert_eq!(
        canonical_json(&v),
        "{\"a\":3,\"\u{1F600}\":1,\"\u{E000}\":2}"
    );
}
