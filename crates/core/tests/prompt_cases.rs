//! Drives the prompt-injection fixture cases in `tests/cases/prompt/*.toml` through
//! the embedded default policy: every case names its stage, the expected decision and
//! the rules that must be among the findings. Benign look-alikes sit beside the
//! attacks: a false positive fails the suite like a miss does. A case may give a
//! ceiling (`at_most`) instead of a decision, for texts where the classifier's score
//! moves between retrains but the decision must stay under a line (short everyday
//! requests: never `review` or `deny`).

use std::path::Path;

use gatehouse_core::{Decision, Guard, ScanRequest, Stage};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// `<lang>-<family>-<number>`, numbered by hundreds so cases can be inserted.
    name: String,
    stage: Stage,
    text: String,
    /// The exact decision expected.
    #[serde(default)]
    decision: Option<Decision>,
    /// The strictest decision allowed (instead of `decision`).
    #[serde(default)]
    at_most: Option<Decision>,
    /// Rule ids that must be among the findings (empty for a clean allow).
    #[serde(default)]
    rules: Vec<String>,
}

#[test]
fn prompt_cases() {
    let guard = Guard::embedded_default().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/prompt");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut total = 0;
    let mut names = std::collections::HashSet::new();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    {
        let text = std::fs::read_to_string(path).unwrap();
        let file: File =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for case in file.case {
            total += 1;
            assert!(
                names.insert(case.name.clone()),
                "duplicate case name `{}`",
                case.name
            );
            // Given the case's text at its stage, when the default policy scans it,
            let v = guard.scan(&ScanRequest::new(case.stage, &case.text));
            // then the decision and the expected rules match.
            let fired: Vec<&str> = v.findings.iter().map(|f| f.rule.as_str()).collect();
            let missing: Vec<&String> = case
                .rules
                .iter()
                .filter(|r| !fired.contains(&r.as_str()))
                .collect();
            let (ok, expected) = match (case.decision, case.at_most) {
                (Some(d), None) => (v.decision == d, d.to_string()),
                (None, Some(d)) => (v.decision <= d, format!("at most {d}")),
                _ => panic!(
                    "{}: give exactly one of `decision` and `at_most`",
                    case.name
                ),
            };
            if !ok
                || !missing.is_empty()
                || (case.rules.is_empty()
                    && !fired.is_empty()
                    && case.decision == Some(Decision::Allow))
            {
                let reasons: Vec<String> = v
                    .findings
                    .iter()
                    .map(|f| format!("{} ({})", f.rule, f.reason))
                    .collect();
                failures.push(format!(
                    "{} [{}]: expected {} with {:?}, got {} score {:.2} with {:?}",
                    case.name,
                    path.file_name().unwrap().to_string_lossy(),
                    expected,
                    case.rules,
                    v.decision,
                    v.score,
                    reasons
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        total >= 100,
        "only {total} cases found in {}",
        dir.display()
    );
}
