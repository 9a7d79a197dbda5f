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

/// [`leet`] for the char `c` at byte `off` of `word`: an e-mail address's `@` is
/// not leet.
fn leet_in(word: &str, off: usize, c: char, inner: bool) -> Option<char> {
    if c == '@' && address_at(word.as_bytes(), off).is_some() {
        return None;
    }
    leet(c, inner)
}

fn is_leet_digit(b: u8) -> bool {
    matches!(b, b'0' | b'1' | b'3' | b'4' | b'5' | b'7' | b'8' | b'9')
}

/// Bytes that may make a word leet (0xE2 starts `€`).
fn is_leet_byte(b: u8) -> bool {
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
/// still is.
const MAX_LEET_WORD: usize = 40;

fn classify(word: &str) -> Class {
    if !word.bytes().any(is_leet_byte)
        || (word.len() > MAX_LEET_WORD
            && word.bytes().filter(u8::is_ascii_alphanumeric).count() > MAX_LEET_WORD)
    {
        return Class::Other;
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
    let text = canon.text.as_str();
    if !text.bytes().any(is_leet_byte) {
        return None;
    }
    // Most texts with digits have no leet word: find one before building anything.
    let bytes = text.as_bytes();
    let mut strong = false;
    let mut start = 0;
    let mut leetish = false;
    for (i, &b) in bytes.iter().chain(std::iter::once(&b' ')).enumerate() {
        if b == b' ' {
            if leetish
                && text
                    .get(start..i)
                    .is_some_and(|w| classify(w) == Class::Strong)
            {
                strong = true;
                break;
            }
            start = i + 1;
            leetish = false;
        } else if is_leet_byte(b) {
            leetish = true;
        }
    }
    if !strong {
        return None;
    }
    let mut words: Vec<(usize, usize, Class)> = Vec::new();
    let mut at = 0;
    for w in text.as_bytes().split(|&b| b == b' ') {
        if !w.is_empty() {
            words.push((
                at,
                at + w.len(),
                text.get(at..at + w.len()).map_or(Class::Other, classify),
            ));
        }
        at += w.len() + 1;
    }
    // Weak words fold when at most NEAR plain words separate them from a strong one;
    // weak words in between relay (`3nd of 7he 0ld 1n5truc710n5`).
    let mut dist = vec![usize::MAX; words.len()];
    let step = |gap: usize, class: Class| match class {
        Class::Strong => 0,
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
    let mut out = ViewBuf::with_capacity(text.len());
    let mut cursor = 0;
    let mut from = 0;
    for (&(start, end, _), &f) in words.iter().zip(&fold) {
        if !f {
            continue;
        }
        let Some(word) = text.get(start..end) else {
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
    Some(out)
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

/// Replaces every leet digit that has an ASCII letter on each side (the left one
/// possibly folded already) by its letter. One ASCII byte for another: the text
/// stays UTF-8 and byte offsets, and so the view's map, stay as they are.
fn fold_glued_digits(b: &mut [u8]) {
    for i in 1..b.len().saturating_sub(1) {
        let Some(&c) = b.get(i) else { break };
        if c.is_ascii_digit()
            && is_leet_digit(c)
            && b.get(i - 1).is_some_and(u8::is_ascii_alphabetic)
            && b.get(i + 1).is_some_and(u8::is_ascii_alphabetic)
            && let Some(l) = leet(char::from(c), true)
            && let Some(slot) = b.get_mut(i)
        {
            *slot = l as u8;
        }
    }
}
