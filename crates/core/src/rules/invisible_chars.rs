//! `invisible_chars`: invisible characters with no innocent explanation (zero-width
//! characters inside words, bidirectional overrides, Unicode tag characters, runs of
//! variation selectors). One finding per run the normaliser reports; the text they
//! may carry is decoded and scanned by the other rules anyway, so this rule is about
//! the act of hiding.

use serde::{Deserialize, Serialize};

use super::{Check, CompileCtx, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;
use crate::normalise::HiddenKind;

/// Configuration of an `invisible_chars` rule.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Only report these kinds (`zero_width`, `bidi`, `tag`, `variation_selector`);
    /// all kinds when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<HiddenKind>>,
}

/// A compiled `invisible_chars` rule.
#[derive(Debug)]
pub(crate) struct InvisibleChars {
    kinds: Vec<HiddenKind>,
}

impl InvisibleChars {
    pub(crate) fn compile(
        config: &Config,
        _cx: &mut CompileCtx<'_>,
    ) -> Result<InvisibleChars, String> {
        let kinds = config
            .kinds
            .clone()
            .unwrap_or_else(|| HiddenKind::ALL.to_vec());
        if kinds.is_empty() {
            return Err(
                "`kinds` is empty: list at least one kind, or leave it out for all".to_owned(),
            );
        }
        Ok(InvisibleChars { kinds })
    }
}

impl Check for InvisibleChars {
    fn category(&self) -> Category {
        Category::Obfuscation
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        for h in input
            .views
            .hidden
            .iter()
            .filter(|h| self.kinds.contains(&h.kind))
        {
            let plural = if h.count == 1 { "" } else { "s" };
            let reason = format!("{} hidden {} character{plural}", h.count, h.kind.describe());
            hits.push(Hit::new(h.span.start, h.span.end, reason));
        }
        Ok(())
    }
}
