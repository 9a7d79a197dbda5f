//! `phrases`: phrase sets matched in every view of the text (canonical, squashed,
//! decoded, ROT13, reversed), in one Aho-Corasick pass shared by the whole stage.
//!
//! Built-in sets live in `crates/phrases/phrases/<set>.txt` (crate
//! [`gatehouse_phrases`]), one phrase per line, grouped by `# lang: xx` comments. A
//! rule may use built-in sets, its own list, or both; with a category override it
//! serves as a banned-phrase list for model output.
//!
//! Phrase lines (built-in or from a policy) may be compact templates, expanded once
//! when the policy compiles (see [`expand_template`]; the built-in sets are expanded
//! and compiled when Gatehouse is built):
//!
//! - `{a|b|c}` is one of the alternatives; an empty alternative makes the group
//!   optional: `ignore {all |}{previous|prior} instructions`. Groups nest.
//! - In phrase files, `@name = template` defines a macro for the lines below it and
//!   `@name` uses it: `@rules = {instructions|rules|guidelines}`.
//! - `\` escapes the next character: `<\|im_start\|>` is a literal `<|im_start|>`.
//! - Whitespace is collapsed after expansion, so optional words need no care about
//!   spaces. One line may expand to at most [`MAX_EXPANSIONS`] phrases.

use serde::{Deserialize, Serialize};

pub use gatehouse_phrases::{MAX_EXPANSIONS, PhraseSet, expand_file, expand_template};

use super::{Check, CompileCtx, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;
use crate::normalise::{self, ViewKind};

/// Configuration of a `phrases` rule.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Built-in phrase sets to include.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<PhraseSet>,
    /// Extra phrases, matched case- and obfuscation-insensitively.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phrases: Vec<String>,
}

/// A compiled `phrases` rule. The phrases themselves live in the stage's matcher;
/// the rule's list is its own phrases followed by those of each built-in set.
#[derive(Debug)]
pub(crate) struct Phrases {
    /// The rule's own phrases, templates expanded.
    own: Vec<String>,
    /// The built-in sets it uses, each with the position of its first phrase in the
    /// rule's list.
    sets: Vec<(PhraseSet, usize)>,
}

impl Phrases {
    pub(crate) fn compile(config: &Config, cx: &mut CompileCtx<'_>) -> Result<Phrases, String> {
        let mut all: Vec<String> = Vec::new();
        for (i, p) in config.phrases.iter().enumerate() {
            all.extend(expand_template(p).map_err(|e| format!("phrases[{i}]: {e}"))?);
        }
        let usable_own = all
            .iter()
            .filter(|p| !normalise::canonical_phrase(p).trim().is_empty())
            .count();
        if usable_own == 0 && config.sets.is_empty() {
            return Err("no usable phrases: give `sets` or `phrases`".to_owned());
        }
        cx.phrases.add_own(cx.index, all.clone());
        let builtin = crate::matcher::builtin()?;
        let mut sets = Vec::with_capacity(config.sets.len());
        let mut offset = all.len();
        for set in &config.sets {
            cx.phrases.add_set(cx.index, *set, offset);
            sets.push((*set, offset));
            offset += builtin.phrases(set.index()).len();
        }
        Ok(Phrases { own: all, sets })
    }

    /// Phrase `i` of the rule's list.
    fn phrase(&self, i: usize) -> Option<&str> {
        if let Some(p) = self.own.get(i) {
            return Some(p);
        }
        let (set, offset) = self.sets.iter().rev().find(|(_, offset)| *offset <= i)?;
        let builtin = crate::matcher::builtin().ok()?;
        builtin
            .phrases(set.index())
            .get(i - offset)
            .map(String::as_str)
    }
}

impl Check for Phrases {
    fn category(&self) -> Category {
        Category::PromptInjection
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        for h in input.phrase_hits.iter().filter(|h| h.owner == input.index) {
            let phrase = self.phrase(h.phrase).unwrap_or("?");
            let reason = match (h.view, h.variant) {
                (ViewKind::Decoded { encoding, .. }, _) => {
                    format!("`{phrase}` in {}-decoded text", encoding.as_str())
                }
                (_, crate::matcher::Variant::Plain) => format!("`{phrase}`"),
                (_, v) => format!("`{phrase}` written {}", v.as_str()),
            };
            hits.push(Hit::new(h.start, h.end, reason));
        }
        Ok(())
    }
}
