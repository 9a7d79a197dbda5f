//! A secret in Cyrillic, Greek or Devanagari letters written in Latin letters (`privet`
//! for `привет`, `seb` for `सेब`): the other direction of `transliterated`. Part of
//! `secret_leak`'s indirect mode.

use super::{Secret, TextIndex, levenshtein_within, to_latin};
use crate::rules::Hit;

/// Latin letters for a Devanagari consonant, without its inherent `a`.
fn consonant(c: char) -> Option<&'static str> {
    Some(match c {
        'क' => "k",
        'ख' => "kh",
        'ग' => "g",
        'घ' => "gh",
        'ङ' | 'ञ' | 'ण' | 'न' => "n",
        'च' => "ch",
        'छ' => "chh",
        'ज' => "j",
        'झ' => "jh",
        'ट' | 'त' => "t",
        'ठ' | 'थ' => "th",
        'ड' | 'द' => "d",
        'ढ' | 'ध' => "dh",
        'प' => "p",
        'फ' => "ph",
        'ब' => "b",
        'भ' => "bh",
        'म' => "m",
        'य' => "y",
        'र' => "r",
        'ल' => "l",
        'व' => "v",
        'श' | 'ष' => "sh",
        'स' => "s",
        'ह' => "h",
        _ => return None,
    })
}

/// Latin letters for a Devanagari vowel, as a letter or as a sign after a consonant.
fn vowel(c: char) -> Option<&'static str> {
    Some(match c {
        'अ' => "a",
        'आ' | 'ा' => "a",
        'इ' | 'ि' | 'ई' | 'ी' => "i",
        'उ' | 'ु' | 'ऊ' | 'ू' => "u",
        'ए' | 'े' => "e",
        'ऐ' | 'ै' => "ai",
        'ओ' | 'ो' => "o",
        'औ' | 'ौ' => "au",
        'ऋ' | 'ृ' => "ri",
        _ => return None,
    })
}

/// A Devanagari word in Latin letters, Hindi style: a consonant keeps its inherent
/// `a` unless a vowel sign or a virama follows or it ends the word (`सेब` → `seb`,
/// `कमल` → `kamal`). `None` for a character it cannot read.
fn devanagari(word: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(k) = consonant(c) {
            out.push_str(k);
            while chars.peek() == Some(&'़') {
                chars.next();
            }
            let next = chars.peek().copied();
            let sign = next.is_some_and(|n| n == '्' || (vowel(n).is_some() && is_sign(n)));
            if next.is_some() && !sign && next.is_some_and(|n| consonant(n).is_some() || is_mark(n))
            {
                out.push('a');
            }
        } else if let Some(v) = vowel(c) {
            out.push_str(v);
        } else if matches!(c, 'ं' | 'ँ') {
            out.push('n');
        } else if c == 'ः' {
            out.push('h');
        } else if c != '्' {
            return None;
        }
    }
    Some(out)
}

/// A vowel sign (written after a consonant), not an independent vowel.
fn is_sign(c: char) -> bool {
    ('\u{093E}'..='\u{094C}').contains(&c)
}

/// Anusvara, candrabindu, visarga: the consonant before them keeps its `a`.
fn is_mark(c: char) -> bool {
    matches!(c, 'ं' | 'ँ' | 'ः')
}

/// The secret in Latin letters, when it is written in Cyrillic, Greek or Devanagari
/// letters (and digits).
fn latin_form(s: &Secret<'_>) -> Option<String> {
    let mut out = String::new();
    for w in &s.words {
        if w.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c)) {
            out.push_str(&devanagari(w)?);
            continue;
        }
        for c in w.chars() {
            match to_latin(c) {
                Some(l) => out.push_str(l),
                None if c.is_ascii_digit() => out.push(c),
                None => return None,
            }
        }
    }
    Some(out)
}

/// The secret's words, read in Latin letters, as as many consecutive ASCII words of
/// the text: equal, or for five letters or more one edit in four away (spellings of a
/// transliteration differ: `privet`, `priviet`).
pub(super) fn romanised(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let k = s.words.len();
    if k == 0 || k > 6 || s.plain.is_ascii() {
        return;
    }
    let Some(latin) = latin_form(s) else { return };
    let n = latin.len();
    if n < 3 {
        return;
    }
    let budget = if n >= 5 { (n / 4).max(1) } else { 0 };
    let mut joined = String::with_capacity(n + budget);
    for run in t.tokens.windows(k) {
        if !run.iter().all(|tok| tok.text.is_ascii()) {
            continue;
        }
        let len: usize = run.iter().map(|tok| tok.text.len()).sum();
        if len.abs_diff(n) > budget {
            continue;
        }
        joined.clear();
        joined.extend(run.iter().map(|tok| tok.text.as_str()));
        if (joined == latin || (budget > 0 && levenshtein_within(&joined, &latin, budget)))
            && let (Some(first), Some(last)) = (run.first(), run.last())
        {
            hits.push(Hit::new(
                first.start,
                last.end,
                format!("{who} appears in Latin letters"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devanagari_in_latin_letters() {
        assert_eq!(devanagari("सेब").as_deref(), Some("seb"));
        assert_eq!(devanagari("कमल").as_deref(), Some("kamal"));
        assert_eq!(devanagari("नमस्ते").as_deref(), Some("namaste"));
        assert_eq!(devanagari("हिंदी").as_deref(), Some("hindi"));
        assert_eq!(devanagari("राम").as_deref(), Some("ram"));
        assert_eq!(devanagari("abc"), None);
    }
}
