//! A secret written with leet digits in place of some of its letters (`5UMM3R25` for
//! `SUMMER25`, `l1ghth0use`). The normaliser folds leet words as a whole, so a secret
//! with digits of its own (`25`) folds differently from the text that leaks it; here
//! the secret's letters and digits are compared with the text's one by one, a digit of
//! the text standing for its letter ([`crate::normalise::digit_letter`]). Part of
//! `secret_leak`'s direct mode: the whole secret, only respelt.

use super::{MIN_SQUASHED, Secret, TextIndex, at_word_edges};
use crate::normalise::digit_letter;
use crate::rules::Hit;

/// The secret's letters and digits (ASCII, four or more) as a run of the text's, with
/// at least one of its letters written as a leet digit and one as itself, between word
/// edges.
pub(super) fn leet_digits(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let want = s.plain.as_bytes();
    let (Some(&first), true) = (
        want.first(),
        want.len() >= MIN_SQUASHED && s.plain.is_ascii(),
    ) else {
        return;
    };
    let same = |have: u8, want: u8| have == want || digit_letter(have) == Some(want);
    let text = t.plain.as_bytes();
    for (i, &b) in text.iter().enumerate() {
        if !same(b, first) {
            continue;
        }
        let Some(window) = text.get(i..i + want.len()) else {
            break;
        };
        // A digit for a letter somewhere, and a letter as written somewhere (digits
        // alone are a number: `4935` is not `ages`).
        let respelt = window.iter().zip(want).any(|(h, w)| h != w);
        let lettered = window
            .iter()
            .zip(want)
            .any(|(h, w)| h == w && h.is_ascii_lowercase());
        if respelt
            && lettered
            && window.iter().zip(want).all(|(&h, &w)| same(h, w))
            && let Some((a, b)) = t.plain_span(i, i + want.len())
            && at_word_edges(t.text, a, b)
        {
            hits.push(Hit::new(a, b, format!("{who} appears in leetspeak")));
        }
    }
}
