//! Writings of text that `secret_leak` decodes before it searches for a secret: Morse
//! code (`--.. . -. .. - ....`), Braille cells (`⠵⠑⠝`), upside-down letters (`ɥʇıuǝz`,
//! read back to front) and Unicode escapes (`U+007A`, `\u007a`, `\u{7a}`). Not a rule.
//!
//! Each decoder first checks that the text holds its marks at all (a few dots and
//! dashes, a Braille cell, an upside-down letter, `u+` or `\u`), so ordinary answers
//! pay one scan of their bytes and nothing else.

/// Text decoded from one writing: lowercase letters and digits, and for each byte of
/// `plain` the span of the original text it came from.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    /// Lowercase letters and digits.
    pub plain: String,
    /// Original byte span of each byte of `plain`.
    pub map: Vec<(usize, usize)>,
    /// How the text was written (`Morse code`, …), for reasons.
    pub how: &'static str,
}

impl Decoded {
    fn new(how: &'static str) -> Decoded {
        Decoded {
            plain: String::new(),
            map: Vec::new(),
            how,
        }
    }

    fn push(&mut self, c: char, start: usize, end: usize) {
        for lc in c.to_lowercase().filter(|c| c.is_alphanumeric()) {
            self.plain.push(lc);
            self.map
                .extend(std::iter::repeat_n((start, end), lc.len_utf8()));
        }
    }

    /// The original span of `plain[start..end]`.
    pub fn span(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        // Read back to front, the first byte of a match may come from the later span.
        let a = *self.map.get(start)?;
        let b = *self.map.get(end.checked_sub(1)?)?;
        Some((a.0.min(b.0), a.1.max(b.1)))
    }
}

/// Every writing found in the text, decoded (none for ordinary text).
pub(crate) fn decode_all(text: &str) -> Vec<Decoded> {
    let mut out = Vec::new();
    let seen = Seen::of(text);
    if seen.morse {
        out.extend(morse(text));
    }
    if seen.other_script {
        if text.chars().any(|c| ('\u{2800}'..='\u{28ff}').contains(&c)) {
            out.push(braille_cells(text));
        }
        if text.chars().any(|c| unflip(c).is_some()) {
            out.push(upside_down(text));
        }
    }
    if seen.escapes {
        out.push(unicode_escapes(text));
    }
    out.retain(|d| !d.plain.is_empty());
    out
}

/// What one pass over the bytes of a text says it may hold.
#[derive(Debug, Default)]
struct Seen {
    /// Three words in a row of one to five dots and dashes (Morse code).
    morse: bool,
    /// `u+` or `\u` (Unicode escapes).
    escapes: bool,
    /// Characters beyond ASCII (Braille, upside-down letters, typographic dashes).
    other_script: bool,
}

impl Seen {
    fn of(text: &str) -> Seen {
        let bytes = text.as_bytes();
        // `+` and `\\` are rare in answers: two fast byte searches first.
        let escapes = (bytes.contains(&b'+') || bytes.contains(&b'\\')) && has_escape(bytes);
        if !text.is_ascii() {
            // Typographic dots and dashes count as Morse marks: the slower way.
            return Seen {
                morse: morse_words(text.chars()),
                escapes,
                other_script: true,
            };
        }
        Seen {
            morse: ascii_morse_words(bytes),
            escapes,
            other_script: false,
        }
    }
}

/// `u+`, `U+`, `\u` or `\U` among the bytes.
fn has_escape(bytes: &[u8]) -> bool {
    let mut prev = 0u8;
    bytes.iter().any(|&b| {
        let hit = matches!((prev, b), (b'u' | b'U', b'+') | (b'\\', b'u' | b'U'));
        prev = b;
        hit
    })
}

/// [`morse_words`] for ASCII text: only from the dots and dashes that start a word
/// (found with `memchr`; in prose they sit inside or after words).
fn ascii_morse_words(bytes: &[u8]) -> bool {
    let sep = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'|');
    for at in memchr::memchr3_iter(b'.', b'-', b'_', bytes) {
        let starts_word = at == 0 || bytes.get(at - 1).copied().is_some_and(sep);
        if starts_word
            && morse_words(
                bytes
                    .get(at..)
                    .unwrap_or_default()
                    .iter()
                    .map(|b| char::from(*b))
                    .take(48),
            )
        {
            return true;
        }
    }
    false
}

/// True when three words in a row are made of dots and dashes only (one to five of
/// them, ASCII or typographic): the text may hold Morse code.
fn morse_words(chars: impl Iterator<Item = char>) -> bool {
    let mut in_row = 0;
    let mut len = 0;
    // Whether the current word is all marks so far.
    let mut marks = true;
    for c in chars.chain(std::iter::once(' ')) {
        if c.is_whitespace() || c == '/' || c == '|' {
            if len > 0 {
                in_row = if marks && len <= 5 { in_row + 1 } else { 0 };
                if in_row >= 3 {
                    return true;
                }
            }
            len = 0;
            marks = true;
            continue;
        }
        len += 1;
        marks &= matches!(c, '.' | '-' | '_' | '·' | '•' | '∙' | '−' | '–' | '—');
    }
    false
}

/// Runs of Morse code: words of dots and dashes, letters apart by blanks, words apart
/// by `/`, `|` or three blanks (word gaps are dropped: the secret is searched squashed).
/// A word that is not a Morse letter ends the run; runs of fewer than three letters
/// are dropped (`...` alone is an ellipsis).
fn morse(text: &str) -> Vec<Decoded> {
    let mut out = Vec::new();
    let mut cur = Decoded::new("in Morse code");
    let mut letters = 0;
    let mut flush = |cur: &mut Decoded, letters: &mut usize| {
        let done = std::mem::replace(cur, Decoded::new("in Morse code"));
        if *letters >= 3 {
            out.push(done);
        }
        *letters = 0;
    };
    let mut at = 0;
    for word in text.split_inclusive(char::is_whitespace) {
        let start = at;
        at += word.len();
        let w = word.trim_end();
        if w.is_empty() || matches!(w, "/" | "|" | "//") {
            continue;
        }
        // A letter glued to a word separator (`.-/-...`): split on it.
        let mut offset = start;
        for piece in w.split_inclusive(['/', '|']) {
            let code = piece.trim_end_matches(['/', '|']);
            let end = offset + code.len();
            if !code.is_empty() {
                match morse_letter(code) {
                    Some(c) => {
                        cur.push(c, offset, end);
                        letters += 1;
                    }
                    None => flush(&mut cur, &mut letters),
                }
            }
            offset += piece.len();
        }
    }
    flush(&mut cur, &mut letters);
    out
}

/// The letter or digit of one Morse code word (`.-` is `a`).
fn morse_letter(code: &str) -> Option<char> {
    let mut buf = [0u8; 5];
    let mut n = 0;
    for c in code.chars() {
        let mark = match c {
            '.' | '·' | '•' | '∙' => b'.',
            '-' | '−' | '–' | '—' | '_' => b'-',
            _ => return None,
        };
        *buf.get_mut(n)? = mark;
        n += 1;
    }
    let key = buf.get(..n)?;
    const TABLE: [(&str, char); 36] = [
        (".-", 'a'),
        ("-...", 'b'),
        ("-.-.", 'c'),
        ("-..", 'd'),
        (".", 'e'),
        ("..-.", 'f'),
        ("--.", 'g'),
        ("....", 'h'),
        ("..", 'i'),
        (".---", 'j'),
        ("-.-", 'k'),
        (".-..", 'l'),
        ("--", 'm'),
        ("-.", 'n'),
        ("---", 'o'),
        (".--.", 'p'),
        ("--.-", 'q'),
        (".-.", 'r'),
        ("...", 's'),
        ("-", 't'),
        ("..-", 'u'),
        ("...-", 'v'),
        (".--", 'w'),
        ("-..-", 'x'),
        ("-.--", 'y'),
        ("--..", 'z'),
        ("-----", '0'),
        (".----", '1'),
        ("..---", '2'),
        ("...--", '3'),
        ("....-", '4'),
        (".....", '5'),
        ("-....", '6'),
        ("--...", '7'),
        ("---..", '8'),
        ("----.", '9'),
    ];
    TABLE
        .iter()
        .find(|(k, _)| k.as_bytes() == key)
        .map(|(_, c)| *c)
}

/// Braille cells (six-dot, grade 1): letters, and digits after the number sign `⠼`
/// up to the next blank. Every other character is skipped.
fn braille_cells(text: &str) -> Decoded {
    // Dot patterns of `a`..`z` (bit 0 = dot 1 … bit 5 = dot 6).
    const LETTERS: [u32; 26] = [
        0x01, 0x03, 0x09, 0x19, 0x11, 0x0b, 0x1b, 0x13, 0x0a, 0x1a, 0x05, 0x07, 0x0d, 0x1d, 0x15,
        0x0f, 0x1f, 0x17, 0x0e, 0x1e, 0x25, 0x27, 0x3a, 0x2d, 0x3d, 0x35,
    ];
    let mut out = Decoded::new("in Braille");
    let mut number = false;
    for (i, c) in text.char_indices() {
        let cell = u32::from(c).wrapping_sub(0x2800);
        if cell > 0xff {
            number &= !c.is_whitespace();
            continue;
        }
        if cell == 0x3c {
            number = true;
            continue;
        }
        let Some(k) = LETTERS.iter().position(|p| *p == cell) else {
            continue;
        };
        let letter = if number && k < 10 {
            // `a`..`j` after the number sign: 1..9, 0.
            char::from_digit(u32::try_from((k + 1) % 10).unwrap_or(0), 10)
        } else {
            u8::try_from(k).ok().map(|k| char::from(b'a' + k))
        };
        if let Some(l) = letter {
            out.push(l, i, i + c.len_utf8());
        }
    }
    out
}

/// The letter an upside-down character stands for (`ǝ` is `e`), for the characters
/// that only upside-down text uses.
fn unflip(c: char) -> Option<char> {
    Some(match c {
        'ɐ' | '∀' => 'a',
        'ɔ' | 'Ɔ' => 'c',
        'ǝ' | 'Ǝ' => 'e',
        'ɟ' | 'Ⅎ' => 'f',
        'ƃ' | 'ᵷ' | '⅁' => 'g',
        'ɥ' => 'h',
        'ı' | 'ᴉ' => 'i',
        'ɾ' | 'ſ' => 'j',
        'ʞ' => 'k',
        'ɯ' => 'm',
        'ɹ' | 'ᴚ' => 'r',
        'ʇ' | 'ꞇ' => 't',
        'ʌ' | 'Ʌ' => 'v',
        'ʍ' => 'w',
        'ʎ' | '⅄' => 'y',
        _ => return None,
    })
}

/// Upside-down text read the right way up: every character turned back (letters
/// that are their own or each other's turned form, `b`/`q`, `d`/`p`, `n`/`u`,
/// swap), read from the end.
fn upside_down(text: &str) -> Decoded {
    let mut out = Decoded::new("upside down");
    for (i, c) in text.char_indices().rev() {
        let lc = c.to_lowercase().next().unwrap_or(c);
        let turned = unflip(c).unwrap_or(match lc {
            'b' => 'q',
            'q' => 'b',
            'd' => 'p',
            'p' => 'd',
            'n' => 'u',
            'u' => 'n',
            'l' | 'ʃ' => 'l',
            other => other,
        });
        out.push(turned, i, i + c.len_utf8());
    }
    out
}

/// Unicode escapes: `U+007A`, `u+7a`, `\u007a`, `\U0001F600`, `\u{7a}`: each decoded to
/// its character; other text is skipped.
fn unicode_escapes(text: &str) -> Decoded {
    let mut out = Decoded::new("as Unicode escapes");
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let lead = match (b, bytes.get(i + 1)) {
            (b'u' | b'U', Some(b'+')) => 2,
            (b'\\', Some(b'u' | b'U')) => 2,
            _ => 0,
        };
        if lead == 0 {
            i += 1;
            continue;
        }
        let braced = bytes.get(i + lead) == Some(&b'{');
        let from = i + lead + usize::from(braced);
        let digits = bytes
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take(8)
            .take_while(|d| d.is_ascii_hexdigit())
            .count();
        let end = from + digits + usize::from(braced && bytes.get(from + digits) == Some(&b'}'));
        let c = (2..=8)
            .contains(&digits)
            .then(|| text.get(from..from + digits))
            .flatten()
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        match c {
            Some(c) => {
                out.push(c, i, end);
                i = end.max(i + 1);
            }
            None => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plains(text: &str) -> Vec<(String, &'static str)> {
        decode_all(text)
            .into_iter()
            .map(|d| (d.plain, d.how))
            .collect()
    }

    #[test]
    fn morse_runs() {
        assert_eq!(
            plains("--.. . -. .. - ...."),
            [("zenith".to_owned(), "in Morse code")]
        );
        assert_eq!(
            plains("Code: .-.. .- -... / -.-- .-. .. -. - ...."),
            [("labyrinth".to_owned(), "in Morse code")]
        );
        // An ellipsis and a rule are not Morse code.
        assert!(plains("Well... ok --- fine... wait...").is_empty());
    }

    #[test]
    fn braille_and_upside_down() {
        assert_eq!(plains("⠵⠑⠝⠊⠞⠓"), [("zenith".to_owned(), "in Braille")]);
        assert_eq!(plains("⠼⠁⠃"), [("12".to_owned(), "in Braille")]);
        let flipped = plains("ɥʇıuǝz");
        assert_eq!(flipped, [("zenith".to_owned(), "upside down")]);
    }

    #[test]
    fn unicode_escape_forms() {
        let d = decode_all(r"U+007A \u0065 \u{6e} u+69");
        assert_eq!(d.first().map(|d| d.plain.as_str()), Some("zeni"));
        assert_eq!(d.first().and_then(|d| d.span(0, 1)), Some((0, 6)));
        assert!(plains("plus one, menu+ and \\use").is_empty());
    }
}
