//! `phrases`: phrase sets matched in every view of the text (canonical, squashed,
//! decoded, ROT13, reversed), in one Aho-Corasick pass shared by the whole stage.
//!
//! Built-in sets live in `crates/core/phrases/<set>.txt`, one phrase per line, grouped
//! by `# lang: xx` comments. A rule may use built-in sets, its own list, or both;
//! with a category override it serves as a banned-phrase list for model output.

use serde::{Deserialize, Serialize};

use super::{Check, CompileCtx, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;
use crate::normalise::ViewKind;

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

/// The built-in phrase sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhraseSet {
    /// "Ignore previous instructions" and its relatives.
    InstructionOverride,
    /// Requests to reveal the system prompt or hidden instructions.
    PromptExtraction,
    /// "You are now …", "act as …" persona takeovers.
    RoleTakeover,
    /// DAN, developer mode, jailbreak personas.
    DeveloperMode,
    /// Requests to switch off filters, rules or safety.
    FilterDisabling,
    /// Fake system / end-of-input delimiters and chat-template tokens.
    FakeDelimiters,
    /// Instructions aimed at tools: run commands, call functions, send mail.
    ToolAbuse,
    /// Requests to send data to an outside place.
    Exfiltration,
}

impl PhraseSet {
    /// Every built-in set.
    pub const ALL: [PhraseSet; 8] = [
        PhraseSet::InstructionOverride,
        PhraseSet::PromptExtraction,
        PhraseSet::RoleTakeover,
        PhraseSet::DeveloperMode,
        PhraseSet::FilterDisabling,
        PhraseSet::FakeDelimiters,
        PhraseSet::ToolAbuse,
        PhraseSet::Exfiltration,
    ];

    /// The raw text of the set's file.
    pub fn source(self) -> &'static str {
        match self {
            PhraseSet::InstructionOverride => {
                include_str!("../../phrases/instruction_override.txt")
            }
            PhraseSet::PromptExtraction => include_str!("../../phrases/prompt_extraction.txt"),
            PhraseSet::RoleTakeover => include_str!("../../phrases/role_takeover.txt"),
            PhraseSet::DeveloperMode => include_str!("../../phrases/developer_mode.txt"),
            PhraseSet::FilterDisabling => include_str!("../../phrases/filter_disabling.txt"),
            PhraseSet::FakeDelimiters => include_str!("../../phrases/fake_delimiters.txt"),
            PhraseSet::ToolAbuse => include_str!("../../phrases/tool_abuse.txt"),
            PhraseSet::Exfiltration => include_str!("../../phrases/exfiltration.txt"),
        }
    }

    /// The phrases of the set (comments and blank lines dropped).
    pub fn phrases(self) -> impl Iterator<Item = &'static str> {
        self.source()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
    }
}

/// A compiled `phrases` rule. The phrases themselves live in the stage's matcher.
#[derive(Debug)]
pub(crate) struct Phrases {
    /// The rule's phrases, as registered, for readable reasons.
    phrases: Vec<String>,
}

impl Phrases {
    pub(crate) fn compile(config: &Config, cx: &mut CompileCtx<'_>) -> Result<Phrases, String> {
        let mut all: Vec<String> = config.phrases.clone();
        for set in &config.sets {
            all.extend(set.phrases().map(str::to_owned));
        }
        if cx.phrases.add(cx.index, &all) == 0 {
            return Err("no usable phrases: give `sets` or `phrases`".to_owned());
        }
        Ok(Phrases { phrases: all })
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
            let phrase = self.phrases.get(h.phrase).map_or("?", String::as_str);
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
