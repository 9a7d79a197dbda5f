//! Rewriting redacted spans, and the per-request map that can restore them.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::policy::RedactStyle;

/// Placeholder → original value for one request. Reversible redaction: the agent sees
/// `<EMAIL_1>`, and the caller restores the value in the answer with [`RedactionMap::restore`].
/// Its `Debug` output shows only the placeholders, never the values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RedactionMap {
    entries: BTreeMap<String, String>,
}

impl std::fmt::Debug for RedactionMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.entries.keys()).finish()
    }
}

impl RedactionMap {
    /// Number of placeholders.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing was redacted with a placeholder.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Placeholders and their original values, in placeholder order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Builds a map from pairs (e.g. after decrypting a stored map).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> RedactionMap {
        RedactionMap {
            entries: pairs.into_iter().collect(),
        }
    }

    /// Replaces every placeholder in `text` by its original value.
    pub fn restore(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (k, v) in &self.entries {
            out = out.replace(k.as_str(), v);
        }
        out
    }
}

/// One span to rewrite.
#[derive(Debug, Clone)]
pub(crate) struct Redaction<'a> {
    pub start: usize,
    pub end: usize,
    pub label: &'a str,
    pub style: RedactStyle,
}

/// Rewrites `text`, replacing each span (non-overlapping after merging, in order).
/// The same value gets the same placeholder within one request.
pub(crate) fn apply(text: &str, mut spans: Vec<Redaction<'_>>) -> (String, RedactionMap) {
    spans.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut out = String::with_capacity(text.len());
    let mut map = RedactionMap::default();
    let mut counters: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_value: BTreeMap<(&str, &str), String> = BTreeMap::new();
    let mut pos = 0;
    for r in spans {
        if r.start < pos || r.end > text.len() || r.start >= r.end {
            continue; // overlaps an earlier (wider) span, or out of range
        }
        let (Some(before), Some(value)) = (text.get(pos..r.start), text.get(r.start..r.end)) else {
            continue; // not on char boundaries: leave as is rather than corrupt
        };
        out.push_str(before);
        match r.style {
            RedactStyle::Placeholder => {
                let ph = by_value.entry((r.label, value)).or_insert_with(|| {
                    let n = counters.entry(r.label).or_insert(0);
                    *n += 1;
                    format!("<{}_{}>", r.label, n)
                });
                map.entries.insert(ph.clone(), value.to_owned());
                out.push_str(ph);
            }
            RedactStyle::Mask => out.push_str(&mask(value)),
            RedactStyle::Hash => {
                let digest = Sha256::digest(value.as_bytes());
                let short = hex::encode(digest.get(..4).unwrap_or_default());
                out.push_str(&format!("<{}:{}>", r.label, short));
            }
        }
        pos = r.end;
    }
    out.push_str(text.get(pos..).unwrap_or_default());
    (out, map)
}

/// Keeps the last four characters, masks the rest (separators kept for readability).
fn mask(value: &str) -> String {
    let n = value.chars().count();
    value
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i + 4 >= n || !c.is_alphanumeric() {
                c
            } else {
                '*'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize) -> Redaction<'static> {
        Redaction {
            start,
            end,
            label: "EMAIL",
            style: RedactStyle::Placeholder,
        }
    }

    #[test]
    fn same_value_same_placeholder_and_restore_round_trips() {
        let text = "a@x.io and b@y.io and a@x.io";
        let (out, map) = apply(text, vec![span(0, 6), span(11, 17), span(22, 28)]);
        assert_eq!(out, "<EMAIL_1> and <EMAIL_2> and <EMAIL_1>");
        assert_eq!(map.len(), 2);
        assert_eq!(map.restore(&out), text);
        assert!(!format!("{map:?}").contains("a@x.io"));
    }

    #[test]
    fn overlapping_spans_keep_the_wider_one() {
        let (out, _) = apply("0123456789", vec![span(2, 8), span(3, 5)]);
        assert_eq!(out, "01<EMAIL_1>89");
    }

    #[test]
    fn mask_keeps_last_four_and_separators() {
        assert_eq!(mask("4111-1111-1111-1111"), "****-****-****-1111");
    }
}
