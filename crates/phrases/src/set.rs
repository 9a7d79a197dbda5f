//! The built-in phrase sets: `phrases/<set>.txt`, one template per line, grouped by
//! `# lang: xx` comments.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::template::expand_file;

/// The built-in phrase sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// Every built-in set, in the order of their list numbers in the built-in matcher.
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

    /// The set's number: its position in [`PhraseSet::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The raw text of the set's file.
    pub fn source(self) -> &'static str {
        match self {
            PhraseSet::InstructionOverride => include_str!("../phrases/instruction_override.txt"),
            PhraseSet::PromptExtraction => include_str!("../phrases/prompt_extraction.txt"),
            PhraseSet::RoleTakeover => include_str!("../phrases/role_takeover.txt"),
            PhraseSet::DeveloperMode => include_str!("../phrases/developer_mode.txt"),
            PhraseSet::FilterDisabling => include_str!("../phrases/filter_disabling.txt"),
            PhraseSet::FakeDelimiters => include_str!("../phrases/fake_delimiters.txt"),
            PhraseSet::ToolAbuse => include_str!("../phrases/tool_abuse.txt"),
            PhraseSet::Exfiltration => include_str!("../phrases/exfiltration.txt"),
        }
    }

    /// The phrases of the set, templates expanded (comments, macros and blank lines
    /// dropped). Empty if the set's file is malformed, which a unit test rules out.
    pub fn phrases(self) -> impl Iterator<Item = &'static str> {
        self.expanded()
            .unwrap_or_default()
            .iter()
            .map(String::as_str)
    }

    /// The expanded phrases of the set, computed once per process.
    pub fn expanded(self) -> Result<&'static [String], String> {
        static CACHE: [OnceLock<Result<Vec<String>, String>>; PhraseSet::ALL.len()] =
            [const { OnceLock::new() }; PhraseSet::ALL.len()];
        let slot = CACHE
            .get(self.index())
            .ok_or_else(|| format!("no cache slot for `{self:?}`"))?;
        match slot.get_or_init(|| {
            expand_file(self.source()).map_err(|e| format!("built-in set `{self:?}`: {e}"))
        }) {
            Ok(v) => Ok(v.as_slice()),
            Err(e) => Err(e.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_set_expands() {
        for (i, set) in PhraseSet::ALL.into_iter().enumerate() {
            assert_eq!(set.index(), i);
            let phrases = set.expanded().unwrap();
            assert!(!phrases.is_empty(), "{set:?} is empty");
            for p in phrases {
                assert!(
                    p.chars().count() >= 3,
                    "{set:?}: `{p}` is too short to be specific"
                );
                assert_eq!(p.trim(), p);
            }
        }
    }
}
