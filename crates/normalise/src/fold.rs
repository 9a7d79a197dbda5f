//! Character folding: compatibility decomposition (the K of NFKC), diacritics
//! stripped, confusables (Cyrillic, Greek, Armenian and small-capital look-alikes,
//! typographic punctuation, enclosed and regional-indicator letters) folded to ASCII,
//! lowercase.
//!
//! Folding is per character and deterministic, and phrases go through the very same
//! function, so a phrase and the text it hides in always meet in the same form.
//! Composition (the C of NFKC) is done by the canonical pass, which sees neighbours:
//! after diacritics are stripped it matters only for kana voicing marks and Hangul.
//!
//! Case: a look-alike is folded by its own shape first (Greek capital `Η` reads `h`,
//! small `η` reads `n`); Cyrillic capitals and small letters fold to the same letter,
//! so Russian text stays case-insensitive.

/// Most chars one input char can fold to (NFKD of U+FDFA gives 18).
pub(crate) const MAX_FOLD: usize = 32;

/// The chars one input char folds to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Folded {
    chars: [char; MAX_FOLD],
    len: usize,
}

impl Folded {
    fn new() -> Folded {
        Folded {
            chars: ['\0'; MAX_FOLD],
            len: 0,
        }
    }

    fn push(&mut self, c: char) {
        if let Some(slot) = self.chars.get_mut(self.len) {
            *slot = c;
            self.len += 1;
        }
    }

    /// The folded chars.
    pub(crate) fn as_slice(&self) -> &[char] {
        self.chars.get(..self.len).unwrap_or_default()
    }
}

/// Folds one non-ASCII char.
pub(crate) fn fold_char(c: char) -> Folded {
    let mut out = Folded::new();
    if is_plain(c) {
        out.push(c);
        return out;
    }
    if let Some(l) = cyrillic(c) {
        out.push(l);
        return out;
    }
    // Before decomposition: some look-alikes decompose to something else (lunate
    // sigma `ϲ` to `σ`).
    if let Some(s) = confusable(c) {
        s.chars().for_each(|f| out.push(f));
        return out;
    }
    unicode_normalization::char::decompose_compatible(c, |d| {
        if !is_stripped_mark(d) {
            fold_one(d, &mut out);
        }
    });
    out
}

/// Folds one already decomposed char.
fn fold_one(d: char, out: &mut Folded) {
    if d.is_ascii() {
        out.push(d.to_ascii_lowercase());
        return;
    }
    if let Some(s) = confusable(d) {
        s.chars().for_each(|c| out.push(c));
        return;
    }
    for l in d.to_lowercase() {
        match confusable(l) {
            Some(s) => s.chars().for_each(|c| out.push(c)),
            None => out.push(l),
        }
    }
}

/// Scripts whose chars need no decomposition, case or confusable folding: CJK
/// ideographs, kana and Hangul syllables (the bulk of Chinese, Japanese, Korean text).
fn is_plain(c: char) -> bool {
    matches!(c,
        '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7A3}')
}

/// Fast path for the basic Cyrillic alphabet (А..я), the bulk of Russian text.
fn cyrillic(c: char) -> Option<char> {
    let n = u32::from(c);
    if !(0x0410..=0x044F).contains(&n) {
        return None;
    }
    let lower = if n < 0x0430 { n + 0x20 } else { n };
    let l = char::from_u32(lower)?;
    Some(match l {
        'й' => 'и',
        _ => confusable(l).and_then(|s| s.chars().next()).unwrap_or(l),
    })
}

/// Combining diacritics dropped after decomposition (accents, Zalgo stacks,
/// Cyrillic titlo). Kana voicing marks and Indic vowel signs are kept.
fn is_stripped_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Chars that may compose with the char before them (NFC): combining marks,
/// Hangul vowel and trailing-consonant jamo.
pub(crate) fn may_compose(c: char) -> bool {
    matches!(c, '\u{1161}'..='\u{1175}' | '\u{11A8}'..='\u{11C2}')
        || unicode_normalization::char::canonical_combining_class(c) != 0
}

/// The ASCII (or canonical) form of a confusable char, if it has one.
pub(crate) fn confusable(c: char) -> Option<&'static str> {
    let n = u32::from(c);
    if n < 0xAB {
        return None;
    }
    // Letter blocks handled by offset rather than table.
    let offset = |base: u32| char::from_u32(u32::from('a') + (n - base));
    let letter = match n {
        0x1F1E6..=0x1F1FF => offset(0x1F1E6),
        0x1F150..=0x1F169 => offset(0x1F150),
        0x1F170..=0x1F189 => offset(0x1F170),
        _ => None,
    };
    if let Some(l) = letter {
        return ASCII_LETTERS.get(l as usize - 'a' as usize..=l as usize - 'a' as usize);
    }
    CONFUSABLES
        .binary_search_by_key(&c, |&(k, _)| k)
        .ok()
        .and_then(|i| CONFUSABLES.get(i))
        .map(|&(_, v)| v)
}

const ASCII_LETTERS: &str = "abcdefghijklmnopqrstuvwxyz";

/// Look-alikes, sorted by char. Written for this crate from the shapes in common
/// fonts (after Unicode's confusables data), limited to letters an attacker would use
/// to spell Latin-script words.
pub(crate) const CONFUSABLES: &[(char, &str)] = &[
    ('\u{00AB}', "\""), // «
    ('\u{00B7}', "."),  // ·
    ('\u{00BB}', "\""), // »
    ('\u{00DF}', "ss"), // ß
    ('\u{0131}', "i"),  // ı dotless i
    ('\u{0237}', "j"),  // ȷ
    ('\u{0251}', "a"),  // ɑ
    ('\u{0261}', "g"),  // ɡ
    ('\u{0262}', "g"),  // ɢ
    ('\u{0269}', "i"),  // ɩ
    ('\u{026A}', "i"),  // ɪ
    ('\u{0274}', "n"),  // ɴ
    ('\u{0280}', "r"),  // ʀ
    ('\u{028F}', "y"),  // ʏ
    ('\u{0299}', "b"),  // ʙ
    ('\u{029C}', "h"),  // ʜ
    ('\u{029F}', "l"),  // ʟ
    ('\u{02BC}', "'"),  // ʼ
    ('\u{0391}', "a"),  // Α
    ('\u{0392}', "b"),  // Β
    ('\u{0395}', "e"),  // Ε
    ('\u{0396}', "z"),  // Ζ
    ('\u{0397}', "h"),  // Η
    ('\u{0399}', "i"),  // Ι
    ('\u{039A}', "k"),  // Κ
    ('\u{039C}', "m"),  // Μ
    ('\u{039D}', "n"),  // Ν
    ('\u{039F}', "o"),  // Ο
    ('\u{03A1}', "p"),  // Ρ
    ('\u{03A4}', "t"),  // Τ
    ('\u{03A5}', "y"),  // Υ
    ('\u{03A7}', "x"),  // Χ
    ('\u{03B1}', "a"),  // α
    ('\u{03B2}', "b"),  // β
    ('\u{03B3}', "y"),  // γ
    ('\u{03B5}', "e"),  // ε
    ('\u{03B7}', "n"),  // η
    ('\u{03B9}', "i"),  // ι
    ('\u{03BA}', "k"),  // κ
    ('\u{03BC}', "u"),  // μ
    ('\u{03BD}', "v"),  // ν
    ('\u{03BF}', "o"),  // ο
    ('\u{03C1}', "p"),  // ρ
    ('\u{03C2}', "σ"),  // ς final sigma
    ('\u{03C4}', "t"),  // τ
    ('\u{03C5}', "u"),  // υ
    ('\u{03C7}', "x"),  // χ
    ('\u{03C9}', "w"),  // ω
    ('\u{03F2}', "c"),  // ϲ
    ('\u{03F3}', "j"),  // ϳ
    ('\u{03F9}', "c"),  // Ϲ
    ('\u{0405}', "s"),  // Ѕ
    ('\u{0406}', "i"),  // І
    ('\u{0408}', "j"),  // Ј
    ('\u{0410}', "a"),  // А
    ('\u{0412}', "b"),  // В
    ('\u{0415}', "e"),  // Е
    ('\u{041A}', "k"),  // К
    ('\u{041C}', "m"),  // М
    ('\u{041D}', "h"),  // Н
    ('\u{041E}', "o"),  // О
    ('\u{041F}', "n"),  // П
    ('\u{0420}', "p"),  // Р
    ('\u{0421}', "c"),  // С
    ('\u{0422}', "t"),  // Т
    ('\u{0423}', "y"),  // У
    ('\u{0425}', "x"),  // Х
    ('\u{0430}', "a"),  // а
    ('\u{0432}', "b"),  // в
    ('\u{0433}', "r"),  // г
    ('\u{0435}', "e"),  // е
    ('\u{043A}', "k"),  // к
    ('\u{043C}', "m"),  // м
    ('\u{043D}', "h"),  // н
    ('\u{043E}', "o"),  // о
    ('\u{043F}', "n"),  // п
    ('\u{0440}', "p"),  // р
    ('\u{0441}', "c"),  // с
    ('\u{0442}', "t"),  // т
    ('\u{0443}', "y"),  // у
    ('\u{0445}', "x"),  // х
    ('\u{0455}', "s"),  // ѕ
    ('\u{0456}', "i"),  // і
    ('\u{0458}', "j"),  // ј
    ('\u{04AE}', "y"),  // Ү
    ('\u{04AF}', "y"),  // ү
    ('\u{04BA}', "h"),  // Һ
    ('\u{04BB}', "h"),  // һ
    ('\u{04C0}', "l"),  // Ӏ
    ('\u{04CF}', "l"),  // ӏ
    ('\u{0500}', "d"),  // Ԁ
    ('\u{0501}', "d"),  // ԁ
    ('\u{051A}', "q"),  // Ԛ
    ('\u{051B}', "q"),  // ԛ
    ('\u{051C}', "w"),  // Ԝ
    ('\u{051D}', "w"),  // ԝ
    ('\u{0566}', "q"),  // զ
    ('\u{0570}', "h"),  // հ
    ('\u{0578}', "n"),  // ո
    ('\u{057D}', "u"),  // ս
    ('\u{0581}', "g"),  // ց
    ('\u{0585}', "o"),  // օ
    ('\u{1D00}', "a"),  // ᴀ
    ('\u{1D04}', "c"),  // ᴄ
    ('\u{1D05}', "d"),  // ᴅ
    ('\u{1D07}', "e"),  // ᴇ
    ('\u{1D0A}', "j"),  // ᴊ
    ('\u{1D0B}', "k"),  // ᴋ
    ('\u{1D0D}', "m"),  // ᴍ
    ('\u{1D0F}', "o"),  // ᴏ
    ('\u{1D18}', "p"),  // ᴘ
    ('\u{1D1B}', "t"),  // ᴛ
    ('\u{1D1C}', "u"),  // ᴜ
    ('\u{1D20}', "v"),  // ᴠ
    ('\u{1D21}', "w"),  // ᴡ
    ('\u{1D22}', "z"),  // ᴢ
    ('\u{2010}', "-"),  // hyphen
    ('\u{2011}', "-"),  // non-breaking hyphen
    ('\u{2012}', "-"),  // figure dash
    ('\u{2013}', "-"),  // en dash
    ('\u{2014}', "-"),  // em dash
    ('\u{2015}', "-"),  // horizontal bar
    ('\u{2018}', "'"),  // ‘
    ('\u{2019}', "'"),  // ’
    ('\u{201A}', "'"),  // ‚
    ('\u{201B}', "'"),  // ‛
    ('\u{201C}', "\""), // “
    ('\u{201D}', "\""), // ”
    ('\u{201E}', "\""), // „
    ('\u{201F}', "\""), // ‟
    ('\u{2022}', "*"),  // •
    ('\u{2032}', "'"),  // ′
    ('\u{2039}', "<"),  // ‹
    ('\u{203A}', ">"),  // ›
    ('\u{2044}', "/"),  // ⁄
    ('\u{2212}', "-"),  // −
    ('\u{2215}', "/"),  // ∕
    ('\u{2217}', "*"),  // ∗
    ('\u{A730}', "f"),  // ꜰ
    ('\u{A731}', "s"),  // ꜱ
];

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(s: &str) -> String {
        s.chars()
            .flat_map(|c| {
                if c.is_ascii() {
                    vec![c.to_ascii_lowercase()]
                } else {
                    fold_char(c).as_slice().to_vec()
                }
            })
            .collect()
    }

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(CONFUSABLES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn folds() {
        let cases = [
            ("Іgnоrе", "ignore"),
            ("ΙGΝΟRΕ", "ignore"),
            ("ＩＧＮＯＲＥ", "ignore"),
            ("𝐢𝐠𝐧𝐨𝐫𝐞", "ignore"),
            ("ⓘⓖⓝⓞⓡⓔ", "ignore"),
            ("🇮🇬🇳🇴🇷🇪", "ignore"),
            ("précédentes", "precedentes"),
            ("i̷g̸n̵o̴r̶e̷", "ignore"),
            ("AUSSER außer", "ausser ausser"),
            ("Забудь", "зaбyдь"),
            ("ﬁle", "file"),
            ("ガ", "ガ"),
            ("ᴀᴅᴍɪɴ", "admin"),
            ("don’t", "don't"),
            ("inѕtruϲtіonѕ", "instructions"),
        ];
        for (input, want) in cases {
            assert_eq!(fold(input), want, "{input}");
        }
    }
}
