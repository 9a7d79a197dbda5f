//! `us_ssn`: US Social Security numbers. `123-45-6789` counts on its own; the same
//! nine digits without dashes (`123456789`, `123 45 6789`) only after a context word
//! ("SSN", "social security", …), since nine bare digits are usually something else.
//! Numbers that cannot have been issued (area 000, 666 or 900–999, group 00, serial
//! 0000; see [`crate::checksum::ssn_valid`]) are not reported.

use serde::{Deserialize, Serialize};

use super::digits::{self, Run, sep};
use super::{Check, Hit, Input};
use crate::checksum::ssn_digits_valid;
use crate::decision::{Category, Severity};
use crate::error::RuleError;

/// Configuration of a `us_ssn` rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Report undashed numbers after a context word. Default true.
    #[serde(default = "yes")]
    pub undashed_with_context: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            undashed_with_context: true,
        }
    }
}

fn yes() -> bool {
    true
}

/// Words that make nine digits an SSN.
const CONTEXT: &[&str] = &[
    "ssn",
    "social security",
    "soc sec",
    "soc. sec",
    "ss#",
    "ss #",
    "ss no",
    "taxpayer id",
];

/// A compiled `us_ssn` rule.
#[derive(Debug)]
pub(crate) struct UsSsn {
    undashed_with_context: bool,
}

impl UsSsn {
    pub(crate) fn compile(config: &Config) -> UsSsn {
        UsSsn {
            undashed_with_context: config.undashed_with_context,
        }
    }
}

impl Check for UsSsn {
    fn category(&self) -> Category {
        Category::Pii
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn label(&self) -> &str {
        "SSN"
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        let text = input.text;
        let bytes = text.as_bytes();
        let mut from = 0;
        while let Some(d) = digits::next_digit(bytes, from) {
            // `ddd-dd-dddd`, `ddd dd dddd` or nine digits, judged by the first group.
            let first_end = digits::digit_run_end(bytes, d);
            let shape = match (first_end - d, bytes.get(first_end)) {
                (3, Some(b'-')) => true,
                (3, Some(b' ')) | (9, _) => self.undashed_with_context,
                _ => false,
            };
            if !shape {
                from = first_end;
                continue;
            }
            let run = Run::parse(bytes, d, sep::SPACE | sep::DASH);
            from = run.end.max(d + 1);
            let hash = run.start.checked_sub(1).and_then(|i| bytes.get(i)) == Some(&b'#');
            let key = digits::after_key(bytes, run.start);
            if run.plus || run.paren_first || !(hash || key || digits::left_ok(text, run.start)) {
                continue;
            }
            let dashed = run.n >= 3
                && (run.len(0), run.len(1), run.len(2)) == (3, 2, 4)
                && run.sep(1) == sep::DASH
                && run.sep(2) == sep::DASH;
            let k = if dashed {
                3
            } else if !self.undashed_with_context {
                continue;
            } else if run.len(0) == 9 {
                1
            } else if run.n >= 3
                && (run.len(0), run.len(1), run.len(2)) == (3, 2, 4)
                && run.sep(1) == sep::SPACE
                && run.sep(2) == sep::SPACE
            {
                3
            } else {
                continue;
            };
            if !run.clean_end_or_field(bytes, k) || !ssn_digits_valid(run.digits(k)) {
                continue;
            }
            if !dashed && !digits::context_before(text, run.start, 40, CONTEXT) {
                continue;
            }
            let why = if dashed {
                "US social security number"
            } else {
                "US social security number after a context word"
            };
            hits.push(Hit::new(run.start, run.group(k - 1).1, why));
        }
        Ok(())
    }
}
