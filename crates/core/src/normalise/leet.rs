//! Leetspeak folding and the squashed view.
//!
//! Folding happens only inside words that mix letters with leet characters (`1gn0r3`,
//! `p@$$w0rd`, `h!dden`), so plain numbers stay numbers. A short all-leet-digit word
//! (`4`, `70`, `15`) is folded too when it sits next to a folded word (`y0u 4r3 4`),
//! because in such company it is a word, not a number.
//!
//! Map: `0`→o `1`→i `3`→e `4`→a `5`→s `7`→t `8`→b `9`→g `@`→a `$`→s, and between
//! two letters or digits `!`→i `|`→l `+`→t `€`→e.

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

fn is_leet_digit(b: u8) -> bool {
    matches!(b, b'0' | b'1' | b'3' | b'4' | b'5' | b'7' | b'8' | b'9')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Letters and leet chars: folded.
    Mixed,
    /// One to three leet digits: folded next to a folded word.
    ShortDigits,
    /// Anything else: left alone.
    Other,
}

fn classify(word: &str) -> Class {
    let mut letters = 0usize;
    let mut leets = 0usize;
    let mut prev: Option<char> = None;
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let inner =
            prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric);
        if leet(c, inner).is_some() {
            leets += 1;
        } else if c.is_alphabetic() {
            letters += 1;
        }
        prev = Some(c);
    }
    if letters > 0 && leets > 0 {
        Class::Mixed
    } else if letters == 0 && word.len() <= 3 && word.bytes().all(is_leet_digit) {
        Class::ShortDigits
    } else {
        Class::Other
    }
}

/// The leet-folded form of a canonical view, or `None` when no word needs folding.
pub(crate) fn leet_view(canon: &ViewBuf) -> Option<ViewBuf> {
    let text = canon.text.as_str();
    let maybe = text
        .bytes()
        .any(|b| is_leet_digit(b) || matches!(b, b'@' | b'$' | b'!' | b'|' | b'+' | 0xE2));
    if !maybe {
        return None;
    }
    let mut words: Vec<(usize, usize, Class)> = Vec::new();
    let mut at = 0;
    for w in text.split(' ') {
        if !w.is_empty() {
            words.push((at, at + w.len(), classify(w)));
        }
        at += w.len() + 1;
    }
    let mut fold: Vec<bool> = words.iter().map(|w| w.2 == Class::Mixed).collect();
    if !fold.iter().any(|&f| f) {
        return None;
    }
    for k in 1..fold.len() {
        if !fold.get(k).copied().unwrap_or(true)
            && words.get(k).is_some_and(|w| w.2 == Class::ShortDigits)
            && fold.get(k - 1).copied().unwrap_or(false)
            && let Some(f) = fold.get_mut(k)
        {
            *f = true;
        }
    }
    for k in (0..fold.len().saturating_sub(1)).rev() {
        if !fold.get(k).copied().unwrap_or(true)
            && words.get(k).is_some_and(|w| w.2 == Class::ShortDigits)
            && fold.get(k + 1).copied().unwrap_or(false)
            && let Some(f) = fold.get_mut(k)
        {
            *f = true;
        }
    }
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
            if let Some(l) = leet(c, inner) {
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

/// The squashed view: letters and digits only.
pub(crate) fn squash(src: &ViewBuf) -> ViewBuf {
    let text = src.text.as_str();
    let bytes = text.as_bytes();
    let mut out = ViewBuf::with_capacity(text.len());
    let mut cursor = 0;
    let mut i = 0;
    let mut run_start: Option<usize> = None;
    while let Some(&b) = bytes.get(i) {
        let (keep, len) = if b < 0x80 {
            (b.is_ascii_alphanumeric(), 1)
        } else {
            match text.get(i..).and_then(|t| t.chars().next()) {
                Some(c) => (c.is_alphanumeric(), c.len_utf8()),
                None => break,
            }
        };
        match (keep, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(s)) => {
                out.copy_from(src, s..i, &mut cursor);
                run_start = None;
            }
            _ => {}
        }
        i += len;
    }
    if let Some(s) = run_start {
        out.copy_from(src, s..text.len(), &mut cursor);
    }
    out
}
