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

/// A run of letters, digits and masks, with its byte span in the text; its cells are
/// `cells[from..to]` of its [`Groups`].
#[derive(Debug)]
struct Group {
    from: usize,
    to: usize,
    /// Masks among the cells.
    masks: usize,
    start: usize,
    end: usize,
    /// Built from single characters spaced out.
    spaced: bool,
    /// The last character of the run as written.
    tail: char,
}

impl Group {
    fn len(&self) -> usize {
        self.to - self.from
    }

    fn shown(&self) -> usize {
        self.len() - self.masks
    }
}

/// The groups of a text and the cells they share (one allocation each, whatever the
/// number of words).
#[derive(Debug, Default)]
pub(super) struct Groups {
    cells: Vec<Cell>,
    groups: Vec<Group>,
}

impl Groups {
    fn cells(&self, g: &Group) -> &[Cell] {
        self.cells.get(g.from..g.to).unwrap_or_default()
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

/// True when the text holds a mask character at all (most answers do not: one `memchr`
/// pass, and a pass over the characters of a text beyond ASCII).
pub(super) fn any_mask(text: &str) -> bool {
    memchr::memchr3(b'*', b'_', b'?', text.as_bytes()).is_some()
        || (!text.is_ascii() && text.chars().any(is_mask))
}

/// The groups of a text ([`Group`]), in order.
pub(super) fn groups(text: &str) -> Groups {
    let mut out = Groups {
        cells: Vec::with_capacity(text.len()),
        groups: Vec::new(),
    };
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
                let at = out.cells.len();
                out.cells.push(cell);
                let g = cur.get_or_insert(Group {
                    from: at,
                    to: at,
                    masks: 0,
                    start: i,
                    end,
                    spaced: false,
                    tail: c,
                });
                g.to = at + 1;
                g.masks += usize::from(cell.is_none());
                g.end = end;
                g.tail = c;
            }
            None => {
                if let Some(g) = cur.take().and_then(|g| tidy(&out.cells, g)) {
                    join_or_push(text, &mut out.groups, g);
                }
            }
        }
    }
    if let Some(g) = cur.take().and_then(|g| tidy(&out.cells, g)) {
        join_or_push(text, &mut out.groups, g);
    }
    out
}

/// Drops what is punctuation rather than a mask: `**bold**` and `__init__` (the same
/// marks on both sides of a word), a question mark that ends a question (`zenit?`).
fn tidy(cells: &[Cell], mut g: Group) -> Option<Group> {
    let own = cells.get(g.from..g.to)?;
    let lead = own.iter().take_while(|c| c.is_none()).count();
    let trail = own.iter().rev().take_while(|c| c.is_none()).count();
    if lead > 0 && lead == trail && lead + trail < g.len() && g.masks == lead + trail {
        g.from += lead;
        g.to -= trail;
        g.masks = 0;
    } else if g.tail == '?' && trail == 1 && g.len() > 1 {
        // A question mark after a word ends a question.
        g.to -= 1;
        g.masks -= 1;
    }
    (g.len() > 0).then_some(g)
}

/// Joins a one-cell group to the one before when that one is a single cell too, or
/// such cells joined, and only a short gap of blanks, commas, hyphens, slashes or bars
/// (or a markdown escape) separates them (`l _ _ y`, `l-_-_-y`); pushes it otherwise.
fn join_or_push(text: &str, groups: &mut Vec<Group>, g: Group) {
    if let Some(prev) = groups.last_mut()
        && g.len() == 1
        && (prev.spaced || prev.len() == 1)
        && prev.to == g.from
        && text.get(prev.end..g.start).is_some_and(|gap| {
            (1..=3).contains(&gap.len())
                && gap
                    .bytes()
                    .all(|b| matches!(b, b' ' | b'\t' | b',' | b'-' | b'/' | b'|' | b'\\'))
        })
    {
        prev.to = g.to;
        prev.masks += g.masks;
        prev.end = g.end;
        prev.spaced = true;
        return;
    }
    groups.push(g);
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
    if s.plain.len() < 3 {
        return;
    }
    let Some(all) = t.masked() else { return };
    let want: Vec<char> = s.plain.chars().collect();
    let words: Vec<Vec<char>> = s.words.iter().map(|w| w.chars().collect()).collect();
    let groups = &all.groups;
    for (i, g) in groups.iter().enumerate() {
        // One group for the whole secret.
        if g.masks > 0 && g.shown() >= 2 && fits(all.cells(g), &want) {
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
        let masks: usize = run.iter().map(|g| g.masks).sum();
        if masks == 0 {
            continue;
        }
        let apart = run.windows(2).all(|w| match w {
            [a, b] => t
                .text
                .get(a.end..b.start)
                .is_some_and(|gap| !gap.is_empty() && gap.trim().is_empty()),
            _ => false,
        });
        let shown: usize = run.iter().map(Group::shown).sum();
        let all_fit = run.iter().zip(&words).all(|(g, w)| fits(all.cells(g), w));
        if apart
            && all_fit
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
        let all = groups(text);
        all.groups
            .iter()
            .map(|g| all.cells(g).iter().map(|c| c.unwrap_or('*')).collect())
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
        assert_eq!(shapes("l \\_ \\_ y"), ["l**y"]);
        assert_eq!(shapes("get_order 4 5"), ["get*order", "45"]);
    }
}
