//! The secret's letters handed over out of order across several words: one character
//! at a time, shuffled (`t, e, h, z, n, i`), or an anagram of several words near a
//! word that says so (`an anagram of "barn itlhy"`, `rearrange: ZAP OWL BIZE`). Part
//! of `secret_leak`'s indirect mode; one word scrambled is `scrambled`'s.

use super::{Secret, TextIndex, Token, is_list_number, is_tag_name};
use crate::rules::Hit;

/// Secrets shorter than this are not looked for shuffled.
const MIN_LEN: usize = 5;
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

/// Counts of `a`–`z` and `0`–`9`.
type Counts = [u16; 36];

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
    let n = s.plain.chars().count();
    let Some(want) = counts(&s.plain) else {
        return;
    };
    if n < MIN_LEN {
        return;
    }
    let digits = s.plain.bytes().any(|b| b.is_ascii_digit());
    let ones: Vec<&Token> = t
        .tokens
        .iter()
        .filter(|tok| tok.text.len() == 1)
        .filter(|tok| digits || !tok.text.bytes().all(|b| b.is_ascii_digit()))
        .filter(|tok| !is_list_number(t.text, tok) && !is_tag_name(t.text, tok))
        .collect();
    for w in ones.windows(n) {
        let (Some(first), Some(last)) = (w.first(), w.last()) else {
            continue;
        };
        if last.end - first.start > 6 * n {
            continue;
        }
        let joined: String = w.iter().map(|tok| tok.text.as_str()).collect();
        if joined != s.plain && counts(&joined) == Some(want) {
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
    if n < MIN_LEN {
        return;
    }
    let toks = &t.tokens;
    let mentions = toks
        .iter()
        .enumerate()
        .filter(|(_, tok)| MENTIONS.iter().any(|m| tok.text.starts_with(m)))
        .map(|(i, _)| i)
        .take(8);
    let mut done = 0;
    for m in mentions {
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
            let mention = run
                .iter()
                .any(|tok| MENTIONS.iter().any(|m| tok.text.starts_with(m)));
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
