//! `secret_leak`: canary tokens (from the policy) and per-request secrets
//! ([`crate::ScanContext::secrets`], e.g. an access code) must not appear in output.
//!
//! Two modes, so a policy can give them different actions:
//!
//! - `direct` (default): the secret itself, however it is written: in any case, with
//!   confusables or leetspeak (also a secret with digits of its own, `5UMM3R25` for
//!   `SUMMER25`: `leet`), spaced out or split by punctuation (`t-r-a-m 3 2`),
//!   character by character in a list, in quotes or in markup tags (`"s", "n", "a"`,
//!   `<b>s</b>`), reversed (also each word in its place), with every letter doubled,
//!   in ROT13, base64 or hex, as one string of bits, as character codes one per word
//!   (decimal `97 106`, binary octets, `0x61`, octal `141`) or places in the alphabet
//!   (`19 14 1`), in Morse code, Braille cells, upside-down letters or Unicode escapes
//!   (`U+0073`, `\u0073`; see `secret_codes`), as character codes one every other
//!   word with the same word between (`chr(122) + chr(101)`), or inside any decoded
//!   view of the normaliser. The secret's
//!   canonical form is searched in the canonical and decoded views and its squashed
//!   form (letters and digits only) in the squashed views. Secrets shorter than four
//!   letters/digits after squashing are searched in canonical form between word
//!   boundaries and in their encoded forms (hex, bits, base64, three or more character
//!   codes: needles long enough not to occur by chance), nothing else (it would match
//!   inside ordinary words); squashed matches of secrets shorter than eight must start
//!   and end at word edges of the original, and so must the leet-folded one of any
//!   secret (`MAPLE-SYRUP-7` folds to `maplesyrupt`, which "maple syrup tasting" holds).
//! - `indirect`: pieces of the secret: its words in order with a few words between
//!   them (`"tram" equal to "32"`), all its words within 40 words of each other (its
//!   words of three or more characters and those with a digit: `OBSIDIAN-5` does not
//!   give away `OBSIDIAN-6`), a one-word secret written as consecutive words
//!   (`"rational" and "ussy"`), its first or last 60 % or more (`xyz` for `xyzzy`,
//!   cut inside a run of letters), a near-miss spelling (edit distance at most a
//!   quarter of its length, for words of 7+ letters), the secret as the first
//!   characters of consecutive lines (acrostic) or (5+ letters and digits) of
//!   consecutive words or sentences, or the last characters of consecutive lines, the
//!   secret in a Caesar cipher of any shift or in Atbash (6+ letters, between word
//!   edges), in Pig Latin (`ecretsay`), transliterated into Cyrillic or Greek
//!   letters, a one-word secret of 6 to 24 letters and digits
//!   scrambled into one word (`gnraoe` for `orange`: the same letters in another
//!   order; an ordinary word can be an anagram of the secret, `silent` for `listen`,
//!   hence review), or the one symbol a secret repeats. Also,
//!   each in its own child module: the secret with letters hidden (`l _ _ y`, `lab***`:
//!   `masked`), with a filler after each letter or without its vowels (`letters`), its
//!   letters shuffled one at a time or an anagram of several words beside a word that
//!   says so (`anagram`), a several-word secret with typos, a one-word secret respelt
//!   in hyphenated syllables or with one typo inside it handed over (`typos`), a
//!   number secret in Roman numerals or as a sum, a date secret in another date form
//!   (`numbers`), a Cyrillic, Greek or Devanagari secret in Latin letters
//!   (`romanised`), a short two-word secret written out as an assignment (`"a" equal
//!   to "42"` for `a=42`: `assignment`), a one-word secret as another form of its word
//!   (`holographic` for `hologram`: `word_forms`), the secret handed over in two to
//!   four parts, each as a value (`the first part is "lan" … the rest is "tern"`:
//!   `parts`). Weaker evidence: give it a milder action (review).
//!
//! Reasons name the secret by origin and number (`request secret 1`), never its value.

mod anagram;
mod assignment;
mod leet;
mod letters;
mod masked;
mod numbers;
mod parts;
mod romanised;
mod typos;
mod word_forms;

use serde::{Deserialize, Serialize};

use super::secret_codes::{self, Decoded};
use super::secret_source::Secrets;
use super::{Check, CompileCtx, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;
use crate::normalise::{self, Form, ViewKind};

/// Configuration of a `secret_leak` rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Canary tokens planted in the agent instructions; they must never reach output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canaries: Vec<String>,
    /// Also search the request's `secrets` (default true).
    #[serde(default = "yes")]
    pub from_context: bool,
    /// What counts as a leak.
    #[serde(default)]
    pub mode: Mode,
}

fn yes() -> bool {
    true
}

/// What a `secret_leak` rule looks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The whole secret, in any spelling, spacing or encoding.
    #[default]
    Direct,
    /// Pieces, near-misses and arrangements of the secret.
    Indirect,
}

/// Squashed secrets shorter than this are searched in canonical form only.
const MIN_SQUASHED: usize = 4;
/// Squashed matches of secrets shorter than this must sit at word edges (the
/// leet-folded form of any secret must: see [`direct`]).
const FREE_SQUASHED: usize = 8;
/// Findings kept per secret and rule.
const MAX_HITS_PER_SECRET: usize = 16;
/// Most words allowed between two words of a secret (indirect mode).
const MAX_GAP: usize = 3;

/// A compiled `secret_leak` rule.
#[derive(Debug)]
pub(crate) struct SecretLeak {
    secrets: Secrets,
    mode: Mode,
}

impl SecretLeak {
    pub(crate) fn compile(config: &Config, _cx: &mut CompileCtx<'_>) -> Result<SecretLeak, String> {
        Ok(SecretLeak {
            secrets: Secrets::new(&config.canaries, config.from_context)?,
            mode: config.mode,
        })
    }
}

impl Check for SecretLeak {
    fn category(&self) -> Category {
        Category::Leak
    }

    fn severity(&self) -> Severity {
        match self.mode {
            Mode::Direct => Severity::Critical,
            Mode::Indirect => Severity::Medium,
        }
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        let mut text: Option<TextIndex> = None;
        for (who, secret) in self.secrets.each(input.ctx) {
            let Some(s) = Secret::new(secret) else {
                continue;
            };
            let t = text.get_or_insert_with(|| TextIndex::new(input.text));
            let before = hits.len();
            match self.mode {
                Mode::Direct => direct(&s, &who, input, t, hits),
                Mode::Indirect => indirect(&s, &who, t, hits),
            }
            // A text repeating a secret thousands of times needs a few findings, not all.
            hits.truncate(before + MAX_HITS_PER_SECRET);
        }
        Ok(())
    }
}

/// The forms of one secret.
#[derive(Debug)]
struct Secret<'a> {
    /// The secret as configured, without surrounding whitespace: every form is built
    /// from this (`" x=17 "` and `"x=17"` are the same secret).
    raw: &'a str,
    canonical: String,
    squashed: String,
    /// Lowercase letters and digits of the secret, no folding beyond case.
    plain: String,
    words: Vec<String>,
}

impl<'a> Secret<'a> {
    fn new(raw: &'a str) -> Option<Secret<'a>> {
        let raw = raw.trim();
        let canonical = normalise::canonical_phrase(raw).trim().to_owned();
        if canonical.is_empty() {
            return None;
        }
        let squashed = normalise::squashed_phrase(raw);
        let plain = plain_fold(raw);
        let words = tokens(raw).into_iter().map(|t| t.text).collect();
        Some(Secret {
            raw,
            canonical,
            squashed,
            plain,
            words,
        })
    }

    fn is_short(&self) -> bool {
        self.squashed.chars().count() < MIN_SQUASHED
    }
}

/// Lowercase letters and digits only.
fn plain_fold(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A word of the text: a run of letters and digits, lowercased, with its span.
#[derive(Debug, Clone)]
struct Token {
    text: String,
    start: usize,
    end: usize,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut cur: Option<Token> = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            let t = cur.get_or_insert_with(|| Token {
                // Most words fit: one allocation per word, no regrowth.
                text: String::with_capacity(16),
                start: i,
                end: i,
            });
            if c.is_ascii() {
                t.text.push(c.to_ascii_lowercase());
            } else {
                t.text.extend(c.to_lowercase());
            }
            t.end = i + c.len_utf8();
        } else if let Some(t) = cur.take() {
            out.push(t);
        }
    }
    out.extend(cur);
    out
}

/// A character of the text (lowercased) and its byte span.
type Mark = (char, usize, usize);

/// What the rule derives from the text once, whatever the number of secrets.
#[derive(Debug)]
struct TextIndex<'t> {
    text: &'t str,
    tokens: Vec<Token>,
    /// First visible character of each non-empty line (lowercased) and its span.
    line_starts: Vec<Mark>,
    /// First letter or digit of each sentence and last letter or digit of each line
    /// ([`sentence_marks`]; built on first use).
    marks: std::cell::OnceCell<(Vec<Mark>, Vec<Mark>)>,
    /// The text decoded from Morse code, Braille, upside-down letters or Unicode
    /// escapes, when it holds any (built on first use).
    decoded: std::cell::OnceCell<Vec<Decoded>>,
    /// Runs of letters, digits and mask characters ([`masked::groups`]; built on first
    /// use; `None` for a text without a mask character).
    masked: std::cell::OnceCell<Option<masked::Groups>>,
    /// The words without a vowel ([`letters::vowelless`]; built on first use).
    vowelless: std::cell::OnceCell<Vec<usize>>,
    /// Words that speak of an anagram ([`anagram::mentions`]; built on first use).
    anagram_mentions: std::cell::OnceCell<Vec<usize>>,
    /// Lowercase letters and digits of the text, and for each byte its original span.
    plain: String,
    plain_map: Vec<(usize, usize)>,
}

impl<'t> TextIndex<'t> {
    fn new(text: &'t str) -> TextIndex<'t> {
        let mut plain = String::with_capacity(text.len());
        let mut plain_map = Vec::with_capacity(text.len());
        for (i, c) in text.char_indices().filter(|(_, c)| c.is_alphanumeric()) {
            for lc in c.to_lowercase() {
                plain.push(lc);
                plain_map.extend(std::iter::repeat_n((i, i + c.len_utf8()), lc.len_utf8()));
            }
        }
        let mut line_starts = Vec::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let lead = line.len() - line.trim_start().len();
            if let Some(c) = line.trim_start().chars().next() {
                let lc = c.to_lowercase().next().unwrap_or(c);
                line_starts.push((lc, offset + lead, offset + lead + c.len_utf8()));
            }
            offset += line.len();
        }
        TextIndex {
            text,
            tokens: tokens(text),
            line_starts,
            marks: std::cell::OnceCell::new(),
            decoded: std::cell::OnceCell::new(),
            masked: std::cell::OnceCell::new(),
            vowelless: std::cell::OnceCell::new(),
            anagram_mentions: std::cell::OnceCell::new(),
            plain,
            plain_map,
        }
    }

    fn marks(&self) -> &(Vec<Mark>, Vec<Mark>) {
        self.marks
            .get_or_init(|| sentence_marks(self.text, &self.tokens))
    }

    fn decoded(&self) -> &[Decoded] {
        self.decoded
            .get_or_init(|| secret_codes::decode_all(self.text))
    }

    fn masked(&self) -> Option<&masked::Groups> {
        self.masked
            .get_or_init(|| masked::any_mask(self.text).then(|| masked::groups(self.text)))
            .as_ref()
    }

    fn vowelless(&self) -> &[usize] {
        self.vowelless
            .get_or_init(|| letters::vowelless(&self.tokens))
    }

    fn anagram_mentions(&self) -> &[usize] {
        self.anagram_mentions
            .get_or_init(|| anagram::mentions(&self.tokens))
    }

    fn plain_span(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let (s, _) = *self.plain_map.get(start)?;
        let (_, e) = *self.plain_map.get(end.checked_sub(1)?)?;
        Some((s, e))
    }

    /// The span in the text of the plain letters `start..end`, when it starts and ends
    /// on word edges (not inside a longer word).
    fn whole_words_span(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        self.plain_span(start, end)
            .filter(|&(a, b)| at_word_edges(self.text, a, b))
    }
}

/// The first letter or digit of each sentence and the last letter or digit of each
/// line, lowercased, with their spans, read from the words of the text. A sentence
/// starts the text or a line, or follows `.`, `!` or `?` and a blank. Words of one
/// character (a letter spelt out: [`singles`]) give no mark, and a list number (`1.`)
/// leaves the start to the next word.
fn sentence_marks(text: &str, tokens: &[Token]) -> (Vec<Mark>, Vec<Mark>) {
    let mark = |tok: &Token, last: bool| -> Option<Mark> {
        let mut chars = tok.text.chars();
        let c = if last {
            chars.next_back()
        } else {
            chars.next()
        }?;
        chars.next()?;
        let (start, end) = if last {
            let c0 = text.get(..tok.end)?.chars().next_back()?;
            (tok.end - c0.len_utf8(), tok.end)
        } else {
            let c0 = text.get(tok.start..)?.chars().next()?;
            (tok.start, tok.start + c0.len_utf8())
        };
        Some((c, start, end))
    };
    let mut starts = Vec::new();
    let mut ends = Vec::new();
    let mut new_sentence = true;
    let mut prev: Option<&Token> = None;
    for tok in tokens {
        let gap = text
            .get(prev.map_or(0, |p| p.end)..tok.start)
            .unwrap_or_default();
        let (new_line, stop) = gap_breaks(gap);
        if new_line && let Some(p) = prev {
            ends.extend(mark(p, true));
        }
        new_sentence |= new_line || stop;
        if new_sentence {
            let after = text.get(tok.end..).unwrap_or_default();
            let list_number =
                tok.text.bytes().all(|b| b.is_ascii_digit()) && after.starts_with(['.', ')']);
            if !list_number {
                starts.extend(mark(tok, false));
                new_sentence = false;
            }
        }
        prev = Some(tok);
    }
    if let Some(p) = prev {
        ends.extend(mark(p, true));
    }
    (starts, ends)
}

/// What the text between two words breaks: a line (a line feed), a sentence (`.`, `!`
/// or `?`, maybe closing quotes or brackets, then a blank). Byte by byte: characters
/// beyond ASCII (`”`, `’`) neither end nor cancel a stop.
fn gap_breaks(gap: &str) -> (bool, bool) {
    let (mut line, mut sentence, mut stop) = (false, false, false);
    for b in gap.bytes() {
        match b {
            b'\n' => {
                line = true;
                sentence |= stop;
            }
            b'.' | b'!' | b'?' => stop = true,
            b' ' | b'\t' | b'\r' => sentence |= stop,
            b'"' | b'\'' | b')' => {}
            b if b >= 0x80 => {}
            _ => stop = false,
        }
    }
    (line, sentence)
}

/// True when `start..end` of `text` is not glued to letters or digits on either side.
/// Scripts written without spaces between words (Chinese, Japanese, Thai, and Korean,
/// whose particles join the word before them) have a word edge between any two
/// characters: `熊猫` is in `密码是熊猫。`.
fn at_word_edges(text: &str, start: usize, end: usize) -> bool {
    let (head, rest) = (text.get(..start), text.get(start..end));
    let before = head.and_then(|t| t.chars().next_back());
    let after = text.get(end..).and_then(|t| t.chars().next());
    let first = rest.and_then(|t| t.chars().next());
    let last = rest.and_then(|t| t.chars().next_back());
    let edge = |outside: Option<char>, inside: Option<char>| {
        !outside.is_some_and(char::is_alphanumeric)
            || outside.is_some_and(unspaced)
            || inside.is_some_and(unspaced)
    };
    edge(before, first) && edge(after, last)
}

/// A letter of a script written without spaces between words (Han, kana, Hangul,
/// Thai, Lao, Khmer, Myanmar).
fn unspaced(c: char) -> bool {
    matches!(
        u32::from(c),
        0x0E00..=0x0EFF
            | 0x1000..=0x109F
            | 0x1780..=0x17FF
            | 0x3040..=0x30FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xAC00..=0xD7AF
            | 0xF900..=0xFAFF
            | 0x20000..=0x3134F
    )
}

fn direct(s: &Secret<'_>, who: &str, input: &Input<'_>, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let short = s.is_short();
    let edges_needed = s.squashed.chars().count() < FREE_SQUASHED;
    for view in &input.views.views {
        match view.form {
            Form::Canonical => {
                for (at, m) in view.text.match_indices(s.canonical.as_str()) {
                    if edges_needed && !at_word_edges(&view.text, at, at + m.len()) {
                        continue;
                    }
                    let span = view.to_original(at..at + m.len());
                    let reason = match view.kind {
                        ViewKind::Decoded { encoding, .. } => {
                            format!("{who} appears in {}-decoded text", encoding.as_str())
                        }
                        _ => format!("{who} appears in the output"),
                    };
                    hits.push(Hit::new(span.start, span.end, reason));
                }
            }
            Form::Squashed if !short => {
                let rev: String = s.squashed.chars().rev().collect();
                let long = s.squashed.chars().count() >= 5;
                // The leet-folded form stands at word edges whatever its length: a
                // secret of words and a digit (`MAPLE-SYRUP-7`) folds to letters (`7` to
                // `t`) that the next word of an ordinary sentence may begin with ("maple
                // syrup tasting").
                let forms = [
                    Some((s.squashed.as_str(), "spaced out, split or disguised", true)),
                    (long && rev != s.squashed).then_some((rev.as_str(), "reversed", edges_needed)),
                ];
                for (needle, how, edges) in forms.into_iter().flatten() {
                    for (at, m) in view.text.match_indices(needle) {
                        let span = view.to_original(at..at + m.len());
                        if edges && !at_word_edges(input.text, span.start, span.end) {
                            continue;
                        }
                        hits.push(Hit::new(
                            span.start,
                            span.end,
                            format!("{who} appears {how}"),
                        ));
                    }
                }
            }
            Form::Squashed => {}
        }
    }
    // Bits and doubled letters come as one long word: with no word that long, their
    // needles are not even built.
    let longest = t.tokens.iter().map(|tok| tok.text.len()).max().unwrap_or(0);
    encoded_forms(s, who, input.text, t, longest, hits);
    if !short {
        // The same search without leet folding, so digits of the secret still match
        // whatever the normaliser folds; ROT13 (which does not commute with leet
        // folding) and reversed.
        let rot = crate::matcher::rot13(&s.plain);
        let rev: String = s.plain.chars().rev().collect();
        let long = s.plain.chars().count() >= 5;
        // Each word backwards in its place (`woble azzip` for `Elbow Pizza`).
        let word_rev: String = if s.words.len() >= 2 {
            s.words.iter().flat_map(|w| w.chars().rev()).collect()
        } else {
            String::new()
        };
        // Every letter written twice (`zzeenn`).
        let doubled: String = if longest >= 2 * s.plain.len() {
            s.plain.chars().flat_map(|c| [c, c]).collect()
        } else {
            String::new()
        };
        let forms = [
            (s.plain.as_str(), "spaced out or split"),
            (rot.as_str(), "in rot13"),
            (rev.as_str(), "reversed"),
            (word_rev.as_str(), "with each word reversed"),
            (doubled.as_str(), "with each letter doubled"),
        ];
        for (needle, how) in forms {
            if needle.chars().count() < MIN_SQUASHED {
                continue;
            }
            let transformed = matches!(how, "in rot13" | "reversed" | "with each word reversed");
            if transformed && (!long || needle == s.plain || (how != "reversed" && needle == rev)) {
                continue;
            }
            for (at, m) in t.plain.match_indices(needle) {
                let Some((a, b)) = t.plain_span(at, at + m.len()) else {
                    continue;
                };
                let doubled = how == "with each letter doubled";
                if (doubled || edges_needed) && !at_word_edges(input.text, a, b) {
                    continue;
                }
                hits.push(Hit::new(a, b, format!("{who} appears {how}")));
            }
        }
        for d in t.decoded() {
            for (at, m) in d.plain.match_indices(s.plain.as_str()) {
                if let Some((a, b)) = d.span(at, at + m.len()) {
                    hits.push(Hit::new(a, b, format!("{who} appears {}", d.how)));
                }
            }
        }
    }
    singles(s, who, t, hits);
    leet::leet_digits(s, who, t, hits);
}

/// The secret's bytes encoded: hex, one string of bits, base64, character codes.
/// Searched for every secret, short ones too: an encoding is at least twice as long
/// as the secret (hex `783d3137` for `x=17`), and hex and bits must stand at word
/// edges, so it does not turn up by chance the way a three-character secret would
/// inside ordinary words. `longest` is the length of the text's longest word. Out of
/// line: inlined, it made [`direct`] too large for its own helpers to be inlined (+1.2 %
/// instructions on a 1 KB answer).
#[inline(never)]
fn encoded_forms(
    s: &Secret<'_>,
    who: &str,
    text: &str,
    t: &TextIndex<'_>,
    longest: usize,
    hits: &mut Vec<Hit>,
) {
    let raw = s.raw;
    let hex = hex::encode(raw.as_bytes());
    let bits: String = if longest >= 8 * raw.len() {
        raw.bytes()
            .flat_map(|b| {
                (0..8)
                    .rev()
                    .map(move |i| if b >> i & 1 == 1 { '1' } else { '0' })
            })
            .collect()
    } else {
        String::new()
    };
    for (needle, how) in [
        (hex.as_str(), "hex-encoded"),
        (bits.as_str(), "as a string of bits"),
    ] {
        if needle.len() < MIN_ENCODED {
            continue;
        }
        for (at, m) in t.plain.match_indices(needle) {
            let Some((a, b)) = t.plain_span(at, at + m.len()) else {
                continue;
            };
            if at_word_edges(text, a, b) {
                hits.push(Hit::new(a, b, format!("{who} appears {how}")));
            }
        }
    }
    base64_forms(s, who, text, hits);
    byte_codes(s, who, t, hits);
}

/// Fewest characters of an encoded form of the secret (hex, base64) that are searched.
const MIN_ENCODED: usize = 6;

/// Fewest character codes in a row that are read as the secret.
const MIN_CODES: usize = 3;

/// How a number word may write one byte of the secret.
#[derive(Debug, Clone, Copy)]
enum Code {
    /// `97`, `097`.
    Decimal,
    /// `01100001`.
    Binary,
    /// `0x61`, `\x61`.
    PrefixedHex,
    /// `141`: three octal digits.
    Octal,
    /// `1` to `26`: a letter's place in the alphabet (`26 5 14` for `zen`).
    Alphabet,
}

impl Code {
    fn parse(self, word: &str) -> Option<u8> {
        match self {
            Code::Decimal if (1..=3).contains(&word.len()) => word.parse().ok(),
            Code::Binary if word.len() == 8 && word.bytes().all(|b| b == b'0' || b == b'1') => {
                u8::from_str_radix(word, 2).ok()
            }
            Code::PrefixedHex => {
                let digits = word.strip_prefix("0x").or_else(|| word.strip_prefix('x'))?;
                if digits.len() == 2 {
                    u8::from_str_radix(digits, 16).ok()
                } else {
                    None
                }
            }
            Code::Octal if word.len() == 3 && word.bytes().all(|b| (b'0'..=b'7').contains(&b)) => {
                u8::from_str_radix(word, 8).ok()
            }
            Code::Alphabet if (1..=2).contains(&word.len()) => match word.parse::<u8>() {
                Ok(n @ 1..=26) => Some(b'a' + n - 1),
                _ => None,
            },
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Code::Decimal => "as decimal character codes",
            Code::Binary => "as binary character codes",
            Code::PrefixedHex => "as hex character codes",
            Code::Octal => "as octal character codes",
            Code::Alphabet => "as places in the alphabet",
        }
    }
}

/// The secret's UTF-8 bytes written as numbers, one per word, in a row: decimal
/// (`97 106 102`, `097`), binary octets (`01100001`) or prefixed hex (`0x61`, `\x61`).
/// A secret of letters only also as places in the alphabet (`26 5 14 9 20 8`).
fn byte_codes(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let bytes = s.raw.as_bytes();
    let letters = s.plain.bytes().all(|b| b.is_ascii_lowercase());
    for code in [
        Code::Decimal,
        Code::Binary,
        Code::PrefixedHex,
        Code::Octal,
        Code::Alphabet,
    ] {
        let want = match code {
            Code::Alphabet if letters => s.plain.as_bytes(),
            Code::Alphabet => continue,
            _ => bytes,
        };
        let Some(&first) = want.first() else {
            continue;
        };
        // Places in the alphabet are small numbers, common in any answer: four at least.
        let fewest = match code {
            Code::Alphabet => MIN_SQUASHED,
            _ => MIN_CODES,
        };
        if want.len() < fewest {
            continue;
        }
        for (i, tok) in t.tokens.iter().enumerate() {
            // Every code is a word of digits, or of hex digits after `x`.
            if !tok
                .text
                .starts_with(|c: char| c.is_ascii_digit() || c == 'x')
                || code.parse(&tok.text) != Some(first)
            {
                continue;
            }
            // One code a word (`122 101 110`), or one every other word with the same
            // word between them (`chr(122) + chr(101)`, `char(122)||char(101)`).
            for stride in [1, 2] {
                let Some(span) = t.tokens.get(i..i + (want.len() - 1) * stride + 1) else {
                    continue;
                };
                let codes = span.iter().step_by(stride);
                let same = codes.clone().count() == want.len()
                    && codes
                        .zip(want)
                        .all(|(tok, b)| code.parse(&tok.text) == Some(*b));
                let between = span.iter().skip(1).step_by(stride);
                let fillers = stride == 1
                    || between.clone().all(|f| {
                        f.text.bytes().all(|b| b.is_ascii_lowercase())
                            && span.get(1).is_some_and(|g| g.text == f.text)
                    });
                if let (true, true, Some(last)) = (same, fillers, span.last()) {
                    hits.push(Hit::new(
                        tok.start,
                        last.end,
                        format!("{who} appears {}", code.as_str()),
                    ));
                }
            }
        }
    }
}

/// The secret inside base64 text, at any of the three byte alignments.
fn base64_forms(s: &Secret<'_>, who: &str, text: &str, hits: &mut Vec<Hit>) {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let raw = s.raw.as_bytes();
    for pad in 0..3usize {
        let mut buf = vec![0u8; pad];
        buf.extend_from_slice(raw);
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let enc = engine.encode(&buf);
            // Drop the characters that carry the padding bytes, and the last one when
            // it also carries bits of whatever follows the secret.
            let skip = match pad {
                0 => 0,
                1 => 2,
                _ => 3,
            };
            let end = enc.len() - usize::from(buf.len() % 3 != 0);
            let Some(core) = enc.get(skip..end) else {
                continue;
            };
            if core.len() < MIN_ENCODED {
                continue;
            }
            for (at, m) in text.match_indices(core) {
                hits.push(Hit::new(
                    at,
                    at + m.len(),
                    format!("{who} appears base64-encoded"),
                ));
            }
        }
    }
}

/// The secret one character at a time: single-character words in a row (`s, n, a`,
/// a list with one character per item, `input[0] == "s"`, `<b>s</b><b>n</b>`). Numbers
/// of numbered list items and the names of markup tags are skipped, and so are all
/// one-digit words when the secret has no digits.
fn singles(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let n = s.plain.chars().count();
    if n < 3 {
        return;
    }
    let digits = s.plain.chars().any(|c| c.is_ascii_digit());
    let ones: Vec<&Token> = t
        .tokens
        .iter()
        .filter(|tok| tok.text.chars().count() == 1)
        .filter(|tok| digits || !tok.text.chars().all(|c| c.is_ascii_digit()))
        .filter(|tok| !is_list_number(t.text, tok) && !is_tag_name(t.text, tok))
        .collect();
    let want: Vec<char> = s.plain.chars().collect();
    for w in ones.windows(n) {
        let same = w.iter().zip(&want).all(|(tok, c)| tok.text.starts_with(*c));
        let (Some(first), Some(last)) = (w.first(), w.last()) else {
            continue;
        };
        if same && last.end - first.start <= 64 * n {
            hits.push(Hit::new(
                first.start,
                last.end,
                format!("{who} appears one character at a time"),
            ));
        }
    }
}

/// True for the name of a markup tag (`b` in `<b>` or `</b>`).
fn is_tag_name(text: &str, tok: &Token) -> bool {
    let before = text.get(..tok.start).unwrap_or_default();
    let after = text.get(tok.end..).unwrap_or_default();
    (before.ends_with('<') || before.ends_with("</")) && after.starts_with(['>', ' ', '/'])
}

/// True for the number of a numbered list item: first on its line, followed by `.` or `)`.
fn is_list_number(text: &str, tok: &Token) -> bool {
    let after = text.get(tok.end..).and_then(|a| a.chars().next());
    if !matches!(after, Some('.' | ')')) || !tok.text.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    // Only blanks between the start of the line and the number.
    let before = text.get(..tok.start).unwrap_or_default();
    let lead = before.trim_end_matches([' ', '\t']);
    lead.is_empty() || lead.ends_with('\n')
}

fn indirect(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let toks = &t.tokens;
    let n_plain = s.plain.chars().count();
    if s.words.len() >= 2 && n_plain >= MIN_SQUASHED {
        let mut ordered = false;
        for (i, tok) in toks.iter().enumerate() {
            if Some(&tok.text) != s.words.first() {
                continue;
            }
            if let Some((last, spread)) = follow(toks, i, s.words.get(1..).unwrap_or_default()) {
                if spread > 0 {
                    let end = toks.get(last).map_or(tok.end, |l| l.end);
                    hits.push(Hit::new(
                        tok.start,
                        end,
                        format!("words of {who} appear in order, apart"),
                    ));
                }
                ordered = true;
            }
        }
        // The secret's words of three or more characters decide whether it has enough
        // words to look for; its words with a digit must appear too. A code's number is
        // where its secret lies: `OBSIDIAN-5` beside a secret `OBSIDIAN-6` names the
        // kind of code, not the code.
        let distinct = |keep: fn(&String) -> bool| -> Vec<&String> {
            let mut d: Vec<&String> = s.words.iter().filter(|w| keep(w)).collect();
            d.sort();
            d.dedup();
            d
        };
        let long = distinct(|w| w.chars().count() >= 3);
        let required =
            distinct(|w| w.chars().count() >= 3 || w.chars().any(|c| c.is_ascii_digit()));
        let letters: usize = long.iter().map(|w| w.chars().count()).sum();
        if !ordered
            && !long.is_empty()
            && letters >= 6
            && let Some((start, end)) = all_words_near(toks, &required)
        {
            hits.push(Hit::new(
                start,
                end,
                format!("every word of {who} appears nearby"),
            ));
        }
    }
    if s.words.len() == 1 && n_plain >= 6 {
        pieces(s, who, toks, hits);
    }
    if s.words.len() == 1 && n_plain >= 5 {
        truncated(s, who, toks, hits);
    }
    if s.words.len() == 1 && (7..=24).contains(&n_plain) && s.plain.chars().all(char::is_alphabetic)
    {
        let budget = n_plain / 4;
        for tok in toks
            .iter()
            .filter(|tok| tok.text.chars().count() >= 5 && tok.text != s.plain)
        {
            if levenshtein_within(&tok.text, &s.plain, budget) {
                hits.push(Hit::new(
                    tok.start,
                    tok.end,
                    format!("near-miss spelling of {who}"),
                ));
            }
        }
    }
    if s.words.len() == 1 && (6..=24).contains(&n_plain) {
        scrambled(s, who, toks, hits);
    }
    parts::parts(s, who, t, hits);
    transliterated(s, who, toks, hits);
    acrostic(s, who, t, hits);
    sentence_acrostics(s, who, t, hits);
    initials(s, who, t, hits);
    shifted(s, who, t, hits);
    atbash(s, who, t, hits);
    pig_latin(s, who, toks, hits);
    repeated_symbol(s, who, hits, t);
    masked::masked(s, who, t, hits);
    letters::interleaved(s, who, t, hits);
    letters::disemvowelled(s, who, t, hits);
    anagram::shuffled_singles(s, who, t, hits);
    anagram::anagram_near_mention(s, who, t, hits);
    typos::words_misspelt(s, who, t, hits);
    typos::respelt(s, who, t, hits);
    typos::short_typo(s, who, t, hits);
    numbers::roman_numerals(s, who, t, hits);
    numbers::arithmetic(s, who, t, hits);
    numbers::dates(s, who, t, hits);
    romanised::romanised(s, who, t, hits);
    assignment::spelled_out(s, who, t, hits);
    word_forms::other_form(s, who, t, hits);
}

/// The secret written in Cyrillic or Greek letters (`зенит`, `ζενιθ` for `zenith`): as
/// many consecutive words as the secret has, read in Latin letters, equal to it or, for
/// five letters or more, one edit in four away (transliterations differ: `zenit`).
/// Secrets of ASCII letters, four letters or more.
fn transliterated(s: &Secret<'_>, who: &str, toks: &[Token], hits: &mut Vec<Hit>) {
    let n = s.plain.len();
    let k = s.words.len();
    if n < 4 || k == 0 || k > 6 || !s.plain.bytes().all(|b| b.is_ascii_lowercase()) {
        return;
    }
    let budget = if n >= 5 { (n / 4).max(1) } else { 0 };
    let mut latin = String::with_capacity(2 * n);
    for (i, tok) in toks.iter().enumerate() {
        if tok.text.is_ascii() {
            continue;
        }
        let Some(run) = toks.get(i..i + k) else {
            break;
        };
        latin.clear();
        let mut whole = true;
        for t in run {
            for c in t.text.chars() {
                match to_latin(c) {
                    Some(l) => latin.push_str(l),
                    None if c.is_ascii_alphanumeric() => latin.push(c),
                    None => whole = false,
                }
            }
        }
        if !whole || latin.len().abs_diff(n) > budget {
            continue;
        }
        if latin == s.plain || (budget > 0 && levenshtein_within(&latin, &s.plain, budget)) {
            let end = run.last().map_or(tok.end, |l| l.end);
            hits.push(Hit::new(
                tok.start,
                end,
                format!("{who} appears transliterated"),
            ));
        }
    }
}

/// Latin letters for a (lowercase) Cyrillic or Greek letter.
fn to_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'а' | 'α' | 'ά' => "a",
        'б' | 'β' => "b",
        'в' => "v",
        'г' | 'ґ' | 'γ' => "g",
        'д' | 'δ' => "d",
        'е' | 'ё' | 'є' | 'э' | 'ε' | 'έ' => "e",
        'ж' => "zh",
        'з' | 'ζ' => "z",
        'и' | 'і' | 'ї' | 'ι' | 'ί' | 'η' | 'ή' => "i",
        'й' => "y",
        'к' | 'κ' => "k",
        'л' | 'λ' => "l",
        'м' | 'μ' => "m",
        'н' | 'ν' => "n",
        'о' | 'ο' | 'ό' | 'ω' | 'ώ' => "o",
        'п' | 'π' => "p",
        'р' | 'ρ' => "r",
        'с' | 'σ' | 'ς' => "s",
        'т' | 'τ' => "t",
        'у' => "u",
        'υ' | 'ύ' => "y",
        'ф' | 'φ' => "f",
        'х' => "kh",
        'χ' => "ch",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        'θ' => "th",
        'ξ' => "x",
        'ψ' => "ps",
        _ => return None,
    })
}

/// True when a word is handed over as a value: quoted (`"laby"`, `'laby'`, `` `laby` ``),
/// or right after `:`, `=`, `is`, `are` (`the rest is rinth`), a hyphen between
/// (`Suffix: -ate`).
fn set_apart(text: &str, tok: &Token) -> bool {
    // A part's hyphen is not in the way: `Suffix: -ate`.
    let before = text
        .get(..tok.start)
        .unwrap_or_default()
        .trim_end_matches(|c: char| c == '-' || c.is_whitespace());
    let after = text.get(tok.end..).unwrap_or_default();
    let quote = ['"', '\'', '`', '“', '‘', '«'];
    before.ends_with(quote)
        || before.ends_with([':', '='])
        || after.starts_with(['"', '\'', '`', '”', '’', '»'])
        || [" is", " are"].iter().any(|w| {
            // The last bytes only: lowercasing all that comes before would make the
            // check as long as the text.
            let b = before.as_bytes();
            b.get(b.len().saturating_sub(w.len())..)
                .is_some_and(|end| end.eq_ignore_ascii_case(w.as_bytes()))
        })
}

/// The secret spelt by the first letters of consecutive sentences, or by the last
/// letters of consecutive lines: secrets of five or more letters and digits.
fn sentence_acrostics(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let want: Vec<char> = s.plain.chars().collect();
    if want.len() < 5 {
        return;
    }
    let (starts, ends) = t.marks();
    for (marks, how) in [
        (starts, "the first letters of sentences"),
        (ends, "the last letters of lines"),
    ] {
        for w in marks.windows(want.len()) {
            if w.iter().zip(&want).all(|((c, _, _), want)| c == want) {
                let (Some(first), Some(last)) = (w.first(), w.last()) else {
                    continue;
                };
                hits.push(Hit::new(first.1, last.2, format!("{who} spelt by {how}")));
            }
        }
    }
}

/// The secret in the Atbash cipher (`a` for `z`, `b` for `y`, …): six letters or more,
/// between word edges.
fn atbash(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let letters = s.plain.bytes().filter(u8::is_ascii_lowercase).count();
    if !s.plain.is_ascii() || letters < 6 {
        return;
    }
    let mirrored: String = s
        .plain
        .bytes()
        .map(|b| {
            if b.is_ascii_lowercase() {
                char::from(b'z' - (b - b'a'))
            } else {
                char::from(b)
            }
        })
        .collect();
    for (at, m) in t.plain.match_indices(mirrored.as_str()) {
        if let Some((a, b)) = t.whole_words_span(at, at + m.len()) {
            hits.push(Hit::new(
                a,
                b,
                format!("{who} appears in the Atbash cipher"),
            ));
        }
    }
}

/// The whole secret in Pig Latin, word by word: the leading consonants moved to the end
/// and `ay` added (`enithzay` for `zenith`, also with a hyphen, `enith-zay`), or `way`,
/// `yay`, `hay` or `ay` after a word that starts with a vowel. Secrets of one to six
/// words of ASCII letters, four letters or more in all.
fn pig_latin(s: &Secret<'_>, who: &str, toks: &[Token], hits: &mut Vec<Hit>) {
    let n_words = s.words.len();
    if !(1..=6).contains(&n_words)
        || s.plain.len() < 4
        || !s
            .words
            .iter()
            .all(|w| w.bytes().all(|b| b.is_ascii_lowercase()))
    {
        return;
    }
    let forms: Vec<Vec<(String, String)>> = s.words.iter().map(|w| pig_forms(w)).collect();
    let Some(first) = forms.first() else { return };
    for (i, tok) in toks.iter().enumerate() {
        if !first
            .iter()
            .any(|(stem, _)| tok.text.starts_with(stem.as_str()))
        {
            continue;
        }
        let mut at = i;
        let mut ok = true;
        for word_forms in &forms {
            match pig_word_at(toks, at, word_forms) {
                Some(next) => at = next,
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok && let Some(last) = toks.get(at.saturating_sub(1)) {
            hits.push(Hit::new(
                tok.start,
                last.end,
                format!("{who} appears in Pig Latin"),
            ));
        }
    }
}

/// Pig Latin forms of a word: (stem, suffix) pairs, the word being `stem + suffix`
/// once encoded (`("enith", "zay")`).
fn pig_forms(w: &str) -> Vec<(String, String)> {
    let is_vowel = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u');
    let bytes = w.as_bytes();
    let mut out = Vec::new();
    if bytes.first().copied().is_some_and(is_vowel) {
        for suffix in ["way", "yay", "hay", "ay"] {
            out.push((w.to_owned(), suffix.to_owned()));
        }
        return out;
    }
    // The consonants before the first vowel (`y` after the first letter is a vowel,
    // `qu` moves as one).
    let mut k = bytes
        .iter()
        .enumerate()
        .position(|(i, b)| is_vowel(*b) || (i > 0 && *b == b'y'))
        .unwrap_or(bytes.len());
    if k > 0 && bytes.get(k - 1) == Some(&b'q') && bytes.get(k) == Some(&b'u') {
        k += 1;
    }
    for cut in [k, 1] {
        if let (Some(head), Some(tail)) = (w.get(..cut), w.get(cut..))
            && !tail.is_empty()
            && !out.iter().any(|(t, _)| t == tail)
        {
            out.push((tail.to_owned(), format!("{head}ay")));
        }
    }
    out
}

/// Where a Pig Latin form of one secret word written from token `at` ends (the index of
/// the next token): one token (`enithzay`) or two (`enith zay`).
fn pig_word_at(toks: &[Token], at: usize, forms: &[(String, String)]) -> Option<usize> {
    let tok = toks.get(at)?;
    let next = toks.get(at + 1);
    forms.iter().find_map(|(stem, suffix)| {
        let whole = tok.text.len() == stem.len() + suffix.len()
            && tok.text.starts_with(stem.as_str())
            && tok.text.ends_with(suffix.as_str());
        if whole {
            return Some(at + 1);
        }
        (tok.text == *stem && next.is_some_and(|n| n.text == *suffix)).then_some(at + 2)
    })
}

/// A word with the secret's letters in another order (`gnraoe` for `orange`).
fn scrambled(s: &Secret<'_>, who: &str, toks: &[Token], hits: &mut Vec<Hit>) {
    let n = s.plain.chars().count();
    let mut want: Vec<char> = s.plain.chars().collect();
    want.sort_unstable();
    let mut got: Vec<char> = Vec::with_capacity(n);
    for tok in toks {
        if tok.text.len() < n || tok.text == s.plain || tok.text.chars().count() != n {
            continue;
        }
        got.clear();
        got.extend(tok.text.chars());
        got.sort_unstable();
        if got == want {
            hits.push(Hit::new(
                tok.start,
                tok.end,
                format!("letters of {who} appear scrambled"),
            ));
        }
    }
}

/// The secret spelt by the first letters of consecutive words (`Returns include very
/// easy refunds` for `river`): secrets of five or more letters and digits. Words of
/// one character break the run (a secret spaced out is `direct`'s business).
fn initials(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    const MIN_INITIALS: usize = 5;
    if s.plain.chars().count() < MIN_INITIALS {
        return;
    }
    let mut firsts = String::with_capacity(t.tokens.len());
    let mut at = Vec::with_capacity(t.tokens.len());
    for tok in &t.tokens {
        let mut chars = tok.text.chars();
        if let Some(c) = chars.next() {
            let c = if chars.next().is_some() { c } else { '\0' };
            firsts.push(c);
            at.extend(std::iter::repeat_n(tok, c.len_utf8()));
        }
    }
    for (i, m) in firsts.match_indices(s.plain.as_str()) {
        let (Some(first), Some(last)) = (at.get(i), at.get(i + m.len() - 1)) else {
            continue;
        };
        hits.push(Hit::new(
            first.start,
            last.end,
            format!("{who} spelt by the first letters of words"),
        ));
    }
}

/// The first place where every word of `words` occurs within `WINDOW` words of the
/// first one's occurrence: the byte span covering them.
fn all_words_near(toks: &[Token], words: &[&String]) -> Option<(usize, usize)> {
    const WINDOW: usize = 40;
    // Token positions of each word, in text order.
    let positions: Vec<Vec<usize>> = words
        .iter()
        .map(|w| {
            toks.iter()
                .enumerate()
                .filter(|(_, t)| &&t.text == w)
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    let (first, rest) = positions.split_first()?;
    for &i in first {
        let lo = i.saturating_sub(WINDOW);
        let mut span = (i, i);
        let mut all = true;
        for pos in rest {
            // The first position at or after `lo`; near enough when within the window.
            let k = pos.partition_point(|p| *p < lo);
            match pos.get(k) {
                Some(&p) if p <= i + WINDOW => span = (span.0.min(p), span.1.max(p)),
                _ => {
                    all = false;
                    break;
                }
            }
        }
        if all {
            let start = toks.get(span.0).map(|t| t.start)?;
            let end = toks.get(span.1).map(|t| t.end)?;
            return Some((start, end));
        }
    }
    None
}

/// From token `i`, finds each of `rest` within `MAX_GAP` words of the previous one.
/// Returns the last token index and the total number of words skipped.
fn follow(toks: &[Token], i: usize, rest: &[String]) -> Option<(usize, usize)> {
    let mut at = i;
    let mut spread = 0;
    for w in rest {
        let next =
            (at + 1..=at + 1 + MAX_GAP).find(|k| toks.get(*k).is_some_and(|t| &t.text == w))?;
        spread += next - at - 1;
        at = next;
    }
    Some((at, spread))
}

/// A one-word secret written as two or more nearby words (`"rational" and "ussy"`).
fn pieces(s: &Secret<'_>, who: &str, toks: &[Token], hits: &mut Vec<Hit>) {
    for (i, tok) in toks.iter().enumerate() {
        if tok.text.chars().count() < 3 || tok.text == s.plain {
            continue;
        }
        let Some(mut rest) = s.plain.strip_prefix(tok.text.as_str()) else {
            continue;
        };
        let mut at = i;
        while !rest.is_empty() {
            let next = (at + 1..=at + 1 + MAX_GAP).find(|k| {
                toks.get(*k).is_some_and(|t| {
                    t.text.chars().count() >= 3 && rest.starts_with(t.text.as_str())
                })
            });
            let Some(k) = next else { break };
            at = k;
            rest = toks
                .get(k)
                .and_then(|t| rest.strip_prefix(t.text.as_str()))
                .unwrap_or(rest);
        }
        if rest.is_empty() {
            let end = toks.get(at).map_or(tok.end, |t| t.end);
            hits.push(Hit::new(tok.start, end, format!("{who} appears in pieces")));
        }
    }
}

/// The secret in a Caesar cipher other than ROT13 (which `direct` covers): every
/// letter shifted by the same amount, between word edges; secrets of ASCII letters
/// and digits with six or more letters.
fn shifted(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    const MIN_LETTERS: usize = 6;
    let sec = s.plain.as_bytes();
    let letters = sec.iter().filter(|b| b.is_ascii_lowercase()).count();
    if !s.plain.is_ascii() || letters < MIN_LETTERS {
        return;
    }
    let Some((j, &anchor)) = sec.iter().enumerate().find(|(_, b)| b.is_ascii_lowercase()) else {
        return;
    };
    // One pass: the shift is set by the text's letter where the secret's first letter
    // would be, then the rest of the secret is checked against it.
    let txt = t.plain.as_bytes();
    let mut at = 0;
    while let Some(window) = txt.get(at..at + sec.len()) {
        let start = at;
        at += 1;
        let Some(&c) = window.get(j) else { break };
        if !c.is_ascii_lowercase() {
            continue;
        }
        let shift = (c - b'a' + 26 - (anchor - b'a')) % 26;
        if shift == 0 || shift == 13 {
            continue;
        }
        let same = window.iter().zip(sec).all(|(w, b)| {
            if b.is_ascii_lowercase() {
                *w == b'a' + (b - b'a' + shift) % 26
            } else {
                w == b
            }
        });
        if !same {
            continue;
        }
        if let Some((a, b)) = t.whole_words_span(start, start + sec.len()) {
            hits.push(Hit::new(
                a,
                b,
                format!("{who} appears in a Caesar cipher (shift {shift})"),
            ));
        }
    }
}

/// Part of a one-word secret: a word of at least three characters and 60 % of the
/// secret that is its beginning or its end (`xyz` for `xyzzy`). The cut must fall
/// between two letters or two digits of the secret: `password` alone is not part of
/// `password123`, it is an ordinary word the secret was built from.
fn truncated(s: &Secret<'_>, who: &str, toks: &[Token], hits: &mut Vec<Hit>) {
    let chars: Vec<char> = s.plain.chars().collect();
    let n = chars.len();
    let same_class = |a: Option<&char>, b: Option<&char>| match (a, b) {
        (Some(a), Some(b)) => {
            a.is_alphabetic() == b.is_alphabetic() && a.is_numeric() == b.is_numeric()
        }
        _ => false,
    };
    for tok in toks {
        let k = tok.text.chars().count();
        if k < 3 || k >= n || k * 5 < n * 3 {
            continue;
        }
        let head =
            s.plain.starts_with(tok.text.as_str()) && same_class(chars.get(k - 1), chars.get(k));
        let tail = s.plain.ends_with(tok.text.as_str())
            && same_class(chars.get(n - k - 1), chars.get(n - k));
        if head || tail {
            hits.push(Hit::new(
                tok.start,
                tok.end,
                format!("part of {who} appears"),
            ));
        }
    }
}

/// The secret spelt by the first characters of consecutive lines.
fn acrostic(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let want: Vec<char> = s
        .raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if want.len() < 4 {
        return;
    }
    for w in t.line_starts.windows(want.len()) {
        if w.iter().zip(&want).all(|((c, _, _), want)| c == want) {
            let (Some(first), Some(last)) = (w.first(), w.last()) else {
                continue;
            };
            hits.push(Hit::new(
                first.1,
                last.2,
                format!("{who} spelt by the first characters of lines"),
            ));
        }
    }
}

/// A secret that repeats one non-ASCII symbol (`♿♿♿`): that symbol in the output.
fn repeated_symbol(s: &Secret<'_>, who: &str, hits: &mut Vec<Hit>, t: &TextIndex<'_>) {
    let mut chars = s.raw.chars().filter(|c| !c.is_whitespace());
    let Some(symbol) = chars.next() else { return };
    if symbol.is_ascii() || !chars.all(|c| c == symbol) {
        return;
    }
    if let Some(at) = t.text.find(symbol) {
        hits.push(Hit::new(
            at,
            at + symbol.len_utf8(),
            format!("the symbol {who} repeats appears"),
        ));
    }
}

/// True when the edit distance between `a` and `b` is at most `budget`.
fn levenshtein_within(a: &str, b: &str, budget: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > budget {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = Vec::with_capacity(b.len() + 1);
    for (i, ca) in a.iter().enumerate() {
        cur.clear();
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev
                .get(j)
                .map_or(usize::MAX, |d| d.saturating_add(usize::from(ca != cb)));
            let del = prev.get(j + 1).map_or(usize::MAX, |d| d.saturating_add(1));
            let ins = cur.get(j).map_or(usize::MAX, |d| d.saturating_add(1));
            cur.push(sub.min(del).min(ins));
        }
        if cur.iter().min().is_some_and(|m| *m > budget) {
            return false;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().is_some_and(|d| *d <= budget)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_budget() {
        assert!(levenshtein_within("ontologie", "ontology", 2));
        assert!(!levenshtein_within("ontologie", "ontology", 1));
        assert!(levenshtein_within("lighthaus", "lighthouse", 2));
        assert!(!levenshtein_within("mother", "brother", 1));
    }

    #[test]
    fn sentence_and_line_marks() {
        let chars = |marks: Vec<Mark>| -> String { marks.into_iter().map(|(c, _, _)| c).collect() };
        let text = "Zoo trip. \"Every\" day!\n1. Nice one\nI\nq";
        let (starts, ends) = sentence_marks(text, &tokens(text));
        assert_eq!(chars(starts), "zen");
        assert_eq!(chars(ends), "ye");
    }

    #[test]
    fn pig_latin_forms() {
        let forms = pig_forms("zenith");
        assert!(forms.contains(&("enith".to_owned(), "zay".to_owned())));
        let forms = pig_forms("string");
        assert!(forms.contains(&("ing".to_owned(), "stray".to_owned())));
        assert!(forms.contains(&("tring".to_owned(), "say".to_owned())));
        let forms = pig_forms("queen");
        assert!(forms.contains(&("een".to_owned(), "quay".to_owned())));
        assert!(pig_forms("apple").contains(&("apple".to_owned(), "way".to_owned())));
    }

    #[test]
    fn words_near_each_other() {
        let toks = tokens("amber one two falcon three");
        let (amber, falcon) = ("amber".to_owned(), "falcon".to_owned());
        assert_eq!(all_words_near(&toks, &[&falcon, &amber]), Some((0, 20)));
        let far = format!("amber {} falcon", "x ".repeat(60));
        assert_eq!(all_words_near(&tokens(&far), &[&amber, &falcon]), None);
    }
}
