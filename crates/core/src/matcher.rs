//! One Aho-Corasick pass per view for every phrase of every phrase rule in a stage.
//!
//! Each phrase is registered in several forms: canonical (matched against canonical
//! and decoded views), squashed (matched against the squashed view, for phrases long
//! enough not to collide across word boundaries), and the ROT13 and reversed forms of
//! the canonical phrase, so ROT13'd or reversed text is caught without extra views.

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

/// Collects phrases from the rules of one stage before building the automata.
#[derive(Debug, Default)]
pub(crate) struct PhraseSetBuilder {
    canonical: Vec<String>,
    canonical_meta: Vec<PatternMeta>,
    squashed: Vec<String>,
    squashed_meta: Vec<PatternMeta>,
}

impl PhraseSetBuilder {
    /// Registers `phrases` for the rule at `owner`. Returns how many were usable.
    pub(crate) fn add(&mut self, owner: usize, phrases: &[String]) -> usize {
        let mut usable = 0;
        for (i, phrase) in phrases.iter().enumerate() {
            let canon = normalise::canonical_phrase(phrase);
            let canon = canon.trim();
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
            let mut push = |text: String, variant: Variant| {
                self.canonical.push(text);
                self.canonical_meta.push(PatternMeta {
                    owner,
                    phrase: i,
                    variant,
                    boundary,
                });
            };
            push(canon.to_owned(), Variant::Plain);
            // ROT13 and reversal of the canonical phrase, and the canonical form of the
            // ROT13'd or reversed raw phrase: they differ when folding does not commute
            // with the transformation (`précédent` ROT13s to `cerpéqrag`, which folds
            // to `cerpeqrag`, not to ROT13 of `precedent`).
            let rot = rot13(canon);
            let raw_rot = normalise::canonical_phrase(&rot13(phrase))
                .trim()
                .to_owned();
            if rot != canon {
                if raw_rot != rot && raw_rot != canon && !raw_rot.is_empty() {
                    push(raw_rot, Variant::Rot13);
                }
                push(rot, Variant::Rot13);
            }
            if canon.chars().count() >= 8 {
                let rev: String = canon.chars().rev().collect();
                let raw_rev: String = phrase.chars().rev().collect();
                let raw_rev = normalise::canonical_phrase(&raw_rev).trim().to_owned();
                if raw_rev != rev && raw_rev != canon && !raw_rev.is_empty() {
                    push(raw_rev, Variant::Reversed);
                }
                if rev != canon {
                    push(rev, Variant::Reversed);
                }
            }
            let squashed = normalise::squashed_phrase(phrase);
            if squashed.len() >= MIN_SQUASHED_LEN {
                self.squashed.push(squashed);
                self.squashed_meta.push(PatternMeta {
                    owner,
                    phrase: i,
                    variant: Variant::Squashed,
                    boundary: false,
                });
            }
        }
        usable
    }

    pub(crate) fn build(self) -> Result<PhraseMatcher, String> {
        let build = |pats: &[String]| -> Result<Option<AhoCorasick>, String> {
            if pats.is_empty() {
                return Ok(None);
            }
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                // The views are mostly ordinary letters, where a rare-byte prefilter
                // fires constantly and costs more than the automaton it guards
                // (measured on 1 MiB adversarial inputs: ~40% slower with it).
                .prefilter(false)
                .build(pats)
                .map(Some)
                .map_err(|e| format!("cannot build phrase automaton: {e}"))
        };
        Ok(PhraseMatcher {
            canonical: build(&self.canonical)?,
            canonical_meta: self.canonical_meta,
            squashed: build(&self.squashed)?,
            squashed_meta: self.squashed_meta,
        })
    }
}

/// The compiled phrase automata of one stage.
#[derive(Debug)]
pub(crate) struct PhraseMatcher {
    canonical: Option<AhoCorasick>,
    canonical_meta: Vec<PatternMeta>,
    squashed: Option<AhoCorasick>,
    squashed_meta: Vec<PatternMeta>,
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
                let Some(meta) = meta.get(m.pattern().as_usize()) else {
                    continue;
                };
                if meta.boundary
                    && !(is_boundary(bytes, m.start(), true) && is_boundary(bytes, m.end(), false))
                {
                    continue;
                }
                let span = view.to_original(m.start()..m.end());
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
