//! `iban`: International Bank Account Numbers, compact (`GB82WEST12345698765432`) or
//! in the printed groups of four (`GB82 WEST 1234 5698 7654 32`). A candidate must
//! have its country's registered length and pass the ISO 7064 mod-97 check, so
//! reference numbers that merely start with two letters are not reported.

use serde::{Deserialize, Serialize};

use super::digits;
use super::{Check, Hit, Input};
use crate::checksum::{iban_length, iban_valid};
use crate::decision::{Category, Severity};
use crate::error::RuleError;

/// Configuration of an `iban` rule (nothing to configure yet).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {}

/// A compiled `iban` rule.
#[derive(Debug)]
pub(crate) struct Iban;

/// The longest IBAN in the registry.
const MAX_LEN: usize = 34;

impl Check for Iban {
    fn category(&self) -> Category {
        Category::Pii
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn label(&self) -> &str {
        "IBAN"
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        let bytes = input.text.as_bytes();
        let mut from = 0;
        // An IBAN is two capitals then two check digits: look at every digit that
        // follows two capitals at the start of a word.
        while let Some(d) = digits::next_digit(bytes, from) {
            from = digits::digit_run_end(bytes, d);
            let Some(s) = d.checked_sub(2) else { continue };
            let (Some(&c0), Some(&c1)) = (bytes.get(s), bytes.get(s + 1)) else {
                continue;
            };
            if !c0.is_ascii_uppercase() || !c1.is_ascii_uppercase() {
                continue;
            }
            if digits::word_before(bytes, s) {
                continue;
            }
            let Some(len) = iban_length([c0, c1]) else {
                continue;
            };
            if let Some(end) = parse(bytes, s, len) {
                hits.push(Hit::new(
                    s,
                    end,
                    format!("IBAN ({})", String::from_utf8_lossy(&[c0, c1])),
                ));
                from = end;
            }
        }
        Ok(())
    }
}

/// True when byte `pos` continues an IBAN-shaped run (`NL91 ABNA 0417 …`, two
/// capitals and two digits, then only capitals, digits and spaces), valid or not,
/// so the phone and card rules leave the digit groups of account numbers alone.
pub(crate) fn in_iban_shape(bytes: &[u8], pos: usize) -> bool {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let mut s = pos;
    while s > 0 && pos - s < MAX_LEN + MAX_LEN / 4 {
        let b = at(s - 1);
        if !(b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ') {
            break;
        }
        s -= 1;
        let word_start = s == 0 || !digits::is_word(at(s - 1));
        if word_start
            && at(s).is_ascii_uppercase()
            && at(s + 1).is_ascii_uppercase()
            && at(s + 2).is_ascii_digit()
            && at(s + 3).is_ascii_digit()
        {
            return true;
        }
    }
    false
}

/// Reads `len` IBAN characters from `s` (single spaces allowed after each group of
/// four) and returns the end when they form a valid IBAN standing on its own.
fn parse(bytes: &[u8], s: usize, len: usize) -> Option<usize> {
    let mut buf = [0u8; MAX_LEN];
    let mut count = 0;
    let mut group = 0;
    let mut i = s;
    while count < len {
        let b = *bytes.get(i)?;
        if b.is_ascii_uppercase() || b.is_ascii_digit() {
            *buf.get_mut(count)? = b;
            count += 1;
            group += 1;
            i += 1;
        } else if b == b' ' && group == 4 {
            group = 0;
            i += 1;
        } else {
            return None;
        }
    }
    if digits::word_at(bytes, i) {
        return None;
    }
    iban_valid(buf.get(..count)?).then_some(i)
}
