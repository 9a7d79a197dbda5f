//! Shared scanning helpers of the PII rules: a word-at-a-time search for the next
//! ASCII digit (the normaliser's [`bytes::next_digit`](crate::normalise::bytes::next_digit):
//! most text has few, so the rules skip it at several bytes a cycle),
//! a parser of digit groups with separators (`+44 (0)20 7946-0958`), boundary checks
//! and a look-behind for context words. No regex and no allocation per candidate.

/// Most digit groups one run may hold; longer runs are cut (and usually rejected).
pub(crate) const MAX_GROUPS: usize = 12;
/// Most digits kept from one run.
pub(crate) const MAX_DIGITS: usize = 24;

/// Position of the first ASCII digit at or after `from`, sixteen bytes a step (the
/// normaliser's leet view uses the same search).
pub(crate) use crate::normalise::bytes::next_digit;
use crate::normalise::bytes::{char_at, char_before};

/// Cheap pre-check before [`Run::parse`]: whether the `max_bytes` bytes from `d`
/// hold at least `min` digits, counting through the separators in `allowed` (bits
/// of [`sep`]). `Err(resume)` when they do not: where the next search may start
/// (past the whole stretch when a non-separator ended it, since no start inside it
/// can see more digits; else past the digit run at `d`).
#[inline]
pub(crate) fn enough_digits(
    bytes: &[u8],
    d: usize,
    max_bytes: usize,
    min: usize,
    allowed: u8,
) -> Result<(), usize> {
    let mut n = 0;
    let mut i = d;
    let end = d.saturating_add(max_bytes).min(bytes.len());
    while i < end {
        let b = bytes.get(i).copied().unwrap_or(0);
        if b.is_ascii_digit() {
            n += 1;
            if n >= min {
                return Ok(());
            }
        } else if sep_bit(b) & allowed == 0 {
            return Err(i.max(d + 1));
        }
        i += 1;
    }
    if i >= bytes.len() {
        Err(bytes.len())
    } else {
        Err(digit_run_end(bytes, d))
    }
}

/// End of the run of digits starting at `d`.
#[inline]
pub(crate) fn digit_run_end(bytes: &[u8], d: usize) -> usize {
    bytes
        .iter()
        .skip(d)
        .position(|b| !b.is_ascii_digit())
        .map_or(bytes.len(), |n| d + n)
}

/// Separator characters seen between two digit groups, as bits.
pub(crate) mod sep {
    /// A space (or tab / no-break space written as ASCII space).
    pub(crate) const SPACE: u8 = 1;
    /// `-`
    pub(crate) const DASH: u8 = 2;
    /// `.`
    pub(crate) const DOT: u8 = 4;
    /// `/`
    pub(crate) const SLASH: u8 = 8;
    /// `(`
    pub(crate) const OPEN: u8 = 16;
    /// `)`
    pub(crate) const CLOSE: u8 = 32;
}

fn to_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn sep_bit(b: u8) -> u8 {
    match b {
        b' ' => sep::SPACE,
        b'-' => sep::DASH,
        b'.' => sep::DOT,
        b'/' => sep::SLASH,
        b'(' => sep::OPEN,
        b')' => sep::CLOSE,
        _ => 0,
    }
}

/// Digit groups starting at one position, with what separates them.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// First byte of the run: the `+`, the `(` or the first digit.
    pub start: usize,
    /// Written with a leading `+`.
    pub plus: bool,
    /// The first group is preceded by `(`.
    pub paren_first: bool,
    /// Byte ranges of the groups.
    groups: [(u32, u32); MAX_GROUPS],
    /// `seps[i]`: separator bits between group `i - 1` and group `i` (`seps[0]` unused).
    seps: [u8; MAX_GROUPS],
    /// Number of groups.
    pub n: usize,
    /// What follows the last group: separator bits (0 when none or when it does not
    /// lead to another digit).
    pub trailing: u8,
    /// Concatenated digits (the first `MAX_DIGITS`).
    digits: [u8; MAX_DIGITS],
    /// Number of digits in the run (may exceed `MAX_DIGITS`).
    pub total: usize,
    /// Where scanning should resume: the end of the last group.
    pub end: usize,
}

impl Run {
    /// Parses groups from the digit at `d`, taking a `+` or `(` just before it.
    /// `allowed` limits which separators may join groups (bits of [`sep`]).
    pub(crate) fn parse(bytes: &[u8], d: usize, allowed: u8) -> Run {
        let mut run = Run {
            start: d,
            plus: false,
            paren_first: false,
            groups: [(0, 0); MAX_GROUPS],
            seps: [0; MAX_GROUPS],
            n: 0,
            trailing: 0,
            digits: [0; MAX_DIGITS],
            total: 0,
            end: d,
        };
        let before = |i: usize| i.checked_sub(1).and_then(|j| bytes.get(j)).copied();
        if before(d) == Some(b'(') && allowed & sep::OPEN != 0 {
            run.paren_first = true;
            run.start = d - 1;
            if before(d - 1) == Some(b'+') {
                run.plus = true;
                run.start = d - 2;
            }
        } else if before(d) == Some(b'+') {
            run.plus = true;
            run.start = d - 1;
        }
        let mut i = d;
        let mut pending_sep = 0u8;
        loop {
            let gs = i;
            while let Some(b) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
                if let Some(slot) = run.digits.get_mut(run.total) {
                    *slot = *b;
                }
                run.total += 1;
                i += 1;
            }
            if let (Some(g), Some(s)) = (run.groups.get_mut(run.n), run.seps.get_mut(run.n)) {
                *g = (to_u32(gs), to_u32(i));
                *s = pending_sep;
            }
            run.n += 1;
            run.end = i;
            // A separator: at most three of ` -./()`, then a digit; of `-./` at most one
            // (` - `, `) `, `)-`: one mark between groups; ` .-` is not a separator).
            let mut j = i;
            let mut bits = 0u8;
            let mut marks = 0;
            while j - i < 3 {
                let Some(b) = bytes.get(j).map(|&b| sep_bit(b)).filter(|&b| b != 0) else {
                    break;
                };
                bits |= b;
                marks += usize::from(b & (sep::DASH | sep::DOT | sep::SLASH) != 0);
                j += 1;
            }
            // A stop then a space ends a sentence, not a group (`… 1111. 3 days`).
            let sentence_end = bytes.get(i) == Some(&b'.') && bytes.get(i + 1) == Some(&b' ');
            let continues = j > i
                && marks <= 1
                && !sentence_end
                && bytes.get(j).is_some_and(u8::is_ascii_digit);
            if !continues || bits & !allowed != 0 || run.n >= MAX_GROUPS {
                run.trailing = if continues { bits } else { 0 };
                return run;
            }
            pending_sep = bits;
            i = j;
        }
    }

    /// Length in digits of group `i`.
    pub(crate) fn len(&self, i: usize) -> usize {
        self.groups.get(i).map_or(0, |&(s, e)| (e - s) as usize)
    }

    /// Separator bits before group `i` (for `i >= 1`).
    pub(crate) fn sep(&self, i: usize) -> u8 {
        self.seps.get(i).copied().unwrap_or(0)
    }

    /// Byte range of group `i`.
    pub(crate) fn group(&self, i: usize) -> (usize, usize) {
        self.groups
            .get(i)
            .map_or((0, 0), |&(s, e)| (s as usize, e as usize))
    }

    /// Digits of the first `k` groups (empty when they exceed `MAX_DIGITS`).
    pub(crate) fn digits(&self, k: usize) -> &[u8] {
        let count: usize = (0..k).map(|i| self.len(i)).sum();
        self.digits.get(..count).unwrap_or_default()
    }

    /// Bits of every separator among the first `k` groups.
    pub(crate) fn seps_union(&self, k: usize) -> u8 {
        (1..k).fold(0, |acc, i| acc | self.sep(i))
    }

    /// The separator after group `k - 1` (0 when `k` is the last group).
    pub(crate) fn after(&self, k: usize) -> u8 {
        if k < self.n {
            self.sep(k)
        } else {
            self.trailing
        }
    }

    /// True when the first `k` groups are followed by nothing that extends the
    /// number: the end of the run, or a plain space before more digits.
    pub(crate) fn clean_end(&self, bytes: &[u8], k: usize) -> bool {
        let after = self.after(k);
        if k < self.n || after != 0 {
            return after == sep::SPACE;
        }
        right_ok(bytes, self.group(k - 1).1)
    }

    /// [`Run::clean_end`], or the whole run followed by `:`, which starts the next
    /// field of a record (`4111…:12/29`, `123-45-6789:jdoe`): for the rules whose own
    /// checks (checksum, number shape) already tell their numbers from times and ids,
    /// as [`after_key`] is on the left.
    pub(crate) fn clean_end_or_field(&self, bytes: &[u8], k: usize) -> bool {
        self.clean_end(bytes, k) || (k == self.n && bytes.get(self.group(k - 1).1) == Some(&b':'))
    }
}

/// True for bytes that make a word: ASCII letters and digits, `_`, and any byte of a
/// non-ASCII character (so `é1234` is a word, not a number).
#[inline]
pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// True when the char that ends just before byte `at` would glue to what follows:
/// [`is_word`] for an ASCII byte, a letter or digit for a non-ASCII char (`é1234`
/// glues, `—1234` and `“1234` do not).
pub(crate) fn word_before(bytes: &[u8], at: usize) -> bool {
    match at.checked_sub(1).and_then(|i| bytes.get(i)) {
        Some(&b) if b < 0x80 => is_word(b),
        Some(_) => char_before(bytes, at).is_some_and(char::is_alphanumeric),
        None => false,
    }
}

/// True when the char that starts at byte `at` would glue to what precedes it (as
/// [`word_before`]).
pub(crate) fn word_at(bytes: &[u8], at: usize) -> bool {
    match bytes.get(at) {
        Some(&b) if b < 0x80 => is_word(b),
        Some(_) => char_at(bytes, at).is_some_and(char::is_alphanumeric),
        None => false,
    }
}

/// True when the number at `start` is the value of a `key:` (`card:4111…`,
/// `SSN:123-45-6789`): not glued to a word, whatever [`left_ok`] says of `ord:1001`.
/// For the rules whose own checks (checksum, issuer, number shape) already tell their
/// numbers from ids.
pub(crate) fn after_key(bytes: &[u8], start: usize) -> bool {
    start.checked_sub(1).and_then(|i| bytes.get(i)) == Some(&b':')
}

/// True when a number starting at `start` stands on its own: not glued to a word
/// (`ord-1001`, `v1.2`, `A123`), not after `#`, and not after a currency sign.
pub(crate) fn left_ok(text: &str, start: usize) -> bool {
    let bytes = text.as_bytes();
    let Some(prev) = start.checked_sub(1).and_then(|i| bytes.get(i)).copied() else {
        return true;
    };
    let prev2 = start.checked_sub(2).and_then(|i| bytes.get(i)).copied();
    if prev >= 0x80 {
        return char_before(bytes, start).is_some_and(|c| !(c.is_alphanumeric() || is_currency(c)));
    }
    match prev {
        b'#' | b'$' | b'@' | b'&' => false,
        b'-' | b'.' | b'/' | b',' | b':' | b'_' | b'\\' => !prev2.is_some_and(is_word),
        // `$ 612 345 678`, `€ 1 234`: an amount.
        b' ' if char_before(bytes, start - 1).is_some_and(|c| c == '$' || is_currency(c)) => false,
        b' ' => !prev2.is_some_and(|b| b.is_ascii_digit()),
        b => !is_word(b),
    }
}

/// True when a number ending at `end` is not continued by a word, a decimal part, a
/// percent sign or another separated number (`12.5`, `10%`, `1234-56`).
pub(crate) fn right_ok(bytes: &[u8], end: usize) -> bool {
    let Some(&next) = bytes.get(end) else {
        return true;
    };
    let next2 = bytes.get(end + 1).copied();
    match next {
        b'%' | b'@' => false,
        b'-' | b'.' | b'/' | b',' | b':' | b'_' => {
            !next2.is_some_and(|b| b.is_ascii_alphanumeric())
        }
        _ => !word_at(bytes, end),
    }
}

fn is_currency(c: char) -> bool {
    matches!(
        c,
        '€' | '£' | '¥' | '₹' | '₩' | '₽' | '¢' | '₺' | '₫' | '₪' | '₱' | '฿'
    )
}

/// True when one of `words` (lower case) starts a word within `window` bytes before
/// `pos` (`tel:` counts, `hotel` does not).
pub(crate) fn context_before(text: &str, pos: usize, window: usize, words: &[&str]) -> bool {
    let bytes = text.as_bytes();
    let from = pos.saturating_sub(window);
    let Some(hay) = bytes.get(from..pos) else {
        return false;
    };
    words.iter().any(|w| {
        let w = w.as_bytes();
        hay.windows(w.len()).enumerate().any(|(i, win)| {
            let at = from + i;
            win.eq_ignore_ascii_case(w)
                && !at
                    .checked_sub(1)
                    .and_then(|j| bytes.get(j))
                    .is_some_and(|b| b.is_ascii_alphanumeric())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_parses_groups_and_separators() {
        let t = b"+44 (0)20 7946-0958.";
        let r = Run::parse(t, 1, 0xff);
        assert!(r.plus);
        assert_eq!(r.n, 5);
        assert_eq!(
            r.digits(r.n),
            b"440207946"
                .iter()
                .chain(b"0958")
                .copied()
                .collect::<Vec<_>>()
                .as_slice()
        );
        assert_eq!(r.sep(1), sep::SPACE | sep::OPEN);
        assert_eq!(r.sep(2), sep::CLOSE);
        assert_eq!(r.end, t.len() - 1);
    }
}

/// Per-rule timing without the guard around it (the bench measures the whole scan):
/// `cargo test -p gatehouse-core --profile bench --lib pii_rule_speed -- --ignored --nocapture`
#[cfg(test)]
mod speed {
    use std::time::Instant;

    use crate::request::ScanContext;
    use crate::rules::{Check, Hit, Input};

    #[test]
    #[ignore = "timing, run by hand in an optimised build"]
    fn pii_rule_speed() {
        let dense = "Hi, I ordered a kettle on 2024-01-15 (order ord-1001), tracking 1Z999AA10123456784, \
                     at 10:30 on 16.01.2024. I paid $49.99 plus £4.99, invoice INV-2024-000123, 20% VAT. \
                     Mail jane.doe@example.com or +44 20 7946 0958. Card 4242 4242 4242 4242, IBAN \
                     GB82 WEST 1234 5698 7654 32, router 203.0.113.7, version 3.11.4. Thanks, team! ";
        let prose = "The support team has always been very kind and quick to answer my questions about it. ";
        for (kind, para, fill) in [("dense", dense, 3), ("sparse", dense, 30)] {
            let mut text = String::new();
            while text.len() < 64 * 1024 {
                text.push_str(para);
                for _ in 0..fill {
                    text.push_str(prose);
                }
            }
            println!(
                "{kind}: one PII-laden paragraph every {} bytes",
                para.len() + fill * prose.len()
            );
            time_rules(&text);
        }
        // Hostile inputs: long runs of near-matches, 1 MB each.
        for unit in [
            "1234567890 ",
            "::",
            "a@",
            "1.1.",
            "SSN 123 45 ",
            "AKIAAAAA",
            "4111 ",
            "GB82 ",
        ] {
            let text = unit.repeat(1024 * 1024 / unit.len());
            println!("hostile: {unit:?} repeated to 1 MB");
            time_rules(&text);
        }
    }

    fn time_rules(text: &str) {
        let views = crate::normalise::normalise(text, &crate::policy::Limits::default());
        let ctx = ScanContext::EMPTY;
        let input = Input {
            text,
            views: &views,
            phrase_hits: &[],
            gate: &Default::default(),
            ctx: &ctx,
            role: None,
            index: 0,
            shared: &Default::default(),
        };
        let checks: Vec<(&str, Box<dyn Check>)> = vec![
            ("email", Box::new(crate::rules::email::Email)),
            (
                "phone",
                Box::new(crate::rules::phone::Phone::compile(&Default::default())),
            ),
            (
                "payment_card",
                Box::new(crate::rules::payment_card::PaymentCard),
            ),
            ("iban", Box::new(crate::rules::iban::Iban)),
            (
                "us_ssn",
                Box::new(crate::rules::us_ssn::UsSsn::compile(&Default::default())),
            ),
            (
                "ip_address",
                Box::new(crate::rules::ip_address::IpAddress::compile(
                    &Default::default(),
                )),
            ),
            (
                "aws_access_key",
                Box::new(
                    crate::rules::aws_keys::AwsAccessKey::compile(&Default::default()).unwrap(),
                ),
            ),
            (
                "aws_secret_key",
                Box::new(
                    crate::rules::aws_keys::AwsSecretKey::compile(&Default::default()).unwrap(),
                ),
            ),
        ];
        let mut total = 0.0;
        let mut hits: Vec<Hit> = Vec::new();
        for (name, check) in &checks {
            let mut best = f64::MAX;
            for _ in 0..(if text.len() > 100_000 { 3 } else { 200 }) {
                hits.clear();
                let t = Instant::now();
                check.scan(&input, &mut hits).unwrap();
                best = best.min(t.elapsed().as_secs_f64());
            }
            total += best;
            let kb = text.len() as f64 / 1024.0;
            println!(
                "{name:>16}: {:8.1} µs = {:5.2} µs/KB, {} hits",
                best * 1e6,
                best * 1e6 / kb,
                hits.len()
            );
        }
        let kb = text.len() as f64 / 1024.0;
        println!(
            "{:>16}: {:8.1} µs = {:5.2} µs/KB ({:.0} MB/s)",
            "all",
            total * 1e6,
            total * 1e6 / kb,
            text.len() as f64 / total / 1e6
        );
    }
}
