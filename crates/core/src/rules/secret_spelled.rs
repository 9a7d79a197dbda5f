//! `secret_spelled`: a secret spelt out in words: the NATO/ICAO phonetic alphabet
//! (`Sierra November Alpha`), English letter names (`zed ee en`, `aitch`), number words
//! (`two nine`, `twenty-nine`, `forty two`, and whole numbers with scale words: `three
//! thousand four hundred and twelve`), the digit words of Spanish, French, German,
//! Italian and Portuguese (`vier acht zwei`, `seis, cero, cuatro`, `zéro sept`), a letter
//! with its key word (`S as in Sugar`, `N for Nancy`, `Z is for a zebra`), or a mix of
//! those and single characters (`Sierra, N, Alpha`).
//!
//! The text's ASCII words become a stream of characters: a phonetic-alphabet word or a
//! letter name gives its letter, a number word its digits, a single letter or digit itself, and a few
//! joining words (`and`, `then`, `dash`, …) nothing. Any other word ends the stream.
//! A secret (canaries from the policy, [`crate::ScanContext::secrets`]) is spelt when
//! its letters and digits appear in one stream and at least one of them came from a
//! spelled word (single characters alone are the `secret_leak` rule's business).
//! Secrets shorter than four characters must fill a whole stream. The secret is written
//! out in full, so give the rule the same action as `secret_leak` (deny).
//! Reasons name the secret by origin and number, never its value.

use super::secret_source::{self, Secrets, ascii_words, plain};
use super::{Check, CompileCtx, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;

/// Configuration of a `secret_spelled` rule: which secrets it watches.
pub type Config = secret_source::Config;

/// Findings kept per secret.
const MAX_HITS_PER_SECRET: usize = 16;
/// Shorter secrets must fill a whole stream.
const MIN_FREE: usize = 4;

/// A compiled `secret_spelled` rule.
#[derive(Debug)]
pub(crate) struct SecretSpelled {
    secrets: Secrets,
}

impl SecretSpelled {
    pub(crate) fn compile(
        config: &Config,
        _cx: &mut CompileCtx<'_>,
    ) -> Result<SecretSpelled, String> {
        Ok(SecretSpelled {
            secrets: Secrets::compile(config)?,
        })
    }
}

impl Check for SecretSpelled {
    fn category(&self) -> Category {
        Category::Leak
    }

    fn severity(&self) -> Severity {
        Severity::Critical
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        if self.secrets.none_in(input.ctx) {
            return Ok(());
        }
        let mut streams: Option<Vec<Stream>> = None;
        for (who, raw) in self.secrets.each(input.ctx) {
            let secret = plain(raw);
            let n = secret.chars().count();
            if n < 2 || !secret.is_ascii() {
                continue;
            }
            let streams = streams.get_or_insert_with(|| spell(input.text));
            let before = hits.len();
            for s in streams.iter() {
                if s.chars.len() < secret.len() || (n < MIN_FREE && s.chars != secret) {
                    continue;
                }
                for (at, _) in s.chars.match_indices(secret.as_str()) {
                    let (Some(first), Some(last)) = (s.origin.get(at), s.origin.get(at + n - 1))
                    else {
                        continue;
                    };
                    let spelled = s
                        .origin
                        .get(at..at + n)
                        .is_some_and(|o| o.iter().any(|c| c.spelled));
                    if spelled {
                        hits.push(Hit::new(
                            first.start,
                            last.end,
                            format!("{who} spelt out in words"),
                        ));
                    }
                }
            }
            hits.truncate(before + MAX_HITS_PER_SECRET);
        }
        Ok(())
    }
}

/// Where one character of a stream came from.
#[derive(Debug, Clone, Copy)]
struct Origin {
    start: usize,
    end: usize,
    /// From a phonetic-alphabet or number word rather than a single character.
    spelled: bool,
}

/// Characters spelt by consecutive words, one `Origin` per (ASCII) character.
#[derive(Debug, Default)]
struct Stream {
    chars: String,
    origin: Vec<Origin>,
}

impl Stream {
    fn push(&mut self, s: &str, start: usize, end: usize, spelled: bool) {
        self.chars.push_str(s);
        self.origin.extend(s.chars().map(|_| Origin {
            start,
            end,
            spelled,
        }));
    }
}

/// Splits the text into streams of spelt characters.
fn spell(text: &str) -> Vec<Stream> {
    let words = ascii_words(text);
    let mut out = Vec::new();
    let mut cur = Stream::default();
    let mut i = 0;
    // Words up to here were read as a number without a scale word: read them digit by
    // digit, without looking for one again.
    let mut read_to = 0;
    while let Some((w, start, end)) = words.get(i) {
        i += 1;
        // A digit word with an accented letter (`fünf`): the ASCII pieces it was cut
        // into are skipped. Only an ASCII piece that can start one, followed by a
        // non-ASCII byte, is looked at (the look allocates).
        if text.as_bytes().get(*end).is_some_and(|b| !b.is_ascii())
            && may_start_accented(w)
            && let Some((d, len)) = accented_digit(text, *start)
        {
            cur.push(d, *start, start + len, true);
            while words.get(i).is_some_and(|(_, s, _)| *s < start + len) {
                i += 1;
            }
            continue;
        }
        // Words are ASCII runs; a non-ASCII letter between them ends the stream too.
        let glued = |at: usize| {
            text.get(at..)
                .and_then(|t| t.chars().next())
                .is_some_and(|c| c.is_alphanumeric())
        };
        if glued(*end)
            || text
                .get(..*start)
                .and_then(|t| t.chars().next_back())
                .is_some_and(char::is_alphanumeric)
        {
            flush(&mut cur, &mut out);
            continue;
        }
        // A number word, looked up once for the branches below.
        let (ten, small) = (
            tens(w),
            unit(w).or_else(|| teen(w)).or_else(|| digit_word(w)),
        );
        if let Some(letter) = phonetic(w).or_else(|| letter_name(w)) {
            cur.push(letter, *start, *end, true);
        } else if w == "x" && words.get(i).is_some_and(|(r, _, _)| r == "ray") {
            let e = words.get(i).map_or(*end, |(_, _, e)| *e);
            cur.push("x", *start, e, true);
            i += 1;
        } else if let Some((digits, next)) = (i > read_to && (ten.is_some() || small.is_some()))
            .then(|| cardinal(&words, i - 1))
            .and_then(|(digits, next)| {
                read_to = next;
                Some((digits?, next))
            })
        {
            // `three hundred forty-six thousand`: one number, its digits.
            let e = words.get(next - 1).map_or(*end, |(_, _, e)| *e);
            cur.push(&digits, *start, e, true);
            i = next;
        } else if let Some(tens) = ten {
            // `twenty-nine`, `forty two`: one number; `twenty` alone: 20.
            match words.get(i).and_then(|(u, _, e)| unit(u).map(|d| (d, *e))) {
                Some((d, e)) if d != "0" => {
                    cur.push(&format!("{tens}{d}"), *start, e, true);
                    i += 1;
                }
                _ => cur.push(&format!("{tens}0"), *start, *end, true),
            }
        } else if let Some(d) = small {
            cur.push(d, *start, *end, true);
        } else if w.len() == 1 {
            // `S as in Sugar`, `S for Sugar`, `S is for a sun`: the key word repeats
            // the letter.
            let lead = match (words.get(i), words.get(i + 1)) {
                (Some((a, _, _)), Some((b, _, _))) if a == "as" && b == "in" => 2,
                (Some((a, _, _)), Some((b, _, _))) if a == "is" && b == "for" => 2,
                (Some((a, _, _)), _) if a == "for" => 1,
                _ => 0,
            };
            let article = words
                .get(i + lead)
                .is_some_and(|(a, _, _)| matches!(a.as_str(), "a" | "an" | "the"));
            let skip = lead + usize::from(article && lead > 0);
            // A key word may be hyphenated (`X as in X-ray`): the letter, `-`, a word.
            let hyphenated = |at: usize| match (words.get(at), words.get(at + 1)) {
                (Some((k, _, e)), Some((_, s, _))) if k == w => text.get(*e..*s) == Some("-"),
                _ => false,
            };
            let key = words.get(i + skip).filter(|_| lead > 0).and_then(|k| {
                if hyphenated(i + skip) {
                    Some((words.get(i + skip + 1).unwrap_or(k), skip + 2))
                } else {
                    (k.0.len() > 1 && k.0.starts_with(w.as_str())).then_some((k, skip + 1))
                }
            });
            match key {
                Some(((_, _, e), skip)) => {
                    cur.push(w, *start, *e, true);
                    i += skip;
                }
                None => cur.push(w, *start, *end, false),
            }
        } else if !is_joiner(w) {
            flush(&mut cur, &mut out);
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// The characters spelt by the words at the very start of `text` (`forty-two`, `zero,
/// four, five, one`, `Sierra November`), and the byte where they end: the first
/// stream, when it starts at byte 0 and at least one of its characters came from a
/// spelled word (digits and single letters alone are not spelt).
pub(crate) fn spelled_at(text: &str) -> Option<(String, usize)> {
    let first = spell(text).into_iter().next()?;
    let (start, end) = (first.origin.first()?.start, first.origin.last()?.end);
    (start == 0 && first.origin.iter().any(|o| o.spelled)).then_some((first.chars, end))
}

fn flush(cur: &mut Stream, out: &mut Vec<Stream>) {
    if !cur.chars.is_empty() {
        out.push(std::mem::take(cur));
    }
}

/// Words that may sit between spelt characters: joining words (in English and the five
/// languages of [`digit_word`]), the case of the next letter (`capital T`), and the names
/// of symbols, which a secret's letters and digits leave out (`r, ampersand, three` for
/// `r&3`). In alphabetical order; looked up by [`is_joiner`].
const JOINERS: [&str; 38] = [
    "ampersand",
    "and",
    "apostrophe",
    "asterisk",
    "backslash",
    "bindestrich",
    "by",
    "capital",
    "caret",
    "colon",
    "comma",
    "dann",
    "dash",
    "depois",
    "dollar",
    "exclamation",
    "followed",
    "guion",
    "hash",
    "hashtag",
    "hifen",
    "hyphen",
    "lowercase",
    "luego",
    "next",
    "percent",
    "poi",
    "puis",
    "semicolon",
    "slash",
    "space",
    "then",
    "tilde",
    "tiret",
    "trattino",
    "und",
    "underscore",
    "uppercase",
];

/// The letter of a NATO/ICAO phonetic-alphabet word.
fn phonetic(w: &str) -> Option<&'static str> {
    Some(match w {
        "alpha" | "alfa" => "a",
        "bravo" => "b",
        "charlie" => "c",
        "delta" => "d",
        "echo" => "e",
        "foxtrot" => "f",
        "golf" => "g",
        "hotel" => "h",
        "india" => "i",
        "juliet" | "juliett" => "j",
        "kilo" => "k",
        "lima" => "l",
        "mike" => "m",
        "november" => "n",
        "oscar" => "o",
        "papa" => "p",
        "quebec" => "q",
        "romeo" => "r",
        "sierra" => "s",
        "tango" => "t",
        "uniform" => "u",
        "victor" => "v",
        "whiskey" | "whisky" => "w",
        "xray" => "x",
        "yankee" => "y",
        "zulu" => "z",
        _ => return None,
    })
}

/// The letter an English letter name stands for (`aitch` is `h`, `zed` is `z`).
fn letter_name(w: &str) -> Option<&'static str> {
    Some(match w {
        "ay" => "a",
        "bee" => "b",
        "cee" | "see" => "c",
        "dee" => "d",
        "ee" => "e",
        "ef" | "eff" => "f",
        "gee" => "g",
        "aitch" | "haitch" => "h",
        "eye" => "i",
        "jay" => "j",
        "kay" => "k",
        "el" | "ell" => "l",
        "em" => "m",
        "en" => "n",
        "oh" => "o",
        "pee" => "p",
        "cue" => "q",
        "ar" => "r",
        "ess" => "s",
        "tee" => "t",
        "you" | "yoo" => "u",
        "vee" => "v",
        "ex" => "x",
        "why" | "wye" => "y",
        "zed" | "zee" => "z",
        _ => return None,
    })
}

/// A number written with a scale word from word `at` (`three hundred forty-six
/// thousand six hundred ninety-seven`, `two thousand and twenty-four`): its digits, if
/// it has a scale word (`hundred`, `thousand`, `million`, `billion`, `trillion`;
/// `nineteen eighty-five` is read word by word), and the index of the first word after
/// it (with or without one, so the caller need not read these words again).
fn cardinal(words: &[(String, usize, usize)], at: usize) -> (Option<String>, usize) {
    /// What the last word of the number was: what may follow it.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Last {
        Start,
        /// One to nineteen: a scale word may follow.
        Small,
        /// Twenty to ninety: a unit or a scale word may follow.
        Tens,
        Scale,
    }
    let scale = |w: &str| -> Option<u64> {
        Some(match w {
            "hundred" => 100,
            "thousand" => 1_000,
            "million" => 1_000_000,
            "billion" => 1_000_000_000,
            "trillion" => 1_000_000_000_000,
            _ => return None,
        })
    };
    let digit = |d: &str| d.parse::<u64>().ok();
    let (mut total, mut cur, mut scaled, mut last) = (0u64, 0u64, false, Last::Start);
    let mut i = at;
    while let Some((w, _, _)) = words.get(i) {
        let small = unit(w).or_else(|| teen(w)).and_then(digit);
        let ten = tens(w).and_then(digit);
        let step = match (small, ten, scale(w), last) {
            (Some(v), _, _, Last::Start | Last::Scale) => Some((cur.checked_add(v), Last::Small)),
            (Some(v @ 1..=9), _, _, Last::Tens) => Some((cur.checked_add(v), Last::Small)),
            (_, Some(t), _, Last::Start | Last::Scale) => {
                Some((cur.checked_add(t * 10), Last::Tens))
            }
            (_, _, Some(100), Last::Small | Last::Tens) => {
                Some((cur.checked_mul(100), Last::Scale))
            }
            // `five hundred thousand`: after `hundred`, the hundreds are still `cur`.
            (_, _, Some(k), l) if k > 100 && (l != Last::Start && cur > 0) => {
                total = total.saturating_add(cur.saturating_mul(k));
                Some((Some(0), Last::Scale))
            }
            _ => None,
        };
        match step {
            Some((Some(v), l)) => {
                scaled |= l == Last::Scale;
                cur = v;
                last = l;
            }
            Some((None, _)) => return (None, i + 1),
            // `and` between a scale word and the rest: `two thousand and twenty-four`.
            None if w == "and" && last == Last::Scale => {}
            None => break,
        }
        i += 1;
    }
    let value = total.checked_add(cur).filter(|_| scaled);
    (value.map(|v| v.to_string()), i.max(at + 1))
}

fn unit(w: &str) -> Option<&'static str> {
    Some(match w {
        "zero" => "0",
        "one" => "1",
        "two" => "2",
        "three" => "3",
        "four" => "4",
        "five" => "5",
        "six" => "6",
        "seven" => "7",
        "eight" => "8",
        "nine" | "niner" => "9",
        _ => return None,
    })
}

/// The digit words of Spanish, French, German, Italian and Portuguese, their digits in
/// [`DIGITS`]: read as English digit words are, one digit each, in a stream that other
/// words end. Words that are also common English words are left out (`one` is English
/// already; French `un`, Italian `due`, Portuguese `um`, German `ein`).
const DIGIT_WORDS: [&str; 39] = [
    "cero", "null", "uno", "eins", "dos", "deux", "zwei", "zwo", "dois", "tres", "trois", "drei",
    "tre", "cuatro", "quatre", "vier", "quattro", "quatro", "cinco", "cinq", "fuenf", "cinque",
    "seis", "sechs", "sei", "siete", "sept", "sieben", "sette", "sete", "ocho", "huit", "acht",
    "otto", "oito", "nueve", "neuf", "neun", "nove",
];

/// The digit of each word of [`DIGIT_WORDS`], in the same order.
const DIGITS: &str = "001122222333344444555566677777888889999";
const _: () = assert!(DIGITS.len() == DIGIT_WORDS.len());

/// A word of at most eight bytes as one integer (little-endian, zero-padded; 0 for a
/// longer word), so that a word is looked up among many with integer comparisons, not
/// a string comparison each: most words of a text are looked up and found in none.
const fn pack(w: &[u8]) -> u64 {
    if w.len() > 8 {
        return 0;
    }
    let (mut v, mut shift, mut rest) = (0u64, 0, w);
    while let Some((&b, tail)) = rest.split_first() {
        v |= (b as u64) << shift;
        shift += 8;
        rest = tail;
    }
    v
}

/// [`pack`] of each of `words`, in order.
#[expect(
    clippy::indexing_slicing,
    reason = "const evaluation: `i` is under `N`, the length of both arrays, checked at compile time"
)]
const fn packed<const N: usize>(words: &[&str; N]) -> [u64; N] {
    let mut out = [0u64; N];
    let mut i = 0;
    while i < N {
        out[i] = pack(words[i].as_bytes());
        i += 1;
    }
    out
}

/// Whether `w` is one of [`JOINERS`]: the short ones compared packed ([`pack`]), the
/// long ones (over eight bytes) as strings.
fn is_joiner(w: &str) -> bool {
    const KEYS: [u64; JOINERS.len()] = packed(&JOINERS);
    match pack(w.as_bytes()) {
        0 => JOINERS.contains(&w),
        key => KEYS.contains(&key),
    }
}

/// A digit word of [`DIGIT_WORDS`], as its digit.
fn digit_word(w: &str) -> Option<&'static str> {
    const KEYS: [u64; DIGIT_WORDS.len()] = packed(&DIGIT_WORDS);
    let key = pack(w.as_bytes());
    if key == 0 {
        return None;
    }
    let at = KEYS.iter().position(|&k| k == key)?;
    DIGITS.get(at..at + 1)
}

/// The digit words with an accented letter, each with the ASCII word it starts with
/// (what [`ascii_words`] cuts from it) and its digit.
const ACCENTED: [(&str, &str, &str); 3] =
    [("fünf", "f", "5"), ("zéro", "z", "0"), ("três", "tr", "3")];

/// Whether the ASCII word `w`, ending where a non-ASCII byte follows, may start one of
/// [`ACCENTED`]: only then is [`accented_digit`] (which allocates) worth calling.
fn may_start_accented(w: &str) -> bool {
    ACCENTED.iter().any(|&(_, start, _)| start == w)
}

/// A digit word of [`ACCENTED`] at byte `at` of `text`, any case, standing alone: the
/// digit and the word's length in bytes. The stream is made of ASCII words, which these
/// are cut into.
fn accented_digit(text: &str, at: usize) -> Option<(&'static str, usize)> {
    let rest = text.get(at..)?;
    let alone = |c: Option<char>| !c.is_some_and(char::is_alphanumeric);
    if !alone(text.get(..at)?.chars().next_back()) {
        return None;
    }
    ACCENTED.iter().find_map(|&(word, _, d)| {
        let len = rest
            .char_indices()
            .nth(word.chars().count())
            .map_or(rest.len(), |(i, _)| i);
        let head = rest.get(..len)?;
        (head.to_lowercase() == *word && alone(rest.get(len..)?.chars().next())).then_some((d, len))
    })
}

fn teen(w: &str) -> Option<&'static str> {
    Some(match w {
        "ten" => "10",
        "eleven" => "11",
        "twelve" => "12",
        "thirteen" => "13",
        "fourteen" => "14",
        "fifteen" => "15",
        "sixteen" => "16",
        "seventeen" => "17",
        "eighteen" => "18",
        "nineteen" => "19",
        _ => return None,
    })
}

fn tens(w: &str) -> Option<&'static str> {
    Some(match w {
        "twenty" => "2",
        "thirty" => "3",
        "forty" | "fourty" => "4",
        "fifty" => "5",
        "sixty" => "6",
        "seventy" => "7",
        "eighty" => "8",
        "ninety" => "9",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(text: &str) -> Vec<String> {
        spell(text).into_iter().map(|s| s.chars).collect()
    }

    #[test]
    fn streams() {
        assert_eq!(chars("Sierra November Alpha."), ["sna"]);
        assert_eq!(chars("twenty-nine and forty two"), ["2942"]);
        assert_eq!(chars("S as in Sugar, N for Nancy"), ["sn"]);
        assert_eq!(chars("the code is x-ray? no: Zulu"), ["x", "z"]);
        assert_eq!(chars("a cat"), ["a"]);
        assert_eq!(chars("Echoes of Mike's bike"), ["ms"]);
        assert_eq!(chars("zed, ee, en, eye, tee, aitch"), ["zenith"]);
        assert_eq!(chars("Z is for a zebra, E is for egg"), ["ze"]);
        assert_eq!(
            chars("three hundred forty-six thousand six hundred and ninety-seven"),
            ["346697"]
        );
        assert_eq!(
            chars("two thousand twenty-four, nineteen eighty"),
            ["20241980"]
        );
        assert_eq!(chars("five hundred thousand"), ["500000"]);
        assert_eq!(chars("seven six two five"), ["7625"]);
        assert_eq!(chars("X as in X-ray, capital B, ampersand"), ["xb"]);
        // Digit words of five more languages, with their joiners; accented ones too; not
        // inside a longer word, and `un`, `due`, `um` are not digits.
        for (text, want) in [
            ("Die PIN lautet vier – acht – zwei – sieben.", &["4827"][..]),
            ("mi código es seis, cero, cuatro, nueve", &["6049"]),
            ("le code : zéro, sept, huit puis neuf", &["0789"]),
            ("FÜNF drei null und eins", &["5301"]),
            ("il codice è tre sette otto nove", &["3789"]),
            ("senha: dois, três, oito", &["238"]),
            ("fünfzig Euro, due un um", &[]),
            ("Zéros", &[]),
        ] {
            assert_eq!(chars(text), want, "{text}");
        }
    }

    #[test]
    fn digit_words_give_their_digits() {
        for (w, d) in [
            ("cero", "0"),
            ("null", "0"),
            ("eins", "1"),
            ("dois", "2"),
            ("drei", "3"),
            ("quattro", "4"),
            ("cinque", "5"),
            ("sechs", "6"),
            ("sete", "7"),
            ("oito", "8"),
            ("nueve", "9"),
            ("nove", "9"),
        ] {
            assert_eq!(digit_word(w), Some(d), "{w}");
        }
        for w in ["un", "due", "um", "ein", "", "quattrocento", "and"] {
            assert_eq!(digit_word(w), None, "{w}");
        }
        assert!(is_joiner("und") && is_joiner("bindestrich") && is_joiner("and"));
        assert!(!is_joiner("") && !is_joiner("bindestriche") && !is_joiner("the"));
    }

    #[test]
    fn spelled_at_the_start_only() {
        assert_eq!(spelled_at("forty-two, said he"), Some(("42".to_owned(), 9)));
        assert_eq!(spelled_at("zero, four. Fine"), Some(("04".to_owned(), 10)));
        assert_eq!(spelled_at("42 is the answer"), None);
        assert_eq!(spelled_at("the value seven"), None);
    }
}
