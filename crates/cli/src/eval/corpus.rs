//! Reading a labelled corpus: one JSON object per line, read as a stream.

use std::io::BufRead;

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

/// What a row is labelled as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    /// A prompt attack (positive).
    Attack,
    /// A harmless prompt (negative).
    Benign,
    /// A model output that leaks its secret (positive).
    Leak,
    /// A model output that does not leak (negative).
    NoLeak,
}

impl Label {
    fn parse(s: &str) -> Option<Label> {
        match s {
            "attack" => Some(Label::Attack),
            "benign" => Some(Label::Benign),
            "leak" => Some(Label::Leak),
            "no_leak" => Some(Label::NoLeak),
            _ => None,
        }
    }

    /// True for the labels the guard should catch.
    pub(crate) fn is_positive(self) -> bool {
        matches!(self, Label::Attack | Label::Leak)
    }

    /// True for the labels of the output-leak corpus (scanned at the output stage).
    pub(crate) fn is_output(self) -> bool {
        matches!(self, Label::Leak | Label::NoLeak)
    }

    /// The label as written in the corpus.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Label::Attack => "attack",
            Label::Benign => "benign",
            Label::Leak => "leak",
            Label::NoLeak => "no_leak",
        }
    }
}

/// Which rows an evaluation uses. Rows are split by a hash of their `id`, so the
/// split is the same on every machine and does not move when rows are added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Split {
    /// Every row.
    All,
    /// The 80 % of rows kept for tuning.
    Tune,
    /// The 20 % of rows held out: look at them only to report.
    Holdout,
}

/// Percentage of rows in the holdout split.
pub(crate) const HOLDOUT_PERCENT: u64 = 20;

impl Split {
    /// Whether the row with this split key belongs to the split.
    pub(crate) fn contains(self, key: &str) -> bool {
        match self {
            Split::All => true,
            Split::Tune => !is_holdout(key),
            Split::Holdout => is_holdout(key),
        }
    }

    /// The split's name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Split::All => "all",
            Split::Tune => "tune",
            Split::Holdout => "holdout",
        }
    }
}

/// Holdout when the first 8 bytes of SHA-256(key), big-endian, modulo 100 are below 20.
/// In Python: `int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % 100 < 20`.
pub(crate) fn is_holdout(key: &str) -> bool {
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
    u64::from_be_bytes(first) % 100 < HOLDOUT_PERCENT
}

/// One corpus row as evaluated.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// The row's `id`, or `line-N` when it has none.
    pub id: String,
    /// 1-based line number in the file.
    pub line: usize,
    /// The text to scan.
    pub text: String,
    /// Its label.
    pub label: Label,
    /// Where the row comes from (`unknown` when missing).
    pub source: String,
    /// Its category (`unknown` when missing).
    pub category: String,
    /// Values that must not leak (`secret` and `secrets`), for output rows.
    pub secrets: Vec<String>,
    /// What the split hashes: the `id`, or the text for rows without one.
    pub split_key: String,
}

#[derive(Debug, Deserialize)]
struct RawRow {
    #[serde(default)]
    id: Option<serde_json::Value>,
    text: String,
    label: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    secrets: Option<Vec<String>>,
}

/// Reads rows one at a time. A row that cannot be read is an error naming its line:
/// figures over a partly read corpus would mislead.
#[derive(Debug)]
pub(crate) struct Rows<R> {
    input: R,
    buf: String,
    line: usize,
}

impl<R: BufRead> Rows<R> {
    /// Rows of `input`.
    pub(crate) fn new(input: R) -> Rows<R> {
        Rows {
            input,
            buf: String::new(),
            line: 0,
        }
    }
}

impl<R: BufRead> Iterator for Rows<R> {
    type Item = anyhow::Result<Row>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            self.line += 1;
            match self.input.read_line(&mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(anyhow::anyhow!("line {}: {e}", self.line))),
            }
            if self.buf.trim().is_empty() {
                continue;
            }
            // A byte-order mark some editors write at the start of a file.
            let text = match self.line {
                1 => self.buf.strip_prefix('\u{feff}').unwrap_or(&self.buf),
                _ => &self.buf,
            };
            return Some(parse(text, self.line));
        }
    }
}

fn parse(text: &str, line: usize) -> anyhow::Result<Row> {
    let raw: RawRow = serde_json::from_str(text)
        .map_err(|e| anyhow::anyhow!("line {line}: {}", crate::format::json_error(&e)))?;
    let label = Label::parse(&raw.label).ok_or_else(|| {
        anyhow::anyhow!(
            "line {line}: unknown label `{}` (expected attack, benign, leak or no_leak)",
            raw.label
        )
    })?;
    let id = match raw.id {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    };
    let split_key = id.clone().unwrap_or_else(|| raw.text.clone());
    let mut secrets: Vec<String> = raw.secret.into_iter().collect();
    secrets.extend(raw.secrets.unwrap_or_default());
    Ok(Row {
        id: id.unwrap_or_else(|| format!("line-{line}")),
        line,
        text: raw.text,
        label,
        source: raw.source.unwrap_or_else(|| "unknown".to_owned()),
        category: raw.category.unwrap_or_else(|| "unknown".to_owned()),
        secrets,
        split_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_about_a_fifth_and_stable() {
        let ids: Vec<String> = (0..10_000).map(|i| format!("dev-{i:05}")).collect();
        let holdout = ids.iter().filter(|id| is_holdout(id)).count();
        assert!((1_800..2_200).contains(&holdout), "holdout {holdout}");
        for id in &ids {
            assert_ne!(Split::Tune.contains(id), Split::Holdout.contains(id));
        }
        // Pinned so the split never moves silently: other tools reproduce it.
        let pinned: Vec<bool> = ["dev-00000", "dev-00001", "dev-00002", "dev-00003"]
            .iter()
            .map(|id| is_holdout(id))
            .collect();
        assert_eq!(pinned, PINNED_HOLDOUT);
    }

    // Computed independently with the Python one-liner in `is_holdout`'s doc.
    const PINNED_HOLDOUT: [bool; 4] = [false, false, true, false];

    #[test]
    fn rows_fill_defaults_and_reject_bad_labels() {
        let input = "{\"text\":\"a\",\"label\":\"benign\"}\n\n{\"id\":5,\"text\":\"b\",\"label\":\"leak\",\"secret\":\"s\"}\n{\"text\":\"c\",\"label\":\"maybe\"}\n";
        let rows: Vec<_> = Rows::new(input.as_bytes()).collect();
        let first = rows[0].as_ref().unwrap();
        assert_eq!(
            (first.id.as_str(), first.source.as_str()),
            ("line-1", "unknown")
        );
        let second = rows[1].as_ref().unwrap();
        assert_eq!(
            (second.id.as_str(), second.line, second.secrets.len()),
            ("5", 3, 1)
        );
        let err = rows[2].as_ref().unwrap_err().to_string();
        assert!(err.contains("line 4") && err.contains("`maybe`"), "{err}");
    }
}
