//! `aws_access_key` and `aws_secret_key`: AWS credentials.
//!
//! - Access key ids: a four-letter prefix naming the kind of principal (`AKIA` long
//!   term, `ASIA` temporary, `AGPA` group, `AIDA` user, `AROA` role, `ANPA` managed
//!   policy, `ANVA` version, `AIPA` instance profile) and sixteen base32 characters.
//! - Secret access keys: forty base64 characters (`A-Za-z0-9/+`), reported only near
//!   an access key id or after a keyword such as `aws_secret_access_key`, since
//!   forty random characters alone could be any hash or token.
//!
//! The placeholders AWS documents are not credentials and are not reported: an access
//! key id ending in `EXAMPLE` (`AKIAIOSFODNN7EXAMPLE`, `AKIAI44QH8DHBEXAMPLE`) and a
//! secret key ending in `EXAMPLEKEY` (`wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`). A
//! developer quoting the documentation is not leaking a key, and a random key ends so
//! with odds under one in 10^10. An example id still opens a window for a real secret
//! key beside it.

use std::sync::OnceLock;

use ::regex::bytes::Regex;
use memchr::memmem;
use serde::{Deserialize, Serialize};

use super::{Check, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;

/// Configuration of an `aws_access_key` rule (nothing to configure yet).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKeyConfig {}

/// Configuration of an `aws_secret_key` rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretKeyConfig {
    /// How far (bytes) from an access key id or keyword a secret may be. Default 200.
    #[serde(default = "default_window")]
    pub window: usize,
}

impl Default for SecretKeyConfig {
    fn default() -> Self {
        SecretKeyConfig {
            window: default_window(),
        }
    }
}

fn default_window() -> usize {
    200
}

/// Access key ids; the literal prefixes make the regex's prefilter skip most text.
const ACCESS_KEY_ID: &str = r"(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z2-7]{16}";

/// Keywords that announce a secret access key (matched case-insensitively, found
/// from the anchor `secret` in its usual casings: `secret`, `Secret`, `SECRET`).
const SECRET_KEYWORDS: &[&str] = &[
    "aws_secret_access_key",
    "aws_secret_key",
    "secret_access_key",
    "secretaccesskey",
    "aws secret access key",
    "aws secret key",
    "secret access key",
    "aws-secret-access-key",
];

/// The access key id pattern, compiled once per process (each rule gets a clone, which
/// shares the compiled program).
fn access_key_regex() -> Result<Regex, String> {
    static RE: OnceLock<Result<Regex, String>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(ACCESS_KEY_ID).map_err(|e| format!("cannot build the access key pattern: {e}"))
    })
    .clone()
}

/// How the access key ids in AWS's documentation end.
const EXAMPLE_ID: &[u8] = b"EXAMPLE";

/// How the secret access keys in AWS's documentation end.
const EXAMPLE_SECRET: &[u8] = b"EXAMPLEKEY";

fn is_b32(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Access key ids in `bytes`, as byte ranges standing on their own.
fn access_key_ids<'a>(re: &'a Regex, bytes: &'a [u8]) -> impl Iterator<Item = (usize, usize)> + 'a {
    re.find_iter(bytes)
        .map(|m| (m.start(), m.end()))
        .filter(|&(s, e)| {
            let before = s.checked_sub(1).and_then(|i| bytes.get(i)).copied();
            !before.is_some_and(is_b32) && !bytes.get(e).copied().is_some_and(is_b32)
        })
}

/// A compiled `aws_access_key` rule.
#[derive(Debug)]
pub(crate) struct AwsAccessKey {
    re: Regex,
}

impl AwsAccessKey {
    pub(crate) fn compile(_config: &AccessKeyConfig) -> Result<AwsAccessKey, String> {
        Ok(AwsAccessKey {
            re: access_key_regex()?,
        })
    }
}

impl Check for AwsAccessKey {
    fn category(&self) -> Category {
        Category::Secret
    }

    fn severity(&self) -> Severity {
        Severity::Critical
    }

    fn label(&self) -> &str {
        "AWS_ACCESS_KEY"
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        let bytes = input.text.as_bytes();
        for (s, e) in access_key_ids(&self.re, bytes) {
            if !bytes.get(s..e).is_some_and(|id| id.ends_with(EXAMPLE_ID)) {
                hits.push(Hit::new(s, e, "AWS access key id"));
            }
        }
        Ok(())
    }
}

/// A compiled `aws_secret_key` rule.
#[derive(Debug)]
pub(crate) struct AwsSecretKey {
    re: Regex,
    lower: memmem::Finder<'static>,
    upper: memmem::Finder<'static>,
    window: usize,
}

impl AwsSecretKey {
    pub(crate) fn compile(config: &SecretKeyConfig) -> Result<AwsSecretKey, String> {
        Ok(AwsSecretKey {
            re: access_key_regex()?,
            lower: memmem::Finder::new(b"ecret"),
            upper: memmem::Finder::new(b"ECRET"),
            window: config.window,
        })
    }
}

/// The end of a keyword whose `secret` starts at `anchor`, if one is there.
fn keyword_end(bytes: &[u8], anchor: usize) -> Option<usize> {
    SECRET_KEYWORDS.iter().find_map(|kw| {
        let offset = kw.find("secret")?;
        let start = anchor.checked_sub(offset)?;
        let end = start + kw.len();
        bytes
            .get(start..end)
            .filter(|s| s.eq_ignore_ascii_case(kw.as_bytes()))
            .map(|_| end)
    })
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'/' || b == b'+'
}

impl Check for AwsSecretKey {
    fn category(&self) -> Category {
        Category::Secret
    }

    fn severity(&self) -> Severity {
        Severity::Critical
    }

    fn label(&self) -> &str {
        "AWS_SECRET_KEY"
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        let bytes = input.text.as_bytes();
        // Windows to search: after each keyword, around each access key id.
        let mut windows: Vec<(usize, usize)> = self
            .lower
            .find_iter(bytes)
            .chain(self.upper.find_iter(bytes))
            .filter_map(|at| keyword_end(bytes, at.checked_sub(1)?))
            .map(|end| (end, end.saturating_add(self.window)))
            .collect();
        windows.extend(
            access_key_ids(&self.re, bytes)
                .map(|(s, e)| (s.saturating_sub(self.window), e.saturating_add(self.window))),
        );
        if windows.is_empty() {
            return Ok(());
        }
        windows.sort_unstable();
        let mut done = 0; // everything before this has been searched
        for (ws, we) in windows {
            let mut i = ws.max(done);
            let we = we.min(bytes.len());
            while i < we {
                if !bytes.get(i).copied().is_some_and(is_b64) {
                    i += 1;
                    continue;
                }
                // The whole token, even where it crosses the window's edges.
                let mut s = i;
                while s > 0 && bytes.get(s - 1).copied().is_some_and(is_b64) {
                    s -= 1;
                }
                let mut e = i;
                while bytes.get(e).copied().is_some_and(is_b64) {
                    e += 1;
                }
                if e - s == 40 && bytes.get(e).is_none_or(|&b| b != b'=') {
                    let tok = bytes.get(s..e).unwrap_or_default();
                    let upper = tok.iter().any(u8::is_ascii_uppercase);
                    let lower = tok.iter().any(u8::is_ascii_lowercase);
                    let other = tok
                        .iter()
                        .any(|b| b.is_ascii_digit() || *b == b'/' || *b == b'+');
                    if upper
                        && lower
                        && other
                        && !tok.ends_with(EXAMPLE_SECRET)
                        && hits.last().is_none_or(|h| h.start != s)
                    {
                        hits.push(Hit::new(s, e, "AWS secret access key"));
                    }
                }
                i = e;
            }
            done = done.max(we);
        }
        Ok(())
    }
}
