//! The one decision type every Gatehouse function speaks, and the findings behind it.

use serde::{Deserialize, Serialize};

/// What happens to a request. Ordered from most to least permissive, so the
/// strictest of several decisions is simply the maximum: `deny > review > flag >
/// redact > allow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Nothing found; pass the text on unchanged.
    Allow,
    /// Allowed after rewriting: sensitive values were replaced by placeholders.
    Redact,
    /// Allowed, but recorded for later review.
    Flag,
    /// Route to a human before going further.
    Review,
    /// Refused.
    Deny,
}

impl Decision {
    /// The lowercase name used in JSON, logs and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Redact => "redact",
            Decision::Flag => "flag",
            Decision::Review => "review",
            Decision::Deny => "deny",
        }
    }

    /// True when the text may go on (possibly rewritten or recorded).
    pub fn is_allowed(self) -> bool {
        self <= Decision::Flag
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a policy rule asks for when it fires. A rule cannot ask for `allow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Refuse the request.
    Deny,
    /// Send the request to a human.
    Review,
    /// Let it through and record it.
    Flag,
    /// Rewrite the matched span (see the rule's `redact` style) and let it through.
    Redact,
}

impl From<Action> for Decision {
    fn from(action: Action) -> Self {
        match action {
            Action::Deny => Decision::Deny,
            Action::Review => Decision::Review,
            Action::Flag => Decision::Flag,
            Action::Redact => Decision::Redact,
        }
    }
}

/// What kind of problem a finding reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Category {
    /// An attempt to override or replace the agent's instructions.
    PromptInjection,
    /// An attempt to switch off the model's safety behaviour.
    Jailbreak,
    /// Hidden or encoded text (zero-width characters, base64, …).
    Obfuscation,
    /// Personal data (email, phone, card, IBAN, SSN, IP address, …).
    Pii,
    /// Credentials and keys.
    Secret,
    /// A phrase the policy forbids in model output.
    BannedPhrase,
    /// A structured answer that does not match its JSON schema.
    Schema,
    /// A structured answer whose confidence is below the minimum.
    Confidence,
    /// The system prompt, a canary or a configured secret leaking into output.
    Leak,
    /// Links or images that would carry data to a host outside the allowlist.
    Exfiltration,
    /// A tool call the caller's role may not make.
    ToolAbuse,
    /// An input the guard refuses on its face (too large, unknown role, …).
    Limit,
    /// The guard itself failed; the request is denied (fail closed).
    Internal,
}

impl Category {
    /// The snake_case name used in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::PromptInjection => "prompt_injection",
            Category::Jailbreak => "jailbreak",
            Category::Obfuscation => "obfuscation",
            Category::Pii => "pii",
            Category::Secret => "secret",
            Category::BannedPhrase => "banned_phrase",
            Category::Schema => "schema",
            Category::Confidence => "confidence",
            Category::Leak => "leak",
            Category::Exfiltration => "exfiltration",
            Category::ToolAbuse => "tool_abuse",
            Category::Limit => "limit",
            Category::Internal => "internal",
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a finding is. Also sets a rule's default score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth recording.
    Low,
    /// Worth a look.
    Medium,
    /// Likely an attack or a real leak.
    High,
    /// Certainly an attack or a real leak.
    Critical,
}

impl Severity {
    /// The score a finding of this severity carries when its rule sets none.
    pub fn default_score(self) -> f32 {
        match self {
            Severity::Low => 0.25,
            Severity::Medium => 0.5,
            Severity::High => 0.8,
            Severity::Critical => 0.95,
        }
    }

    /// The lowercase name used in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing a rule found, with where it is in the original text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The id of the policy rule that fired (e.g. `injection.instruction_override`).
    pub rule: String,
    /// What kind of problem this is.
    pub category: Category,
    /// How bad it is.
    pub severity: Severity,
    /// Byte offset of the start of the span in the original text.
    pub start: usize,
    /// Byte offset one past the end of the span in the original text.
    pub end: usize,
    /// What the rule asked for.
    pub action: Action,
    /// This finding's contribution to the risk score, in `[0, 1]`.
    pub score: f32,
    /// A short reason, free of the matched text itself.
    pub reason: String,
}

/// The outcome of scanning one text.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// What to do with the text.
    pub decision: Decision,
    /// Combined risk score in `[0, 1]` (noisy-or of the non-redaction findings).
    pub score: f32,
    /// What the rules found, in text order: at most [`MAX_FINDINGS_PER_RULE`] per
    /// rule and [`MAX_FINDINGS`] in all (the strictest kept), so a text with thousands
    /// of e-mail addresses gives a record that fits a log event and a state machine's
    /// payload. The decision, the score and the redaction use every finding.
    pub findings: Vec<Finding>,
    /// How many findings were left out of [`Verdict::findings`] by the caps.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub findings_omitted: usize,
    /// The text with redacted spans replaced, when any rule redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redacted: Option<String>,
    /// Internal errors that forced a deny (fail closed). Empty in normal operation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Placeholder → original value, for restoring redacted values after inference.
    /// Never serialised: it must not reach logs or responses in clear.
    #[serde(skip)]
    pub redactions: crate::redact::RedactionMap,
    /// What the policy's shadow (candidate) policy decided, when it has one. Recorded
    /// for comparison only: it never changes [`Verdict::decision`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow: Option<ShadowVerdict>,
}

/// The outcome of the shadow policy on the same text: recorded, never enforced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadowVerdict {
    /// What the shadow policy would have done (`deny` if it failed: fail closed).
    pub decision: Decision,
    /// Its combined risk score.
    pub score: f32,
    /// The ids of the rules that fired under it, deduplicated, in text order.
    pub rules: Vec<String>,
    /// Internal errors of the shadow policy; they never affect the enforced verdict.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl ShadowVerdict {
    /// Summarises a verdict of the shadow policy.
    pub fn from_verdict(v: &Verdict) -> ShadowVerdict {
        ShadowVerdict {
            decision: v.decision,
            score: v.score,
            rules: v.rule_ids(),
            errors: v.errors.clone(),
        }
    }
}

/// Most findings of one rule a [`Verdict`] keeps (the first in text order).
pub const MAX_FINDINGS_PER_RULE: usize = 16;
/// Most findings a [`Verdict`] keeps in all, beyond one for each rule that fired.
pub const MAX_FINDINGS: usize = 64;

/// Serde's `skip_serializing_if` for counts that are absent when zero.
pub(crate) fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Which of a list of findings, given as (rule id, action) in text order, the caps of
/// [`Verdict::findings`] keep; `None` when every one fits. Every rule that fired keeps
/// its first finding (even past [`MAX_FINDINGS`]); the rest of the room goes to the
/// strictest actions, then to the earliest. Shared by the guard and by handlers that
/// merge the findings of several texts.
pub fn findings_to_keep<'a>(
    items: impl IntoIterator<Item = (&'a str, Action)>,
) -> Option<Vec<bool>> {
    let items = items.into_iter();
    // The common case, without allocating: so few that no cap can bite.
    if items
        .size_hint()
        .1
        .is_some_and(|n| n <= MAX_FINDINGS_PER_RULE)
    {
        return None;
    }
    // Each finding's number among its rule's (1 for the first), in text order.
    let mut seen: Vec<(&str, usize)> = Vec::new();
    let items: Vec<(usize, Action)> = items
        .into_iter()
        .map(|(rule, action)| {
            let n = match seen.iter_mut().find(|(r, _)| *r == rule) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    seen.push((rule, 1));
                    1
                }
            };
            (n, action)
        })
        .collect();
    if items.len() <= MAX_FINDINGS && items.iter().all(|&(n, _)| n <= MAX_FINDINGS_PER_RULE) {
        return None;
    }
    // Rank: a rule's first finding, then stricter actions, then text order.
    let mut ranked: Vec<(bool, std::cmp::Reverse<Decision>, usize)> = items
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| *n <= MAX_FINDINGS_PER_RULE)
        .map(|(i, &(n, a))| (n > 1, std::cmp::Reverse(Decision::from(a)), i))
        .collect();
    ranked.sort_unstable();
    ranked.truncate(MAX_FINDINGS.max(seen.len()));
    let mut keep = vec![false; items.len()];
    for &(_, _, i) in &ranked {
        if let Some(k) = keep.get_mut(i) {
            *k = true;
        }
    }
    Some(keep)
}

/// Caps `findings` (in text order) with [`findings_to_keep`] and returns how many it
/// left out. The kept findings stay in text order.
pub(crate) fn cap_findings(findings: &mut Vec<Finding>) -> usize {
    retain_kept(findings, |f| (f.rule.as_str(), f.action))
}

/// Keeps the items of `list` that the caps of [`Verdict::findings`] keep (every rule's
/// first finding, then the strictest actions, then the earliest), reading each one's
/// rule id and action with `key`; returns how many it dropped.
pub fn retain_kept<T>(list: &mut Vec<T>, key: impl Fn(&T) -> (&str, Action)) -> usize {
    let Some(keep) = findings_to_keep(list.iter().map(&key)) else {
        return 0;
    };
    let before = list.len();
    let mut flags = keep.into_iter();
    list.retain(|_| flags.next().unwrap_or(false));
    before - list.len()
}

impl Verdict {
    /// The ids of the rules behind the findings, each once, in finding order.
    pub fn rule_ids(&self) -> Vec<String> {
        let mut rules: Vec<String> = Vec::new();
        for f in &self.findings {
            if !rules.contains(&f.rule) {
                rules.push(f.rule.clone());
            }
        }
        rules
    }

    /// A verdict that denies because the guard itself failed.
    pub fn internal_error(rule: &str, error: impl std::fmt::Display, text_len: usize) -> Self {
        let reason = format!("guard error: {error}");
        Verdict {
            decision: Decision::Deny,
            score: 1.0,
            findings: vec![Finding {
                rule: rule.to_owned(),
                category: Category::Internal,
                severity: Severity::Critical,
                start: 0,
                end: text_len,
                action: Action::Deny,
                score: 1.0,
                reason: reason.clone(),
            }],
            findings_omitted: 0,
            redacted: None,
            errors: vec![reason],
            redactions: crate::redact::RedactionMap::default(),
            shadow: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `count` findings of `rule` with `action`, one byte apart from `at`.
    fn run(rule: &str, action: Action, at: usize, count: usize) -> Vec<Finding> {
        (at..at + count)
            .map(|i| Finding {
                rule: rule.to_owned(),
                category: Category::Pii,
                severity: Severity::Medium,
                start: i,
                end: i + 1,
                action,
                score: 0.5,
                reason: String::new(),
            })
            .collect()
    }

    fn kept_per_rule(findings: &[Finding]) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for f in findings {
            match out.iter_mut().find(|(r, _)| *r == f.rule) {
                Some((_, n)) => *n += 1,
                None => out.push((f.rule.clone(), 1)),
            }
        }
        out
    }

    #[test]
    fn findings_are_capped_per_rule_and_in_all() {
        use Action::{Deny, Flag, Redact};
        // (runs of (rule, action, first byte, count), kept per rule in first-seen order, omitted)
        type Runs = Vec<(&'static str, Action, usize, usize)>;
        type Kept = Vec<(&'static str, usize)>;
        let table: Vec<(Runs, Kept, usize)> = vec![
            (vec![("a", Flag, 0, 3)], vec![("a", 3)], 0),
            (vec![("a", Redact, 0, 16)], vec![("a", 16)], 0),
            (vec![("a", Redact, 0, 40)], vec![("a", 16)], 24),
            // Per-rule caps alone bring it under the total.
            (
                vec![
                    ("a", Redact, 0, 50),
                    ("b", Deny, 100, 10),
                    ("c", Flag, 200, 50),
                ],
                vec![("a", 16), ("b", 10), ("c", 16)],
                68,
            ),
            // Five rules of 16 are 80: the strictest fill the room first, and every
            // rule keeps its first finding.
            (
                vec![
                    ("r", Redact, 0, 20),
                    ("f", Flag, 100, 20),
                    ("d", Deny, 200, 20),
                    ("e", Deny, 300, 20),
                    ("g", Flag, 400, 20),
                ],
                vec![("r", 1), ("f", 16), ("d", 16), ("e", 16), ("g", 15)],
                100 - 64,
            ),
        ];
        for (runs, want, omitted) in table {
            let mut findings: Vec<Finding> = runs
                .iter()
                .flat_map(|&(r, a, at, n)| run(r, a, at, n))
                .collect();
            let got = cap_findings(&mut findings);
            let want: Vec<(String, usize)> = want.iter().map(|&(r, n)| (r.to_owned(), n)).collect();
            assert_eq!((kept_per_rule(&findings), got), (want, omitted), "{runs:?}");
            assert!(
                findings.windows(2).all(|w| w[0].start < w[1].start),
                "{runs:?}: not in text order"
            );
            // Within a rule, the first findings are the ones kept.
            for (rule, n) in kept_per_rule(&findings) {
                let at = runs.iter().find(|x| x.0 == rule).map_or(0, |x| x.2);
                let starts: Vec<usize> = findings
                    .iter()
                    .filter(|f| f.rule == rule)
                    .map(|f| f.start)
                    .collect();
                assert_eq!(starts, (at..at + n).collect::<Vec<_>>(), "{runs:?} {rule}");
            }
        }
    }
}
