//! `gatehouse invoke` and `gatehouse demo` through the built binary.
//!
//! Data-driven: every `events/<function>/*.json` is invoked, and its expected outcome
//! comes from the sibling `events/<function>/EXPECTED` (`<case> ok` or
//! `<case> error <errorType>`, run in the listed order in one fresh directory, so the
//! stateful approval flow can be expressed). An event file without a line there, or a
//! line without its file, fails the test.
#![cfg(test)] // so the helpers below count as test code for clippy's unwrap lints

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_gatehouse");

/// Settings that would switch `invoke` away from its local defaults.
const NON_LOCAL_ENV: &[&str] = &[
    "ORDERS_TABLE",
    "GATEHOUSE_AGENT",
    "GATEHOUSE_POLICY",
    "GATEHOUSE_AUDIT_FILE",
    "GATEHOUSE_APPROVALS_FILE",
    "GATEHOUSE_CALLBACKS_FILE",
    "GATEHOUSE_REDACTION_KEY",
    "GATEHOUSE_REDACTION_KEY_SECRET_ARN",
    "REVIEWER_ROLES",
];

fn events_dir() -> PathBuf {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    dir.join("../../events")
}

/// A fresh, empty working directory for one run.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "gatehouse-invoke-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gatehouse(args: &[&str], cwd: &Path) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(cwd);
    for name in NON_LOCAL_ENV {
        cmd.env_remove(name);
    }
    cmd.output().unwrap()
}

/// `(case, expected error type or None)` in file order.
fn expectations(dir: &Path) -> Vec<(String, Option<String>)> {
    let text = std::fs::read_to_string(dir.join("EXPECTED"))
        .unwrap_or_else(|e| panic!("{}/EXPECTED: {e}", dir.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            match parts.as_slice() {
                [case, "ok"] => ((*case).to_owned(), None),
                [case, "error", kind] => ((*case).to_owned(), Some((*kind).to_owned())),
                _ => panic!("{}/EXPECTED: bad line `{l}`", dir.display()),
            }
        })
        .collect()
}

#[test]
fn every_event_file_gives_its_expected_outcome() {
    let mut functions: Vec<PathBuf> = std::fs::read_dir(events_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    functions.sort();
    assert_eq!(functions.len(), 6, "one events folder per function");
    let mut seen = 0;
    for dir in functions {
        let function = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let expected = expectations(&dir);
        // Given every event file of the folder listed in EXPECTED, and nothing else
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .map(|p| p.file_stem().unwrap().to_str().unwrap().to_owned())
            .collect();
        files.sort();
        let mut listed: Vec<String> = expected.iter().map(|(c, _)| c.clone()).collect();
        listed.sort();
        assert_eq!(files, listed, "{function}: event files vs EXPECTED");
        // When each is invoked in order in one fresh directory
        let cwd = scratch(&function);
        for (case, error) in &expected {
            let event = dir.join(format!("{case}.json"));
            let out = gatehouse(
                &["invoke", &function, "--event", event.to_str().unwrap()],
                &cwd,
            );
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            assert!(!stderr.contains("panicked"), "{function}/{case}: {stderr}");
            // Then the exit code, the response or the error type are as listed
            match error {
                None => {
                    assert_eq!(out.status.code(), Some(0), "{function}/{case}: {stderr}");
                    let v: Result<Value, _> = serde_json::from_str(&stdout);
                    assert!(
                        v.as_ref().is_ok_and(Value::is_object),
                        "{function}/{case}: {stdout}"
                    );
                }
                Some(kind) => {
                    assert_eq!(out.status.code(), Some(1), "{function}/{case}: {stdout}");
                    assert!(
                        stderr.starts_with(&format!("error: {kind}: ")),
                        "{function}/{case}: expected {kind}, got {stderr}"
                    );
                }
            }
            seen += 1;
        }
        // And the local audit file, when written, is a chain of core audit records
        let audit = cwd.join("gatehouse-audit.jsonl");
        if function == "audit-logger" || function == "approval-callback" {
            let text = std::fs::read_to_string(&audit).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert!(!lines.is_empty(), "{function}: no audit records");
            let first: gatehouse_core::audit::AuditRecord =
                serde_json::from_str(lines.first().unwrap()).unwrap();
            let verified = gatehouse_core::audit::verify_from(&first.prev_hash, &lines);
            assert!(verified.is_ok(), "{function}: {verified:?}");
        }
        let _ = std::fs::remove_dir_all(&cwd);
    }
    assert!(seen >= 45, "only {seen} event files");
}

#[test]
fn malformed_event_file_is_a_clear_error() {
    let cwd = scratch("malformed");
    let bad = cwd.join("bad.json");
    std::fs::write(&bad, "{\"prompt\": ").unwrap();
    let out = gatehouse(
        &[
            "invoke",
            "prompt-preprocessor",
            "--event",
            bad.to_str().unwrap(),
        ],
        &cwd,
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: InvalidEvent: ") && stderr.contains("is not JSON"),
        "{stderr}"
    );
    let missing = gatehouse(
        &["invoke", "audit-logger", "--event", "no-such-file.json"],
        &cwd,
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read"));
    let _ = std::fs::remove_dir_all(&cwd);
}

/// A local run takes the redaction key itself, or none: a secret name (the deployed
/// form) or a malformed key is a configuration error, never a run without the key.
#[test]
fn local_runs_take_the_key_itself_never_a_secret() {
    let event = events_dir().join("prompt-preprocessor/pii-redact.json");
    let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let secret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gatehouse/key-AbCdEf";
    // (what, variables set, the refusal's message or None for a sealed map)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Option<&'a str>);
    let cases: [Case<'_>; 4] = [
        ("inline key", &[("GATEHOUSE_REDACTION_KEY", key)], None),
        (
            "secret",
            &[("GATEHOUSE_REDACTION_KEY_SECRET_ARN", secret)],
            Some("local runs read no secret"),
        ),
        (
            "both",
            &[
                ("GATEHOUSE_REDACTION_KEY", key),
                ("GATEHOUSE_REDACTION_KEY_SECRET_ARN", secret),
            ],
            Some("not both"),
        ),
        (
            "short key",
            &[("GATEHOUSE_REDACTION_KEY", "AAECAwQ=")],
            Some("base64 of 32 bytes"),
        ),
    ];
    for (what, vars, refusal) in cases {
        let cwd = scratch(&format!("key-{}", what.replace(' ', "-")));
        let mut cmd = Command::new(BIN);
        cmd.args([
            "invoke",
            "prompt-preprocessor",
            "--event",
            event.to_str().unwrap(),
        ])
        .current_dir(&cwd);
        for name in NON_LOCAL_ENV {
            cmd.env_remove(name);
        }
        for (name, value) in vars {
            cmd.env(name, value);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match refusal {
            None => assert!(
                out.status.success() && stdout.contains("\"ciphertext\""),
                "{what}: the map is sealed: {stdout} {stderr}"
            ),
            Some(message) => {
                let all = format!("{stdout}{stderr}");
                assert!(
                    !out.status.success()
                        && all.contains("ConfigurationError")
                        && all.contains(message),
                    "{what}: {all}"
                );
            }
        }
        let _ = std::fs::remove_dir_all(&cwd);
    }
}

#[test]
fn unknown_function_is_refused() {
    let cwd = scratch("unknown");
    let event = events_dir().join("prompt-preprocessor/benign.json");
    let out = gatehouse(
        &[
            "invoke",
            "delete-everything",
            "--event",
            event.to_str().unwrap(),
        ],
        &cwd,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown function `delete-everything`")
            && stderr.contains("approval-callback"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&cwd);
}

#[test]
fn demo_prints_the_guarded_flow() {
    let cwd = scratch("demo");
    let audit = cwd.join("demo-audit.jsonl");
    let out = gatehouse(&["demo", "--audit-file", audit.to_str().unwrap()], &cwd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for step in [
        "pre-process",
        "[replay]",
        "validate",
        "refused (state PromptRejected)",
        "HumanApproval",
        "reviewer demo-reviewer (security-reviewer) approves → approved",
        "blocked; the user gets",
        "respond",
        "audit",
    ] {
        assert!(stdout.contains(step), "missing `{step}` in:\n{stdout}");
    }
    let text = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 14, "{text}");
    let first: gatehouse_core::audit::AuditRecord =
        serde_json::from_str(lines.first().unwrap()).unwrap();
    assert!(gatehouse_core::audit::verify_from(&first.prev_hash, &lines).is_ok());
    let _ = std::fs::remove_dir_all(&cwd);
}

/// A reader that goes away (`gatehouse invoke … | head -1`) ends the run quietly: no
/// panic, exit 0. The response is large (many findings on a long prompt) so it cannot
/// fit the pipe before the reader is gone.
#[test]
fn invoke_stops_quietly_when_stdout_closes() {
    use std::process::Stdio;
    let dir = scratch("closed-stdout");
    let contacts: String = (0..8_000)
        .map(|i| format!("Order {i} ships to user{i}@example.com. "))
        .collect();
    let event = serde_json::json!({"prompt": contacts, "session_id": "s", "principal_id": "p"});
    std::fs::write(dir.join("event.json"), event.to_string()).unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(["invoke", "prompt-preprocessor", "--event", "event.json"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in NON_LOCAL_ENV {
        cmd.env_remove(name);
    }
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take()); // the reader goes away before the answer is written
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
