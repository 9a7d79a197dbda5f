//! `regex`: user-defined regular expressions (Rust `regex` syntax: linear time, no
//! look-around or back-references), for identifiers of your own (`EMP-\d{6}`) and for
//! structural injection patterns.
//!
//! `views: original` (the default) matches the text as written; `views: canonical`
//! matches the normaliser's canonical view (lower case, confusables folded, hidden
//! characters removed) and maps each match back to the original bytes with
//! [`crate::normalise::View::to_original`]; write such patterns in lower case.

use serde::{Deserialize, Serialize};

use super::{Check, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;
use crate::normalise::ViewKind;

/// Configuration of a `regex` rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The pattern.
    pub pattern: String,
    /// Placeholder label when redacting (`<LABEL_1>`): upper-case letters, digits
    /// and `_`. Default `REDACTED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Which text the pattern runs on. Default `original`.
    #[serde(default)]
    pub views: RegexView,
}

/// Which text a `regex` rule reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegexView {
    /// The text as written.
    #[default]
    Original,
    /// The canonical view of the normaliser, matches mapped back to the original.
    Canonical,
}

/// Compiled size limit of one pattern, so a policy cannot make the guard huge.
const SIZE_LIMIT: usize = 2 * 1024 * 1024;

/// A compiled `regex` rule.
#[derive(Debug)]
pub(crate) struct RegexRule {
    re: ::regex::Regex,
    label: String,
    view: RegexView,
}

impl RegexRule {
    pub(crate) fn compile(config: &Config) -> Result<RegexRule, String> {
        let re = ::regex::RegexBuilder::new(&config.pattern)
            .size_limit(SIZE_LIMIT)
            .build()
            .map_err(|e| {
                format!(
                    "invalid pattern `{}`: {}",
                    config.pattern,
                    one_line(&e.to_string())
                )
            })?;
        if re.is_match("") {
            return Err(format!(
                "pattern `{}` matches the empty string",
                config.pattern
            ));
        }
        let label = config
            .label
            .clone()
            .unwrap_or_else(|| "REDACTED".to_owned());
        if label.is_empty()
            || !label
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(format!(
                "label `{label}` must be upper-case letters, digits and `_`"
            ));
        }
        Ok(RegexRule {
            re,
            label,
            view: config.views,
        })
    }
}

fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Check for RegexRule {
    fn category(&self) -> Category {
        Category::Pii
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn label(&self) -> &str {
        &self.label
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        match self.view {
            RegexView::Original => {
                for m in self.re.find_iter(input.text) {
                    hits.push(Hit::new(m.start(), m.end(), "matches the rule's pattern"));
                }
            }
            RegexView::Canonical => {
                let view = input
                    .views
                    .views
                    .iter()
                    .find(|v| v.kind == ViewKind::Canonical)
                    .ok_or_else(|| RuleError("no canonical view to match".to_owned()))?;
                for m in self.re.find_iter(&view.text) {
                    let span = view.to_original(m.start()..m.end());
                    if span.start < span.end {
                        hits.push(Hit::new(
                            span.start,
                            span.end,
                            "matches the rule's pattern in the canonical text",
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
