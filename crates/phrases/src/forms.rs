//! The forms a phrase is matched in: canonical (against the canonical, leet and decoded
//! views), squashed (against the squashed view), and the ROT13 and reversed forms of
//! the canonical phrase, so ROT13'd or reversed text is caught without extra views.

use gatehouse_normalise::{canonical_phrase, squashed_phrase};
use serde::{Deserialize, Serialize};

/// Squashed phrases shorter than this are not matched in the squashed view: too
/// likely to span word boundaries of innocent text.
pub const MIN_SQUASHED_LEN: usize = 12;

/// Reversed forms are registered only for phrases at least this many characters long:
/// shorter ones reversed are too often ordinary words.
pub const MIN_REVERSED_CHARS: usize = 8;

/// How a phrase was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Variant {
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
    /// A few words for finding reasons.
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Plain => "plain",
            Variant::Squashed => "spaced or leetspeak",
            Variant::Rot13 => "rot13",
            Variant::Reversed => "reversed",
        }
    }

    pub(crate) fn code(self) -> u8 {
        match self {
            Variant::Plain => 0,
            Variant::Squashed => 1,
            Variant::Rot13 => 2,
            Variant::Reversed => 3,
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<Variant> {
        Some(match code {
            0 => Variant::Plain,
            1 => Variant::Squashed,
            2 => Variant::Rot13,
            3 => Variant::Reversed,
            _ => return None,
        })
    }
}

/// Which view a pattern is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternForm {
    /// The canonical, leet and decoded views.
    Canonical,
    /// The squashed view.
    Squashed,
}

/// One pattern a phrase contributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The view it is matched against.
    pub form: PatternForm,
    /// The text to find.
    pub text: String,
    /// How the phrase was written, should this pattern match.
    pub variant: Variant,
    /// Require a non-alphanumeric character (or text edge) on each side.
    pub boundary: bool,
}

/// The patterns of one phrase, or nothing when the phrase canonicalises to nothing
/// (it then cannot be matched at all).
pub fn patterns(phrase: &str) -> Vec<Pattern> {
    let canon_of = |p: &str| canonical_phrase(p).trim().to_owned();
    let canon = canon_of(phrase);
    if canon.is_empty() {
        return Vec::new();
    }
    let boundary = canon
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        || canon
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    let mut out = Vec::with_capacity(6);
    let mut push = |form, text: String, variant| {
        out.push(Pattern {
            form,
            text,
            variant,
            boundary: boundary && form == PatternForm::Canonical,
        });
    };
    // ROT13 and reversal of the canonical phrase, and the canonical form of the ROT13'd
    // or reversed raw phrase: they differ when folding does not commute with the
    // transformation (`précédent` ROT13s to `cerpéqrag`, which folds to `cerpeqrag`,
    // not to ROT13 of `precedent`).
    let rot = rot13(&canon);
    if rot != canon {
        let raw_rot = canon_of(&rot13(phrase));
        if raw_rot != rot && raw_rot != canon && !raw_rot.is_empty() {
            push(PatternForm::Canonical, raw_rot, Variant::Rot13);
        }
        push(PatternForm::Canonical, rot, Variant::Rot13);
    }
    if canon.chars().count() >= MIN_REVERSED_CHARS {
        let rev: String = canon.chars().rev().collect();
        let raw_rev = canon_of(&phrase.chars().rev().collect::<String>());
        if raw_rev != rev && raw_rev != canon && !raw_rev.is_empty() {
            push(PatternForm::Canonical, raw_rev, Variant::Reversed);
        }
        if rev != canon {
            push(PatternForm::Canonical, rev, Variant::Reversed);
        }
    }
    let squashed = squashed_phrase(phrase);
    // The squashed view folds look-alikes per joined word: a phrase whose words are in
    // different scripts (`режим dan включён`) spaced out letter by letter becomes one
    // mixed-script word in the text, folded differently from its separate words.
    let joined: String = phrase.split_whitespace().collect();
    let squashed_joined = squashed_phrase(&joined);
    if squashed_joined != squashed && squashed_joined.len() >= MIN_SQUASHED_LEN {
        push(PatternForm::Squashed, squashed_joined, Variant::Squashed);
    }
    if squashed.len() >= MIN_SQUASHED_LEN {
        push(PatternForm::Squashed, squashed, Variant::Squashed);
    }
    out.insert(
        0,
        Pattern {
            form: PatternForm::Canonical,
            text: canon,
            variant: Variant::Plain,
            boundary,
        },
    );
    out
}

/// ROT13 of ASCII letters; everything else unchanged.
pub fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='m' | 'A'..='M' => char::from(c as u8 + 13),
            'n'..='z' | 'N'..='Z' => char::from(c as u8 - 13),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phrase_gives_its_forms() {
        let p = patterns("Ignore previous instructions");
        let texts: Vec<(&str, Variant)> = p.iter().map(|p| (p.text.as_str(), p.variant)).collect();
        assert!(texts.contains(&("ignore previous instructions", Variant::Plain)));
        assert!(texts.contains(&("vtaber cerivbhf vafgehpgvbaf", Variant::Rot13)));
        assert!(texts.contains(&("snoitcurtsni suoiverp erongi", Variant::Reversed)));
        assert!(texts.contains(&("ignorepreviousinstructions", Variant::Squashed)));
        assert_eq!(p.first().map(|p| p.variant), Some(Variant::Plain));
        assert!(
            p.iter()
                .all(|p| p.boundary == (p.form == PatternForm::Canonical))
        );
    }

    #[test]
    fn short_phrases_have_no_reversed_or_squashed_form() {
        let p = patterns("act as");
        assert!(p.iter().all(|p| p.variant != Variant::Reversed));
        assert!(p.iter().all(|p| p.form != PatternForm::Squashed));
    }

    #[test]
    fn mixed_script_phrases_also_match_as_one_joined_word() {
        let p = patterns("режим dan включён");
        let joined = squashed_phrase("режимdanвключён");
        assert!(
            p.iter()
                .any(|p| p.form == PatternForm::Squashed && p.text == joined)
        );
        assert!(
            p.iter().any(|p| p.form == PatternForm::Squashed
                && p.text == squashed_phrase("режим dan включён"))
        );
    }

    #[test]
    fn nothing_to_match_gives_no_patterns() {
        assert!(patterns("\u{200b} \u{200b}").is_empty());
    }

    #[test]
    fn variant_codes_round_trip() {
        for v in [
            Variant::Plain,
            Variant::Squashed,
            Variant::Rot13,
            Variant::Reversed,
        ] {
            assert_eq!(Variant::from_code(v.code()), Some(v));
        }
        assert_eq!(Variant::from_code(9), None);
    }
}
