//! Where the secret rules (`secret_leak`, `secret_hint`, `secret_spelled`) take their
//! secrets from:
//! canary tokens in the policy and, unless turned off, the request's
//! [`crate::ScanContext::secrets`]. Not a rule itself.

use serde::{Deserialize, Serialize};

use crate::request::ScanContext;

/// The secrets a rule watches, as configured in the policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Canary tokens planted in the agent instructions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canaries: Vec<String>,
    /// Also watch the request's `secrets` (default true).
    #[serde(default = "yes")]
    pub from_context: bool,
}

fn yes() -> bool {
    true
}

/// A checked [`Config`].
#[derive(Debug)]
pub(crate) struct Secrets {
    canaries: Vec<String>,
    from_context: bool,
}

impl Secrets {
    /// Refuses empty canaries and a rule with nothing to watch.
    pub(crate) fn compile(config: &Config) -> Result<Secrets, String> {
        Secrets::new(&config.canaries, config.from_context)
    }

    /// The same check for rules whose config has these two fields among others.
    pub(crate) fn new(canaries: &[String], from_context: bool) -> Result<Secrets, String> {
        if let Some(i) = canaries.iter().position(|c| c.trim().is_empty()) {
            return Err(format!("canary {} is empty", i + 1));
        }
        if canaries.is_empty() && !from_context {
            return Err(
                "nothing to look for: give `canaries` or set `from_context: true`".to_owned(),
            );
        }
        Ok(Secrets {
            canaries: canaries.to_vec(),
            from_context,
        })
    }

    /// True when this scan has no secret to watch (the rule can skip the text).
    pub(crate) fn none_in(&self, ctx: &ScanContext) -> bool {
        self.canaries.is_empty() && (!self.from_context || ctx.secrets.is_empty())
    }

    /// Each secret with the name reasons use for it (`request secret 1`), never its value.
    pub(crate) fn each<'a>(
        &'a self,
        ctx: &'a ScanContext,
    ) -> impl Iterator<Item = (String, &'a str)> + 'a {
        let canaries = self
            .canaries
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("configured canary {}", i + 1), s.as_str()));
        let requested = ctx
            .secrets
            .iter()
            .enumerate()
            .filter(|_| self.from_context)
            .map(|(i, s)| (format!("request secret {}", i + 1), s.as_str()));
        canaries.chain(requested)
    }
}

/// Lowercase letters and digits of `s` (what the secret rules compare).
pub(crate) fn plain(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// ASCII words of a text (runs of ASCII letters and digits), lowercased, with byte spans.
pub(crate) fn ascii_words(text: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, b) in text.bytes().enumerate() {
        match (b.is_ascii_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((word_at(text, s, i), s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((word_at(text, s, text.len()), s, text.len()));
    }
    out
}

fn word_at(text: &str, start: usize, end: usize) -> String {
    text.get(start..end)
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// `1..=20` from a number word (`six`) or digits (`6`).
pub(crate) fn small_number(word: &str) -> Option<u32> {
    if let Ok(n) = word.parse::<u32>() {
        return Some(n);
    }
    const WORDS: [&str; 20] = [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    let lower = word.to_ascii_lowercase();
    WORDS
        .iter()
        .position(|w| *w == lower)
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// `1..=20` from an ordinal (`sixth`) or `6th`, `21st`, … up to 99.
pub(crate) fn ordinal(word: &str) -> Option<u32> {
    const WORDS: [&str; 20] = [
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
        "thirteenth",
        "fourteenth",
        "fifteenth",
        "sixteenth",
        "seventeenth",
        "eighteenth",
        "nineteenth",
        "twentieth",
    ];
    let lower = word.to_ascii_lowercase();
    if let Some(i) = WORDS.iter().position(|w| *w == lower) {
        return u32::try_from(i + 1).ok();
    }
    let digits = lower.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = lower.get(digits.len()..)?;
    if matches!(suffix, "st" | "nd" | "rd" | "th") && (1..=2).contains(&digits.len()) {
        return digits.parse().ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_ordinals() {
        assert_eq!(small_number("Six"), Some(6));
        assert_eq!(small_number("12"), Some(12));
        assert_eq!(small_number("dozen"), None);
        assert_eq!(ordinal("sixth"), Some(6));
        assert_eq!(ordinal("10th"), Some(10));
        assert_eq!(ordinal("21st"), Some(21));
        assert_eq!(ordinal("th"), None);
        assert_eq!(ordinal("100th"), None);
    }

    #[test]
    fn words_with_spans() {
        let w = ascii_words("Hi, Zoë 42");
        let texts: Vec<&str> = w.iter().map(|(t, _, _)| t.as_str()).collect();
        assert_eq!(texts, ["hi", "zo", "42"]);
    }
}
