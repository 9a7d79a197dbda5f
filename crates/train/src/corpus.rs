//! The shared dev corpus: reading rows, the licence filter and the holdout rule.

use std::path::Path;

use sha2::{Digest, Sha256};

/// One corpus row.
#[derive(Debug, Clone)]
pub struct Row {
    /// Row id.
    pub id: String,
    /// The text.
    pub text: String,
    /// True for `attack`.
    pub attack: bool,
    /// Short source name (the repository or package part of `source`).
    pub source: String,
    /// Category.
    pub category: String,
    /// Licence field.
    pub license: String,
    /// The raw JSON line, for the provenance hash.
    pub raw: String,
}

/// Whether a licence allows shipping what is learned from the row: MIT, Apache, BSD,
/// CC-BY (not NC/ND/SA variants) or CC0. Anything else (GPL, NC, none) is excluded.
pub fn licence_allows_training(license: &str) -> bool {
    let l = license.trim().to_ascii_uppercase();
    if l.contains("-NC") || l.contains("-ND") || l.contains("-SA") {
        return false;
    }
    l == "MIT"
        || l.starts_with("APACHE")
        || l.starts_with("BSD")
        || l.starts_with("CC-BY")
        || l.starts_with("CC0")
}

/// The holdout rule of `gatehouse eval --split`: the first 8 bytes of SHA-256(id),
/// big-endian, modulo 100, below 20. Holdout rows are never trained or tuned on.
pub fn is_holdout(id: &str) -> bool {
    let digest = Sha256::digest(id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
    u64::from_be_bytes(first) % 100 < 20
}

fn short_source(source: &str) -> String {
    // `github:owner/repo:path` or `pypi:pkg==ver:path` → `owner/repo` / `pkg==ver`.
    source.split(':').nth(1).unwrap_or(source).to_owned()
}

/// Reads every row of a corpus file, in file order, and the file's SHA-256.
pub fn read(path: &Path) -> anyhow::Result<(Vec<Row>, String)> {
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", path.display()))?;
    let sha = hex::encode(Sha256::digest(&bytes));
    let text = String::from_utf8(bytes)?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| anyhow::anyhow!("line {}: {e}", n + 1))?;
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_owned();
        let label = s("label");
        if label != "attack" && label != "benign" {
            anyhow::bail!("line {}: label `{label}` is not attack or benign", n + 1);
        }
        rows.push(Row {
            id: s("id"),
            text: s("text"),
            attack: label == "attack",
            source: short_source(&s("source")),
            category: s("category"),
            license: s("license"),
            raw: line.to_owned(),
        });
    }
    Ok((rows, sha))
}

/// The rows training may use: licence allows it and the row is not in the holdout.
pub fn training_rows(rows: &[Row]) -> Vec<&Row> {
    rows.iter()
        .filter(|r| licence_allows_training(&r.license) && !is_holdout(&r.id))
        .collect()
}

/// SHA-256 of a row set: the raw JSON lines, each followed by `\n`, in file order.
pub fn rows_sha256(rows: &[&Row]) -> String {
    let mut h = Sha256::new();
    for r in rows {
        h.update(r.raw.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// SHA-256 of a list of generated texts, each followed by `\n`.
pub fn texts_sha256(texts: &[String]) -> String {
    let mut h = Sha256::new();
    for t in texts {
        h.update(t.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences() {
        for ok in ["MIT", "Apache-2.0", "BSD-3-Clause", "CC-BY-4.0", "CC0-1.0"] {
            assert!(licence_allows_training(ok), "{ok}");
        }
        for no in ["GPL-3.0", "CC-BY-NC-4.0", "none-stated", "", "CC-BY-SA-4.0"] {
            assert!(!licence_allows_training(no), "{no}");
        }
    }

    #[test]
    fn holdout_matches_the_cli_rule() {
        // Same pinned ids as the CLI's `split_is_about_a_fifth_and_stable` test would use:
        // computed with `int.from_bytes(sha256(id).digest()[:8], "big") % 100 < 20`.
        let n = (0..10_000)
            .filter(|i| is_holdout(&format!("dev-{i:05}")))
            .count();
        assert!((1_800..2_200).contains(&n), "{n}");
        // The CLI pins the same four ids (crates/cli/src/eval/corpus.rs).
        let pinned: Vec<bool> = ["dev-00000", "dev-00001", "dev-00002", "dev-00003"]
            .iter()
            .map(|id| is_holdout(id))
            .collect();
        assert_eq!(pinned, [false, false, true, false]);
    }
}
