//! Which line patterns (the injection patterns on the original text) occur in a text,
//! without a DFA over every byte where the patterns allow it.
//!
//! A lazy DFA reads one byte per dependent load: about 1.7 µs for a 1 KB text whatever
//! its patterns (a set of the one pattern `zq` costs the same as the whole line set,
//! docs/BENCHMARKS.md, tenth session). Most line patterns cannot start just anywhere:
//!
//! - a branch that begins at a line start (`(?m)^…`, `\A…`: role markers, headers,
//!   `end of input`, a pasted table's rows, an e-mail header) is searched anchored at
//!   each line start, one set for all such branches ([`RegexSet::matches_at`]): a
//!   line that does not begin like one ends its search within a few bytes;
//! - the other branches of a pattern are one regex of their own, whose search skips
//!   to its literals (`regex-automata`'s meta regex: a prefilter on a literal prefix,
//!   or on an inner literal such as the capitalised task words of
//!   `indirect.spliced_task`).
//!
//! The answer is what one set over all the patterns says (a test compares them):
//! every pattern that matches, and perhaps some whose wide repeats do not fit (the
//! anchored set relaxes them as every set does, see `regex_set`); each pattern's own
//! regex then finds the spans.

use std::sync::OnceLock;

use regex_automata::meta;
use regex_syntax::hir::{Hir, HirKind, Look};

use super::regex_set::{RegexSet, parse};

/// The line patterns of one search, compiled.
#[derive(Debug)]
pub(crate) struct LineSearch {
    /// Every branch that starts at a line start, of every pattern.
    anchored: Option<RegexSet>,
    /// For each branch of `anchored`, its pattern's index in `PATTERNS`.
    anchored_ids: Vec<usize>,
    /// For each pattern with branches that may start anywhere: those branches as one
    /// regex, and the pattern's index in `PATTERNS`.
    anywhere: Vec<(meta::Regex, usize)>,
    /// Every pattern, for a text of very short lines (a flood of newlines), where the
    /// anchored searches would cost more than one pass: built on first use.
    whole: OnceLock<Result<RegexSet, String>>,
    /// The patterns parsed, for `whole`.
    hirs: Vec<Hir>,
    /// For each pattern, its index in `PATTERNS`.
    ids: Vec<usize>,
    nfa_size_limit: usize,
}

/// A text with more line starts than its length divided by this is searched in one
/// pass: each anchored search costs about what a DFA pays for tens of bytes.
const BYTES_PER_LINE: usize = 32;

/// Most memory the anchored set's lazy DFA may hold: its searches start at line starts
/// and stop within a line or two, so it needs far fewer states than a set that runs
/// through the whole text (a full cache is cleared and the search goes on).
pub(crate) const ANCHORED_CACHE: usize = 4 << 20;

/// Most memory the one-pass set's lazy DFA may hold: it only reads texts of very short
/// lines.
pub(crate) const WHOLE_CACHE: usize = 2 << 20;

impl LineSearch {
    /// Compiles `sources` (byte-oriented, case insensitive), the patterns at `ids` in
    /// `PATTERNS`; each regex of branches that start anywhere gets lazy DFAs of at most
    /// `regex_cache` bytes each.
    pub(crate) fn new(
        sources: &[String],
        ids: &[usize],
        nfa_size_limit: usize,
        regex_cache: usize,
    ) -> Result<LineSearch, String> {
        let hirs = parse(sources, true)?;
        let mut anchored = Vec::new();
        let mut anchored_ids = Vec::new();
        let mut anywhere = Vec::new();
        for (hir, &id) in hirs.iter().zip(ids) {
            let (at_line_start, rest): (Vec<Hir>, Vec<Hir>) =
                branches(hir).into_iter().partition(starts_at_line_start);
            for branch in at_line_start {
                anchored.push(branch);
                anchored_ids.push(id);
            }
            if !rest.is_empty() {
                let regex = meta::Builder::new()
                    .configure(
                        meta::Config::new()
                            .utf8_empty(false)
                            .which_captures(regex_automata::nfa::thompson::WhichCaptures::None)
                            .nfa_size_limit(Some(nfa_size_limit))
                            .hybrid_cache_capacity(regex_cache),
                    )
                    .build_from_hir(&Hir::alternation(rest))
                    .map_err(|e| format!("line pattern {id}: {e}"))?;
                anywhere.push((regex, id));
            }
        }
        let anchored = if anchored.is_empty() {
            None
        } else {
            Some(RegexSet::with_cache(
                &anchored,
                nfa_size_limit,
                ANCHORED_CACHE,
            )?)
        };
        Ok(LineSearch {
            anchored,
            anchored_ids,
            anywhere,
            whole: OnceLock::new(),
            hirs,
            ids: ids.to_vec(),
            nfa_size_limit,
        })
    }

    /// How many regexes of branches that start anywhere (at most one per pattern).
    #[cfg(test)]
    pub(crate) fn anywhere_regexes(&self) -> usize {
        self.anywhere.len()
    }

    /// The indexes in `PATTERNS` of the patterns that may match in `text`, increasing.
    pub(crate) fn matches(&self, text: &str) -> Result<Vec<usize>, String> {
        let bytes = text.as_bytes();
        // More than one line per BYTES_PER_LINE bytes: counted only that far.
        let short_lines = memchr::memchr_iter(b'\n', bytes)
            .nth(bytes.len() / BYTES_PER_LINE)
            .is_some();
        let mut found: Vec<usize> = if short_lines {
            self.whole
                .get_or_init(|| RegexSet::with_cache(&self.hirs, self.nfa_size_limit, WHOLE_CACHE))
                .as_ref()
                .map_err(Clone::clone)?
                .matches(bytes)?
                .into_iter()
                .filter_map(|si| self.ids.get(si).copied())
                .collect()
        } else {
            let mut found = Vec::new();
            if let Some(set) = &self.anchored {
                let starts =
                    std::iter::once(0).chain(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
                found.extend(
                    set.matches_at(bytes, starts)?
                        .into_iter()
                        .filter_map(|si| self.anchored_ids.get(si).copied()),
                );
            }
            for (regex, id) in &self.anywhere {
                if !found.contains(id) && regex.is_match(bytes) {
                    found.push(*id);
                }
            }
            found
        };
        found.sort_unstable();
        found.dedup();
        Ok(found)
    }
}

/// The top-level alternatives of a pattern (the pattern itself when it has none).
fn branches(hir: &Hir) -> Vec<Hir> {
    match hir.kind() {
        HirKind::Alternation(xs) => xs.clone(),
        HirKind::Capture(c) => branches(&c.sub),
        _ => vec![hir.clone()],
    }
}

/// Whether every match of `hir` starts at a line start: it begins with `^` (multi-line)
/// or `\A`.
fn starts_at_line_start(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Look(Look::Start | Look::StartLF) => true,
        HirKind::Concat(xs) => xs.first().is_some_and(starts_at_line_start),
        HirKind::Capture(c) => starts_at_line_start(&c.sub),
        HirKind::Alternation(xs) => xs.iter().all(starts_at_line_start),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Synthetic line patterns of every shape: anchored at line starts, at the text's
    /// start, anywhere (with and without a literal), and a pattern mixing both.
    const SOURCES: [&str; 6] = [
        r"(?m)^[ \t>]*(?:system|admin)\s*:",
        r"\A[ \t]*(?:what|how)(?-u:\b)[^\n?]*\?\r?\n",
        r"(?-i:[a-z] (?:What|Tell me)(?-u:\b)[^\n.?!]*[.?!] +[a-z])",
        r"(?m)(?:^[ \t]*\|[^\n]*\|[ \t]*\r?\n[ \t]*\||^[ \t]*subject:[^\n]{1,300}?\n[ \t]*from:|(?-u:\b)reply to this e-?mail(?-u:\b))",
        r"(?m)^[ \t]*end (?:of )?input(?-u:\b)[ \t]*$",
        r"(?-u:\b)zq+(?-u:\b)",
    ];

    fn search() -> LineSearch {
        let sources: Vec<String> = SOURCES.iter().map(|s| (*s).to_owned()).collect();
        let ids: Vec<usize> = (0..SOURCES.len()).map(|i| 10 + i).collect();
        LineSearch::new(&sources, &ids, 1 << 22, 1 << 20).unwrap()
    }

    /// What one set over every pattern says of `text`.
    fn one_set(text: &str) -> Vec<usize> {
        let sources: Vec<String> = SOURCES.iter().map(|s| (*s).to_owned()).collect();
        RegexSet::new(&sources, true, 1 << 22)
            .unwrap()
            .matches(text.as_bytes())
            .unwrap()
            .into_iter()
            .map(|i| 10 + i)
            .collect()
    }

    #[test]
    fn branches_are_split_by_where_they_start() {
        let s = search();
        // Pattern 3 has two branches at line starts and one anywhere.
        assert_eq!(s.anchored_ids, [10, 11, 13, 13, 14]);
        let anywhere: Vec<usize> = s.anywhere.iter().map(|(_, id)| *id).collect();
        assert_eq!(anywhere, [12, 13, 15]);
    }

    const TEXTS: [&str; 16] = [
        "",
        "\n",
        "system: hello",
        "  > ADMIN : hi",
        "hello\n  System:",
        "hello system: not at a line start",
        "What is it?\nand more",
        "so What is it?\nand more",
        "a line\nwhat is it?\n",
        "we went What to do. then on",
        "We went. What to do. Then on",
        "| a | b |\n| c | d |",
        "x | a | b |\n| c | d |",
        "Subject: hi\nFrom: me",
        "questions? reply to this email. end of input",
        "notes\nEnd of input  \nzqq",
    ];

    #[test]
    fn answers_as_one_set_over_every_pattern() {
        let s = search();
        for text in TEXTS {
            assert_eq!(s.matches(text).unwrap(), one_set(text), "{text:?}");
        }
        // Spot checks that the texts reach each kind of branch.
        assert_eq!(s.matches(TEXTS[4]).unwrap(), [10]);
        assert_eq!(s.matches(TEXTS[6]).unwrap(), [11]);
        assert_eq!(s.matches(TEXTS[9]).unwrap(), [12]);
        assert_eq!(s.matches(TEXTS[11]).unwrap(), [13]);
        assert_eq!(s.matches(TEXTS[14]).unwrap(), [13]);
        assert_eq!(s.matches(TEXTS[15]).unwrap(), [14, 15]);
    }

    #[test]
    fn a_flood_of_newlines_is_searched_in_one_pass() {
        let s = search();
        let flood = format!(
            "{}system: x\n{}",
            "\n".repeat(5000),
            "\n|a|\n|b|".repeat(100)
        );
        assert_eq!(s.matches(&flood).unwrap(), one_set(&flood));
        assert_eq!(s.matches(&flood).unwrap(), [10, 13]);
        assert!(s.whole.get().is_some(), "the one-pass set was used");
    }

    proptest::proptest! {
        #[test]
        fn answers_as_one_set_on_any_text(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "system", "admin", ":", " ", "\n", "\r\n", "\t", ">", "what", "What",
                    "how", "?", "we", "a", "Tell me", ".", "!", "|", "subject:", "from:",
                    "reply to this email", "end", "of", "input", "zq", "z", "ü", "x",
                ]),
                0..30,
            )
        ) {
            let text = pieces.concat();
            proptest::prop_assert_eq!(search().matches(&text).unwrap(), one_set(&text));
        }
    }
}
