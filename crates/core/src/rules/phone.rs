//! `phone`: telephone numbers, international (E.164 `+` or `00` prefix) and the
//! common national formats: US/NANP (`(212) 555-0123`, `212-555-0123`), and trunk-0
//! numbers as written in the UK, Germany, France, Italy, Japan, India and elsewhere
//! (`020 7946 0958`, `030/1234567`, `01 23 45 67 89`, `03-1234-5678`), Spanish,
//! Italian and Indian mobiles (`612 345 678`, `333 1234567`, `98765 43210`).
//!
//! Numbers are recognised by their grouping, not by digit count alone, so dates
//! (`2024-01-15`, `15.01.2024`), times, amounts (`$1 234 567`, `1,234.50`), version
//! strings and identifiers glued to words (`ord-1001`) do not match. A bare run of
//! 10–11 digits counts only after a context word such as "phone" or "call".

use serde::{Deserialize, Serialize};

use super::digits::{self, Run, sep};
use super::iban;
use super::{Check, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;

/// Configuration of a `phone` rule.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Also report bare digit runs (no separators) after a context word. Default true.
    #[serde(default = "yes")]
    pub bare_with_context: bool,
}

fn yes() -> bool {
    true
}

/// Words that make a bare digit run a phone number.
const CONTEXT: &[&str] = &[
    "phone",
    "tel",
    "call",
    "mobile",
    "cell",
    "fax",
    "whatsapp",
    "sms",
    "text me",
    "contact",
    "número",
    "telefono",
    "teléfono",
    "téléphone",
    "telefon",
    "handy",
    "portable",
    "電話",
];

/// A compiled `phone` rule.
#[derive(Debug)]
pub(crate) struct Phone {
    bare_with_context: bool,
}

impl Phone {
    pub(crate) fn compile(config: &Config) -> Phone {
        Phone {
            bare_with_context: config.bare_with_context,
        }
    }
}

impl Check for Phone {
    fn category(&self) -> Category {
        Category::Pii
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn label(&self) -> &str {
        "PHONE"
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        find(input.text, self.bare_with_context, |s, e, why| {
            hits.push(Hit::new(s, e, why))
        });
        Ok(())
    }
}

/// Calls `found(start, end, reason)` for every phone number in `text`.
pub(crate) fn find(
    text: &str,
    bare_with_context: bool,
    mut found: impl FnMut(usize, usize, &'static str),
) {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(d) = digits::next_digit(bytes, from) {
        // Nine digits at least (eight after a `+`) within the next 24 bytes.
        let plus = d > 0 && matches!(bytes.get(d - 1), Some(b'+' | b'('));
        if let Err(resume) = digits::enough_digits(bytes, d, 24, if plus { 8 } else { 9 }, 0xff) {
            from = resume;
            continue;
        }
        let run = Run::parse(bytes, d, 0xff);
        from = run.end.max(d + 1);
        let tel_uri = run.start >= 4
            && bytes
                .get(run.start - 4..run.start)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"tel:"));
        if !(tel_uri || digits::left_ok(text, run.start)) {
            continue;
        }
        let found_at = (1..=run.n).rev().find_map(|k| {
            let why = classify(&run, k, text, bare_with_context)?;
            run.clean_end(bytes, k).then_some((k, why))
        });
        if let Some((k, why)) = found_at
            && !iban::in_iban_shape(bytes, run.start)
        {
            found(run.start, run.group(k - 1).1, why);
        }
    }
}

/// Which format the first `k` groups of `run` are, if any.
fn classify(run: &Run, k: usize, text: &str, bare_with_context: bool) -> Option<&'static str> {
    let d = run.digits(k);
    let t = d.len();
    if t == 0 {
        return None;
    }
    let seps = run.seps_union(k);
    let mut lens_buf = [0usize; digits::MAX_GROUPS];
    for (i, l) in lens_buf.iter_mut().enumerate().take(k) {
        *l = run.len(i);
    }
    let lens = lens_buf.get(..k)?;
    let first = *d.first()?;
    let at = |i: usize| d.get(i).copied().unwrap_or(b'0');
    let same_after = |from: usize| -> Option<u8> {
        let s = run.sep(from);
        ((from..k).all(|i| run.sep(i) == s)).then_some(s)
    };

    if lens == [3, 2, 4] && seps == sep::DASH {
        return None; // the shape of a US SSN, left to that rule
    }
    if run.plus {
        // E.164: up to 15 digits, country code not starting with 0.
        return ((8..=15).contains(&t) && first != b'0' && seps & sep::SLASH == 0)
            .then_some("international phone number");
    }
    if k >= 2 && first == b'0' && at(1) == b'0' && at(2) != b'0' {
        // `00` international call prefix.
        return ((11..=17).contains(&t) && seps & !(sep::SPACE | sep::DASH) == 0)
            .then_some("international phone number");
    }
    if k == 1 {
        let bare = bare_with_context
            && !run.paren_first
            && ((t == 10 && (nanp(d) || first == b'0' || (b'6'..=b'9').contains(&first)))
                || (t == 11 && (first == b'0' || (first == b'1' && nanp(d.get(1..)?)))))
            && digits::context_before(text, run.start, 32, CONTEXT);
        return bare.then_some("phone number after a context word");
    }
    // NANP: (NXX) NXX-XXXX, NXX-NXX-XXXX, 1-NXX-NXX-XXXX … After a context word
    // ("Phone: (123) 456-7891") the area and exchange rules are waived.
    let nanp_groups = |off: usize| -> bool {
        lens.get(off..) == Some(&[3, 3, 4][..])
            // `off` is 0 or 1 and a leading group is one digit, so it is also a digit offset.
            && (nanp(d.get(off..).unwrap_or_default())
                || digits::context_before(text, run.start, 32, CONTEXT))
            && {
                let s1 = run.sep(off + 1);
                let s2 = run.sep(off + 2);
                let paren = if off == 0 { run.paren_first } else { run.sep(off) & sep::OPEN != 0 };
                (paren && s1 & sep::CLOSE != 0 && s1 & !(sep::CLOSE | sep::SPACE) == 0 && s2 == sep::DASH)
                    || (!paren && s1 == s2 && matches!(s1, sep::DASH | sep::DOT | sep::SPACE))
            }
    };
    if !run.paren_first && k == 4 && first == b'1' && lens.first() == Some(&1) && nanp_groups(1) {
        return Some("NANP phone number");
    }
    if k == 3 && nanp_groups(0) {
        return Some("NANP phone number");
    }
    if seps & sep::OPEN != 0 && !(run.paren_first && run.sep(1) & sep::CLOSE != 0) {
        return None; // a parenthesis anywhere but around the area code
    }
    // Trunk-0 national numbers (UK, DE, FR, IT, JP, IN, …).
    if first == b'0' && at(1) != b'0' && (9..=12).contains(&t) {
        let groups_ok = lens.iter().all(|&l| l >= 2) && (2..=5).contains(lens.first()?);
        let seps_ok = if run.paren_first {
            run.sep(1) & sep::CLOSE != 0
                && run.sep(1) & !(sep::CLOSE | sep::SPACE) == 0
                && (2..k).all(|i| matches!(run.sep(i), sep::SPACE | sep::DASH))
        } else if run.sep(1) == sep::SLASH {
            (2..k).all(|i| matches!(run.sep(i), sep::SPACE | sep::DASH))
        } else {
            match same_after(1) {
                Some(sep::SPACE | sep::DASH) => true,
                // Dots only in the French pairs style, so dates never match.
                Some(sep::DOT) => t == 10 && lens.iter().all(|&l| l == 2),
                _ => false,
            }
        };
        if groups_ok && seps_ok && !looks_like_date(lens, d) {
            return Some("national phone number");
        }
        return None;
    }
    // Mobiles without a trunk prefix: ES (9 digits), IT (3 + 7), IN (5 + 5).
    if (b'6'..=b'9').contains(&first) || first == b'3' {
        let s = same_after(1)?;
        if !matches!(s, sep::SPACE | sep::DASH | sep::DOT) || run.paren_first {
            return None;
        }
        let zeros = d.iter().skip(1).filter(|&&b| b == b'0').count();
        let shape = matches!(
            (first, t, lens),
            (b'6'..=b'9', 9, [3, 3, 3] | [3, 2, 2, 2] | [2, 3, 2, 2])
                | (b'6'..=b'9', 10, [5, 5])
                | (b'3', 10, [3, 7])
        );
        // `650 000 000` is an amount, not a number anyone dials.
        return (shape && zeros * 2 <= t).then_some("mobile phone number");
    }
    None
}

/// NANP rule on ten digits: area code and exchange start with 2–9.
fn nanp(d: &[u8]) -> bool {
    d.len() >= 10
        && d.first().is_some_and(|b| (b'2'..=b'9').contains(b))
        && d.get(3).is_some_and(|b| (b'2'..=b'9').contains(b))
}

/// Day-month-year or year-month-day groups (`01 02 2024 10`).
fn looks_like_date(lens: &[usize], d: &[u8]) -> bool {
    let year_at = |off: usize| {
        d.get(off..off + 2)
            .is_some_and(|p| p == b"19" || p == b"20")
    };
    match lens {
        [a, b, 4, ..] if *a <= 2 && *b <= 2 => year_at(a + b),
        [4, b, c, ..] if *b <= 2 && *c <= 2 => year_at(0),
        _ => false,
    }
}
