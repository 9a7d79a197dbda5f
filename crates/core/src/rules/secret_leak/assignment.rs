//! A secret of two words (`a=42`, `pin=0451`) written out as the assignment it is:
//! `the variable "a" equal to "42"`, `set k to 7`, `a = 42`, or with the value spelt
//! in words (`k is equal to seven`, `the pin variable is zero, four, five, one`). The
//! in-order check of longer secrets (`tram=32`) lets any three words stand between the
//! two words but needs them as written; here only the words and signs of an assignment
//! may stand between them. Part of `secret_leak`'s indirect mode.

use super::{MIN_SQUASHED, Secret, TextIndex};
use crate::rules::Hit;
use crate::rules::secret_spelled::spelled_at;

/// Words that may join the two words of an assignment, in the languages of the
/// injection phrases (lowercase, as [`super::tokens`] makes them).
const JOINERS: &[&str] = &[
    "equal",
    "equals",
    "equalling",
    "equaling",
    "equalled",
    "to",
    "is",
    "be",
    "set",
    "as",
    "becomes",
    "value",
    "variable",
    "the",
    "of", // English
    "igual",
    "a",
    "vale",
    "es",
    "é", // Spanish, Portuguese
    "égal",
    "egal",
    "égale",
    "vaut",
    "est",
    "à", // French
    "gleich",
    "ist",
    "auf", // German
    "uguale",
    "è", // Italian
    "равно",
    "равен",
    "равна", // Russian
];

/// Most joining words between the two words of the secret.
const MAX_JOINERS: usize = 3;
/// Most bytes a word spelling one character takes, with what follows it (`seventeen, `,
/// `november `): the value's words are read no further than this per character of it.
const MAX_SPELLED_PER_CHAR: usize = 12;

/// Signs that may stand between the words, besides spaces and [`JOINERS`]: quotes,
/// `=`, `:`, arrows.
fn is_sign(c: char) -> bool {
    c.is_whitespace() || "\"'`“”‘’«»=:<>-→".contains(c)
}

/// The secret's two words in order, joined by an assignment: between them only
/// [`JOINERS`] (at most three) and signs, with at least one of them (a bare space
/// joins `a 42-inch screen`). The value as written counts for secrets too short for
/// the in-order check (under four letters and digits); spelt in words, for any.
pub(super) fn spelled_out(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let [name, value] = s.words.as_slice() else {
        return;
    };
    let short = s.plain.chars().count() < MIN_SQUASHED;
    let toks = &t.tokens;
    for (i, first) in toks.iter().enumerate() {
        if first.text != *name {
            continue;
        }
        for (k, tok) in toks.iter().enumerate().skip(i + 1).take(MAX_JOINERS + 1) {
            let is_value = tok.text == *value;
            if !is_value && JOINERS.contains(&tok.text.as_str()) {
                continue;
            }
            // The first word after the joining words: the value, or no assignment. The
            // gap is checked first, so the value's words are read (`spelled_at`) at most
            // once per word of the name, and only after a gap that joins.
            let words = toks.get(i + 1..k).unwrap_or_default();
            let gap = t.text.get(first.end..tok.start).unwrap_or_default();
            // The gap's bytes outside its joining words are signs.
            let signs_only = gap.char_indices().all(|(at, c)| {
                let at = first.end + at;
                is_sign(c) || words.iter().any(|w| (w.start..w.end).contains(&at))
            });
            let joined = !words.is_empty() || gap.contains(['=', ':', '→', '>']);
            let end = match (signs_only && joined, is_value) {
                (false, _) => None,
                (true, true) => short.then_some(tok.end),
                (true, false) => spelled_value(t.text, tok.start, value),
            };
            if let Some(end) = end {
                hits.push(Hit::new(
                    first.start,
                    end,
                    format!("{who} written out as an assignment"),
                ));
            }
            break;
        }
    }
}

/// Where the value spelt in words from byte `at` ends, when the words spell exactly
/// `value` (`seven` for `7`, `forty-two` for `42`). A single character that is not the
/// value's first is not read further (`a = x a = x …` costs nothing).
fn spelled_value(text: &str, at: usize, value: &str) -> Option<usize> {
    let rest = text.get(at..)?;
    let mut head = rest.chars();
    if head.next().is_some_and(char::is_alphanumeric)
        && !head.next().is_some_and(char::is_alphanumeric)
        && rest.chars().next().map(|c| c.to_ascii_lowercase()) != value.chars().next()
    {
        return None;
    }
    let most = value.chars().count() * MAX_SPELLED_PER_CHAR;
    let slice = rest.get(..rest.floor_char_boundary(most))?;
    spelled_at(slice)
        .filter(|(chars, _)| chars == value)
        .map(|(_, end)| at + end)
}
