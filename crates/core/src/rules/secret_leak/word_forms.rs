//! A one-word secret given as another form of its word: a word of the answer that
//! starts with all of the secret but its last letter and runs on by a few letters
//! (`holographic` for `hologram`, `butterflies` for `butterfly`, `lighthouses`). The
//! near-miss check sees only forms of about the secret's length. Part of
//! `secret_leak`'s indirect mode.

use super::{Secret, TextIndex};
use crate::rules::Hit;

/// Secrets with fewer letters are left: short stems begin too many words.
const MIN_LETTERS: usize = 7;
/// Most letters a form may add after the secret's stem.
const MAX_ENDING: usize = 5;

/// Words of the answer longer than the secret that begin with all of it but its last
/// letter and add at most [`MAX_ENDING`] letters after that stem.
pub(super) fn other_form(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let n = s.plain.chars().count();
    if s.words.len() != 1
        || !(MIN_LETTERS..=24).contains(&n)
        || !s.plain.chars().all(char::is_alphabetic)
    {
        return;
    }
    let Some((cut, _)) = s.plain.char_indices().last() else {
        return;
    };
    let stem = s.plain.get(..cut).unwrap_or_default();
    for tok in &t.tokens {
        let k = tok.text.chars().count();
        if k > n
            && k < n + MAX_ENDING
            && tok.text.starts_with(stem)
            && tok.text.chars().all(char::is_alphabetic)
        {
            hits.push(Hit::new(
                tok.start,
                tok.end,
                format!("another form of the word of {who}"),
            ));
        }
    }
}
