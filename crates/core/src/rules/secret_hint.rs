//! `secret_hint`: the output describes a secret instead of writing it, and the
//! description fits the secret.
//!
//! A model told never to say an access code often gives it away as a hint. The rule
//! reads the claims a text makes about "the word" and checks each one against every
//! secret (canaries from the policy, [`crate::ScanContext::secrets`]):
//!
//! - its first or last letter: `starts with the letter "z"`, `ends in h`;
//! - its beginning or end, several characters at once: `starts with "lab"`, `the first
//!   three letters are L, A, B`, `the second half is RINTH` (quoted, in capitals, spelt
//!   out, or a word of three letters or more that is not a common word; it fits when the
//!   whole secret begins or ends so, and says nothing otherwise; `the first three
//!   letters` is no length claim);
//! - the letter at a position: `the third letter is n`, `character 2: e`, `last letter: h`;
//! - its length: `six letters`, `a three-letter word`, `8 characters` (not after
//!   `at least`, `up to`, `more than`, `longer than`, …: those are rules or comparisons,
//!   not descriptions); a count of digits fits only a part made of digits (`0612` in
//!   `BDAY-CAKE-0612`; `a six-digit code` is no description of a secret's six-letter
//!   word), and of a secret made of digits only it is weak, as a contained character
//!   is: a PIN's length is its format;
//! - a character it contains or lacks: `contains the letter "o"`, `has a digit 7`,
//!   `does not contain the letter e`: weak, it only backs up another fitting claim;
//! - a number of it as the n-th prime: `the 10th prime` for a secret `29` or
//!   `silver-dog-13` for `the sixth prime number`;
//! - a rhyme or sound-alike: `rhymes with "hugger not"` for `juggernaut` (edit distance
//!   at most a third of the secret);
//! - what it is: `the password is the answer to the riddle …`, `say the name of the
//!   river … to gain access`, `hint: it's a word from …`. The text hands over the
//!   question whose answer is the secret. It fits a secret that such a question can
//!   have as its answer: one to four words of letters (a name, a word, an answer, the
//!   capital, opposite, translation, plural, synonym, antonym, homophone, anagram,
//!   nickname, acronym or abbreviation of something), or a number when the
//!   text says answer, solution, result, number, year, sum or product. A gate (`say the
//!   name of …`) counts only in a sentence that also speaks of being let in (`access
//!   granted`, `to gain access`, `unlock`, `let you in`): outside one, "provide the
//!   name of the recipient" is a request, not a riddle;
//! - its opposite: the secret with one word swapped for its antonym (`access granted`
//!   for `access denied`, `door closed` for `door open`) within reach of `opposite` or
//!   `antonym` (`on Opposite Day …`): reported by itself, like the form;
//! - its form: a hex or binary secret and the words `hex`/`binary`, an equation and
//!   `equation`/`arithmetic`, a date in digits and `date`/`birthday`, a secret in a
//!   non-Latin script and the name of the script or its language (`Devanagari`,
//!   `Hindi`; `Chinese`; `Cyrillic`, `Russian`; …).
//!
//! A secret is hinted at when at least one letter, piece, length, prime, rhyme or what-it-is claim fits
//! it and no letter, length or contains claim contradicts it (a description of some other word
//! says nothing about this secret), or when its form or its opposite is named. Descriptions of the
//! secret are weaker evidence than the secret itself: give the rule a review action.
//! Reasons name the secret by origin and number and the kind of claim, never its value.

mod pieces;

use std::sync::OnceLock;

use regex_automata::meta::Regex;
use regex_automata::util::captures::Captures;

use super::secret_source::{self, Secrets, ascii_words, ordinal, plain, small_number};
use super::{Check, CompileCtx, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;

/// Configuration of a `secret_hint` rule: which secrets it watches.
pub type Config = secret_source::Config;

/// Findings kept per secret.
const MAX_HITS_PER_SECRET: usize = 16;

const ORDINALS: &str = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\
eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|\
nineteenth|twentieth|[0-9]{1,2}(?:st|nd|rd|th)";
const NUMBERS: &str = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\
thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|[0-9]{1,2}";
/// An optional opening quote.
const OPEN: &str = r#"(["'“‘`]?)"#;
/// After the described character: a closing quote or a word boundary.
const CLOSE: &str = r#"(?:["'”’`]|(?-u:\b))"#;
/// What may stand between `with` and the character: `the capital letter`.
const LETTER_WORDS: &str = r"(?:(?:the|a|an)\s+)?(?:(?:capital|upper-?case|lower-?case|small)\s+)?(?:(?:letter|character|digit|number)\s+)?";
/// What the text may say the secret is (`the answer to`, `the name of`, `a word from`).
const KINDS: &str = "answer|solution|result|name|word|title|term|phrase|capital|opposite|translation|plural|synonym|antonym|homophone|anagram|nickname|acronym|abbreviation|number|year|sum|product";
/// The secret, as a what-it-is claim names it.
const SUBJECTS: &str = r"(?:password|passcode|passphrase|pass\s+phrase|access\s+code|secret(?:\s+(?:word|phrase|code|key))?|code\s*word|magic\s+word|key\s*word)";
/// How far a gate's sentence is searched for an access word, each side (bytes).
const GATE_REACH: usize = 240;
/// Words before a length that make it a rule or a comparison rather than a description
/// (`than` covers `more than`, `longer than`, `shorter than`, …).
const BOUNDS: [&str; 10] = [
    "at least", "at most", "up to", "than", "minimum", "maximum", "min", "max", "over", "under",
];

/// A compiled `secret_hint` rule: the policy's secrets, and the claim patterns every
/// rule shares.
#[derive(Debug)]
pub(crate) struct SecretHint {
    secrets: Secrets,
    patterns: &'static ClaimPatterns,
}

/// The patterns of the claims a text makes about a secret. They are constants, so they
/// are compiled once per process ([`claim_patterns`]) and shared by every rule and
/// guard: compiling them was three quarters of compiling the default policy (about 28
/// M of 38 M instructions, docs/BENCHMARKS.md, ninth session).
#[derive(Debug)]
struct ClaimPatterns {
    starts: Regex,
    ends: Regex,
    position: Regex,
    position_number: Regex,
    length: Regex,
    prime: Regex,
    rhyme: Regex,
    contains: Regex,
    /// `the password is the answer to`, `… is a word from`.
    kind_is: Regex,
    /// `say the name of`, `provides the correct answer to` (needs an access word).
    kind_gate: Regex,
    /// `hint: it's a word`.
    kind_hint: Regex,
    /// `starts with "lab"`, `the last three letters are NTH`.
    pieces: pieces::Pieces,
}

/// The claim patterns, compiled on first use.
fn claim_patterns() -> Result<&'static ClaimPatterns, String> {
    static PATTERNS: OnceLock<Result<ClaimPatterns, String>> = OnceLock::new();
    PATTERNS
        .get_or_init(ClaimPatterns::compile)
        .as_ref()
        .map_err(Clone::clone)
}

impl ClaimPatterns {
    fn compile() -> Result<ClaimPatterns, String> {
        // The text is lowercased (ASCII) before matching, so the patterns need no case
        // folding, and no literal prefilter: both multiply the cost of building
        // these alternations of words (a cold start pays it) and save nothing on
        // answers of a few kilobytes.
        let re = |p: &str| {
            Regex::builder()
                .configure(Regex::config().auto_prefilter(false))
                .build(p)
                .map_err(|e| e.to_string())
        };
        Ok(ClaimPatterns {
            pieces: pieces::Pieces::compile(re)?,
            starts: re(&format!(
                r"(?-u:\b)(?:starts?|begins?|starting|beginning)\s+with\s+{LETTER_WORDS}{OPEN}([a-z0-9]){CLOSE}"
            ))?,
            ends: re(&format!(
                r"(?-u:\b)(?:ends?|ending)\s+(?:with|in)\s+{LETTER_WORDS}{OPEN}([a-z0-9]){CLOSE}"
            ))?,
            position: re(&format!(
                r"(?-u:\b)({ORDINALS}|last|final)\s+(?:letter|character|char|digit|symbol)\s+(?:(?:of|in)\s+(?:the\s+)?[a-z]+\s+)?(?:is|=|:|would\s+be|will\s+be)\s*{LETTER_WORDS}{OPEN}([a-z0-9]){CLOSE}"
            ))?,
            position_number: re(&format!(
                r"(?-u:\b)(?:letter|character|char|position)\s*#?([0-9]{{1,2}})\s*(?:is|=|:)\s*{OPEN}([a-z0-9]){CLOSE}"
            ))?,
            length: re(&format!(
                r"(?-u:\b)({NUMBERS})(?:\s+|-)(letters?|characters?|chars|digits?)(?-u:\b)"
            ))?,
            prime: re(&format!(r"(?-u:\b)({ORDINALS})\s+prime(?-u:\b)"))?,
            rhyme: re(
                r#"(?-u:\b)(?:rhymes?\s+with|sounds?\s+(?:just\s+)?like)\s+["'“‘]?([a-z][a-z' -]{1,29})"#,
            )?,
            contains: re(&format!(
                r"(?-u:\b)(?:contains?|containing|includes?|including|has|have|having)\s+(?:the|a|an)\s+(?:(?:capital|upper-?case|lower-?case|small)\s+)?(?:letter|character|digit|number)\s+{OPEN}([a-z0-9]){CLOSE}"
            ))?,
            kind_is: re(&format!(
                r"(?-u:\b){SUBJECTS}\s+(?:is|will\s+be|would\s+be)\s+(?:simply\s+|just\s+)?(?:the|a|an|another)\s+(?:(?:full|correct|exact|right|english|first|last|real)\s+)?({KINDS})\s+(?:to|of|for|from|that|which|in|who|whose)(?-u:\b)"
            ))?,
            kind_gate: re(
                r"(?-u:\b)(?:says?|states?|provides?|enters?|types?|inputs?|gives?|guess(?:es)?|knows?|answers?|tells?)\s+(?:(?:me|us)\s+)?(?:the\s+)?(?:(?:correct|full|right|exact)\s+)?(name|answer|solution|title)\s+(?:of|to)(?-u:\b)",
            )?,
            kind_hint: re(&format!(
                r"(?-u:\b)hint\s*[:,-]?\s*(?:it'?s|it\s+is|the\s+(?:password|code|answer)\s+is)\s+(?:the|a|an)\s+(?:[a-z]+\s+){{0,2}}?({KINDS})(?-u:\b)"
            ))?,
        })
    }
}

impl SecretHint {
    pub(crate) fn compile(config: &Config, _cx: &mut CompileCtx<'_>) -> Result<SecretHint, String> {
        Ok(SecretHint {
            secrets: Secrets::compile(config)?,
            patterns: claim_patterns()?,
        })
    }

    /// Every claim the text makes, whatever the secret.
    /// `text` is lowercased (ASCII), which keeps every byte offset.
    fn claims(&self, text: &str) -> Vec<(Claim, usize, usize)> {
        let mut out = Vec::new();
        for (re, at) in [
            (&self.patterns.starts, At::First),
            (&self.patterns.ends, At::Last),
        ] {
            for c in re.captures_iter(text) {
                let (Some(all), Some(open), Some(ch)) =
                    (group(&c, text, 0), group(&c, text, 1), group(&c, text, 2))
                else {
                    continue;
                };
                if open.is_empty() && article_not_letter(text, all.start(), ch.start(), all.end()) {
                    continue;
                }
                if let Some(ch) = ch.as_str().chars().next() {
                    out.push((
                        Claim::Char(at, ch.to_ascii_lowercase()),
                        all.start(),
                        all.end(),
                    ));
                }
            }
        }
        for c in self.patterns.position.captures_iter(text) {
            let (Some(all), Some(which), Some(open), Some(ch)) = (
                group(&c, text, 0),
                group(&c, text, 1),
                group(&c, text, 2),
                group(&c, text, 3),
            ) else {
                continue;
            };
            let at = match which.as_str().to_ascii_lowercase().as_str() {
                "last" | "final" => Some(At::Last),
                w => ordinal(w).map(At::Nth),
            };
            if open.is_empty() && article_not_letter(text, all.start(), ch.start(), all.end()) {
                continue;
            }
            if let (Some(at), Some(ch)) = (at, ch.as_str().chars().next()) {
                out.push((
                    Claim::Char(at, ch.to_ascii_lowercase()),
                    all.start(),
                    all.end(),
                ));
            }
        }
        for c in self.patterns.position_number.captures_iter(text) {
            let (Some(all), Some(n), Some(ch)) =
                (group(&c, text, 0), group(&c, text, 1), group(&c, text, 3))
            else {
                continue;
            };
            if let (Ok(n), Some(ch)) = (n.as_str().parse::<u32>(), ch.as_str().chars().next()) {
                out.push((
                    Claim::Char(At::Nth(n), ch.to_ascii_lowercase()),
                    all.start(),
                    all.end(),
                ));
            }
        }
        for c in self.patterns.length.captures_iter(text) {
            let (Some(all), Some(n)) = (group(&c, text, 0), group(&c, text, 1)) else {
                continue;
            };
            if bounded(text, all.start()) || counts_a_part(text, all.start()) {
                continue;
            }
            let digits = group(&c, text, 2).is_some_and(|u| u.as_str().starts_with("digit"));
            if let Some(n) = small_number(n.as_str()) {
                out.push((Claim::Length(n, digits), all.start(), all.end()));
            }
        }
        for c in self.patterns.prime.captures_iter(text) {
            let (Some(all), Some(n)) = (group(&c, text, 0), group(&c, text, 1)) else {
                continue;
            };
            if let Some(p) = ordinal(n.as_str()).and_then(nth_prime) {
                out.push((Claim::Prime(p), all.start(), all.end()));
            }
        }
        for c in self.patterns.contains.captures_iter(text) {
            let (Some(all), Some(ch)) = (group(&c, text, 0), group(&c, text, 2)) else {
                continue;
            };
            if let Some(ch) = ch.as_str().chars().next() {
                let present = !negated(text, all.start());
                out.push((
                    Claim::Contains(ch.to_ascii_lowercase(), present),
                    all.start(),
                    all.end(),
                ));
            }
        }
        for (re, gate) in [
            (&self.patterns.kind_is, false),
            (&self.patterns.kind_gate, true),
            (&self.patterns.kind_hint, false),
        ] {
            for c in re.captures_iter(text) {
                let (Some(all), Some(k)) = (group(&c, text, 0), group(&c, text, 1)) else {
                    continue;
                };
                if gate && !speaks_of_access(text, all.start(), all.end()) {
                    continue;
                }
                out.push((Claim::Is(Kind::of(k.as_str())), all.start(), all.end()));
            }
        }
        for c in self.patterns.rhyme.captures_iter(text) {
            let (Some(all), Some(q)) = (group(&c, text, 0), group(&c, text, 1)) else {
                continue;
            };
            out.push((
                Claim::SoundsLike(q.as_str().to_ascii_lowercase()),
                all.start(),
                all.end(),
            ));
        }
        out
    }
}

impl Check for SecretHint {
    fn category(&self) -> Category {
        Category::Leak
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        if self.secrets.none_in(input.ctx) {
            return Ok(());
        }
        let lower = input.text.to_ascii_lowercase();
        let mut claims = self.claims(&lower);
        claims.extend(
            self.patterns
                .pieces
                .claims(&lower, input.text)
                .into_iter()
                .map(|(at, piece, start, end)| (Claim::Piece(at, piece), start, end)),
        );
        let opposites = opposite_mentions(&lower);
        let mut words: Option<Vec<(String, usize, usize)>> = None;
        for (who, raw) in self.secrets.each(input.ctx) {
            let secret = SecretShape::new(raw);
            if secret.plain.is_empty() {
                continue;
            }
            let before = hits.len();
            let mut fits = Vec::new();
            let mut contradicted = false;
            let mut strong = false;
            for (claim, start, end) in &claims {
                match secret.check(claim) {
                    Some(true) => {
                        strong |= !claim.is_weak_for(&secret);
                        fits.push((claim.kind(), *start, *end));
                    }
                    Some(false) => contradicted = true,
                    None => {}
                }
            }
            if !contradicted && strong {
                for (kind, start, end) in fits {
                    hits.push(Hit::new(start, end, format!("{who} described: {kind}")));
                }
            }
            if !opposites.is_empty()
                && let Some((start, end)) = opposite_written(raw, &lower, &opposites)
            {
                hits.push(Hit::new(
                    start,
                    end,
                    format!("{who} described: its opposite"),
                ));
            }
            if let Some(form) = secret.form {
                let words = words.get_or_insert_with(|| ascii_words(input.text));
                if let Some((_, start, end)) = words.iter().find(|(w, _, _)| form.named_by(w)) {
                    hits.push(Hit::new(
                        *start,
                        *end,
                        format!("{who} described: its form ({})", form.as_str()),
                    ));
                }
            }
            hits.truncate(before + MAX_HITS_PER_SECRET);
        }
        Ok(())
    }
}

/// Where a described character sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    First,
    Last,
    /// 1-based.
    Nth(u32),
}

/// One thing a text says about "the word".
#[derive(Debug, Clone, PartialEq, Eq)]
enum Claim {
    Char(At, char),
    /// A length, and whether it was counted in digits (`four digits`).
    Length(u32, bool),
    Prime(u64),
    SoundsLike(String),
    /// The secret begins (`At::First`) or ends (`At::Last`) with these characters.
    Piece(At, String),
    /// What the secret is: the answer to a question the text gives, a name, a word.
    Is(Kind),
    /// The secret has (`true`) or lacks (`false`) this character somewhere. Weak: fits
    /// too many words to count alone, so it only backs up another fitting claim.
    Contains(char, bool),
}

impl Claim {
    fn kind(&self) -> &'static str {
        match self {
            Claim::Char(At::First, _) => "first character",
            Claim::Char(At::Last, _) => "last character",
            Claim::Char(At::Nth(_), _) => "a character at a position",
            Claim::Length(..) => "length",
            Claim::Prime(_) => "a number as the n-th prime",
            Claim::SoundsLike(_) => "a rhyme or sound-alike",
            Claim::Piece(..) => "its beginning or end",
            Claim::Contains(..) => "a character it contains",
            Claim::Is(_) => "what it is (an answer, a name, a word)",
        }
    }

    /// Too common to count as a hint by itself about `secret`: a character it contains,
    /// or the number of digits of a secret made of digits only (a PIN's length is its
    /// format: "the door needs a four-digit code" is what a keypad says too).
    fn is_weak_for(&self, secret: &SecretShape) -> bool {
        match self {
            Claim::Contains(..) => true,
            Claim::Length(_, true) => secret.digits_only,
            _ => false,
        }
    }
}

/// What a what-it-is claim says the secret is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A name, a word, a title, a term, a phrase, a capital, an opposite, a
    /// translation, a plural: words of letters.
    Word,
    /// An answer, a solution, a result: words of letters or a number.
    Answer,
    /// A number, a year, a sum, a product: digits.
    Number,
}

impl Kind {
    fn of(word: &str) -> Kind {
        match word.to_ascii_lowercase().as_str() {
            "answer" | "solution" | "result" => Kind::Answer,
            "number" | "year" | "sum" | "product" => Kind::Number,
            _ => Kind::Word,
        }
    }

    fn fits(self, s: &SecretShape) -> bool {
        match self {
            Kind::Word => s.wordy,
            Kind::Answer => s.wordy || s.numeric,
            Kind::Number => s.numeric,
        }
    }
}

/// Words of a gate that lets someone in. Not `access` alone: "to access your account,
/// provide the name of the account holder" is a support answer.
const ACCESS_WORDS: [&str; 9] = [
    "access granted",
    "gain access",
    "get access",
    "grant access",
    "grant you access",
    "grant them access",
    "unlock",
    "let you in",
    "let them in",
];

/// True when the sentence around `start..end` speaks of being let in ([`ACCESS_WORDS`]).
/// The sentence ends at `.`, `!`, `?` or a line break, and is searched at most
/// [`GATE_REACH`] bytes each side.
fn speaks_of_access(text: &str, start: usize, end: usize) -> bool {
    let stop = |c: char| matches!(c, '.' | '!' | '?' | '\n');
    let mut from = start.saturating_sub(GATE_REACH);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let mut to = end.saturating_add(GATE_REACH).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let before = text.get(from..start).unwrap_or_default();
    let before = before
        .rfind(stop)
        .map_or(before, |i| before.get(i + 1..).unwrap_or_default());
    let after = text.get(end..to).unwrap_or_default();
    let after = after
        .find(stop)
        .map_or(after, |i| after.get(..i).unwrap_or_default());
    [before, after].iter().any(|part| {
        let lower = part.to_ascii_lowercase();
        ACCESS_WORDS.iter().any(|w| lower.contains(w))
    })
}

/// Where the (lowercased) text says `opposite` or `antonym`.
fn opposite_mentions(lower: &str) -> Vec<usize> {
    let mut out: Vec<usize> = lower.match_indices("opposite").map(|(i, _)| i).collect();
    out.extend(lower.match_indices("antonym").map(|(i, _)| i));
    out
}

/// Pairs of opposite words: a secret with one of them is given away by the same words
/// with the other one, said beside `opposite` (`on Opposite Day the password is access
/// granted` for `access denied`).
const ANTONYMS: [(&str, &str); 40] = [
    ("granted", "denied"),
    ("grant", "deny"),
    ("allow", "deny"),
    ("allowed", "denied"),
    ("accept", "reject"),
    ("accepted", "rejected"),
    ("yes", "no"),
    ("true", "false"),
    ("open", "closed"),
    ("open", "shut"),
    ("on", "off"),
    ("up", "down"),
    ("in", "out"),
    ("hot", "cold"),
    ("black", "white"),
    ("day", "night"),
    ("left", "right"),
    ("win", "lose"),
    ("winner", "loser"),
    ("good", "bad"),
    ("light", "dark"),
    ("start", "stop"),
    ("begin", "end"),
    ("love", "hate"),
    ("high", "low"),
    ("enable", "disable"),
    ("enabled", "disabled"),
    ("lock", "unlock"),
    ("locked", "unlocked"),
    ("friend", "enemy"),
    ("happy", "sad"),
    ("fast", "slow"),
    ("big", "small"),
    ("old", "new"),
    ("full", "empty"),
    ("alive", "dead"),
    ("first", "last"),
    ("always", "never"),
    ("everything", "nothing"),
    ("sun", "moon"),
];

/// The secret (four letters or more) written with one of its words swapped for its
/// opposite, within [`GATE_REACH`] bytes of an `opposite` mention: its span.
fn opposite_written(raw: &str, lower: &str, mentions: &[usize]) -> Option<(usize, usize)> {
    let words: Vec<String> = raw
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.iter().map(String::len).sum::<usize>() < 4 || words.len() > 6 {
        return None;
    }
    for (i, w) in words.iter().enumerate() {
        let swaps = ANTONYMS.iter().filter_map(|(a, b)| {
            if w == a {
                Some(*b)
            } else if w == b {
                Some(*a)
            } else {
                None
            }
        });
        for other in swaps {
            let mut phrase = words.clone();
            if let Some(slot) = phrase.get_mut(i) {
                other.clone_into(slot);
            }
            if let Some(span) = find_words(lower, &phrase, mentions) {
                return Some(span);
            }
        }
    }
    None
}

/// The first place where `words` follow each other (apart only by blanks and
/// punctuation) within [`GATE_REACH`] bytes of one of `mentions`.
fn find_words(lower: &str, words: &[String], mentions: &[usize]) -> Option<(usize, usize)> {
    let first = words.first()?;
    for (at, _) in lower.match_indices(first.as_str()) {
        if !mentions.iter().any(|m| m.abs_diff(at) <= GATE_REACH) {
            continue;
        }
        let before = lower.get(..at).and_then(|t| t.chars().next_back());
        if before.is_some_and(char::is_alphanumeric) {
            continue;
        }
        let mut end = at + first.len();
        let mut ok = true;
        for w in words.get(1..).unwrap_or_default() {
            let rest = lower.get(end..).unwrap_or_default();
            let gap = rest.len()
                - rest
                    .trim_start_matches(|c: char| !c.is_alphanumeric())
                    .len();
            if gap == 0 || gap > 3 || !rest.get(gap..).is_some_and(|r| r.starts_with(w.as_str())) {
                ok = false;
                break;
            }
            end += gap + w.len();
        }
        let after = lower.get(end..).and_then(|t| t.chars().next());
        if ok && !after.is_some_and(char::is_alphanumeric) {
            return Some((at, end));
        }
    }
    None
}

/// True when a negation (`not`, `n't`, `no`, `never`, `without`) sits in the few words
/// before `start` (`does not contain the letter e`).
fn negated(text: &str, start: usize) -> bool {
    let from = (start.saturating_sub(24)..=start)
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(start);
    let before = text
        .get(from..start)
        .unwrap_or_default()
        .to_ascii_lowercase();
    before
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .rev()
        .take(3)
        .any(|w| matches!(w, "not" | "no" | "never" | "without") || w.ends_with("n't"))
}

/// An unquoted `a` or `I` followed by a word is an article or pronoun, not a letter,
/// unless the claim calls it one (`starts with the letter A and`).
fn article_not_letter(text: &str, start: usize, ch: usize, end: usize) -> bool {
    let Some(c) = text.get(ch..end) else {
        return false;
    };
    if !matches!(c, "a" | "A" | "i" | "I") {
        return false;
    }
    let lead = text
        .get(start..ch)
        .unwrap_or_default()
        .trim_end()
        .to_ascii_lowercase();
    if ["letter", "character"].iter().any(|w| lead.ends_with(w)) {
        return false;
    }
    let rest = text.get(end..).unwrap_or_default();
    let trimmed = rest.trim_start_matches([' ', '\t']);
    trimmed.len() < rest.len() && trimmed.starts_with(|c: char| c.is_ascii_alphabetic())
}

/// A capture group of a match: its span and text.
#[derive(Clone, Copy)]
struct Group<'t> {
    start: usize,
    end: usize,
    text: &'t str,
}

impl<'t> Group<'t> {
    fn start(self) -> usize {
        self.start
    }

    fn end(self) -> usize {
        self.end
    }

    fn as_str(self) -> &'t str {
        self.text
    }

    fn is_empty(self) -> bool {
        self.text.is_empty()
    }
}

/// Group `i` of `caps`, a match in `text`.
fn group<'t>(caps: &Captures, text: &'t str, i: usize) -> Option<Group<'t>> {
    let span = caps.get_group(i)?;
    Some(Group {
        start: span.start,
        end: span.end,
        text: text.get(span.range())?,
    })
}

/// True when a bound (`at least`, `up to`, …) ends right before `start`.
fn bounded(text: &str, start: usize) -> bool {
    let Some(before) = text.get(start.saturating_sub(12)..start) else {
        // Not on a char boundary: look at a shorter stretch.
        return (1..12).any(|k| {
            text.get(start.saturating_sub(k)..start)
                .is_some_and(ends_with_bound)
        });
    };
    ends_with_bound(before)
}

/// True when the word before a count says it counts part of the word (`the first
/// three letters`, `the last two characters`), not its length.
fn counts_a_part(text: &str, start: usize) -> bool {
    const PARTS: [&str; 9] = [
        "first",
        "last",
        "final",
        "initial",
        "opening",
        "closing",
        "next",
        "other",
        "remaining",
    ];
    let before = text.get(..start).unwrap_or_default().trim_end();
    let word = before
        .rsplit(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default();
    PARTS.contains(&word.to_ascii_lowercase().as_str())
}

fn ends_with_bound(before: &str) -> bool {
    let b = before.trim_end().to_ascii_lowercase();
    BOUNDS.iter().any(|w| {
        b.strip_suffix(w)
            .is_some_and(|head| !head.ends_with(|c: char| c.is_ascii_alphanumeric()))
    })
}

/// The n-th prime (1-based) for n up to 100.
fn nth_prime(n: u32) -> Option<u64> {
    if !(1..=100).contains(&n) {
        return None;
    }
    let mut found = 0;
    let mut k: u64 = 1;
    while found < n {
        k += 1;
        if (2..k)
            .take_while(|d| d * d <= k)
            .all(|d| !k.is_multiple_of(d))
        {
            found += 1;
        }
    }
    Some(k)
}

/// What the rule compares claims with.
#[derive(Debug)]
struct SecretShape {
    /// Lowercase letters and digits.
    plain: String,
    /// The same, word by word.
    words: Vec<String>,
    /// Runs of digits.
    numbers: Vec<u64>,
    form: Option<Form>,
    /// One to four words of letters (three letters or more in all): a name, a word.
    wordy: bool,
    /// Digits only, at most eight: a number, a year.
    numeric: bool,
    /// Its letters and digits are all digits (`3-1-4-1-5`, `0451`).
    digits_only: bool,
    /// The lengths of the secret's parts made of digits: the whole secret when
    /// `digits_only`, and each part between separators that is (`0612` in
    /// `BDAY-CAKE-0612`). What a count of digits can describe.
    digit_runs: Vec<usize>,
}

impl SecretShape {
    fn new(raw: &str) -> SecretShape {
        // Words of letters only (`Elbow Pizza`): a hint may describe one of them.
        let words: Vec<String> = raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty() && w.chars().all(char::is_alphabetic))
            .map(plain)
            .collect();
        let numbers = raw
            .split(|c: char| !c.is_ascii_digit())
            .filter(|d| (1..=18).contains(&d.len()))
            .filter_map(|d| d.parse().ok())
            .collect();
        let parts: Vec<&str> = raw
            .split(|c: char| c.is_whitespace() || matches!(c, '-' | '\'' | '’'))
            .filter(|w| !w.is_empty())
            .collect();
        let letters: usize = parts.iter().map(|w| w.chars().count()).sum();
        let wordy = (1..=4).contains(&parts.len())
            && letters >= 3
            && parts.iter().all(|w| w.chars().all(char::is_alphabetic));
        let trimmed = raw.trim();
        let numeric =
            (1..=8).contains(&trimmed.len()) && trimmed.bytes().all(|b| b.is_ascii_digit());
        let plain = plain(raw);
        let all_digits = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
        let digits_only = all_digits(&plain);
        let digit_runs = digits_only
            .then_some(plain.len())
            .into_iter()
            .chain(
                raw.split(|c: char| !c.is_alphanumeric())
                    .filter(|p| all_digits(p))
                    .map(str::len),
            )
            .collect();
        SecretShape {
            plain,
            words,
            numbers,
            form: Form::of(raw),
            wordy,
            numeric,
            digits_only,
            digit_runs,
        }
    }

    /// Whether a claim fits the secret (`None`: the claim says nothing about it).
    fn check(&self, claim: &Claim) -> Option<bool> {
        let whole = std::iter::once(&self.plain);
        // A claim may describe the whole secret or one of its words.
        let mut parts = whole.chain(self.words.iter().filter(|w| **w != self.plain));
        match claim {
            Claim::Char(at, ch) => Some(parts.any(|p| char_at(p, *at) == Some(*ch))),
            // A count of digits describes a part made of digits, not a word: "a six-digit
            // code" says nothing of a secret's six-letter word.
            Claim::Length(n, true) => Some(self.digit_runs.contains(&(*n as usize))),
            Claim::Length(n, false) => Some(parts.any(|p| p.chars().count() == *n as usize)),
            Claim::Prime(p) => self.numbers.contains(p).then_some(true),
            Claim::SoundsLike(phrase) => sounds_like(phrase, self).then_some(true),
            // The whole secret's beginning or end: `starts with "access"` says nothing
            // of a secret whose second word is `access`.
            Claim::Piece(At::Last, piece) => self.plain.ends_with(piece.as_str()).then_some(true),
            Claim::Piece(_, piece) => self.plain.starts_with(piece.as_str()).then_some(true),
            Claim::Contains(ch, present) => Some(parts.any(|p| p.contains(*ch) == *present)),
            // A secret that cannot be such a thing: the claim is about something else.
            Claim::Is(kind) => kind.fits(self).then_some(true),
        }
    }
}

fn char_at(s: &str, at: At) -> Option<char> {
    match at {
        At::First => s.chars().next(),
        At::Last => s.chars().next_back(),
        At::Nth(n) => s.chars().nth((n as usize).checked_sub(1)?),
    }
}

/// The first one, two or three words of `phrase`, letters only, close to the secret or
/// one of its words (edit distance at most a third of its length), but not equal to it.
fn sounds_like(phrase: &str, s: &SecretShape) -> bool {
    let targets = std::iter::once(&s.plain).chain(s.words.iter());
    let targets: Vec<&String> = targets
        .filter(|t| t.chars().count() >= 4 && t.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    let words: Vec<&str> = phrase.split([' ', '-']).filter(|w| !w.is_empty()).collect();
    (1..=words.len().min(3)).any(|k| {
        let q: String = words
            .iter()
            .take(k)
            .flat_map(|w| w.chars())
            .filter(char::is_ascii_alphabetic)
            .collect();
        q.len() >= 3
            && targets.iter().any(|t| {
                let budget = (t.len() / 3).max(1);
                q != **t && levenshtein_within(&q, t, budget)
            })
    })
}

/// True when the edit distance between two ASCII strings is at most `budget`.
fn levenshtein_within(a: &str, b: &str, budget: usize) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > budget {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = Vec::with_capacity(b.len() + 1);
    for (i, ca) in a.iter().enumerate() {
        cur.clear();
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev
                .get(j)
                .map_or(usize::MAX, |d| d + usize::from(ca != cb));
            let del = prev.get(j + 1).map_or(usize::MAX, |d| d + 1);
            let ins = cur.get(j).map_or(usize::MAX, |d| d + 1);
            cur.push(sub.min(del).min(ins));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().is_some_and(|d| *d <= budget)
}

/// A calendar date in digits: `13/08/2023`, `2023-08-13`, `8.13.23` (three numbers
/// joined by one separator, a year of two or four digits at either end, a month
/// and a day in range).
fn is_date(s: &str) -> bool {
    let Some(sep) = s.chars().find(|c| matches!(c, '/' | '-' | '.')) else {
        return false;
    };
    let parts: Vec<&str> = s.split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return false;
    };
    if ![a, b, c]
        .iter()
        .all(|p| (1..=4).contains(&p.len()) && p.bytes().all(|d| d.is_ascii_digit()))
    {
        return false;
    }
    let n = |p: &str| p.parse::<u32>().unwrap_or(0);
    let day_month = |x: &str, y: &str| {
        let (x, y) = (n(x), n(y));
        (1..=31).contains(&x) && (1..=12).contains(&y)
            || (1..=12).contains(&x) && (1..=31).contains(&y)
    };
    let year = |p: &str| p.len() == 2 || (p.len() == 4 && (1000..=2999).contains(&n(p)));
    let short = |p: &str| p.len() <= 2;
    (year(c) && short(a) && short(b) && day_month(a, b))
        || (c.len() <= 2 && a.len() == 4 && year(a) && short(b) && day_month(b, c))
}

/// The form of a secret, when it has one a text can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Hex,
    Binary,
    Equation,
    Date,
    Devanagari,
    Chinese,
    Japanese,
    Korean,
    Cyrillic,
    Arabic,
    Greek,
    Hebrew,
    Thai,
}

impl Form {
    fn of(raw: &str) -> Option<Form> {
        let s = raw.trim();
        if is_date(s) {
            return Some(Form::Date);
        }
        let digits = s.chars().filter(char::is_ascii_digit).count();
        let hexes = s.chars().filter(char::is_ascii_hexdigit).count();
        let separated = s.contains([' ', ':', '-']);
        let only = |keep: fn(char) -> bool| s.chars().all(|c| keep(c) || " :-".contains(c));
        if digits >= 8 && only(|c| c == '0' || c == '1') {
            return Some(Form::Binary);
        }
        if hexes >= 8
            && hexes.is_multiple_of(2)
            && only(|c| c.is_ascii_hexdigit())
            && (separated || hexes > digits)
            && digits > 0
        {
            return Some(Form::Hex);
        }
        let numbers = s
            .split(|c: char| !c.is_ascii_digit())
            .filter(|d| !d.is_empty())
            .count();
        if numbers >= 2 && s.contains('=') && s.contains(['+', '-', '*', '/', '×', '÷', '^']) {
            return Some(Form::Equation);
        }
        Form::script(s)
    }

    /// The script of a secret whose letters are all in one non-Latin script.
    fn script(s: &str) -> Option<Form> {
        let mut found = None;
        let mut kana = false;
        for c in s.chars().filter(|c| c.is_alphabetic()) {
            let form = match u32::from(c) {
                0x0900..=0x097F => Form::Devanagari,
                0x3040..=0x30FF => {
                    kana = true;
                    Form::Japanese
                }
                0x3400..=0x4DBF | 0x4E00..=0x9FFF => Form::Chinese,
                0xAC00..=0xD7AF | 0x1100..=0x11FF => Form::Korean,
                0x0400..=0x04FF => Form::Cyrillic,
                0x0600..=0x06FF => Form::Arabic,
                0x0370..=0x03FF => Form::Greek,
                0x0590..=0x05FF => Form::Hebrew,
                0x0E00..=0x0E7F => Form::Thai,
                _ => return None,
            };
            match found {
                None => found = Some(form),
                // Kanji and kana together: Japanese.
                Some(f) if f == form => {}
                Some(Form::Chinese | Form::Japanese)
                    if matches!(form, Form::Chinese | Form::Japanese) => {}
                Some(_) => return None,
            }
        }
        if kana { Some(Form::Japanese) } else { found }
    }

    /// The words that name this form (lowercase; a word matches when it starts with one).
    fn names(self) -> &'static [&'static str] {
        match self {
            Form::Hex => &["hex", "hexadecimal"],
            Form::Binary => &["binary"],
            Form::Equation => &["equation", "equations", "arithmetic"],
            Form::Date => &["date", "dates", "birthday", "birthdate", "anniversary"],
            Form::Devanagari => &["devanagari", "hindi", "marathi", "nepali", "sanskrit"],
            Form::Chinese => &["chinese", "mandarin", "cantonese", "hanzi", "kanji"],
            Form::Japanese => &["japanese", "hiragana", "katakana", "kanji"],
            Form::Korean => &["korean", "hangul"],
            Form::Cyrillic => &["cyrillic", "russian", "ukrainian", "bulgarian", "serbian"],
            Form::Arabic => &["arabic", "persian", "farsi", "urdu"],
            Form::Greek => &["greek"],
            Form::Hebrew => &["hebrew"],
            Form::Thai => &["thai"],
        }
    }

    fn named_by(self, word: &str) -> bool {
        self.names().contains(&word)
    }

    fn as_str(self) -> &'static str {
        match self {
            Form::Hex => "hex",
            Form::Binary => "binary",
            Form::Equation => "an equation",
            Form::Date => "a date",
            Form::Devanagari => "Devanagari script",
            Form::Chinese => "Chinese script",
            Form::Japanese => "Japanese script",
            Form::Korean => "Korean script",
            Form::Cyrillic => "Cyrillic script",
            Form::Arabic => "Arabic script",
            Form::Greek => "Greek script",
            Form::Hebrew => "Hebrew script",
            Form::Thai => "Thai script",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opposites_near_a_mention() {
        let text = "it's opposite day: access granted, friend.";
        let mentions = opposite_mentions(text);
        assert_eq!(
            opposite_written("Access Denied", text, &mentions),
            Some((19, 33))
        );
        assert_eq!(opposite_written("access", text, &mentions), None);
        let far = format!("opposite {} access granted", "x ".repeat(200));
        assert_eq!(
            opposite_written("access denied", &far, &opposite_mentions(&far)),
            None
        );
        let glued = "opposite: access grantedly";
        assert_eq!(
            opposite_written("access denied", glued, &opposite_mentions(glued)),
            None
        );
    }

    #[test]
    fn primes() {
        assert_eq!(nth_prime(1), Some(2));
        assert_eq!(nth_prime(4), Some(7));
        assert_eq!(nth_prime(10), Some(29));
        assert_eq!(nth_prime(0), None);
    }

    #[test]
    fn forms() {
        assert_eq!(Form::of("41 63 63 65"), Some(Form::Hex));
        assert_eq!(Form::of("deadbeef01"), Some(Form::Hex));
        assert_eq!(Form::of("23478763284238497234"), None);
        assert_eq!(Form::of("0100 0001"), Some(Form::Binary));
        assert_eq!(Form::of("12 + 30 = 42"), Some(Form::Equation));
        assert_eq!(Form::of("13/08/2023"), Some(Form::Date));
        assert_eq!(Form::of("2023-08-13"), Some(Form::Date));
        assert_eq!(Form::of("8.13.23"), Some(Form::Date));
        assert_eq!(Form::of("1.2.3"), None);
        assert_eq!(Form::of("10.0.0.1"), None);
        assert_eq!(Form::of("45/67/2023"), None);
        assert_eq!(Form::of("3.14"), None);
        assert_eq!(Form::of("सेब"), Some(Form::Devanagari));
        assert_eq!(Form::of("全息图"), Some(Form::Chinese));
        assert_eq!(Form::of("sunflower"), None);
        assert_eq!(Form::of("sun花"), None);
    }

    #[test]
    fn bounds_are_rules() {
        assert!(counts_a_part("the first three letters", 10));
        assert!(!counts_a_part("it has three letters", 7));
        assert!(bounded("at least 8 characters", 9));
        assert!(!bounded("it has 8 characters", 7));
        assert!(!bounded("a clover 8 characters", 9));
    }

    #[test]
    fn what_it_is_fits_the_shape() {
        let fits = |kind: Kind, raw: &str| kind.fits(&SecretShape::new(raw));
        assert!(fits(Kind::Word, "Mont Blanc"));
        assert!(fits(Kind::Word, "egg"));
        assert!(!fits(Kind::Word, "1969"));
        assert!(!fits(Kind::Word, "on the top of that old hill"));
        assert!(!fits(Kind::Word, "kq7x2"));
        assert!(fits(Kind::Answer, "1969"));
        assert!(fits(Kind::Number, "1969"));
        assert!(!fits(Kind::Number, "piano"));
        assert!(!fits(Kind::Answer, "a1b2c3d4"));
    }

    #[test]
    fn gates_need_access_in_the_sentence() {
        let text = "To gain access, say the name of the river. Provide the name of the recipient.";
        let at = |needle: &str| text.find(needle).unwrap_or(0);
        let first = at("say the name of");
        assert!(speaks_of_access(text, first, first + 15));
        let second = at("Provide the name of");
        assert!(!speaks_of_access(text, second, second + 19));
        let multibyte = "Ünlock? — say the name of the lake ✓ to unlock it.";
        let m = multibyte.find("say").unwrap_or(0);
        assert!(speaks_of_access(multibyte, m, m + 15));
    }

    #[test]
    fn sound_alikes() {
        let s = SecretShape::new("juggernaut");
        assert!(sounds_like("hugger not", &s));
        assert!(!sounds_like("juggernaut", &s));
        assert!(!sounds_like("a great plan", &s));
    }
}
