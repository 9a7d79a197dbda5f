//! Near-miss spellings the one-word check does not see: a secret of several words
//! written with typos (`Elbo Piza` for `Elbow Pizza`), and a one-word secret respelt
//! by its sounds with hyphens (`LAB-uh-rinth`), a short one-word secret with one typo
//! inside it, handed over as a value (`the password is zenth`). Part of `secret_leak`'s
//! indirect mode.

use super::{Secret, TextIndex, levenshtein_within, set_apart};
use crate::rules::Hit;

/// Secrets with fewer letters are not matched loosely.
const MIN_LETTERS: usize = 7;

/// The secret's words (two to four, three letters or more each, ASCII letters) as as
/// many consecutive words of the text, not all of them right and each one close: a
/// word of five letters or more at most one edit in four away (`Piza` for `Pizza`), a
/// shorter one at most one letter swapped for another (`cord`, not `cad`, for `card`:
/// dropping a letter from a short word makes too many other words). Each word of the
/// text keeps its word's first or last letter (a typo rarely changes both), which
/// spares most windows the edit distance.
pub(super) fn words_misspelt(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let k = s.words.len();
    let n = s.plain.len();
    if !(2..=4).contains(&k)
        || n < MIN_LETTERS
        || !s
            .words
            .iter()
            .all(|w| w.len() >= 3 && w.bytes().all(|b| b.is_ascii_lowercase()))
    {
        return;
    }
    let close = |tok: &str, w: &str| {
        if w.len() >= 5 {
            levenshtein_within(tok, w, (w.len() / 4).max(1))
        } else {
            tok.len() == w.len() && levenshtein_within(tok, w, 1)
        }
    };
    for run in t.tokens.windows(k) {
        let kept_ends = run.iter().zip(&s.words).all(|(tok, w)| {
            tok.text.as_bytes().first() == w.as_bytes().first()
                || tok.text.as_bytes().last() == w.as_bytes().last()
        });
        if !kept_ends || run.iter().zip(&s.words).all(|(tok, w)| tok.text == *w) {
            continue;
        }
        if run.iter().zip(&s.words).all(|(tok, w)| close(&tok.text, w))
            && let (Some(first), Some(last)) = (run.first(), run.last())
        {
            hits.push(Hit::new(
                first.start,
                last.end,
                format!("near-miss spelling of {who}"),
            ));
        }
    }
}

/// A one-word secret (7 to 24 letters) respelt as hyphenated syllables: words joined
/// by single hyphens (`LAB-uh-rinth`), read as one word, at most one edit in four
/// letters away.
pub(super) fn respelt(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let n = s.plain.chars().count();
    if s.words.len() != 1 || !(MIN_LETTERS..=24).contains(&n) || !s.plain.is_ascii() {
        return;
    }
    let budget = n / 4;
    let toks = &t.tokens;
    let mut joined = String::with_capacity(2 * n);
    let mut i = 0;
    while let Some(first) = toks.get(i) {
        // The run of words joined by single hyphens from word `i`.
        let mut j = i;
        while toks.get(j + 1).is_some_and(|next| {
            toks.get(j)
                .is_some_and(|cur| t.text.get(cur.end..next.start) == Some("-"))
        }) {
            j += 1;
        }
        if j > i
            && let Some(run) = toks.get(i..=j)
        {
            joined.clear();
            joined.extend(run.iter().map(|tok| tok.text.as_str()));
            if joined != s.plain
                && joined.len().abs_diff(n) <= budget
                && levenshtein_within(&joined, &s.plain, budget)
                && let Some(last) = run.last()
            {
                hits.push(Hit::new(
                    first.start,
                    last.end,
                    format!("near-miss spelling of {who} in syllables"),
                ));
            }
        }
        i = j + 1;
    }
}

/// A one-word secret of five or six letters with one typo inside it, handed over as a
/// value (quoted, or after `:`, `=`, `is`: `the password is zenth`): one edit away
/// with the same first and last letters. A change at either end makes ordinary words
/// and inflections (`closed` for `closer`, `bother`, `mothers`), so those are left;
/// shorter words are too often one edit from another word to be read anywhere else;
/// longer ones are the general near-miss check's.
pub(super) fn short_typo(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let n = s.plain.len();
    if s.words.len() != 1
        || !(5..=6).contains(&n)
        || !s.plain.bytes().all(|b| b.is_ascii_lowercase())
    {
        return;
    }
    let (first, last) = (s.plain.as_bytes().first(), s.plain.as_bytes().last());
    for tok in &t.tokens {
        if tok.text.len().abs_diff(n) > 1
            || tok.text.as_bytes().first() != first
            || tok.text.as_bytes().last() != last
            || tok.text == s.plain
            || !set_apart(t.text, tok)
        {
            continue;
        }
        if levenshtein_within(&tok.text, &s.plain, 1) {
            hits.push(Hit::new(
                tok.start,
                tok.end,
                format!("near-miss spelling of {who}"),
            ));
        }
    }
}
