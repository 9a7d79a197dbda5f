//! The secret's letters kept in order with others added or taken away: a filler
//! character after each letter (`z1e2n3i4t5h6`, `lxaxbxyx…`, one or two fillers), or
//! the vowels dropped (`znth`, `lbw pzz`). Part of `secret_leak`'s indirect mode.

use super::{Secret, TextIndex, Token};
use crate::rules::Hit;

/// The secret with one or two filler characters after each of its letters, between
/// word edges: secrets of five letters and digits or more (ASCII). One pass over the
/// text's letters per spacing; a position is dropped at its first wrong letter.
pub(super) fn interleaved(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    const MIN_LEN: usize = 5;
    let sec = s.plain.as_bytes();
    let n = sec.len();
    if n < MIN_LEN || !s.plain.is_ascii() {
        return;
    }
    let Some(&first) = sec.first() else { return };
    let txt = t.plain.as_bytes();
    // One pass over the places of the first letter, both spacings at each.
    for i in memchr::memchr_iter(first, txt) {
        for stride in [2usize, 3] {
            let last = (n - 1) * stride;
            let Some(window) = txt.get(i..=i + last) else {
                continue;
            };
            let letters = sec
                .iter()
                .enumerate()
                .all(|(k, b)| window.get(k * stride) == Some(b));
            if !letters {
                continue;
            }
            // Fillers that repeat the letters are the doubled form (`direct`).
            let fillers_differ = (0..n - 1).any(|k| {
                window.get(k * stride + 1) != sec.get(k)
                    && window.get(k * stride + 1) != sec.get(k + 1)
            });
            if !fillers_differ {
                continue;
            }
            // Fillers may stand before the first letter or after the last one.
            let span = (0..stride).find_map(|lead| {
                let start = i.checked_sub(lead)?;
                (0..stride).find_map(|tail| t.whole_words_span(start, i + last + 1 + tail))
            });
            if let Some((a, b)) = span {
                hits.push(Hit::new(
                    a,
                    b,
                    format!("{who} appears with a filler after each letter"),
                ));
            }
        }
    }
}

/// A secret word without its vowels (`a`, `e`, `i`, `o`, `u`; `y` stays).
fn skeleton(w: &str) -> String {
    w.chars()
        .filter(|c| !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u'))
        .collect()
}

/// The secret with its vowels dropped: each word's consonants as consecutive words
/// (`lbw pzz` for `Elbow Pizza`), or all of them as one word (`znth`). Secrets of ASCII
/// letters and digits with a vowel, four consonants or more in all.
pub(super) fn disemvowelled(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    const MIN_KEPT: usize = 4;
    if !s.plain.is_ascii() || s.words.is_empty() {
        return;
    }
    let words: Vec<String> = s.words.iter().map(|w| skeleton(w)).collect();
    let whole = skeleton(&s.plain);
    if whole.len() < MIN_KEPT || whole.len() == s.plain.len() || words.iter().any(String::is_empty)
    {
        return;
    }
    let toks = &t.tokens;
    for &i in t.vowelless() {
        let Some(tok) = toks.get(i) else { continue };
        let end = if tok.text == whole {
            Some(tok.end)
        } else if words.len() >= 2 {
            toks.get(i..i + words.len())
                .filter(|run| run.iter().zip(&words).all(|(t, w)| t.text == *w))
                .and_then(|run| run.last())
                .map(|last| last.end)
        } else {
            None
        };
        if let Some(end) = end {
            hits.push(Hit::new(
                tok.start,
                end,
                format!("{who} appears without its vowels"),
            ));
        }
    }
}

/// The indexes of the words without a vowel (`a`, `e`, `i`, `o`, `u`): where a secret
/// written without its vowels can start.
pub(super) fn vowelless(tokens: &[Token]) -> Vec<usize> {
    tokens
        .iter()
        .enumerate()
        .filter(|(_, tok)| {
            !tok.text
                .bytes()
                .any(|b| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u'))
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeletons() {
        assert_eq!(skeleton("zenith"), "znth");
        assert_eq!(skeleton("labyrinth"), "lbyrnth");
        assert_eq!(skeleton("xyzzy"), "xyzzy");
    }
}
