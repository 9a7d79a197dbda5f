//! The finding shape every Gatehouse function answers with (the CLI's shape), shared so
//! the pre-processor and the validator cannot drift apart.

use gatehouse_core::{Action, Category, Finding, Severity};
use serde::{Deserialize, Serialize};

/// One finding as a function returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingOut {
    /// The rule that fired.
    pub rule: String,
    /// Its category.
    pub category: Category,
    /// Its severity.
    pub severity: Severity,
    /// Byte offset of the span in the scanned text.
    pub start: usize,
    /// End of the span.
    pub end: usize,
    /// Which input the span is in (`prompt`, `untrusted[i]`), when a function scans
    /// several; absent when there is only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// What the rule asked for.
    pub action: Action,
    /// The finding's score.
    pub score: f32,
    /// A short reason, without the matched text.
    pub reason: String,
}

impl FindingOut {
    /// A core finding over `text`, the scanned input. If a rule quoted the matched span
    /// in its reason, in any ASCII case (the rules quote the lowercased view), the quote
    /// is masked, so a redacted value cannot come back through a finding.
    pub fn from_core(f: Finding, text: &str) -> FindingOut {
        let reason = match text.get(f.start..f.end) {
            Some(span) if span.len() >= 3 => mask(&f.reason, span),
            _ => f.reason,
        };
        FindingOut {
            rule: f.rule,
            category: f.category,
            severity: f.severity,
            start: f.start,
            end: f.end,
            input: None,
            action: f.action,
            score: f.score,
            reason,
        }
    }

    /// The same finding, tagged with the input it was found in.
    pub fn in_input(mut self, input: &str) -> FindingOut {
        self.input = Some(input.to_owned());
        self
    }
}

/// Serde's `skip_serializing_if` for a count of findings that is absent when zero
/// (`findings_omitted` in the functions' responses and the CLI's lines).
pub fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `reason` with every occurrence of `span`, compared without ASCII case, replaced by
/// `[matched text]`. ASCII lowercasing keeps byte offsets, so the offsets found in the
/// lowercased copies are those of `reason`.
fn mask(reason: &str, span: &str) -> String {
    let (hay, needle) = (reason.to_ascii_lowercase(), span.to_ascii_lowercase());
    let mut out = String::with_capacity(reason.len());
    let mut from = 0;
    while let Some(at) = hay.get(from..).and_then(|h| h.find(&needle)) {
        let start = from + at;
        out.push_str(reason.get(from..start).unwrap_or_default());
        out.push_str("[matched text]");
        from = start + needle.len();
    }
    out.push_str(reason.get(from..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_spans_are_masked_in_any_ascii_case() {
        // (reason, span, masked)
        let table = [
            (
                "phrase `ignore all previous` (override)",
                "Ignore ALL previous",
                "phrase `[matched text]` (override)",
            ),
            (
                "saw abc and ABC",
                "aBc",
                "saw [matched text] and [matched text]",
            ),
            ("no quote here", "xyz", "no quote here"),
            ("émile écrit", "ÉMILE", "émile écrit"),
            ("`émile` écrit", "émile", "`[matched text]` écrit"),
        ];
        for (reason, span, want) in table {
            assert_eq!(mask(reason, span), want, "{reason} / {span}");
        }
    }
}
