//! A set of regexes compiled into one lazy DFA that says which of them may occur in a
//! text, in one pass.
//!
//! Cheaper to build than [`regex::RegexSet`] (no reverse automata, no literal
//! prefilters: only the forward NFA, with the DFA states filled in as the text needs
//! them), which is what a cold start pays for the injection patterns. Patterns are
//! byte-oriented: [`byte_classes`] turns negated ASCII classes such as `[^ \n]` into
//! single-byte classes, so a counted repeat of one is a handful of NFA states, not a
//! copy of a UTF-8 automaton per repetition.
//!
//! **A set is a gate, not the final word.** A counted repeat of [`WIDE_REPEAT`] or more
//! (`[^.\n]{0,60}?`, "within the same sentence") is searched as an unbounded one
//! (`[^.\n]*?`): the answer is every pattern that matches and perhaps a few more, and
//! the caller confirms each with the pattern's own regex. Bounded, such a repeat makes
//! the DFA remember how far back every earlier start lies; on ordinary text that is a
//! new state for nearly every combination of nearby words, and two such patterns in one
//! set multiply. Unbounded, the DFA only remembers that some start was seen.

use regex_automata::hybrid::LazyStateID;
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::pool::Pool;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind, PatternSet};
use regex_syntax::hir::{Capture, Hir, HirKind, Repetition};

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

/// Most memory the lazy DFA of one set may use for its states. A long-lived process
/// keeps building states as new texts come, so every cache ends up full: the sum of
/// these caps is what the pattern search holds in steady state, and it has to fit the
/// function's memory with room to spare (see [`super::pattern_memory_bound`] and the
/// `GuardMemorySize` parameter of `template.yaml`). A full cache is cleared and the
/// search goes on (slower, never wrong: the DFA does not give up). Measured on the dev
/// corpus, first pass of a fresh process (docs/BENCHMARKS.md, seventh session): 8 MiB
/// costs 7 % more instructions than 32 MiB, 4 MiB 23 % more; 16 MiB holds the largest
/// set's states over the whole corpus (11 MB).
pub(crate) const DFA_CACHE: usize = 16 << 20;

impl RegexSet {
    /// Compiles `patterns` (already in byte-oriented form, see [`byte_classes`]).
    pub(crate) fn new(
        patterns: &[String],
        case_insensitive: bool,
        nfa_size_limit: usize,
    ) -> Result<RegexSet, String> {
        RegexSet::with_cache(
            &parse(patterns, case_insensitive)?,
            nfa_size_limit,
            DFA_CACHE,
        )
    }

    /// Compiles patterns already parsed ([`parse`]) with a DFA cache of
    /// `cache_capacity` bytes ([`DFA_CACHE`] for [`RegexSet::new`]; less for a set that
    /// needs few states; tests use the smallest there is, to clear it in the middle of
    /// searches).
    pub(crate) fn with_cache(
        hirs: &[Hir],
        nfa_size_limit: usize,
        cache_capacity: usize,
    ) -> Result<RegexSet, String> {
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(cache_capacity)
                    .skip_cache_capacity_check(true)
                    .minimum_cache_clear_count(None)
                    // `SetGroup` steps through states itself and relies on start
                    // states being untagged (they are without a prefilter; say so).
                    .specialize_start_states(false),
            )
            .build_from_nfa(gate_nfa(hirs, nfa_size_limit)?)
            .map_err(|e| format!("pattern set: {e}"))?;
        let for_cache = dfa.clone();
        let caches: Pool<Cache, NewCache> = Pool::new(Box::new(move || for_cache.create_cache()));
        Ok(RegexSet { dfa, caches })
    }

    /// The indexes (into the patterns given to [`RegexSet::new`]) of the patterns that
    /// may match somewhere in `haystack`, in increasing order: every pattern that
    /// matches, and perhaps some whose wide repeats do not fit (see the module
    /// documentation).
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
        self.which(&mut cache, haystack)
    }

    /// The indexes of the patterns that may match in `haystack` starting at one of
    /// `starts` (increasing positions), each searched anchored there: for patterns
    /// whose every match starts at a line start, the line starts. Look-behind
    /// assertions (`^`, `\b`) see the bytes before each start.
    pub(crate) fn matches_at(
        &self,
        haystack: &[u8],
        starts: impl Iterator<Item = usize>,
    ) -> Result<Vec<usize>, String> {
        let err = |e: &dyn std::fmt::Display| format!("pattern set search: {e}");
        let mut cache = self.caches.get();
        let mut set = PatternSet::new(self.dfa.pattern_len());
        for start in starts {
            let input = Input::new(haystack)
                .range(start..)
                .anchored(Anchored::Yes)
                .earliest(true);
            if self
                .dfa
                .try_search_fwd(&mut cache, &input)
                .map_err(|e| err(&e))?
                .is_some()
            {
                self.dfa
                    .try_which_overlapping_matches(&mut cache, &input.earliest(false), &mut set)
                    .map_err(|e| err(&e))?;
                if set.is_full() {
                    break;
                }
            }
        }
        Ok(set.iter().map(|p| p.as_usize()).collect())
    }

    /// The patterns that match in `haystack`, by the overlapping search.
    fn which(&self, cache: &mut Cache, haystack: &[u8]) -> Result<Vec<usize>, String> {
        let mut set = PatternSet::new(self.dfa.pattern_len());
        self.dfa
            .try_which_overlapping_matches(cache, &Input::new(haystack), &mut set)
            .map_err(|e| format!("pattern set search: {e}"))?;
        Ok(set.iter().map(|p| p.as_usize()).collect())
    }
}

/// Smallest upper bound of a counted repeat that a set searches as unbounded (see the
/// module documentation). The injection patterns' word gaps (`(?: [^ \n]+){0,8}?`) stay
/// exact; their "same sentence" and "same line" gaps of 40 to 120 bytes are relaxed.
/// Measured on the dev corpus (docs/BENCHMARKS.md, seventh session): with the wide gaps
/// exact, one set filled its 32 MiB cache and threw it away on every pass over the
/// corpus, and another held 27 MB; relaxed, the nine sets hold 25 MB in all.
pub(crate) const WIDE_REPEAT: u32 = 20;

/// `hir` with every counted repeat of [`WIDE_REPEAT`] or more made unbounded: a
/// pattern that matches everything `hir` matches, and a little more.
fn relax_wide_repeats(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            min: r.min,
            max: r.max.filter(|&max| max < WIDE_REPEAT),
            greedy: r.greedy,
            sub: Box::new(relax_wide_repeats(&r.sub)),
        }),
        HirKind::Concat(xs) => Hir::concat(xs.iter().map(relax_wide_repeats).collect()),
        HirKind::Alternation(xs) => Hir::alternation(xs.iter().map(relax_wide_repeats).collect()),
        HirKind::Capture(c) => Hir::capture(Capture {
            index: c.index,
            name: c.name.clone(),
            sub: Box::new(relax_wide_repeats(&c.sub)),
        }),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => hir.clone(),
    }
}

/// `patterns` parsed as [`RegexSet::new`] says: byte-oriented (not UTF-8 only), case
/// insensitive when asked.
pub(crate) fn parse(patterns: &[String], case_insensitive: bool) -> Result<Vec<Hir>, String> {
    let syntax = syntax::Config::new()
        .utf8(false)
        .case_insensitive(case_insensitive);
    syntax::parse_many_with(patterns, &syntax).map_err(|e| format!("pattern set: {e}"))
}

/// The NFA a set's DFA is built from: `hirs` with their wide repeats relaxed
/// ([`relax_wide_repeats`]).
fn gate_nfa(hirs: &[Hir], nfa_size_limit: usize) -> Result<thompson::NFA, String> {
    let relaxed: Vec<Hir> = hirs.iter().map(relax_wide_repeats).collect();
    thompson::Compiler::new()
        .configure(
            thompson::Config::new()
                .utf8(false)
                .which_captures(thompson::WhichCaptures::None)
                .nfa_size_limit(Some(nfa_size_limit)),
        )
        .build_many_from_hir(&relaxed)
        .map_err(|e| format!("pattern set: {e}"))
}

/// Several [`RegexSet`]s searched in one pass over a text: each byte moves every set's
/// DFA on before the next byte is read.
///
/// A DFA's search is a chain of dependent loads (the next state needs the current one),
/// so one set alone runs at the speed of the cache's latency, and the sets one after
/// another (the nine of the injection patterns, see `PATTERNS_PER_SET`) pay it once
/// each: half the time of a 1 KB prompt's scan (perf, cycles) for a quarter of its
/// instructions. Stepped together, the chains overlap in the processor. The answer is
/// each set's [`RegexSet::matches`]; tests compare the two.
#[derive(Debug)]
pub(crate) struct SetGroup {
    sets: Vec<RegexSet>,
}

/// A pattern a [`SetGroup`] found in a text, and where its matches end: every match
/// of the pattern ends within `first_end..=last_end` (a match ending at `e` covers
/// bytes before `e`). The bounds are exact, except that `last_end` is the text's
/// length once every pattern of the set was found (the search of that set stops
/// there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SetMatch {
    /// The pattern's index in its set.
    pub(crate) pattern: usize,
    /// Where its first match ends.
    pub(crate) first_end: usize,
    /// Where its last match ends.
    pub(crate) last_end: usize,
}

/// One set's search in a [`SetGroup`] pass.
struct Lane<'a> {
    dfa: &'a DFA,
    cache: &'a mut Cache,
    /// The current state: untagged, or a match state (its patterns are in `ends`);
    /// a dead or quit state ends the lane, an unknown one is computed at once.
    sid: LazyStateID,
    /// For each pattern of the set, where its first and last matches so far end.
    ends: Vec<Option<(usize, usize)>>,
    /// How many patterns of the set have matched.
    found: usize,
    /// Which set of the group.
    set: usize,
}

impl Lane<'_> {
    /// Notes the patterns of `sid`, a match state reached at `at`: matches of them
    /// end at `at`.
    fn add_matches(&mut self, sid: LazyStateID, at: usize) {
        for i in 0..self.dfa.match_len(self.cache, sid) {
            let pattern = self.dfa.match_pattern(self.cache, sid, i).as_usize();
            if let Some(ends) = self.ends.get_mut(pattern) {
                match ends {
                    Some((_, last)) => *last = at,
                    None => {
                        *ends = Some((at, at));
                        self.found += 1;
                    }
                }
            }
        }
    }

    /// True once every pattern of the set has matched: no later byte changes which.
    fn is_full(&self) -> bool {
        self.found == self.ends.len()
    }

    /// What the lane found; `last_end` is `len` for every pattern when it stopped
    /// early (every pattern found).
    fn into_matches(self, len: usize) -> (usize, Vec<SetMatch>) {
        let stopped = self.is_full();
        let found = self
            .ends
            .iter()
            .enumerate()
            .filter_map(|(pattern, ends)| {
                ends.map(|(first_end, last_end)| SetMatch {
                    pattern,
                    first_end,
                    last_end: if stopped { len } else { last_end },
                })
            })
            .collect();
        (self.set, found)
    }
}

impl SetGroup {
    /// The group of `sets`, searched in this order.
    pub(crate) fn new(sets: Vec<RegexSet>) -> SetGroup {
        SetGroup { sets }
    }

    /// For each set, in order, its patterns that may match somewhere in `haystack`
    /// (as [`RegexSet::matches`], by increasing index), with where their matches end;
    /// only the sets `run` says yes to (by index) are searched, the others answer
    /// nothing.
    ///
    /// One pass: a lane that reaches a match state notes its patterns and goes on
    /// (the overlapping search of [`RegexSet::matches`], without its second pass over
    /// the text), and ends when every pattern of its set is found.
    pub(crate) fn matches_of(
        &self,
        haystack: &[u8],
        run: impl Fn(usize) -> bool,
    ) -> Result<Vec<Vec<SetMatch>>, String> {
        let err = |e: &dyn std::fmt::Display| format!("pattern set search: {e}");
        let input = Input::new(haystack);
        let mut found: Vec<Vec<SetMatch>> = vec![Vec::new(); self.sets.len()];
        // The caches are taken out of their pools once; the lanes borrow them, so the
        // loop below reads a plain `&mut Cache`, not a guard.
        let mut guards: Vec<_> = self
            .sets
            .iter()
            .enumerate()
            .filter(|&(set, _)| run(set))
            .map(|(set, rs)| (set, rs, rs.caches.get()))
            .collect();
        let mut lanes = Vec::with_capacity(guards.len());
        for (set, rs, guard) in &mut guards {
            let cache: &mut Cache = guard;
            cache.search_start(0);
            let sid = rs
                .dfa
                .start_state_forward(cache, &input)
                .map_err(|e| err(&e))?;
            // Start states are never match states (matches are delayed a byte) and
            // are untagged without a prefilter; a dead one matches nothing.
            if !sid.is_tagged() {
                lanes.push(Lane {
                    dfa: &rs.dfa,
                    cache,
                    sid,
                    ends: vec![None; rs.dfa.pattern_len()],
                    found: 0,
                    set: *set,
                });
            } else if !sid.is_dead() {
                return Err(format!("pattern set search: start state {sid:?}"));
            }
        }
        let mut done = Vec::new();
        for (at, &byte) in haystack.iter().enumerate() {
            let mut ended = false;
            for lane in &mut lanes {
                let mut next = if lane.sid.is_tagged() {
                    // Only a match state is kept tagged: its next state is computed
                    // with the checks (and at once, if unknown).
                    lane.dfa
                        .next_state(lane.cache, lane.sid, byte)
                        .map_err(|e| err(&e))?
                } else {
                    lane.dfa.next_state_untagged(lane.cache, lane.sid, byte)
                };
                if next.is_tagged() {
                    if next.is_unknown() {
                        lane.cache.search_update(at);
                        next = lane
                            .dfa
                            .next_state(lane.cache, lane.sid, byte)
                            .map_err(|e| err(&e))?;
                    }
                    if next.is_match() {
                        lane.add_matches(next, at);
                        ended |= lane.is_full();
                    } else if next.is_dead() {
                        ended = true;
                    } else if next.is_quit() {
                        return Err(format!(
                            "pattern set search: quit on byte {byte:#04x} at {at}"
                        ));
                    }
                }
                lane.sid = next;
            }
            if ended {
                let (over, go_on): (Vec<_>, Vec<_>) = lanes
                    .into_iter()
                    .partition(|lane| lane.sid.is_dead() || lane.is_full());
                lanes = go_on;
                for lane in over {
                    lane.cache.search_finish(at);
                    done.push(lane.into_matches(haystack.len()));
                }
                if lanes.is_empty() {
                    break;
                }
            }
        }
        for mut lane in lanes {
            let end = lane
                .dfa
                .next_eoi_state(lane.cache, lane.sid)
                .map_err(|e| err(&e))?;
            lane.cache.search_finish(haystack.len());
            if end.is_match() {
                lane.add_matches(end, haystack.len());
            }
            done.push(lane.into_matches(haystack.len()));
        }
        for (set, matches) in done {
            if let Some(f) = found.get_mut(set) {
                *f = matches;
            }
        }
        Ok(found)
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

    /// A set answers every pattern that matches, and a wide repeat that does not fit
    /// may open the gate too; narrow repeats and the repeated class stay exact.
    #[test]
    fn wide_repeats_open_the_gate_and_narrow_ones_stay_exact() {
        let pats: Vec<String> = [r"a[^.]{0,30}b", r"c(?: x){0,4} d", r"e[^.]{0,19}f"]
            .iter()
            .map(|p| byte_classes(p))
            .collect();
        let set = RegexSet::new(&pats, false, 1 << 20).unwrap();
        let far = |l: char, r: char, n: usize| format!("{l}{}{r}", "y".repeat(n));
        let cases: [(String, &[usize]); 8] = [
            (far('a', 'b', 30), &[0]),
            // 40 bytes apart: the pattern does not match, the relaxed gate opens.
            (far('a', 'b', 40), &[0]),
            ("a.b".to_owned(), &[]),
            ("c x x x x d".to_owned(), &[1]),
            ("c x x x x x d".to_owned(), &[]),
            (far('e', 'f', 19), &[2]),
            (far('e', 'f', 20), &[]),
            ("e.f".to_owned(), &[]),
        ];
        for (text, want) in cases {
            assert_eq!(set.matches(text.as_bytes()).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn relaxing_keeps_what_matched_and_changes_only_wide_bounds() {
        let parse = |p: &str| syntax::parse_with(p, &syntax::Config::new().utf8(false)).unwrap();
        for (pattern, relaxed) in [
            (r"a[^.]{0,60}?b", r"a[^.]*?b"),
            (r"(?:x|y{2,100})z", r"(?:x|y{2,})z"),
            (r"(a(?: b){0,19})", r"(a(?: b){0,19})"),
            (r"a{20}", r"a{20,}"),
        ] {
            assert_eq!(
                relax_wide_repeats(&parse(pattern)),
                parse(relaxed),
                "{pattern}"
            );
        }
    }

    /// The patterns of [`group_sets`].
    const GROUP_SOURCES: [&[&str]; 4] = [
        &[
            r"(?-u:\b)ignore(?: [^ \n]+){0,3}? rules(?-u:\b)",
            r"f[o0]o",
            r"z{3}",
        ],
        &[r"^(?:ignore|reveal) ", r"^system:"],
        &[r"ü+x", r"q*", r"(?-u:\b)end$"],
        &[r"(?:you are now|act as)(?: [^ \n]+){0,2}? dan(?-u:\b)"],
    ];

    /// Sets that exercise every way a lane ends: counted word gaps and `\b`, a
    /// pattern that matches the empty string, non-ASCII text, and anchored patterns
    /// whose DFA dies after the first bytes.
    fn group_sets(cache: usize) -> Vec<RegexSet> {
        GROUP_SOURCES
            .iter()
            .map(|pats| {
                let pats: Vec<String> = pats.iter().map(|p| byte_classes(p)).collect();
                RegexSet::with_cache(&parse(&pats, false).unwrap(), 1 << 20, cache).unwrap()
            })
            .collect()
    }

    /// Each set alone, as [`SetGroup::matches_of`] must answer.
    fn one_by_one(sets: &[RegexSet], text: &[u8]) -> Vec<Vec<usize>> {
        sets.iter().map(|s| s.matches(text).unwrap()).collect()
    }

    /// The patterns of a group's answer.
    fn patterns(found: &[Vec<SetMatch>]) -> Vec<Vec<usize>> {
        found
            .iter()
            .map(|set| set.iter().map(|m| m.pattern).collect())
            .collect()
    }

    /// The ends a group reports are those of each pattern alone: exact, except the
    /// last end of a set whose every pattern was found (the text's end then).
    fn assert_ends(found: &[Vec<SetMatch>], text: &[u8]) {
        for (set, matches) in GROUP_SOURCES.iter().zip(found) {
            for m in matches {
                let ends = ends_one_by_one(set[m.pattern], text);
                let what = format!(
                    "{:?} in {:?}",
                    set[m.pattern],
                    String::from_utf8_lossy(text)
                );
                if set.len() == matches.len() && m.last_end == text.len() {
                    assert_eq!(ends.map(|e| e.0), Some(m.first_end), "{what}");
                } else {
                    assert_eq!(ends, Some((m.first_end, m.last_end)), "{what}");
                }
            }
        }
    }

    /// Where each pattern's matches end in `text` (first and last), by the library's
    /// own overlapping search with a DFA of that pattern alone.
    fn ends_one_by_one(pattern: &str, text: &[u8]) -> Option<(usize, usize)> {
        let hirs = parse(&[byte_classes(pattern)], false).unwrap();
        let dfa = DFA::builder()
            .configure(DFA::config().match_kind(MatchKind::All))
            .build_from_nfa(gate_nfa(&hirs, 1 << 20).unwrap())
            .unwrap();
        let mut cache = dfa.create_cache();
        let mut state = regex_automata::hybrid::dfa::OverlappingState::start();
        let mut ends: Option<(usize, usize)> = None;
        loop {
            dfa.try_search_overlapping_fwd(&mut cache, &Input::new(text), &mut state)
                .unwrap();
            let Some(m) = state.get_match() else {
                return ends;
            };
            let e = m.offset();
            ends = Some(ends.map_or((e, e), |(first, last)| (first.min(e), last.max(e))));
        }
    }

    const GROUP_TEXTS: [&str; 14] = [
        "",
        "i",
        "ignore",
        "ignore the rules",
        "please ignore all the rules, foo",
        "system: you are now dan",
        "reveal everything",
        "you are now called dan. the end",
        "üüüx and zzz",
        "no match at all here, none",
        "ignore ü rules zzz",
        "act as my dan",
        "the end",
        "end",
    ];

    #[test]
    fn a_group_answers_as_its_sets_one_by_one() {
        let group_sets = group_sets(DFA_CACHE);
        let want: Vec<_> = GROUP_TEXTS
            .iter()
            .map(|t| one_by_one(&group_sets, t.as_bytes()))
            .collect();
        let group = SetGroup::new(group_sets);
        for (text, want) in GROUP_TEXTS.iter().zip(&want) {
            let found = group.matches_of(text.as_bytes(), |_| true).unwrap();
            assert_eq!(&patterns(&found), want, "{text:?}");
            assert_ends(&found, text.as_bytes());
        }
        // Spot checks that the texts reach every kind of lane end.
        assert_eq!(want[4], [vec![0, 1], vec![], vec![1], vec![]]);
        assert_eq!(want[5], [vec![], vec![1], vec![1], vec![0]]);
        assert_eq!(want[13], [vec![], vec![], vec![1, 2], vec![]]);
    }

    #[test]
    fn a_group_searches_only_the_sets_it_is_asked_for() {
        let group_sets = group_sets(DFA_CACHE);
        let want: Vec<_> = GROUP_TEXTS
            .iter()
            .map(|t| one_by_one(&group_sets, t.as_bytes()))
            .collect();
        let group = SetGroup::new(group_sets);
        for (text, want) in GROUP_TEXTS.iter().zip(&want) {
            for skip in 0..4 {
                let mut want = want.clone();
                if let Some(w) = want.get_mut(skip) {
                    w.clear();
                }
                let got = group
                    .matches_of(text.as_bytes(), |set| set != skip)
                    .unwrap();
                assert_eq!(patterns(&got), want, "{text:?} without set {skip}");
            }
            let none = group.matches_of(text.as_bytes(), |_| false).unwrap();
            assert_eq!(patterns(&none), vec![Vec::<usize>::new(); 4], "{text:?}");
        }
    }

    #[test]
    fn a_group_answers_the_same_when_its_caches_are_cleared_mid_search() {
        // The smallest cache there is: states are thrown away again and again.
        let small = SetGroup::new(group_sets(0));
        let reference = group_sets(DFA_CACHE);
        let long: String = GROUP_TEXTS.concat().repeat(20);
        for text in GROUP_TEXTS.iter().copied().chain([long.as_str()]) {
            for _ in 0..3 {
                assert_eq!(
                    patterns(&small.matches_of(text.as_bytes(), |_| true).unwrap()),
                    one_by_one(&reference, text.as_bytes()),
                    "{text:?}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn a_group_answers_as_its_sets_one_by_one_on_any_text(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "ignore", " ", "the", "rules", "foo", "f0o", "z", "ü", "x", "system:",
                    "reveal ", "you are now", "act as", "dan", "end", "q", "\n", ".",
                    "\u{200b}", "日本",
                ]),
                0..40,
            )
        ) {
            let text = pieces.concat();
            let sets = group_sets(DFA_CACHE);
            let want = one_by_one(&sets, text.as_bytes());
            let found = SetGroup::new(sets).matches_of(text.as_bytes(), |_| true).unwrap();
            proptest::prop_assert_eq!(patterns(&found), want);
            assert_ends(&found, text.as_bytes());
        }
    }
}
