//! `payment_card`: payment card numbers (PANs) of the major issuers, written as one
//! run of digits or in groups separated by spaces or dashes (`4111 1111 1111 1111`,
//! `3782-822463-10005`). A number counts only when its issuer prefix and length
//! agree (Visa, Mastercard including the 2-series, American Express, Discover, JCB,
//! Diners Club, UnionPay, Maestro) and it passes the Luhn check, so order and
//! tracking numbers of the same length are not reported.

use serde::{Deserialize, Serialize};

use super::digits::{self, Run, sep};
use super::iban;
use super::{Check, Hit, Input};
use crate::checksum::luhn_valid;
use crate::decision::{Category, Severity};
use crate::error::RuleError;

/// Configuration of a `payment_card` rule (nothing to configure yet).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {}

/// A card issuer (scheme), known from the number's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issuer {
    /// Visa: 4, 13, 16 or 19 digits.
    Visa,
    /// Mastercard: 51–55 and 2221–2720, 16 digits.
    Mastercard,
    /// American Express: 34, 37, 15 digits.
    Amex,
    /// Discover: 6011, 644–649, 65, 622126–622925; 16–19 digits.
    Discover,
    /// JCB: 3528–3589, 16–19 digits.
    Jcb,
    /// Diners Club: 300–305, 3095, 36, 38–39; 14–19 digits.
    Diners,
    /// UnionPay: 62, 16–19 digits.
    UnionPay,
    /// Maestro: 5018, 5020, 5038, 5893, 6304, 6759, 6761–6763; 12–19 digits.
    Maestro,
}

impl Issuer {
    /// The issuer a number's prefix and length fit, if any (digits only).
    pub fn of(digits: &[u8]) -> Option<Issuer> {
        let len = digits.len();
        let prefix = |n: usize| -> u32 {
            digits.get(..n).map_or(0, |p| {
                p.iter()
                    .fold(0, |acc, &b| acc * 10 + u32::from(b.wrapping_sub(b'0')))
            })
        };
        let (p1, p2, p3, p4, p6) = (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6));
        let issuer = if p1 == 4 {
            Issuer::Visa
        } else if (51..=55).contains(&p2) || (2221..=2720).contains(&p4) {
            Issuer::Mastercard
        } else if p2 == 34 || p2 == 37 {
            Issuer::Amex
        } else if matches!(
            p4,
            5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761 | 6762 | 6763
        ) {
            Issuer::Maestro
        } else if p4 == 6011
            || (644..=649).contains(&p3)
            || p2 == 65
            || (622_126..=622_925).contains(&p6)
        {
            Issuer::Discover
        } else if p2 == 62 {
            Issuer::UnionPay
        } else if (3528..=3589).contains(&p4) {
            Issuer::Jcb
        } else if (300..=305).contains(&p3) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39 {
            Issuer::Diners
        } else {
            return None;
        };
        let len_ok = match issuer {
            Issuer::Visa => matches!(len, 13 | 16 | 19),
            Issuer::Mastercard => len == 16,
            Issuer::Amex => len == 15,
            Issuer::Discover | Issuer::Jcb | Issuer::UnionPay => (16..=19).contains(&len),
            Issuer::Diners => (14..=19).contains(&len),
            Issuer::Maestro => (12..=19).contains(&len),
        };
        len_ok.then_some(issuer)
    }

    /// Name used in finding reasons.
    pub fn as_str(self) -> &'static str {
        match self {
            Issuer::Visa => "Visa",
            Issuer::Mastercard => "Mastercard",
            Issuer::Amex => "American Express",
            Issuer::Discover => "Discover",
            Issuer::Jcb => "JCB",
            Issuer::Diners => "Diners Club",
            Issuer::UnionPay => "UnionPay",
            Issuer::Maestro => "Maestro",
        }
    }
}

/// A compiled `payment_card` rule.
#[derive(Debug)]
pub(crate) struct PaymentCard;

impl Check for PaymentCard {
    fn category(&self) -> Category {
        Category::Pii
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn label(&self) -> &str {
        "CARD"
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        let text = input.text;
        let bytes = text.as_bytes();
        let mut from = 0;
        while let Some(d) = digits::next_digit(bytes, from) {
            if let Err(resume) = digits::enough_digits(bytes, d, 23, 12, sep::SPACE | sep::DASH) {
                from = resume;
                continue;
            }
            let run = Run::parse(bytes, d, sep::SPACE | sep::DASH);
            from = run.end.max(d + 1);
            // After a key (`CC:4111 …`) a number is the key's value: the issuer prefix
            // and the checksum below tell a card from an order number.
            if run.plus
                || run.paren_first
                || !(digits::after_key(bytes, run.start) || digits::left_ok(text, run.start))
                || run.total < 12
            {
                continue;
            }
            let found = (1..=run.n).rev().find_map(|k| {
                let digits = run.digits(k);
                let issuer = Issuer::of(digits)?;
                let ends = run.clean_end_or_field(bytes, k);
                (grouping_ok(&run, k) && ends && luhn_valid(digits)).then_some((k, issuer))
            });
            if let Some((k, issuer)) = found.filter(|_| !iban::in_iban_shape(bytes, run.start)) {
                hits.push(Hit::new(
                    run.start,
                    run.group(k - 1).1,
                    format!("{} card number", issuer.as_str()),
                ));
            }
        }
        Ok(())
    }
}

/// One run of digits, or groups with one kind of separator: fours with a shorter
/// last group (`4111 1111 1111 1111`, `6011 0009 9013 9424 123`), or the 4-6-5 /
/// 4-6-4 grouping of Amex and Diners.
fn grouping_ok(run: &Run, k: usize) -> bool {
    if k == 1 {
        return true;
    }
    let s = run.sep(1);
    if !(1..k).all(|i| run.sep(i) == s) {
        return false;
    }
    let lens = |i: usize| run.len(i);
    let fours = (0..k - 1).all(|i| lens(i) == 4) && (1..=4).contains(&lens(k - 1));
    let amex = k == 3 && lens(0) == 4 && lens(1) == 6 && (4..=5).contains(&lens(2));
    fours || amex
}
