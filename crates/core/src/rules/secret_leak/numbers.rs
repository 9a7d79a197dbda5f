//! Other writings of a secret that is a number or a date: Roman numerals (`MCMLXXXV`),
//! a sum or product that comes to it (`7000 + 625`, `6 times 7`, `add 1554 and 121`),
//! and a date in another order or with its month named (`August 13th, 2023`,
//! `2023-08-13` for `13/08/2023`). Part of `secret_leak`'s indirect mode.

use super::{Secret, TextIndex, Token};
use crate::rules::Hit;

/// Numbers below this are too common to count as a sum that comes to the secret.
const MIN_SUM: u64 = 100;

/// The secret as a number: its digits, when it has nothing else (`346697`, not `7-11`).
fn as_number(s: &Secret<'_>) -> Option<u64> {
    let raw = s.raw;
    if raw.is_empty() || raw.len() > 18 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

/// The value of a Roman numeral in canonical form (`XXIX`, not `XXVIIII`), 1 to 3999.
fn roman(word: &str) -> Option<u64> {
    let digit = |c: u8| -> Option<u64> {
        Some(match c {
            b'I' => 1,
            b'V' => 5,
            b'X' => 10,
            b'L' => 50,
            b'C' => 100,
            b'D' => 500,
            b'M' => 1000,
            _ => return None,
        })
    };
    let bytes = word.as_bytes();
    // Signed: `IX` takes the one away before adding the ten.
    let mut total: i64 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let v = digit(b)?;
        match bytes.get(i + 1).map(|&n| digit(n)) {
            Some(Some(next)) if next > v => total -= i64::try_from(v).ok()?,
            Some(None) => return None,
            _ => total += i64::try_from(v).ok()?,
        }
    }
    let total = u64::try_from(total).ok()?;
    (to_roman(total).as_deref() == Some(word)).then_some(total)
}

fn to_roman(mut n: u64) -> Option<String> {
    const TABLE: [(u64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    if !(1..=3999).contains(&n) {
        return None;
    }
    let mut out = String::new();
    for (v, s) in TABLE {
        while n >= v {
            out.push_str(s);
            n -= v;
        }
    }
    Some(out)
}

/// A number secret written in Roman numerals: a word of two or more capital letters
/// `IVXLCDM` in canonical form whose value is the secret.
pub(super) fn roman_numerals(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let Some(want) = as_number(s).filter(|n| (1..=3999).contains(n)) else {
        return;
    };
    for tok in &t.tokens {
        let Some(word) = t.text.get(tok.start..tok.end) else {
            continue;
        };
        if word.len() >= 2 && roman(word) == Some(want) {
            hits.push(Hit::new(
                tok.start,
                tok.end,
                format!("{who} appears in Roman numerals"),
            ));
        }
    }
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// The operator written between two numbers: a sign (`+`, `-`, `*`, `×`, `x`, `/`,
/// `÷`) or a word (`plus`, `minus`, `times`, `multiplied by`, `divided by`).
fn op_between(text: &str, toks: &[Token], a: usize, b: usize) -> Option<Op> {
    let (first, next) = (toks.get(a)?, toks.get(b)?);
    let gap = text.get(first.end..next.start)?.trim();
    let words: Vec<&str> = toks
        .get(a + 1..b)?
        .iter()
        .map(|t| t.text.as_str())
        .collect();
    match (words.as_slice(), gap) {
        ([], "+") => Some(Op::Add),
        ([], "-" | "−" | "–") => Some(Op::Sub),
        ([], "*" | "×" | "·") => Some(Op::Mul),
        ([], "/" | "÷") => Some(Op::Div),
        (["x"], _) if gap == "x" => Some(Op::Mul),
        (["plus"], _) => Some(Op::Add),
        (["minus"], _) => Some(Op::Sub),
        (["times"] | ["multiplied", "by"], _) => Some(Op::Mul),
        (["divided", "by"], _) => Some(Op::Div),
        _ => None,
    }
}

fn number(tok: &Token) -> Option<u64> {
    if tok.text.len() > 15 || !tok.text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    tok.text.parse().ok()
}

/// The value of `terms` joined by `ops`, products and quotients first; `None` on an
/// inexact division or an overflow.
fn evaluate(terms: &[u64], ops: &[Op]) -> Option<i128> {
    let mut sums: Vec<(Op, i128)> = Vec::new();
    let mut cur = i128::from(*terms.first()?);
    let mut sign = Op::Add;
    for (op, &v) in ops.iter().zip(terms.get(1..)?) {
        let v = i128::from(v);
        match op {
            Op::Mul => cur = cur.checked_mul(v)?,
            Op::Div => {
                if v == 0 || cur % v != 0 {
                    return None;
                }
                cur /= v;
            }
            Op::Add | Op::Sub => {
                sums.push((sign, cur));
                sign = *op;
                cur = v;
            }
        }
    }
    sums.push((sign, cur));
    sums.into_iter().try_fold(0i128, |acc, (op, v)| match op {
        Op::Sub => acc.checked_sub(v),
        _ => acc.checked_add(v),
    })
}

/// A number secret (100 or more) as an expression that comes to it: numbers joined by
/// operators (`7000 + 625`, `61 × 125`, `6 times 7 times 3`), or `add`/`the sum of`,
/// `multiply`/`the product of` two numbers (`add 1554 and 121`). No number of the
/// expression may be the secret itself (that is the secret written out).
pub(super) fn arithmetic(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let Some(want) = as_number(s).filter(|n| *n >= MIN_SUM) else {
        return;
    };
    let toks = &t.tokens;
    let found = |start: usize, end: usize, hits: &mut Vec<Hit>| {
        hits.push(Hit::new(
            start,
            end,
            format!("{who} appears as a sum or product"),
        ));
    };
    let mut i = 0;
    while let Some(first) = toks.get(i) {
        let Some(v) = number(first) else {
            i += 1;
            continue;
        };
        // The longest chain of numbers and operators from here.
        let (mut terms, mut ops) = (vec![v], Vec::new());
        let mut at = i;
        loop {
            let next = (at + 1..=at + 3).find_map(|b| {
                let n = number(toks.get(b)?)?;
                Some((b, n, op_between(t.text, toks, at, b)?))
            });
            let Some((b, n, op)) = next else { break };
            terms.push(n);
            ops.push(op);
            at = b;
        }
        if terms.len() >= 2
            && !terms.contains(&want)
            && evaluate(&terms, &ops) == Some(i128::from(want))
            && let Some(last) = toks.get(at)
        {
            found(first.start, last.end, hits);
        }
        i = at + 1;
    }
    // `add 1554 and 121`, `the sum of 1554 and 121`, `multiply 61 by 125`.
    for (i, tok) in toks.iter().enumerate() {
        let op = match tok.text.as_str() {
            "add" | "sum" | "total" => Op::Add,
            "multiply" | "product" => Op::Mul,
            _ => continue,
        };
        let from = i + 1 + usize::from(toks.get(i + 1).is_some_and(|n| n.text == "of"));
        let (Some(a), Some(join), Some(b)) =
            (toks.get(from), toks.get(from + 1), toks.get(from + 2))
        else {
            continue;
        };
        let joins = matches!(join.text.as_str(), "and" | "by" | "to" | "with");
        if let (true, Some(x), Some(y)) = (joins, number(a), number(b))
            && x != want
            && y != want
            && evaluate(&[x, y], &[op]) == Some(i128::from(want))
        {
            found(tok.start, b.end, hits);
        }
    }
}

/// A calendar date: year (four digits, or two when written so), month, day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Date {
    year: Option<u32>,
    month: u32,
    day: u32,
}

impl Date {
    fn new(year: Option<u32>, month: u32, day: u32) -> Option<Date> {
        ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(Date { year, month, day })
    }

    /// Same day and month, and the same year when both give one (two-digit years
    /// compare by their last two digits).
    fn same(self, other: Date) -> bool {
        let years = match (self.year, other.year) {
            (Some(a), Some(b)) => a == b || (a.min(b) < 100 && a % 100 == b % 100),
            _ => true,
        };
        self.month == other.month && self.day == other.day && years
    }
}

/// The dates three numbers can be: day-month-year, month-day-year, year-month-day.
fn readings(a: u32, b: u32, c: u32, c_is_year: bool, a_is_year: bool) -> Vec<Date> {
    let mut out = Vec::new();
    if c_is_year {
        out.extend(Date::new(Some(c), b, a));
        out.extend(Date::new(Some(c), a, b));
    }
    if a_is_year {
        out.extend(Date::new(Some(a), b, c));
    }
    out
}

/// The dates a secret written in digits can be (`13/08/2023`, `2023-08-13`).
fn secret_dates(raw: &str) -> Vec<Date> {
    let raw = raw.trim();
    let Some(sep) = raw.chars().find(|c| matches!(c, '/' | '-' | '.')) else {
        return Vec::new();
    };
    let parts: Vec<&str> = raw.split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return Vec::new();
    };
    if ![a, b, c]
        .iter()
        .all(|p| (1..=4).contains(&p.len()) && p.bytes().all(|d| d.is_ascii_digit()))
    {
        return Vec::new();
    }
    let n = |p: &str| p.parse::<u32>().unwrap_or(0);
    readings(n(a), n(b), n(c), c.len() >= 2 && a.len() <= 2, a.len() == 4)
}

fn month(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let i = MONTHS.iter().position(|m| {
        *m == word
            || (word.len() >= 3 && m.starts_with(word) && (word.len() == 3 || word == "sept"))
    })?;
    u32::try_from(i + 1).ok()
}

/// A day of the month: `13`, `13th`, `1st`.
fn day(word: &str) -> Option<u32> {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = word.get(digits.len()..).unwrap_or_default();
    if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") || digits.is_empty() || digits.len() > 2 {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

fn year(tok: Option<&Token>) -> Option<u32> {
    let tok = tok?;
    if matches!(tok.text.len(), 2 | 4) && tok.text.bytes().all(|b| b.is_ascii_digit()) {
        tok.text.parse().ok()
    } else {
        None
    }
}

/// A secret that is a date in digits, written as another date form: with the month
/// named (`13 August 2023`, `August 13th, 2023`, `the 13th of Aug 2023`) or its numbers
/// in another order (`2023-08-13`, `08/13/2023`). The year must match when both give one.
pub(super) fn dates(s: &Secret<'_>, who: &str, t: &TextIndex<'_>, hits: &mut Vec<Hit>) {
    let want = secret_dates(s.raw);
    if want.is_empty() {
        return;
    }
    let toks = &t.tokens;
    let fits = |d: Date| want.iter().any(|w| w.same(d));
    let report = |start: usize, end: usize, hits: &mut Vec<Hit>| {
        hits.push(Hit::new(start, end, format!("{who} appears as a date")));
    };
    for (i, tok) in toks.iter().enumerate() {
        if let Some(m) = month(&tok.text) {
            // `13 August 2023`, `13th of August 2023`.
            let before = match (i.checked_sub(1).and_then(|k| toks.get(k)), i.checked_sub(2)) {
                (Some(of), Some(k)) if of.text == "of" => toks.get(k),
                (prev, _) => prev,
            };
            if let Some(d) = before.and_then(|b| day(&b.text)) {
                let y = year(toks.get(i + 1));
                let end = if y.is_some() { i + 1 } else { i };
                if let (Some(date), Some(first), Some(last)) =
                    (Date::new(y, m, d), before, toks.get(end))
                    && (y.is_some() || want.iter().all(|w| w.year.is_none()))
                    && fits(date)
                {
                    report(first.start, last.end, hits);
                }
            }
            // `August 13th, 2023`.
            if let Some(d) = toks.get(i + 1).and_then(|n| day(&n.text)) {
                let y = year(toks.get(i + 2));
                let end = if y.is_some() { i + 2 } else { i + 1 };
                if let (Some(date), Some(last)) = (Date::new(y, m, d), toks.get(end))
                    && (y.is_some() || want.iter().all(|w| w.year.is_none()))
                    && fits(date)
                {
                    report(tok.start, last.end, hits);
                }
            }
            continue;
        }
        // Three numbers joined by one separator each: another order of the digits.
        let Some(run) = toks.get(i..i + 3) else {
            continue;
        };
        let joined_by_marks = run.windows(2).all(|w| match w {
            [a, b] => t
                .text
                .get(a.end..b.start)
                .is_some_and(|g| matches!(g, "/" | "-" | "." | " ")),
            _ => false,
        });
        let nums: Vec<(u32, usize)> = run
            .iter()
            .filter(|tok| (1..=4).contains(&tok.text.len()))
            .filter_map(|tok| Some((tok.text.parse().ok()?, tok.text.len())))
            .collect();
        let [(a, la), (b, _), (c, lc)] = nums.as_slice() else {
            continue;
        };
        let plain: String = run.iter().map(|tok| tok.text.as_str()).collect();
        if !joined_by_marks || plain == s.plain {
            continue;
        }
        let found = readings(*a, *b, *c, *lc >= 2 && *la <= 2, *la == 4)
            .into_iter()
            .any(|d| d.year.is_some() && fits(d));
        if let (true, Some(first), Some(last)) = (found, run.first(), run.last()) {
            report(first.start, last.end, hits);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roman_numerals_canonical() {
        assert_eq!(roman("XXIX"), Some(29));
        assert_eq!(roman("MCMLXXXV"), Some(1985));
        assert_eq!(roman("XXVIIII"), None);
        assert_eq!(roman("IC"), None);
        assert_eq!(roman("MIX"), Some(1009));
    }

    #[test]
    fn expressions() {
        assert_eq!(evaluate(&[7000, 625], &[Op::Add]), Some(7625));
        assert_eq!(evaluate(&[2, 3, 4], &[Op::Add, Op::Mul]), Some(14));
        assert_eq!(evaluate(&[10, 4], &[Op::Div]), None);
        assert_eq!(evaluate(&[10, 4, 1], &[Op::Sub, Op::Sub]), Some(5));
    }

    #[test]
    fn date_readings() {
        let d = secret_dates("13/08/2023");
        assert_eq!(
            d,
            [Date {
                year: Some(2023),
                month: 8,
                day: 13
            }]
        );
        assert_eq!(secret_dates("2023-08-13").len(), 1);
        assert_eq!(secret_dates("03/04/21").len(), 2);
        assert!(secret_dates("7-11").is_empty());
        assert_eq!(month("aug"), Some(8));
        assert_eq!(month("sept"), Some(9));
        assert_eq!(month("mayor"), None);
        assert_eq!(day("13th"), Some(13));
        assert_eq!(day("32"), None);
    }
}
