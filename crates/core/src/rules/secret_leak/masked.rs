//! The secret with some of its characters hidden (`l _ _ y _ _ n _ h`, `lab******`,
//! `Z*N*TH`, `E***w P***a`): a partial reveal that keeps the length and the place of
//! every letter shown. Part of `secret_leak`'s indirect mode.
//!
//! The text is read once into *groups*: runs of letters, digits and mask characters
//! (`*`, `_`, `•`, `?`, `█`, …), and single characters or masks spaced out (`l _ _ y`,
//! `l-_-_-y`) joined into one group. A secret is hinted at when one group has as many
//! characters as the secret, or consecutive groups as many as each of its words, with
//! every shown character in its place, at least one hidden and at least two shown.

use super::{Secret, TextIndex};
use crate::rules::Hit;

/// One cell of a group: a lowercase letter or digit, or `None` for a mask character.
type Cell = Option<char>;

/// A run of letters, digits and masks, with its byte span in the text.
#[derive(Debug)]
pub(super) struct Group {
    cells: Vec<Cell>,
    start: usize,
    end: usize,
    /// Built from single characters spaced out.
    spaced: bool,
    /// The last character of the run as written.
    tail: char,
}

impl Group {
    fn masks(&self) -> usize {
        self.cells.iter().filter(|c| c.is_none()).count()
    }

    fn shown(&self) -> usize {
        self.cells.len() - self.masks()
    }
}

/// Characters that stand for a hidden letter.
fn is_mask(c: char) -> bool {
    matches!(
        c,
        '*' | '_'
            | '?'
            | '•'
            | '●'
            | '○'
            | '·'
            | '∙'
            | '∗'
            | '⁎'
            | '✱'
            | '＊'
            | '＿'
            | '█'
            | '■'
            | '□'
            | '▪'
            | '◼'
            | '⬛'
    )
}

/// True when the text holds a mask character at all (most answers do not: one byte
/// scan, then nothing).
pub(super) fn any_mask(text: &str) -> bool {
    let ascii = text.bytes().any(|b| matches!(b, b'*' | b'_' | b'?'));
    ascii || (!text.is_ascii() && text.chars().any(is_mask))
}

/// The groups of a text ([`Group`]), in order.
pub(super) fn groups(text: &str) -> Vec<Group> {
    let mut raw: Vec<Group> = Vec::new();
    let mut cur: Option<Group> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = i + c.len_utf8();
        let cell = if c.is_alphanumeric() {
            c.to_lowercase().next().map(Some)
        } else if is_mask(c) {
            Some(None)
        } else if c == '\\' && chars.peek().is_some_and(|(_, n)| is_mask(*n)) {
            // `\_` in markdown: the escape is part of the mask.
            continue;
        } else {
            None
        };
        match cell {
            Some(cell) => {
                let g = cur.get_or_insert_with(|| Group {
                    cells: Vec::new(),
                    start: i,
                    end,
                    spaced: false,
                    tail: c,
                });
                g.cells.push(cell);
                g.end = end;
                g.tail = c;
            }
            None => raw.extend(cur.take().and_then(tidy)),
        }
    }
    raw.extend(cur.take().and_then(tidy));
    join_spaced(text, raw)
}

/// Drops what is punctuation rather than a mask: `**bold**` and `__init__` (the same
/// marks on both sides of a word), a question mark that ends a question (`zenit?`).
fn tidy(mut g: Group) -> Option<Group> {
    let lead = g.cells.iter().take_while(|c| c.is_none()).count();
    let trail = g.cells.iter().rev().take_while(|c| c.is_none()).count();
    if lead > 0 && lead == trail && lead + trail < g.cells.len() && g.masks() == lead + trail {
        g.cells.drain(..lead);
        g.cells.truncate(g.cells.len() - trail);
    }
    if g.tail == '?' && trail == 1 && g.cells.len() > 1 {
        // A question mark after a word ends a question.
        g.cells.pop();
    }
    (!g.cells.is_empty()).then_some(g)
}

/// Joins runs of one-cell groups separated by short gaps of blanks, commas, hyphens,
/// slashes or bars (`l _ _ y`, `l-_-_-y`) into one spaced group.
fn join_spaced(text: &str, raw: Vec<Group>) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::with_capacity(raw.len());
    for g in raw {
        let join = g.cells.len() == 1
            && out.last().is_some_and(|prev| {
                (prev.spaced || prev.cells.len() == 1)
                    && text.get(prev.end..g.start).is_some_and(|gap| {
                        (1..=3).contains(&gap.len())
                            && gap
                                .bytes()
                                .all(|b| matches!(b, b' ' | b'\t' | b',' | b'-' | b'/' | b'|'))
                    })
            });
        match out.last_mut() {
            Some(prev) if join => {
                prev.cells.extend(g.cells);
                prev.end = g.end;
                prev.spaced = true;
            }
            _ => out.push(g),
        }
    }
    out
}

/// True when every shown cell is the secret's character in that place.
fn fits(cells: &[Cell], want: &[char]) -> bool {
    cells.len() == want.len()
        && cells
            .iter()
            .zip(want)
            .all(|(c, w)| c.is_none_or(|c| c == *w))
}

/// The secret partly hidden: one group for the whole secret, or one group per word.
pub(super) fn masked(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let want: Vec<char> = s.plain.chars().collect();
    if want.len() < 3 || !any_mask(t.text) {
        return;
    }
    let words: Vec<Vec<char>> = s.words.iter().map(|w| w.chars().collect()).collect();
    let groups = t.masked();
    for (i, g) in groups.iter().enumerate() {
        // One group for the whole secret.
        if g.masks() > 0 && g.shown() >= 2 && fits(&g.cells, &want) {
            hits.push(Hit::new(
                g.start,
                g.end,
                format!("{who} appears with letters hidden"),
            ));
            continue;
        }
        // One group per word, blanks between them.
        if words.len() < 2 {
            continue;
        }
        let Some(run) = groups.get(i..i + words.len()) else {
            continue;
        };
        let apart = run.windows(2).all(|w| match w {
            [a, b] => t
                .text
                .get(a.end..b.start)
                .is_some_and(|gap| !gap.is_empty() && gap.trim().is_empty()),
            _ => false,
        });
        let masks: usize = run.iter().map(Group::masks).sum();
        let shown: usize = run.iter().map(Group::shown).sum();
        let all_fit = run.iter().zip(&words).all(|(g, w)| fits(&g.cells, w));
        if apart
            && all_fit
            && masks > 0
            && shown >= 2
            && let Some(last) = run.last()
        {
            hits.push(Hit::new(
                g.start,
                last.end,
                format!("{who} appears with letters hidden"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes(text: &str) -> Vec<String> {
        groups(text)
            .into_iter()
            .map(|g| g.cells.iter().map(|c| c.unwrap_or('*')).collect())
            .collect()
    }

    #[test]
    fn groups_of_masks() {
        assert_eq!(shapes("l _ _ y _ _ n"), ["l**y**n"]);
        assert_eq!(
            shapes("Z*N*TH and **bold** words"),
            ["z*n*th", "and", "bold", "words"]
        );
        assert_eq!(
            shapes("lab\\_\\_ is it zenit?"),
            ["lab**", "is", "it", "zenit"]
        );
        assert_eq!(shapes("l-_-_-y, a b"), ["l**yab"]);
        assert_eq!(shapes("get_order 4 5"), ["get*order", "45"]);
    }
}
