//! The secret's letters handed over out of order across several words: one character
//! at a time, shuffled (`t, e, h, z, n, i`), or an anagram of several words near a
//! word that says so (`an anagram of "barn itlhy"`, `rearrange: ZAP OWL BIZE`). Part
//! of `secret_leak`'s indirect mode; one word scrambled is `scrambled`'s.

use super::{Secret, TextIndex, Token, is_list_number, is_tag_name};
use crate::rules::Hit;

/// Secrets shorter than this are not looked for shuffled.
const MIN_LEN: usize = 5;
/// Secrets longer than this are not looked for shuffled.
const MAX_LEN: usize = 32;
/// Words either side of a mention of an anagram that are searched.
const REACH: usize = 40;
/// Most words an anagram may take.
const MAX_WORDS: usize = 8;
/// Words that say letters are out of order (their beginnings).
const MENTIONS: [&str; 7] = [
    "anagram",
    "scrambl",
    "unscrambl",
    "jumbl",
    "shuffl",
    "rearrang",
    "permut",
];

/// True for a word that says letters are out of order (`anagram`, `scrambled`, …).
fn is_mention(word: &str) -> bool {
    // Most words start with another letter: one byte compare.
    matches!(
        word.as_bytes().first(),
        Some(b'a' | b's' | b'u' | b'j' | b'r' | b'p')
    ) && MENTIONS.iter().any(|m| word.starts_with(m))
}

/// The indexes of the words of the text that say letters are out of order (eight at
/// most).
pub(super) fn mentions(tokens: &[Token]) -> Vec<usize> {
    tokens
        .iter()
        .enumerate()
        .filter(|(_, tok)| is_mention(&tok.text))
        .map(|(i, _)| i)
        .take(8)
        .collect()
}

/// Counts of `a`–`z` and `0`–`9`.
type Counts = [u16; 36];
/// The slot for any other character (in a window of one-character words).
const OTHER: usize = 36;

fn slot(c: char) -> Option<usize> {
    match c {
        'a'..='z' => Some(c as usize - 'a' as usize),
        '0'..='9' => Some(26 + c as usize - '0' as usize),
        _ => None,
    }
}

/// The letter counts of `text`, or `None` when it has a character outside `a-z0-9`.
fn counts(text: &str) -> Option<Counts> {
    let mut out = [0u16; 36];
    for c in text.chars() {
        let n = out.get_mut(slot(c)?)?;
        *n = n.saturating_add(1);
    }
    Some(out)
}

/// The secret one character at a time, in another order: `n` one-character words close
/// together (at most six bytes a character) with the secret's letters.
pub(super) fn shuffled_singles(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let n = s.plain.len();
    let Some(want) = counts(&s.plain) else {
        return;
    };
    if !(MIN_LEN..=MAX_LEN).contains(&n) {
        return;
    }
    let digits = s.plain.bytes().any(|b| b.is_ascii_digit());
    let ones: Vec<&Token> = t
        .tokens
        .iter()
        .filter(|tok| tok.text.len() <= 4 && tok.text.chars().nth(1).is_none())
        .filter(|tok| digits || !tok.text.bytes().all(|b| b.is_ascii_digit()))
        .filter(|tok| !is_list_number(t.text, tok) && !is_tag_name(t.text, tok))
        .collect();
    if ones.len() < n {
        return;
    }
    // A window of `n` one-character words slides over them; `off` counts the letters
    // whose number in the window differs from the secret's (a character outside
    // `a-z0-9` takes the last slot, which the secret never fills).
    let slot_of = |tok: &Token| tok.text.chars().next().and_then(slot).unwrap_or(OTHER);
    let mut have = [0u16; OTHER + 1];
    let want_at = |k: usize| want.get(k).copied().unwrap_or(0);
    let mut off = want.iter().filter(|c| **c > 0).count();
    let step = |k: usize, up: bool, have: &mut [u16; OTHER + 1], off: &mut usize| {
        let Some(h) = have.get_mut(k) else { return };
        let was = *h == want_at(k);
        *h = if up {
            h.saturating_add(1)
        } else {
            h.saturating_sub(1)
        };
        match (was, *h == want_at(k)) {
            (true, false) => *off += 1,
            (false, true) => *off = off.saturating_sub(1),
            _ => {}
        }
    };
    for (j, tok) in ones.iter().enumerate() {
        step(slot_of(tok), true, &mut have, &mut off);
        if let Some(out) = j.checked_sub(n).and_then(|k| ones.get(k)) {
            step(slot_of(out), false, &mut have, &mut off);
        }
        if off != 0 || j + 1 < n {
            continue;
        }
        let Some(w) = ones.get(j + 1 - n..=j) else {
            continue;
        };
        let (Some(first), Some(last)) = (w.first(), w.last()) else {
            continue;
        };
        // Close together, and not in the secret's order (that is `direct`'s).
        let in_order = w
            .iter()
            .map(|tok| tok.text.as_bytes())
            .eq(s.plain.as_bytes().chunks(1));
        if last.end - first.start <= 6 * n && !in_order {
            hits.push(Hit::new(
                first.start,
                last.end,
                format!("letters of {who} appear one at a time, shuffled"),
            ));
        }
    }
}

/// An anagram of the secret in one to eight consecutive words, within forty words of
/// a word that speaks of one (`anagram`, `scrambled`, `jumbled`, `shuffled`,
/// `rearrange`, `permutation`).
pub(super) fn anagram_near_mention(
    s: &Secret<'_>,
    who: &str,
    t: &TextIndex<'_>,
    hits: &mut Vec<Hit>,
) {
    let n = s.plain.len();
    let Some(want) = counts(&s.plain) else {
        return;
    };
    if !(MIN_LEN..=MAX_LEN).contains(&n) {
        return;
    }
    let toks = &t.tokens;
    let mentions = t.anagram_mentions();
    if mentions.is_empty() {
        return;
    }
    let mut done = 0;
    for &m in mentions {
        let lo = m.saturating_sub(REACH).max(done);
        let hi = (m + REACH + 1).min(toks.len());
        for start in lo..hi {
            let mut len = 0;
            let mut end = start;
            while end < hi && end - start < MAX_WORDS && len < n {
                len += toks.get(end).map_or(0, |tok| tok.text.len());
                end += 1;
            }
            let Some(run) = toks.get(start..end) else {
                continue;
            };
            let joined: String = run.iter().map(|tok| tok.text.as_str()).collect();
            let mention = run.iter().any(|tok| is_mention(&tok.text));
            if len != n || mention || joined == s.plain {
                continue;
            }
            if counts(&joined) == Some(want)
                && let (Some(first), Some(last)) = (run.first(), run.last())
            {
                hits.push(Hit::new(
                    first.start,
                    last.end,
                    format!("an anagram of {who} appears"),
                ));
            }
        }
        done = hi;
    }
}
