//! `email`: e-mail addresses (`local@domain.tld`, ASCII). Found from each `@`, so
//! text without one costs a single `memchr` pass. The domain needs at least two
//! labels and an alphabetic top-level label, which rules out `user@localhost`,
//! `@mentions` and `pkg@1.2.3`; image names like `icon@2x.png` are skipped too.

use serde::{Deserialize, Serialize};

use super::{Check, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;
use crate::normalise::email::address_at;

/// Configuration of an `email` rule (nothing to configure yet).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {}

/// A compiled `email` rule.
#[derive(Debug)]
pub(crate) struct Email;

impl Check for Email {
    fn category(&self) -> Category {
        Category::Pii
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn label(&self) -> &str {
        "EMAIL"
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        let bytes = input.text.as_bytes();
        let mut last_end = 0;
        for at in memchr::memchr_iter(b'@', bytes) {
            if at < last_end {
                continue;
            }
            if let Some((s, e)) = address_at(bytes, at)
                && s >= last_end
            {
                hits.push(Hit::new(s, e, "email address"));
                last_end = e;
            }
        }
        Ok(())
    }
}
