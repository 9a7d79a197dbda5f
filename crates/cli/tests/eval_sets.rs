//! The labelled sets under `eval/` are data that `make eval` reports on: a row
//! `gatehouse eval` cannot read is counted as an error there, and a figure in
//! docs/DETECTION.md would silently move. So every file is checked here the way the
//! evaluator reads it, on every commit:
//!
//! - each line is a JSON object with a non-empty `id`, `source` and `text`;
//! - its `label` is one the file's stage knows: `attack`/`benign` for prompt and
//!   tool-output sets, `leak`/`no_leak` with a non-empty `secret` for leak sets;
//! - ids are unique within a file, and each file has one `source` of its own, so a row
//!   is named by its source and id (some sets written at the same time share id
//!   prefixes: `rt10-` is in both utility and parcel, so cite a row with its set);
//! - every red-team file is listed in `eval/redteam/README.md`'s table, with its row
//!   counts as they are (`N attacks, M benign` or `N leaks, M clean`).
#![cfg(test)] // so the helpers below count as test code for clippy's unwrap lints

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

fn eval_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../eval")
}

/// The `.jsonl` files under `eval/`, sorted.
fn sets() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![eval_dir()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "jsonl") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The labels a file's rows may carry, from its name (as `make eval-redteam` picks the
/// stage), and whether rows need a `secret`.
fn labels_for(path: &Path) -> (&'static [&'static str], bool) {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.contains("leaks") {
        (&["leak", "no_leak"], true)
    } else {
        (&["attack", "benign"], false)
    }
}

fn non_empty_str<'a>(row: &'a Value, field: &str) -> Option<&'a str> {
    row.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

#[test]
fn every_eval_row_is_readable_and_labelled() {
    let files = sets();
    assert!(
        files.len() >= 20,
        "expected the red-team and tool-output sets under {}, found {}",
        eval_dir().display(),
        files.len()
    );
    let mut sources: BTreeMap<String, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for path in &files {
        let short = path.strip_prefix(eval_dir()).unwrap().display().to_string();
        let (labels, needs_secret) = labels_for(path);
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        let mut file_sources = BTreeSet::new();
        let text = std::fs::read_to_string(path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let at = format!("{short}:{}", n + 1);
            let row: Value = match serde_json::from_str(line) {
                Ok(v @ Value::Object(_)) => v,
                Ok(_) => {
                    problems.push(format!("{at}: not a JSON object"));
                    continue;
                }
                Err(e) => {
                    problems.push(format!("{at}: {e}"));
                    continue;
                }
            };
            for field in ["id", "source", "text"] {
                if non_empty_str(&row, field).is_none() {
                    problems.push(format!("{at}: `{field}` missing or empty"));
                }
            }
            match non_empty_str(&row, "label") {
                Some(l) if labels.contains(&l) => {}
                other => {
                    problems.push(format!("{at}: label {other:?}, expected one of {labels:?}"))
                }
            }
            if needs_secret && non_empty_str(&row, "secret").is_none() {
                problems.push(format!("{at}: a leak row needs its `secret`"));
            }
            if let Some(source) = non_empty_str(&row, "source") {
                file_sources.insert(source.to_owned());
            }
            if let Some(id) = non_empty_str(&row, "id")
                && let Some(first) = ids.insert(id.to_owned(), at.clone())
            {
                problems.push(format!("{at}: id `{id}` already used at {first}"));
            }
        }
        if file_sources.len() != 1 {
            problems.push(format!(
                "{short}: rows name {file_sources:?}, expected one source"
            ));
        }
        for source in file_sources {
            if let Some(other) = sources.insert(source.clone(), short.clone()) {
                problems.push(format!("{short}: source `{source}` is also {other}'s"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_red_team_set_is_listed_with_its_counts() {
    let readme = std::fs::read_to_string(eval_dir().join("redteam/README.md")).unwrap();
    let mut problems = Vec::new();
    let mut listed = BTreeSet::new();
    for path in sets() {
        if path
            .parent()
            .and_then(Path::file_name)
            .is_none_or(|d| d != "redteam")
        {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let row: Value = serde_json::from_str(line).unwrap();
            let label = row["label"].as_str().unwrap_or("").to_owned();
            *counts.entry(label).or_default() += 1;
        }
        let n = |l: &str| counts.get(l).copied().unwrap_or(0);
        let want = if labels_for(&path).1 {
            format!("| `{name}` | {} leaks, {} clean |", n("leak"), n("no_leak"))
        } else {
            format!(
                "| `{name}` | {} attacks, {} benign |",
                n("attack"),
                n("benign")
            )
        };
        if !readme.contains(&want) {
            problems.push(format!("README.md has no row starting `{want}`"));
        }
        listed.insert(name);
    }
    // And no table row names a file that is not there.
    for line in readme.lines().filter(|l| l.starts_with("| `")) {
        let name = line
            .trim_start_matches("| `")
            .split('`')
            .next()
            .unwrap_or("");
        if !listed.contains(name) {
            problems.push(format!(
                "README.md lists `{name}`, which is not in eval/redteam"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
