//! One Aho-Corasick pass per view for every phrase of every phrase rule in a stage.
//!
//! Each phrase is registered in several forms: canonical (matched against canonical
//! and decoded views), squashed (matched against the squashed view, for phrases long
//! enough not to collide across word boundaries), and the ROT13 and reversed forms of
//! the canonical phrase, so ROT13'd or reversed text is caught without extra views.

use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::normalise::{self, Form, Normalised, ViewKind};

/// Squashed phrases shorter than this are not matched in the squashed view: too
/// likely to span word boundaries of innocent text.
const MIN_SQUASHED_LEN: usize = 12;

/// How a phrase was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// As written (after canonicalisation).
    Plain,
    /// With spacing or punctuation noise removed, or leetspeak folded.
    Squashed,
    /// ROT13-encoded.
    Rot13,
    /// Written backwards.
    Reversed,
}

impl Variant {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Variant::Plain => "plain",
            Variant::Squashed => "spaced or leetspeak",
            Variant::Rot13 => "rot13",
            Variant::Reversed => "reversed",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct PatternMeta {
    owner: usize,
    phrase: usize,
    variant: Variant,
    /// Require a non-alphanumeric character (or text edge) on each side.
    boundary: bool,
}

/// A phrase in the forms the automata match: canonical (trimmed) and squashed.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// Canonical form, trimmed.
    canonical: String,
    /// Canonical form of the ROT13'd raw phrase, trimmed.
    raw_rot13: String,
    /// Canonical form of the reversed raw phrase, trimmed.
    raw_reversed: String,
    /// Squashed form.
    squashed: String,
}

impl Prepared {
    /// Normalises `phrase` (and its ROT13 and reversal) once.
    pub(crate) fn new(phrase: &str) -> Prepared {
        let canon = |p: &str| normalise::canonical_phrase(p).trim().to_owned();
        let reversed: String = phrase.chars().rev().collect();
        Prepared {
            canonical: canon(phrase),
            raw_rot13: canon(&rot13(phrase)),
            raw_reversed: canon(&reversed),
            squashed: normalise::squashed_phrase(phrase),
        }
    }
}

/// Collects phrases from the rules of one stage before building the automata.
#[derive(Debug, Default)]
pub(crate) struct PhraseSetBuilder {
    canonical: Vec<(String, PatternMeta)>,
    squashed: Vec<(String, PatternMeta)>,
}

impl PhraseSetBuilder {
    /// Registers already prepared phrases for the rule at `owner`; the n-th item is
    /// phrase `n` of the rule. Returns how many were usable.
    pub(crate) fn add_prepared<'p>(
        &mut self,
        owner: usize,
        phrases: impl Iterator<Item = &'p Prepared>,
    ) -> usize {
        let mut usable = 0;
        for (i, prepared) in phrases.enumerate() {
            let canon = prepared.canonical.as_str();
            if canon.is_empty() {
                continue;
            }
            usable += 1;
            let boundary = canon
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
                || canon
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_ascii_alphanumeric());
            let meta = |variant: Variant, boundary: bool| PatternMeta {
                owner,
                phrase: i,
                variant,
                boundary,
            };
            self.canonical
                .push((canon.to_owned(), meta(Variant::Plain, boundary)));
            // ROT13 and reversal of the canonical phrase, and the canonical form of the
            // ROT13'd or reversed raw phrase: they differ when folding does not commute
            // with the transformation (`précédent` ROT13s to `cerpéqrag`, which folds
            // to `cerpeqrag`, not to ROT13 of `precedent`).
            let rot = rot13(canon);
            if rot != canon {
                let raw_rot = prepared.raw_rot13.as_str();
                if raw_rot != rot && raw_rot != canon && !raw_rot.is_empty() {
                    self.canonical
                        .push((raw_rot.to_owned(), meta(Variant::Rot13, boundary)));
                }
                self.canonical.push((rot, meta(Variant::Rot13, boundary)));
            }
            if canon.chars().count() >= 8 {
                let rev: String = canon.chars().rev().collect();
                let raw_rev = prepared.raw_reversed.as_str();
                if raw_rev != rev && raw_rev != canon && !raw_rev.is_empty() {
                    self.canonical
                        .push((raw_rev.to_owned(), meta(Variant::Reversed, boundary)));
                }
                if rev != canon {
                    self.canonical
                        .push((rev, meta(Variant::Reversed, boundary)));
                }
            }
            if prepared.squashed.len() >= MIN_SQUASHED_LEN {
                self.squashed
                    .push((prepared.squashed.clone(), meta(Variant::Squashed, false)));
            }
        }
        usable
    }

    /// Builds the matchers of several stages at once: one automaton per form over
    /// the distinct phrases of every stage (stages mostly share their phrase sets,
    /// so this builds each automaton once), and per stage a table from pattern to
    /// the rules that registered it there.
    pub(crate) fn build_all<const N: usize>(
        builders: [PhraseSetBuilder; N],
    ) -> Result<[PhraseMatcher; N], String> {
        let mut canonical = Shared::default();
        let mut squashed = Shared::default();
        let mut tables: Vec<(MetaTable, MetaTable)> = Vec::with_capacity(N);
        for b in builders {
            tables.push((canonical.add(b.canonical), squashed.add(b.squashed)));
        }
        let canonical_ac = canonical.build()?;
        let squashed_ac = squashed.build()?;
        let matchers: Vec<PhraseMatcher> = tables
            .into_iter()
            .map(|(c, s)| PhraseMatcher {
                canonical: (!c.is_empty()).then(|| canonical_ac.clone()).flatten(),
                canonical_meta: c,
                squashed: (!s.is_empty()).then(|| squashed_ac.clone()).flatten(),
                squashed_meta: s,
            })
            .collect();
        matchers
            .try_into()
            .map_err(|_| "phrase matcher count mismatch".to_owned())
    }
}

/// The distinct pattern strings of one form, across stages.
#[derive(Debug, Default)]
struct Shared {
    patterns: Vec<String>,
    ids: HashMap<String, usize>,
}

impl Shared {
    /// Interns the patterns of one stage and returns that stage's table.
    fn add(&mut self, pats: Vec<(String, PatternMeta)>) -> MetaTable {
        let mut by_id: Vec<(usize, PatternMeta)> = Vec::with_capacity(pats.len());
        for (text, meta) in pats {
            let id = match self.ids.get(&text) {
                Some(&id) => id,
                None => {
                    let id = self.patterns.len();
                    self.patterns.push(text.clone());
                    self.ids.insert(text, id);
                    id
                }
            };
            by_id.push((id, meta));
        }
        // Stable: metas of one pattern keep their registration order.
        by_id.sort_by_key(|(id, _)| *id);
        let mut table = MetaTable::default();
        for (id, meta) in by_id {
            while table.starts.len() <= id {
                table.starts.push(table.metas.len());
            }
            table.metas.push(meta);
        }
        table.starts.push(table.metas.len());
        table
    }

    fn build(&self) -> Result<Option<Arc<AhoCorasick>>, String> {
        if self.patterns.is_empty() {
            return Ok(None);
        }
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            // The views are mostly ordinary letters, where a rare-byte prefilter
            // fires constantly and costs more than the automaton it guards
            // (measured on 1 MiB adversarial inputs: ~40% slower with it).
            .prefilter(false)
            .build(&self.patterns)
            .map(|ac| Some(Arc::new(ac)))
            .map_err(|e| format!("cannot build phrase automaton: {e}"))
    }
}

/// For each pattern id of a shared automaton, the metas one stage registered for it
/// (`metas[starts[id]..starts[id + 1]]`; ids past the end have none).
#[derive(Debug, Default)]
struct MetaTable {
    starts: Vec<usize>,
    metas: Vec<PatternMeta>,
}

impl MetaTable {
    fn is_empty(&self) -> bool {
        self.metas.is_empty()
    }

    fn get(&self, id: usize) -> &[PatternMeta] {
        match (self.starts.get(id), self.starts.get(id + 1)) {
            (Some(&s), Some(&e)) => self.metas.get(s..e).unwrap_or_default(),
            _ => &[],
        }
    }
}

/// The compiled phrase automata of one stage (shared with the other stages).
#[derive(Debug, Default)]
pub(crate) struct PhraseMatcher {
    canonical: Option<Arc<AhoCorasick>>,
    canonical_meta: MetaTable,
    squashed: Option<Arc<AhoCorasick>>,
    squashed_meta: MetaTable,
}

/// One phrase occurrence, already mapped back to the original text.
#[derive(Debug, Clone)]
pub(crate) struct PhraseHit {
    /// Index of the rule that registered the phrase.
    pub owner: usize,
    /// Index of the phrase within that rule's list.
    pub phrase: usize,
    /// How it was written.
    pub variant: Variant,
    /// Which view it was found in.
    pub view: ViewKind,
    /// Byte range in the original text.
    pub start: usize,
    /// End of the byte range in the original text.
    pub end: usize,
}

impl PhraseMatcher {
    pub(crate) fn is_empty(&self) -> bool {
        self.canonical.is_none() && self.squashed.is_none()
    }

    /// Runs every automaton once over each view it applies to.
    pub(crate) fn find(&self, norm: &Normalised) -> Vec<PhraseHit> {
        let mut hits = Vec::new();
        for view in &norm.views {
            let (ac, meta) = match view.form {
                Form::Canonical => (&self.canonical, &self.canonical_meta),
                Form::Squashed => (&self.squashed, &self.squashed_meta),
            };
            let Some(ac) = ac else { continue };
            let bytes = view.text.as_bytes();
            for m in ac.find_overlapping_iter(&view.text) {
                let metas = meta.get(m.pattern().as_usize());
                if metas.is_empty() {
                    continue;
                }
                let bounded =
                    is_boundary(bytes, m.start(), true) && is_boundary(bytes, m.end(), false);
                let span = view.to_original(m.start()..m.end());
                for meta in metas.iter().filter(|meta| bounded || !meta.boundary) {
                    hits.push(PhraseHit {
                        owner: meta.owner,
                        phrase: meta.phrase,
                        variant: meta.variant,
                        view: view.kind,
                        start: span.start,
                        end: span.end,
                    });
                }
            }
        }
        hits
    }
}

/// True when the byte at the edge of a match is not an ASCII letter or digit.
fn is_boundary(bytes: &[u8], at: usize, before: bool) -> bool {
    let neighbour = if before {
        at.checked_sub(1).and_then(|i| bytes.get(i))
    } else {
        bytes.get(at)
    };
    neighbour.is_none_or(|b| !b.is_ascii_alphanumeric())
}

/// ROT13 of ASCII letters; everything else unchanged.
pub(crate) fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='m' | 'A'..='M' => char::from(c as u8 + 13),
            'n'..='z' | 'N'..='Z' => char::from(c as u8 - 13),
            _ => c,
        })
        .collect()
}
