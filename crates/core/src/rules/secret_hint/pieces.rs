//! Claims that hand over the beginning or the end of the secret, several characters at
//! once: `starts with "lab"`, `it ends in RINTH`, `the first three letters are l, a, b`,
//! `the second half is "rinth"`. Part of `secret_hint`; a single character is its
//! first/last-letter claim.

use memchr::memmem::Finder;
use regex_automata::meta::Regex;

use super::{At, Group, NUMBERS, group};
use crate::rules::secret_source::small_number;

/// Opening marks before a piece: quotes, backticks, bold.
const OPEN: &str = r#"(["'“‘`*]*)"#;
/// The piece: a word, or characters spaced out (`l, a, b`), cut by [`piece_of`].
const PIECE: &str = r"([a-z0-9](?:(?:\s*[,\-]\s*|\s+)?[a-z0-9]){1,40})(?-u:\b)";
/// Unquoted words that are not a piece of anything (`starts with the`, `with capital`).
const NOT_PIECES: [&str; 32] = [
    "the",
    "and",
    "for",
    "with",
    "not",
    "you",
    "your",
    "our",
    "its",
    "his",
    "her",
    "their",
    "this",
    "that",
    "these",
    "those",
    "one",
    "two",
    "three",
    "any",
    "all",
    "some",
    "same",
    "letter",
    "word",
    "capital",
    "number",
    "digit",
    "vowel",
    "consonant",
    "lower",
    "upper",
];

/// The compiled piece claims.
#[derive(Debug)]
pub(super) struct Pieces {
    starts: Regex,
    ends: Regex,
    part: Regex,
    /// Words one of which each regex needs (`start`, `end`, `first`, …): a text without
    /// them skips it.
    needs: [Vec<Finder<'static>>; 3],
}

/// A piece of the secret the text hands over: where it sits, its letters and digits
/// (lowercase), and the claim's byte span.
pub(super) type Piece = (At, String, usize, usize);

impl Pieces {
    pub(super) fn compile(re: impl Fn(&str) -> Result<Regex, String>) -> Result<Pieces, String> {
        let lead = r"(?:(?:the\s+)?(?:letters?|characters?|chars|syllables?|prefix|suffix|string|sequence)\s+)?";
        let units = "letters?|characters?|chars|digits?|half|part|syllable|bit|portion";
        let finders = |words: &[&'static str]| -> Vec<Finder<'static>> {
            words.iter().map(|w| Finder::new(w.as_bytes())).collect()
        };
        Ok(Pieces {
            needs: [
                finders(&["start", "begin", "opens with", "opening with"]),
                finders(&["end", "finish"]),
                finders(&[
                    "first",
                    "last",
                    "final",
                    "second",
                    "opening",
                    "closing",
                    "beginning",
                    "ending",
                    "starting",
                ]),
            ],
            starts: re(&format!(
                r"(?-u:\b)(?:starts?|begins?|starting|beginning|opens?|opening)\s+(?:off\s+)?with\s+{lead}{OPEN}{PIECE}"
            ))?,
            ends: re(&format!(
                r"(?-u:\b)(?:ends?|ending|finish(?:es)?|finishing)\s+(?:with|in|on)\s+{lead}{OPEN}{PIECE}"
            ))?,
            part: re(&format!(
                r"(?-u:\b)(first|last|final|second|opening|closing|beginning|ending|starting)\s+(?:({NUMBERS})\s+(?:({units})\s+)?|({units})\s+)(?:(?:of|in)\s+(?:the\s+|my\s+|your\s+|this\s+)?[a-z]+\s+)?(?:is|are|=|:|reads?|spells?|would\s+be|will\s+be)\s*[:\-]?\s*{OPEN}{PIECE}"
            ))?,
        })
    }

    /// Every piece claim of `lower` (the text lowercased in ASCII); `original` is the
    /// text as written, to tell `ZEN` (a piece) from `zen` (maybe a word).
    pub(super) fn claims(&self, lower: &str, original: &str) -> Vec<Piece> {
        let mut out = Vec::new();
        // Each claim needs one of a few words: most answers skip the regexes.
        let has = |finders: &[Finder<'static>]| {
            finders.iter().any(|f| f.find(lower.as_bytes()).is_some())
        };
        let [starts, ends, part] = &self.needs;
        let (starts, ends, part) = (has(starts), has(ends), has(part));
        for (re, at, on) in [
            (&self.starts, At::First, starts),
            (&self.ends, At::Last, ends),
        ] {
            if !on {
                continue;
            }
            for c in re.captures_iter(lower) {
                let (Some(all), Some(open), Some(p)) = (
                    group(&c, lower, 0),
                    group(&c, lower, 1),
                    group(&c, lower, 2),
                ) else {
                    continue;
                };
                out.extend(
                    piece(None, !open.is_empty(), p, lower, original)
                        .map(|p| (at, p, all.start(), all.end())),
                );
            }
        }
        if part {
            for c in self.part.captures_iter(lower) {
                let (Some(all), Some(which), Some(open), Some(p)) = (
                    group(&c, lower, 0),
                    group(&c, lower, 1),
                    group(&c, lower, 5),
                    group(&c, lower, 6),
                ) else {
                    continue;
                };
                let what = group(&c, lower, 3)
                    .or_else(|| group(&c, lower, 4))
                    .map(|w| w.as_str());
                let at = match (which.as_str(), what) {
                    ("first" | "opening" | "beginning" | "starting", _) => At::First,
                    ("second", Some("half" | "part")) => At::Last,
                    ("second", _) => continue,
                    _ => At::Last,
                };
                let count = group(&c, lower, 2).and_then(|n| small_number(n.as_str()));
                out.extend(
                    piece(count, !open.is_empty(), p, lower, original)
                        .map(|p| (at, p, all.start(), all.end())),
                );
            }
        }
        out
    }
}

/// The piece a claim hands over, when it is one: two characters or more (as many as
/// the claim counts, when it counts them), quoted (all that the quotes hold), spelt
/// out or otherwise set apart ([`handed_over`]).
fn piece(
    count: Option<u32>,
    quoted: bool,
    words: Group<'_>,
    lower: &str,
    original: &str,
) -> Option<String> {
    let (piece, spelt) = if quoted {
        (
            quoted_piece(lower.get(words.start()..).unwrap_or_default()),
            false,
        )
    } else {
        piece_of(words.as_str())
    };
    if piece.len() < 2 || count.is_some_and(|n| n as usize != piece.len()) {
        return None;
    }
    let written = original
        .get(words.start()..words.start() + piece.len())
        .unwrap_or_default();
    (spelt || handed_over(&piece, quoted, written)).then_some(piece)
}

/// The letters and digits of a quoted piece, up to the closing mark (40 bytes at most).
fn quoted_piece(rest: &str) -> String {
    let end = rest
        .char_indices()
        .take_while(|(i, _)| *i < 40)
        .find(|(_, c)| matches!(c, '"' | '\'' | '”' | '’' | '`' | '*' | '\n'))
        .map_or(rest.len().min(40), |(i, _)| i);
    let mut end = end;
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    rest.get(..end)
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The piece a claim's words give: the first word, or single characters spaced out
/// joined (`l, a, b` → `lab`; the second element says so).
fn piece_of(words: &str) -> (String, bool) {
    let mut parts = words
        .split(|c: char| c.is_ascii_whitespace() || c == ',' || c == '-')
        .filter(|p| !p.is_empty());
    let Some(first) = parts.next() else {
        return (String::new(), false);
    };
    if first.len() > 1 {
        return (first.to_owned(), false);
    }
    let mut out = first.to_owned();
    out.extend(parts.take_while(|p| p.len() == 1));
    let spelt = out.len() > 1;
    (out, spelt)
}

/// True when the words are given as a piece of something: quoted or in bold, written
/// in capitals, or a word of three or more characters that is not a common word.
fn handed_over(piece: &str, quoted: bool, written: &str) -> bool {
    let capitals = written.bytes().any(|b| b.is_ascii_uppercase())
        && !written.bytes().any(|b| b.is_ascii_lowercase());
    quoted || capitals || (piece.len() >= 3 && !NOT_PIECES.contains(&piece))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_words() {
        assert_eq!(piece_of("l, a, b and then"), ("lab".to_owned(), true));
        assert_eq!(piece_of("laby and the rest"), ("laby".to_owned(), false));
        assert_eq!(piece_of("z e n i"), ("zeni".to_owned(), true));
        assert_eq!(quoted_piece("access granted\" and more"), "accessgranted");
        assert_eq!(quoted_piece("lab'."), "lab");
        assert!(handed_over("zen", false, "ZEN"));
        assert!(!handed_over("the", false, "the"));
        assert!(!handed_over("an", false, "an"));
        assert!(handed_over("an", true, "an"));
    }
}
