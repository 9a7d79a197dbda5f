//! A secret handed over in two to four parts, each set apart as a value and in order,
//! near or far from each other: `the first half is laby … the second half is "rinth"`,
//! `Part A: canary- / Part B: 7f3 / Part C: a9c`, `Prefix: de-. Middle: fenestr-.
//! Suffix: -ate.`, `前两个字是“月光”，后两个字是“宝盒”`. Part of `secret_leak`'s
//! indirect mode.

use super::{Secret, TextIndex, set_apart, unspaced};
use crate::rules::Hit;

/// Most words between one part and the next.
const REACH: usize = 40;
/// Most parts.
const MAX_PARTS: usize = 4;

/// The secret's letters and digits (six or more; four or more in a script written
/// without spaces) as the concatenation of two to four words of the text, in order,
/// each within [`REACH`] words of the one before and set apart ([`set_apart`]: `sun`
/// in "the sun is out" is not part of `sunflower`). A part has two characters or more;
/// when there are only two parts, three or more (two in a script without spaces), and
/// the cut falls between two letters or two digits (`password` and `123` are not
/// `password123` cut up).
pub(super) fn parts(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let dense = s.plain.chars().any(unspaced);
    let n = s.plain.chars().count();
    if n < if dense { 4 } else { 6 } {
        return;
    }
    let toks = &t.tokens;
    for (i, tok) in toks.iter().enumerate() {
        if tok.text.chars().count() < 2
            || tok.text.len() >= s.plain.len()
            || !s.plain.starts_with(tok.text.as_str())
            || !set_apart(t.text, tok)
        {
            continue;
        }
        let mut cuts = vec![tok.text.len()];
        if let Some(last) = follow(s, t, i, &mut cuts)
            && allowed(s, &cuts, dense)
            && let Some(end) = toks.get(last)
        {
            hits.push(Hit::new(
                tok.start,
                end.end,
                format!("{who} appears in {} parts", cuts.len() + 1),
            ));
        }
    }
}

/// From part `i` (its end in the secret the last of `cuts`), the next parts up to the
/// secret's end: the index of the last part's word, with every cut pushed to `cuts`
/// (the first match within reach at each step).
fn follow(s: &Secret<'_>, t: &TextIndex<'_>, i: usize, cuts: &mut Vec<usize>) -> Option<usize> {
    let mut at = i;
    while cuts.len() < MAX_PARTS {
        let done = *cuts.last()?;
        let rest = s.plain.get(done..)?;
        let (k, tok) = t
            .tokens
            .iter()
            .enumerate()
            .skip(at + 1)
            .take(REACH)
            .find(|(_, tok)| {
                tok.text.chars().count() >= 2
                    && rest.starts_with(tok.text.as_str())
                    && set_apart(t.text, tok)
            })?;
        at = k;
        if tok.text.len() == rest.len() {
            return Some(at);
        }
        cuts.push(done + tok.text.len());
    }
    None
}

/// Whether the parts' lengths and cuts count: the rules for two parts (see [`parts`]).
fn allowed(s: &Secret<'_>, cuts: &[usize], dense: bool) -> bool {
    let [cut] = cuts else {
        return true;
    };
    let (Some(head), Some(tail)) = (s.plain.get(..*cut), s.plain.get(*cut..)) else {
        return false;
    };
    let min = if dense { 2 } else { 3 };
    let (a, b) = (head.chars().next_back(), tail.chars().next());
    head.chars().count() >= min
        && tail.chars().count() >= min
        && a.zip(b).is_some_and(|(a, b)| {
            a.is_alphabetic() == b.is_alphabetic() && a.is_numeric() == b.is_numeric()
        })
}
