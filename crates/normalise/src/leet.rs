//! Leetspeak folding and the squashed view.
//!
//! Folding happens only inside words where letters and leet characters interleave
//! (`1gn0r3`, `p@$$w0rd`, `h!dden`, `4r3`), so plain numbers stay numbers and
//! `14th`, `mp3` or `covid19` stay as written. A word with letters and leet
//! characters side by side (`4ll`) or a short all-leet-digit word (`4`, `70`) is
//! folded only next to a folded word (`y0u 4r3 4 h4ck3r`): in such company it is
//! leet, not a number. The leet view exists only when some word is leet.
//!
//! Map: `0`→o `1`→i `3`→e `4`→a `5`→s `7`→t `8`→b `9`→g `@`→a `$`→s, and between
//! two letters or digits `!`→i `|`→l `+`→t `€`→e. The `@` of an e-mail address
//! (`support@shop.example.com`) is an address sign, not a leet `a`: a document with
//! addresses in it gets no leet view for them.

use std::ops::Range;

use super::bytes::{HI, bytes_between, bytes_equal, next_digit, word_at};
use super::email::address_at;
use super::map::ViewBuf;

/// The letter a leet char stands for, given whether it sits between two alphanumerics.
fn leet(c: char, inner: bool) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '8' => 'b',
        '9' => 'g',
        '@' => 'a',
        '$' => 's',
        '!' if inner => 'i',
        '|' if inner => 'l',
        '+' if inner => 't',
        '€' if inner => 'e',
        _ => return None,
    })
}

/// The letter a leet digit stands for (`0`→o `1`→i `3`→e `4`→a `5`→s `7`→t `8`→b
/// `9`→g), for a matcher that compares a known word with a text letter by letter
/// (`5UMM3R25` for `summer25`: a secret with digits of its own, which folding the
/// whole word would change too).
pub fn digit_letter(b: u8) -> Option<u8> {
    if !b.is_ascii_digit() {
        return None;
    }
    leet(char::from(b), false).and_then(|c| u8::try_from(c).ok())
}

/// [`leet`] for the char `c` at byte `off` of `word`: an e-mail address's `@` is
/// not leet.
fn leet_in(word: &str, off: usize, c: char, inner: bool) -> Option<char> {
    if c == '@' && address_at(word.as_bytes(), off).is_some() {
        return None;
    }
    leet(c, inner)
}

const fn is_leet_digit(b: u8) -> bool {
    matches!(b, b'0' | b'1' | b'3' | b'4' | b'5' | b'7' | b'8' | b'9')
}

/// Bytes that may make a word leet (0xE2 starts `€`).
const fn is_leet_byte(b: u8) -> bool {
    is_leet_digit(b) || matches!(b, b'@' | b'$' | b'!' | b'|' | b'+' | 0xE2)
}

/// How many plain words may separate a half-leet word (`4ll`) from a leet word.
const NEAR: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Letters and leet chars interleaved (`y0u`, `4r3`, `h4ck3r`): folded.
    Strong,
    /// Letters and leet chars side by side (`4ll`, `14th`, `mp3`), or one to three
    /// leet digits (`4`, `70`): folded only next to a folded word.
    Weak,
    /// Anything else: left alone.
    Other,
}

/// Words with more ASCII letters and digits than this are never leet (they are
/// codes, hashes, encoded blobs); counted in ASCII so a CJK sentence with `a1` in it
/// still is. But a word glued to one by punctuation is still read ([`code_class`]).
const MAX_LEET_WORD: usize = 40;

/// Whether `w` is code-length: more than [`MAX_LEET_WORD`] ASCII letters and digits.
fn is_code(w: &[u8]) -> bool {
    w.len() > MAX_LEET_WORD
        && w.iter().filter(|b| b.is_ascii_alphanumeric()).count() > MAX_LEET_WORD
}

/// The class of a code-length word: that of its first or last piece, cut at
/// punctuation that is not leet, ASCII or not (`1n5truct10n5:9f8e7d…` and
/// `1n5truct10n5。iiii…` are the word `1n5truct10n5` glued to something long, and
/// gluing must not hide it); a word without such a cut is a code, never leet. Pieces
/// are classified by `classify` (none holds a cut, so none comes back here).
fn code_class(word: &str, classify: impl Fn(&str) -> Class) -> Class {
    let cut = |&(_, c): &(usize, char)| {
        if let Ok(b) = u8::try_from(c) {
            !b.is_ascii_alphanumeric() && byte_class(b) & (ALWAYS | INNER) == 0
        } else {
            !c.is_alphanumeric() && leet(c, true).is_none()
        }
    };
    let (Some((first, _)), Some((last, lc))) = (
        word.char_indices().find(cut),
        word.char_indices().rev().find(cut),
    ) else {
        return Class::Other;
    };
    let head = word.get(..first).map_or(Class::Other, &classify);
    let tail = word
        .get(last + lc.len_utf8()..)
        .map_or(Class::Other, &classify);
    stronger(head, tail)
}

/// The stronger of two classes: Strong, then Weak, then Other.
fn stronger(a: Class, b: Class) -> Class {
    match (a, b) {
        (Class::Strong, _) | (_, Class::Strong) => Class::Strong,
        (Class::Weak, _) | (_, Class::Weak) => Class::Weak,
        _ => Class::Other,
    }
}

/// The class of the word at `range` of the canonical view `canon`: [`classify`], and
/// for a code-length word that reads as a code, [`glued_class`].
fn word_class(canon: &ViewBuf, range: Range<usize>) -> Class {
    word_class_by(canon, range, classify)
}

/// [`word_class`] with the word classifier `classify` (the tests pass the char-by-char
/// one).
fn word_class_by(canon: &ViewBuf, range: Range<usize>, classify: impl Fn(&str) -> Class) -> Class {
    let Some(word) = canon.text.get(range.clone()) else {
        return Class::Other;
    };
    match classify(word) {
        Class::Other if is_code(word.as_bytes()) => glued_class(canon, range),
        class => class,
    }
}

/// The class of a code-length word the canonical view glued together from pieces an
/// invisible character kept apart in the original (`1n5truct10n5\u{200B}796f75…`
/// reads `1n5truct10n5796f75…`): that of its first or last piece, cut where the view
/// dropped something, as [`code_class`] cuts at punctuation. Gluing by an invisible
/// character must not hide a leet word any more than gluing by punctuation does.
fn glued_class(canon: &ViewBuf, range: Range<usize>) -> Class {
    let text = canon.text.as_str();
    let mut drops = canon
        .map
        .drops_in(range.clone())
        .filter(|&i| text.is_char_boundary(i));
    let Some(first) = drops.next() else {
        return Class::Other;
    };
    let last = drops.last().unwrap_or(first);
    let head = text.get(range.start..first).map_or(Class::Other, classify);
    let tail = text.get(last..range.end).map_or(Class::Other, classify);
    stronger(head, tail)
}

fn classify(word: &str) -> Class {
    if word.is_ascii() {
        classify_ascii(word.as_bytes())
    } else {
        classify_general(word)
    }
}

/// [`classify`] of an ASCII word, byte by byte through [`BYTE_CLASS`] (what the
/// general path computes char by char).
fn classify_ascii(w: &[u8]) -> Class {
    let any = w.iter().fold(0u8, |acc, &b| acc | byte_class(b));
    if any & ANY == 0 {
        return Class::Other;
    }
    if is_code(w) {
        return std::str::from_utf8(w).map_or(Class::Other, |word| code_class(word, classify));
    }
    const LETTER_RUN: u8 = 1;
    const LEET_RUN: u8 = 2;
    let mut runs = 0;
    let mut last = 0u8;
    let mut letters = false;
    for (k, &c) in w.iter().enumerate() {
        let cl = byte_class(c);
        if cl & (ALPHA | ALWAYS | INNER) == 0 {
            continue;
        }
        let leet = if cl & ALWAYS != 0 {
            !(c == b'@' && address_at(w, k).is_some())
        } else if cl & INNER != 0 {
            k.checked_sub(1)
                .and_then(|j| w.get(j))
                .is_some_and(u8::is_ascii_alphanumeric)
                && w.get(k + 1).is_some_and(u8::is_ascii_alphanumeric)
        } else {
            false
        };
        let kind = if leet {
            LEET_RUN
        } else if cl & ALPHA != 0 {
            letters = true;
            LETTER_RUN
        } else {
            continue;
        };
        if last != kind {
            runs += 1;
            last = kind;
            if runs >= 3 {
                return Class::Strong;
            }
        }
    }
    if (letters && runs == 2) || (!letters && w.len() <= 3 && w.iter().all(|&b| is_leet_digit(b))) {
        Class::Weak
    } else {
        Class::Other
    }
}

// Byte classes for ASCII words and the search for leet bytes.
/// ASCII letter.
const ALPHA: u8 = 1;
/// Leet wherever it stands: the leet digits, `@` (unless an address's) and `$`.
const ALWAYS: u8 = 2;
/// Leet between two alphanumerics: `!`, `|`, `+`.
const INNER: u8 = 4;
/// A byte that may make a word leet ([`is_leet_byte`]).
const ANY: u8 = 8;
/// A byte of a non-ASCII char.
const NON_ASCII: u8 = 16;

#[expect(
    clippy::indexing_slicing,
    reason = "const evaluation: `b < 256` indexes a 256-entry array, checked at compile time"
)]
const BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut k = 0;
        if c.is_ascii_alphabetic() {
            k |= ALPHA;
        }
        if is_leet_digit(c) || matches!(c, b'@' | b'$') {
            k |= ALWAYS;
        }
        if matches!(c, b'!' | b'|' | b'+') {
            k |= INNER;
        }
        if is_leet_byte(c) {
            k |= ANY;
        }
        if c >= 0x80 {
            k |= NON_ASCII;
        }
        t[b] = k;
        b += 1;
    }
    t
};

#[inline]
fn byte_class(b: u8) -> u8 {
    BYTE_CLASS.get(usize::from(b)).copied().unwrap_or(0)
}

/// High bit set in each byte of `x` that may be a leet byte: `0x21..=0x2B` and
/// `0x30..=0x40` (which hold every ASCII leet byte but `|`), `|`, and every non-ASCII
/// byte. A superset, exact per byte (no carry crosses bytes): candidates are checked
/// with [`is_leet_byte`].
#[inline]
fn leet_candidates(x: u64) -> u64 {
    bytes_between(x, 0x20, 0x2C) | bytes_between(x, 0x2F, 0x41) | bytes_equal(x, b'|') | (x & HI)
}

/// Position of the first leet byte ([`is_leet_byte`]) at or after `from`, eight bytes
/// at a time.
#[inline(always)]
fn next_leet_byte(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut chunks = rest.chunks_exact(8);
    let mut base = from;
    for chunk in chunks.by_ref() {
        let mut m = leet_candidates(word_at(chunk));
        while m != 0 {
            let k = (m.trailing_zeros() / 8) as usize;
            if chunk.get(k).is_some_and(|&b| is_leet_byte(b)) {
                return Some(base + k);
            }
            m &= m - 1;
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| is_leet_byte(b))
        .map(|i| base + i)
}

/// How far [`any_strong`] looks for a word's edges byte by byte before it calls
/// `memchr`.
const NEAR_BYTES: usize = 16;

/// The space-separated word of `bytes` that holds the byte at `p`, when `from` starts
/// a word (or the text) and no byte between `from` and `p` is leet: its start and end.
#[inline(always)]
fn word_around(bytes: &[u8], from: usize, p: usize) -> (usize, usize) {
    let start = bytes
        .get(from..p)
        .and_then(|b| {
            // Words are short: a look at the last bytes before a `memrchr` call.
            let near = b.len().saturating_sub(NEAR_BYTES);
            match b
                .get(near..)
                .and_then(|t| t.iter().rposition(|&c| c == b' '))
            {
                Some(k) => Some(near + k),
                None => memchr::memrchr(b' ', b.get(..near).unwrap_or_default()),
            }
        })
        .map_or(from, |k| from + k + 1);
    let end = bytes
        .get(p..)
        .and_then(|b| {
            let near = b.len().min(NEAR_BYTES);
            match b
                .get(..near)
                .and_then(|t| t.iter().position(|&c| c == b' '))
            {
                Some(k) => Some(k),
                None => memchr::memchr(b' ', b.get(near..).unwrap_or_default()).map(|k| near + k),
            }
        })
        .map_or(bytes.len(), |k| p + k);
    (start, end)
}

/// True when some space-separated word of `canon` is [`Class::Strong`]: only words
/// with a leet byte are classified, found by [`next_leet_byte`].
fn any_strong(canon: &ViewBuf) -> bool {
    let text = canon.text.as_str();
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(p) = next_leet_byte(bytes, from) {
        let (start, end) = word_around(bytes, from, p);
        // A strong word has a letter: an ASCII word without one is not classified.
        let may_be_strong = bytes.get(start..end).is_some_and(|w| {
            w.iter().fold(0u8, |acc, &b| acc | byte_class(b)) & (ALPHA | NON_ASCII) != 0
        });
        if may_be_strong && word_class(canon, start..end) == Class::Strong {
            return true;
        }
        from = end + 1;
    }
    false
}

/// A word that may fold, as [`leet_words`] finds it.
#[derive(Debug, Clone, Copy)]
struct LeetWord {
    /// Its first byte in the text.
    start: usize,
    /// One past its last byte.
    end: usize,
    /// [`Class::Strong`] or [`Class::Weak`].
    class: Class,
    /// How many plain words stand between it and the previous `LeetWord`, counted up
    /// to `NEAR + 1` (0 for the first).
    gap: usize,
}

/// The words of `text` that may fold: those with a leet byte that classify as
/// [`Class::Strong`] or [`Class::Weak`], in order. The words between two of them are
/// all [`Class::Other`] and are only counted, up to `NEAR + 1` (a gap that long decides
/// nothing more). Words are the non-empty pieces between spaces, as the fold reads
/// them; a word without a leet byte is always `Other`, so only the words
/// [`next_leet_byte`] lands in are classified.
fn leet_words(canon: &ViewBuf) -> Vec<LeetWord> {
    let bytes = canon.text.as_bytes();
    let mut words = Vec::new();
    let mut from = 0;
    let mut last_end: Option<usize> = None;
    while let Some(p) = next_leet_byte(bytes, from) {
        let (start, end) = word_around(bytes, from, p);
        let class = word_class(canon, start..end);
        if class != Class::Other {
            let gap = last_end.map_or(0, |e| {
                count_words(bytes.get(e..start).unwrap_or_default(), NEAR + 1)
            });
            words.push(LeetWord {
                start,
                end,
                class,
                gap,
            });
            last_end = Some(end);
        }
        from = end + 1;
    }
    words
}

/// How many space-separated words `bytes` holds, counting no further than `cap`.
fn count_words(bytes: &[u8], cap: usize) -> usize {
    let mut n = 0;
    let mut i = 0;
    while n < cap {
        let Some(k) = bytes
            .get(i..)
            .and_then(|b| b.iter().position(|&c| c != b' '))
        else {
            break;
        };
        n += 1;
        match bytes.get(i + k..).and_then(|b| memchr::memchr(b' ', b)) {
            Some(e) => i += k + e,
            None => break,
        }
    }
    n
}

fn classify_general(word: &str) -> Class {
    if !word.bytes().any(is_leet_byte) {
        return Class::Other;
    }
    if is_code(word.as_bytes()) {
        return code_class(word, classify_general);
    }
    #[derive(PartialEq, Clone, Copy)]
    enum Kind {
        Letter,
        Leet,
    }
    let mut runs = 0;
    let mut last: Option<Kind> = None;
    let mut letters = false;
    let mut prev: Option<char> = None;
    let mut chars = word.char_indices().peekable();
    while let Some((off, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let inner =
            prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric);
        prev = Some(c);
        let kind = if leet_in(word, off, c, inner).is_some() {
            Kind::Leet
        } else if c.is_alphabetic() {
            letters = true;
            Kind::Letter
        } else {
            continue;
        };
        if last != Some(kind) {
            runs += 1;
            last = Some(kind);
            if runs >= 3 {
                return Class::Strong;
            }
        }
    }
    if (letters && runs == 2) || (!letters && word.len() <= 3 && word.bytes().all(is_leet_digit)) {
        Class::Weak
    } else {
        Class::Other
    }
}

/// The leet-folded form of a canonical view, or `None` when no word is leet.
pub(crate) fn leet_view(canon: &ViewBuf) -> Option<ViewBuf> {
    // Most texts with digits have no leet word: find one before building anything.
    if !any_strong(canon) {
        return None;
    }
    // Only words with a leet byte can fold, and only they are looked at: the words in
    // between count as a number (see `leet_words`).
    let words = leet_words(canon);
    // Weak words fold when at most NEAR plain words separate them from a folded one: a
    // strong word, or a weak word that folds (`3nd of th3 out of date 1n5truc710n5`:
    // `th3` is three words from the strong word, `3nd` one from `th3`).
    let step = |gap: usize, class: Class| match class {
        Class::Strong => 0,
        Class::Weak if gap <= NEAR => 0,
        Class::Weak => gap,
        Class::Other => gap.saturating_add(1),
    };
    let mut dist = vec![usize::MAX; words.len()];
    let mut gap = usize::MAX;
    for (w, d) in words.iter().zip(dist.iter_mut()) {
        gap = step(gap.saturating_add(w.gap), w.class);
        *d = gap;
    }
    gap = usize::MAX;
    let mut after = 0;
    for (w, d) in words.iter().zip(dist.iter_mut()).rev() {
        gap = step(gap.saturating_add(after), w.class);
        *d = (*d).min(gap);
        after = w.gap;
    }
    let folded = words
        .iter()
        .zip(&dist)
        .filter(|(w, d)| w.class == Class::Strong || (w.class == Class::Weak && **d <= NEAR))
        .map(|(w, _)| w.start..w.end);
    Some(fold_words(canon, folded))
}

/// The canonical view with the leet chars of each word in `words` (byte ranges of its
/// text, in order) replaced by their letters, and everything else copied.
fn fold_words(canon: &ViewBuf, words: impl Iterator<Item = Range<usize>>) -> ViewBuf {
    let text = canon.text.as_str();
    let mut out = ViewBuf::with_capacity(text.len());
    let mut cursor = 0;
    let mut from = 0;
    for range in words {
        let start = range.start;
        let Some(word) = text.get(range) else {
            continue;
        };
        let mut prev: Option<char> = None;
        let mut chars = word.char_indices().peekable();
        while let Some((off, c)) = chars.next() {
            let next = chars.peek().map(|&(_, n)| n);
            let inner =
                prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric);
            if let Some(l) = leet_in(word, off, c, inner) {
                let pos = start + off;
                if pos > from {
                    out.copy_from(canon, from..pos, &mut cursor);
                }
                if let Some((s, e)) = canon.map.span(pos) {
                    out.push_char(s, e, l);
                }
                from = pos + c.len_utf8();
            }
            prev = Some(c);
        }
    }
    out.copy_from(canon, from..text.len(), &mut cursor);
    out
}

/// The squashed view: letters and digits only, and a leet digit glued between two
/// letters read as its letter (`in7helink` → `inthelink`). A word like `7he` far from
/// any other leet word stays as written in the leet view (it might be a number), but
/// inside a squashed phrase it is a letter.
pub(crate) fn squash(src: &ViewBuf) -> ViewBuf {
    let (mut bytes, map) = src.filtered_parts(
        |b| ASCII_ALNUM.get(usize::from(b)).copied().unwrap_or(false),
        char::is_alphanumeric,
    );
    fold_glued_digits(&mut bytes);
    ViewBuf::from_parts(bytes, map)
}

/// ASCII letters and digits, as a table (one load a byte on the squashed view's path).
#[expect(
    clippy::indexing_slicing,
    reason = "const evaluation: `b < 256` indexes a 256-entry array, checked at compile time"
)]
const ASCII_ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

/// Replaces every leet digit that is glued to letters by its letter: an ASCII letter
/// on each side (the left one possibly folded already), or an ASCII letter on one
/// side and an edge on the other, where an edge is the start or end of the stream or a
/// non-ASCII char (`3mbed` at the start of a text or after `谢谢`, `th3` at the end).
/// One ASCII byte for another: the text stays UTF-8 and byte offsets, and so the
/// view's map, stay as they are. Only the digits are visited ([`next_digit`]), in
/// order, as the byte-by-byte loop did.
fn fold_glued_digits(b: &mut [u8]) {
    let mut i = 0;
    while i < b.len() {
        let Some(d) = next_digit(b, i) else { return };
        i = d + 1;
        let Some(&c) = b.get(d) else { return };
        if is_leet_digit(c)
            && glued(
                side(d.checked_sub(1).and_then(|k| b.get(k))),
                side(b.get(d + 1)),
            )
            && let Some(l) = leet(char::from(c), true)
            && let Some(slot) = b.get_mut(d)
        {
            *slot = l as u8;
        }
    }
}

/// What stands beside a digit of the squashed stream, for [`fold_glued_digits`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    /// An ASCII letter.
    Letter,
    /// The stream's start or end, or a byte of a non-ASCII char.
    Edge,
    /// A digit.
    Other,
}

fn side(b: Option<&u8>) -> Side {
    match b {
        None => Side::Edge,
        Some(b) if b.is_ascii_alphabetic() => Side::Letter,
        Some(&b) if b >= 0x80 => Side::Edge,
        Some(_) => Side::Other,
    }
}

/// A digit folds with a letter on one side and a letter or an edge on the other.
fn glued(left: Side, right: Side) -> bool {
    matches!(
        (left, right),
        (Side::Letter, Side::Letter | Side::Edge) | (Side::Edge, Side::Letter)
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::canonical;
    use crate::invisible::HiddenSink;

    /// The search for a strong word as it was: byte by byte.
    fn any_strong_ref(canon: &ViewBuf) -> bool {
        let text = canon.text.as_str();
        if !text.bytes().any(is_leet_byte) {
            return false;
        }
        let bytes = text.as_bytes();
        let mut start = 0;
        let mut leetish = false;
        for (i, &b) in bytes.iter().chain(std::iter::once(&b' ')).enumerate() {
            if b == b' ' {
                if leetish && word_class_ref(canon, start..i) == Class::Strong {
                    return true;
                }
                start = i + 1;
                leetish = false;
            } else if is_leet_byte(b) {
                leetish = true;
            }
        }
        false
    }

    /// [`word_class`] through the char-by-char classifier.
    fn word_class_ref(canon: &ViewBuf, range: Range<usize>) -> Class {
        word_class_by(canon, range, classify_general)
    }

    /// The leet view as it was: every word of the text classified, dense passes.
    fn leet_view_ref(canon: &ViewBuf) -> Option<ViewBuf> {
        let text = canon.text.as_str();
        // Most texts with digits have no leet word: find one before building anything.
        if !any_strong_ref(canon) {
            return None;
        }
        let mut words: Vec<(usize, usize, Class)> = Vec::new();
        let mut at = 0;
        for w in text.as_bytes().split(|&b| b == b' ') {
            if !w.is_empty() {
                words.push((at, at + w.len(), word_class_ref(canon, at..at + w.len())));
            }
            at += w.len() + 1;
        }
        // Weak words fold when at most NEAR plain words separate them from a folded one.
        let mut dist = vec![usize::MAX; words.len()];
        let step = |gap: usize, class: Class| match class {
            Class::Strong => 0,
            Class::Weak if gap <= NEAR => 0,
            Class::Weak => gap,
            Class::Other => gap.saturating_add(1),
        };
        let mut gap = usize::MAX;
        for (k, w) in words.iter().enumerate() {
            gap = step(gap, w.2);
            if let Some(d) = dist.get_mut(k) {
                *d = gap;
            }
        }
        gap = usize::MAX;
        for (k, w) in words.iter().enumerate().rev() {
            gap = step(gap, w.2);
            if let Some(d) = dist.get_mut(k) {
                *d = (*d).min(gap);
            }
        }
        let fold: Vec<bool> = words
            .iter()
            .zip(&dist)
            .map(|(w, &d)| w.2 == Class::Strong || (w.2 == Class::Weak && d <= NEAR))
            .collect();
        let folded = words
            .iter()
            .zip(&fold)
            .filter(|(_, f)| **f)
            .map(|(w, _)| w.0..w.1);
        Some(fold_words(canon, folded))
    }

    /// The glued-digit fold as it was: byte by byte.
    /// Since 2026-12-05 a stream edge or a non-ASCII byte also counts as the far side
    /// of a digit glued to a letter.
    fn fold_glued_digits_ref(b: &mut [u8]) {
        for i in 0..b.len() {
            let Some(&c) = b.get(i) else { break };
            let letter = |k: Option<usize>| {
                k.and_then(|k| b.get(k))
                    .is_some_and(u8::is_ascii_alphabetic)
            };
            let edge = |k: Option<usize>| k.and_then(|k| b.get(k)).is_none_or(|&x| x >= 0x80);
            let (l, r) = (i.checked_sub(1), Some(i + 1));
            if c.is_ascii_digit()
                && is_leet_digit(c)
                && ((letter(l) && (letter(r) || edge(r))) || (edge(l) && letter(r)))
                && let Some(f) = leet(char::from(c), true)
                && let Some(slot) = b.get_mut(i)
            {
                *slot = f as u8;
            }
        }
    }

    fn squash_ref(src: &ViewBuf) -> ViewBuf {
        let (mut bytes, map) = src.filtered_parts_ref(
            |b| ASCII_ALNUM.get(usize::from(b)).copied().unwrap_or(false),
            char::is_alphanumeric,
        );
        fold_glued_digits_ref(&mut bytes);
        ViewBuf::from_parts(bytes, map)
    }

    fn canon(text: &str) -> ViewBuf {
        let mut sink = HiddenSink::default();
        canonical::fold(text, &canonical::Identity, &mut sink).buf
    }

    /// Every check of one text: the pieces and the views against the old code.
    fn check(text: &str) {
        for w in text.split(' ') {
            assert_eq!(classify(w), classify_general(w), "classify {w:?}");
        }
        let mut a = text.as_bytes().to_vec();
        let mut b = a.clone();
        fold_glued_digits(&mut a);
        fold_glued_digits_ref(&mut b);
        assert_eq!(a, b, "glued digits {text:?}");
        for buf in [canon(text), raw(text)] {
            assert_eq!(any_strong(&buf), any_strong_ref(&buf), "strong {text:?}");
            let new = squash(&buf);
            let old = squash_ref(&buf);
            assert_eq!(new.text, old.text, "squash {text:?}");
            assert_eq!(new.map, old.map, "squash map {text:?}");
            let leet = leet_view(&buf);
            let leet_ref = leet_view_ref(&buf);
            assert_eq!(
                leet.as_ref().map(|l| (&l.text, &l.map)),
                leet_ref.as_ref().map(|l| (&l.text, &l.map)),
                "leet view {text:?}"
            );
            if let Some(l) = &leet {
                let s = squash(l);
                let r = squash_ref(l);
                assert_eq!((s.text, s.map), (r.text, r.map), "squash of leet {text:?}");
            }
        }
    }

    /// A buffer of `text` with its map as the canonical pass makes it for plain ASCII
    /// (linear runs) and blocks for the rest, without folding.
    fn raw(text: &str) -> ViewBuf {
        let mut buf = ViewBuf::with_capacity(text.len());
        let mut at = 0;
        for c in text.chars() {
            let n = c.len_utf8();
            if c.is_ascii() {
                let mut b = [0u8; 4];
                buf.push_linear(at as u32, c.encode_utf8(&mut b));
            } else {
                buf.push_char(at as u32, (at + n) as u32, c);
            }
            at += n;
        }
        buf
    }

    const PIECES: &[&str] = &[
        "a",
        "b",
        "z",
        "e",
        "x",
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "@",
        "$",
        "!",
        "|",
        "+",
        "€",
        " ",
        " ",
        " ",
        ".",
        "-",
        ":",
        ",",
        "'",
        "\"",
        "(",
        "#",
        "%",
        "=",
        "\n",
        "é",
        "д",
        "о",
        "ω",
        "α",
        "中",
        "文",
        "\u{200B}",
        "\u{200D}",
        "Ａ",
        "１",
        "ｏ",
        "I",
        "G",
        "user@mail.example.com",
        "a@b",
        "x.y@host.org ",
        "ab",
        "hello",
    ];

    #[test]
    fn leet_candidates_cover_every_leet_byte() {
        for b in 0u8..=255 {
            let want =
                (0x21..=0x2B).contains(&b) || (0x30..=0x40).contains(&b) || b == b'|' || b >= 0x80;
            assert!(!is_leet_byte(b) || want, "{b:#x}");
            for k in 0..8 {
                for fill in [b' ', b'a', 0x00, 0xFF, b'|', b'0'] {
                    let mut w = [fill; 8];
                    w[k] = b;
                    let m = leet_candidates(u64::from_le_bytes(w));
                    assert_eq!(
                        m >> (8 * k + 7) & 1 == 1,
                        want,
                        "{b:#x} at {k} in {fill:#x}"
                    );
                }
            }
        }
    }

    /// A leet digit glued to letters folds in the squashed view at the text's edges and
    /// next to non-ASCII text too, not only between two letters; digits among digits
    /// or alone stay.
    #[test]
    fn squash_folds_digits_at_edges() {
        for (text, want) in [
            ("3mbed th3 api key", "embedtheapikey"),
            ("谢谢 \n\n3mbed th3 url", "谢谢embedtheurl"),
            ("show the k3y", "showthekey"),
            ("k3y谢谢", "key谢谢"),
            ("ok 3mbed", "okembed"),
            ("10 items, 3 left", "10itemseleft"),
            ("order 12 34", "order1234"),
            ("3 谢谢", "3谢谢"),
            ("2 3mbed", "23mbed"),
        ] {
            assert_eq!(squash(&canon(text)).text, want, "{text:?}");
        }
    }

    #[test]
    fn fixed_cases_match_the_old_code() {
        let cases = [
            "",
            "1",
            "a",
            "@",
            "y0u 4r3 4 h4ck3r",
            "1gn0r3 4ll pr3v10us 1n5truc710n5",
            "3nd of 7he 0ld 1n5truc710n5",
            "p@$$w0rd h!dden",
            "mail support@shop.example.com now",
            "14th mp3 covid19 4ll 70",
            "in7helink a1b2c3d4e5f6g7h8",
            "€uro h€llo",
            "ｙ０ｕ ４ｒ３",
            "д0м h0м3 中文 1n 中",
            "| 1001 | walking boots, size 9 | 1 | 89.00 |",
        ];
        for c in cases {
            check(c);
        }
        // Every length around the 8-byte chunks, leet bytes and multibyte chars at
        // each edge.
        for n in 0..=40 {
            for fill in ["a", "7", "é", " ", "1a"] {
                for edge in ["0", "@", "|", "€", "д", "!", "b4d"] {
                    let body = fill.repeat(n);
                    check(&format!("{edge}{body}"));
                    check(&format!("{body}{edge}"));
                    check(&format!("h{edge}{body}{edge}x"));
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn views_match_the_old_code(parts in prop::collection::vec(0..PIECES.len(), 0..60)) {
            let text: String = parts.iter().map(|&k| PIECES[k]).collect();
            check(&text);
        }

        #[test]
        fn views_match_on_any_text(text in "\\PC{0,80}") {
            check(&text);
        }
    }
}
