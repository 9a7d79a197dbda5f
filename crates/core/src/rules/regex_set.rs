//! A set of regexes compiled into one lazy DFA that says which of them occur in a
//! text, in one pass.
//!
//! Cheaper to build than [`regex::RegexSet`] (no reverse automata, no literal
//! prefilters: only the forward NFA, with the DFA states filled in as the text needs
//! them), which is what a cold start pays for the injection patterns. Patterns are
//! byte-oriented: [`byte_classes`] turns negated ASCII classes such as `[^ \n]` into
//! single-byte classes, so a counted repeat of one is a handful of NFA states, not a
//! copy of a UTF-8 automaton per repetition.

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::pool::Pool;
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind, PatternSet};

type NewCache =
    Box<dyn Fn() -> Cache + Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>;

/// Which patterns of a set occur in a text.
pub(crate) struct RegexSet {
    dfa: DFA,
    caches: Pool<Cache, NewCache>,
}

impl std::fmt::Debug for RegexSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegexSet")
            .field("patterns", &self.dfa.pattern_len())
            .finish()
    }
}

/// Most memory the lazy DFA of one set may use for its states: large enough that
/// ordinary text never clears it; hostile text clears it and goes on (slower, never
/// wrong: the DFA does not give up).
const DFA_CACHE: usize = 32 << 20;

impl RegexSet {
    /// Compiles `patterns` (already in byte-oriented form, see [`byte_classes`]).
    pub(crate) fn new(
        patterns: &[String],
        case_insensitive: bool,
        nfa_size_limit: usize,
    ) -> Result<RegexSet, String> {
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(DFA_CACHE)
                    .minimum_cache_clear_count(None),
            )
            .syntax(
                syntax::Config::new()
                    .utf8(false)
                    .case_insensitive(case_insensitive),
            )
            .thompson(
                thompson::Config::new()
                    .utf8(false)
                    .which_captures(thompson::WhichCaptures::None)
                    .nfa_size_limit(Some(nfa_size_limit)),
            )
            .build_many(patterns)
            .map_err(|e| format!("pattern set: {e}"))?;
        let for_cache = dfa.clone();
        let caches: Pool<Cache, NewCache> = Pool::new(Box::new(move || for_cache.create_cache()));
        Ok(RegexSet { dfa, caches })
    }

    /// The indexes (into the patterns given to [`RegexSet::new`]) of the patterns that
    /// match somewhere in `haystack`, in increasing order.
    ///
    /// Most texts match none: a forward search that stops at the first match of any
    /// pattern (the DFA's fast loop) answers that, and only a text with a match pays
    /// for the overlapping search that tells which.
    pub(crate) fn matches(&self, haystack: &[u8]) -> Result<Vec<usize>, String> {
        let mut cache = self.caches.get();
        let any = self
            .dfa
            .try_search_fwd(&mut cache, &Input::new(haystack).earliest(true))
            .map_err(|e| format!("pattern set search: {e}"))?;
        if any.is_none() {
            return Ok(Vec::new());
        }
        let mut set = PatternSet::new(self.dfa.pattern_len());
        self.dfa
            .try_which_overlapping_matches(&mut cache, &Input::new(haystack), &mut set)
            .map_err(|e| format!("pattern set search: {e}"))?;
        Ok(set.iter().map(|p| p.as_usize()).collect())
    }
}

/// Rewrites every negated character class made only of ASCII (`[^ \n]`, `[^)\s]`) as
/// a byte class (`(?-u:[^ \n])`). On valid UTF-8 the two match the same runs between
/// ASCII delimiters; the byte class is one NFA state instead of a UTF-8 automaton.
/// Counted repeats of such a class count bytes rather than characters.
pub(crate) fn byte_classes(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == '\\' {
            out.push(c);
            out.extend(chars.get(i + 1));
            i += 2;
            continue;
        }
        if c == '[' && chars.get(i + 1) == Some(&'^') {
            // Find the closing bracket, skipping escapes; a `]` right after `[^` is
            // literal.
            let mut j = i + 2;
            if chars.get(j) == Some(&']') {
                j += 1;
            }
            let mut ascii = true;
            while let Some(&d) = chars.get(j) {
                if d == ']' {
                    break;
                }
                if d == '\\' {
                    j += 1;
                } else if d == '[' || !d.is_ascii() {
                    // Nested classes and non-ASCII members stay as written.
                    ascii = false;
                }
                j += 1;
            }
            let class: String = chars.get(i..=j).unwrap_or_default().iter().collect();
            if ascii && chars.get(j) == Some(&']') {
                out.push_str("(?-u:");
                out.push_str(&class);
                out.push(')');
            } else {
                out.push_str(&class);
            }
            i = j + 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_negated_classes_become_byte_classes() {
        let cases = [
            (r"a(?: [^ \n]+){0,4}? b", r"a(?: (?-u:[^ \n])+){0,4}? b"),
            (r"!\[[^\]]{0,80}\]", r"!\[(?-u:[^\]]){0,80}\]"),
            (r"[^)\s]{1,200}", r"(?-u:[^)\s]){1,200}"),
            (r"[^。！？\n]{0,12}", r"[^。！？\n]{0,12}"),
            (r"[abc] \[^x]", r"[abc] \[^x]"),
            (r"[^]a]", r"(?-u:[^]a])"),
        ];
        for (input, want) in cases {
            assert_eq!(byte_classes(input), want, "{input}");
        }
    }

    #[test]
    fn finds_which_patterns_occur() {
        let pats: Vec<String> = [
            r"(?-u:\b)ignore (?:[^ \n]+ ){0,3}?rules(?-u:\b)",
            r"f[o0]o",
            r"z{3}",
        ]
        .iter()
        .map(|p| byte_classes(p))
        .collect();
        let set = RegexSet::new(&pats, false, 1 << 20).unwrap();
        assert_eq!(
            set.matches(b"please ignore all the rules, foo").unwrap(),
            [0, 1]
        );
        assert_eq!(
            set.matches("ignore ü rules zzz".as_bytes()).unwrap(),
            [0, 2]
        );
        assert!(set.matches(b"nothing here").unwrap().is_empty());
        let ci = RegexSet::new(&pats, true, 1 << 20).unwrap();
        assert_eq!(ci.matches(b"IGNORE THE RULES").unwrap(), [0]);
    }
}
